package tsuru

import (
	"context"

	api "github.com/specfirst/specfirst/gen/tsuru"
	gen "github.com/specfirst/specfirst/gen/tsuru/server"
	"github.com/specfirst/specfirst/server/kit"
)

// Handlers serve gen.StrictServerInterface from a Store. They only translate: the request
// has been authenticated and validated against the spec before they run, the rules live
// in the Store, and their errors become statuses in api.go's mapError.
type Handlers struct {
	store Store
}

var _ gen.StrictServerInterface = (*Handlers)(nil)

// NewHandlers returns the handlers over st.
func NewHandlers(st Store) *Handlers { return &Handlers{store: st} }

// maxManifest bounds a service manifest read from a request body.
const maxManifest = 1 << 20

func caller(ctx context.Context) Caller {
	c, ok := kit.PrincipalFrom[Caller](ctx)
	if !ok {
		// Unreachable for protected operations: kit ran Authenticate before the handler.
		// Fail closed rather than act as nobody.
		panic("tsuru: protected handler reached without an authenticated caller")
	}
	return c
}

func ptr[T any](v T) *T { return &v }

func toApp(a App) api.App {
	units := make([]api.Unit, len(a.Units))
	for i, u := range a.Units {
		units[i] = api.Unit{Name: u.Name, IP: ptr(u.IP), State: ptr(u.State)}
	}
	teams := append([]string{}, a.Teams...)
	return api.App{
		Name: a.Name, Framework: ptr(a.Platform), Repository: ptr(a.Repository), State: ptr(a.State),
		IP: ptr(a.IP), Units: &units, Teams: &teams,
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func toServiceList(l []ServiceInstances) []api.ServiceListItem {
	out := make([]api.ServiceListItem, len(l))
	for i, s := range l {
		out[i] = api.ServiceListItem{Service: s.Service, Instances: nonNil(s.Instances)}
	}
	return out
}
