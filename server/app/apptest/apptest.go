// Package apptest starts the whole apiserver — every module, docs, health and metrics — on
// a loopback port (Start) or as its own process (StartProcess), for the tests of the
// apiserver itself, with response validation on: a response that breaks its spec fails the
// test. A test of one API uses servertest instead.
package apptest

import (
	"context"
	"testing"

	"github.com/specfirst/specfirst/server/app"
	"github.com/specfirst/specfirst/server/servertest"
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
	a, err := app.New(context.Background(), app.Config{
		Storage:            cfg,
		Seed:               seed,
		ValidateResponses:  true,
		OnResponseMismatch: servertest.FailOnMismatch(t),
		Logger:             servertest.Logger(),
	})
	if err != nil {
		t.Fatalf("start apiserver: %v", err)
	}
	t.Cleanup(func() { _ = a.Close() }) // after the server below has shut down
	return &Server{URL: servertest.Serve(t, a.Handler), App: a}
}
