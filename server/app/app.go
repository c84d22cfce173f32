// Package app wires the apiserver: database, stores, every API on one kit.Server, the
// specs and Swagger UI, health and metrics. cmd/apiserver only parses flags and runs it;
// tests build the same App.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"gopkg.in/yaml.v3"

	"github.com/specfirst/specfirst/server/cvm"
	"github.com/specfirst/specfirst/server/docs"
	"github.com/specfirst/specfirst/server/kit"
	"github.com/specfirst/specfirst/server/storage"
	"github.com/specfirst/specfirst/server/tsuru"
)

// Config is everything the apiserver can be told.
type Config struct {
	Storage storage.Config
	// Seed is "demo" (the documented examples, on an empty database), "none", or the path
	// of a fixtures file (YAML, one top-level key per API: cvm, …).
	Seed              string
	ValidateResponses bool
	// OnResponseMismatch, when set, is told of responses that break the spec (tests fail on it).
	OnResponseMismatch func(op *kit.Operation, status int, err error)
	Logger             *slog.Logger
	// RequestTimeout bounds each request through its context: database calls past it fail,
	// and the API answers 503 in its own error shape. Zero means no bound.
	RequestTimeout time.Duration
	// MaxBodyBytes bounds request bodies (kit.Options.MaxBodyBytes).
	MaxBodyBytes int64
	// Tsuru tunes the tsuru API's rules (quota, admin team, bcrypt cost, …).
	Tsuru tsuru.Options
}

// App is a wired apiserver.
type App struct {
	Handler http.Handler
	DB      *storage.DB
	Server  *kit.Server
	CVM     cvm.Store
	Tsuru   tsuru.Store

	apis    []mountable
	opts    kit.Options
	timeout time.Duration
}

// New opens the database, migrates and seeds it, and mounts every API.
func New(ctx context.Context, cfg Config) (*App, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	db, err := storage.Open(ctx, cfg.Storage)
	if err != nil {
		return nil, err
	}
	a := &App{DB: db}
	if err := a.build(ctx, cfg, log); err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) build(ctx context.Context, cfg Config, log *slog.Logger) error {
	cvmStore, err := cvm.NewSQLStore(ctx, a.DB)
	if err != nil {
		return err
	}
	a.CVM = cvmStore
	tsuruOpts := cfg.Tsuru
	if tsuruOpts.Mail == nil {
		// A local server sends no mail: the messages tsuru would send (password-reset
		// tokens, new passwords) go to the log so that the flow can be followed by hand.
		tsuruOpts.Mail = func(to, subject, body string) {
			log.Info("tsuru mail (not sent)", "to", to, "subject", subject, "body", body)
		}
	}
	tsuruStore, err := tsuru.NewSQLStore(ctx, a.DB, tsuruOpts)
	if err != nil {
		return err
	}
	a.Tsuru = tsuruStore

	if err := seed(ctx, a.DB, cfg.Seed, map[string]seeder{
		"cvm":   {demo: cvm.DemoFixtures, load: func(ctx context.Context, b []byte) error { return cvm.Seed(ctx, cvmStore, b) }},
		"tsuru": {demo: tsuru.DemoFixtures, load: func(ctx context.Context, b []byte) error { return tsuru.Seed(ctx, tsuruStore, b) }},
	}); err != nil {
		return err
	}

	a.apis = []mountable{
		{name: "cvm", prefix: cvm.Prefix, build: func(prefix string) (*kit.API, error) { return cvm.NewAPI(cvmStore, prefix) }},
		{name: "tsuru", prefix: tsuru.Prefix, build: func(prefix string) (*kit.API, error) { return tsuru.NewAPI(tsuruStore, prefix) }},
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a.opts = kit.Options{
		ValidateResponses:  cfg.ValidateResponses,
		OnResponseMismatch: cfg.OnResponseMismatch,
		Logger:             log,
		Metrics:            kit.NewMetrics(reg),
		MaxBodyBytes:       cfg.MaxBodyBytes,
	}
	a.timeout = cfg.RequestTimeout
	srv := kit.New(a.opts)
	prefixes := map[string]string{}
	for _, m := range a.apis {
		api, err := m.build(m.prefix)
		if err != nil {
			return err
		}
		srv.Mount(api)
		prefixes[m.name] = m.prefix
	}

	e := srv.Echo
	a.limitTime(e)
	if err := docs.Mount(e, prefixes); err != nil {
		return err
	}
	e.GET("/healthz", func(c echo.Context) error {
		pctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
		defer cancel()
		if err := a.DB.PingContext(pctx); err != nil {
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": err.Error()})
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "ok", "database": string(a.DB.Dialect)})
	})
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{})))
	e.GET("/", func(c echo.Context) error { return c.Redirect(http.StatusFound, "/docs/") })
	a.Server = srv
	a.Handler = srv
	return nil
}

// limitTime bounds every request of e by the configured timeout, through its context.
func (a *App) limitTime(e *echo.Echo) {
	if a.timeout <= 0 {
		return
	}
	e.Pre(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ctx, cancel := context.WithTimeout(c.Request().Context(), a.timeout)
			defer cancel()
			c.SetRequest(c.Request().WithContext(ctx))
			return next(c)
		}
	})
}

// mountable is an API the apiserver can serve, under its prefix or alone at the root.
type mountable struct {
	name   string
	prefix string
	build  func(prefix string) (*kit.API, error)
}

// APIs lists the names of the served APIs.
func (a *App) APIs() []string {
	names := make([]string, len(a.apis))
	for i, m := range a.apis {
		names[i] = m.name
	}
	return names
}

// Standalone returns a handler serving API name alone, at the root of its own listener
// (for clients that cannot take a path prefix), on the same stores, validation and metrics.
func (a *App) Standalone(name string) (http.Handler, error) {
	for _, m := range a.apis {
		if m.name != name {
			continue
		}
		api, err := m.build("")
		if err != nil {
			return nil, err
		}
		srv := kit.New(a.opts)
		a.limitTime(srv.Echo)
		srv.Mount(api)
		return srv, nil
	}
	return nil, fmt.Errorf("no API named %q (have %v)", name, a.APIs())
}

// Close releases the database.
func (a *App) Close() error { return a.DB.Close() }

type seeder struct {
	demo []byte
	load func(ctx context.Context, fixtures []byte) error
}

// seed loads demo data or a fixtures file under a database-wide lock, so replicas starting
// together on an empty database seed it once.
func seed(ctx context.Context, db *storage.DB, how string, apis map[string]seeder) error {
	if how == "none" {
		return nil
	}
	return db.Exclusive(ctx, func(ctx context.Context) error { return seedLocked(ctx, how, apis) })
}

func seedLocked(ctx context.Context, how string, apis map[string]seeder) error {
	switch how {
	case "", "demo":
		for name, s := range apis {
			if err := s.load(ctx, s.demo); err != nil {
				return fmt.Errorf("seed %s demo: %w", name, err)
			}
		}
		return nil
	case "none":
		return nil
	}
	raw, err := os.ReadFile(how)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	var sections map[string]yaml.Node
	if err := yaml.Unmarshal(raw, &sections); err != nil {
		return fmt.Errorf("seed %s: %w", how, err)
	}
	for name, node := range sections {
		s, ok := apis[name]
		if !ok {
			return fmt.Errorf("seed %s: unknown API %q", how, name)
		}
		b, err := yaml.Marshal(&node)
		if err != nil {
			return err
		}
		if err := s.load(ctx, b); err != nil {
			return fmt.Errorf("seed %s: %s: %w", how, name, err)
		}
	}
	return nil
}
