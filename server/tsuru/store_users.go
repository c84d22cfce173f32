package tsuru

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/specfirst/specfirst/server/storage"
)

// The store's rules on users and sessions.

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
	return s.db.InTx(ctx, func(tx *storage.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO tsuru_users (email, password_hash, created_at) VALUES (?, ?, ?)`,
			email, string(hash), s.now().Unix())
		if storage.IsUniqueViolation(err) {
			return errorf(ErrConflict, MsgEmailTaken)
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO tsuru_quotas (owner, max_items, used) VALUES (?, ?, 0)
			ON CONFLICT (owner) DO NOTHING`, email, limit)
		return err
	})
}

func (s *SQLStore) checkPassword(ctx context.Context, q storage.Querier, email, password string) error {
	var hash string
	err := q.QueryRowContext(ctx, `SELECT password_hash FROM tsuru_users WHERE email = ?`, email).Scan(&hash)
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
	_, err := s.db.ExecContext(ctx, `INSERT INTO tsuru_tokens (hash, email, app_name, created_at, expires_at) VALUES (?, ?, '', ?, ?)`,
		storage.HashToken(tok), email, now.Unix(), now.Add(s.opts.SessionTTL).Unix())
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
	err := s.db.QueryRowContext(ctx, `SELECT email, app_name, expires_at FROM tsuru_tokens WHERE hash = ?`,
		storage.HashToken(token)).Scan(&email, &app, &expires)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && expires <= s.now().Unix()) {
		return Caller{}, errorf(ErrUnauthorized, MsgInvalidToken)
	}
	if err != nil {
		return Caller{}, err
	}
	return Caller{Email: email.String, AppName: app, Token: token}, nil
}

func (s *SQLStore) Logout(ctx context.Context, token string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM tsuru_tokens WHERE hash = ?`, storage.HashToken(token))
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
	_, err = s.db.ExecContext(ctx, `UPDATE tsuru_users SET password_hash = ? WHERE email = ?`, string(hash), email)
	return err
}

func (s *SQLStore) StartPasswordReset(ctx context.Context, email string) (string, error) {
	if err := ValidateEmail(email); err != nil {
		return "", err
	}
	tok := newToken()
	_, err := s.db.ExecContext(ctx, `INSERT INTO tsuru_password_tokens (hash, email, created_at, used) VALUES (?, ?, ?, ?)`,
		storage.HashToken(tok), email, s.now().Unix(), false)
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
	err = s.db.InTx(ctx, func(tx *storage.Tx) error {
		// The conditional update consumes the token exactly once, even under concurrency.
		if n, err := storage.Affected(tx.ExecContext(ctx, `UPDATE tsuru_password_tokens SET used = ?
			WHERE hash = ? AND email = ? AND used = ? AND created_at > ?`,
			true, storage.HashToken(token), email, false, s.now().Add(-s.opts.ResetTokenTTL).Unix())); err != nil {
			return err
		} else if n != 1 {
			return errorf(ErrForbidden, MsgInvalidToken)
		}
		_, err = tx.ExecContext(ctx, `UPDATE tsuru_users SET password_hash = ? WHERE email = ?`, string(hash), email)
		return err
	})
	if err != nil {
		return "", err
	}
	s.opts.Mail(email, "[tsuru] Your new password", "Your new password is: "+password)
	return password, nil
}

func (s *SQLStore) DeleteUser(ctx context.Context, email string) error {
	return s.db.InTx(ctx, func(tx *storage.Tx) error {
		// Lock the user's teams so that no concurrent removal can leave one without members.
		if _, err := tx.ExecContext(ctx, `UPDATE tsuru_teams SET created_at = created_at
			WHERE name IN (SELECT team FROM tsuru_team_members WHERE email = ?)`, email); err != nil {
			return err
		}
		last, err := storage.Strings(ctx, tx, `SELECT m.team FROM tsuru_team_members m WHERE m.email = ?
			AND (SELECT COUNT(*) FROM tsuru_team_members o WHERE o.team = m.team) = 1 ORDER BY m.team`, email)
		if err != nil {
			return err
		}
		if len(last) > 0 {
			return errorf(ErrForbidden, "This user is the last member of the team %q, so it cannot be removed.\n\nPlease remove the team, then remove the user.", last[0])
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM tsuru_users WHERE email = ?`, email); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM tsuru_quotas WHERE owner = ?`, email)
		return err
	})
}

func (s *SQLStore) AddKey(ctx context.Context, email, key string) error {
	key = strings.TrimSpace(key)
	if key == "" {
		return errorf(ErrInvalid, MsgMissingKey)
	}
	return s.db.InTx(ctx, func(tx *storage.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM tsuru_keys WHERE email = ?`, email).Scan(&n); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO tsuru_keys (email, pubkey, name) VALUES (?, ?, ?)`,
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
	if n, err := storage.Affected(s.db.ExecContext(ctx, `DELETE FROM tsuru_keys WHERE email = ? AND pubkey = ?`, email, key)); err != nil {
		return err
	} else if n == 0 {
		return errorf(ErrNotFound, MsgKeyNotFound)
	}
	return nil
}

func (s *SQLStore) Keys(ctx context.Context, email string) ([]string, error) {
	return storage.Strings(ctx, s.db, `SELECT pubkey FROM tsuru_keys WHERE email = ? ORDER BY name`, email)
}
