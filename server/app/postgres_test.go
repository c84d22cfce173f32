package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/specfirst/specfirst/server/app/apptest"
	"github.com/specfirst/specfirst/server/storage"
	"github.com/specfirst/specfirst/server/storage/storagetest"
)

func needPostgres(t *testing.T) string {
	t.Helper()
	if os.Getenv(storagetest.EnvURL) == "" {
		t.Skipf("PostgreSQL test skipped: set %s=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable to run it", storagetest.EnvURL)
	}
	return storagetest.NewPostgresDatabase(t)
}

// call sends a CVM request as the demo user and returns status and body.
func call(t *testing.T, client *http.Client, method, url string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	req.Header.Set("API-Public-Token", "demo-public")
	req.Header.Set("API-Private-Token", "demo-private")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestDatabaseOutage cuts the server off its PostgreSQL database and brings it back:
// meanwhile requests get a prompt 503 in the API's error shape (not a hang, not a crash),
// and afterwards the server serves again without a restart.
func TestDatabaseOutage(t *testing.T) {
	dbURL := needPostgres(t)
	u, _ := url.Parse(dbURL)
	proxy := storagetest.NewProxy(t, u.Host)
	srv := apptest.Start(t, storage.Config{URL: proxy.Via(dbURL), ConnectTimeout: 2 * time.Second}, "demo")
	// The client's timeout only turns a hang into a failure; a 503 comes long before it.
	client := &http.Client{Timeout: 20 * time.Second}
	list := srv.URL + "/cvm/api/client/vps/list"

	if code, body := call(t, client, "GET", list); code != 200 {
		t.Fatalf("before the outage: %d %s", code, body)
	}

	proxy.Stop()
	for _, req := range []struct{ method, url string }{
		{"GET", list},
		{"GET", srv.URL + "/cvm/api/client/vps/1/status"},
		{"POST", srv.URL + "/cvm/api/client/vps/1/stop"},
	} {
		code, body := call(t, client, req.method, req.url)
		var env struct{ Errors []string }
		if code != http.StatusServiceUnavailable || json.Unmarshal([]byte(body), &env) != nil || len(env.Errors) != 1 ||
			!strings.Contains(env.Errors[0], "database is unavailable") {
			t.Errorf("during the outage %s %s: %d %s, want 503 in the error envelope", req.method, req.url, code, body)
		}
	}
	// tsuru: its own shape (plain text) and the same status.
	login, err := client.Post(srv.URL+"/tsuru/users/nobody@globo.com/tokens", "application/json", strings.NewReader(`{"password":"123456"}`))
	if err != nil {
		t.Fatal(err)
	}
	lb, _ := io.ReadAll(login.Body)
	login.Body.Close()
	if login.StatusCode != http.StatusServiceUnavailable || !strings.HasPrefix(login.Header.Get("Content-Type"), "text/plain") ||
		!strings.Contains(string(lb), "database is unavailable") {
		t.Errorf("tsuru login during the outage: %d %q %s", login.StatusCode, login.Header.Get("Content-Type"), lb)
	}
	resp, err := client.Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("healthz during the outage: %d", resp.StatusCode)
	}

	proxy.Start(t)
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, body := call(t, client, "GET", list)
		if code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery after the database came back: %d %s", code, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if code, body := call(t, client, "POST", srv.URL+"/cvm/api/client/vps/2/start"); code != 200 {
		t.Errorf("write after recovery: %d %s", code, body)
	}
}

// TestTwoReplicas runs two apiserver processes on one PostgreSQL database: a write through
// one is read through the other at once, and a race split across both keeps its invariant.
func TestTwoReplicas(t *testing.T) {
	dbURL := needPostgres(t)
	env := []string{"SPECFIRST_DATABASE_URL=" + dbURL}
	// Both start together on an empty database: migrations and seeding must happen once.
	var (
		wg   sync.WaitGroup
		reps [2]*apptest.Process
	)
	for i := range reps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reps[i] = apptest.StartProcess(t, env, "--addr", "127.0.0.1:0", "--data-dir", t.TempDir())
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	a, b := reps[0].URL, reps[1].URL
	client := &http.Client{Timeout: 20 * time.Second}

	t.Run("seeded once", func(t *testing.T) {
		for _, base := range []string{a, b} {
			code, body := call(t, client, "GET", base+"/cvm/api/client/vps/list")
			if code != 200 || strings.Count(body, `"hostname"`) != 2 {
				t.Errorf("%s: %d %s", base, code, body)
			}
		}
	})

	t.Run("a write through one is read through the other", func(t *testing.T) {
		for _, step := range []struct{ action, via, readVia, want string }{
			{"stop", a, b, "stopped"},
			{"start", b, a, "running"},
			{"stop", a, b, "stopped"},
		} {
			if code, body := call(t, client, "POST", step.via+"/cvm/api/client/vps/1/"+step.action); code != 200 {
				t.Fatalf("%s: %d %s", step.action, code, body)
			}
			code, body := call(t, client, "GET", step.readVia+"/cvm/api/client/vps/1/status")
			if code != 200 || !strings.Contains(body, `"status":"`+step.want+`"`) {
				t.Errorf("after %s via one replica, the other reads %d %s", step.action, code, body)
			}
		}
	})

	t.Run("concurrent identical sign-ups across replicas", func(t *testing.T) {
		const n = 20
		codes := make(chan int, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				base := []string{a, b}[i%2]
				<-start
				resp, err := client.Post(base+"/tsuru/users", "application/json",
					strings.NewReader(`{"email":"race@example.com","password":"123456"}`))
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				codes <- resp.StatusCode
			}(i)
		}
		close(start)
		wg.Wait()
		close(codes)
		count := map[int]int{}
		for c := range codes {
			count[c]++
		}
		if count[200] != 1 || count[409] != n-1 {
			t.Errorf("sign-up outcomes %v, want exactly one 200 and %d 409", count, n-1)
		}
	})

	t.Run("graceful stop of one replica leaves the other serving", func(t *testing.T) {
		_ = reps[0].Cmd.Process.Signal(os.Interrupt)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := reps[0].Wait(ctx); err != nil {
			t.Errorf("replica exit: %v", err)
		}
		if code, body := call(t, client, "GET", b+"/cvm/api/client/vps/list"); code != 200 {
			t.Errorf("the other replica: %d %s", code, body)
		}
	})
}
