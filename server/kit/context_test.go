package kit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"
)

// The request's own context — cancellation, deadline and values — reaches the
// authentication function and the handler; and a handler that binds the body gets what
// validation decoded.
func TestContextReachesAuthAndHandler(t *testing.T) {
	spec, err := openapi3.NewLoader().LoadFromData([]byte(testSpec))
	if err != nil {
		t.Fatal(err)
	}
	type seen struct {
		value    any
		deadline bool
		err      error
	}
	var inAuth, inHandler seen
	look := func(ctx context.Context) seen {
		_, ok := ctx.Deadline()
		return seen{ctx.Value(ctxKey{}), ok, ctx.Err()}
	}
	var bound struct {
		Name string `json:"name"`
		Size int    `json:"size"`
	}
	s := New(Options{})
	s.Mount(&API{
		Name: "test", Prefix: "/api", Spec: spec,
		Register: func(e EchoRouter, p string) {
			e.POST(p+"/things", func(c echo.Context) error {
				inHandler = look(c.Request().Context())
				// Validation leaves the value it decoded on the body (KeepValidatedValue), for
				// the generated handlers' runtime.BindJSONValue: no second decode.
				vb, ok := c.Request().Body.(interface{ ValidatedValue() any })
				if !ok {
					return errors.New("the body carries no validated value")
				}
				if m, _ := vb.ValidatedValue().(map[string]any); m["name"] != "x" {
					return fmt.Errorf("validated value %v", vb.ValidatedValue())
				}
				if err := c.Bind(&bound); err != nil {
					return err
				}
				return c.JSON(http.StatusOK, map[string]any{"id": 1})
			})
		},
		Authenticate: func(ctx context.Context, in *openapi3filter.AuthenticationInput) error {
			inAuth = look(ctx)
			SetPrincipal(ctx, "caller")
			return nil
		},
		WriteError: func(c echo.Context, status int, msgs []string) error {
			return c.JSON(status, map[string]any{"problems": msgs})
		},
	})

	send := func(ctx context.Context) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/api/things", strings.NewReader(`{"name":"x","size":3}`)).WithContext(ctx)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		return rec
	}

	ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), ctxKey{}, "seen"), time.Hour)
	defer cancel()
	if rec := send(ctx); rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	for where, got := range map[string]seen{"auth": inAuth, "handler": inHandler} {
		if got.value != "seen" || !got.deadline || got.err != nil {
			t.Errorf("%s saw value %v, deadline %v, err %v", where, got.value, got.deadline, got.err)
		}
	}
	if bound.Name != "x" || bound.Size != 3 {
		t.Errorf("handler bound %+v", bound)
	}

	cancelled, cancel2 := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "seen"))
	cancel2()
	send(cancelled)
	if !errors.Is(inAuth.err, context.Canceled) {
		t.Errorf("authentication did not see the cancellation: %v", inAuth.err)
	}
}
