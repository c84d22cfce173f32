package tsuru

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"sort"
	"strings"

	"github.com/specfirst/specfirst/server/storage"
)

// The store's rules on apps.

func (s *SQLStore) loadApp(ctx context.Context, q storage.Querier, name string) (App, error) {
	a := App{Name: name}
	err := q.QueryRowContext(ctx, `SELECT platform, repository, state, ip, owner FROM tsuru_apps WHERE name = ?`, name).
		Scan(&a.Platform, &a.Repository, &a.State, &a.IP, &a.Owner)
	if errors.Is(err, sql.ErrNoRows) {
		return App{}, errorf(ErrNotFound, "App %s not found.", name)
	}
	if err != nil {
		return App{}, err
	}
	if a.Teams, err = storage.Strings(ctx, q, `SELECT team FROM tsuru_app_teams WHERE app = ? ORDER BY team`, name); err != nil {
		return App{}, err
	}
	rows, err := q.QueryContext(ctx, `SELECT name, ip, state FROM tsuru_units WHERE app = ? ORDER BY seq`, name)
	if err != nil {
		return App{}, err
	}
	defer rows.Close()
	a.Units = []Unit{}
	for rows.Next() {
		var u Unit
		if err := rows.Scan(&u.Name, &u.IP, &u.State); err != nil {
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
	if ok, err := storage.Exists(ctx, q, `SELECT 1 FROM tsuru_app_teams t JOIN tsuru_team_members m ON m.team = t.team
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
		names, err = storage.Strings(ctx, s.db, `SELECT name FROM tsuru_apps ORDER BY name`)
	default:
		names, err = storage.Strings(ctx, s.db, `SELECT DISTINCT t.app FROM tsuru_app_teams t
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
	if ok, err := storage.Exists(ctx, s.db, `SELECT 1 FROM tsuru_platforms WHERE name = ?`, na.Platform); err != nil {
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
	err = s.db.InTx(ctx, func(tx *storage.Tx) error {
		// The quota is taken by a conditional update: the row lock makes concurrent
		// creations by one user queue, and each re-checks used < max_items.
		res, err := tx.ExecContext(ctx, `UPDATE tsuru_quotas SET used = used + 1
			WHERE owner = ? AND (max_items < 0 OR used < max_items)`, c.Email)
		if err != nil {
			return err
		}
		took, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if took == 0 {
			if has, err := storage.Exists(ctx, tx, `SELECT 1 FROM tsuru_quotas WHERE owner = ?`, c.Email); err != nil {
				return err
			} else if has {
				return errorf(ErrForbidden, MsgQuotaExceeded)
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO tsuru_apps (name, platform, repository, state, ip, owner, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`,
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
			if _, err := tx.ExecContext(ctx, `INSERT INTO tsuru_quota_items (owner, item) VALUES (?, ?)`, c.Email, na.Name); err != nil {
				return err
			}
		}
		for _, t := range teams {
			if _, err := tx.ExecContext(ctx, `INSERT INTO tsuru_app_teams (app, team) VALUES (?, ?)`, na.Name, t); err != nil {
				return err
			}
		}
		for i := 0; i < na.Units; i++ {
			unit := fmt.Sprintf("%s/%d", na.Name, i)
			if _, err := tx.ExecContext(ctx, `INSERT INTO tsuru_units (app, seq, name, ip, state) VALUES (?, ?, ?, ?, ?)`,
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
	return s.db.InTx(ctx, func(tx *storage.Tx) error {
		a, err := s.app(ctx, tx, c, name)
		if err != nil {
			return err
		}
		// Bindings, units, variables and team links go with the app (ON DELETE CASCADE).
		if n, err := storage.Affected(tx.ExecContext(ctx, `DELETE FROM tsuru_apps WHERE name = ?`, name)); err != nil {
			return err
		} else if n == 0 {
			return errorf(ErrNotFound, "App %s not found.", name)
		}
		// Give the owner's quota item back, once.
		if n, err := storage.Affected(tx.ExecContext(ctx, `DELETE FROM tsuru_quota_items WHERE owner = ? AND item = ?`, a.Owner, name)); err != nil {
			return err
		} else if n == 1 {
			if _, err := tx.ExecContext(ctx, `UPDATE tsuru_quotas SET used = used - 1 WHERE owner = ? AND used > 0`, a.Owner); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM tsuru_quotas WHERE owner = ?`, name)
		return err
	})
}

func (s *SQLStore) RestartApp(ctx context.Context, c Caller, name string) error {
	return s.db.InTx(ctx, func(tx *storage.Tx) error {
		if _, err := s.app(ctx, tx, c, name); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE tsuru_units SET state = 'started' WHERE app = ?`, name); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE tsuru_apps SET state = 'started' WHERE name = ?`, name)
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
		query += ` AND name IN (` + storage.Placeholders(len(names)) + `)`
		for _, n := range names {
			args = append(args, n)
		}
	}
	rows, err := s.db.QueryContext(ctx, query+` ORDER BY name`, args...)
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

func (s *SQLStore) setEnv(ctx context.Context, tx *storage.Tx, app string, vars map[string]string, public bool, instance string) error {
	names := make([]string, 0, len(vars))
	for n := range vars {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if _, err := tx.ExecContext(ctx, `INSERT INTO tsuru_app_env (app, name, value, public, instance) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (app, name) DO UPDATE SET value = excluded.value, public = excluded.public, instance = excluded.instance`,
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
	return s.db.InTx(ctx, func(tx *storage.Tx) error {
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
	return s.db.InTx(ctx, func(tx *storage.Tx) error {
		if _, err := s.app(ctx, tx, c, app); err != nil {
			return err
		}
		args := []any{app, true}
		for _, n := range names {
			args = append(args, n)
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM tsuru_app_env WHERE app = ? AND public = ? AND name IN (`+storage.Placeholders(len(names))+`)`, args...)
		return err
	})
}

func (s *SQLStore) Swap(ctx context.Context, c Caller, app1, app2 string) error {
	return s.db.InTx(ctx, func(tx *storage.Tx) error {
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
			if err := tx.QueryRowContext(ctx, `SELECT ip FROM tsuru_apps WHERE name = ?`, n).Scan(&ip); err != nil {
				return err
			}
			ips[n] = ip
		}
		for n, other := range map[string]string{app1: app2, app2: app1} {
			if _, err := tx.ExecContext(ctx, `UPDATE tsuru_apps SET ip = ? WHERE name = ?`, ips[other], n); err != nil {
				return err
			}
		}
		return nil
	})
}
