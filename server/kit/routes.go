package kit

import (
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
)

// Operation is one spec operation as echo routes it.
type Operation struct {
	API       *API
	ID        string // operationId
	EchoPath  string // e.g. /cvm/api/client/vps/:id/status
	Route     *routers.Route
	Params    openapi3.Parameters // path-item and operation parameters, operation overrides applied
	Security  openapi3.SecurityRequirements
	BodyRef   *openapi3.RequestBody
	responses *openapi3.Responses
	plan      plan // precomputed validation steps (validate.go)
}

// Routes maps echo's route template (as c.Path() reports it) and method to the spec
// operation. It is built once at start-up, so finding the operation of a request costs one
// map lookup whatever the number of paths: echo's router already did the matching.
type Routes struct {
	byKey map[routeKey]*Operation
	apis  []*API
}

// routeKey is a struct, not a concatenated string, so that a lookup allocates nothing.
type routeKey struct{ method, path string }

// EchoPath converts an OpenAPI path template to echo's syntax: /a/{b}/c → /a/:b/c.
func EchoPath(prefix, specPath string) string {
	var b strings.Builder
	b.WriteString(prefix)
	for i := 0; i < len(specPath); i++ {
		switch specPath[i] {
		case '{':
			b.WriteByte(':')
		case '}':
		default:
			b.WriteByte(specPath[i])
		}
	}
	return b.String()
}

func (r *Routes) add(api *API) {
	if r.byKey == nil {
		r.byKey = map[routeKey]*Operation{}
	}
	r.apis = append(r.apis, api)
	spec := api.Spec
	for _, specPath := range spec.Paths.InMatchingOrder() {
		item := spec.Paths.Value(specPath)
		for method, op := range item.Operations() {
			o := &Operation{
				API:      api,
				ID:       op.OperationID,
				EchoPath: EchoPath(api.Prefix, specPath),
				Route: &routers.Route{
					Spec: spec, Path: specPath, PathItem: item, Method: method, Operation: op,
				},
				responses: op.Responses,
			}
			for _, p := range item.Parameters {
				if op.Parameters.GetByInAndName(p.Value.In, p.Value.Name) == nil {
					o.Params = append(o.Params, p)
				}
			}
			o.Params = append(o.Params, op.Parameters...)
			if op.Security != nil {
				o.Security = *op.Security
			} else {
				o.Security = spec.Security
			}
			if op.RequestBody != nil {
				o.BodyRef = op.RequestBody.Value
			}
			o.compile()
			r.byKey[routeKey{method, o.EchoPath}] = o
		}
	}
}

// Lookup returns the operation echo matched, or nil for routes that are not in a spec.
func (r *Routes) Lookup(method, echoPath string) *Operation {
	return r.byKey[routeKey{method, echoPath}]
}

// APIFor returns the API whose prefix holds urlPath (the longest prefix wins), or nil.
func (r *Routes) APIFor(urlPath string) *API {
	var best *API
	for _, a := range r.apis {
		if (urlPath == a.Prefix || strings.HasPrefix(urlPath, a.Prefix+"/") || a.Prefix == "") &&
			(best == nil || len(a.Prefix) > len(best.Prefix)) {
			best = a
		}
	}
	return best
}

// Operations lists every operation, sorted by API, path and method (for tests and docs).
func (r *Routes) Operations() []*Operation {
	ops := make([]*Operation, 0, len(r.byKey))
	for _, o := range r.byKey {
		ops = append(ops, o)
	}
	sort.Slice(ops, func(i, j int) bool {
		a, b := ops[i], ops[j]
		if a.EchoPath != b.EchoPath {
			return a.EchoPath < b.EchoPath
		}
		return a.Route.Method < b.Route.Method
	})
	return ops
}

// Method is the HTTP method of the operation.
func (o *Operation) Method() string { return o.Route.Method }

// Declares reports whether the spec declares status for this operation.
func (o *Operation) Declares(status int) bool {
	if o.responses == nil {
		return false
	}
	return o.responses.Status(status) != nil || o.responses.Default() != nil
}
