package cvm

import (
	"context"
	"errors"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"

	gen "github.com/specfirst/specfirst/gen/cvm"
	"github.com/specfirst/specfirst/openapi"
	"github.com/specfirst/specfirst/server/kit"
	"github.com/specfirst/specfirst/server/storage"
)

// Prefix is where the apiserver mounts the API: the documented base path /api/client,
// under /cvm.
const Prefix = "/cvm/api/client"

// NewAPI describes the CVM client API over st for kit.Server.Mount.
func NewAPI(st Store, prefix string) (*kit.API, error) {
	spec, err := openapi.Load("cvm")
	if err != nil {
		return nil, err
	}
	h := NewHandlers(st)
	return &kit.API{
		Name:   "cvm",
		Prefix: prefix,
		Spec:   spec,
		Register: func(e *echo.Echo, prefix string) {
			gen.RegisterHandlersWithBaseURL(e, gen.NewStrictHandler(h, nil), prefix)
		},
		Authenticate: authenticator(st),
		MapError:     mapError,
		WriteError:   writeError,
	}, nil
}

// authenticator enforces the spec's publicToken+privateToken requirement. kin-openapi
// calls it once per scheme of the requirement; the pair is checked on the first call and
// the second only confirms it.
func authenticator(st Store) openapi3filter.AuthenticationFunc {
	return func(ctx context.Context, in *openapi3filter.AuthenticationInput) error {
		if _, ok := kit.PrincipalFrom[Caller](ctx); ok {
			return nil
		}
		h := in.RequestValidationInput.Request.Header
		c, err := st.Authenticate(ctx, h.Get("API-Public-Token"), h.Get("API-Private-Token"))
		switch {
		case errors.Is(err, ErrBadTokenPair):
			return kit.Unauthorized(err.Error())
		case errors.Is(err, ErrNoClientAccess):
			return kit.Forbidden(err.Error())
		case err != nil:
			return kit.AuthFailed(err, mapError)
		}
		kit.SetPrincipal(ctx, c)
		return nil
	}
}

// mapError is the one place where CVM's domain errors become statuses.
func mapError(err error) (int, []string) {
	var (
		nf *NotFoundError
		ae *ActionError
	)
	switch {
	case errors.As(err, &nf):
		return http.StatusNotFound, []string{nf.Error()}
	case errors.As(err, &ae):
		return http.StatusInternalServerError, []string{ae.Error()}
	case errors.Is(err, ErrNodeUnreachable):
		return http.StatusServiceUnavailable, []string{err.Error()}
	case errors.Is(err, ErrBadTokenPair):
		return http.StatusUnauthorized, []string{err.Error()}
	case errors.Is(err, ErrNoClientAccess):
		return http.StatusForbidden, []string{err.Error()}
	case storage.IsUnavailable(err):
		return http.StatusServiceUnavailable, []string{"The database is unavailable; try again shortly."}
	}
	return 0, nil
}

// writeError writes CVM's documented error envelope: {"errors": ["…"]}.
func writeError(c echo.Context, status int, msgs []string) error {
	if len(msgs) == 0 {
		msgs = []string{http.StatusText(status)}
	}
	return c.JSON(status, gen.ErrorResponse{Errors: msgs})
}
