package tsuru

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"

	gen "github.com/specfirst/specfirst/gen/tsuru/server"
	"github.com/specfirst/specfirst/openapi"
	"github.com/specfirst/specfirst/server/kit"
)

// Prefix is where the apiserver mounts the API (tsuru's documented base path is /).
const Prefix = "/tsuru"

// NewAPI describes the tsuru API over st for kit.Server.Mount.
func NewAPI(st Store, prefix string) (*kit.API, error) {
	spec, err := openapi.Load("tsuru")
	if err != nil {
		return nil, err
	}
	h := NewHandlers(st)
	return &kit.API{
		Name:   "tsuru",
		Prefix: prefix,
		Spec:   spec,
		Register: func(r kit.EchoRouter, prefix string) {
			gen.RegisterHandlersWithBaseURL(r, gen.NewStrictHandler(h, nil), prefix)
		},
		Authenticate: authenticator(st),
		// The domain kinds map through kit's shared table; this is tsuru's own.
		Errors:     []kit.Status{{Kind: ErrServiceAPI, Code: http.StatusInternalServerError}},
		WriteError: writeError,
		Normalize:  defaultJSONContentType,
	}, nil
}

// authenticator enforces bearerAuth as tsuru did: `Authorization: bearer <token>`, the
// scheme word in any case, and tsuru's two 401 messages, which its CLI matches to ask the
// user to log in again. An application token is only valid on the /apps/{appname}/…
// operations of its own app.
func authenticator(st Store) openapi3filter.AuthenticationFunc {
	return func(ctx context.Context, in *openapi3filter.AuthenticationInput) error {
		if _, ok := kit.PrincipalFrom[Caller](ctx); ok {
			return nil
		}
		rvi := in.RequestValidationInput
		header := rvi.Request.Header.Get("Authorization")
		if header == "" {
			return kit.Unauthorized(MsgNoAuthHeader)
		}
		scheme, token, ok := strings.Cut(header, " ")
		if !ok || !strings.EqualFold(scheme, "bearer") || token == "" || strings.ContainsAny(token, " \t") {
			return kit.Unauthorized(MsgInvalidToken)
		}
		c, err := st.Authenticate(ctx, token)
		switch {
		case errors.Is(err, ErrUnauthorized):
			return kit.Unauthorized(MsgInvalidToken)
		case err != nil:
			return err // mapped by kit (a lost database is a 503)
		}
		if c.AppName != "" {
			if !strings.HasPrefix(rvi.Route.Path, "/apps/{appname}") || rvi.PathParams["appname"] != c.AppName {
				return kit.Unauthorized(MsgInvalidToken)
			}
		}
		kit.SetPrincipal(ctx, c)
		return nil
	}
}

// writeError writes errors as tsuru did, with Go's http.Error: the message as plain text
// followed by a newline (several validation problems one per line).
func writeError(c echo.Context, status int, msgs []string) error {
	if len(msgs) == 0 {
		msgs = []string{http.StatusText(status)}
	}
	c.Response().Header().Set("X-Content-Type-Options", "nosniff")
	return c.Blob(status, "text/plain; charset=utf-8", []byte(strings.Join(msgs, "\n")+"\n"))
}

// defaultJSONContentType is the Normalize hook: tsuru's CLI sends JSON bodies without a
// Content-Type, which the validator and the binder would refuse; for an operation whose body
// is JSON, a request with a body and no Content-Type is labelled JSON.
func defaultJSONContentType(r *http.Request, op *kit.Operation) {
	if op.BodyRef == nil || r.Header.Get("Content-Type") != "" || r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return
	}
	if op.BodyRef.Content.Get("application/json") != nil {
		r.Header.Set("Content-Type", "application/json")
	}
}
