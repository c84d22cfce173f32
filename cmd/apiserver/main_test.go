package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/specfirst/specfirst/server/app/apptest"
)

// TestGracefulShutdown sends SIGTERM while a request is in flight: the request still gets
// its answer, and the process then exits cleanly.
func TestGracefulShutdown(t *testing.T) {
	p := apptest.StartProcess(t, nil, "--addr", "127.0.0.1:0", "--data-dir", t.TempDir())
	host := strings.TrimPrefix(p.URL, "http://")

	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A request whose handler is running (it is reading the body) when the signal comes.
	body := `{"email":"late@example.com","password":"123456"}`
	head := "POST /tsuru/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n"
	if _, err := conn.Write([]byte(head + body[:10])); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if err := p.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if _, err := conn.Write([]byte(body[10:])); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the in-flight request was dropped: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("in-flight sign-up: %d", resp.StatusCode)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := p.Wait(ctx); err != nil {
		t.Errorf("exit: %v", err)
	}
	if _, err := net.DialTimeout("tcp", host, time.Second); err == nil {
		t.Error("still accepting connections after shutdown")
	}
}

func TestFlagsAndEnv(t *testing.T) {
	if err := run([]string{"--no-such-flag"}); err == nil {
		t.Error("an unknown flag must fail")
	}
	t.Setenv("SPECFIRST_SEED", "/does/not/exist.yaml")
	if err := run([]string{"--addr", "127.0.0.1:0", "--data-dir", t.TempDir()}); err == nil || !strings.Contains(err.Error(), "exist.yaml") {
		t.Errorf("SPECFIRST_SEED is not honoured: %v", err)
	}
}

// TestStandalone serves CVM alone at the root of a second listener, beside the prefixed one.
func TestStandalone(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	standaloneAddr := ln.Addr().String()
	ln.Close()
	p := apptest.StartProcess(t, nil, "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--standalone", "cvm="+standaloneAddr)
	for _, url := range []string{p.URL + "/cvm/api/client/vps/list", "http://" + standaloneAddr + "/vps/list"} {
		var resp *http.Response
		for i := 0; i < 50; i++ { // the second listener may log after the first
			req, _ := http.NewRequest("GET", url, nil)
			req.Header.Set("API-Public-Token", "demo-public")
			req.Header.Set("API-Private-Token", "demo-private")
			if resp, err = http.DefaultClient.Do(req); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), "test-vz.cryto.net") {
			t.Errorf("%s: %d %s", url, resp.StatusCode, b)
		}
	}
	resp, err := http.Get("http://" + standaloneAddr + "/nope")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 404 || !strings.Contains(string(b), `"errors"`) {
		t.Errorf("unknown route on the standalone listener: %d %s", resp.StatusCode, b)
	}
	if err := run([]string{"--data-dir", t.TempDir(), "--addr", "127.0.0.1:0", "--standalone", "nosuch=127.0.0.1:0"}); err == nil {
		t.Error("an unknown API name must be refused")
	}
}
