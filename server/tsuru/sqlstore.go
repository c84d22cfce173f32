package tsuru

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/specfirst/specfirst/server/storage"
)

//go:embed migrations
var migrations embed.FS

// SQLStore is the Store on SQLite or PostgreSQL. It keeps no state of its own: every rule
// is checked inside a transaction, after locking the row the rule is about (an UPDATE that
// changes nothing, which PostgreSQL turns into a row lock and SQLite's immediate
// transactions serialise anyway), and backed by unique keys and foreign keys, so several
// replicas on one PostgreSQL database enforce the same rules.
type SQLStore struct {
	db   *storage.DB
	opts Options
}

var _ Store = (*SQLStore)(nil)

// NewSQLStore migrates db and returns a store on it.
func NewSQLStore(ctx context.Context, db *storage.DB, opts Options) (*SQLStore, error) {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx, "tsuru", sub); err != nil {
		return nil, err
	}
	return &SQLStore{db: db, opts: opts.withDefaults()}, nil
}

// hashToken stores bearer and reset tokens as SHA-256: they are random, high-entropy
// secrets, so a fast hash suffices and a leaked table reveals no usable token.
func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

// newToken returns 40 hex characters, the shape of tsuru's tokens.
func newToken() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *SQLStore) now() time.Time { return s.opts.Now() }

func (s *SQLStore) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.db.InTx(ctx, fn)
}

// lock takes the row lock of table's row named name for the rest of tx and reports
// whether the row exists.
func (s *SQLStore) lock(ctx context.Context, tx *sql.Tx, table, name string) (bool, error) {
	n, err := storage.Affected(tx.ExecContext(ctx, s.db.Rebind(`UPDATE `+table+` SET created_at = created_at WHERE name = ?`), name))
	return n == 1, err
}

func (s *SQLStore) exists(ctx context.Context, q storage.Querier, query string, args ...any) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, s.db.Rebind(`SELECT COUNT(*) FROM (`+query+`) x`), args...).Scan(&n)
	return n > 0, err
}

func (s *SQLStore) strings(ctx context.Context, q storage.Querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, s.db.Rebind(query), args...)
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

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

func (s *SQLStore) userExists(ctx context.Context, q storage.Querier, email string) (bool, error) {
	return s.exists(ctx, q, `SELECT 1 FROM tsuru_users WHERE email = ?`, email)
}

func (s *SQLStore) userTeams(ctx context.Context, q storage.Querier, email string) ([]string, error) {
	return s.strings(ctx, q, `SELECT team FROM tsuru_team_members WHERE email = ? ORDER BY team`, email)
}

func (s *SQLStore) isMember(ctx context.Context, q storage.Querier, team, email string) (bool, error) {
	return s.exists(ctx, q, `SELECT 1 FROM tsuru_team_members WHERE team = ? AND email = ?`, team, email)
}

func (s *SQLStore) isAdmin(ctx context.Context, q storage.Querier, email string) (bool, error) {
	if email == "" {
		return false, nil
	}
	return s.isMember(ctx, q, s.opts.AdminTeam, email)
}

// ---- users and sessions ----

func (s *SQLStore) CreateUser(ctx context.Context, email, password string) error {
	if err := ValidateEmail(email); err != nil {
		return err
	}
	if err := ValidatePassword(password); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.opts.BcryptCost)
	if err != nil {
		return err
	}
	limit := s.opts.AppsPerUser
	if limit < 0 {
		limit = -1
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO tsuru_users (email, password_hash, created_at) VALUES (?, ?, ?)`),
			email, string(hash), s.now().Unix())
		if storage.IsUniqueViolation(err) {
			return errorf(ErrConflict, MsgEmailTaken)
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO tsuru_quotas (owner, max_items, used) VALUES (?, ?, 0)
			ON CONFLICT (owner) DO NOTHING`), email, limit)
		return err
	})
}

func (s *SQLStore) checkPassword(ctx context.Context, q storage.Querier, email, password string) error {
	var hash string
	err := q.QueryRowContext(ctx, s.db.Rebind(`SELECT password_hash FROM tsuru_users WHERE email = ?`), email).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return errorf(ErrNotFound, MsgUserNotFound)
	}
	if err != nil {
		return err
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil {
		return errorf(ErrUnauthorized, MsgWrongPassword)
	}
	return nil
}

func (s *SQLStore) Login(ctx context.Context, email, password string) (string, error) {
	if err := ValidateEmail(email); err != nil {
		return "", err
	}
	if err := ValidatePassword(password); err != nil {
		return "", err
	}
	if err := s.checkPassword(ctx, s.db, email, password); err != nil {
		return "", err
	}
	tok := newToken()
	now := s.now()
	_, err := s.db.ExecContext(ctx, s.db.Rebind(`INSERT INTO tsuru_tokens (hash, email, app_name, created_at, expires_at) VALUES (?, ?, '', ?, ?)`),
		hashToken(tok), email, now.Unix(), now.Add(s.opts.SessionTTL).Unix())
	if storage.IsForeignKeyViolation(err) { // the user was removed meanwhile
		return "", errorf(ErrNotFound, MsgUserNotFound)
	}
	return tok, err
}

func (s *SQLStore) Authenticate(ctx context.Context, token string) (Caller, error) {
	if token == "" {
		return Caller{}, errorf(ErrUnauthorized, MsgInvalidToken)
	}
	var (
		email   sql.NullString
		app     string
		expires int64
	)
	err := s.db.QueryRowContext(ctx, s.db.Rebind(`SELECT email, app_name, expires_at FROM tsuru_tokens WHERE hash = ?`),
		hashToken(token)).Scan(&email, &app, &expires)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && expires <= s.now().Unix()) {
		return Caller{}, errorf(ErrUnauthorized, MsgInvalidToken)
	}
	if err != nil {
		return Caller{}, err
	}
	return Caller{Email: email.String, AppName: app, Token: token}, nil
}

func (s *SQLStore) Logout(ctx context.Context, token string) error {
	_, err := s.db.ExecContext(ctx, s.db.Rebind(`DELETE FROM tsuru_tokens WHERE hash = ?`), hashToken(token))
	return err
}

