package validation

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/labstack/echo/v4"

	"github.com/specfirst/specfirst/server/kit"
)

// SyntheticPaths returns n REST-like path templates, /WORD/items/{id}, WORD a made-up
// resource name (deterministic), in echo's syntax and in OpenAPI's.
func SyntheticPaths(n int) (echoPaths, specPaths []string) {
	seed := uint32(2463534242)
	seen := map[string]bool{}
	for len(specPaths) < n {
		var w []byte
		for l := 4 + int(seed%5); len(w) < l; {
			seed ^= seed << 13
			seed ^= seed >> 17
			seed ^= seed << 5
			w = append(w, byte('a'+seed%26))
		}
		if seen[string(w)] {
			continue
		}
		seen[string(w)] = true
		specPaths = append(specPaths, "/"+string(w)+"/items/{id}")
		echoPaths = append(echoPaths, "/"+string(w)+"/items/:id")
	}
	return echoPaths, specPaths
}

// SyntheticSpec is a spec of n paths (SyntheticPaths), each with a GET.
func SyntheticSpec(n int) (*openapi3.T, error) {
	_, paths := SyntheticPaths(n)
	var b strings.Builder
	b.WriteString("openapi: 3.0.3\ninfo: {title: synthetic, version: \"1\"}\npaths:\n")
	for i, p := range paths {
		fmt.Fprintf(&b, `  %s:
    get:
      operationId: get%d
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses: {"200": {description: ok}}
`, p, i)
	}
	return openapi3.NewLoader().LoadFromData([]byte(b.String()))
}

// LookupBench measures how a request of the n-path synthetic API finds its operation: echo's
// route match plus kit's lookup, for the last path of the spec. With withMatch false the
// loop times kit's lookup alone, given the route echo matched: what validation adds to the
// routing every echo server does anyway (echo's radix tree grows a little with the number
// of paths, validated or not).
func LookupBench(n int, withMatch bool) (func(b *testing.B), error) {
	spec, err := SyntheticSpec(n)
	if err != nil {
		return nil, err
	}
	s := kit.New(kit.Options{})
	s.Mount(&kit.API{
		Name: "synthetic", Prefix: "/syn", Spec: spec,
		Register: func(e kit.EchoRouter, prefix string) {
			echoPaths, _ := SyntheticPaths(n)
			for _, p := range echoPaths {
				e.GET(prefix+p, func(c echo.Context) error { return c.NoContent(200) })
			}
		},
		WriteError: func(c echo.Context, status int, msgs []string) error { return c.NoContent(status) },
	})
	echoPaths, _ := SyntheticPaths(n)
	path := "/syn" + strings.Replace(echoPaths[n-1], ":id", "42", 1)
	req := httptest.NewRequest(http.MethodGet, path, nil)
	e := s.Echo
	routes := s.Routes()
	c := e.NewContext(req, nil)
	router := e.Router()
	want := fmt.Sprintf("get%d", n-1)
	if !withMatch {
		router.Find(http.MethodGet, path, c)
		matched := c.Path()
		return func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if op := routes.Lookup(http.MethodGet, matched); op == nil || op.ID != want {
					b.Fatalf("lookup of %s found %v", path, op)
				}
			}
		}, nil
	}
	return func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			router.Find(http.MethodGet, path, c)
			if op := routes.Lookup(http.MethodGet, c.Path()); op == nil || op.ID != want {
				b.Fatalf("lookup of %s found %v", path, op)
			}
		}
	}, nil
}

// KinLookupBench measures kin-openapi's gorillamux router, which echo-middleware uses, on
// the same spec and request: for contrast.
func KinLookupBench(n int) (func(b *testing.B), error) {
	spec, err := SyntheticSpec(n)
	if err != nil {
		return nil, err
	}
	spec.Servers = openapi3.Servers{{URL: "/syn"}}
	router, err := gorillamux.NewRouter(spec)
	if err != nil {
		return nil, err
	}
	echoPaths, _ := SyntheticPaths(n)
	req := httptest.NewRequest(http.MethodGet, "/syn"+strings.Replace(echoPaths[n-1], ":id", "42", 1), nil)
	return func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, _, err := router.FindRoute(req); err != nil {
				b.Fatal(err)
			}
		}
	}, nil
}
