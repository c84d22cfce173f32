package app_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/specfirst/specfirst/openapi"
	"github.com/specfirst/specfirst/server/app"
	"github.com/specfirst/specfirst/server/app/apptest"
	"github.com/specfirst/specfirst/server/storage"
)

var pathParam = regexp.MustCompile(`:[A-Za-z0-9_]+`)

// TestEveryProtectedOperationRequiresCredentials walks every operation of every mounted
// spec and sends it without credentials: each must answer 401, in its API's error shape
// (response validation, on in apptest, checks the shape against the spec's 401 response).
func TestEveryProtectedOperationRequiresCredentials(t *testing.T) {
	srv := apptest.Start(t, storage.Config{DataDir: t.TempDir()}, "demo")
	ops := srv.App.Server.Routes().Operations()
	mounted := map[string]bool{}
	protected := 0
	for _, op := range ops {
		mounted[op.API.Name] = true
		if len(op.Security) == 0 {
			continue
		}
		protected++
		t.Run(op.API.Name+"/"+op.ID, func(t *testing.T) {
			path := pathParam.ReplaceAllString(op.EchoPath, "1")
			var body io.Reader
			if op.BodyRef != nil {
				body = bytes.NewReader([]byte(`{}`))
			}
			req, _ := http.NewRequest(op.Method(), srv.URL+path, body)
			if body != nil {
				req.Header.Set("Content-Type", "application/json")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s %s: %d %s, want 401", op.Method(), path, resp.StatusCode, b)
			}
			if !op.Declares(http.StatusUnauthorized) {
				t.Errorf("the spec does not declare 401 for %s", op.ID)
			}
			if len(bytes.TrimSpace(b)) == 0 {
				t.Error("empty 401 body")
			}
		})
	}
	for _, name := range openapi.Names() {
		if !mounted[name] {
			t.Logf("spec %s is not mounted by the apiserver yet", name)
		}
	}
	if protected == 0 {
		t.Fatal("no protected operation found")
	}
}

func TestServiceEndpoints(t *testing.T) {
	srv := apptest.Start(t, storage.Config{DataDir: t.TempDir()}, "demo")
	get := func(t *testing.T, path string) (int, string, http.Header) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}

	t.Run("healthz", func(t *testing.T) {
		if code, body, _ := get(t, "/healthz"); code != 200 || !strings.Contains(body, `"ok"`) {
			t.Errorf("%d %s", code, body)
		}
	})

	t.Run("raw specs", func(t *testing.T) {
		for _, name := range openapi.Names() {
			raw, _ := openapi.YAML(name)
			if code, body, _ := get(t, "/openapi/"+name+".yaml"); code != 200 || body != string(raw) {
				t.Errorf("%s.yaml: %d, %d bytes (want the file as written)", name, code, len(body))
			}
			if code, body, h := get(t, "/openapi/"+name+".json"); code != 200 || !strings.HasPrefix(body, "{") ||
				!strings.HasPrefix(h.Get("Content-Type"), "application/json") {
				t.Errorf("%s.json: %d %.40s", name, code, body)
			}
		}
	})

	t.Run("swagger ui lists every spec and is served offline", func(t *testing.T) {
		code, page, _ := get(t, "/docs/")
		if code != 200 || !strings.Contains(page, "swagger-ui") {
			t.Fatalf("%d %.200s", code, page)
		}
		for _, name := range openapi.Names() {
			if !strings.Contains(page, "/docs/specs/"+name+".json") {
				t.Errorf("the UI does not list %s", name)
			}
		}
		// Every script and stylesheet the page loads must come from this server.
		assets := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(page, -1)
		if len(assets) == 0 {
			t.Fatal("no asset referenced")
		}
		for _, m := range assets {
			u := m[1]
			if strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "//") {
				t.Errorf("asset from elsewhere: %s", u)
				continue
			}
			if !strings.HasPrefix(u, "/") {
				u = "/docs/" + u
			}
			if code, _, _ := get(t, u); code != 200 {
				t.Errorf("asset %s: %d", u, code)
			}
		}
	})

	t.Run("try it out targets this server", func(t *testing.T) {
		code, body, _ := get(t, "/docs/specs/cvm.json")
		if code != 200 || !strings.Contains(body, `"servers":[{"description":"This server","url":"/cvm/api/client"}`) {
			t.Errorf("%d %.300s", code, body)
		}
	})

	t.Run("metrics count requests per operation", func(t *testing.T) {
		req, _ := http.NewRequest("GET", srv.URL+"/cvm/api/client/vps/list", nil)
		req.Header.Set("API-Public-Token", "demo-public")
		req.Header.Set("API-Private-Token", "demo-private")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		_, body, _ := get(t, "/metrics")
		for _, want := range []string{
			`specfirst_http_requests_total{api="cvm",code="200",operation="listVpses"} 1`,
			`specfirst_http_request_duration_seconds_count{api="cvm",operation="listVpses"} 1`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
	})
}

