// Package storage opens the project's database (embedded SQLite by default, PostgreSQL for
// several replicas), runs embedded migrations and smooths over the few SQL dialect
// differences, so that each API's store is written once against database/sql.
package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver
)

// Dialect names the SQL engine behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Config selects and tunes the database.
type Config struct {
	// URL selects PostgreSQL when it starts with postgres:// or postgresql://.
	// Empty means SQLite in DataDir.
	URL string
	// DataDir holds the SQLite file (specfirst.db). Ignored for PostgreSQL.
	DataDir string
	// Pool settings; zero keeps the defaults below.
	MaxOpenConns    int
	MaxIdleConns    int
	ConnMaxLifetime time.Duration
	// ConnectTimeout bounds establishing a PostgreSQL connection, so that a lost database
	// fails requests quickly instead of hanging them.
	ConnectTimeout time.Duration
}

// DB is a *sql.DB that knows its dialect.
type DB struct {
	*sql.DB
	Dialect Dialect
}

// Open connects to the database described by cfg and checks that it answers.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	var (
		db      *sql.DB
		dialect Dialect
		err     error
	)
	switch {
	case strings.HasPrefix(cfg.URL, "postgres://"), strings.HasPrefix(cfg.URL, "postgresql://"):
		dialect = Postgres
		dsn, derr := withConnectTimeout(cfg.URL, cfg.ConnectTimeout)
		if derr != nil {
			return nil, derr
		}
		db, err = sql.Open("pgx", dsn)
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(orDefault(cfg.MaxOpenConns, 20))
		db.SetMaxIdleConns(orDefault(cfg.MaxIdleConns, 10))
	case cfg.URL == "" || strings.HasPrefix(cfg.URL, "sqlite:"):
		dialect = SQLite
		path := strings.TrimPrefix(cfg.URL, "sqlite:")
		if path == "" {
			dir := cfg.DataDir
			if dir == "" {
				dir = "data"
			}
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("storage: data dir: %w", err)
			}
			path = filepath.Join(dir, "specfirst.db")
		}
		// WAL lets readers run beside the single writer; busy_timeout makes writers queue
		// instead of failing; immediate transactions take the write lock up front, so two
		// read-then-write transactions cannot deadlock on lock upgrade.
		dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
			"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
		db, err = sql.Open("sqlite", dsn)
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(orDefault(cfg.MaxOpenConns, 8))
		db.SetMaxIdleConns(orDefault(cfg.MaxIdleConns, 8))
	default:
		return nil, fmt.Errorf("storage: unsupported database URL %q (want postgres://… or empty for SQLite)", redact(cfg.URL))
	}
	if cfg.ConnMaxLifetime > 0 {
		db.SetConnMaxLifetime(cfg.ConnMaxLifetime)
	}
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("storage: connect %s: %w", dialect, err)
	}
	return &DB{DB: db, Dialect: dialect}, nil
}

func orDefault(v, d int) int {
	if v > 0 {
		return v
	}
	return d
}

func withConnectTimeout(raw string, d time.Duration) (string, error) {
	if d <= 0 {
		d = 5 * time.Second
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("storage: bad database URL: %w", err)
	}
	q := u.Query()
	if q.Get("connect_timeout") == "" {
		q.Set("connect_timeout", strconv.Itoa(max(1, int(d/time.Second))))
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparsable>"
	}
	return u.Redacted()
}

// Affected returns the number of rows a statement changed; it takes ExecContext's results
// as they come: n, err := storage.Affected(db.ExecContext(…)).
func Affected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// IsUniqueViolation reports whether err is a unique-constraint violation on either engine.
func IsUniqueViolation(err error) bool {
	return isConstraint(err, "23505", "UNIQUE constraint failed")
}

// IsForeignKeyViolation reports whether err is a foreign-key violation on either engine.
func IsForeignKeyViolation(err error) bool {
	return isConstraint(err, "23503", "FOREIGN KEY constraint failed")
}

// isConstraint matches PostgreSQL's SQLSTATE or, for SQLite, the message of the error.
func isConstraint(err error, sqlState, sqliteMsg string) bool {
	if err == nil {
		return false
	}
	var coded interface{ SQLState() string }
	if errors.As(err, &coded) {
		return coded.SQLState() == sqlState
	}
	return strings.Contains(err.Error(), sqliteMsg)
}

// IsUnavailable reports whether err means the database cannot be reached (connection
// refused or lost, timeouts, a server shutting down), as opposed to a bad query.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	// A connection cut mid-query surfaces as an unexpected EOF from the wire protocol.
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
		return true
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) {
		return true
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	var coded interface{ SQLState() string }
	if errors.As(err, &coded) {
		switch code := coded.SQLState(); {
		case strings.HasPrefix(code, "08"), // connection exception
			code == "57P01", code == "57P02", code == "57P03", // admin shutdown, crash shutdown, cannot connect now
			code == "53300": // too many connections
			return true
		}
	}
	msg := err.Error()
	return strings.Contains(msg, "failed to connect") || strings.Contains(msg, "connection refused") ||
		strings.Contains(msg, "database is locked") || strings.Contains(msg, "conn closed")
}

// seedLockKey serialises seeding across replicas that start at once on one database.
const seedLockKey = 0x5bec_f176

// Exclusive runs fn while holding a database-wide lock (a PostgreSQL advisory lock; on
// SQLite, where one file has one writer anyway, fn just runs), so that work such as seeding
// happens once even when several replicas start together.
func (db *DB) Exclusive(ctx context.Context, fn func(ctx context.Context) error) error {
	if db.Dialect != Postgres {
		return fn(ctx)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", seedLockKey); err != nil {
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", seedLockKey)
	return fn(ctx)
}
