package storage

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"
)

// Queries in this project are written once, with ? placeholders; DB and Tx rebind them for
// PostgreSQL ($1, $2, …) as they run, so a store never calls Rebind itself. The rebound text
// of each query is computed once and cached: a store has a few dozen distinct queries.

// ExecContext runs query (? placeholders) on the pool.
func (db *DB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return db.DB.ExecContext(ctx, db.Rebind(query), args...)
}

// QueryContext runs query (? placeholders) on the pool.
func (db *DB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return db.DB.QueryContext(ctx, db.Rebind(query), args...)
}

// QueryRowContext runs query (? placeholders) on the pool.
func (db *DB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return db.DB.QueryRowContext(ctx, db.Rebind(query), args...)
}

// Tx is a transaction whose queries are written with ? placeholders, as on DB.
type Tx struct {
	*sql.Tx
	db *DB
}

// ExecContext runs query (? placeholders) in the transaction.
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return tx.Tx.ExecContext(ctx, tx.db.Rebind(query), args...)
}

// QueryContext runs query (? placeholders) in the transaction.
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return tx.Tx.QueryContext(ctx, tx.db.Rebind(query), args...)
}

// QueryRowContext runs query (? placeholders) in the transaction.
func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return tx.Tx.QueryRowContext(ctx, tx.db.Rebind(query), args...)
}

// InTx runs fn in a transaction, committing when fn returns nil. On SQLite the transaction
// takes the write lock up front (immediate), so two read-then-write transactions cannot
// deadlock on a lock upgrade; use it for writes, and plain DB queries for reads.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	stx, err := db.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(&Tx{Tx: stx, db: db}); err != nil {
		_ = stx.Rollback()
		return err
	}
	return stx.Commit()
}

// Querier is what DB and Tx have in common: queries with ? placeholders.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

var (
	_ Querier = (*DB)(nil)
	_ Querier = (*Tx)(nil)
)

// rebound caches the PostgreSQL text of each query.
var rebound sync.Map // string → string

// Rebind turns the ? placeholders of a query into PostgreSQL's $1, $2, … when needed.
// Queries in this project never contain a literal question mark.
func (db *DB) Rebind(query string) string {
	if db.Dialect != Postgres || !strings.Contains(query, "?") {
		return query
	}
	if v, ok := rebound.Load(query); ok {
		return v.(string)
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	out := b.String()
	rebound.Store(query, out)
	return out
}

// Exists reports whether query returns at least one row.
func Exists(ctx context.Context, q Querier, query string, args ...any) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 WHERE EXISTS (`+query+`)`, args...).Scan(&one)
	if err == sql.ErrNoRows {
		return false, nil
	}
	return err == nil, err
}

// Strings returns the first column of every row of query; an empty result is an empty,
// non-nil slice (it is encoded as [] rather than null).
func Strings(ctx context.Context, q Querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// LockRow takes the write lock of the rows of table matching where (a condition with ?
// placeholders) for the rest of tx, and reports whether any exists. It is an UPDATE that
// changes nothing: PostgreSQL turns it into a row lock, and SQLite's immediate transactions
// already serialise writers. touch names a column the UPDATE sets to itself.
func LockRow(ctx context.Context, tx *Tx, table, touch, where string, args ...any) (bool, error) {
	n, err := Affected(tx.ExecContext(ctx, `UPDATE `+table+` SET `+touch+` = `+touch+` WHERE `+where, args...))
	return n > 0, err
}

// HashToken is how every API stores a bearer token, reset token or API key: SHA-256 in hex.
// Tokens are random, high-entropy secrets, so a fast hash suffices (a password hash would
// cost tens of milliseconds on every request) and a leaked table reveals no usable token.
func HashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

// NewToken returns n random bytes in hex (2n characters).
func NewToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Placeholders returns n comma-separated ? placeholders, for IN (…) lists.
func Placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}
