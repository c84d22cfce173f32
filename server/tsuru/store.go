package tsuru

import "context"

// Store is the contract every storage backend implements; store_test.go runs one suite
// against each backend. Every rule of the API is enforced here, against stored state, so
// that several replicas sharing a database agree; errors are *Error values.
type Store interface {
	// Users and sessions.
	CreateUser(ctx context.Context, email, password string) error
	// Login checks the password and returns a new session token.
	Login(ctx context.Context, email, password string) (string, error)
	// Authenticate resolves a bearer token (ErrUnauthorized when unknown or expired).
	Authenticate(ctx context.Context, token string) (Caller, error)
	Logout(ctx context.Context, token string) error
	ChangePassword(ctx context.Context, email, old, new string) error
	// StartPasswordReset creates a reset token, mails it and returns it.
	StartPasswordReset(ctx context.Context, email string) (string, error)
	// ResetPassword consumes a reset token, sets a random password, mails it and returns it.
	ResetPassword(ctx context.Context, email, token string) (string, error)
	DeleteUser(ctx context.Context, email string) error
	AddKey(ctx context.Context, email, key string) error
	RemoveKey(ctx context.Context, email, key string) error
	Keys(ctx context.Context, email string) ([]string, error)

	// Teams.
	ListTeams(ctx context.Context, email string) ([]string, error)
	CreateTeam(ctx context.Context, email, name string) error
	GetTeam(ctx context.Context, email, name string) (Team, error)
	DeleteTeam(ctx context.Context, email, name string) error
	AddUserToTeam(ctx context.Context, email, team, user string) error
	RemoveUserFromTeam(ctx context.Context, email, team, user string) error

	// Platforms, healers, quotas.
	ListPlatforms(ctx context.Context) ([]string, error)
	AddPlatform(ctx context.Context, name string) error
	ListHealers(ctx context.Context) ([]Healer, error)
	AddHealer(ctx context.Context, name, url string) error
	ExecuteHealer(ctx context.Context, name string) error
	GetQuota(ctx context.Context, owner string) (Quota, error)
	// SetQuotaLimit changes an owner's limit (< 0: unlimited); operators and fixtures use it.
	SetQuotaLimit(ctx context.Context, owner string, limit int) error

	// Apps.
	ListApps(ctx context.Context, c Caller) ([]App, error)
	CreateApp(ctx context.Context, c Caller, a NewApp) (App, error)
	GetApp(ctx context.Context, c Caller, name string) (App, error)
	DeleteApp(ctx context.Context, c Caller, name string) error
	RestartApp(ctx context.Context, c Caller, name string) error
	// GetEnv returns the app's variables (only those named, when names is not empty).
	GetEnv(ctx context.Context, c Caller, app string, names []string) ([]EnvVar, error)
	SetEnv(ctx context.Context, c Caller, app string, vars map[string]string) error
	// UnsetEnv removes public variables; variables exported by bindings stay.
	UnsetEnv(ctx context.Context, c Caller, app string, names []string) error
	Swap(ctx context.Context, c Caller, app1, app2 string) error

	// Services (provider side).
	ListServices(ctx context.Context, email string) ([]ServiceInstances, error)
	CreateService(ctx context.Context, email string, m Manifest) error
	UpdateService(ctx context.Context, email string, m Manifest) error
	DeleteService(ctx context.Context, email, name string) error
	GetService(ctx context.Context, email, name string) ([]Instance, error)
	GetServiceDoc(ctx context.Context, email, name string) (string, error)
	SetServiceDoc(ctx context.Context, email, name, doc string) error
	GrantService(ctx context.Context, email, service, team string) error
	RevokeService(ctx context.Context, email, service, team string) error
	// SetServiceRestricted makes a service usable only by granted teams (operators, fixtures).
	SetServiceRestricted(ctx context.Context, service string, restricted bool) error

	// Service instances (consumer side).
	ListInstances(ctx context.Context, email string) ([]ServiceInstances, error)
	CreateInstance(ctx context.Context, email, service, name string) error
	GetInstance(ctx context.Context, email, name string) (Instance, error)
	DeleteInstance(ctx context.Context, email, name string) error
	Bind(ctx context.Context, c Caller, instance, app string) (map[string]string, error)
	Unbind(ctx context.Context, c Caller, instance, app string) error
	InstanceStatus(ctx context.Context, email, name string) (string, error)

	// CreateAppToken generates an application token (admins only).
	CreateAppToken(ctx context.Context, c Caller, client string, export bool) (AppToken, error)

	// Empty reports whether the store holds no users yet (seeding happens only then).
	Empty(ctx context.Context) (bool, error)
}
