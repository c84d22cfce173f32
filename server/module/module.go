// Package module is the contract between an API package (server/NAME) and whatever serves
// it — the apiserver, the tests, the benchmarks. An API package exports one Module value;
// a Set opens a list of them on one database, seeds, resets and mounts them, and runs
// their background workers. Nothing else needs to name an API.
package module

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"

	"github.com/specfirst/specfirst/server/kit"
	"github.com/specfirst/specfirst/server/storage"
)

// Module is what an API package says about itself.
type Module struct {
	// Name is the spec's name (openapi/NAME.yaml), the metrics label and the section of a
	// fixtures file. Every table of the API is named NAME_…, so that Reset can find them.
	Name string
	// Prefix is where the apiserver mounts the API ("/cvm/api/client").
	Prefix string
	// Migrations is the API's embedded SQL (storage.DB.Migrate's layout).
	Migrations fs.FS
	// Demo is the demo fixtures (the section a fixtures file would have for this API),
	// reproducing the document's examples.
	Demo []byte
	// DemoCredentials says, for the start-up log and the README, how to log in to the demo.
	DemoCredentials string
	// Open builds the API on a migrated database: its store, and whatever else it needs.
	Open func(ctx context.Context, db *storage.DB, env Env) (Instance, error)
	// Samples returns the API's hot requests against its demo data, with working
	// credentials (the benchmarks replay them): at least a list and a point read, and a
	// state-changing POST and a POST with a JSON body where the API has them.
	Samples func(ctx context.Context, inst Instance) ([]Sample, error)
}

// Classes of Sample.
const (
	ClassList  = "list"  // a list of stored things
	ClassRead  = "read"  // one stored thing
	ClassWrite = "write" // a state change without a body
	ClassJSON  = "json"  // a state change with a JSON body
)

// Sample is one request of an API, as a client sends it.
type Sample struct {
	Class  string // ClassList, …
	Name   string // "GET /vps/{id}/status"
	Method string
	Path   string // under the module's prefix: "/vps/1/status"
	Header http.Header
	Body   []byte
	Status int // the status it gets
}

// Env is what the host gives every module.
type Env struct {
	Logger *slog.Logger
}

// Instance is an opened API.
type Instance interface {
	// Seed loads fixtures (the YAML of the API's section) into an empty store and reports
	// whether it did; a store that already holds data is left alone, so restarts and
	// replicas starting together seed once.
	Seed(ctx context.Context, fixtures []byte) (bool, error)
	// NewAPI describes the HTTP API mounted at prefix ("" for the root of a listener).
	NewAPI(prefix string) (*kit.API, error)
}

// Runner is an Instance with background work (a trigger engine, a queue consumer): Run
// works until ctx ends, and must be safe when several replicas run it on one database.
type Runner interface {
	Run(ctx context.Context) error
}

// Closer is an Instance that holds resources beyond the database.
type Closer interface {
	Close() error
}
