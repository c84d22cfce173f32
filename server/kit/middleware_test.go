package kit

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// wrapWriter holds the response back so that the middleware can rewrite it, as JSON-P does.
type wrapWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *wrapWriter) WriteHeader(s int)           { w.status = s }
func (w *wrapWriter) Write(b []byte) (int, error) { return w.body.Write(b) }

// TestMiddlewareSlot proves the order of an API's middleware: it runs after the operation
// is known and around authentication, validation and the handler; responses reach it after
// they have been validated as JSON (so wrapping them breaks nothing); an error it returns
// is answered in the API's shape; and kit.Authenticate gives it the caller early.
func TestMiddlewareSlot(t *testing.T) {
	var sawOp, sawCaller string
	errRefused := errors.New("slow down")
	mw := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ctx := c.Request().Context()
			sawOp = OperationFrom(ctx).ID
			if c.QueryParam("refuse") != "" {
				return errRefused
			}
			if Authenticate(c) == nil {
				sawCaller, _ = PrincipalFrom[string](c.Request().Context())
			}
			if c.QueryParam("wrap") == "" {
				return next(c)
			}
			w := &wrapWriter{ResponseWriter: c.Response().Writer}
			c.Response().Writer = w
			err := next(c)
			c.Response().Writer = w.ResponseWriter
			w.ResponseWriter.Header().Set("Content-Type", "text/javascript")
			w.ResponseWriter.WriteHeader(w.status)
			_, _ = w.ResponseWriter.Write([]byte("cb(" + strings.TrimSpace(w.body.String()) + ")"))
			return err
		}
	}
	s2, mismatches := newTestServer(t, func(api *API) {
		api.Errors = append(api.Errors, Status{errRefused, http.StatusTooManyRequests})
		api.Middleware = []echo.MiddlewareFunc{mw}
	})

	tests := []struct {
		name, path, key string
		status          int
		body            string
		caller          string
	}{
		{"wrapped after validation", "/api/things/5?wrap=1", "good", 200, `cb({"id":1})`, "caller"},
		{"refusal by kit wrapped too", "/api/things/5?wrap=1", "", 401, `cb({"problems":["who are you?"]})`, ""},
		{"middleware error in the API's shape", "/api/things/5?refuse=1", "good", 429, `{"problems":["slow down"]}`, ""},
		{"a response that breaks the spec is caught before wrapping", "/api/things/13?wrap=1", "good", 500,
			`cb({"problems":["the server produced a response that does not match its API specification"]})`, "caller"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sawOp, sawCaller = "", ""
			before := len(*mismatches)
			req := httptest.NewRequest(http.MethodGet, tc.path, nil)
			if tc.key != "" {
				req.Header.Set("X-Key", tc.key)
			}
			rec := httptest.NewRecorder()
			s2.ServeHTTP(rec, req)
			if rec.Code != tc.status || strings.TrimSpace(rec.Body.String()) != tc.body {
				t.Errorf("got %d %s, want %d %s", rec.Code, rec.Body, tc.status, tc.body)
			}
			if sawOp != "getThing" || sawCaller != tc.caller {
				t.Errorf("middleware saw operation %q and caller %q, want getThing and %q", sawOp, sawCaller, tc.caller)
			}
			wantMismatch := tc.status == 500
			if got := len(*mismatches) - before; (got == 1) != wantMismatch {
				t.Errorf("%d mismatches reported, want mismatch=%v", got, wantMismatch)
			}
		})
	}
}
