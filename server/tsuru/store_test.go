package tsuru

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/specfirst/specfirst/server/storage"
	"github.com/specfirst/specfirst/server/storage/storagetest"
)

// world is a small tsuru: alice (team red, admin team "admin") and bob (team blue), carol
// in no team; platform python; alice's app "red-app", bob's app "blue-app"; alice's service
// "redis" with instance "redis-1".
type world struct {
	st                *SQLStore
	db                *storage.DB
	alice, bob, carol Caller
	clock             *time.Time
}

const pw = "secret1"

func newWorld(t *testing.T, db *storage.DB, opts ...func(*Options)) *world {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2013, 11, 1, 12, 0, 0, 0, time.UTC)
	o := Options{BcryptCost: bcrypt.MinCost, Now: func() time.Time { return now }}
	for _, f := range opts {
		f(&o)
	}
	st, err := newSQLStore(ctx, db, o)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{st: st, db: db, alice: Caller{Email: "alice@example.com"}, bob: Caller{Email: "bob@example.com"},
		carol: Caller{Email: "carol@example.com"}, clock: &now}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []Caller{w.alice, w.bob, w.carol} {
		must(st.CreateUser(ctx, c.Email, pw))
	}
	must(st.AddPlatform(ctx, "python"))
	must(st.CreateTeam(ctx, w.alice.Email, "red"))
	must(st.CreateTeam(ctx, w.alice.Email, "admin"))
	must(st.CreateTeam(ctx, w.bob.Email, "blue"))
	_, err = st.CreateApp(ctx, w.bob, NewApp{Name: "blue-app", Platform: "python"})
	must(err)
	// Created after joining admin: red-app belongs to red and admin.
	_, err = st.CreateApp(ctx, w.alice, NewApp{Name: "red-app", Platform: "python", Units: 2})
	must(err)
	var m Manifest
	m.ID, m.Endpoint.Production = "redis", "redis.example.com"
	must(st.CreateService(ctx, w.alice.Email, m))
	must(st.CreateInstance(ctx, w.alice.Email, "redis", "redis-1"))
	return w
}

// wantErr checks that err is a domain error of kind (nil: success) with message msg ("" for any).
func wantErr(t *testing.T, err error, kind error, msg string) {
	t.Helper()
	if kind == nil {
		if err != nil {
			t.Fatalf("unexpected error %v", err)
		}
		return
	}
	var de *Error
	if !errors.As(err, &de) || !errors.Is(err, kind) {
		t.Fatalf("error = %v (%T), want kind %v", err, err, kind)
	}
	if msg != "" && de.Msg != msg {
		t.Fatalf("message = %q, want %q", de.Msg, msg)
	}
}

func manifest(id, prod string) Manifest {
	var m Manifest
	m.ID, m.Endpoint.Production = id, prod
	return m
}

func TestStore(t *testing.T) {
	// One world per backend, shared by the subtests in this order: later ones build on
	// what earlier ones left (a user signed up, a team created, …).
	storagetest.Each(t, func(t *testing.T, b storagetest.Backend) {
		w := newWorld(t, b.Open(t))
		storeUsers(t, w)
		storeTeams(t, w)
		storeApps(t, w)
		storeServices(t, w)
		storeTokens(t, w)
		storePlatforms(t, w)
		storeAppDeletion(t, w)
	})
}

// TestStoreConcurrency checks the rules that must hold across replicas: many goroutines
// on separate connections act at once, and only the database arbitrates.
func TestStoreConcurrency(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, b storagetest.Backend) {
		w := newWorld(t, b.Open(t))
		ctx := context.Background()
		st := w.st

		t.Run("quota holds under concurrent app creation", func(t *testing.T) {
			must(t, st.SetQuotaLimit(ctx, w.bob.Email, 4)) // blue-app already uses one
			const n = 12
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = st.CreateApp(ctx, w.bob, NewApp{Name: fmt.Sprintf("race-%d", i), Platform: "python"})
				}()
			}
			wg.Wait()
			ok, exceeded := 0, 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case errors.Is(err, ErrForbidden):
					exceeded++
				default:
					t.Errorf("unexpected error: %v", err)
				}
			}
			q, _ := st.GetQuota(ctx, w.bob.Email)
			apps, _ := st.ListApps(ctx, w.bob)
			if ok != 3 || exceeded != n-3 || q.Items != 4 || q.Available != 0 || len(apps) != 4 {
				t.Errorf("created %d, refused %d, quota %+v, apps %d; want 3 created, quota 4 used", ok, exceeded, q, len(apps))
			}
		})

		t.Run("identical sign-ups", func(t *testing.T) {
			const n = 20
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = st.CreateUser(ctx, "twin@example.com", "123456")
				}()
			}
			wg.Wait()
			ok := 0
			for _, err := range errs {
				if err == nil {
					ok++
				} else if !errors.Is(err, ErrConflict) {
					t.Errorf("unexpected error: %v", err)
				}
			}
			if ok != 1 {
				t.Errorf("%d sign-ups succeeded, want exactly 1", ok)
			}
		})

		t.Run("revoking concurrently never orphans a service", func(t *testing.T) {
			must(t, st.AddUserToTeam(ctx, w.alice.Email, "red", w.bob.Email))
			must(t, st.GrantService(ctx, w.alice.Email, "redis", "blue")) // teams: admin, blue, red
			var wg sync.WaitGroup
			for _, team := range []string{"admin", "blue", "red"} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_ = st.RevokeService(ctx, w.alice.Email, "redis", team)
				}()
			}
			wg.Wait()
			sv, err := st.loadService(ctx, w.db, "redis")
			if err != nil || len(sv.Teams) != 1 {
				t.Errorf("teams left with access: %v (%v), want exactly one", sv.Teams, err)
			}
		})
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// newSQLStore migrates db and opens a store on it, as the module loader does.
func newSQLStore(ctx context.Context, db *storage.DB, opts Options) (*SQLStore, error) {
	if err := db.Migrate(ctx, "tsuru", Migrations); err != nil {
		return nil, err
	}
	return NewSQLStore(db, opts), nil
}
