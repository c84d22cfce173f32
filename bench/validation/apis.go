package validation

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"github.com/specfirst/specfirst/server/app"
	"github.com/specfirst/specfirst/server/kit"
	"github.com/specfirst/specfirst/server/module"
	"github.com/specfirst/specfirst/server/storage"
)

// Request is one benchmarked request: what is sent and the status it must get.
type Request struct {
	Name   string // e.g. "GET /vps/{id}/status"
	Method string
	Path   string // with the API's prefix
	Header http.Header
	Body   []byte
	Status int
}

// Fixture is an API ready to be served: its kit description over a seeded store, and the
// requests to measure (GETs, and POSTs with a JSON body). NoPOST says why an API has no
// POST with a JSON body to measure.
type Fixture struct {
	API      *kit.API
	Requests []*Request
	NoPOST   string
	Close    func()
}

// Setup opens module m on a SQLite database in dir with its demo data and picks the
// requests to measure from its samples: the point read, the list, and the JSON POST. With
// mem, the API runs over a memory store for those requests where one exists
// (memstore.go); otherwise, and for a module without one, over its SQL store.
func Setup(ctx context.Context, dir string, m module.Module, mem bool) (*Fixture, error) {
	db, err := storage.Open(ctx, storage.Config{DataDir: dir})
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Fixture, error) {
		db.Close()
		return nil, fmt.Errorf("%s: %w", m.Name, err)
	}
	set, err := module.Open(ctx, db, module.Env{}, m)
	if err != nil {
		return fail(err)
	}
	if err := set.Seed(ctx, "demo"); err != nil {
		return fail(err)
	}
	inst := set.Instance(m.Name)
	if m.Samples == nil {
		return fail(fmt.Errorf("the module declares no samples"))
	}
	samples, err := m.Samples(ctx, inst)
	if err != nil {
		return fail(err)
	}
	var api *kit.API
	if fast := memStores[m.Name]; mem && fast != nil {
		api, err = fast(ctx, inst, samples)
	} else {
		api, err = inst.NewAPI(m.Prefix)
	}
	if err != nil {
		return fail(err)
	}
	fx := &Fixture{API: api, Close: func() { db.Close() }}
	for _, s := range samples {
		if s.Class != module.ClassRead && s.Class != module.ClassJSON {
			continue
		}
		fx.Requests = append(fx.Requests, &Request{Name: s.Name, Method: s.Method, Path: m.Prefix + s.Path,
			Header: s.Header, Body: s.Body, Status: s.Status})
	}
	if !hasClass(samples, module.ClassJSON) {
		fx.NoPOST = fmt.Sprintf("n/a: %s has no POST with a JSON body among its hot requests", m.Name)
	}
	return fx, nil
}

// Modules is every API the apiserver serves.
func Modules() []module.Module { return app.Modules() }

func hasClass(samples []module.Sample, class string) bool {
	for _, s := range samples {
		if s.Class == class {
			return true
		}
	}
	return false
}

func sampleHeader(samples []module.Sample, class, name string) string {
	for _, s := range samples {
		if s.Class == class {
			return s.Header.Get(name)
		}
	}
	return ""
}

// TempDir is where the benchmark's SQLite files go: tmpfs when there is one, so that disk
// latency does not drown what is measured.
func TempDir() (string, error) {
	base := ""
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		base = "/dev/shm"
	}
	return os.MkdirTemp(base, "specfirst-bench-")
}