func (s *SQLStore) ChangePassword(ctx context.Context, email, old, new string) error {
	if old == "" || new == "" {
		return errorf(ErrInvalid, MsgPasswordsNeeded)
	}
	if err := ValidatePassword(new); err != nil {
		return err
	}
	if err := s.checkPassword(ctx, s.db, email, old); err != nil {
		if errors.Is(err, ErrUnauthorized) {
			return errorf(ErrForbidden, MsgPasswordMatch)
		}
		return err
	}
	return s.setPassword(ctx, email, new)
}

func (s *SQLStore) setPassword(ctx context.Context, email, password string) error {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.opts.BcryptCost)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, s.db.Rebind(`UPDATE tsuru_users SET password_hash = ? WHERE email = ?`), string(hash), email)
	return err
}

func (s *SQLStore) StartPasswordReset(ctx context.Context, email string) (string, error) {
	if err := ValidateEmail(email); err != nil {
		return "", err
	}
	tok := newToken()
	_, err := s.db.ExecContext(ctx, s.db.Rebind(`INSERT INTO tsuru_password_tokens (hash, email, created_at, used) VALUES (?, ?, ?, ?)`),
		hashToken(tok), email, s.now().Unix(), false)
	if storage.IsForeignKeyViolation(err) {
		return "", errorf(ErrNotFound, MsgUserNotFound)
	}
	if err != nil {
		return "", err
	}
	s.opts.Mail(email, "[tsuru] Password reset process", "Use this token to reset your password: "+tok)
	return tok, nil
}

func (s *SQLStore) ResetPassword(ctx context.Context, email, token string) (string, error) {
	if err := ValidateEmail(email); err != nil {
		return "", err
	}
	if ok, err := s.userExists(ctx, s.db, email); err != nil || !ok {
		if err == nil {
			err = errorf(ErrNotFound, MsgUserNotFound)
		}
		return "", err
	}
	password := newToken()[:12]
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.opts.BcryptCost)
	if err != nil {
		return "", err
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		// The conditional update consumes the token exactly once, even under concurrency.
		if n, err := storage.Affected(tx.ExecContext(ctx, s.db.Rebind(`UPDATE tsuru_password_tokens SET used = ?
			WHERE hash = ? AND email = ? AND used = ? AND created_at > ?`),
			true, hashToken(token), email, false, s.now().Add(-s.opts.ResetTokenTTL).Unix())); err != nil {
			return err
		} else if n != 1 {
			return errorf(ErrForbidden, MsgInvalidToken)
		}
		_, err = tx.ExecContext(ctx, s.db.Rebind(`UPDATE tsuru_users SET password_hash = ? WHERE email = ?`), string(hash), email)
		return err
	})
	if err != nil {
		return "", err
	}
	s.opts.Mail(email, "[tsuru] Your new password", "Your new password is: "+password)
	return password, nil
}

func (s *SQLStore) DeleteUser(ctx context.Context, email string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		// Lock the user's teams so that no concurrent removal can leave one without members.
		if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE tsuru_teams SET created_at = created_at
			WHERE name IN (SELECT team FROM tsuru_team_members WHERE email = ?)`), email); err != nil {
			return err
		}
		last, err := s.strings(ctx, tx, `SELECT m.team FROM tsuru_team_members m WHERE m.email = ?
			AND (SELECT COUNT(*) FROM tsuru_team_members o WHERE o.team = m.team) = 1 ORDER BY m.team`, email)
		if err != nil {
			return err
		}
		if len(last) > 0 {
			return errorf(ErrForbidden, "This user is the last member of the team %q, so it cannot be removed.\n\nPlease remove the team, then remove the user.", last[0])
		}
		if _, err := tx.ExecContext(ctx, s.db.Rebind(`DELETE FROM tsuru_users WHERE email = ?`), email); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.db.Rebind(`DELETE FROM tsuru_quotas WHERE owner = ?`), email)
		return err
	})
}

func (s *SQLStore) AddKey(ctx context.Context, email, key string) error {
	key = strings.TrimSpace(key)
	if key == "" {
		return errorf(ErrInvalid, MsgMissingKey)
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.db.Rebind(`SELECT COUNT(*) FROM tsuru_keys WHERE email = ?`), email).Scan(&n); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO tsuru_keys (email, pubkey, name) VALUES (?, ?, ?)`),
			email, key, fmt.Sprintf("%s-%d", email, n+1))
		if storage.IsUniqueViolation(err) {
			return errorf(ErrConflict, MsgKeyExists)
		}
		return err
	})
}

func (s *SQLStore) RemoveKey(ctx context.Context, email, key string) error {
	key = strings.TrimSpace(key)
	if key == "" {
		return errorf(ErrInvalid, MsgMissingKey)
	}
	if n, err := storage.Affected(s.db.ExecContext(ctx, s.db.Rebind(`DELETE FROM tsuru_keys WHERE email = ? AND pubkey = ?`), email, key)); err != nil {
		return err
	} else if n == 0 {
		return errorf(ErrNotFound, MsgKeyNotFound)
	}
	return nil
}

func (s *SQLStore) Keys(ctx context.Context, email string) ([]string, error) {
	return s.strings(ctx, s.db, `SELECT pubkey FROM tsuru_keys WHERE email = ? ORDER BY name`, email)
}

// ---- teams ----

func (s *SQLStore) ListTeams(ctx context.Context, email string) ([]string, error) {
	return s.userTeams(ctx, s.db, email)
}

func (s *SQLStore) CreateTeam(ctx context.Context, email, name string) error {
	if err := ValidateTeamName(name); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO tsuru_teams (name, created_at) VALUES (?, ?)`), name, s.now().Unix())
		if storage.IsUniqueViolation(err) {
			return errorf(ErrConflict, MsgTeamExists)
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO tsuru_team_members (team, email) VALUES (?, ?)`), name, email)
		if storage.IsForeignKeyViolation(err) {
			return errorf(ErrNotFound, MsgUserNotFound)
		}
		return err
	})
}

func (s *SQLStore) GetTeam(ctx context.Context, email, name string) (Team, error) {
	users, err := s.strings(ctx, s.db, `SELECT email FROM tsuru_team_members WHERE team = ? ORDER BY email`, name)
	if err != nil {
		return Team{}, err
	}
	if len(users) == 0 {
		if ok, err := s.exists(ctx, s.db, `SELECT 1 FROM tsuru_teams WHERE name = ?`, name); err != nil || !ok {
			if err == nil {
				err = errorf(ErrNotFound, MsgTeamNotFound)
			}
			return Team{}, err
		}
	}
	if !slices.Contains(users, email) {
		return Team{}, errorf(ErrForbidden, MsgNotTeamMember)
	}
	return Team{Name: name, Users: users}, nil
}

func (s *SQLStore) DeleteTeam(ctx context.Context, email, name string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		ok, err := s.lock(ctx, tx, "tsuru_teams", name)
		if err != nil {
			return err
		}
		if ok {
			ok, err = s.isMember(ctx, tx, name, email)
			if err != nil {
				return err
			}
		}
		if !ok {
			return errorf(ErrNotFound, "Team %q not found.", name)
		}
		if has, err := s.exists(ctx, tx, `SELECT 1 FROM tsuru_app_teams WHERE team = ?`, name); err != nil {
			return err
		} else if has {
			return errorf(ErrForbidden, MsgTeamHasApps)
		}
		_, err = tx.ExecContext(ctx, s.db.Rebind(`DELETE FROM tsuru_teams WHERE name = ?`), name)
		if storage.IsForeignKeyViolation(err) { // an app was given to the team meanwhile
			return errorf(ErrForbidden, MsgTeamHasApps)
		}
		return err
	})
}

// lockTeamAsMember locks team and checks that email is one of its members.
func (s *SQLStore) lockTeamAsMember(ctx context.Context, tx *sql.Tx, email, team, forbidden string) error {
	ok, err := s.lock(ctx, tx, "tsuru_teams", team)
	if err != nil {
		return err
	}
	if !ok {
		return errorf(ErrNotFound, MsgTeamNotFound)
	}
	if ok, err := s.isMember(ctx, tx, team, email); err != nil {
		return err
	} else if !ok {
		return errorf(ErrForbidden, forbidden, team)
	}
	return nil
}

