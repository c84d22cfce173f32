// Package storagetest gives tests a fresh database on every backend: SQLite in a temporary
// directory always, and PostgreSQL when SPECFIRST_TEST_DATABASE_URL points at a server
// (each test gets its own database, dropped at the end).
package storagetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/specfirst/specfirst/server/storage"
)

// EnvURL names the variable holding an admin URL of a PostgreSQL server for tests, e.g.
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
const EnvURL = "SPECFIRST_TEST_DATABASE_URL"

// Backend is a named way to get a fresh database.
type Backend struct {
	Name string
	// Config returns a storage config for a new, empty database that is removed when t ends.
	Config func(t testing.TB) storage.Config
}

// Backends lists SQLite and, when EnvURL is set, PostgreSQL.
func Backends(t testing.TB) []Backend {
	bs := []Backend{{Name: "sqlite", Config: func(t testing.TB) storage.Config {
		return storage.Config{DataDir: t.TempDir()}
	}}}
	if os.Getenv(EnvURL) != "" {
		bs = append(bs, Backend{Name: "postgres", Config: func(t testing.TB) storage.Config {
			return storage.Config{URL: NewPostgresDatabase(t)}
		}})
	} else {
		t.Logf("PostgreSQL leg skipped: set %s=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable to run it", EnvURL)
	}
	return bs
}

// Each runs fn once per backend, as a subtest; fn calls b.Open (or b.Config) for every
// fresh database it needs (one per subtest keeps subtests independent).
func Each(t *testing.T, fn func(t *testing.T, b Backend)) {
	for _, b := range Backends(t) {
		t.Run(b.Name, func(t *testing.T) { fn(t, b) })
	}
}

// Open returns a fresh, empty database of this backend, closed and removed when t ends.
func (b Backend) Open(t testing.TB) *storage.DB { return Open(t, b.Config(t)) }

// Open opens cfg and closes it when t ends.
func Open(t testing.TB, cfg storage.Config) *storage.DB {
	t.Helper()
	db, err := storage.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("open %s: %v", cfg.URL, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// NewPostgresDatabase creates an empty database on the EnvURL server and returns its URL;
// the database is dropped when t ends. It fails the test if the server cannot be reached.
func NewPostgresDatabase(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvURL)
	if admin == "" {
		t.Skipf("set %s to run PostgreSQL tests", EnvURL)
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("%s: %v", EnvURL, err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "specfirst_test_" + hex.EncodeToString(b)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	adm, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	defer adm.Close()
	if _, err := adm.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("PostgreSQL at %s: create database: %v", u.Redacted(), err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		adm, err := sql.Open("pgx", admin)
		if err != nil {
			t.Errorf("drop %s: %v", name, err)
			return
		}
		defer adm.Close()
		if _, err := adm.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}
