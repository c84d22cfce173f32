package validation

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func setupCases(t testing.TB, stores ...string) []*Case {
	t.Helper()
	dir := t.TempDir()
	cases, _, closeAll, err := SetupCases(context.Background(), dir, stores)
	t.Cleanup(closeAll)
	if err != nil {
		t.Fatal(err)
	}
	return cases
}

// BenchmarkValidation runs every case in every mode: go test -bench . ./bench/validation
func BenchmarkValidation(b *testing.B) {
	for _, c := range setupCases(b, "memory", "sqlite") {
		for _, m := range Modes {
			b.Run(c.Store+"/"+c.API+"/"+strings.ReplaceAll(c.Req.Name, "/", "_")+"/"+string(m), c.Bench(m))
		}
	}
}

func BenchmarkLookup(b *testing.B) {
	for _, n := range []int{10, 200} {
		for _, withMatch := range []bool{false, true} {
			f, err := LookupBench(n, withMatch)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("paths=%d/echo-match=%v", n, withMatch), f)
		}
	}
}

// The echo-middleware mode must really validate, or comparing with it means nothing: a
// request that breaks the spec is refused, and a good one (checked by Setup) gets through.
func TestEchoMiddlewareValidates(t *testing.T) {
	for _, c := range setupCases(t, "memory") {
		if c.Req.Method != http.MethodPost && !strings.Contains(c.Req.Path, "/status") {
			continue
		}
		bad := *c.Req
		switch {
		case c.API == "cvm":
			bad.Path = strings.Replace(bad.Path, "/1/", "/abc/", 1) // id is an integer
		default:
			bad.Body = []byte(`{"DATABASE_HOST": 42}`) // values are strings
		}
		for _, m := range []Mode{ModeEchoMW, ModeKit} {
			rec := httptest.NewRecorder()
			c.Handlers[m].ServeHTTP(rec, bad.New())
			if rec.Code != http.StatusBadRequest {
				t.Errorf("%s %s, mode %s: bad request answered %d, want 400: %s", c.API, c.Req.Name, m, rec.Code, rec.Body)
			}
		}
	}
}
