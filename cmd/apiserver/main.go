// Command apiserver serves every specfirst API, Swagger UI, the specs, health and metrics.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/specfirst/specfirst/server/app"
	"github.com/specfirst/specfirst/server/kit"
	"github.com/specfirst/specfirst/server/storage"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "apiserver:", err)
		os.Exit(1)
	}
}

// env returns the environment's value for key, or def.
func env(key, def string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return def
}

func envInt(key string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(key)); err == nil {
		return v
	}
	return def
}

func envDuration(key string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(key)); err == nil {
		return v
	}
	return def
}

func run(args []string) error {
	fs := flag.NewFlagSet("apiserver", flag.ContinueOnError)
	addr := fs.String("addr", env("SPECFIRST_ADDR", "127.0.0.1:8080"), "listen address (env SPECFIRST_ADDR)")
	dataDir := fs.String("data-dir", env("SPECFIRST_DATA_DIR", "./data"), "SQLite data directory (env SPECFIRST_DATA_DIR)")
	dbURL := fs.String("database-url", env("SPECFIRST_DATABASE_URL", ""), "postgres://… to use PostgreSQL instead of SQLite (env SPECFIRST_DATABASE_URL)")
	seed := fs.String("seed", env("SPECFIRST_SEED", "demo"), `"demo" (documented examples, on an empty database), "none", or a fixtures file (env SPECFIRST_SEED)`)
	reset := fs.Bool("reset", env("SPECFIRST_RESET", "") == "true", "empty every API's tables at start and seed again: the demo as new (env SPECFIRST_RESET=true)")
	validateResponses := fs.Bool("validate-responses", env("SPECFIRST_VALIDATE_RESPONSES", "") == "true", "check every response against the spec; a mismatch is logged and becomes a 500 (env SPECFIRST_VALIDATE_RESPONSES=true)")
	maxOpen := fs.Int("db-max-open-conns", envInt("SPECFIRST_DB_MAX_OPEN_CONNS", 0), "database pool size, 0 for the default (env SPECFIRST_DB_MAX_OPEN_CONNS)")
	maxIdle := fs.Int("db-max-idle-conns", envInt("SPECFIRST_DB_MAX_IDLE_CONNS", 0), "idle connections kept, 0 for the default (env SPECFIRST_DB_MAX_IDLE_CONNS)")
	connLife := fs.Duration("db-conn-max-lifetime", envDuration("SPECFIRST_DB_CONN_MAX_LIFETIME", 30*time.Minute), "recycle connections after this long (env SPECFIRST_DB_CONN_MAX_LIFETIME)")
	connTimeout := fs.Duration("db-connect-timeout", envDuration("SPECFIRST_DB_CONNECT_TIMEOUT", 5*time.Second), "PostgreSQL connect timeout (env SPECFIRST_DB_CONNECT_TIMEOUT)")
	reqTimeout := fs.Duration("request-timeout", envDuration("SPECFIRST_REQUEST_TIMEOUT", 30*time.Second), "longest a request may take; past it the API answers 503 (env SPECFIRST_REQUEST_TIMEOUT)")
	var standalone listFlag
	if v := os.Getenv("SPECFIRST_STANDALONE"); v != "" {
		standalone = strings.Split(v, ",")
	}
	fs.Var(&standalone, "standalone", "NAME=ADDR: also serve API NAME alone at the root of its own listener, for clients that cannot take a path prefix; repeatable (env SPECFIRST_STANDALONE=cvm=127.0.0.1:9001,…)")
	maxBody := fs.Int64("max-body-bytes", int64(envInt("SPECFIRST_MAX_BODY_BYTES", kit.DefaultMaxBodyBytes)), "largest request body accepted; larger ones get 400 (env SPECFIRST_MAX_BODY_BYTES)")
	logFormat := fs.String("log-format", env("SPECFIRST_LOG_FORMAT", "text"), "text or json (env SPECFIRST_LOG_FORMAT)")
	if err := fs.Parse(args); err != nil {
		return err
	}

	var handler slog.Handler = slog.NewTextHandler(os.Stderr, nil)
	if *logFormat == "json" {
		handler = slog.NewJSONHandler(os.Stderr, nil)
	}
	log := slog.New(handler)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	a, err := app.New(ctx, app.Config{
		Storage: storage.Config{
			URL: *dbURL, DataDir: *dataDir, MaxOpenConns: *maxOpen, MaxIdleConns: *maxIdle,
			ConnMaxLifetime: *connLife, ConnectTimeout: *connTimeout,
		},
		Seed:              *seed,
		Reset:             *reset,
		ValidateResponses: *validateResponses,
		Logger:            log,
		RequestTimeout:    *reqTimeout,
		MaxBodyBytes:      *maxBody,
	})
	if err != nil {
		return err
	}
	defer a.Close()

	servers := []*http.Server{{Handler: a.Handler}}
	addrs := []string{*addr}
	for _, spec := range standalone {
		name, at, ok := strings.Cut(spec, "=")
		if !ok {
			return fmt.Errorf("--standalone %q: want NAME=ADDR", spec)
		}
		h, err := a.Standalone(name)
		if err != nil {
			return fmt.Errorf("--standalone: %w", err)
		}
		servers = append(servers, &http.Server{Handler: h})
		addrs = append(addrs, at)
	}
	listeners := make([]net.Listener, len(servers))
	for i := range servers {
		ln, err := net.Listen("tcp", addrs[i])
		if err != nil {
			for _, l := range listeners[:i] {
				l.Close()
			}
			return err
		}
		listeners[i] = ln
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return a.Run(gctx) }) // the modules' background work, if any
	for i, srv := range servers {
		srv.ReadHeaderTimeout = 10 * time.Second
		srv.ErrorLog = slog.NewLogLogger(handler, slog.LevelWarn)
		ln := listeners[i]
		if i == 0 {
			log.Info("apiserver listening", "addr", ln.Addr().String(), "database", a.DB.Dialect,
				"docs", "http://"+ln.Addr().String()+"/docs/")
		} else {
			log.Info("standalone API listening", "api", standalone[i-1], "addr", ln.Addr().String())
		}
		g.Go(func() error {
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		})
		g.Go(func() error {
			<-gctx.Done()
			if i == 0 {
				log.Info("shutting down: finishing in-flight requests")
			}
			sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			return srv.Shutdown(sctx)
		})
	}
	return g.Wait()
}

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }
