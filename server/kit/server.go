package kit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
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
	s.Echo.Binder = &Binder{routes: &s.routes}
	s.Echo.Use(s.observe, s.recoverPanic, s.validate)
	s.reqOpts = openapi3filter.Options{
		MultiError: true,
		// Security is checked before anything else, by validate itself.
		AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
	}
	return s
}

// Mount registers api's generated handlers and puts its operations under validation.
func (s *Server) Mount(api *API) {
	api.Register(s.Echo, api.Prefix)
	s.routes.add(api)
}

// Routes exposes the route table (tests walk it).
func (s *Server) Routes() *Routes { return &s.routes }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.Echo.ServeHTTP(w, r) }

// validate finds the spec operation from echo's route match, authenticates, validates the
// request, runs the handler, maps its error in the API's shape and, when asked, checks the
// response.
func (s *Server) validate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		op := s.routes.Lookup(req.Method, c.Path())
		if op == nil {
			return next(c)
		}
		api := op.API
		if api.Normalize != nil {
			api.Normalize(req, op)
		}
		// The request keeps its context (cancellation, deadline, values); only the
		// principal slot is added.
		ctx := withPrincipalSlot(req.Context())
		req = req.WithContext(ctx)
		c.SetRequest(req)

		var capture *captureWriter
		if s.opts.ValidateResponses {
			capture = newCaptureWriter(c.Response().Writer)
			c.Response().Writer = capture
		}

		ri := &requestInput{rvi: openapi3filter.RequestValidationInput{
			Request: req, PathParams: pathParams(c), Route: op.Route, Options: &s.reqOpts,
		}}
		var err error
		if status, msgs := s.checkRequest(ctx, op, ri); status != 0 {
			err = api.WriteError(c, status, msgs)
		} else if herr := next(c); herr != nil {
			err = s.writeHandlerError(c, api, herr)
		}
		if capture != nil {
			s.checkResponse(ctx, c, op, capture, ri.rvi.PathParams)
		}
		return err
	}
}

// checkRequest returns a non-zero status and messages when the request must be refused.
func (s *Server) checkRequest(ctx context.Context, op *Operation, ri *requestInput) (int, []string) {
	if len(op.Security) > 0 {
		if status, msgs := s.authenticate(ctx, op, ri); status != 0 {
			return status, msgs
		}
	}
	in := &ri.rvi
	var me openapi3.MultiError
	for i, p := range op.Params {
		if f := op.plan.fast[i]; f != nil {
			if raw, ok := in.PathParams[f.param.Name]; ok && f.ok(raw) {
				continue
			}
		}
		if err := openapi3filter.ValidateParameter(ctx, in, p.Value); err != nil {
			me = append(me, err)
		}
	}
	if op.BodyRef != nil {
		if err := s.checkBody(ctx, op, in); err != nil {
			me = append(me, err)
		}
	}
	if len(me) > 0 {
		return http.StatusBadRequest, Messages(me)
	}
	return 0, nil
}

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

// writeHandlerError maps an error returned by a handler into the API's error shape.
func (s *Server) writeHandlerError(c echo.Context, api *API, err error) error {
	if c.Response().Committed {
		s.log.ErrorContext(c.Request().Context(), "handler failed after writing", "api", api.Name, "err", err)
		return nil
	}
	status, msgs := s.mapError(api, err)
	if status >= 500 {
		s.log.ErrorContext(c.Request().Context(), "handler error", "api", api.Name, "path", c.Path(), "status", status, "err", err)
	}
	return api.WriteError(c, status, msgs)
}

func (s *Server) mapError(api *API, err error) (int, []string) {
	if api.MapError != nil {
		if status, msgs := api.MapError(err); status != 0 {
			return status, msgs
		}
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		msg := fmt.Sprint(he.Message)
		if he.Internal != nil && he.Code < 500 {
			msg += ": " + he.Internal.Error()
		}
		return he.Code, []string{msg}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return http.StatusServiceUnavailable, []string{"the request was cancelled or timed out"}
	}
	return http.StatusInternalServerError, []string{"internal error"}
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
		if op := s.routes.Lookup(req.Method, c.Path()); op != nil {
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

// checkResponse validates the captured response and sends it on, or replaces it by a 500.
func (s *Server) checkResponse(ctx context.Context, c echo.Context, op *Operation, w *captureWriter, params map[string]string) {
	resp := c.Response()
	resp.Writer = w.real
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: c.Request(), PathParams: params, Route: op.Route, Options: &s.reqOpts,
		},
		Status:  status,
		Header:  w.header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(w.body.Bytes())
	if err := openapi3filter.ValidateResponse(context.WithoutCancel(ctx), in); err != nil {
		s.log.ErrorContext(ctx, "response does not match the spec", "api", op.API.Name, "op", op.ID, "status", status, "err", err)
		if s.opts.OnResponseMismatch != nil {
			s.opts.OnResponseMismatch(op, status, err)
		}
		resp.Committed, resp.Status, resp.Size = false, 0, 0
		for k := range w.real.Header() {
			delete(w.real.Header(), k)
		}
		_ = op.API.WriteError(c, http.StatusInternalServerError, []string{"the server produced a response that does not match its API specification"})
		return
	}
	h := w.real.Header()
	for k, v := range w.header {
		h[k] = v
	}
	w.real.WriteHeader(status)
	_, _ = w.real.Write(w.body.Bytes())
}

// captureWriter holds a response back until it has been validated.
type captureWriter struct {
	real   http.ResponseWriter
	header http.Header
	status int
	body   bytes.Buffer
}

func newCaptureWriter(real http.ResponseWriter) *captureWriter {
	return &captureWriter{real: real, header: http.Header{}}
}

func (w *captureWriter) Header() http.Header { return w.header }
func (w *captureWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}
func (w *captureWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}

var _ io.Writer = (*captureWriter)(nil)
