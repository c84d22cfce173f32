package tsuru

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/specfirst/specfirst/server/storage"
)

// The store's rules on service instances.

func (s *SQLStore) ListInstances(ctx context.Context, email string) ([]ServiceInstances, error) {
	teams, err := s.userTeams(ctx, s.db, email)
	if err != nil {
		return nil, err
	}
	names, err := storage.Strings(ctx, s.db, `SELECT name FROM tsuru_services ORDER BY name`)
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
		insts, err := storage.Strings(ctx, s.db, `SELECT DISTINCT i.name FROM tsuru_instances i
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
	return s.db.InTx(ctx, func(tx *storage.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO tsuru_instances (name, service, created_at) VALUES (?, ?, ?)`,
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
			if _, err := tx.ExecContext(ctx, `INSERT INTO tsuru_instance_teams (instance, team) VALUES (?, ?)`, name, t); err != nil {
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

func (s *SQLStore) lockInstance(ctx context.Context, tx *storage.Tx, email, name string) (Instance, error) {
	if ok, err := s.lock(ctx, tx, "tsuru_instances", name); err != nil {
		return Instance{}, err
	} else if !ok {
		return Instance{}, errorf(ErrNotFound, MsgInstNotFound)
	}
	return s.instance(ctx, tx, email, name)
}

func (s *SQLStore) DeleteInstance(ctx context.Context, email, name string) error {
	return s.db.InTx(ctx, func(tx *storage.Tx) error {
		in, err := s.lockInstance(ctx, tx, email, name)
		if err != nil {
			return err
		}
		if len(in.Apps) > 0 {
			return errorf(ErrForbidden, MsgInstBound)
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM tsuru_instances WHERE name = ?`, name)
		if storage.IsForeignKeyViolation(err) {
			return errorf(ErrForbidden, MsgInstBound)
		}
		return err
	})
}

func (s *SQLStore) Bind(ctx context.Context, c Caller, instance, app string) (map[string]string, error) {
	var env map[string]string
	err := s.db.InTx(ctx, func(tx *storage.Tx) error {
		in, err := s.lockInstance(ctx, tx, c.Email, instance)
		if err != nil {
			return err
		}
		if _, err := s.app(ctx, tx, c, app); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO tsuru_instance_apps (instance, app) VALUES (?, ?)`, instance, app)
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
	return s.db.InTx(ctx, func(tx *storage.Tx) error {
		if _, err := s.lockInstance(ctx, tx, c.Email, instance); err != nil {
			return err
		}
		if _, err := s.app(ctx, tx, c, app); err != nil {
			return err
		}
		if n, err := storage.Affected(tx.ExecContext(ctx, `DELETE FROM tsuru_instance_apps WHERE instance = ? AND app = ?`, instance, app)); err != nil {
			return err
		} else if n == 0 {
			return errorf(ErrPrecondition, MsgNotBound)
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM tsuru_app_env WHERE app = ? AND instance = ?`, app, instance)
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
