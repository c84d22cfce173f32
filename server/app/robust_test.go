package app_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/specfirst/specfirst/server/app/apptest"
	"github.com/specfirst/specfirst/server/storage"
)

// TestBadInputNeverBreaksTheServer sends malformed input to every operation of every
// mounted API, authenticated, and checks that each answer is a refusal the spec declares
// (apptest validates every response against the spec), never an internal error, and that
// the stored data is intact afterwards.
func TestBadInputNeverBreaksTheServer(t *testing.T) {
	srv := apptest.Start(t, storage.Config{DataDir: t.TempDir()}, "demo")
	tsuruToken := login(t, srv.URL)
	auth := map[string]http.Header{
		"cvm":   {"API-Public-Token": {"demo-public"}, "API-Private-Token": {"demo-private"}},
		"tsuru": {"Authorization": {"bearer " + tsuruToken}},
	}
	params := []string{"0", "-1", "99999999999999999999", "%20", "..", "%00", strings.Repeat("z", 300), "%C3%28", "1e3"}
	bodies := []struct{ ct, body string }{
		{"application/json", `{"x":`},
		{"application/json", `[]`},
		{"application/json", `"string"`},
		{"application/json", `{"name":12,"password":[],"email":{},"key":null}`},
		{"application/json", `{"name":"` + strings.Repeat("n", 5000) + `"}`},
		{"text/plain", "not json"},
		{"application/x-yaml", ": - [ {"},
		{"", ""},
	}
	statuses := map[int]int{}
	for _, op := range srv.App.Server.Routes().Operations() {
		if op.ID == "deleteUser" || op.ID == "logout" {
			continue // they would end the session the other cases use
		}
		for _, p := range params {
			path := pathParam.ReplaceAllString(op.EchoPath, p)
			for _, b := range bodies {
				req, _ := http.NewRequest(op.Method(), srv.URL+path, bytes.NewReader([]byte(b.body)))
				if b.ct != "" {
					req.Header.Set("Content-Type", b.ct)
				}
				for k, v := range auth[op.API.Name] {
					req.Header[k] = v
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatalf("%s %s: %v", op.Method(), path, err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				statuses[resp.StatusCode]++
				if resp.StatusCode >= 500 && (strings.Contains(string(body), "internal error") ||
					strings.Contains(string(body), "does not match its API specification")) {
					t.Errorf("%s %s (%s %q): %d %s", op.Method(), path, b.ct, truncate(b.body), resp.StatusCode, body)
				}
			}
		}
	}
	t.Logf("answers by status: %v", statuses)
	// The documented data is still there.
	req, _ := http.NewRequest("GET", srv.URL+"/cvm/api/client/vps/list", nil)
	for k, v := range auth["cvm"] {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.Count(string(b), `"hostname"`) != 2 {
		t.Errorf("after the bad input: %d %s", resp.StatusCode, b)
	}
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

func login(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Post(base+"/tsuru/users/nobody@globo.com/tokens", "application/json", strings.NewReader(`{"password":"123456"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := strings.SplitN(string(b), `"token":"`, 2)
	if resp.StatusCode != 200 || len(m) != 2 {
		t.Fatalf("login: %d %s", resp.StatusCode, b)
	}
	return strings.SplitN(m[1], `"`, 2)[0]
}
