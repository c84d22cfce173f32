package tsuru

import (
	"errors"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/specfirst/specfirst/server/domain"
)

// Kinds of domain error (server/domain), named here as the rules use them; api.go maps
// the one kind that is tsuru's own.
var (
	ErrInvalid      = domain.ErrInvalid      // 400
	ErrUnauthorized = domain.ErrUnauthorized // 401
	ErrForbidden    = domain.ErrForbidden    // 403
	ErrNotFound     = domain.ErrNotFound     // 404
	ErrConflict     = domain.ErrConflict     // 409
	ErrPrecondition = domain.ErrPrecondition // 412
	// ErrServiceAPI: a service manifest or backend failed → 500, documented for services.
	ErrServiceAPI = errors.New("service manifest or backend")
)

// Error is a domain error: a kind and the message tsuru's server wrote for it.
type Error = domain.Error

var errorf = domain.Errorf

// Messages of tsuru 0.2.x that clients match on or that several rules share.
const (
	MsgNoAuthHeader    = "You must provide the Authorization header"
	MsgInvalidToken    = "Invalid token"
	MsgInvalidEmail    = "Invalid email."
	MsgPasswordLength  = "Password length should be least 6 characters and at most 50 characters."
	MsgWrongPassword   = "Authentication failed, wrong password."
	MsgUserNotFound    = "User not found"
	MsgEmailTaken      = "This email is already registered"
	MsgPasswordMatch   = "The given password didn't match the user's current password."
	MsgPasswordsNeeded = "Both the old and the new passwords are required."
	MsgAppNoAccess     = "User does not have access to this app"
	MsgInvalidAppName  = "Invalid app name, your app should have at most 63 characters, containing only lower case letters, numbers or dashes, starting with a letter."
	MsgAppNoTeam       = "In order to create an app, you should be member of at least one team"
	MsgInvalidPlatform = "Invalid platform"
	MsgQuotaExceeded   = "Quota exceeded"
	MsgAppExists       = "there is already an app with this name."
	MsgEnvObject       = "You must provide the environment variables in a JSON object"
	MsgEnvList         = "You must provide the list of environment variables, in JSON format"
	MsgServiceNotFound = "Service not found"
	MsgServiceNoAccess = "This user does not have access to this service"
	MsgServiceNoTeam   = "In order to create a service, you should be member of at least one team"
	MsgServiceHasInsts = "This service cannot be removed because it has instances.\nPlease remove these instances before removing the service."
	MsgNoEndpoint      = "You must provide a production endpoint in the manifest file."
	MsgNoServiceID     = "You must provide an id in the manifest file."
	MsgTeamHasAccess   = "This team already has access to this service"
	MsgTeamNoAccess    = "This team does not have access to this service"
	MsgLastServiceTeam = "You can not revoke the access from this team, because it is the unique team with access to this service, and a service can not be orphaned"
	MsgInstNotFound    = "Service instance not found"
	MsgInstNoAccess    = "User does not have access to this service instance"
	MsgInstInvalidName = "Invalid service instance name"
	MsgInstBound       = "This service instance is bound to at least one app. Unbind them before removing it"
	MsgAlreadyBound    = "This app is already bound to this service instance."
	MsgNotBound        = "This app is not bound to this service instance."
	MsgInstanceRemoved = "service instance successfuly removed" // sic, as tsuru wrote it
	MsgTeamNotFound    = "Team not found"
	MsgInvalidTeamName = "Invalid team name"
	MsgTeamExists      = "Team already exists"
	MsgNotTeamMember   = "User is not member of this team"
	MsgLastTeamMember  = "You can not remove this user from this team, because it is the last user within the team, and a team can not be orphaned"
	MsgTeamHasApps     = "This team cannot be removed because it have access to apps.\n\nPlease remove the apps or revoke these accesses, and try again."
	MsgMissingKey      = "Missing key"
	MsgKeyExists       = "User already has this key"
	MsgKeyNotFound     = "User does not have this key"
	MsgHealerNotFound  = "Healer not found"
	MsgQuotaNotFound   = "Quota not found"
	MsgAdminOnly       = "Forbidden"
	MsgMissingClient   = "Missing client name in JSON body"
)

var (
	emailRE        = regexp.MustCompile(`^([^@\s]+)@((?:[-a-z0-9]+\.)+[a-z]{2,})$`)
	appNameRE      = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)
	teamNameRE     = regexp.MustCompile(`^[a-zA-Z][-@_.+\w\s]+$`)
	instanceNameRE = regexp.MustCompile(`^[A-Za-z][-a-zA-Z0-9_]+$`)
)

// ValidateEmail applies tsuru's email rule (lower-case domain only, as tsuru had it).
func ValidateEmail(email string) error {
	if !emailRE.MatchString(email) {
		return errorf(ErrInvalid, MsgInvalidEmail)
	}
	return nil
}

// ValidatePassword applies the documented 6..50 characters rule.
func ValidatePassword(p string) error {
	if n := len([]rune(p)); n < 6 || n > 50 {
		return errorf(ErrInvalid, MsgPasswordLength)
	}
	return nil
}

// ValidateAppName applies tsuru's app name rule.
func ValidateAppName(name string) error {
	if !appNameRE.MatchString(name) {
		return errorf(ErrInvalid, MsgInvalidAppName)
	}
	return nil
}

// ValidateTeamName applies tsuru's team name rule (a letter then at least one more character).
func ValidateTeamName(name string) error {
	if !teamNameRE.MatchString(name) {
		return errorf(ErrInvalid, MsgInvalidTeamName)
	}
	return nil
}

