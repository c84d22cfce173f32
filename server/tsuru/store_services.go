package tsuru

import (
	"context"
	"database/sql"
	"errors"
	"slices"

	"github.com/specfirst/specfirst/server/storage"
)

// The store's rules on services.

func (s *SQLStore) loadService(ctx context.Context, q storage.Querier, name string) (Service, error) {
	sv := Service{Name: name}
	err := q.QueryRowContext(ctx, `SELECT endpoint_production, endpoint_test, doc, restricted FROM tsuru_services WHERE name = ?`, name).
		Scan(&sv.EndpointProduction, &sv.EndpointTest, &sv.Doc, &sv.Restricted)
	if errors.Is(err, sql.ErrNoRows) {
		return Service{}, errorf(ErrNotFound, MsgServiceNotFound)
	}
	if err != nil {
		return Service{}, err
	}
	if sv.OwnerTeams, err = storage.Strings(ctx, q, `SELECT team FROM tsuru_service_owners WHERE service = ? ORDER BY team`, name); err != nil {
		return Service{}, err
	}
	sv.Teams, err = storage.Strings(ctx, q, `SELECT team FROM tsuru_service_teams WHERE service = ? ORDER BY team`, name)
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
	names, err := storage.Strings(ctx, s.db, `SELECT DISTINCT o.service FROM tsuru_service_owners o
		JOIN tsuru_team_members m ON m.team = o.team WHERE m.email = ? ORDER BY o.service`, email)
	if err != nil {
		return nil, err
	}
	out := make([]ServiceInstances, 0, len(names))
	for _, n := range names {
		insts, err := storage.Strings(ctx, s.db, `SELECT name FROM tsuru_instances WHERE service = ? ORDER BY name`, n)
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
	return s.db.InTx(ctx, func(tx *storage.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO tsuru_services (name, endpoint_production, endpoint_test, created_at)
			VALUES (?, ?, ?, ?)`, m.ID, m.Endpoint.Production, m.Endpoint.Test, s.now().Unix())
		if storage.IsUniqueViolation(err) {
			// Documented as a 500.
			return errorf(ErrServiceAPI, "Service with name %s already exists.", m.ID)
		}
		if err != nil {
			return err
		}
		for _, t := range teams {
			for _, table := range []string{"tsuru_service_owners", "tsuru_service_teams"} {
				if _, err := tx.ExecContext(ctx, `INSERT INTO `+table+` (service, team) VALUES (?, ?)`, m.ID, t); err != nil {
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
	return s.db.InTx(ctx, func(tx *storage.Tx) error {
		if _, _, err := s.ownedService(ctx, tx, email, m.ID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE tsuru_services SET endpoint_production = ?, endpoint_test = ? WHERE name = ?`,
			m.Endpoint.Production, m.Endpoint.Test, m.ID)
		return err
	})
}

func (s *SQLStore) DeleteService(ctx context.Context, email, name string) error {
	return s.db.InTx(ctx, func(tx *storage.Tx) error {
		if ok, err := s.lock(ctx, tx, "tsuru_services", name); err != nil {
			return err
		} else if !ok {
			return errorf(ErrNotFound, MsgServiceNotFound)
		}
		if _, _, err := s.ownedService(ctx, tx, email, name); err != nil {
			return err
		}
		if has, err := storage.Exists(ctx, tx, `SELECT 1 FROM tsuru_instances WHERE service = ?`, name); err != nil {
			return err
		} else if has {
			return errorf(ErrForbidden, MsgServiceHasInsts)
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM tsuru_services WHERE name = ?`, name)
		if storage.IsForeignKeyViolation(err) { // an instance was created meanwhile
			return errorf(ErrForbidden, MsgServiceHasInsts)
		}
		return err
	})
}

func (s *SQLStore) loadInstance(ctx context.Context, q storage.Querier, name string) (Instance, error) {
	in := Instance{Name: name}
	err := q.QueryRowContext(ctx, `SELECT service FROM tsuru_instances WHERE name = ?`, name).Scan(&in.ServiceName)
	if errors.Is(err, sql.ErrNoRows) {
		return Instance{}, errorf(ErrNotFound, MsgInstNotFound)
	}
	if err != nil {
		return Instance{}, err
	}
	if in.Teams, err = storage.Strings(ctx, q, `SELECT team FROM tsuru_instance_teams WHERE instance = ? ORDER BY team`, name); err != nil {
		return Instance{}, err
	}
	in.Apps, err = storage.Strings(ctx, q, `SELECT app FROM tsuru_instance_apps WHERE instance = ? ORDER BY app`, name)
	return in, err
}

func (s *SQLStore) GetService(ctx context.Context, email, name string) ([]Instance, error) {
	_, teams, err := s.usableService(ctx, s.db, email, name)
	if err != nil {
		return nil, err
	}
	names, err := storage.Strings(ctx, s.db, `SELECT name FROM tsuru_instances WHERE service = ? ORDER BY name`, name)
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
	return s.db.InTx(ctx, func(tx *storage.Tx) error {
		if _, _, err := s.ownedService(ctx, tx, email, name); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE tsuru_services SET doc = ? WHERE name = ?`, doc, name)
		return err
	})
}

func (s *SQLStore) teamExists(ctx context.Context, q storage.Querier, team string) error {
	if ok, err := storage.Exists(ctx, q, `SELECT 1 FROM tsuru_teams WHERE name = ?`, team); err != nil {
		return err
	} else if !ok {
		return errorf(ErrNotFound, MsgTeamNotFound)
	}
	return nil
}

func (s *SQLStore) GrantService(ctx context.Context, email, service, team string) error {
	return s.db.InTx(ctx, func(tx *storage.Tx) error {
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
		_, err := tx.ExecContext(ctx, `INSERT INTO tsuru_service_teams (service, team) VALUES (?, ?)`, service, team)
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
	return s.db.InTx(ctx, func(tx *storage.Tx) error {
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
		_, err = tx.ExecContext(ctx, `DELETE FROM tsuru_service_teams WHERE service = ? AND team = ?`, service, team)
		return err
	})
}

func (s *SQLStore) SetServiceRestricted(ctx context.Context, service string, restricted bool) error {
	if n, err := storage.Affected(s.db.ExecContext(ctx, `UPDATE tsuru_services SET restricted = ? WHERE name = ?`, restricted, service)); err != nil {
		return err
	} else if n == 0 {
		return errorf(ErrNotFound, MsgServiceNotFound)
	}
	return nil
}
