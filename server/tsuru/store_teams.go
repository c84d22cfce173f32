package tsuru

import (
	"context"
	"slices"

	"github.com/specfirst/specfirst/server/storage"
)

// The store's rules on teams.

func (s *SQLStore) ListTeams(ctx context.Context, email string) ([]string, error) {
	return s.userTeams(ctx, s.db, email)
}

func (s *SQLStore) CreateTeam(ctx context.Context, email, name string) error {
	if err := ValidateTeamName(name); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *storage.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO tsuru_teams (name, created_at) VALUES (?, ?)`, name, s.now().Unix())
		if storage.IsUniqueViolation(err) {
			return errorf(ErrConflict, MsgTeamExists)
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO tsuru_team_members (team, email) VALUES (?, ?)`, name, email)
		if storage.IsForeignKeyViolation(err) {
			return errorf(ErrNotFound, MsgUserNotFound)
		}
		return err
	})
}

func (s *SQLStore) GetTeam(ctx context.Context, email, name string) (Team, error) {
	users, err := storage.Strings(ctx, s.db, `SELECT email FROM tsuru_team_members WHERE team = ? ORDER BY email`, name)
	if err != nil {
		return Team{}, err
	}
	if len(users) == 0 {
		if ok, err := storage.Exists(ctx, s.db, `SELECT 1 FROM tsuru_teams WHERE name = ?`, name); err != nil || !ok {
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
	return s.db.InTx(ctx, func(tx *storage.Tx) error {
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
		if has, err := storage.Exists(ctx, tx, `SELECT 1 FROM tsuru_app_teams WHERE team = ?`, name); err != nil {
			return err
		} else if has {
			return errorf(ErrForbidden, MsgTeamHasApps)
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM tsuru_teams WHERE name = ?`, name)
		if storage.IsForeignKeyViolation(err) { // an app was given to the team meanwhile
			return errorf(ErrForbidden, MsgTeamHasApps)
		}
		return err
	})
}

// lockTeamAsMember locks team and checks that email is one of its members.
func (s *SQLStore) lockTeamAsMember(ctx context.Context, tx *storage.Tx, email, team, forbidden string) error {
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
	return s.db.InTx(ctx, func(tx *storage.Tx) error {
		if err := s.lockTeamAsMember(ctx, tx, email, team, "You are not authorized to add new users to the team %s"); err != nil {
			return err
		}
		if ok, err := s.userExists(ctx, tx, user); err != nil {
			return err
		} else if !ok {
			return errorf(ErrNotFound, MsgUserNotFound)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO tsuru_team_members (team, email) VALUES (?, ?)`, team, user)
		if storage.IsUniqueViolation(err) {
			return errorf(ErrConflict, "User %s is already in the team %s.", user, team)
		}
		return err
	})
}

func (s *SQLStore) RemoveUserFromTeam(ctx context.Context, email, team, user string) error {
	return s.db.InTx(ctx, func(tx *storage.Tx) error {
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
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM tsuru_team_members WHERE team = ?`, team).Scan(&n); err != nil {
			return err
		}
		if n < 2 {
			return errorf(ErrForbidden, MsgLastTeamMember)
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM tsuru_team_members WHERE team = ? AND email = ?`, team, user)
		return err
	})
}