func (s *SQLStore) AddUserToTeam(ctx context.Context, email, team, user string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockTeamAsMember(ctx, tx, email, team, "You are not authorized to add new users to the team %s"); err != nil {
			return err
		}
		if ok, err := s.userExists(ctx, tx, user); err != nil {
			return err
		} else if !ok {
			return errorf(ErrNotFound, MsgUserNotFound)
		}
		_, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO tsuru_team_members (team, email) VALUES (?, ?)`), team, user)
		if storage.IsUniqueViolation(err) {
			return errorf(ErrConflict, "User %s is already in the team %s.", user, team)
		}
		return err
	})
}

func (s *SQLStore) RemoveUserFromTeam(ctx context.Context, email, team, user string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockTeamAsMember(ctx, tx, email, team, "You are not authorized to remove a member from the team %s"); err != nil {
			return err
		}
		if ok, err := s.userExists(ctx, tx, user); err != nil {
			return err
		} else if !ok {
			return errorf(ErrNotFound, MsgUserNotFound)
		}
		if ok, err := s.isMember(ctx, tx, team, user); err != nil {
			return err
		} else if !ok {
			return errorf(ErrNotFound, "User %s is not in the team %s.", user, team)
		}
		var n int
		if err := tx.QueryRowContext(ctx, s.db.Rebind(`SELECT COUNT(*) FROM tsuru_team_members WHERE team = ?`), team).Scan(&n); err != nil {
			return err
		}
		if n < 2 {
			return errorf(ErrForbidden, MsgLastTeamMember)
		}
		_, err := tx.ExecContext(ctx, s.db.Rebind(`DELETE FROM tsuru_team_members WHERE team = ? AND email = ?`), team, user)
		return err
	})
}

// ---- platforms, healers, quotas ----

func (s *SQLStore) ListPlatforms(ctx context.Context) ([]string, error) {
	return s.strings(ctx, s.db, `SELECT name FROM tsuru_platforms ORDER BY position, name`)
}

func (s *SQLStore) AddPlatform(ctx context.Context, name string) error {
	if strings.TrimSpace(name) == "" {
		return errorf(ErrInvalid, MsgInvalidPlatform)
	}
	// "WHERE true" lets SQLite tell the upsert clause from a join constraint.
	_, err := s.db.ExecContext(ctx, s.db.Rebind(`INSERT INTO tsuru_platforms (name, position)
		SELECT ?, COALESCE(MAX(position), 0) + 1 FROM tsuru_platforms WHERE true ON CONFLICT (name) DO NOTHING`), name)
	return err
}

func (s *SQLStore) ListHealers(ctx context.Context) ([]Healer, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, url, runs FROM tsuru_healers ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Healer{}
	for rows.Next() {
		var h Healer
		if err := rows.Scan(&h.Name, &h.URL, &h.Runs); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

func (s *SQLStore) AddHealer(ctx context.Context, name, url string) error {
	_, err := s.db.ExecContext(ctx, s.db.Rebind(`INSERT INTO tsuru_healers (name, url) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET url = excluded.url`), name, url)
	return err
}

func (s *SQLStore) ExecuteHealer(ctx context.Context, name string) error {
	if n, err := storage.Affected(s.db.ExecContext(ctx, s.db.Rebind(`UPDATE tsuru_healers SET runs = runs + 1, last_run = ? WHERE name = ?`),
		s.now().Unix(), name)); err != nil {
		return err
	} else if n == 0 {
		return errorf(ErrNotFound, MsgHealerNotFound)
	}
	return nil
}

func (s *SQLStore) GetQuota(ctx context.Context, owner string) (Quota, error) {
	var limit, used int64
	err := s.db.QueryRowContext(ctx, s.db.Rebind(`SELECT max_items, used FROM tsuru_quotas WHERE owner = ?`), owner).Scan(&limit, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return Quota{}, errorf(ErrNotFound, MsgQuotaNotFound)
	}
	if err != nil {
		return Quota{}, err
	}
	q := Quota{Items: int(used), Limit: int(limit)}
	switch {
	case limit < 0:
		q.Available = math.MaxInt32 // unlimited
	case limit > used:
		q.Available = int(limit - used)
	}
	return q, nil
}

func (s *SQLStore) SetQuotaLimit(ctx context.Context, owner string, limit int) error {
	if limit < 0 {
		limit = -1
	}
	_, err := s.db.ExecContext(ctx, s.db.Rebind(`INSERT INTO tsuru_quotas (owner, max_items, used) VALUES (?, ?, 0)
		ON CONFLICT (owner) DO UPDATE SET max_items = excluded.max_items`), owner, limit)
	return err
}

// ---- apps ----

func (s *SQLStore) loadApp(ctx context.Context, q storage.Querier, name string) (App, error) {
	a := App{Name: name}
	err := q.QueryRowContext(ctx, s.db.Rebind(`SELECT platform, repository, state, ip, owner FROM tsuru_apps WHERE name = ?`), name).
		Scan(&a.Platform, &a.Repository, &a.State, &a.Ip, &a.Owner)
	if errors.Is(err, sql.ErrNoRows) {
		return App{}, errorf(ErrNotFound, "App %s not found.", name)
	}
	if err != nil {
		return App{}, err
	}
	if a.Teams, err = s.strings(ctx, q, `SELECT team FROM tsuru_app_teams WHERE app = ? ORDER BY team`, name); err != nil {
		return App{}, err
	}
	rows, err := q.QueryContext(ctx, s.db.Rebind(`SELECT name, ip, state FROM tsuru_units WHERE app = ? ORDER BY seq`), name)
	if err != nil {
		return App{}, err
	}
	defer rows.Close()
	a.Units = []Unit{}
	for rows.Next() {
		var u Unit
		if err := rows.Scan(&u.Name, &u.Ip, &u.State); err != nil {
			return App{}, err
		}
		a.Units = append(a.Units, u)
	}
	return a, rows.Err()
}

// canAccessApp: an application token reaches only its app; a user reaches the apps of
// their teams; admins reach every app.
func (s *SQLStore) canAccessApp(ctx context.Context, q storage.Querier, c Caller, app string) (bool, error) {
	if c.AppName != "" {
		return c.AppName == app, nil
	}
	if ok, err := s.exists(ctx, q, `SELECT 1 FROM tsuru_app_teams t JOIN tsuru_team_members m ON m.team = t.team
		WHERE t.app = ? AND m.email = ?`, app, c.Email); err != nil || ok {
		return ok, err
	}
	return s.isAdmin(ctx, q, c.Email)
}

// app loads an app the caller may act on: 404 when unknown, 403 without access.
func (s *SQLStore) app(ctx context.Context, q storage.Querier, c Caller, name string) (App, error) {
	a, err := s.loadApp(ctx, q, name)
	if err != nil {
		return App{}, err
	}
	if ok, err := s.canAccessApp(ctx, q, c, name); err != nil {
		return App{}, err
	} else if !ok {
		return App{}, errorf(ErrForbidden, MsgAppNoAccess)
	}
	return a, nil
}

func (s *SQLStore) ListApps(ctx context.Context, c Caller) ([]App, error) {
	var (
		names []string
		err   error
	)
	admin, err := s.isAdmin(ctx, s.db, c.Email)
	if err != nil {
		return nil, err
	}
	switch {
	case c.AppName != "":
		names = []string{c.AppName}
	case admin:
		names, err = s.strings(ctx, s.db, `SELECT name FROM tsuru_apps ORDER BY name`)
	default:
		names, err = s.strings(ctx, s.db, `SELECT DISTINCT t.app FROM tsuru_app_teams t
			JOIN tsuru_team_members m ON m.team = t.team WHERE m.email = ? ORDER BY t.app`, c.Email)
	}
	if err != nil {
		return nil, err
	}
	out := make([]App, 0, len(names))
	for _, n := range names {
		a, err := s.loadApp(ctx, s.db, n)
		if errors.Is(err, ErrNotFound) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// MaxUnits bounds the units an app may be created with.
const MaxUnits = 100

func unitIP(unit string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(unit))
	v := h.Sum32()
	return fmt.Sprintf("10.%d.%d.%d", byte(v>>16), byte(v>>8), 1+byte(v)%254)
}

func (s *SQLStore) CreateApp(ctx context.Context, c Caller, na NewApp) (App, error) {
	if c.Email == "" {
		return App{}, errorf(ErrForbidden, MsgAppNoAccess)
	}
	if na.Platform == "" {
		return App{}, errorf(ErrInvalid, MsgInvalidPlatform)
	}
	if ok, err := s.exists(ctx, s.db, `SELECT 1 FROM tsuru_platforms WHERE name = ?`, na.Platform); err != nil {
		return App{}, err
	} else if !ok {
		return App{}, errorf(ErrInvalid, MsgInvalidPlatform)
	}
	if err := ValidateAppName(na.Name); err != nil {
		return App{}, err
	}
	if na.Units < 0 || na.Units > MaxUnits {
		return App{}, errorf(ErrInvalid, "Invalid number of units: an app may be created with 1 to %d units.", MaxUnits)
	}
	if na.Units == 0 {
		na.Units = 1
	}
	teams, err := s.userTeams(ctx, s.db, c.Email)
	if err != nil {
		return App{}, err
	}
	if len(teams) == 0 {
		return App{}, errorf(ErrInvalid, MsgAppNoTeam)
	}
	var app App
	err = s.tx(ctx, func(tx *sql.Tx) error {
		// The quota is taken by a conditional update: the row lock makes concurrent
		// creations by one user queue, and each re-checks used < max_items.
		res, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE tsuru_quotas SET used = used + 1
			WHERE owner = ? AND (max_items < 0 OR used < max_items)`), c.Email)
		if err != nil {
			return err
		}
		took, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if took == 0 {
			if has, err := s.exists(ctx, tx, `SELECT 1 FROM tsuru_quotas WHERE owner = ?`, c.Email); err != nil {
				return err
			} else if has {
				return errorf(ErrForbidden, MsgQuotaExceeded)
			}
		}
		_, err = tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO tsuru_apps (name, platform, repository, state, ip, owner, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`),
			na.Name, na.Platform, fmt.Sprintf("git@%s:%s.git", s.opts.GitHost, na.Name), "started",
			na.Name+"."+s.opts.RouterDomain, c.Email, s.now().Unix())
		if storage.IsUniqueViolation(err) {
			return errorf(ErrConflict, MsgAppExists)
		}
		if storage.IsForeignKeyViolation(err) {
			return errorf(ErrInvalid, MsgInvalidPlatform)
		}
		if err != nil {
			return err
		}
		if took == 1 {
			if _, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO tsuru_quota_items (owner, item) VALUES (?, ?)`), c.Email, na.Name); err != nil {
				return err
			}
		}
		for _, t := range teams {
			if _, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO tsuru_app_teams (app, team) VALUES (?, ?)`), na.Name, t); err != nil {
				return err
			}
		}
		for i := 0; i < na.Units; i++ {
			unit := fmt.Sprintf("%s/%d", na.Name, i)
			if _, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO tsuru_units (app, seq, name, ip, state) VALUES (?, ?, ?, ?, ?)`),
				na.Name, i, unit, unitIP(unit), "started"); err != nil {
				return err
			}
		}
		app, err = s.loadApp(ctx, tx, na.Name)
		return err
	})
	return app, err
}

