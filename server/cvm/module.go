package cvm

import (
	"context"
	"net/http"

	"github.com/specfirst/specfirst/server/kit"
	"github.com/specfirst/specfirst/server/module"
	"github.com/specfirst/specfirst/server/storage"
)

// Module is the CVM client API as the apiserver serves it.
func Module() module.Module {
	return module.Module{
		Name:            "cvm",
		Prefix:          Prefix,
		Migrations:      Migrations,
		Demo:            DemoFixtures,
		DemoCredentials: "API-Public-Token: demo-public, API-Private-Token: demo-private",
		Samples:         samples,
		Open: func(_ context.Context, db *storage.DB, _ module.Env) (module.Instance, error) {
			return &Server{SQLStore: NewSQLStore(db)}, nil
		},
	}
}

// Server is the opened module: the store, seeded and served over HTTP.
type Server struct {
	*SQLStore
}

// Seed loads fixtures into an empty store (module.Instance).
func (s *Server) Seed(ctx context.Context, fixtures []byte) (bool, error) {
	return seed(ctx, s.SQLStore, fixtures)
}

// NewAPI describes the HTTP API over the store (module.Instance).
func (s *Server) NewAPI(prefix string) (*kit.API, error) { return NewAPI(s.SQLStore, prefix) }

// samples are the hot requests, as the demo user.
func samples(_ context.Context, _ module.Instance) ([]module.Sample, error) {
	h := http.Header{"Api-Public-Token": {"demo-public"}, "Api-Private-Token": {"demo-private"}}
	return []module.Sample{
		{Class: module.ClassList, Name: "GET /vps/list", Method: http.MethodGet, Path: "/vps/list", Header: h, Status: 200},
		{Class: module.ClassRead, Name: "GET /vps/{id}/status", Method: http.MethodGet, Path: "/vps/1/status", Header: h, Status: 200},
		// Restart leaves a running VPS running: it can be replayed without end.
		{Class: module.ClassWrite, Name: "POST /vps/{id}/restart", Method: http.MethodPost, Path: "/vps/1/restart", Header: h, Status: 200},
	}, nil
}