// ValidateInstanceName applies tsuru's service instance name rule.
func ValidateInstanceName(name string) error {
	if !instanceNameRE.MatchString(name) {
		return errorf(ErrInvalid, MsgInstInvalidName)
	}
	return nil
}

// Caller is who sent a request: a user (session token) or a client holding an application
// token, which may act only on the app named AppName.
type Caller struct {
	Email   string // empty for application tokens
	AppName string // set for application tokens
	Token   string // the bearer token itself, for logout
}

// Unit is one unit of an app.
type Unit struct {
	Name, IP, State string
}

// App is an app as the API shows it.
type App struct {
	Name       string
	Platform   string
	Repository string
	State      string
	IP         string
	Owner      string
	Teams      []string
	Units      []Unit
}

// NewApp is what createApp asks for.
type NewApp struct {
	Name     string
	Platform string // platform, or the old framework when platform is absent
	Units    int    // 0 means 1
}

// EnvVar is an app environment variable. Instance names the service instance that
// exported a private variable.
type EnvVar struct {
	Name     string
	Value    string
	Public   bool
	Instance string
}

// Team is a team and its members.
type Team struct {
	Name  string
	Users []string
}

// Quota is an owner's quota usage.
type Quota struct {
	Items     int // in use
	Available int // still allowed; never negative
	Limit     int // < 0: unlimited
}

// Healer is a self-healing routine and the URL that runs it.
type Healer struct {
	Name string
	URL  string
	Runs int64
}

// ServiceInstances is a service and the names of some of its instances.
type ServiceInstances struct {
	Service   string
	Instances []string
}

// Instance is a service instance.
type Instance struct {
	Name        string
	ServiceName string
	Teams       []string
	Apps        []string
}

// Service is a service definition.
type Service struct {
	Name               string
	EndpointProduction string
	EndpointTest       string
	Doc                string
	Restricted         bool
	OwnerTeams         []string
	Teams              []string
}

// Manifest is a service's YAML manifest, as crane sends it.
type Manifest struct {
	ID       string `yaml:"id"`
	Endpoint struct {
		Production string `yaml:"production"`
		Test       string `yaml:"test"`
	} `yaml:"endpoint"`
}

// ParseManifest parses and checks a manifest. Unparsable YAML is the documented 500;
// a manifest without id or production endpoint is a 400 (as the 0.2.x server).
func ParseManifest(data []byte) (Manifest, error) {
	var m Manifest
	if err := yaml.Unmarshal(data, &m); err != nil {
		return Manifest{}, errorf(ErrServiceAPI, "Invalid YAML manifest: %v", err)
	}
	m.ID = strings.TrimSpace(m.ID)
	if m.ID == "" {
		return Manifest{}, errorf(ErrInvalid, MsgNoServiceID)
	}
	if strings.TrimSpace(m.Endpoint.Production) == "" {
		return Manifest{}, errorf(ErrInvalid, MsgNoEndpoint)
	}
	return m, nil
}

// AppToken is an application token as createAppToken returns it.
type AppToken struct {
	Token    string
	Creation time.Time
	Expires  time.Duration
	AppName  string
}

// Options are the server's configurable rules.
type Options struct {
	// BcryptCost hashes passwords; tests use bcrypt.MinCost. 0 means bcrypt.DefaultCost.
	BcryptCost int
	// AppsPerUser is the app quota given to users at sign-up; < 0 means unlimited, 0
	// means DefaultAppsPerUser.
	AppsPerUser int
	// AdminTeam names the team whose members are admins (see every app, generate app tokens).
	AdminTeam string
	// GitHost is the host of app repositories (git@<GitHost>:<app>.git).
	GitHost string
	// RouterDomain gives apps their address, <app>.<RouterDomain>.
	RouterDomain string
	// SessionTTL is how long login tokens last; AppTokenTTL application tokens.
	SessionTTL  time.Duration
	AppTokenTTL time.Duration
	// ResetTokenTTL is how long a password-reset token may be used.
	ResetTokenTTL time.Duration
	// Mail delivers the password-reset messages tsuru mailed; nil drops them.
	Mail func(to, subject, body string)
	// Now is the clock (tests may fix it); nil means time.Now.
	Now func() time.Time
}

// DefaultAppsPerUser is the app quota of a new user when Options.AppsPerUser is 0.
const DefaultAppsPerUser = 10

func (o Options) withDefaults() Options {
	if o.BcryptCost == 0 {
		o.BcryptCost = 10
	}
	if o.AppsPerUser == 0 {
		o.AppsPerUser = DefaultAppsPerUser
	}
	if o.AdminTeam == "" {
		o.AdminTeam = "admin"
	}
	if o.GitHost == "" {
		o.GitHost = "tsuru.plataformas.glb.com"
	}
	if o.RouterDomain == "" {
		o.RouterDomain = "tsuru.local"
	}
	if o.SessionTTL == 0 {
		o.SessionTTL = 7 * 24 * time.Hour
	}
	if o.AppTokenTTL == 0 {
		o.AppTokenTTL = 365 * 24 * time.Hour
	}
	if o.ResetTokenTTL == 0 {
		o.ResetTokenTTL = 24 * time.Hour
	}
	if o.Mail == nil {
		o.Mail = func(string, string, string) {}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// bindEnv is what a service exports into an app it is bound to. There is no real service
// API behind a service here, so its variables are derived from the service and instance:
// <SERVICE>_HOST (the production endpoint) and <SERVICE>_INSTANCE (the instance name).
func bindEnv(service, endpoint, instance string) map[string]string {
	prefix := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, service)
	return map[string]string{prefix + "_HOST": endpoint, prefix + "_INSTANCE": instance}
}