func (s *SQLStore) GetApp(ctx context.Context, c Caller, name string) (App, error) {
	return s.app(ctx, s.db, c, name)
}

func (s *SQLStore) DeleteApp(ctx context.Context, c Caller, name string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		a, err := s.app(ctx, tx, c, name)
		if err != nil {
			return err
		}
		// Bindings, units, variables and team links go with the app (ON DELETE CASCADE).
		if n, err := storage.Affected(tx.ExecContext(ctx, s.db.Rebind(`DELETE FROM tsuru_apps WHERE name = ?`), name)); err != nil {
			return err
		} else if n == 0 {
			return errorf(ErrNotFound, "App %s not found.", name)
		}
		// Give the owner's quota item back, once.
		if n, err := storage.Affected(tx.ExecContext(ctx, s.db.Rebind(`DELETE FROM tsuru_quota_items WHERE owner = ? AND item = ?`), a.Owner, name)); err != nil {
			return err
		} else if n == 1 {
			if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE tsuru_quotas SET used = used - 1 WHERE owner = ? AND used > 0`), a.Owner); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, s.db.Rebind(`DELETE FROM tsuru_quotas WHERE owner = ?`), name)
		return err
	})
}

func (s *SQLStore) RestartApp(ctx context.Context, c Caller, name string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.app(ctx, tx, c, name); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE tsuru_units SET state = 'started' WHERE app = ?`), name); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE tsuru_apps SET state = 'started' WHERE name = ?`), name)
		return err
	})
}

func (s *SQLStore) GetEnv(ctx context.Context, c Caller, app string, names []string) ([]EnvVar, error) {
	if _, err := s.app(ctx, s.db, c, app); err != nil {
		return nil, err
	}
	query := `SELECT name, value, public, instance FROM tsuru_app_env WHERE app = ?`
	args := []any{app}
	if len(names) > 0 {
		query += ` AND name IN (` + placeholders(len(names)) + `)`
		for _, n := range names {
			args = append(args, n)
		}
	}
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(query+` ORDER BY name`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []EnvVar{}
	for rows.Next() {
		var v EnvVar
		if err := rows.Scan(&v.Name, &v.Value, &v.Public, &v.Instance); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (s *SQLStore) setEnv(ctx context.Context, tx *sql.Tx, app string, vars map[string]string, public bool, instance string) error {
	names := make([]string, 0, len(vars))
	for n := range vars {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if _, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO tsuru_app_env (app, name, value, public, instance) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (app, name) DO UPDATE SET value = excluded.value, public = excluded.public, instance = excluded.instance`),
			app, n, vars[n], public, instance); err != nil {
			return err
		}
	}
	return nil
}

func (s *SQLStore) SetEnv(ctx context.Context, c Caller, app string, vars map[string]string) error {
	if vars == nil {
		return errorf(ErrInvalid, MsgEnvObject)
	}
	for n := range vars {
		if strings.TrimSpace(n) == "" {
			return errorf(ErrInvalid, MsgEnvObject)
		}
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.app(ctx, tx, c, app); err != nil {
			return err
		}
		return s.setEnv(ctx, tx, app, vars, true, "")
	})
}

func (s *SQLStore) UnsetEnv(ctx context.Context, c Caller, app string, names []string) error {
	if len(names) == 0 {
		return errorf(ErrInvalid, MsgEnvList)
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.app(ctx, tx, c, app); err != nil {
			return err
		}
		args := []any{app, true}
		for _, n := range names {
			args = append(args, n)
		}
		_, err := tx.ExecContext(ctx, s.db.Rebind(`DELETE FROM tsuru_app_env WHERE app = ? AND public = ? AND name IN (`+placeholders(len(names))+`)`), args...)
		return err
	})
}

