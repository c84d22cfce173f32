package cvm

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/specfirst/specfirst/server/storage"
)

//go:embed migrations
var migrations embed.FS

// Migrations is the store's schema in storage.DB.Migrate's layout; every table is named
// cvm_….
var Migrations = storage.MigrationsIn(migrations, "migrations")

// SQLStore is the Store on SQLite or PostgreSQL.
type SQLStore struct {
	db *storage.DB
}

var _ Store = (*SQLStore)(nil)

// NewSQLStore returns a store on db, which must hold the schema (Migrations; the module
// loader applies it).
func NewSQLStore(db *storage.DB) *SQLStore { return &SQLStore{db: db} }

func (s *SQLStore) Authenticate(ctx context.Context, public, private string) (Caller, error) {
	if public == "" || private == "" {
		return Caller{}, ErrBadTokenPair
	}
	var (
		c         Caller
		privHash  string
		clientAPI bool
		revokedAt sql.NullInt64
	)
	err := s.db.QueryRowContext(ctx,
		`SELECT id, user_id, private_hash, client_api, revoked_at FROM cvm_token_pairs WHERE public_hash = ?`,
		storage.HashToken(public)).Scan(&c.TokenPairID, &c.UserID, &privHash, &clientAPI, &revokedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Caller{}, ErrBadTokenPair
	}
	if err != nil {
		return Caller{}, err
	}
	if subtle.ConstantTimeCompare([]byte(privHash), []byte(storage.HashToken(private))) != 1 || revokedAt.Valid {
		return Caller{}, ErrBadTokenPair
	}
	if !clientAPI {
		return Caller{}, ErrNoClientAccess
	}
	return c, nil
}

const vpsColumns = `v.id, v.user_id, v.node_id, n.reachable, v.virtualization_type, v.hostname,
	v.guaranteed_ram, v.burstable_ram, v.disk_space, v.cpu_count, v.traffic_split,
	v.traffic_limit, v.traffic_used, v.traffic_in_limit, v.traffic_in_used,
	v.traffic_out_limit, v.traffic_out_used, v.ram_used, v.disk_used, v.status`

const vpsFrom = ` FROM cvm_vpses v JOIN cvm_nodes n ON n.id = v.node_id `

func scanVPS(row interface{ Scan(...any) error }) (VPS, error) {
	var (
		v     VPS
		burst sql.NullInt64
		state string
	)
	err := row.Scan(&v.ID, &v.UserID, &v.NodeID, &v.NodeReachable, &v.VirtualizationType, &v.Hostname,
		&v.GuaranteedRAM, &burst, &v.DiskSpace, &v.CPUCount, &v.Traffic.Split,
		&v.Traffic.Limit, &v.Traffic.Used, &v.Traffic.InLimit, &v.Traffic.InUsed,
		&v.Traffic.OutLimit, &v.Traffic.OutUsed, &v.RAMUsed, &v.DiskUsed, &state)
	if burst.Valid {
		b := burst.Int64
		v.BurstableRAM = &b
	}
	v.State = State(state)
	return v, err
}

