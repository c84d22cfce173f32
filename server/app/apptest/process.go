package apptest

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildLog  []byte
)

// Binary builds cmd/apiserver once per test process and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "specfirst-apiserver")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "apiserver")
		root, err := moduleRoot()
		if err != nil {
			buildErr = err
			return
		}
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/apiserver")
		cmd.Dir = root
		buildLog, buildErr = cmd.CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("build apiserver: %v\n%s", buildErr, buildLog)
	}
	return binPath
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	return filepath.Dir(strings.TrimSpace(string(out))), nil
}

// Process is an apiserver running as its own process.
type Process struct {
	URL  string
	Cmd  *exec.Cmd
	done chan error
}

var listening = regexp.MustCompile(`msg="apiserver listening" addr=(\S+)`)

// StartProcess runs the apiserver binary with args (add --addr 127.0.0.1:0 to get a free
// port) and waits until it listens. The process is killed when t ends, if still running.
func StartProcess(t testing.TB, env []string, args ...string) *Process {
	t.Helper()
	cmd := exec.Command(Binary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &Process{Cmd: cmd, done: make(chan error, 1)}
	addr := make(chan string, 1)
	var logMu sync.Mutex
	var logBuf strings.Builder
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			logMu.Lock()
			logBuf.WriteString(line + "\n")
			logMu.Unlock()
			if m := listening.FindStringSubmatch(line); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			logMu.Lock()
			t.Logf("apiserver log:\n%s", logBuf.String())
			logMu.Unlock()
		}
	})
	select {
	case a := <-addr:
		p.URL = "http://" + a
	case err := <-p.done:
		p.done <- err
		logMu.Lock()
		defer logMu.Unlock()
		t.Fatalf("apiserver exited before listening: %v\n%s", err, logBuf.String())
	case <-time.After(60 * time.Second):
		t.Fatal("apiserver did not start listening within 60s")
	}
	return p
}

// Wait waits for the process to exit, at most d.
func (p *Process) Wait(ctx context.Context) error {
	select {
	case err := <-p.done:
		p.done <- err
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
