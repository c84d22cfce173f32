// Package tsurutest runs the tsuru API alone on a loopback port for tests, with response
// validation on (a response that breaks the spec fails the test) and a cheap bcrypt cost.
package tsurutest

import (
	"context"
	"testing"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"github.com/specfirst/specfirst/server/app/apptest"
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
	ks := kit.New(kit.Options{ValidateResponses: true, OnResponseMismatch: apptest.FailOnMismatch(t)})
	api, err := tsuru.NewAPI(st, tsuru.Prefix)
	if err != nil {
		t.Fatal(err)
	}
	ks.Mount(api)
	ks.Echo.Use(use...)
	return &Server{URL: apptest.Serve(t, ks) + tsuru.Prefix, Store: st, Kit: ks}
}
