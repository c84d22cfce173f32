// Package apptest starts the whole apiserver on a loopback port for end-to-end tests, with
// response validation on: a response that breaks its spec fails the test.
package apptest

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/specfirst/specfirst/server/app"
	"github.com/specfirst/specfirst/server/kit"
	"github.com/specfirst/specfirst/server/storage"
)

// Server is a running apiserver.
type Server struct {
	URL string // http://127.0.0.1:PORT
	App *app.App
}

// Start runs the apiserver on cfg with the given seed ("demo", "none" or a fixtures file)
// until t ends.
func Start(t testing.TB, cfg storage.Config, seed string) *Server {
	t.Helper()
	level := slog.LevelError + 1 // quiet unless asked: SPECFIRST_TEST_LOG=1
	if os.Getenv("SPECFIRST_TEST_LOG") != "" {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	a, err := app.New(context.Background(), app.Config{
		Storage:            cfg,
		Seed:               seed,
		ValidateResponses:  true,
		OnResponseMismatch: FailOnMismatch(t),
		Logger:             log,
	})
	if err != nil {
		t.Fatalf("start apiserver: %v", err)
	}
	t.Cleanup(func() { _ = a.Close() }) // after the server below has shut down
	return &Server{URL: Serve(t, a.Handler), App: a}
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
