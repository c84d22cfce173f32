package kit

import (
	"context"
	"errors"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"
)

// enter starts a request of op: the API's Normalize hook, then the request state on the
// context (which keeps the request's own deadline, cancellation and values). An error
// returned further in — by the API's middleware — is answered in the API's shape.
func (s *Server) enter(op *Operation) echo.MiddlewareFunc {
	api := op.API
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			if api.Normalize != nil {
				api.Normalize(req, op)
			}
			st := &requestState{Context: req.Context(), op: op, srv: s}
			req = req.WithContext(st)
			c.SetRequest(req)
			st.in.rvi = openapi3filter.RequestValidationInput{
				Request: req, PathParams: pathParams(c), Route: op.Route, Options: &s.reqOpts,
			}
			if err := next(c); err != nil {
				return s.writeHandlerError(c, api, err)
			}
			return nil
		}
	}
}

// serve authenticates and validates the request, runs the handler, maps its error in the
// API's shape and, when asked, validates the response before it is sent on (to the API's
// middleware, then the client).
func (s *Server) serve(op *Operation) echo.MiddlewareFunc {
	api := op.API
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			ctx := req.Context()
			st := stateOf(ctx)
			st.in.rvi.Request = req // a middleware may have replaced it
			var capture *captureWriter
			if s.opts.ValidateResponses {
				capture = newCaptureWriter(c.Response().Writer)
				c.Response().Writer = capture
			}
			if status, msgs := s.checkRequest(ctx, st); status != 0 {
				s.refuse(c, api, status, msgs)
			} else if err := next(c); err != nil {
				_ = s.writeHandlerError(c, api, err)
			}
			if capture != nil {
				s.checkResponse(ctx, c, op, capture, st.in.rvi.PathParams)
			}
			return nil
		}
	}
}

// refuse answers a refused request in the API's shape (nothing, if the client has gone).
func (s *Server) refuse(c echo.Context, api *API, status int, msgs []string) {
	if status == StatusClientClosed {
		c.Response().Status = status
		return
	}
	_ = api.WriteError(c, status, msgs)
}

// Authenticate runs the authentication of the request's operation now, for a middleware
// that needs the caller (PrincipalFrom) before the handler; the outcome is kept, and the
// request is not authenticated twice. It returns nil when the caller is authenticated or
// the operation is public; otherwise an error that, returned by the middleware, refuses
// the request in the API's shape — or the middleware may go on and leave the refusal to
// kit.
func Authenticate(c echo.Context) error {
	ctx := c.Request().Context()
	st := stateOf(ctx)
	if st == nil || st.srv == nil {
		return errors.New("kit: Authenticate outside an operation of a kit.Server")
	}
	if code, msgs := st.srv.authOnce(ctx, st); code != 0 {
		msg := http.StatusText(code)
		if len(msgs) > 0 {
			msg = msgs[0]
		}
		return &AuthError{Status: code, Message: msg}
	}
	return nil
}

// authOnce authenticates the request the first time it is asked.
func (s *Server) authOnce(ctx context.Context, st *requestState) (int, []string) {
	if !st.authDone {
		st.authDone = true
		if len(st.op.Security) > 0 {
			st.authCode, st.authMsgs = s.authenticate(ctx, st.op, &st.in)
		}
	}
	return st.authCode, st.authMsgs
}

// checkRequest returns a non-zero status and messages when the request must be refused:
// authentication first (so that a stranger learns nothing from validation errors), then
// every parameter and the body, all problems reported.
func (s *Server) checkRequest(ctx context.Context, st *requestState) (int, []string) {
	if status, msgs := s.authOnce(ctx, st); status != 0 {
		return status, msgs
	}
	op := st.op
	in := &st.in.rvi
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
		status := http.StatusBadRequest
		if op.API.ValidationStatus != 0 {
			status = op.API.ValidationStatus
		}
		st.problems = Problems(me)
		msgs := make([]string, len(st.problems))
		for i, p := range st.problems {
			msgs[i] = p.Message
		}
		return status, msgs
	}
	return 0, nil
}
