// Package app wires the apiserver: database, every API module (modules.go) on one
// kit.Server, the specs and Swagger UI, health and metrics. cmd/apiserver only parses flags
// and runs it; tests build the same App.
package app

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/specfirst/specfirst/server/docs"
	"github.com/specfirst/specfirst/server/kit"
	"github.com/specfirst/specfirst/server/module"
	"github.com/specfirst/specfirst/server/storage"
)

// Config is everything the apiserver can be told.
type Config struct {
	Storage storage.Config
	// Modules are the APIs to serve; nil means every one (Modules()).
	Modules []module.Module
	// Seed is "demo" (the documented examples, on an empty database), "none", or the path
	// of a fixtures file (YAML, one top-level key per API: cvm, …).
	Seed string
	// Reset empties every API's tables at start-up and seeds again (a demo that has been
	// played with starts over).
	Reset             bool
	ValidateResponses bool
	// OnResponseMismatch, when set, is told of responses that break the spec (tests fail on it).
	OnResponseMismatch func(op *kit.Operation, status int, err error)
	Logger             *slog.Logger
	// RequestTimeout bounds each request through its context: database calls past it fail,
	// and the API answers 503 in its own error shape. Zero means no bound.
	RequestTimeout time.Duration
	// MaxBodyBytes bounds request bodies (kit.Options.MaxBodyBytes).
	MaxBodyBytes int64
}

// App is a wired apiserver.
type App struct {
	Handler http.Handler
	DB      *storage.DB
	Server  *kit.Server
	// Modules is every API, opened on DB.
	Modules *module.Set

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
	mods := cfg.Modules
	if mods == nil {
		mods = Modules()
	}
	set, err := module.Open(ctx, a.DB, module.Env{Logger: log}, mods...)
	if err != nil {
		return err
	}
	a.Modules = set
	if cfg.Reset {
		err = set.Reset(ctx, cfg.Seed)
	} else {
		err = set.Seed(ctx, cfg.Seed)
	}
	if err != nil {
		return err
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
	a.limitTime(srv.Echo)
	if err := set.Mount(srv); err != nil {
		return err
	}
	prefixes := map[string]string{}
	for _, m := range set.Modules() {
		prefixes[m.Name] = m.Prefix
	}

	e := srv.Echo
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

// APIs lists the names of the served APIs.
func (a *App) APIs() []string { return a.Modules.Names() }

// Standalone returns a handler serving API name alone, at the root of its own listener
// (for clients that cannot take a path prefix), on the same database, validation and
// metrics.
func (a *App) Standalone(name string) (http.Handler, error) {
	srv := kit.New(a.opts)
	a.limitTime(srv.Echo)
	if err := a.Modules.MountAlone(srv, name); err != nil {
		return nil, err
	}
	return srv, nil
}

// Run runs the modules' background work (trigger engines, queue consumers) until ctx ends.
func (a *App) Run(ctx context.Context) error { return a.Modules.Run(ctx) }

// Close releases the modules and the database.
func (a *App) Close() error {
	err := a.Modules.Close()
	if cerr := a.DB.Close(); err == nil {
		err = cerr
	}
	return err
}
