package main

import (
	"bufio"
	"context"
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
