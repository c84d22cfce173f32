package kit

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"
)

// Options configures a Server.
type Options struct {
	// ValidateResponses checks every response of a spec operation against the spec. A
	// mismatch is reported to OnResponseMismatch and replaced by a 500 in the API's shape.
	ValidateResponses bool
	// OnResponseMismatch is told of every response that does not match the spec. Tests set
	// it to fail; nil only logs.
	OnResponseMismatch func(op *Operation, status int, err error)
	Logger             *slog.Logger
	Metrics            *Metrics
	// Inner is middleware run for every operation after authentication and validation,
	// right before its handler (tests use it to see which operation ran).
	Inner []echo.MiddlewareFunc
	// MaxBodyBytes bounds a request body that validation reads; a larger one is refused
	// with 400 before it is read. 0 means DefaultMaxBodyBytes, < 0 no bound.
	MaxBodyBytes int64
}

// DefaultMaxBodyBytes is the body bound when Options.MaxBodyBytes is 0.
const DefaultMaxBodyBytes = 1 << 20

// Server is an echo instance with spec-driven validation, error shapes and metrics for
// every API mounted on it.
type Server struct {
	Echo    *echo.Echo
	routes  Routes
	opts    Options
	log     *slog.Logger
	reqOpts openapi3filter.Options
}

// New returns a server with no API mounted.
func New(opts Options) *Server {
	s := &Server{Echo: echo.New(), opts: opts, log: opts.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.Echo.HideBanner = true
	s.Echo.HidePort = true
	s.Echo.HTTPErrorHandler = s.handleError
	// echo's DefaultBinder stays: the generated strict handlers bind the body validation
	// kept (KeepValidatedValue) through runtime.BindJSONValue only when it is in place.
	s.Echo.Use(s.observe, s.recoverPanic)
	s.reqOpts = openapi3filter.Options{
		MultiError: true,
		// Security is checked before anything else, by serve itself.
		AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		// The body value validation decoded is left on the request, and the generated
		// handlers bind it: one read and one decode per request.
		KeepValidatedValue: true,
	}
	return s
}

// Mount registers api's generated handlers, each behind its operation's chain: enter
// (request state, Normalize), the API's middleware, serve (authentication, validation,
// error mapping and response validation), then the handler. The chain is put together
// once per route, here.
func (s *Server) Mount(api *API) {
	s.routes.add(api)
	api.Register(router{s: s, api: api}, api.Prefix)
}

// router is the EchoRouter given to an API's Register: it puts each route behind its
// operation's chain.
type router struct {
	s   *Server
	api *API
}

func (r router) add(method, path string, h echo.HandlerFunc, m []echo.MiddlewareFunc) *echo.Route {
	op := r.s.routes.Lookup(method, path)
	if op == nil || op.API != r.api {
		// The generated code and the spec disagree: a wiring bug, found at start-up.
		panic(fmt.Sprintf("kit: %s %s is registered by %s but is not an operation of its spec", method, path, r.api.Name))
	}
	chain := make([]echo.MiddlewareFunc, 0, len(r.api.Middleware)+len(r.s.opts.Inner)+len(m)+2)
	chain = append(chain, r.s.enter(op))
	chain = append(chain, r.api.Middleware...)
	chain = append(chain, r.s.serve(op))
	chain = append(chain, r.s.opts.Inner...)
	chain = append(chain, m...)
	return r.s.Echo.Add(method, path, h, chain...)
}

func (r router) CONNECT(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodConnect, p, h, m)
}
func (r router) DELETE(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodDelete, p, h, m)
}
func (r router) GET(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodGet, p, h, m)
}
func (r router) HEAD(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodHead, p, h, m)
}
func (r router) OPTIONS(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodOptions, p, h, m)
}
func (r router) PATCH(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodPatch, p, h, m)
}
func (r router) POST(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodPost, p, h, m)
}
func (r router) PUT(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodPut, p, h, m)
}
func (r router) TRACE(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodTrace, p, h, m)
}

var _ EchoRouter = router{}

// Routes exposes the route table (tests walk it).
func (s *Server) Routes() *Routes { return &s.routes }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.Echo.ServeHTTP(w, r) }

func pathParams(c echo.Context) map[string]string {
	names := c.ParamNames()
	if len(names) == 0 {
		return nil
	}
	values := c.ParamValues()
	m := make(map[string]string, len(names))
	for i, n := range names {
		if i < len(values) {
			m[n] = values[i]
		}
	}
	return m
}

// handleError is echo's error handler: it sees what no operation handled (unknown routes,
// wrong methods, panics) and answers in the shape of the API whose prefix the path is under.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status := http.StatusInternalServerError
	msg := "internal error"
	var he *echo.HTTPError
	if errors.As(err, &he) {
		status = he.Code
		msg = fmt.Sprint(he.Message)
	}
	switch status {
	case http.StatusNotFound:
		msg = fmt.Sprintf("no operation %s %s", c.Request().Method, c.Request().URL.Path)
	case http.StatusMethodNotAllowed:
		msg = fmt.Sprintf("method %s is not allowed on %s", c.Request().Method, c.Request().URL.Path)
	}
	if status >= 500 {
		s.log.ErrorContext(c.Request().Context(), "unhandled error", "path", c.Request().URL.Path, "err", err)
	}
	if api := s.routes.APIFor(c.Request().URL.Path); api != nil {
		_ = api.WriteError(c, status, []string{msg})
		return
	}
	_ = c.JSON(status, map[string]string{"message": msg})
}

func (s *Server) recoverPanic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				s.log.ErrorContext(c.Request().Context(), "panic", "path", c.Request().URL.Path, "panic", fmt.Sprint(r))
				err = echo.NewHTTPError(http.StatusInternalServerError, "internal error")
			}
		}()
		return next(c)
	}
}

// observe logs every request and records per-operation metrics. When neither is wanted
// (no metrics, logging disabled) it costs nothing beyond the call.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err)
		}
		req := c.Request()
		status := c.Response().Status
		lvl := slog.LevelInfo
		if status >= 500 {
			lvl = slog.LevelError
		}
		logging := s.log.Enabled(req.Context(), lvl)
		if s.opts.Metrics == nil && !logging {
			return nil
		}
		elapsed := time.Since(start)
		api, opID := "", "unmatched"
		if op := OperationFrom(req.Context()); op != nil {
			api, opID = op.API.Name, op.ID
		} else if a := s.routes.APIFor(req.URL.Path); a != nil {
			api = a.Name
		}
		if s.opts.Metrics != nil && api != "" {
			s.opts.Metrics.observe(api, opID, status, elapsed)
		}
		if logging {
			s.log.LogAttrs(req.Context(), lvl, "request",
				slog.String("method", req.Method), slog.String("path", req.URL.Path),
				slog.String("api", api), slog.String("op", opID), slog.Int("status", status),
				slog.Duration("duration", elapsed))
		}
		return nil
	}
}
