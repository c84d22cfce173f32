package kit

import (
	"context"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"
)

// API describes one mounted API: its spec, where it lives and how it speaks errors.
type API struct {
	// Name is the spec's file name without extension ("cvm"); it labels metrics and logs.
	Name string
	// Prefix is where the spec's paths are mounted ("/cvm/api/client"); empty for the root.
	Prefix string
	// Spec is the API's parsed spec (openapi.Load).
	Spec *openapi3.T
	// Register adds the generated handlers to r under prefix: it is the generated
	// RegisterHandlersWithBaseURL (r satisfies the generated EchoRouter interface).
	Register func(r EchoRouter, prefix string)
	// Authenticate enforces the spec's security schemes. Its error picks the refusal: an
	// *AuthError gives its status, an error of a kind in Errors (or a domain kind) the
	// status mapped to it; anything else is a 500. It may call SetPrincipal.
	Authenticate openapi3filter.AuthenticationFunc
	// Errors maps kinds of error (tested with errors.Is) to statuses, before the shared
	// table of domain kinds (DefaultStatuses). An API lists here only its own kinds.
	Errors []Status
	// WriteError writes messages in the API's documented error shape.
	WriteError func(c echo.Context, status int, messages []string) error
	// ValidationStatus is the status of a request refused by validation; 0 means 400.
	// (OpenStackID documents 412 for invalid parameters.)
	ValidationStatus int
	// Normalize, if set, may adjust a request of this API before it is authenticated and
	// validated (e.g. tsuru's CLI sends JSON without a Content-Type).
	Normalize func(r *http.Request, op *Operation)
	// Middleware is the API's own cross-cutting behaviour (CORS, JSON-P, conditional
	// requests, rate limits, …). It runs for every request of one of its operations, around
	// authentication, validation and the handler, and inside the error mapping: an error it
	// returns is answered in the API's shape. Responses are validated against the spec
	// (when asked) before they reach it, so a middleware that rewrites a body (JSON-P) sees
	// the checked JSON. OperationFrom(ctx) tells it which operation runs; Authenticate(c)
	// runs authentication early when it needs the caller.
	Middleware []echo.MiddlewareFunc
}

// EchoRouter is what the generated RegisterHandlers functions register routes on.
type EchoRouter interface {
	CONNECT(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route
	DELETE(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route
	GET(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route
	HEAD(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route
	OPTIONS(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route
	PATCH(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route
	POST(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route
	PUT(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route
	TRACE(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route
}

// AuthError is returned by an API's Authenticate to choose the status of the refusal.
type AuthError struct {
	Status  int
	Message string
	// Err is the underlying failure, if any (logged for statuses ≥ 500, never sent).
	Err error
}

func (e *AuthError) Error() string { return e.Message }

func (e *AuthError) Unwrap() error { return e.Err }

// Unauthorized is a 401 AuthError.
func Unauthorized(msg string) *AuthError {
	return &AuthError{Status: http.StatusUnauthorized, Message: msg}
}

// Forbidden is a 403 AuthError.
func Forbidden(msg string) *AuthError { return &AuthError{Status: http.StatusForbidden, Message: msg} }

type requestKey struct{}

// requestState is what kit keeps for one request of an operation: the operation, the
// caller set by authentication, the outcome of authentication once it has run, and the
// validation input. It is carried by the request's context, which it embeds: one
// allocation for all of it.
type requestState struct {
	context.Context
	op        *Operation
	srv       *Server
	principal any
	authDone  bool
	authCode  int
	authMsgs  []string
	in        requestInput
	problems  []Problem     // why validation refused the request
	body      validatedBody // the JSON body, once validated
}

func (c *requestState) Value(key any) any {
	if key == (requestKey{}) {
		return c
	}
	return c.Context.Value(key)
}

func stateOf(ctx context.Context) *requestState {
	s, _ := ctx.Value(requestKey{}).(*requestState)
	return s
}

// WithPrincipalSlot returns ctx with an empty principal slot, for code that runs an API's
// authentication function outside a Server (benchmarks, other middleware stacks): the
// function's SetPrincipal then reaches PrincipalFrom on the returned context.
func WithPrincipalSlot(ctx context.Context) context.Context { return &requestState{Context: ctx} }

// SetPrincipal records who the caller is; authentication functions call it.
func SetPrincipal(ctx context.Context, p any) {
	if s := stateOf(ctx); s != nil {
		s.principal = p
	}
}

// PrincipalFrom returns the caller recorded by SetPrincipal during this request.
func PrincipalFrom[T any](ctx context.Context) (T, bool) {
	var zero T
	s := stateOf(ctx)
	if s == nil || s.principal == nil {
		return zero, false
	}
	p, ok := s.principal.(T)
	return p, ok
}

// Caller returns the authenticated caller of a protected operation. Handlers of protected
// operations only run after authentication has set it, so its absence is a wiring bug:
// Caller panics (answered as a 500) rather than act as nobody.
func Caller[T any](ctx context.Context) T {
	p, ok := PrincipalFrom[T](ctx)
	if !ok {
		panic("kit: handler of a protected operation reached without an authenticated caller")
	}
	return p
}

// OperationFrom returns the spec operation the request is for, or nil outside one.
func OperationFrom(ctx context.Context) *Operation {
	if s := stateOf(ctx); s != nil {
		return s.op
	}
	return nil
}
