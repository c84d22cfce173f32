package tsuru

import (
	"context"
	"net/http"

	"github.com/specfirst/specfirst/server/kit"
	"github.com/specfirst/specfirst/server/module"
	"github.com/specfirst/specfirst/server/storage"
)

// Module is the tsuru API as the apiserver serves it, with the rules tuned by opts (the
// zero value gives tsuru's defaults).
func Module(opts Options) module.Module {
	return module.Module{
		Name:            "tsuru",
		Prefix:          Prefix,
		Migrations:      Migrations,
		Demo:            DemoFixtures,
		DemoCredentials: "nobody@globo.com / 123456 (POST /tsuru/users/nobody@globo.com/tokens)",
		Samples:         samples,
		Open: func(_ context.Context, db *storage.DB, env module.Env) (module.Instance, error) {
			if opts.Mail == nil {
				// A local server sends no mail: the messages tsuru would send (password-reset
				// tokens, new passwords) go to the log so that the flow can be followed by hand.
				log := env.Logger
				opts.Mail = func(to, subject, body string) {
					log.Info("tsuru mail (not sent)", "to", to, "subject", subject, "body", body)
				}
			}
			return &Server{SQLStore: NewSQLStore(db, opts)}, nil
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

// samples are the hot requests, as the demo user (logged in once).
func samples(ctx context.Context, inst module.Instance) ([]module.Sample, error) {
	token, err := inst.(*Server).Login(ctx, "nobody@globo.com", "123456")
	if err != nil {
		return nil, err
	}
	auth := http.Header{"Authorization": {"bearer " + token}}
	post := auth.Clone()
	post.Set("Content-Type", "application/json")
	return []module.Sample{
		{Class: module.ClassList, Name: "GET /apps", Method: http.MethodGet, Path: "/apps", Header: auth, Status: 200},
		{Class: module.ClassRead, Name: "GET /apps/{appname}", Method: http.MethodGet, Path: "/apps/app1", Header: auth, Status: 200},
		{Class: module.ClassWrite, Name: "GET /apps/{appname}/restart", Method: http.MethodGet, Path: "/apps/app1/restart", Header: auth, Status: 200},
		{Class: module.ClassJSON, Name: "POST /apps/{appname}/env", Method: http.MethodPost, Path: "/apps/app1/env", Header: post,
			Body: []byte(`{"DATABASE_HOST":"localhost","DATABASE_USER":"root"}`), Status: 200},
	}, nil
}
