package storage_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/specfirst/specfirst/server/storage"
	"github.com/specfirst/specfirst/server/storage/storagetest"
)

func TestRebind(t *testing.T) {
	tests := []struct {
		dialect  storage.Dialect
		in, want string
	}{
		{storage.Postgres, "SELECT a FROM t WHERE b = ? AND c = ?", "SELECT a FROM t WHERE b = $1 AND c = $2"},
		{storage.Postgres, "SELECT 1", "SELECT 1"},
		{storage.SQLite, "SELECT a FROM t WHERE b = ?", "SELECT a FROM t WHERE b = ?"},
	}
	for _, tc := range tests {
		db := &storage.DB{Dialect: tc.dialect}
		if got := db.Rebind(tc.in); got != tc.want {
			t.Errorf("%s %q → %q, want %q", tc.dialect, tc.in, got, tc.want)
		}
	}
}

func TestIsUnavailable(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("syntax error at or near"), false},
		{driver.ErrBadConn, true},
		{fmt.Errorf("query: %w", io.ErrUnexpectedEOF), true},
		{context.DeadlineExceeded, true},
		{errors.New("failed to connect to `user=postgres`: connection refused"), true},
	}
	for _, tc := range tests {
		if got := storage.IsUnavailable(tc.err); got != tc.want {
			t.Errorf("IsUnavailable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

var migrations = fstest.MapFS{
	"sqlite/001_a.sql":   {Data: []byte(`CREATE TABLE t_a (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);`)},
	"sqlite/002_b.sql":   {Data: []byte(`ALTER TABLE t_a ADD COLUMN extra TEXT;`)},
	"postgres/001_a.sql": {Data: []byte(`CREATE TABLE t_a (id BIGINT PRIMARY KEY, name TEXT NOT NULL UNIQUE);`)},
	"postgres/002_b.sql": {Data: []byte(`ALTER TABLE t_a ADD COLUMN extra TEXT;`)},
}

func TestMigrateAndConstraints(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, b storagetest.Backend) {
		ctx := context.Background()
		cfg := b.Config(t)
		db := storagetest.Open(t, cfg)

		// Several replicas migrating one database at once: each migration runs once.
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				other := storagetest.Open(t, cfg)
				errs <- other.Migrate(ctx, "test", migrations)
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("concurrent migrate: %v", err)
			}
		}
		if err := db.Migrate(ctx, "test", migrations); err != nil {
			t.Fatalf("migrating again must be a no-op: %v", err)
		}
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE api = 'test'`).Scan(&n); err != nil || n != 2 {
			t.Fatalf("%d migrations recorded (%v), want 2", n, err)
		}

		if _, err := db.ExecContext(ctx, db.Rebind(`INSERT INTO t_a (id, name, extra) VALUES (?, ?, ?)`), 1, "x", "e"); err != nil {
			t.Fatal(err)
		}
		_, err := db.ExecContext(ctx, db.Rebind(`INSERT INTO t_a (id, name) VALUES (?, ?)`), 2, "x")
		if !storage.IsUniqueViolation(err) {
			t.Errorf("duplicate: %v is not recognised as a unique violation", err)
		}
		if storage.IsUnavailable(err) {
			t.Errorf("a constraint violation is not an outage: %v", err)
		}

		// One text for both dialects, at the root of the folder.
		shared := fstest.MapFS{"001_s.sql": {Data: []byte(`CREATE TABLE t_s (id BIGINT PRIMARY KEY);`)}}
		if err := db.Migrate(ctx, "shared", shared); err != nil {
			t.Fatalf("shared migrations: %v", err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO t_s (id) VALUES (1)`); err != nil {
			t.Errorf("shared migration not applied: %v", err)
		}

		ran := 0
		if err := db.Exclusive(ctx, func(context.Context) error { ran++; return nil }); err != nil || ran != 1 {
			t.Errorf("Exclusive: ran %d times, err %v", ran, err)
		}
	})
}

func TestOpenRejectsUnknownURL(t *testing.T) {
	if _, err := storage.Open(context.Background(), storage.Config{URL: "mysql://root@localhost/x"}); err == nil {
		t.Error("an unsupported database URL must be refused")
	}
}
