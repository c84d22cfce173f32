package cvm_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	cvmclient "github.com/specfirst/specfirst/client/cvm"
	gen "github.com/specfirst/specfirst/gen/cvm"
	"github.com/specfirst/specfirst/server/cvm"
	"github.com/specfirst/specfirst/server/servertest"
	"github.com/specfirst/specfirst/server/storage/storagetest"
)

// documentedList is the document's "Valid call to /api/client/vps/list" response.
const documentedList = `{"response":{"vpses":[{"id":"1","node":"1","virtualization_type":"1","hostname":"test-vz.cryto.net",
"guaranteed_ram":"128","burstable_ram":"256","disk_space":"5000","cpu_count":"1","traffic_in_limit":"500000000000",
"traffic_out_limit":"500000000000","traffic_in_used":"912727849","traffic_out_used":"16923948"},{"id":"2","node":"1",
"virtualization_type":"1","hostname":"test2.cryto.net","guaranteed_ram":"512","burstable_ram":"768","disk_space":"40000",
"cpu_count":"2","traffic_in_limit":"500000000000","traffic_out_limit":"500000000000","traffic_in_used":"0","traffic_out_used":"0"}]}}`

// The demo's VPS ids: 1 and 2 belong to "demo"; 3 (suspended), 4 (terminated) and
// 5 (unreachable node) to "demo2".
const (
	vpsRunning     = 1
	vpsStopped     = 2
	vpsSuspended   = 3
	vpsTerminated  = 4
	vpsUnreachable = 5
)

