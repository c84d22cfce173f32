package storage

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// migrationLockKey is the PostgreSQL advisory lock that serialises migrations when several
// replicas start at once.
const migrationLockKey = 0x5bec_f175

// Migrate applies, in order, the migrations of one API that this database has not seen yet.
// fsys holds files named NNN_what.sql: in one folder per dialect ("sqlite", "postgres") when
// the SQL differs, or at its root when one text suits both. Each file runs in its own
// transaction together with its bookkeeping row.
func (db *DB) Migrate(ctx context.Context, api string, fsys fs.FS) error {
	dir := string(db.Dialect)
	if info, err := fs.Stat(fsys, dir); err != nil || !info.IsDir() {
		dir = "."
	}
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", api, err)
	}
	type migration struct {
		version int
		name    string
	}
	var todo []migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			return fmt.Errorf("migrate %s: file %s does not start with a number", api, e.Name())
		}
		todo = append(todo, migration{v, e.Name()})
	}
	sort.Slice(todo, func(i, j int) bool { return todo[i].version < todo[j].version })

	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if db.Dialect == Postgres {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
			return fmt.Errorf("migrate %s: lock: %w", api, err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey)
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		api TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL, applied_at BIGINT NOT NULL,
		PRIMARY KEY (api, version))`); err != nil {
		return fmt.Errorf("migrate %s: %w", api, err)
	}
	for _, m := range todo {
		body, err := fs.ReadFile(fsys, path.Join(dir, m.name))
		if err != nil {
			return err
		}
		err = func() error {
			tx, err := conn.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer tx.Rollback()
			var n int
			if err := tx.QueryRowContext(ctx, db.Rebind(`SELECT COUNT(*) FROM schema_migrations WHERE api = ? AND version = ?`), api, m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("%s: %w", m.name, err)
			}
			if _, err := tx.ExecContext(ctx, db.Rebind(`INSERT INTO schema_migrations (api, version, name, applied_at) VALUES (?, ?, ?, ?)`),
				api, m.version, m.name, time.Now().Unix()); err != nil {
				return err
			}
			return tx.Commit()
		}()
		if err != nil {
			return fmt.Errorf("migrate %s: %w", api, err)
		}
	}
	return nil
}

// MigrationsIn returns the folder dir of an embedded file system, for a package that embeds
// its migrations folder (//go:embed migrations); it panics on a bad name, a build-time error.
func MigrationsIn(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err)
	}
	return sub
}
