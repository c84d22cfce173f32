package kit

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/specfirst/specfirst/server/domain"
	"github.com/specfirst/specfirst/server/storage"
)

// Status maps a kind of error (matched with errors.Is) to an HTTP status.
type Status struct {
	Kind error
	Code int
}

// DefaultStatuses is the table shared by every API, consulted after the API's own.
var DefaultStatuses = []Status{
	{domain.ErrInvalid, http.StatusBadRequest},
	{domain.ErrUnauthorized, http.StatusUnauthorized},
	{domain.ErrForbidden, http.StatusForbidden},
	{domain.ErrNotFound, http.StatusNotFound},
	{domain.ErrConflict, http.StatusConflict},
	{domain.ErrPrecondition, http.StatusPreconditionFailed},
	{domain.ErrRateLimited, http.StatusTooManyRequests},
	{domain.ErrUnavailable, http.StatusServiceUnavailable},
}

// MsgUnavailable is the message of the 503 every API answers while its database is away.
const MsgUnavailable = "The database is unavailable; try again shortly."

// StatusClientClosed is recorded (never sent: nobody is listening) for a request whose
// client went away before it was answered, as nginx does.
const StatusClientClosed = 499

// statusOf maps err through the API's table, then the shared one; a lost database is a 503.
// ok is false for errors no table knows (internal errors).
func (api *API) statusOf(err error) (code int, msg string, ok bool) {
	for _, s := range api.Errors {
		if errors.Is(err, s.Kind) {
			return s.Code, err.Error(), true
		}
	}
	for _, s := range DefaultStatuses {
		if errors.Is(err, s.Kind) {
			return s.Code, err.Error(), true
		}
	}
	var ae *AuthError
	if errors.As(err, &ae) {
		return ae.Status, ae.Message, true
	}
	if storage.IsUnavailable(err) {
		return http.StatusServiceUnavailable, MsgUnavailable, true
	}
	return 0, "", false
}

// mapError turns an error returned by a handler or a middleware into a status and messages.
func (s *Server) mapError(ctx context.Context, api *API, err error) (int, []string) {
	// Whatever failed, a request whose client went away failed because of that (the
	// database driver reports the cancellation in its own words).
	if errors.Is(ctx.Err(), context.Canceled) {
		return StatusClientClosed, []string{"the client closed the request"}
	}
	if code, msg, ok := api.statusOf(err); ok {
		return code, []string{msg}
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		msg := fmt.Sprint(he.Message)
		if he.Internal != nil && he.Code < 500 {
			msg += ": " + he.Internal.Error()
		}
		return he.Code, []string{msg}
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return http.StatusServiceUnavailable, []string{"the request was cancelled or timed out"}
	}
	return http.StatusInternalServerError, []string{"internal error"}
}

// writeHandlerError maps an error returned by a handler or a middleware into the API's
// error shape, unless a response has already been sent.
func (s *Server) writeHandlerError(c echo.Context, api *API, err error) error {
	ctx := c.Request().Context()
	if c.Response().Committed {
		s.log.ErrorContext(ctx, "handler failed after writing", "api", api.Name, "err", err)
		return nil
	}
	status, msgs := s.mapError(ctx, api, err)
	if status == StatusClientClosed {
		// Nobody is listening; record the outcome for logs and metrics only.
		c.Response().Status = status
		return nil
	}
	if status >= 500 {
		s.log.ErrorContext(ctx, "handler error", "api", api.Name, "path", c.Path(), "status", status, "err", err)
	}
	return api.WriteError(c, status, msgs)
}
