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
	// Register adds the generated handlers to e under Prefix.
	Register func(e *echo.Echo, prefix string)
	// Authenticate enforces the spec's security schemes. It returns an *AuthError to pick
	// the status; any other error is a 401. It may call SetPrincipal.
	Authenticate openapi3filter.AuthenticationFunc
	// MapError turns an error returned by a handler (usually a domain error of the API's
	// store) into a status and messages. Errors it does not know give (0, nil) and fall back
	// to the generic mapping (echo.HTTPError status, else 500).
	MapError func(err error) (status int, messages []string)
	// WriteError writes messages in the API's documented error shape.
	WriteError func(c echo.Context, status int, messages []string) error
	// Normalize, if set, may adjust a request of this API before it is authenticated and
	// validated (e.g. tsuru's CLI sends JSON without a Content-Type).
	Normalize func(r *http.Request, op *Operation)
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

// AuthFailed turns an error met while checking credentials (the store failing, not the
// credentials) into an AuthError through the API's error mapping, so that a lost database
// answers as it does elsewhere (503); errors the mapping does not know are a 500.
func AuthFailed(err error, mapError func(error) (int, []string)) *AuthError {
	if status, msgs := mapError(err); status != 0 && len(msgs) > 0 {
		return &AuthError{Status: status, Message: msgs[0], Err: err}
	}
	return &AuthError{Status: http.StatusInternalServerError, Message: "authentication failed: internal error", Err: err}
}

// Unauthorized is a 401 AuthError.
func Unauthorized(msg string) *AuthError {
	return &AuthError{Status: http.StatusUnauthorized, Message: msg}
}

// Forbidden is a 403 AuthError.
func Forbidden(msg string) *AuthError { return &AuthError{Status: http.StatusForbidden, Message: msg} }

type principalKey struct{}

// principalSlot is put in the request context before authentication, so that the
// authentication function (which only sees a context) can hand the caller to the handlers.
type principalSlot struct{ v any }

// principalCtx is the context carrying the slot: one allocation for both.
type principalCtx struct {
	context.Context
	slot principalSlot
}

func (c *principalCtx) Value(key any) any {
	if key == (principalKey{}) {
		return &c.slot
	}
	return c.Context.Value(key)
}

func withPrincipalSlot(ctx context.Context) context.Context {
	return &principalCtx{Context: ctx}
}

// WithPrincipalSlot returns ctx with an empty principal slot, for code that runs an API's
// authentication function outside a Server (benchmarks, other middleware stacks): the
// function's SetPrincipal then reaches PrincipalFrom on the returned context.
func WithPrincipalSlot(ctx context.Context) context.Context { return withPrincipalSlot(ctx) }

// SetPrincipal records who the caller is; authentication functions call it.
func SetPrincipal(ctx context.Context, p any) {
	if s, ok := ctx.Value(principalKey{}).(*principalSlot); ok {
		s.v = p
	}
}

// PrincipalFrom returns the caller recorded by SetPrincipal during this request.
func PrincipalFrom[T any](ctx context.Context) (T, bool) {
	var zero T
	s, ok := ctx.Value(principalKey{}).(*principalSlot)
	if !ok || s.v == nil {
		return zero, false
	}
	p, ok := s.v.(T)
	return p, ok
}
