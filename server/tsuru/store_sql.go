package tsuru

import (
	"context"
	"embed"
	"time"

	"github.com/specfirst/specfirst/server/storage"
)

//go:embed migrations
var migrations embed.FS

// Migrations is the store's schema in storage.DB.Migrate's layout (one text for both
// dialects); every table is named tsuru_….
var Migrations = storage.MigrationsIn(migrations, "migrations")

// SQLStore is the Store on SQLite or PostgreSQL. It keeps no state of its own: every rule
// is checked inside a transaction, after locking the row the rule is about
// (storage.LockRow), and backed by unique keys and foreign keys, so several replicas on one
// PostgreSQL database enforce the same rules. Its methods are in store_NAME.go, one file
// per resource.
type SQLStore struct {
	db   *storage.DB
	opts Options
}

var _ Store = (*SQLStore)(nil)

// NewSQLStore returns a store on db, which must hold the schema (Migrations; the module
// loader applies it).
func NewSQLStore(db *storage.DB, opts Options) *SQLStore {
	return &SQLStore{db: db, opts: opts.withDefaults()}
}

// newToken returns 40 hex characters, the shape of tsuru's tokens.
func newToken() string { return storage.NewToken(20) }

func (s *SQLStore) now() time.Time { return s.opts.Now() }

// lock takes the row lock of table's row named name for the rest of tx and reports
// whether the row exists.
func (s *SQLStore) lock(ctx context.Context, tx *storage.Tx, table, name string) (bool, error) {
	return storage.LockRow(ctx, tx, table, "created_at", "name = ?", name)
}

func (s *SQLStore) userExists(ctx context.Context, q storage.Querier, email string) (bool, error) {
	return storage.Exists(ctx, q, `SELECT 1 FROM tsuru_users WHERE email = ?`, email)
}

func (s *SQLStore) userTeams(ctx context.Context, q storage.Querier, email string) ([]string, error) {
	return storage.Strings(ctx, q, `SELECT team FROM tsuru_team_members WHERE email = ? ORDER BY team`, email)
}

func (s *SQLStore) isMember(ctx context.Context, q storage.Querier, team, email string) (bool, error) {
	return storage.Exists(ctx, q, `SELECT 1 FROM tsuru_team_members WHERE team = ? AND email = ?`, team, email)
}

func (s *SQLStore) isAdmin(ctx context.Context, q storage.Querier, email string) (bool, error) {
	if email == "" {
		return false, nil
	}
	return s.isMember(ctx, q, s.opts.AdminTeam, email)
}
