package kit

import (
	"bytes"
	"context"
	"io"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"
)

// checkResponse validates the captured response and sends it on, or replaces it by a 500.
func (s *Server) checkResponse(ctx context.Context, c echo.Context, op *Operation, w *captureWriter, params map[string]string) {
	resp := c.Response()
	resp.Writer = w.real
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	if resp.Status == StatusClientClosed {
		return // nothing was written, and nobody is listening
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

// newCaptureWriter starts from the headers already set (by the API's middleware, e.g.
// rate-limit headers), so that they are validated with the rest of the response.
func newCaptureWriter(real http.ResponseWriter) *captureWriter {
	return &captureWriter{real: real, header: real.Header().Clone()}
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