func (s *SQLStore) ListVPSes(ctx context.Context, userID int64) ([]VPS, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+vpsColumns+vpsFrom+`WHERE v.user_id = ? ORDER BY v.id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []VPS{}
	for rows.Next() {
		v, err := scanVPS(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (s *SQLStore) GetVPS(ctx context.Context, userID, vpsID int64) (VPS, error) {
	v, err := scanVPS(s.db.QueryRowContext(ctx, `SELECT `+vpsColumns+vpsFrom+`WHERE v.id = ? AND v.user_id = ?`, vpsID, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return VPS{}, &NotFoundError{ID: vpsID}
	}
	return v, err
}

// Act changes the state with a conditional update (… AND status = the state it was read
// in), so two replicas acting on one VPS at once cannot both apply a transition from the
// same state: the loser re-reads and decides again.
func (s *SQLStore) Act(ctx context.Context, userID, vpsID int64, a Action) (VPS, error) {
	for attempt := 0; attempt < 5; attempt++ {
		v, err := s.GetVPS(ctx, userID, vpsID)
		if err != nil {
			return VPS{}, err
		}
		if !v.NodeReachable {
			return VPS{}, ErrNodeUnreachable
		}
		next, err := Transition(v.State, a)
		if err != nil {
			return VPS{}, err
		}
		n, err := storage.Affected(s.db.ExecContext(ctx,
			`UPDATE cvm_vpses SET status = ?, updated_at = ? WHERE id = ? AND user_id = ? AND status = ?`,
			string(next), time.Now().UnixNano(), vpsID, userID, string(v.State)))
		if err != nil {
			return VPS{}, err
		}
		if n == 1 {
			v.State = next
			return v, nil
		}
	}
	return VPS{}, fmt.Errorf("cvm: VPS %d changed state concurrently too often", vpsID)
}

func (s *SQLStore) CreateUser(ctx context.Context, name string) (User, error) {
	u := User{Name: name}
	err := s.db.QueryRowContext(ctx, `INSERT INTO cvm_users (name, created_at) VALUES (?, ?) RETURNING id`,
		name, time.Now().Unix()).Scan(&u.ID)
	if storage.IsUniqueViolation(err) {
		return User{}, fmt.Errorf("user %q: %w", name, ErrConflict)
	}
	return u, err
}

func (s *SQLStore) AddTokenPair(ctx context.Context, userID int64, public, private string, clientAPI bool) error {
	if public == "" || private == "" {
		return errors.New("cvm: both tokens of a pair must be non-empty")
	}
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO cvm_token_pairs (user_id, public_hash, private_hash, client_api, created_at) VALUES (?, ?, ?, ?, ?)`,
		userID, storage.HashToken(public), storage.HashToken(private), clientAPI, time.Now().Unix())
	if storage.IsUniqueViolation(err) {
		return fmt.Errorf("token pair: %w", ErrConflict)
	}
	return err
}

func (s *SQLStore) RevokeTokenPair(ctx context.Context, public string) error {
	_, err := s.db.ExecContext(ctx,
		`UPDATE cvm_token_pairs SET revoked_at = ? WHERE public_hash = ? AND revoked_at IS NULL`,
		time.Now().Unix(), storage.HashToken(public))
	return err
}

func (s *SQLStore) CreateNode(ctx context.Context, name string, reachable bool) (Node, error) {
	n := Node{Name: name, Reachable: reachable}
	err := s.db.QueryRowContext(ctx, `INSERT INTO cvm_nodes (name, reachable) VALUES (?, ?) RETURNING id`,
		name, reachable).Scan(&n.ID)
	if storage.IsUniqueViolation(err) {
		return Node{}, fmt.Errorf("node %q: %w", name, ErrConflict)
	}
	return n, err
}

func (s *SQLStore) SetNodeReachable(ctx context.Context, nodeID int64, reachable bool) error {
	_, err := s.db.ExecContext(ctx, `UPDATE cvm_nodes SET reachable = ? WHERE id = ?`, reachable, nodeID)
	return err
}

func (s *SQLStore) CreateVPS(ctx context.Context, v VPS) (VPS, error) {
	if !v.State.Valid() {
		return VPS{}, fmt.Errorf("cvm: cannot store state %q", v.State)
	}
	if v.VirtualizationType == 0 {
		v.VirtualizationType = 1
	}
	var burst any
	if v.BurstableRAM != nil {
		burst = *v.BurstableRAM
	}
	t := v.Traffic
	err := s.db.QueryRowContext(ctx, `INSERT INTO cvm_vpses (user_id, node_id, virtualization_type,
		hostname, guaranteed_ram, burstable_ram, disk_space, cpu_count, traffic_split, traffic_limit,
		traffic_used, traffic_in_limit, traffic_in_used, traffic_out_limit, traffic_out_used, ram_used,
		disk_used, status, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		v.UserID, v.NodeID, v.VirtualizationType, v.Hostname, v.GuaranteedRAM, burst, v.DiskSpace, v.CPUCount,
		t.Split, t.Limit, t.Used, t.InLimit, t.InUsed, t.OutLimit, t.OutUsed, v.RAMUsed, v.DiskUsed,
		string(v.State), time.Now().UnixNano()).Scan(&v.ID)
	if err != nil {
		return VPS{}, err
	}
	return s.GetVPS(ctx, v.UserID, v.ID)
}

func (s *SQLStore) SetState(ctx context.Context, vpsID int64, st State) error {
	if !st.Valid() {
		return fmt.Errorf("cvm: cannot store state %q", st)
	}
	_, err := s.db.ExecContext(ctx, `UPDATE cvm_vpses SET status = ?, updated_at = ? WHERE id = ?`,
		string(st), time.Now().UnixNano(), vpsID)
	return err
}

func (s *SQLStore) Empty(ctx context.Context) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM cvm_users`).Scan(&n)
	return n == 0, err
}