func TestEndToEnd(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, b storagetest.Backend) {
		srv := servertest.Start(t, b.Config(t), servertest.Options{}, cvm.Module())
		base := srv.URL + cvm.Prefix
		ctx := context.Background()
		demo, err := cvmclient.New(base, "demo-public", "demo-private")
		if err != nil {
			t.Fatal(err)
		}
		demo2, _ := cvmclient.New(base, "demo2-public", "demo2-private")

		t.Run("the documented list call", func(t *testing.T) {
			resp, err := demo.Raw().ListVpses(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || !jsonEqual(t, body, []byte(documentedList)) {
				t.Errorf("got %d %s\nwant the documented %s", resp.StatusCode, body, documentedList)
			}
		})

		t.Run("typed list", func(t *testing.T) {
			vpses, err := demo.ListVPSes(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(vpses) != 2 || vpses[0].Hostname != "test-vz.cryto.net" || *vpses[0].TrafficInUsed != "912727849" ||
				vpses[1].TrafficLimit != nil {
				t.Errorf("got %+v", vpses)
			}
			other, err := demo2.ListVPSes(ctx)
			if err != nil || len(other) != 3 || *other[0].TrafficLimit != "1000000000000" || other[0].TrafficInLimit != nil {
				t.Errorf("demo2: %+v %v", other, err)
			}
		})

		t.Run("status and actions", func(t *testing.T) {
			expect := func(id int64, want gen.VpsState) *cvmclient.VPSStatus {
				t.Helper()
				st, err := demo.Status(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if st.Status != want {
					t.Fatalf("VPS %d is %s, want %s", id, st.Status, want)
				}
				return st
			}
			if st := expect(vpsRunning, gen.Running); st.RAMUsed != "73400320" || *st.TrafficInUsed != "912727849" || st.TrafficUsed != nil {
				t.Errorf("running status: %+v", st)
			}
			if err := demo.Stop(ctx, vpsRunning); err != nil {
				t.Fatal(err)
			}
			if st := expect(vpsRunning, gen.Stopped); st.RAMUsed != "0" {
				t.Errorf("a stopped VPS reports %s bytes of RAM", st.RAMUsed)
			}
			if err := demo.Restart(ctx, vpsRunning); err != nil {
				t.Fatal(err)
			}
			expect(vpsRunning, gen.Running)
			if err := demo.Start(ctx, vpsStopped); err != nil {
				t.Fatal(err)
			}
			expect(vpsStopped, gen.Running)
			if err := demo.Stop(ctx, vpsStopped); err != nil {
				t.Fatal(err)
			}
			expect(vpsStopped, gen.Stopped)
		})

		t.Run("unreachable node reports unknown", func(t *testing.T) {
			st, err := demo2.Status(ctx, vpsUnreachable)
			if err != nil || st.Status != gen.Unknown || st.RAMUsed != "0" {
				t.Errorf("%+v %v", st, err)
			}
		})

		t.Run("documented errors through the client", func(t *testing.T) {
			noAccess, _ := cvmclient.New(base, "demo-noapi-public", "demo-noapi-private")
			anonymous, _ := cvmclient.New(base, "", "")
			wrong, _ := cvmclient.New(base, "demo-public", "demo2-private")
			tests := []struct {
				name    string
				call    func() error
				status  int
				message string
			}{
				{"no token", func() error { _, err := anonymous.ListVPSes(ctx); return err }, 401, "No valid API token pair was specified."},
				{"wrong private token", func() error { _, err := wrong.ListVPSes(ctx); return err }, 401, "No valid API token pair was specified."},
				{"no client API access", func() error { _, err := noAccess.ListVPSes(ctx); return err }, 403, "does not have access to the client API"},
				{"no access beats a bad id", func() error { _, err := noAccess.Status(ctx, 99); return err }, 403, "client API"},
				{"another user's VPS", func() error { _, err := demo.Status(ctx, vpsSuspended); return err }, 404, "No VPS with ID 3"},
				{"another user's VPS, action", func() error { return demo.Start(ctx, vpsTerminated) }, 404, "No VPS with ID 4"},
				{"no such VPS", func() error { return demo.Restart(ctx, 424242) }, 404, "No VPS with ID 424242"},
				{"unreachable node", func() error { return demo2.Start(ctx, vpsUnreachable) }, 503, "cannot be reached"},
				{"terminated VPS", func() error { return demo2.Start(ctx, vpsTerminated) }, 500, "could not be started because it is terminated"},
				{"suspended VPS", func() error { return demo2.Stop(ctx, vpsSuspended) }, 500, "could not be shut down because it is suspended"},
				{"suspended VPS restart", func() error { return demo2.Restart(ctx, vpsSuspended) }, 500, "could not be restarted because it is suspended"},
				{"id zero", func() error { return demo.Start(ctx, 0) }, 400, `parameter "id" in path`},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					err := tc.call()
					var ae *cvmclient.APIError
					if !errors.As(err, &ae) {
						t.Fatalf("err = %v, want an APIError", err)
					}
					if ae.StatusCode != tc.status || len(ae.Messages) != 1 || !strings.Contains(ae.Messages[0], tc.message) {
						t.Errorf("got %d %q, want %d containing %q", ae.StatusCode, ae.Messages, tc.status, tc.message)
					}
				})
			}
		})

		t.Run("revoked pair", func(t *testing.T) {
			if err := cvm.NewSQLStore(srv.DB).RevokeTokenPair(ctx, "demo2-public"); err != nil {
				t.Fatal(err)
			}
			if _, err := demo2.ListVPSes(ctx); cvmclient.StatusOf(err) != 401 {
				t.Errorf("revoked pair: %v", err)
			}
		})

		t.Run("raw requests get the error envelope", func(t *testing.T) {
			auth := http.Header{"API-Public-Token": {"demo-public"}, "API-Private-Token": {"demo-private"}}
			tests := []struct {
				method, path string
				header       http.Header
				status       int
				message      string
			}{
				{"GET", "/vps/abc/status", auth, 400, `parameter "id" in path: value "abc" is an invalid integer`},
				{"POST", "/vps/1.5/stop", auth, 400, `parameter "id" in path`},
				{"POST", "/vps/-1/start", auth, 400, `parameter "id" in path`},
				{"GET", "/vps/abc/status", nil, 401, "No valid API token pair"},
				{"GET", "/vps/nope", auth, 404, "no operation GET"},
				{"GET", "/nothing/here", nil, 404, "no operation GET"},
				{"DELETE", "/vps/list", auth, 405, "not allowed"},
				{"GET", "/vps/1/start", auth, 405, "not allowed"},
			}
			for _, tc := range tests {
				t.Run(tc.method+" "+tc.path, func(t *testing.T) {
					req, _ := http.NewRequest(tc.method, base+tc.path, nil)
					for k, v := range tc.header {
						req.Header[k] = v
					}
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					defer resp.Body.Close()
					var env gen.ErrorResponse
					if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
						t.Fatalf("body is not the error envelope: %v", err)
					}
					if resp.StatusCode != tc.status || len(env.Errors) == 0 || !strings.Contains(env.Errors[0], tc.message) {
						t.Errorf("got %d %q, want %d containing %q", resp.StatusCode, env.Errors, tc.status, tc.message)
					}
					if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
						t.Errorf("Content-Type %q", ct)
					}
				})
			}
		})
	})
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	xs, _ := json.Marshal(x)
	ys, _ := json.Marshal(y)
	return string(xs) == string(ys)
}