func (s *SQLStore) Swap(ctx context.Context, c Caller, app1, app2 string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		for _, n := range []string{app1, app2} {
			if _, err := s.loadApp(ctx, tx, n); err != nil {
				return err
			}
		}
		for _, n := range []string{app1, app2} {
			if ok, err := s.canAccessApp(ctx, tx, c, n); err != nil {
				return err
			} else if !ok {
				return errorf(ErrForbidden, MsgAppNoAccess)
			}
		}
		if app1 == app2 {
			return nil
		}
		// Lock both rows (in name order, so two swaps cannot deadlock), then exchange the
		// addresses read under the locks.
		first, second := min(app1, app2), max(app1, app2)
		ips := map[string]string{}
		for _, n := range []string{first, second} {
			if ok, err := s.lock(ctx, tx, "tsuru_apps", n); err != nil {
				return err
			} else if !ok {
				return errorf(ErrNotFound, "App %s not found.", n)
			}
		}
		for _, n := range []string{first, second} {
			var ip string
			if err := tx.QueryRowContext(ctx, s.db.Rebind(`SELECT ip FROM tsuru_apps WHERE name = ?`), n).Scan(&ip); err != nil {
				return err
			}
			ips[n] = ip
		}
		for n, other := range map[string]string{app1: app2, app2: app1} {
			if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE tsuru_apps SET ip = ? WHERE name = ?`), ips[other], n); err != nil {
				return err
			}
		}
		return nil
	})
}

// ---- services ----

func (s *SQLStore) loadService(ctx context.Context, q storage.Querier, name string) (Service, error) {
	sv := Service{Name: name}
	err := q.QueryRowContext(ctx, s.db.Rebind(`SELECT endpoint_production, endpoint_test, doc, restricted FROM tsuru_services WHERE name = ?`), name).
		Scan(&sv.EndpointProduction, &sv.EndpointTest, &sv.Doc, &sv.Restricted)
	if errors.Is(err, sql.ErrNoRows) {
		return Service{}, errorf(ErrNotFound, MsgServiceNotFound)
	}
	if err != nil {
		return Service{}, err
	}
	if sv.OwnerTeams, err = s.strings(ctx, q, `SELECT team FROM tsuru_service_owners WHERE service = ? ORDER BY team`, name); err != nil {
		return Service{}, err
	}
	sv.Teams, err = s.strings(ctx, q, `SELECT team FROM tsuru_service_teams WHERE service = ? ORDER BY team`, name)
	return sv, err
}

func intersects(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// usableBy: unrestricted services are usable by everyone; restricted ones by their owner
// and granted teams.
func (sv Service) usableBy(teams []string) bool {
	return !sv.Restricted || intersects(teams, sv.OwnerTeams) || intersects(teams, sv.Teams)
}

// ownedService loads a service whose owner teams include one of email's teams.
func (s *SQLStore) ownedService(ctx context.Context, q storage.Querier, email, name string) (Service, []string, error) {
	sv, err := s.loadService(ctx, q, name)
	if err != nil {
		return Service{}, nil, err
	}
	teams, err := s.userTeams(ctx, q, email)
	if err != nil {
		return Service{}, nil, err
	}
	if !intersects(teams, sv.OwnerTeams) {
		return Service{}, nil, errorf(ErrForbidden, MsgServiceNoAccess)
	}
	return sv, teams, nil
}

// usableService loads a service email may use.
func (s *SQLStore) usableService(ctx context.Context, q storage.Querier, email, name string) (Service, []string, error) {
	sv, err := s.loadService(ctx, q, name)
	if err != nil {
		return Service{}, nil, err
	}
	teams, err := s.userTeams(ctx, q, email)
	if err != nil {
		return Service{}, nil, err
	}
	if !sv.usableBy(teams) {
		return Service{}, nil, errorf(ErrForbidden, MsgServiceNoAccess)
	}
	return sv, teams, nil
}

func (s *SQLStore) ListServices(ctx context.Context, email string) ([]ServiceInstances, error) {
	names, err := s.strings(ctx, s.db, `SELECT DISTINCT o.service FROM tsuru_service_owners o
		JOIN tsuru_team_members m ON m.team = o.team WHERE m.email = ? ORDER BY o.service`, email)
	if err != nil {
		return nil, err
	}
	out := make([]ServiceInstances, 0, len(names))
	for _, n := range names {
		insts, err := s.strings(ctx, s.db, `SELECT name FROM tsuru_instances WHERE service = ? ORDER BY name`, n)
		if err != nil {
			return nil, err
		}
		out = append(out, ServiceInstances{Service: n, Instances: insts})
	}
	return out, nil
}

func (s *SQLStore) CreateService(ctx context.Context, email string, m Manifest) error {
	if m.ID == "" {
		return errorf(ErrInvalid, MsgNoServiceID)
	}
	if m.Endpoint.Production == "" {
		return errorf(ErrInvalid, MsgNoEndpoint)
	}
	teams, err := s.userTeams(ctx, s.db, email)
	if err != nil {
		return err
	}
	if len(teams) == 0 {
		return errorf(ErrForbidden, MsgServiceNoTeam)
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO tsuru_services (name, endpoint_production, endpoint_test, created_at)
			VALUES (?, ?, ?, ?)`), m.ID, m.Endpoint.Production, m.Endpoint.Test, s.now().Unix())
		if storage.IsUniqueViolation(err) {
			// Documented as a 500.
			return errorf(ErrServiceAPI, "Service with name %s already exists.", m.ID)
		}
		if err != nil {
			return err
		}
		for _, t := range teams {
			for _, table := range []string{"tsuru_service_owners", "tsuru_service_teams"} {
				if _, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO `+table+` (service, team) VALUES (?, ?)`), m.ID, t); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func (s *SQLStore) UpdateService(ctx context.Context, email string, m Manifest) error {
	if m.ID == "" {
		return errorf(ErrInvalid, MsgNoServiceID)
	}
	if m.Endpoint.Production == "" {
		return errorf(ErrInvalid, MsgNoEndpoint)
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, _, err := s.ownedService(ctx, tx, email, m.ID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE tsuru_services SET endpoint_production = ?, endpoint_test = ? WHERE name = ?`),
			m.Endpoint.Production, m.Endpoint.Test, m.ID)
		return err
	})
}

func (s *SQLStore) DeleteService(ctx context.Context, email, name string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if ok, err := s.lock(ctx, tx, "tsuru_services", name); err != nil {
			return err
		} else if !ok {
			return errorf(ErrNotFound, MsgServiceNotFound)
		}
		if _, _, err := s.ownedService(ctx, tx, email, name); err != nil {
			return err
		}
		if has, err := s.exists(ctx, tx, `SELECT 1 FROM tsuru_instances WHERE service = ?`, name); err != nil {
			return err
		} else if has {
			return errorf(ErrForbidden, MsgServiceHasInsts)
		}
		_, err := tx.ExecContext(ctx, s.db.Rebind(`DELETE FROM tsuru_services WHERE name = ?`), name)
		if storage.IsForeignKeyViolation(err) { // an instance was created meanwhile
			return errorf(ErrForbidden, MsgServiceHasInsts)
		}
		return err
	})
}

