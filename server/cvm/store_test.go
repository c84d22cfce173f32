package cvm

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/specfirst/specfirst/server/storage"
	"github.com/specfirst/specfirst/server/storage/storagetest"
)

// fixture is a small world: two users, a reachable and an unreachable node.
type fixture struct {
	st          *SQLStore
	alice, bob  User
	up, down    Node
	aliceVPS    VPS // running, split traffic
	aliceOnDown VPS // on the unreachable node
	bobVPS      VPS
}

func newFixture(t *testing.T, db *storage.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := newSQLStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	f.alice, err = st.CreateUser(ctx, "alice")
	must(err)
	f.bob, err = st.CreateUser(ctx, "bob")
	must(err)
	f.up, err = st.CreateNode(ctx, "up", true)
	must(err)
	f.down, err = st.CreateNode(ctx, "down", false)
	must(err)
	must(st.AddTokenPair(ctx, f.alice.ID, "alice-pub", "alice-priv", true))
	must(st.AddTokenPair(ctx, f.alice.ID, "alice-panel-pub", "alice-panel-priv", false))
	must(st.AddTokenPair(ctx, f.bob.ID, "bob-pub", "bob-priv", true))
	burst := int64(256)
	f.aliceVPS, err = st.CreateVPS(ctx, VPS{UserID: f.alice.ID, NodeID: f.up.ID, Hostname: "a.example", GuaranteedRAM: 128,
		BurstableRAM: &burst, DiskSpace: 5000, CPUCount: 1, State: Running, RAMUsed: 1 << 20, DiskUsed: 1 << 30,
		Traffic: Traffic{Split: true, InLimit: 500000000000, InUsed: 912727849, OutLimit: 500000000000, OutUsed: 16923948}})
	must(err)
	f.aliceOnDown, err = st.CreateVPS(ctx, VPS{UserID: f.alice.ID, NodeID: f.down.ID, Hostname: "b.example", GuaranteedRAM: 64,
		DiskSpace: 100, CPUCount: 1, State: Stopped, Traffic: Traffic{Limit: 10, Used: 1}})
	must(err)
	f.bobVPS, err = st.CreateVPS(ctx, VPS{UserID: f.bob.ID, NodeID: f.up.ID, Hostname: "c.example", GuaranteedRAM: 64,
		DiskSpace: 100, CPUCount: 1, State: Stopped})
	must(err)
	return f
}