func TestSeedFromFixturesFile(t *testing.T) {
	fixtures := filepath.Join(t.TempDir(), "fixtures.yaml")
	err := os.WriteFile(fixtures, []byte(`
cvm:
  nodes:
    - {name: n1, reachable: true}
  users:
    - name: carol
      token_pairs:
        - {public: carol-pub, private: carol-priv, client_api: true}
      vpses:
        - {hostname: only.example, node: n1, guaranteed_ram: 64, disk_space: 100, cpu_count: 1,
           traffic: {split: false, limit: 10, used: 2}, state: stopped}
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	srv := apptest.Start(t, storage.Config{DataDir: t.TempDir()}, fixtures)
	req, _ := http.NewRequest("GET", srv.URL+"/cvm/api/client/vps/list", nil)
	req.Header.Set("API-Public-Token", "carol-pub")
	req.Header.Set("API-Private-Token", "carol-priv")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"hostname":"only.example"`) || !strings.Contains(string(b), `"traffic_limit":"10"`) {
		t.Errorf("%d %s", resp.StatusCode, b)
	}
	// The fixtures replace the demo data: the demo pair does not exist.
	req.Header.Set("API-Public-Token", "demo-public")
	req.Header.Set("API-Private-Token", "demo-private")
	resp2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != 401 {
		t.Errorf("demo pair with a fixtures seed: %d", resp2.StatusCode)
	}

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	_ = os.WriteFile(bad, []byte("nosuchapi: {}\n"), 0o600)
	if _, err := app.New(context.Background(), app.Config{Storage: storage.Config{DataDir: t.TempDir()}, Seed: bad}); err == nil {
		t.Error("a fixtures file naming an unknown API must be refused")
	}
}

// TestRequestTimeout: past its deadline a request is answered 503 in its API's own shape.
func TestRequestTimeout(t *testing.T) {
	a, err := app.New(context.Background(), app.Config{Storage: storage.Config{DataDir: t.TempDir()}, Seed: "demo", RequestTimeout: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	tests := []struct {
		method, path, body, contentType string
	}{
		{"GET", "/cvm/api/client/vps/list", "", "application/json"},
		{"POST", "/tsuru/users/nobody@globo.com/tokens", `{"password":"123456"}`, "text/plain"},
	}
	for _, tc := range tests {
		req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
		req.Header.Set("API-Public-Token", "demo-public")
		req.Header.Set("API-Private-Token", "demo-private")
		if tc.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		a.Handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusServiceUnavailable || !strings.HasPrefix(rec.Header().Get("Content-Type"), tc.contentType) {
			t.Errorf("%s %s: %d %q %s", tc.method, tc.path, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
		}
	}
}

// TestTsuruPasswordResetMailIsLogged: the local server mails nothing; the reset token tsuru
// would mail is logged, so that the documented two-step reset can be followed by hand.
func TestTsuruPasswordResetMailIsLogged(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	a, err := app.New(context.Background(), app.Config{
		Storage: storage.Config{DataDir: t.TempDir()}, Seed: "demo",
		Logger: slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	post := func(path string) int {
		rec := httptest.NewRecorder()
		a.Handler.ServeHTTP(rec, httptest.NewRequest("POST", path, nil))
		return rec.Code
	}
	if code := post("/tsuru/users/nobody@globo.com/password"); code != 200 {
		t.Fatalf("reset: %d", code)
	}
	mu.Lock()
	m := regexp.MustCompile(`reset your password: ([0-9a-f]+)`).FindStringSubmatch(logs.String())
	mu.Unlock()
	if m == nil {
		t.Fatalf("no reset token in the log:\n%s", logs.String())
	}
	if code := post("/tsuru/users/nobody@globo.com/password?token=" + m[1]); code != 200 {
		t.Errorf("reset with the logged token: %d", code)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), "Your new password") {
		t.Errorf("the new password was not logged:\n%s", logs.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestTsuruDocumentedListings replays the tsuru document's list examples against the demo
// data (with the document's invalid JSON corrected as the spec describes).
func TestTsuruDocumentedListings(t *testing.T) {
	srv := apptest.Start(t, storage.Config{DataDir: t.TempDir()}, "demo")
	token := login(t, srv.URL)
	tests := []struct{ path, want string }{
		{"/tsuru/platforms", `[{"Name":"python"},{"Name":"java"},{"Name":"ruby20"},{"Name":"static"}]`},
		{"/tsuru/services", `[{"instances":["my_nosql","other-instance"],"service":"mongodb"}]`},
	}
	for _, tc := range tests {
		req, _ := http.NewRequest("GET", srv.URL+tc.path, nil)
		req.Header.Set("Authorization", "bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || strings.TrimSpace(string(b)) != tc.want {
			t.Errorf("%s: %d %s, want %s", tc.path, resp.StatusCode, b, tc.want)
		}
	}
}
