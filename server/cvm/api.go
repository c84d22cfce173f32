package cvm

import (
	"context"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"

	gen "github.com/specfirst/specfirst/gen/cvm"
	genserver "github.com/specfirst/specfirst/gen/cvm/server"
	"github.com/specfirst/specfirst/openapi"
	"github.com/specfirst/specfirst/server/kit"
)

// Prefix is where the apiserver mounts the API: the documented base path /api/client,
// under /cvm.
const Prefix = "/cvm/api/client"

// NewAPI describes the CVM client API over st for kit.Server.Mount: its error shape, the
// statuses of its own kinds of error, and its authentication.
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
		Register: func(r kit.EchoRouter, prefix string) {
			genserver.RegisterHandlersWithBaseURL(r, genserver.NewStrictHandler(h, nil), prefix)
		},
		Authenticate: authenticator(st),
		Errors: []kit.Status{
			{Kind: ErrBadTokenPair, Code: http.StatusUnauthorized},
			{Kind: ErrNoClientAccess, Code: http.StatusForbidden},
			{Kind: ErrNodeUnreachable, Code: http.StatusServiceUnavailable},
			// The document answers a refused action with a 500.
			{Kind: ErrActionRefused, Code: http.StatusInternalServerError},
		},
		WriteError: writeError,
	}, nil
}

// authenticator enforces the spec's publicToken+privateToken requirement. kin-openapi
// calls it once per scheme of the requirement; the pair is checked on the first call and
// the second only confirms it. Its errors are mapped by the table above.
func authenticator(st Store) openapi3filter.AuthenticationFunc {
	return func(ctx context.Context, in *openapi3filter.AuthenticationInput) error {
		if _, ok := kit.PrincipalFrom[Caller](ctx); ok {
			return nil
		}
		h := in.RequestValidationInput.Request.Header
		c, err := st.Authenticate(ctx, h.Get("API-Public-Token"), h.Get("API-Private-Token"))
		if err != nil {
			return err
		}
		kit.SetPrincipal(ctx, c)
		return nil
	}
}

// writeError writes CVM's documented error envelope: {"errors": ["…"]}.
func writeError(c echo.Context, status int, msgs []string) error {
	if len(msgs) == 0 {
		msgs = []string{http.StatusText(status)}
	}
	return c.JSON(status, gen.ErrorResponse{Errors: msgs})
}
