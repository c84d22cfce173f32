package validation

import (
	"context"
	"maps"
	"strings"
	"sync"

	"github.com/specfirst/specfirst/server/cvm"
	"github.com/specfirst/specfirst/server/kit"
	"github.com/specfirst/specfirst/server/module"
	"github.com/specfirst/specfirst/server/tsuru"
)

// memStores builds, for an API that has one, its kit description over a memory store for
// the benchmarked requests. An API without one is measured over its SQL store only.
var memStores = map[string]func(ctx context.Context, inst module.Instance, samples []module.Sample) (*kit.API, error){
	"cvm": func(ctx context.Context, inst module.Instance, samples []module.Sample) (*kit.API, error) {
		st, err := newCVMMem(ctx, inst.(*cvm.Server).SQLStore, sampleHeader(samples, module.ClassRead, "Api-Public-Token"),
			sampleHeader(samples, module.ClassRead, "Api-Private-Token"), 1)
		if err != nil {
			return nil, err
		}
		return cvm.NewAPI(st, cvm.Prefix)
	},
	"tsuru": func(ctx context.Context, inst module.Instance, samples []module.Sample) (*kit.API, error) {
		token := strings.TrimPrefix(sampleHeader(samples, module.ClassRead, "Authorization"), "bearer ")
		st, err := newTsuruMem(ctx, inst.(*tsuru.Server).SQLStore, token, "app1")
		if err != nil {
			return nil, err
		}
		return tsuru.NewAPI(st, tsuru.Prefix)
	},
}

// The memory stores answer the benchmarked operations from memory, filled from the SQL
// store at set-up, and pass everything else to it. With SQLite a request costs ~100 µs,
// almost all of it in the database, which would hide what validation costs: measured over
// memory, the handler is as cheap as a cached read, so the ratios show the HTTP and
// validation layers. Both are reported.

type cvmMem struct {
	cvm.Store
	callers map[[2]string]cvm.Caller
	lists   map[int64][]cvm.VPS
	vpses   map[[2]int64]cvm.VPS
}

func newCVMMem(ctx context.Context, st cvm.Store, public, private string, vpsIDs ...int64) (*cvmMem, error) {
	m := &cvmMem{Store: st, callers: map[[2]string]cvm.Caller{}, lists: map[int64][]cvm.VPS{}, vpses: map[[2]int64]cvm.VPS{}}
	c, err := st.Authenticate(ctx, public, private)
	if err != nil {
		return nil, err
	}
	m.callers[[2]string{public, private}] = c
	if m.lists[c.UserID], err = st.ListVPSes(ctx, c.UserID); err != nil {
		return nil, err
	}
	for _, id := range vpsIDs {
		if m.vpses[[2]int64{c.UserID, id}], err = st.GetVPS(ctx, c.UserID, id); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *cvmMem) Authenticate(ctx context.Context, public, private string) (cvm.Caller, error) {
	if c, ok := m.callers[[2]string{public, private}]; ok {
		return c, ctx.Err()
	}
	return m.Store.Authenticate(ctx, public, private)
}

func (m *cvmMem) ListVPSes(ctx context.Context, userID int64) ([]cvm.VPS, error) {
	if l, ok := m.lists[userID]; ok {
		return l, ctx.Err()
	}
	return m.Store.ListVPSes(ctx, userID)
}

func (m *cvmMem) GetVPS(ctx context.Context, userID, vpsID int64) (cvm.VPS, error) {
	if v, ok := m.vpses[[2]int64{userID, vpsID}]; ok {
		return v, ctx.Err()
	}
	return m.Store.GetVPS(ctx, userID, vpsID)
}

type tsuruMem struct {
	tsuru.Store
	callers map[string]tsuru.Caller
	apps    map[string]tsuru.App
	mu      sync.Mutex
	env     map[string]map[string]string
}

func newTsuruMem(ctx context.Context, st tsuru.Store, token string, apps ...string) (*tsuruMem, error) {
	m := &tsuruMem{Store: st, callers: map[string]tsuru.Caller{}, apps: map[string]tsuru.App{}, env: map[string]map[string]string{}}
	c, err := st.Authenticate(ctx, token)
	if err != nil {
		return nil, err
	}
	m.callers[token] = c
	for _, name := range apps {
		if m.apps[name], err = st.GetApp(ctx, c, name); err != nil {
			return nil, err
		}
		m.env[name] = map[string]string{}
	}
	return m, nil
}

func (m *tsuruMem) Authenticate(ctx context.Context, token string) (tsuru.Caller, error) {
	if c, ok := m.callers[token]; ok {
		return c, ctx.Err()
	}
	return m.Store.Authenticate(ctx, token)
}

func (m *tsuruMem) GetApp(ctx context.Context, c tsuru.Caller, name string) (tsuru.App, error) {
	if a, ok := m.apps[name]; ok {
		return a, ctx.Err()
	}
	return m.Store.GetApp(ctx, c, name)
}

func (m *tsuruMem) SetEnv(ctx context.Context, c tsuru.Caller, app string, vars map[string]string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	env, ok := m.env[app]
	if !ok {
		return m.Store.SetEnv(ctx, c, app, vars)
	}
	maps.Copy(env, vars)
	return ctx.Err()
}