func TestStore(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, b storagetest.Backend) {
		ctx := context.Background()

		t.Run("authenticate", func(t *testing.T) {
			f := newFixture(t, b.Open(t))
			tests := []struct {
				name, pub, priv string
				want            error
			}{
				{"valid pair", "alice-pub", "alice-priv", nil},
				{"no access to the client API", "alice-panel-pub", "alice-panel-priv", ErrNoClientAccess},
				{"wrong private token", "alice-pub", "bob-priv", ErrBadTokenPair},
				{"private of another pair", "bob-pub", "alice-priv", ErrBadTokenPair},
				{"unknown public token", "nobody", "alice-priv", ErrBadTokenPair},
				{"empty", "", "", ErrBadTokenPair},
			}
			for _, tc := range tests {
				c, err := f.st.Authenticate(ctx, tc.pub, tc.priv)
				if !errors.Is(err, tc.want) {
					t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
				}
				if tc.want == nil && c.UserID != f.alice.ID {
					t.Errorf("%s: user = %d, want %d", tc.name, c.UserID, f.alice.ID)
				}
			}
			if err := f.st.RevokeTokenPair(ctx, "alice-pub"); err != nil {
				t.Fatal(err)
			}
			if _, err := f.st.Authenticate(ctx, "alice-pub", "alice-priv"); !errors.Is(err, ErrBadTokenPair) {
				t.Errorf("revoked pair: err = %v, want ErrBadTokenPair", err)
			}
			if _, err := f.st.Authenticate(ctx, "bob-pub", "bob-priv"); err != nil {
				t.Errorf("revoking one pair must leave others alone: %v", err)
			}
		})

		t.Run("tokens are stored hashed", func(t *testing.T) {
			db := b.Open(t)
			newFixture(t, db)
			var n int
			err := db.QueryRowContext(ctx, db.Rebind(`SELECT COUNT(*) FROM cvm_token_pairs WHERE public_hash = ? OR private_hash = ?`),
				"alice-pub", "alice-priv").Scan(&n)
			if err != nil || n != 0 {
				t.Errorf("a token is stored in clear (%d rows, err %v)", n, err)
			}
		})

		t.Run("duplicate names conflict", func(t *testing.T) {
			f := newFixture(t, b.Open(t))
			if _, err := f.st.CreateUser(ctx, "alice"); !errors.Is(err, ErrConflict) {
				t.Errorf("user: %v", err)
			}
			if _, err := f.st.CreateNode(ctx, "up", true); !errors.Is(err, ErrConflict) {
				t.Errorf("node: %v", err)
			}
			if err := f.st.AddTokenPair(ctx, f.bob.ID, "alice-pub", "x", true); !errors.Is(err, ErrConflict) {
				t.Errorf("token pair: %v", err)
			}
		})

		t.Run("ownership", func(t *testing.T) {
			f := newFixture(t, b.Open(t))
			list, err := f.st.ListVPSes(ctx, f.alice.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 2 || list[0].ID != f.aliceVPS.ID || list[1].ID != f.aliceOnDown.ID {
				t.Fatalf("alice sees %+v", list)
			}
			got := list[0]
			if got.Hostname != "a.example" || *got.BurstableRAM != 256 || !got.Traffic.Split ||
				got.Traffic.InUsed != 912727849 || got.Traffic.InLimit != 500000000000 || !got.NodeReachable {
				t.Errorf("round trip lost data: %+v", got)
			}
			if list[1].BurstableRAM != nil || list[1].Traffic.Split || list[1].Traffic.Limit != 10 || list[1].NodeReachable {
				t.Errorf("round trip lost data: %+v", list[1])
			}
			var nf *NotFoundError
			if _, err := f.st.GetVPS(ctx, f.alice.ID, f.bobVPS.ID); !errors.As(err, &nf) {
				t.Errorf("another user's VPS: err = %v, want NotFoundError", err)
			}
			if _, err := f.st.Act(ctx, f.alice.ID, f.bobVPS.ID, Start); !errors.As(err, &nf) {
				t.Errorf("acting on another user's VPS: err = %v, want NotFoundError", err)
			}
			if v, _ := f.st.GetVPS(ctx, f.bob.ID, f.bobVPS.ID); v.State != Stopped {
				t.Errorf("bob's VPS changed to %s", v.State)
			}
			empty, err := f.st.ListVPSes(ctx, 999999)
			if err != nil || empty == nil || len(empty) != 0 {
				t.Errorf("unknown user: %v, %v (want an empty, non-nil list)", empty, err)
			}
		})

		t.Run("state machine", func(t *testing.T) {
			f := newFixture(t, b.Open(t))
			id, user := f.aliceVPS.ID, f.alice.ID
			steps := []struct {
				action Action
				want   State
			}{{Stop, Stopped}, {Stop, Stopped}, {Start, Running}, {Restart, Running}, {Stop, Stopped}, {Restart, Running}}
			for _, s := range steps {
				if _, err := f.st.Act(ctx, user, id, s.action); err != nil {
					t.Fatalf("%s: %v", s.action, err)
				}
				if v, _ := f.st.GetVPS(ctx, user, id); v.State != s.want {
					t.Fatalf("after %s: %s, want %s", s.action, v.State, s.want)
				}
			}
			for _, st := range []State{Suspended, Terminated} {
				if err := f.st.SetState(ctx, id, st); err != nil {
					t.Fatal(err)
				}
				var ae *ActionError
				if _, err := f.st.Act(ctx, user, id, Start); !errors.As(err, &ae) || ae.State != st {
					t.Errorf("start on %s: %v", st, err)
				}
				if v, _ := f.st.GetVPS(ctx, user, id); v.State != st {
					t.Errorf("refused action changed the state to %s", v.State)
				}
			}
			if err := f.st.SetState(ctx, id, Unknown); err == nil {
				t.Error("unknown must not be storable")
			}
		})

		t.Run("unreachable node", func(t *testing.T) {
			f := newFixture(t, b.Open(t))
			if _, err := f.st.Act(ctx, f.alice.ID, f.aliceOnDown.ID, Start); !errors.Is(err, ErrNodeUnreachable) {
				t.Fatalf("err = %v", err)
			}
			v, _ := f.st.GetVPS(ctx, f.alice.ID, f.aliceOnDown.ID)
			if v.State != Stopped || v.ReportedState() != Unknown {
				t.Errorf("state %s reported %s", v.State, v.ReportedState())
			}
			if err := f.st.SetNodeReachable(ctx, f.down.ID, true); err != nil {
				t.Fatal(err)
			}
			if v, err := f.st.Act(ctx, f.alice.ID, f.aliceOnDown.ID, Start); err != nil || v.State != Running {
				t.Errorf("after the node came back: %v, %v", v.State, err)
			}
		})

		t.Run("concurrent actions keep the state machine", func(t *testing.T) {
			f := newFixture(t, b.Open(t))
			var wg sync.WaitGroup
			errs := make(chan error, 20)
			for i := 0; i < 20; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					a := []Action{Start, Stop, Restart}[i%3]
					if _, err := f.st.Act(ctx, f.alice.ID, f.aliceVPS.ID, a); err != nil {
						errs <- err
					}
				}(i)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			v, _ := f.st.GetVPS(ctx, f.alice.ID, f.aliceVPS.ID)
			if v.State != Running && v.State != Stopped {
				t.Errorf("state %s", v.State)
			}
		})

		t.Run("seed is idempotent", func(t *testing.T) {
			st, err := newSQLStore(ctx, b.Open(t))
			if err != nil {
				t.Fatal(err)
			}
			if err := Seed(ctx, st, DemoFixtures); err != nil {
				t.Fatal(err)
			}
			if err := Seed(ctx, st, DemoFixtures); err != nil {
				t.Fatal(err)
			}
			c, err := st.Authenticate(ctx, "demo-public", "demo-private")
			if err != nil {
				t.Fatal(err)
			}
			list, _ := st.ListVPSes(ctx, c.UserID)
			if len(list) != 2 {
				t.Errorf("demo user has %d VPSes after seeding twice", len(list))
			}
		})
	})
}

func TestSeedRejectsUnknownFields(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, b storagetest.Backend) {
		st, err := newSQLStore(context.Background(), b.Open(t))
		if err != nil {
			t.Fatal(err)
		}
		if err := Seed(context.Background(), st, []byte("users:\n  - nmae: typo\n")); err == nil {
			t.Error("a misspelt fixture key must be an error, not silently ignored")
		}
	})
}

// newSQLStore migrates db and opens a store on it, as the module loader does.
func newSQLStore(ctx context.Context, db *storage.DB) (*SQLStore, error) {
	if err := db.Migrate(ctx, "cvm", Migrations); err != nil {
		return nil, err
	}
	return NewSQLStore(db), nil
}
