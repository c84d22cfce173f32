package kit

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"
)

const testSpec = `
openapi: 3.0.3
info: {title: t, version: "1"}
security: [{key: []}]
paths:
  /things/{id}:
    get:
      operationId: getThing
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer, minimum: 1}}
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Thing"}}}}
        "400": {$ref: "#/components/responses/Err"}
        "401": {$ref: "#/components/responses/Err"}
        "403": {$ref: "#/components/responses/Err"}
        "404": {$ref: "#/components/responses/Err"}
        "500": {$ref: "#/components/responses/Err"}
  /things/special:
    get:
      operationId: getSpecialThing
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Thing"}}}}
        "401": {$ref: "#/components/responses/Err"}
  /things:
    post:
      operationId: createThing
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name, size]
              additionalProperties: false
              properties:
                name: {type: string, minLength: 1}
                size: {type: integer, maximum: 10}
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Thing"}}}}
        "400": {$ref: "#/components/responses/Err"}
        "401": {$ref: "#/components/responses/Err"}
        "500": {$ref: "#/components/responses/Err"}
  /open:
    post:
      operationId: createOpen
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                name: {type: string, minLength: 1}
                tags: {type: array, items: {type: object, properties: {label: {type: string}}}}
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Thing"}}}}
        "400": {$ref: "#/components/responses/Err"}
        "401": {$ref: "#/components/responses/Err"}
  /open-default:
    post:
      operationId: createOpenWithDefault
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                name: {type: string, default: "anonymous"}
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Thing"}}}}
        "400": {$ref: "#/components/responses/Err"}
        "401": {$ref: "#/components/responses/Err"}
  /public:
    get:
      operationId: getPublic
      security: []
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Thing"}}}}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
  responses:
    Err:
      description: error
      content:
        application/json:
          schema: {type: object, required: [problems], properties: {problems: {type: array, items: {type: string}}}}
  schemas:
    Thing:
      type: object
      required: [id]
      properties: {id: {type: integer}}
`

type ctxKey struct{}

func newTestServer(t *testing.T, adjust ...func(*API)) (*Server, *[]string) {
	t.Helper()
	spec, err := openapi3.NewLoader().LoadFromData([]byte(testSpec))
	if err != nil {
		t.Fatal(err)
	}
	var mismatches []string
	s := New(Options{ValidateResponses: true, OnResponseMismatch: func(op *Operation, status int, err error) {
		mismatches = append(mismatches, op.ID)
	}})
	// A value put in the request context before routing must reach auth and handlers.
	s.Echo.Pre(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.SetRequest(c.Request().WithContext(context.WithValue(c.Request().Context(), ctxKey{}, "seen")))
			return next(c)
		}
	})
	thing := func(id any) echo.HandlerFunc {
		return func(c echo.Context) error {
			if c.Request().Context().Value(ctxKey{}) != "seen" {
				return errors.New("context value lost before the handler")
			}
			if _, ok := PrincipalFrom[string](c.Request().Context()); !ok && c.Path() != "/api/public" {
				return errors.New("no principal")
			}
			return c.JSON(http.StatusOK, map[string]any{"id": id})
		}
	}
	api := &API{
		Name:   "test",
		Prefix: "/api",
		Spec:   spec,
		Register: func(e EchoRouter, p string) {
			e.GET(p+"/things/:id", func(c echo.Context) error {
				if c.Param("id") == "13" {
					return thing("thirteen")(c) // breaks the response schema
				}
				if c.Param("id") == "7" {
					return errDomain
				}
				return thing(1)(c)
			})
			e.GET(p+"/things/special", thing(2))
			e.POST(p+"/things", thing(3))
			e.GET(p+"/public", thing(4))
			e.POST(p+"/open", thing(5))
			e.POST(p+"/open-default", thing(6))
		},
		Authenticate: func(ctx context.Context, in *openapi3filter.AuthenticationInput) error {
			if ctx.Value(ctxKey{}) != "seen" {
				return errors.New("context value lost before authentication")
			}
			switch in.RequestValidationInput.Request.Header.Get("X-Key") {
			case "good":
				SetPrincipal(ctx, "caller")
				return nil
			case "weak":
				return Forbidden("this key may not")
			}
			return Unauthorized("who are you?")
		},
		Errors: []Status{{errDomain, http.StatusNotFound}},
		WriteError: func(c echo.Context, status int, msgs []string) error {
			return c.JSON(status, map[string]any{"problems": msgs})
		},
	}
	for _, f := range adjust {
		f(api)
	}
	s.Mount(api)
	return s, &mismatches
}

var errDomain = errors.New("no thing 7")

