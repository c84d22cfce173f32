package validation

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"
	echomw "github.com/oapi-codegen/echo-middleware"

	"github.com/specfirst/specfirst/server/kit"
)

// Mode is one way of serving an API.
type Mode string

const (
	ModeNone    Mode = "none"            // generated handlers on echo, authentication only
	ModeEchoMW  Mode = "echo-middleware" // oapi-codegen/echo-middleware v1.0.2 in front
	ModeKit     Mode = "kit"             // server/kit, as the apiserver runs it
	ModeNetHTTP Mode = "net/http"        // a plain handler writing the same bytes
)

// Modes in the order they are reported.
var Modes = []Mode{ModeNone, ModeEchoMW, ModeKit, ModeNetHTTP}

// Handlers builds the three echo servings of api. All of them authenticate with the API's
// own function (and so reach the store for the caller), since an unvalidated server
// authenticates too: what differs is the validation of parameters and bodies.
func Handlers(api *kit.API) (map[Mode]http.Handler, error) {
	// The route table finds the spec route for the authentication input in ModeNone.
	ref := kit.New(kit.Options{})
	ref.Mount(api)
	routes := ref.Routes()

	none := echo.New()
	none.Use(authOnly(api, routes))
	api.Register(none, api.Prefix)

	em, err := echoMiddleware(api)
	if err != nil {
		return nil, err
	}

	ours := kit.New(kit.Options{})
	ours.Mount(api)
	return map[Mode]http.Handler{ModeNone: none, ModeEchoMW: em, ModeKit: ours}, nil
}

// authOnly authenticates as kit does, without validating anything.
func authOnly(api *kit.API, routes *kit.Routes) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			ctx := kit.WithPrincipalSlot(req.Context())
			req = req.WithContext(ctx)
			c.SetRequest(req)
			op := routes.Lookup(req.Method, c.Path())
			if op == nil || len(op.Security) == 0 {
				return next(c)
			}
			params := map[string]string{}
			for i, n := range c.ParamNames() {
				params[n] = c.ParamValues()[i]
			}
			in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: op.Route}
			for name := range op.Security[0] {
				if err := api.Authenticate(ctx, &openapi3filter.AuthenticationInput{RequestValidationInput: in, SecuritySchemeName: name}); err != nil {
					return echo.NewHTTPError(http.StatusUnauthorized, err.Error())
				}
			}
			return next(c)
		}
	}
}

// echoMiddleware serves api behind oapi-codegen's validator, configured so that it really
// validates: its kin-openapi router matches the spec's servers, so the spec it gets is
// told that the API lives under the prefix (oapi-codegen #882), and authentication goes
// through the API's function with the request's context.
func echoMiddleware(api *kit.API) (http.Handler, error) {
	spec := *api.Spec
	prefix := api.Prefix
	if prefix == "" {
		prefix = "/"
	}
	spec.Servers = openapi3.Servers{{URL: prefix}}
	e := echo.New()
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.SetRequest(c.Request().WithContext(kit.WithPrincipalSlot(c.Request().Context())))
			return next(c)
		}
	})
	e.Use(echomw.OapiRequestValidatorWithOptions(&spec, &echomw.Options{
		SilenceServersWarning: true,
		Options: openapi3filter.Options{
			MultiError: true,
			AuthenticationFunc: func(ctx context.Context, in *openapi3filter.AuthenticationInput) error {
				c := echomw.GetEchoContext(ctx)
				if c == nil {
					return fmt.Errorf("no echo context")
				}
				return api.Authenticate(c.Request().Context(), in)
			},
		},
	}))
	api.Register(e, api.Prefix)
	return e, nil
}

// Recorded is what a handler answered.
type Recorded struct {
	Status int
	Header http.Header
	Body   []byte
}

// Record sends r once through h.
func Record(h http.Handler, r *Request) Recorded {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r.New())
	return Recorded{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// NetHTTP is a plain handler that writes rec.
func NetHTTP(rec Recorded) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		for k, v := range rec.Header {
			h[k] = v
		}
		w.WriteHeader(rec.Status)
		_, _ = w.Write(rec.Body)
	})
}

// New builds a fresh *http.Request.
func (r *Request) New() *http.Request {
	req := httptest.NewRequest(r.Method, r.Path, bytes.NewReader(r.Body))
	for k, v := range r.Header {
		req.Header[k] = v
	}
	return req
}

// sender replays one request many times with little per-iteration cost, the same for
// every mode: a shallow copy of a template request with its body reader rewound.
type sender struct {
	tmpl *http.Request
	body *bytes.Reader
	rc   io.ReadCloser
	w    *discardWriter
}

func newSender(r *Request) *sender {
	s := &sender{tmpl: r.New(), body: bytes.NewReader(r.Body), w: &discardWriter{h: http.Header{}}}
	s.rc = io.NopCloser(s.body)
	return s
}

// send serves one request and returns the status.
func (s *sender) send(h http.Handler, body []byte) int {
	req := new(http.Request)
	*req = *s.tmpl
	if body != nil {
		s.body.Reset(body)
		req.Body = s.rc
		req.ContentLength = int64(len(body))
	} else {
		req.Body = http.NoBody
	}
	s.w.reset()
	h.ServeHTTP(s.w, req)
	return s.w.status
}

type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) reset() {
	clear(w.h)
	w.status = 0
}
func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) WriteHeader(s int) {
	if w.status == 0 {
		w.status = s
	}
}
func (w *discardWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(b), nil
}
