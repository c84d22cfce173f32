// Package tsuru is a client for the tsuru API over the generated gen/tsuru client: it logs
// in, sends the session token as `Authorization: bearer <token>` as tsuru's CLI did, and
// turns the API's plain-text error bodies into a typed *APIError.
package tsuru

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	gen "github.com/specfirst/specfirst/gen/tsuru"
)

// Re-exported so that callers need not import the generated package.
type (
	App              = gen.App
	Unit             = gen.Unit
	EnvVar           = gen.EnvVar
	Team             = gen.Team
	Platform         = gen.Platform
	Quota            = gen.Quota
	ServiceListItem  = gen.ServiceListItem
	ServiceInstance  = gen.ServiceInstanceInfo
	ServiceInstances = gen.ServiceInstance
)

// Client calls one tsuru server. It is safe for concurrent use; Login and Logout change
// the token every later request carries.
type Client struct {
	raw   *gen.ClientWithResponses
	mu    sync.RWMutex
	token string
}

// Option configures a Client.
type Option func(*options)

type options struct {
	httpClient gen.HttpRequestDoer
	token      string
}

// WithHTTPClient sets the HTTP client (timeouts, transport, tests).
func WithHTTPClient(c gen.HttpRequestDoer) Option { return func(o *options) { o.httpClient = c } }

// WithToken starts with a token obtained earlier (a session or an application token).
func WithToken(token string) Option { return func(o *options) { o.token = token } }

// New returns a client for the API at baseURL (e.g. https://tsuru.example.com or
// http://127.0.0.1:8080/tsuru).
func New(baseURL string, opts ...Option) (*Client, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	c := &Client{token: o.token}
	genOpts := []gen.ClientOption{gen.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		if t := c.Token(); t != "" {
			r.Header.Set("Authorization", "bearer "+t)
		}
		return nil
	})}
	if o.httpClient != nil {
		genOpts = append(genOpts, gen.WithHTTPClient(o.httpClient))
	}
	raw, err := gen.NewClientWithResponses(strings.TrimSuffix(baseURL, "/"), genOpts...)
	if err != nil {
		return nil, err
	}
	c.raw = raw
	return c, nil
}

// Raw is the generated client, for what this package does not wrap. Requests made through
// it carry the client's token too.
func (c *Client) Raw() *gen.ClientWithResponses { return c.raw }

// Token is the token requests are sent with ("" before Login).
func (c *Client) Token() string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.token
}

// SetToken replaces the token (e.g. with an application token).
func (c *Client) SetToken(t string) {
	c.mu.Lock()
	c.token = t
	c.mu.Unlock()
}

// APIError is a response with an unexpected status and tsuru's plain-text message.
type APIError struct {
	StatusCode int
	Message    string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("tsuru: %d %s: %s", e.StatusCode, http.StatusText(e.StatusCode), e.Message)
}

// StatusOf returns the HTTP status of an *APIError in err's chain, or 0.
func StatusOf(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.StatusCode
	}
	return 0
}

type response interface {
	StatusCode() int
	GetBody() []byte
}

// check turns any status but want into an *APIError.
func check(resp response, err error, want int) error {
	if err != nil {
		return err
	}
	if resp.StatusCode() == want {
		return nil
	}
	msg := strings.TrimRight(string(resp.GetBody()), "\n")
	if msg == "" {
		msg = http.StatusText(resp.StatusCode())
	}
	return &APIError{StatusCode: resp.StatusCode(), Message: msg}
}

// ---- users and sessions ----

// CreateUser signs a user up.
func (c *Client) CreateUser(ctx context.Context, email, password string) error {
	resp, err := c.raw.CreateUserWithResponse(ctx, gen.NewUser{Email: email, Password: password})
	return check(resp, err, http.StatusOK)
}

// Login logs in and keeps the session token for the requests that follow.
func (c *Client) Login(ctx context.Context, email, password string) error {
	resp, err := c.raw.LoginWithResponse(ctx, email, gen.LoginCredentials{Password: password})
	if err := check(resp, err, http.StatusOK); err != nil {
		return err
	}
	if resp.JSON200 == nil || resp.JSON200.Token == "" {
		return &APIError{StatusCode: resp.StatusCode(), Message: "login response without a token"}
	}
	c.SetToken(resp.JSON200.Token)
	return nil
}

// Logout invalidates the session token on the server and forgets it.
func (c *Client) Logout(ctx context.Context) error {
	resp, err := c.raw.LogoutWithResponse(ctx)
	if err := check(resp, err, http.StatusOK); err != nil {
		return err
	}
	c.SetToken("")
	return nil
}

// ChangePassword changes the logged-in user's password.
func (c *Client) ChangePassword(ctx context.Context, old, new string) error {
	resp, err := c.raw.ChangePasswordWithResponse(ctx, gen.PasswordChange{Old: old, New: new})
	return check(resp, err, http.StatusOK)
}