func (s *SQLStore) loadInstance(ctx context.Context, q storage.Querier, name string) (Instance, error) {
	in := Instance{Name: name}
	err := q.QueryRowContext(ctx, s.db.Rebind(`SELECT service FROM tsuru_instances WHERE name = ?`), name).Scan(&in.ServiceName)
	if errors.Is(err, sql.ErrNoRows) {
		return Instance{}, errorf(ErrNotFound, MsgInstNotFound)
	}
	if err != nil {
		return Instance{}, err
	}
	if in.Teams, err = s.strings(ctx, q, `SELECT team FROM tsuru_instance_teams WHERE instance = ? ORDER BY team`, name); err != nil {
		return Instance{}, err
	}
	in.Apps, err = s.strings(ctx, q, `SELECT app FROM tsuru_instance_apps WHERE instance = ? ORDER BY app`, name)
	return in, err
}

func (s *SQLStore) GetService(ctx context.Context, email, name string) ([]Instance, error) {
	_, teams, err := s.usableService(ctx, s.db, email, name)
	if err != nil {
		return nil, err
	}
	names, err := s.strings(ctx, s.db, `SELECT name FROM tsuru_instances WHERE service = ? ORDER BY name`, name)
	if err != nil {
		return nil, err
	}
	out := []Instance{}
	for _, n := range names {
		in, err := s.loadInstance(ctx, s.db, n)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if intersects(teams, in.Teams) {
			out = append(out, in)
		}
	}
	return out, nil
}

func (s *SQLStore) GetServiceDoc(ctx context.Context, email, name string) (string, error) {
	sv, _, err := s.usableService(ctx, s.db, email, name)
	return sv.Doc, err
}

func (s *SQLStore) SetServiceDoc(ctx context.Context, email, name, doc string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, _, err := s.ownedService(ctx, tx, email, name); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE tsuru_services SET doc = ? WHERE name = ?`), doc, name)
		return err
	})
}

func (s *SQLStore) teamExists(ctx context.Context, q storage.Querier, team string) error {
	if ok, err := s.exists(ctx, q, `SELECT 1 FROM tsuru_teams WHERE name = ?`, team); err != nil {
		return err
	} else if !ok {
		return errorf(ErrNotFound, MsgTeamNotFound)
	}
	return nil
}

func (s *SQLStore) GrantService(ctx context.Context, email, service, team string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if ok, err := s.lock(ctx, tx, "tsuru_services", service); err != nil {
			return err
		} else if !ok {
			return errorf(ErrNotFound, MsgServiceNotFound)
		}
		if _, _, err := s.ownedService(ctx, tx, email, service); err != nil {
			return err
		}
		if err := s.teamExists(ctx, tx, team); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO tsuru_service_teams (service, team) VALUES (?, ?)`), service, team)
		if storage.IsUniqueViolation(err) {
			return errorf(ErrConflict, MsgTeamHasAccess)
		}
		if storage.IsForeignKeyViolation(err) {
			return errorf(ErrNotFound, MsgTeamNotFound)
		}
		return err
	})
}

func (s *SQLStore) RevokeService(ctx context.Context, email, service, team string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		// The service row lock serialises revocations, so two of them cannot both see two
		// teams and leave none.
		if ok, err := s.lock(ctx, tx, "tsuru_services", service); err != nil {
			return err
		} else if !ok {
			return errorf(ErrNotFound, MsgServiceNotFound)
		}
		sv, _, err := s.ownedService(ctx, tx, email, service)
		if err != nil {
			return err
		}
		if err := s.teamExists(ctx, tx, team); err != nil {
			return err
		}
		if !slices.Contains(sv.Teams, team) {
			return errorf(ErrNotFound, MsgTeamNoAccess)
		}
		if len(sv.Teams) < 2 {
			return errorf(ErrForbidden, MsgLastServiceTeam)
		}
		_, err = tx.ExecContext(ctx, s.db.Rebind(`DELETE FROM tsuru_service_teams WHERE service = ? AND team = ?`), service, team)
		return err
	})
}

func (s *SQLStore) SetServiceRestricted(ctx context.Context, service string, restricted bool) error {
	if n, err := storage.Affected(s.db.ExecContext(ctx, s.db.Rebind(`UPDATE tsuru_services SET restricted = ? WHERE name = ?`), restricted, service)); err != nil {
		return err
	} else if n == 0 {
		return errorf(ErrNotFound, MsgServiceNotFound)
	}
	return nil
}

// ---- service instances ----

func (s *SQLStore) ListInstances(ctx context.Context, email string) ([]ServiceInstances, error) {
	teams, err := s.userTeams(ctx, s.db, email)
	if err != nil {
		return nil, err
	}
	names, err := s.strings(ctx, s.db, `SELECT name FROM tsuru_services ORDER BY name`)
	if err != nil {
		return nil, err
	}
	out := []ServiceInstances{}
	for _, n := range names {
		sv, err := s.loadService(ctx, s.db, n)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if !sv.usableBy(teams) {
			continue
		}
		insts, err := s.strings(ctx, s.db, `SELECT DISTINCT i.name FROM tsuru_instances i
			JOIN tsuru_instance_teams t ON t.instance = i.name
			JOIN tsuru_team_members m ON m.team = t.team
			WHERE i.service = ? AND m.email = ? ORDER BY i.name`, n, email)
		if err != nil {
			return nil, err
		}
		out = append(out, ServiceInstances{Service: n, Instances: insts})
	}
	return out, nil
}

