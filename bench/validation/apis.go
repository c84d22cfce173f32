package validation

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"github.com/specfirst/specfirst/server/cvm"
	"github.com/specfirst/specfirst/server/kit"
	"github.com/specfirst/specfirst/server/storage"
	"github.com/specfirst/specfirst/server/tsuru"
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

// Entry is one API of the benchmark: a name and how to set it up in dir, over its SQL
// store or, with mem, over a memory store for the benchmarked operations (memstore.go).
type Entry struct {
	Name  string
	Setup func(ctx context.Context, dir string, mem bool) (*Fixture, error)
}

// Entries lists every API present. Adding an API is adding an entry.
func Entries() []Entry {
	return []Entry{
		{Name: "cvm", Setup: setupCVM},
		{Name: "tsuru", Setup: setupTsuru},
	}
}

func openDB(ctx context.Context, dir string) (*storage.DB, error) {
	return storage.Open(ctx, storage.Config{DataDir: dir})
}

func setupCVM(ctx context.Context, dir string, mem bool) (*Fixture, error) {
	db, err := openDB(ctx, dir)
	if err != nil {
		return nil, err
	}
	sql, err := cvm.NewSQLStore(ctx, db)
	if err == nil {
		err = cvm.Seed(ctx, sql, cvm.DemoFixtures)
	}
	var st cvm.Store = sql
	if err == nil && mem {
		st, err = newCVMMem(ctx, sql, "demo-public", "demo-private", 1)
	}
	var api *kit.API
	if err == nil {
		api, err = cvm.NewAPI(st, cvm.Prefix)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("cvm: %w", err)
	}
	h := http.Header{"Api-Public-Token": {"demo-public"}, "Api-Private-Token": {"demo-private"}}
	return &Fixture{
		API: api,
		Requests: []*Request{
			{Name: "GET /vps/list", Method: http.MethodGet, Path: cvm.Prefix + "/vps/list", Header: h, Status: 200},
			{Name: "GET /vps/{id}/status", Method: http.MethodGet, Path: cvm.Prefix + "/vps/1/status", Header: h, Status: 200},
		},
		// CVM's POSTs (start, stop, restart) take no request body at all.
		NoPOST: "n/a: CVM has no POST with a JSON body (its POSTs take no body)",
		Close:  func() { db.Close() },
	}, nil
}

func setupTsuru(ctx context.Context, dir string, mem bool) (*Fixture, error) {
	db, err := openDB(ctx, dir)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Fixture, error) {
		db.Close()
		return nil, fmt.Errorf("tsuru: %w", err)
	}
	sql, err := tsuru.NewSQLStore(ctx, db, tsuru.Options{BcryptCost: 4})
	if err != nil {
		return fail(err)
	}
	if err := tsuru.Seed(ctx, sql, tsuru.DemoFixtures); err != nil {
		return fail(err)
	}
	token, err := sql.Login(ctx, "nobody@globo.com", "123456")
	if err != nil {
		return fail(err)
	}
	var st tsuru.Store = sql
	if mem {
		if st, err = newTsuruMem(ctx, sql, token, "app1"); err != nil {
			return fail(err)
		}
	}
	api, err := tsuru.NewAPI(st, tsuru.Prefix)
	if err != nil {
		return fail(err)
	}
	auth := http.Header{"Authorization": {"bearer " + token}}
	post := auth.Clone()
	post.Set("Content-Type", "application/json")
	return &Fixture{
		API: api,
		Requests: []*Request{
			{Name: "GET /apps/{appname}", Method: http.MethodGet, Path: tsuru.Prefix + "/apps/app1", Header: auth, Status: 200},
			{Name: "POST /apps/{appname}/env", Method: http.MethodPost, Path: tsuru.Prefix + "/apps/app1/env", Header: post,
				Body: []byte(`{"DATABASE_HOST":"localhost","DATABASE_USER":"root"}`), Status: 200},
		},
		Close: func() { db.Close() },
	}, nil
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