func TestServer(t *testing.T) {
	s, mismatches := newTestServer(t)
	tests := []struct {
		name, method, path, key, body string
		status                        int
		want                          []string // substrings of the problems, in order
	}{
		{"ok", "GET", "/api/things/5", "good", "", 200, nil},
		{"concrete path wins", "GET", "/api/things/special", "good", "", 200, nil},
		{"no key", "GET", "/api/things/5", "", "", 401, []string{"who are you?"}},
		{"auth before validation", "GET", "/api/things/abc", "", "", 401, []string{"who are you?"}},
		{"forbidden", "GET", "/api/things/5", "weak", "", 403, []string{"this key may not"}},
		{"public", "GET", "/api/public", "", "", 200, nil},
		{"bad path param", "GET", "/api/things/abc", "good", "", 400, []string{`parameter "id" in path: value "abc" is an invalid integer`}},
		{"param below minimum", "GET", "/api/things/0", "good", "", 400, []string{`parameter "id" in path: number must be at least 1`}},
		{"domain error mapped", "GET", "/api/things/7", "good", "", 404, []string{"no thing 7"}},
		{"good body", "POST", "/api/things", "good", `{"name":"x","size":3}`, 200, nil},
		{"every body problem named", "POST", "/api/things", "good", `{"name":"","size":11,"extra":1}`, 400,
			[]string{`request body: field "name"`, `request body: field "size"`, `extra`}},
		{"missing field", "POST", "/api/things", "good", `{"size":1}`, 400, []string{`property "name" is missing`}},
		// encoding/json would bind "NAME" onto Name after validation saw "name": a closed
		// schema (additionalProperties: false) refuses the case variant outright.
		{"case-variant duplicate refused", "POST", "/api/things", "good", `{"name":"x","size":3,"NAME":""}`, 400, []string{`NAME`}},
		{"not json", "POST", "/api/things", "good", `{"name":`, 400, []string{"request body"}},
		// An open schema lets unknown members through, but not one that differs from a
		// property only by case: encoding/json would bind it onto that property unchecked.
		{"open schema: other member", "POST", "/api/open", "good", `{"name":"x","other":1}`, 200, nil},
		{"open schema: case variant", "POST", "/api/open", "good", `{"name":"x","NAME":""}`, 400,
			[]string{`request body: field "NAME": member names are case-sensitive; "NAME" is not "name"`}},
		{"open schema: escaped case variant", "POST", "/api/open", "good", `{"name":"x","N\u0041ME":""}`, 400, []string{`field "NAME"`}},
		{"open schema: nested case variant", "POST", "/api/open", "good", `{"name":"x","tags":[{"label":"a","Label":""}]}`, 400,
			[]string{`field "tags/0/Label"`}},
		{"kin path (defaults): case variant", "POST", "/api/open-default", "good", `{"NAME":"x"}`, 400, []string{`field "NAME"`}},
		{"kin path (defaults): fine", "POST", "/api/open-default", "good", `{"other":"x"}`, 200, nil},
		{"body over the limit", "POST", "/api/things", "good", `{"name":"` + strings.Repeat("x", DefaultMaxBodyBytes) + `","size":1}`, 400,
			[]string{"bytes is more than the limit of 1048576"}},
		{"unknown route", "GET", "/api/nowhere", "good", "", 404, []string{"no operation GET /api/nowhere"}},
		{"wrong method", "DELETE", "/api/things/5", "good", "", 405, []string{"not allowed"}},
		{"response breaks the spec", "GET", "/api/things/13", "good", "", 500, []string{"does not match its API specification"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			if tc.key != "" {
				req.Header.Set("X-Key", tc.key)
			}
			rec := httptest.NewRecorder()
			before := len(*mismatches)
			s.ServeHTTP(rec, req)
			wantMismatch := tc.name == "response breaks the spec"
			if got := len(*mismatches) - before; got != map[bool]int{false: 0, true: 1}[wantMismatch] {
				t.Errorf("%d response mismatches reported, want mismatch=%v", got, wantMismatch)
			}
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			var got struct{ Problems []string }
			_ = json.Unmarshal(rec.Body.Bytes(), &got)
			all := strings.Join(got.Problems, "\n")
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("problems %q lack %q", got.Problems, w)
				}
			}
			if tc.status >= 400 && len(got.Problems) == 0 {
				t.Errorf("error not in the API's shape: %s", rec.Body)
			}
		})
	}
}

func TestRoutesLookup(t *testing.T) {
	s, _ := newTestServer(t)
	r := s.Routes()
	cases := map[string]string{
		"GET /api/things/:id":     "getThing",
		"GET /api/things/special": "getSpecialThing",
		"POST /api/things":        "createThing",
		"GET /api/public":         "getPublic",
		"DELETE /api/things/:id":  "",
		"GET /api/things/{id}":    "",
		"GET /other/things/:id":   "",
	}
	for key, want := range cases {
		method, path, _ := strings.Cut(key, " ")
		got := ""
		if op := r.Lookup(method, path); op != nil {
			got = op.ID
		}
		if got != want {
			t.Errorf("%s → %q, want %q", key, got, want)
		}
	}
	if EchoPath("/p", "/a/{b}/c/{d}") != "/p/a/:b/c/:d" {
		t.Error(EchoPath("/p", "/a/{b}/c/{d}"))
	}
}

// A body of unknown length is cut at the limit while it is read.
func TestBodyLimitWithoutLength(t *testing.T) {
	s, _ := newTestServer(t)
	req := httptest.NewRequest("POST", "/api/things", strings.NewReader(`{"name":"`+strings.Repeat("x", DefaultMaxBodyBytes)+`","size":1}`))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Key", "good")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "request body") || !strings.Contains(rec.Body.String(), "too large") {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
}
