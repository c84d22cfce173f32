// Package cvm is a client for the CVM client API over the generated gen/cvm client: it
// authenticates every request with a token pair and turns the API's {"errors": […]}
// envelope into a typed *APIError.
package cvm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	gen "github.com/specfirst/specfirst/gen/cvm"
)

// Re-exported so that callers need not import the generated package.
type (
	VPS       = gen.Vps
	VPSStatus = gen.VpsStatus
	State     = gen.VpsState
)

// Client calls one CVM panel as one user.
type Client struct {
	raw *gen.ClientWithResponses
}

// Option configures a Client.
type Option func(*options)

type options struct{ httpClient gen.HttpRequestDoer }

// WithHTTPClient sets the HTTP client (timeouts, transport, tests).
func WithHTTPClient(c gen.HttpRequestDoer) Option { return func(o *options) { o.httpClient = c } }

// New returns a client for the API at baseURL (e.g. https://panel.example.com/api/client
// or http://127.0.0.1:8080/cvm/api/client) authenticating with the given token pair.
func New(baseURL, publicToken, privateToken string, opts ...Option) (*Client, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	genOpts := []gen.ClientOption{gen.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		r.Header.Set("API-Public-Token", publicToken)
		r.Header.Set("API-Private-Token", privateToken)
		return nil
	})}
	if o.httpClient != nil {
		genOpts = append(genOpts, gen.WithHTTPClient(o.httpClient))
	}
	raw, err := gen.NewClientWithResponses(strings.TrimSuffix(baseURL, "/"), genOpts...)
	if err != nil {
		return nil, err
	}
	return &Client{raw: raw}, nil
}

// Raw is the generated client, for what this package does not wrap.
func (c *Client) Raw() *gen.ClientWithResponses { return c.raw }

// APIError is a response other than 200, with the messages of its "errors" envelope.
type APIError struct {
	StatusCode int
	Messages   []string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("cvm: %d %s: %s", e.StatusCode, http.StatusText(e.StatusCode), strings.Join(e.Messages, "; "))
}

// StatusOf returns the HTTP status of an *APIError in err's chain, or 0.
func StatusOf(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.StatusCode
	}
	return 0
}

func apiError(status int, body []byte) error {
	var env gen.ErrorResponse
	if err := json.Unmarshal(body, &env); err != nil || len(env.Errors) == 0 {
		msg := strings.TrimSpace(string(body))
		if msg == "" {
			msg = http.StatusText(status)
		}
		return &APIError{StatusCode: status, Messages: []string{msg}}
	}
	return &APIError{StatusCode: status, Messages: env.Errors}
}

// ListVPSes returns the user's VPSes.
func (c *Client) ListVPSes(ctx context.Context) ([]VPS, error) {
	resp, err := c.raw.ListVpsesWithResponse(ctx)
	if err != nil {
		return nil, err
	}
	if resp.JSON200 == nil {
		return nil, apiError(resp.StatusCode(), resp.Body)
	}
	return resp.JSON200.Response.Vpses, nil
}

// Status returns the current status and metrics of VPS id.
func (c *Client) Status(ctx context.Context, id int64) (*VPSStatus, error) {
	resp, err := c.raw.GetVpsStatusWithResponse(ctx, id)
	if err != nil {
		return nil, err
	}
	if resp.JSON200 == nil {
		return nil, apiError(resp.StatusCode(), resp.Body)
	}
	return &resp.JSON200.Response, nil
}

// Start boots VPS id.
func (c *Client) Start(ctx context.Context, id int64) error {
	resp, err := c.raw.StartVpsWithResponse(ctx, id)
	return actionResult(resp, err)
}

// Stop shuts VPS id down.
func (c *Client) Stop(ctx context.Context, id int64) error {
	resp, err := c.raw.StopVpsWithResponse(ctx, id)
	return actionResult(resp, err)
}

// Restart restarts VPS id.
func (c *Client) Restart(ctx context.Context, id int64) error {
	resp, err := c.raw.RestartVpsWithResponse(ctx, id)
	return actionResult(resp, err)
}

type rawResponse interface {
	StatusCode() int
}

func actionResult[R interface {
	rawResponse
	*gen.StartVpsResponse | *gen.StopVpsResponse | *gen.RestartVpsResponse
}](resp R, err error) error {
	if err != nil {
		return err
	}
	if resp.StatusCode() == http.StatusOK {
		return nil
	}
	var body []byte
	switch r := any(resp).(type) {
	case *gen.StartVpsResponse:
		body = r.Body
	case *gen.StopVpsResponse:
		body = r.Body
	case *gen.RestartVpsResponse:
		body = r.Body
	}
	return apiError(resp.StatusCode(), body)
}
