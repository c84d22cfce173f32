// Package servertest is how a test gets a running API: Start opens the given modules on a
// fresh database (one per backend with storagetest.Each), seeds them, mounts them on a
// kit.Server whose response validation fails the test on a mismatch, and serves it on a
// loopback port until the test ends.
package servertest

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/specfirst/specfirst/server/kit"
	"github.com/specfirst/specfirst/server/module"
	"github.com/specfirst/specfirst/server/storage"
)

// Options tunes Start; the zero value seeds the demo data and validates every response.
type Options struct {
	// Seed is "demo" (or ""), "none", or the path of a fixtures file.
	Seed string
	// Use is echo middleware run after authentication and validation, right before each
	// operation's handler (kit.Options.Inner), e.g. one recording which operation ran.
	Use []echo.MiddlewareFunc
	// AllowResponseMismatch keeps response validation from failing the test (a test that
	// checks the mismatch itself sets it).
	AllowResponseMismatch bool
}

// Server is a running set of modules.
type Server struct {
	URL string // http://127.0.0.1:PORT
	DB  *storage.DB
	Set *module.Set
	Kit *kit.Server
}

// Base returns the base URL of the module named name (URL + its prefix).
func (s *Server) Base(name string) string {
	for _, m := range s.Set.Modules() {
		if m.Name == name {
			return s.URL + m.Prefix
		}
	}
	panic("servertest: no module " + name)
}

// Start serves mods over a database opened from cfg until t ends.
func Start(t testing.TB, cfg storage.Config, opts Options, mods ...module.Module) *Server {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(func() { db.Close() }) // after the server below has shut down
	log := Logger()
	set, err := module.Open(ctx, db, module.Env{Logger: log}, mods...)
	if err != nil {
		t.Fatal(err)
	}
	if err := set.Seed(ctx, opts.Seed); err != nil {
		t.Fatal(err)
	}
	kopts := kit.Options{ValidateResponses: true, Logger: log, Inner: opts.Use}
	if !opts.AllowResponseMismatch {
		kopts.OnResponseMismatch = FailOnMismatch(t)
	}
	srv := kit.New(kopts)
	if err := set.Mount(srv); err != nil {
		t.Fatal(err)
	}
	return &Server{URL: Serve(t, srv), DB: db, Set: set, Kit: srv}
}

// Logger is quiet unless SPECFIRST_TEST_LOG is set.
func Logger() *slog.Logger {
	level := slog.LevelError + 1
	if os.Getenv("SPECFIRST_TEST_LOG") != "" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// FailOnMismatch is a kit.Options.OnResponseMismatch that fails t.
func FailOnMismatch(t testing.TB) func(op *kit.Operation, status int, err error) {
	return func(op *kit.Operation, status int, err error) {
		t.Errorf("%s %s (%s) answered %d, which does not match the spec: %v", op.Method(), op.EchoPath, op.ID, status, err)
	}
}

// Serve serves h on a loopback port until t ends and returns its base URL
// (http://127.0.0.1:PORT).
func Serve(t testing.TB, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return "http://" + ln.Addr().String()
}