// DeleteUser removes the logged-in user.
func (c *Client) DeleteUser(ctx context.Context) error {
	resp, err := c.raw.DeleteUserWithResponse(ctx)
	return check(resp, err, http.StatusOK)
}

// AddKey adds an SSH public key to the logged-in user.
func (c *Client) AddKey(ctx context.Context, key string) error {
	resp, err := c.raw.AddKeyWithResponse(ctx, gen.PublicKey{Key: key})
	return check(resp, err, http.StatusOK)
}

// RemoveKey removes an SSH public key from the logged-in user.
func (c *Client) RemoveKey(ctx context.Context, key string) error {
	resp, err := c.raw.RemoveKeyWithResponse(ctx, gen.PublicKey{Key: key})
	return check(resp, err, http.StatusOK)
}

// ---- teams ----

// CreateTeam creates a team whose only member is the logged-in user.
func (c *Client) CreateTeam(ctx context.Context, name string) error {
	resp, err := c.raw.CreateTeamWithResponse(ctx, gen.NewTeam{Name: name})
	return check(resp, err, http.StatusOK)
}

// ListTeams lists the logged-in user's teams.
func (c *Client) ListTeams(ctx context.Context) ([]Team, error) {
	resp, err := c.raw.ListTeamsWithResponse(ctx)
	if err := check(resp, err, http.StatusOK); err != nil {
		return nil, err
	}
	return *resp.JSON200, nil
}

// GetTeam returns a team and its members.
func (c *Client) GetTeam(ctx context.Context, name string) (*Team, error) {
	resp, err := c.raw.GetTeamWithResponse(ctx, name)
	if err := check(resp, err, http.StatusOK); err != nil {
		return nil, err
	}
	return resp.JSON200, nil
}

// DeleteTeam removes a team.
func (c *Client) DeleteTeam(ctx context.Context, name string) error {
	resp, err := c.raw.DeleteTeamWithResponse(ctx, name)
	return check(resp, err, http.StatusOK)
}

// AddUserToTeam adds the user with this email to a team.
func (c *Client) AddUserToTeam(ctx context.Context, team, email string) error {
	resp, err := c.raw.AddUserToTeamWithResponse(ctx, team, email)
	return check(resp, err, http.StatusOK)
}

// RemoveUserFromTeam removes the user with this email from a team.
func (c *Client) RemoveUserFromTeam(ctx context.Context, team, email string) error {
	resp, err := c.raw.RemoveUserFromTeamWithResponse(ctx, team, email)
	return check(resp, err, http.StatusOK)
}

// ---- platforms and quotas ----

// ListPlatforms lists the platform names.
func (c *Client) ListPlatforms(ctx context.Context) ([]string, error) {
	resp, err := c.raw.ListPlatformsWithResponse(ctx)
	if err := check(resp, err, http.StatusOK); err != nil {
		return nil, err
	}
	out := make([]string, len(*resp.JSON200))
	for i, p := range *resp.JSON200 {
		out[i] = p.Name
	}
	return out, nil
}

// Quota returns an owner's quota usage.
func (c *Client) Quota(ctx context.Context, owner string) (*Quota, error) {
	resp, err := c.raw.GetQuotaWithResponse(ctx, owner)
	if err := check(resp, err, http.StatusOK); err != nil {
		return nil, err
	}
	return resp.JSON200, nil
}

// ---- apps ----

// CreateApp creates an app and returns its git repository URL.
func (c *Client) CreateApp(ctx context.Context, name, platform string) (string, error) {
	resp, err := c.raw.CreateAppWithResponse(ctx, gen.NewApp{Name: name, Platform: &platform})
	if err := check(resp, err, http.StatusOK); err != nil {
		return "", err
	}
	return resp.JSON200.RepositoryURL, nil
}

// ListApps lists the apps the user can access.
func (c *Client) ListApps(ctx context.Context) ([]App, error) {
	resp, err := c.raw.ListAppsWithResponse(ctx)
	if err := check(resp, err, http.StatusOK); err != nil {
		return nil, err
	}
	return *resp.JSON200, nil
}

// GetApp returns an app.
func (c *Client) GetApp(ctx context.Context, name string) (*App, error) {
	resp, err := c.raw.GetAppWithResponse(ctx, name)
	if err := check(resp, err, http.StatusOK); err != nil {
		return nil, err
	}
	return resp.JSON200, nil
}

// DeleteApp removes an app.
func (c *Client) DeleteApp(ctx context.Context, name string) error {
	resp, err := c.raw.DeleteAppWithResponse(ctx, name)
	return check(resp, err, http.StatusOK)
}

