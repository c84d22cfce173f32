package tsuru

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"strings"

	"github.com/specfirst/specfirst/server/storage"
)

// The store's rules on platforms, healers, quotas.

func (s *SQLStore) ListPlatforms(ctx context.Context) ([]string, error) {
	return storage.Strings(ctx, s.db, `SELECT name FROM tsuru_platforms ORDER BY position, name`)
}

func (s *SQLStore) AddPlatform(ctx context.Context, name string) error {
	if strings.TrimSpace(name) == "" {
		return errorf(ErrInvalid, MsgInvalidPlatform)
	}
	// "WHERE true" lets SQLite tell the upsert clause from a join constraint.
	_, err := s.db.ExecContext(ctx, `INSERT INTO tsuru_platforms (name, position)
		SELECT ?, COALESCE(MAX(position), 0) + 1 FROM tsuru_platforms WHERE true ON CONFLICT (name) DO NOTHING`, name)
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
	_, err := s.db.ExecContext(ctx, `INSERT INTO tsuru_healers (name, url) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET url = excluded.url`, name, url)
	return err
}

func (s *SQLStore) ExecuteHealer(ctx context.Context, name string) error {
	if n, err := storage.Affected(s.db.ExecContext(ctx, `UPDATE tsuru_healers SET runs = runs + 1, last_run = ? WHERE name = ?`,
		s.now().Unix(), name)); err != nil {
		return err
	} else if n == 0 {
		return errorf(ErrNotFound, MsgHealerNotFound)
	}
	return nil
}

func (s *SQLStore) GetQuota(ctx context.Context, owner string) (Quota, error) {
	var limit, used int64
	err := s.db.QueryRowContext(ctx, `SELECT max_items, used FROM tsuru_quotas WHERE owner = ?`, owner).Scan(&limit, &used)
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
	_, err := s.db.ExecContext(ctx, `INSERT INTO tsuru_quotas (owner, max_items, used) VALUES (?, ?, 0)
		ON CONFLICT (owner) DO UPDATE SET max_items = excluded.max_items`, owner, limit)
	return err
}