func (s *SQLStore) CreateInstance(ctx context.Context, email, service, name string) error {
	sv, teams, err := s.usableService(ctx, s.db, email, service)
	if errors.Is(err, ErrForbidden) {
		// As tsuru: a restricted service the user may not use is "not found".
		return errorf(ErrNotFound, MsgServiceNotFound)
	}
	if err != nil {
		return err
	}
	if err := ValidateInstanceName(name); err != nil {
		return err
	}
	// The instance belongs to the user's teams that may use the service.
	var own []string
	for _, t := range teams {
		if !sv.Restricted || slices.Contains(sv.OwnerTeams, t) || slices.Contains(sv.Teams, t) {
			own = append(own, t)
		}
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO tsuru_instances (name, service, created_at) VALUES (?, ?, ?)`),
			name, service, s.now().Unix())
		if storage.IsUniqueViolation(err) {
			return errorf(ErrConflict, "Service instance %s already exists.", name)
		}
		if storage.IsForeignKeyViolation(err) { // the service was removed meanwhile
			return errorf(ErrNotFound, MsgServiceNotFound)
		}
		if err != nil {
			return err
		}
		for _, t := range own {
			if _, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO tsuru_instance_teams (instance, team) VALUES (?, ?)`), name, t); err != nil {
				return err
			}
		}
		return nil
	})
}

// instance loads an instance email may use: 404 unknown, 403 in none of email's teams.
func (s *SQLStore) instance(ctx context.Context, q storage.Querier, email, name string) (Instance, error) {
	in, err := s.loadInstance(ctx, q, name)
	if err != nil {
		return Instance{}, err
	}
	teams, err := s.userTeams(ctx, q, email)
	if err != nil {
		return Instance{}, err
	}
	if !intersects(teams, in.Teams) {
		return Instance{}, errorf(ErrForbidden, MsgInstNoAccess)
	}
	return in, nil
}

func (s *SQLStore) GetInstance(ctx context.Context, email, name string) (Instance, error) {
	return s.instance(ctx, s.db, email, name)
}

func (s *SQLStore) lockInstance(ctx context.Context, tx *sql.Tx, email, name string) (Instance, error) {
	if ok, err := s.lock(ctx, tx, "tsuru_instances", name); err != nil {
		return Instance{}, err
	} else if !ok {
		return Instance{}, errorf(ErrNotFound, MsgInstNotFound)
	}
	return s.instance(ctx, tx, email, name)
}

func (s *SQLStore) DeleteInstance(ctx context.Context, email, name string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		in, err := s.lockInstance(ctx, tx, email, name)
		if err != nil {
			return err
		}
		if len(in.Apps) > 0 {
			return errorf(ErrForbidden, MsgInstBound)
		}
		_, err = tx.ExecContext(ctx, s.db.Rebind(`DELETE FROM tsuru_instances WHERE name = ?`), name)
		if storage.IsForeignKeyViolation(err) {
			return errorf(ErrForbidden, MsgInstBound)
		}
		return err
	})
}

func (s *SQLStore) Bind(ctx context.Context, c Caller, instance, app string) (map[string]string, error) {
	var env map[string]string
	err := s.tx(ctx, func(tx *sql.Tx) error {
		in, err := s.lockInstance(ctx, tx, c.Email, instance)
		if err != nil {
			return err
		}
		if _, err := s.app(ctx, tx, c, app); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO tsuru_instance_apps (instance, app) VALUES (?, ?)`), instance, app)
		if storage.IsUniqueViolation(err) {
			return errorf(ErrConflict, MsgAlreadyBound)
		}
		if err != nil {
			return err
		}
		sv, err := s.loadService(ctx, tx, in.ServiceName)
		if err != nil {
			return err
		}
		env = bindEnv(sv.Name, sv.EndpointProduction, instance)
		return s.setEnv(ctx, tx, app, env, false, instance)
	})
	return env, err
}

func (s *SQLStore) Unbind(ctx context.Context, c Caller, instance, app string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.lockInstance(ctx, tx, c.Email, instance); err != nil {
			return err
		}
		if _, err := s.app(ctx, tx, c, app); err != nil {
			return err
		}
		if n, err := storage.Affected(tx.ExecContext(ctx, s.db.Rebind(`DELETE FROM tsuru_instance_apps WHERE instance = ? AND app = ?`), instance, app)); err != nil {
			return err
		} else if n == 0 {
			return errorf(ErrPrecondition, MsgNotBound)
		}
		_, err := tx.ExecContext(ctx, s.db.Rebind(`DELETE FROM tsuru_app_env WHERE app = ? AND instance = ?`), app, instance)
		return err
	})
}

func (s *SQLStore) InstanceStatus(ctx context.Context, email, name string) (string, error) {
	if _, err := s.instance(ctx, s.db, email, name); err != nil {
		return "", err
	}
	// No service API stands behind the instance: it is up as long as it exists.
	return fmt.Sprintf("Service instance %q is up", name), nil
}

// ---- tokens ----

func (s *SQLStore) CreateAppToken(ctx context.Context, c Caller, client string, export bool) (AppToken, error) {
	if admin, err := s.isAdmin(ctx, s.db, c.Email); err != nil {
		return AppToken{}, err
	} else if !admin {
		return AppToken{}, errorf(ErrForbidden, MsgAdminOnly)
	}
	if strings.TrimSpace(client) == "" {
		return AppToken{}, errorf(ErrInvalid, MsgMissingClient)
	}
	t := AppToken{Token: newToken(), Creation: s.now().UTC().Truncate(time.Second), Expires: s.opts.AppTokenTTL, AppName: client}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO tsuru_tokens (hash, email, app_name, created_at, expires_at) VALUES (?, NULL, ?, ?, ?)`),
			hashToken(t.Token), client, t.Creation.Unix(), t.Creation.Add(t.Expires).Unix()); err != nil {
			return err
		}
		if !export {
			return nil
		}
		if ok, err := s.exists(ctx, tx, `SELECT 1 FROM tsuru_apps WHERE name = ?`, client); err != nil || !ok {
			return err
		}
		return s.setEnv(ctx, tx, client, map[string]string{"TSURU_APP_TOKEN": t.Token}, false, "")
	})
	return t, err
}

func (s *SQLStore) Empty(ctx context.Context) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM tsuru_users`).Scan(&n)
	return n == 0, err
}