// RestartApp restarts an app and returns the restart log.
func (c *Client) RestartApp(ctx context.Context, name string) (string, error) {
	resp, err := c.raw.RestartAppWithResponse(ctx, name)
	if err := check(resp, err, http.StatusOK); err != nil {
		return "", err
	}
	return string(resp.Body), nil
}

// GetEnv returns an app's environment variables, only those named when names are given.
func (c *Client) GetEnv(ctx context.Context, app string, names ...string) ([]EnvVar, error) {
	if names == nil {
		names = []string{} // encodes as [], as tsuru env-get sends
	}
	resp, err := c.raw.GetAppEnvWithResponse(ctx, app, names)
	if err := check(resp, err, http.StatusOK); err != nil {
		return nil, err
	}
	return *resp.JSON200, nil
}

// SetEnv sets public environment variables of an app.
func (c *Client) SetEnv(ctx context.Context, app string, vars map[string]string) error {
	resp, err := c.raw.SetAppEnvWithResponse(ctx, app, vars)
	return check(resp, err, http.StatusOK)
}

// UnsetEnv removes public environment variables of an app.
func (c *Client) UnsetEnv(ctx context.Context, app string, names ...string) error {
	if names == nil {
		names = []string{}
	}
	resp, err := c.raw.UnsetAppEnvWithResponse(ctx, app, names)
	return check(resp, err, http.StatusOK)
}

// Swap swaps the addresses of two apps.
func (c *Client) Swap(ctx context.Context, app1, app2 string) error {
	resp, err := c.raw.SwapAppsWithResponse(ctx, &gen.SwapAppsParams{App1: app1, App2: app2})
	return check(resp, err, http.StatusOK)
}

// ---- services and instances ----

// CreateService registers a service from its YAML manifest.
func (c *Client) CreateService(ctx context.Context, manifest string) error {
	resp, err := c.raw.CreateServiceWithBodyWithResponse(ctx, "application/x-yaml", strings.NewReader(manifest))
	return check(resp, err, http.StatusOK)
}

// UpdateService replaces a service's endpoints from its YAML manifest.
func (c *Client) UpdateService(ctx context.Context, manifest string) error {
	resp, err := c.raw.UpdateServiceWithBodyWithResponse(ctx, "application/x-yaml", strings.NewReader(manifest))
	return check(resp, err, http.StatusOK)
}

// DeleteService removes a service.
func (c *Client) DeleteService(ctx context.Context, name string) error {
	resp, err := c.raw.DeleteServiceWithResponse(ctx, name)
	return check(resp, err, http.StatusNoContent)
}

// ListServices lists the services of the user's teams (provider view).
func (c *Client) ListServices(ctx context.Context) ([]ServiceListItem, error) {
	resp, err := c.raw.ListServicesWithResponse(ctx)
	if err := check(resp, err, http.StatusOK); err != nil {
		return nil, err
	}
	return *resp.JSON200, nil
}

// ListServiceInstances lists the services the user may use and the user's instances.
func (c *Client) ListServiceInstances(ctx context.Context) ([]ServiceListItem, error) {
	resp, err := c.raw.ListServiceInstancesWithResponse(ctx)
	if err := check(resp, err, http.StatusOK); err != nil {
		return nil, err
	}
	return *resp.JSON200, nil
}

// CreateServiceInstance creates an instance of a service.
func (c *Client) CreateServiceInstance(ctx context.Context, service, name string) error {
	resp, err := c.raw.CreateServiceInstanceWithResponse(ctx, gen.NewServiceInstance{Name: name, ServiceName: service})
	return check(resp, err, http.StatusOK)
}

// GetServiceInstance returns a service instance.
func (c *Client) GetServiceInstance(ctx context.Context, name string) (*ServiceInstance, error) {
	resp, err := c.raw.GetServiceInstanceWithResponse(ctx, name)
	if err := check(resp, err, http.StatusOK); err != nil {
		return nil, err
	}
	return resp.JSON200, nil
}

// DeleteServiceInstance removes a service instance.
func (c *Client) DeleteServiceInstance(ctx context.Context, name string) error {
	resp, err := c.raw.DeleteServiceInstanceWithResponse(ctx, name)
	return check(resp, err, http.StatusOK)
}

// Bind binds an instance to an app and returns the variables exported into the app.
func (c *Client) Bind(ctx context.Context, instance, app string) (map[string]string, error) {
	resp, err := c.raw.BindServiceInstanceWithResponse(ctx, instance, app)
	if err := check(resp, err, http.StatusOK); err != nil {
		return nil, err
	}
	return *resp.JSON200, nil
}

// Unbind unbinds an instance from an app.
func (c *Client) Unbind(ctx context.Context, instance, app string) error {
	resp, err := c.raw.UnbindServiceInstanceWithResponse(ctx, instance, app)
	return check(resp, err, http.StatusOK)
}
