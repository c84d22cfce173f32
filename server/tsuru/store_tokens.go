package tsuru

import (
	"context"
	"strings"
	"time"

	"github.com/specfirst/specfirst/server/storage"
)

// The store's rules on tokens.

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
	err := s.db.InTx(ctx, func(tx *storage.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO tsuru_tokens (hash, email, app_name, created_at, expires_at) VALUES (?, NULL, ?, ?, ?)`,
			storage.HashToken(t.Token), client, t.Creation.Unix(), t.Creation.Add(t.Expires).Unix()); err != nil {
			return err
		}
		if !export {
			return nil
		}
		if ok, err := storage.Exists(ctx, tx, `SELECT 1 FROM tsuru_apps WHERE name = ?`, client); err != nil || !ok {
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
