// Package tsurutest runs the tsuru API alone on a loopback port for tests, with response
// validation on (a response that breaks the spec fails the test) and a cheap bcrypt cost.
package tsurutest

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"github.com/specfirst/specfirst/server/kit"
	"github.com/specfirst/specfirst/server/storage"
	"github.com/specfirst/specfirst/server/tsuru"
)

// Server is a running tsuru API.
type Server struct {
	URL   string // base URL of the API, http://127.0.0.1:PORT/tsuru
	Store *tsuru.SQLStore
	Kit   *kit.Server
}

// Options are the rules tests run with: bcrypt.MinCost, so that logins are cheap.
func Options() tsuru.Options { return tsuru.Options{BcryptCost: bcrypt.MinCost} }

// Start serves the tsuru API over db until t ends. With demo, the demo fixtures are seeded.
// Extra echo middleware (e.g. one recording which route ran) is installed after kit's
// own, so it runs only for requests that passed authentication and validation.
func Start(t testing.TB, db *storage.DB, demo bool, use ...echo.MiddlewareFunc) *Server {
	t.Helper()
	ctx := context.Background()
	st, err := tsuru.NewSQLStore(ctx, db, Options())
	if err != nil {
		t.Fatal(err)
	}
	if demo {
		if err := tsuru.Seed(ctx, st, tsuru.DemoFixtures); err != nil {
			t.Fatal(err)
		}
	}
	ks := kit.New(kit.Options{
		ValidateResponses: true,
		OnResponseMismatch: func(op *kit.Operation, status int, err error) {
			t.Errorf("%s %s (%s) answered %d, which does not match the spec: %v", op.Method(), op.EchoPath, op.ID, status, err)
		},
	})
	api, err := tsuru.NewAPI(st, tsuru.Prefix)
	if err != nil {
		t.Fatal(err)
	}
	ks.Mount(api)
	ks.Echo.Use(use...)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: ks, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return &Server{URL: "http://" + ln.Addr().String() + tsuru.Prefix, Store: st, Kit: ks}
}
