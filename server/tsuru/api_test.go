package tsuru_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"github.com/specfirst/specfirst/server/kit"
	"github.com/specfirst/specfirst/server/servertest"
	"github.com/specfirst/specfirst/server/storage/storagetest"
	"github.com/specfirst/specfirst/server/tsuru"
)

type reply struct {
	status      int
	contentType string
	body        string
}

// call sends one request the way tsuru's CLI did: a JSON body without Content-Type
// unless ct is given ("-" sends none at all, which is the default).
func call(t *testing.T, method, url, token, ct, body string) reply {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "bearer "+token)
	}
	if ct != "" && ct != "-" {
		req.Header.Set("Content-Type", ct)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header.Get("Content-Type"), string(b)}
}

func login(t *testing.T, base, email, password string) string {
	t.Helper()
	r := call(t, "POST", base+"/users/"+email+"/tokens", "", "", `{"password":"`+password+`"}`)
	var out struct{ Token string }
	if r.status != 200 || json.Unmarshal([]byte(r.body), &out) != nil || out.Token == "" {
		t.Fatalf("login %s: %d %s", email, r.status, r.body)
	}
	return out.Token
}

// env is the demo world plus: member@example.com (team "other", app "member-app" with a
// quota of 1, instance "member-db" of mongodb, service "solo"), outsider@example.com (no
// team), nobody's restricted service "vault", and my_nosql bound to app1.
type env struct {
	base                    string
	srv                     *servertest.Server
	store                   *tsuru.SQLStore
	nobody, member, outside string
	lastRoute               func() string
}

func newEnv(t *testing.T, b storagetest.Backend) *env {
	t.Helper()
	var (
		mu   sync.Mutex
		last string
	)
	record := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			mu.Lock()
			last = c.Request().Method + " " + c.Path()
			mu.Unlock()
			return next(c)
		}
	}
	srv := servertest.Start(t, b.Config(t), servertest.Options{Use: []echo.MiddlewareFunc{record}}, tsuru.Module(testOptions))
	ctx := context.Background()
	st := srv.Set.Instance("tsuru").(*tsuru.Server).SQLStore
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	member := tsuru.Caller{Email: "member@example.com"}
	must(st.CreateUser(ctx, member.Email, "123456"))
	must(st.CreateUser(ctx, "outsider@example.com", "123456"))
	must(st.CreateTeam(ctx, member.Email, "other"))
	must(st.SetQuotaLimit(ctx, member.Email, 1))
	_, err := st.CreateApp(ctx, member, tsuru.NewApp{Name: "member-app", Platform: "static"})
	must(err)
	must(st.CreateInstance(ctx, member.Email, "mongodb", "member-db"))
	var m tsuru.Manifest
	m.ID, m.Endpoint.Production = "solo", "solo.example.com"
	must(st.CreateService(ctx, member.Email, m))
	m.ID = "vault"
	must(st.CreateService(ctx, "nobody@globo.com", m))
	must(st.SetServiceRestricted(ctx, "vault", true))
	_, err = st.Bind(ctx, tsuru.Caller{Email: "nobody@globo.com"}, "my_nosql", "app1")
	must(err)
	e := &env{base: srv.Base("tsuru"), srv: srv, store: st, lastRoute: func() string {
		mu.Lock()
		defer mu.Unlock()
		r := last
		last = ""
		return r
	}}
	e.nobody = login(t, e.base, "nobody@globo.com", "123456")
	e.member = login(t, e.base, member.Email, "123456")
	e.outside = login(t, e.base, "outsider@example.com", "123456")
	return e
}

const textPlain = "text/plain; charset=utf-8"

// TestDocumentedErrors drives every documented (and spec-added) refusal through HTTP and
// checks status and body shape: a plain-text message ending in a newline.
func TestDocumentedErrors(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, b storagetest.Backend) {
		e := newEnv(t, b)
		tests := []struct {
			name, method, path string
			token              string
			ct, body           string
			status             int
			want               string // exact message, or "~substring" for validator messages
		}{
			// Authentication.
			{"no Authorization header", "GET", "/apps", "", "", "", 401, tsuru.MsgNoAuthHeader},
			{"unknown token", "GET", "/apps", "0123456789", "", "", 401, tsuru.MsgInvalidToken},
			// Users.
			{"sign up: invalid JSON", "POST", "/users", "", "", `{"email":`, 400, "~request body"},
			{"sign up: invalid email", "POST", "/users", "", "", `{"email":"nobody","password":"123456"}`, 400, `~field "email"`},
			{"sign up: short password", "POST", "/users", "", "", `{"email":"x@example.com","password":"12345"}`, 400, `~field "password": minimum string length is 6`},
			{"sign up: long password", "POST", "/users", "", "", `{"email":"x@example.com","password":"` + strings.Repeat("x", 51) + `"}`, 400, `~field "password": maximum string length is 50`},
			{"sign up: duplicate email", "POST", "/users", "", "", `{"email":"nobody@globo.com","password":"123456"}`, 409, tsuru.MsgEmailTaken},
			{"reset: unknown user", "POST", "/users/ghost@example.com/password", "", "", "", 404, tsuru.MsgUserNotFound},
			{"reset: invalid email", "POST", "/users/ghost/password", "", "", "", 400, tsuru.MsgInvalidEmail},
			{"reset: bad token", "POST", "/users/nobody@globo.com/password?token=1234", "", "", "", 403, tsuru.MsgInvalidToken},
			{"login: invalid JSON", "POST", "/users/nobody@globo.com/tokens", "", "", `{`, 400, "~request body"},
			{"login: empty password", "POST", "/users/nobody@globo.com/tokens", "", "", `{"password":""}`, 400, `~field "password"`},
			{"login: missing password", "POST", "/users/nobody@globo.com/tokens", "", "", `{}`, 400, `~field "password"`},
			{"login: unknown user", "POST", "/users/ghost@example.com/tokens", "", "", `{"password":"123456"}`, 404, tsuru.MsgUserNotFound},
			{"login: invalid email", "POST", "/users/ghost/tokens", "", "", `{"password":"123456"}`, 400, tsuru.MsgInvalidEmail},
			{"login: wrong password", "POST", "/users/nobody@globo.com/tokens", "", "", `{"password":"654321"}`, 401, tsuru.MsgWrongPassword},
			{"change password: empty old", "PUT", "/users/password", "member", "", `{"old":"","new":"654321"}`, 400, `~field "old"`},
			{"change password: short new", "PUT", "/users/password", "member", "", `{"old":"123456","new":"6543"}`, 400, `~field "new"`},
			{"change password: wrong old", "PUT", "/users/password", "member", "", `{"old":"000000","new":"654321"}`, 403, tsuru.MsgPasswordMatch},
			{"remove user: last member", "DELETE", "/users", "member", "", "", 403, "This user is the last member of the team \"other\", so it cannot be removed.\n\nPlease remove the team, then remove the user."},
			{"add key: empty", "POST", "/users/keys", "member", "", `{"key":""}`, 400, tsuru.MsgMissingKey},
			{"add key", "POST", "/users/keys", "member", "", `{"key":"ssh-rsa AAA"}`, 200, ""},
			{"add key: duplicate", "POST", "/users/keys", "member", "", `{"key":"ssh-rsa AAA"}`, 409, tsuru.MsgKeyExists},
			{"remove key: unknown", "DELETE", "/users/keys", "member", "", `{"key":"ssh-rsa BBB"}`, 404, tsuru.MsgKeyNotFound},
			// Apps.
			{"create app: unknown field", "POST", "/apps", "nobody", "application/json", `{"name":"x","platform":"python","teams":["a"]}`, 400, `~"teams"`},
			{"create app: no platform", "POST", "/apps", "nobody", "application/json", `{"name":"x"}`, 400, tsuru.MsgInvalidPlatform},
			{"create app: unknown platform", "POST", "/apps", "nobody", "application/json", `{"name":"x","platform":"cobol"}`, 400, tsuru.MsgInvalidPlatform},
			{"create app: invalid name", "POST", "/apps", "nobody", "application/json", `{"name":"X_X","platform":"python"}`, 400, tsuru.MsgInvalidAppName},
			{"create app: in no team", "POST", "/apps", "outside", "application/json", `{"name":"lonely","platform":"python"}`, 400, tsuru.MsgAppNoTeam},
			{"create app: over quota", "POST", "/apps", "member", "application/json", `{"name":"second","platform":"python"}`, 403, tsuru.MsgQuotaExceeded},
			{"create app: duplicate", "POST", "/apps", "nobody", "application/json", `{"name":"member-app","platform":"python"}`, 409, tsuru.MsgAppExists},
			{"app info: unknown", "GET", "/apps/nope", "nobody", "", "", 404, "App nope not found."},
			{"app info: no access", "GET", "/apps/app1", "member", "", "", 403, tsuru.MsgAppNoAccess},
			{"remove app: unknown", "DELETE", "/apps/nope", "nobody", "", "", 404, "App nope not found."},
			{"remove app: no access", "DELETE", "/apps/app1", "member", "", "", 403, tsuru.MsgAppNoAccess},
			{"restart: unknown", "GET", "/apps/nope/restart", "nobody", "", "", 404, "App nope not found."},
			{"restart: no access", "GET", "/apps/app1/restart", "member", "", "", 403, tsuru.MsgAppNoAccess},
			{"env get: unknown", "GET", "/apps/nope/env", "nobody", "", "", 404, "App nope not found."},
			{"env get: no access", "GET", "/apps/app1/env", "member", "", "[]", 403, tsuru.MsgAppNoAccess},
			{"env get: filter not a list of names", "GET", "/apps/app1/env", "nobody", "", `{"A":1}`, 400, "~request body"},
			{"env set: not an object", "POST", "/apps/app1/env", "nobody", "", `["A"]`, 400, "~request body"},
			{"env set: unknown", "POST", "/apps/nope/env", "nobody", "", `{"A":"1"}`, 404, "App nope not found."},
			{"env set: no access", "POST", "/apps/app1/env", "member", "", `{"A":"1"}`, 403, tsuru.MsgAppNoAccess},
			{"env unset: empty list", "DELETE", "/apps/app1/env", "nobody", "", `[]`, 400, tsuru.MsgEnvList},
			{"env unset: unknown", "DELETE", "/apps/nope/env", "nobody", "", `["A"]`, 404, "App nope not found."},
			{"env unset: no access", "DELETE", "/apps/app1/env", "member", "", `["A"]`, 403, tsuru.MsgAppNoAccess},
			{"swap: missing app2", "PUT", "/swap?app1=app1", "nobody", "", "", 400, `~parameter "app2" in query`},
			{"swap: unknown", "PUT", "/swap?app1=app1&app2=nope", "nobody", "", "", 404, "App nope not found."},
			{"swap: no access", "PUT", "/swap?app1=member-app&app2=app1", "member", "", "", 403, tsuru.MsgAppNoAccess},
			// Services.
			{"create service: in no team", "POST", "/services", "outside", "application/x-yaml", "id: x\nendpoint:\n  production: x.com\n", 403, tsuru.MsgServiceNoTeam},
			{"create service: invalid YAML", "POST", "/services", "nobody", "application/x-yaml", "id: [x\n", 500, "~Invalid YAML manifest"},
			{"create service: duplicate", "POST", "/services", "nobody", "application/x-yaml", "id: mongodb\nendpoint:\n  production: x.com\n", 500, "Service with name mongodb already exists."},
			{"create service: no endpoint", "POST", "/services", "nobody", "application/x-yaml", "id: x\n", 400, tsuru.MsgNoEndpoint},
			{"update service: unknown", "PUT", "/services", "nobody", "application/x-yaml", "id: nope\nendpoint:\n  production: x.com\n", 404, tsuru.MsgServiceNotFound},
			{"update service: not owner", "PUT", "/services", "member", "application/x-yaml", "id: mongodb\nendpoint:\n  production: x.com\n", 403, tsuru.MsgServiceNoAccess},
			{"update service: no endpoint", "PUT", "/services", "nobody", "application/x-yaml", "id: mongodb\n", 400, tsuru.MsgNoEndpoint},
			{"update service: invalid YAML", "PUT", "/services", "nobody", "application/x-yaml", ":\n- [", 500, "~Invalid YAML manifest"},
			{"remove service: unknown", "DELETE", "/services/nope", "nobody", "", "", 404, tsuru.MsgServiceNotFound},
			{"remove service: not owner", "DELETE", "/services/mongodb", "member", "", "", 403, tsuru.MsgServiceNoAccess},
			{"remove service: has instances", "DELETE", "/services/mongodb", "nobody", "", "", 403, tsuru.MsgServiceHasInsts},
			{"service info: unknown", "GET", "/services/nope", "nobody", "", "", 404, tsuru.MsgServiceNotFound},
			{"service info: restricted", "GET", "/services/vault", "member", "", "", 403, tsuru.MsgServiceNoAccess},
			{"service doc: unknown", "GET", "/services/nope/doc", "nobody", "", "", 404, tsuru.MsgServiceNotFound},
			{"service doc: restricted", "GET", "/services/vault/doc", "member", "", "", 403, tsuru.MsgServiceNoAccess},
			{"update doc: unknown", "PUT", "/services/nope/doc", "nobody", "text/plain", "doc", 404, tsuru.MsgServiceNotFound},
			{"update doc: not owner", "PUT", "/services/mongodb/doc", "member", "text/plain", "doc", 403, tsuru.MsgServiceNoAccess},
			{"grant: unknown service", "PUT", "/services/nope/other", "nobody", "", "", 404, tsuru.MsgServiceNotFound},
			{"grant: unknown team", "PUT", "/services/mongodb/nope", "nobody", "", "", 404, tsuru.MsgTeamNotFound},
			{"grant: not owner", "PUT", "/services/mongodb/other", "member", "", "", 403, tsuru.MsgServiceNoAccess},
			{"grant: already granted", "PUT", "/services/mongodb/tsuruteam", "nobody", "", "", 409, tsuru.MsgTeamHasAccess},
			{"revoke: unknown service", "DELETE", "/services/nope/other", "nobody", "", "", 404, tsuru.MsgServiceNotFound},
			{"revoke: team without access", "DELETE", "/services/mongodb/other", "nobody", "", "", 404, tsuru.MsgTeamNoAccess},
			{"revoke: not owner", "DELETE", "/services/mongodb/admin", "member", "", "", 403, tsuru.MsgServiceNoAccess},
			{"revoke: last team", "DELETE", "/services/solo/other", "member", "", "", 403, tsuru.MsgLastServiceTeam},
			// Service instances.
			{"add instance: unknown service", "POST", "/services/instances", "nobody", "application/json", `{"name":"n1","service_name":"nope"}`, 404, tsuru.MsgServiceNotFound},
			{"add instance: restricted service", "POST", "/services/instances", "member", "application/json", `{"name":"n1","service_name":"vault"}`, 404, tsuru.MsgServiceNotFound},
			{"add instance: missing field", "POST", "/services/instances", "nobody", "application/json", `{"name":"n1"}`, 400, `~field "service_name"`},
			{"add instance: invalid name", "POST", "/services/instances", "nobody", "application/json", `{"name":"1n","service_name":"mongodb"}`, 400, tsuru.MsgInstInvalidName},
			{"add instance: duplicate", "POST", "/services/instances", "nobody", "application/json", `{"name":"my_nosql","service_name":"mongodb"}`, 409, "Service instance my_nosql already exists."},
			{"remove instance: unknown", "DELETE", "/services/instances/nope", "nobody", "", "", 404, tsuru.MsgInstNotFound},
			{"remove instance: no access", "DELETE", "/services/instances/my_nosql", "member", "", "", 403, tsuru.MsgInstNoAccess},
			{"remove instance: bound", "DELETE", "/services/instances/my_nosql", "nobody", "", "", 403, tsuru.MsgInstBound},
			{"bind: unknown instance", "PUT", "/services/instances/nope/app1", "nobody", "", "", 404, tsuru.MsgInstNotFound},
			{"bind: unknown app", "PUT", "/services/instances/my_nosql/nope", "nobody", "", "", 404, "App nope not found."},
			{"bind: no access to app", "PUT", "/services/instances/member-db/app1", "member", "", "", 403, tsuru.MsgAppNoAccess},
			{"bind: no access to instance", "PUT", "/services/instances/my_nosql/member-app", "member", "", "", 403, tsuru.MsgInstNoAccess},
			{"bind: already bound", "PUT", "/services/instances/my_nosql/app1", "nobody", "", "", 409, tsuru.MsgAlreadyBound},
			{"unbind: unknown instance", "DELETE", "/services/instances/nope/app1", "nobody", "", "", 404, tsuru.MsgInstNotFound},
			{"unbind: unknown app", "DELETE", "/services/instances/my_nosql/nope", "nobody", "", "", 404, "App nope not found."},
			{"unbind: no access to app", "DELETE", "/services/instances/member-db/app1", "member", "", "", 403, tsuru.MsgAppNoAccess},
			{"unbind: not bound", "DELETE", "/services/instances/other-instance/app1", "nobody", "", "", 412, tsuru.MsgNotBound},
			{"instance info: unknown", "GET", "/services/instances/nope", "nobody", "", "", 404, tsuru.MsgInstNotFound},
			{"instance info: no access", "GET", "/services/instances/my_nosql", "member", "", "", 403, tsuru.MsgInstNoAccess},
			{"instance status: unknown", "GET", "/services/instances/nope/status", "nobody", "", "", 404, tsuru.MsgInstNotFound},
			{"instance status: no access", "GET", "/services/instances/my_nosql/status", "member", "", "", 403, tsuru.MsgInstNoAccess},
			// Quotas, healers.
			{"quota: unknown owner", "GET", "/quota/ghost@example.com", "nobody", "", "", 404, tsuru.MsgQuotaNotFound},
			{"healer: unknown", "GET", "/healers/nope", "nobody", "", "", 404, tsuru.MsgHealerNotFound},
			// Teams.
			{"create team: invalid name", "POST", "/teams", "member", "", `{"name":"9"}`, 400, tsuru.MsgInvalidTeamName},
			{"create team: duplicate", "POST", "/teams", "member", "", `{"name":"tsuruteam"}`, 409, tsuru.MsgTeamExists},
			{"team info: unknown", "GET", "/teams/nope", "member", "", "", 404, tsuru.MsgTeamNotFound},
			{"team info: not a member", "GET", "/teams/tsuruteam", "member", "", "", 403, tsuru.MsgNotTeamMember},
			{"remove team: has apps", "DELETE", "/teams/tsuruteam", "nobody", "", "", 403, tsuru.MsgTeamHasApps},
			{"remove team: not found among mine", "DELETE", "/teams/tsuruteam", "member", "", "", 404, `Team "tsuruteam" not found.`},
			{"add member: unknown team", "PUT", "/teams/nope/member@example.com", "nobody", "", "", 404, tsuru.MsgTeamNotFound},
			{"add member: not a member", "PUT", "/teams/tsuruteam/member@example.com", "member", "", "", 403, "You are not authorized to add new users to the team tsuruteam"},
			{"add member: unknown user", "PUT", "/teams/tsuruteam/ghost@example.com", "nobody", "", "", 404, tsuru.MsgUserNotFound},
			{"add member: already in", "PUT", "/teams/tsuruteam/nobody@globo.com", "nobody", "", "", 409, "User nobody@globo.com is already in the team tsuruteam."},
			{"remove member: not in team", "DELETE", "/teams/tsuruteam/member@example.com", "nobody", "", "", 404, "User member@example.com is not in the team tsuruteam."},
			{"remove member: last member", "DELETE", "/teams/tsuruteam/nobody@globo.com", "nobody", "", "", 403, tsuru.MsgLastTeamMember},
			// App tokens.
			{"app token: not admin", "POST", "/tokens", "member", "", `{"client":"member-app"}`, 403, tsuru.MsgAdminOnly},
			{"app token: empty client", "POST", "/tokens", "nobody", "", `{"client":""}`, 400, tsuru.MsgMissingClient},
		}
		tokens := map[string]string{"nobody": e.nobody, "member": e.member, "outside": e.outside}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				tok := tc.token
				if v, ok := tokens[tok]; ok {
					tok = v
				}
				r := call(t, tc.method, e.base+tc.path, tok, tc.ct, tc.body)
				if r.status != tc.status {
					t.Fatalf("status %d, want %d; body %q", r.status, tc.status, r.body)
				}
				if tc.status < 400 {
					return
				}
				if r.contentType != textPlain || !strings.HasSuffix(r.body, "\n") {
					t.Errorf("error shape: Content-Type %q, body %q; want %s ending in a newline", r.contentType, r.body, textPlain)
				}
				if sub, ok := strings.CutPrefix(tc.want, "~"); ok {
					if !strings.Contains(r.body, sub) {
						t.Errorf("body %q, want it to contain %q", r.body, sub)
					}
				} else if r.body != tc.want+"\n" {
					t.Errorf("body %q, want %q", r.body, tc.want+"\n")
				}
			})
		}
	})
}

func TestAuthentication(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, b storagetest.Backend) {
		e := newEnv(t, b)
		get := func(header string) reply {
			req, _ := http.NewRequest("GET", e.base+"/apps/app1", nil)
			if header != "" {
				req.Header.Set("Authorization", header)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return reply{resp.StatusCode, resp.Header.Get("Content-Type"), string(b)}
		}
		tests := []struct {
			name, header string
			status       int
			body         string
		}{
			{"lower-case bearer, as tsuru's CLI", "bearer " + e.nobody, 200, ""},
			{"Bearer", "Bearer " + e.nobody, 200, ""},
			{"BEARER", "BEARER " + e.nobody, 200, ""},
			{"no header", "", 401, tsuru.MsgNoAuthHeader + "\n"},
			{"bare token", e.nobody, 401, tsuru.MsgInvalidToken + "\n"},
			{"other scheme", "Basic " + e.nobody, 401, tsuru.MsgInvalidToken + "\n"},
			{"two spaces", "bearer  " + e.nobody, 401, tsuru.MsgInvalidToken + "\n"},
			{"unknown token", "bearer 0000", 401, tsuru.MsgInvalidToken + "\n"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				r := get(tc.header)
				if r.status != tc.status || (tc.body != "" && r.body != tc.body) {
					t.Errorf("%d %q, want %d %q", r.status, r.body, tc.status, tc.body)
				}
			})
		}

		t.Run("application token reaches only its app", func(t *testing.T) {
			r := call(t, "POST", e.base+"/tokens", e.nobody, "", `{"client":"app1","export":true}`)
			var tok struct{ Token, AppName string }
			if r.status != 200 || json.Unmarshal([]byte(r.body), &tok) != nil || tok.AppName != "app1" {
				t.Fatalf("token-gen: %d %s", r.status, r.body)
			}
			if r := call(t, "GET", e.base+"/apps/app1/env", tok.Token, "", ""); r.status != 200 || !strings.Contains(r.body, `"TSURU_APP_TOKEN"`) {
				t.Errorf("own app with app token: %d %s", r.status, r.body)
			}
			for _, path := range []string{"/apps/member-app", "/apps", "/teams"} {
				if r := call(t, "GET", e.base+path, tok.Token, "", ""); r.status != 401 || r.body != tsuru.MsgInvalidToken+"\n" {
					t.Errorf("GET %s with app1's token: %d %q, want 401", path, r.status, r.body)
				}
			}
		})

		t.Run("logout invalidates the token", func(t *testing.T) {
			tok := login(t, e.base, "outsider@example.com", "123456")
			if r := call(t, "DELETE", e.base+"/users/tokens", tok, "", ""); r.status != 200 {
				t.Fatalf("logout: %d %s", r.status, r.body)
			}
			if r := call(t, "GET", e.base+"/teams", tok, "", ""); r.status != 401 || r.body != tsuru.MsgInvalidToken+"\n" {
				t.Errorf("after logout: %d %q", r.status, r.body)
			}
		})

		t.Run("JSON bodies without Content-Type are JSON", func(t *testing.T) {
			// tsuru's CLI sends these bodies with no Content-Type at all.
			if r := call(t, "POST", e.base+"/apps/app1/env", e.nobody, "-", `{"NEW_VAR":"v"}`); r.status != 200 {
				t.Errorf("env-set without Content-Type: %d %s", r.status, r.body)
			}
			if r := call(t, "GET", e.base+"/apps/app1/env", e.nobody, "-", `["NEW_VAR"]`); r.status != 200 || r.body != `[{"name":"NEW_VAR","public":true,"value":"v"}]`+"\n" {
				t.Errorf("env-get with a filter and no Content-Type: %d %s", r.status, r.body)
			}
			// A non-JSON operation is not relabelled: a YAML body needs its type.
			if r := call(t, "POST", e.base+"/services", e.nobody, "-", "id: x\nendpoint:\n  production: x\n"); r.status != 400 {
				t.Errorf("YAML without Content-Type: %d %s, want 400", r.status, r.body)
			}
		})
	})
}

// TestOverlappingTemplates proves that the concrete template wins for every overlapping
// pair, both for routing (the operation echo matched, looked up in kit's route table) and
// for validation (a request that only that operation's schema refuses is refused).
func TestOverlappingTemplates(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, b storagetest.Backend) {
		e := newEnv(t, b)
		routes := e.srv.Kit.Routes()
		tests := []struct {
			name, method, path, ct, body string
			token                        string
			op                           string // operation that must have run ("" when validation refused)
			status                       int
			want                         string // substring of the body
		}{
			{"GET /services/instances is the list, not service info", "GET", "/services/instances", "", "", "nobody", "listServiceInstances", 200, `"service":"mongodb"`},
			{"GET /services/{service} still reaches service info", "GET", "/services/mongodb", "", "", "nobody", "getService", 200, `"ServiceName":"mongodb"`},
			{"POST /services/instances validates as NewServiceInstance", "POST", "/services/instances", "application/json", `{"name":"n1"}`, "nobody", "", 400, `field "service_name"`},
			{"POST /services/instances creates an instance", "POST", "/services/instances", "application/json", `{"name":"route-db","service_name":"mongodb"}`, "nobody", "createServiceInstance", 200, ""},
			{"GET /services/instances/{instance} is instance info", "GET", "/services/instances/route-db", "", "", "nobody", "getServiceInstance", 200, `"servicename":"mongodb"`},
			{"GET .../status is the status, not a binding", "GET", "/services/instances/route-db/status", "", "", "nobody", "getServiceInstanceStatus", 200, `is up`},
			{"PUT /services/instances/{instance} has no operation of its own: grant on service \"instances\"", "PUT", "/services/instances/route-db", "", "", "nobody", "grantServiceAccess", 404, tsuru.MsgServiceNotFound},
			{"DELETE /services/instances/{instance} removes the instance, not a revoke", "DELETE", "/services/instances/route-db", "", "", "nobody", "deleteServiceInstance", 200, tsuru.MsgInstanceRemoved},
			{"DELETE /services/{service}/{team} still revokes", "DELETE", "/services/mongodb/other", "", "", "nobody", "revokeServiceAccess", 404, tsuru.MsgTeamNoAccess},
			{"PUT /services/{service}/doc validates as text and needs a body", "PUT", "/services/mongodb/doc", "", "", "nobody", "", 400, "request body"},
			{"PUT /services/{service}/doc updates the doc, not a grant to team doc", "PUT", "/services/mongodb/doc", "text/plain", "New doc.", "nobody", "updateServiceDoc", 200, ""},
			{"GET /services/{service}/doc is the doc", "GET", "/services/mongodb/doc", "", "", "nobody", "getServiceDoc", 200, "New doc."},
			{"PUT /services/{service}/{team} still grants", "PUT", "/services/mongodb/other", "", "", "nobody", "grantServiceAccess", 200, ""},
			{"PUT /users/password validates as PasswordChange", "PUT", "/users/password", "", `{"old":"123456"}`, "member", "", 400, `field "new"`},
			{"PUT /users/password changes the password", "PUT", "/users/password", "", `{"old":"123456","new":"654321"}`, "member", "changePassword", 200, ""},
			{"POST /users/{email}/password is the reset", "POST", "/users/member@example.com/password", "", "", "", "resetPassword", 200, ""},
			{"POST /users/keys validates as PublicKey", "POST", "/users/keys", "", `{}`, "member", "", 400, `field "key"`},
			{"POST /users/keys adds a key", "POST", "/users/keys", "", `{"key":"ssh-rsa route"}`, "member", "addKey", 200, ""},
			{"DELETE /users/keys removes a key", "DELETE", "/users/keys", "", `{"key":"ssh-rsa route"}`, "member", "removeKey", 200, ""},
			{"POST /users/{email}/tokens is the login", "POST", "/users/member@example.com/tokens", "", `{"password":"654321"}`, "", "login", 200, `"token"`},
			{"GET /teams/{team} is team info", "GET", "/teams/other", "", "", "member", "getTeam", 200, `"users":["member@example.com"]`},
			{"PUT /teams/{team}/{user} adds a member", "PUT", "/teams/other/outsider@example.com", "", "", "member", "addUserToTeam", 200, ""},
			{"DELETE /teams/{team}/{user} removes a member", "DELETE", "/teams/other/outsider@example.com", "", "", "member", "removeUserFromTeam", 200, ""},
			{"DELETE /users/tokens is the logout", "DELETE", "/users/tokens", "", "", "outside", "logout", 200, ""},
		}
		tokens := map[string]string{"nobody": e.nobody, "member": e.member, "outside": e.outside}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				e.lastRoute()
				r := call(t, tc.method, e.base+tc.path, tokens[tc.token], tc.ct, tc.body)
				if r.status != tc.status || !strings.Contains(r.body, tc.want) {
					t.Errorf("%d %q, want %d containing %q", r.status, r.body, tc.status, tc.want)
				}
				ran := e.lastRoute()
				if tc.op == "" {
					if ran != "" {
						t.Errorf("validation should have refused the request, but %s ran", ran)
					}
					return
				}
				method, path, _ := strings.Cut(ran, " ")
				op := routes.Lookup(method, path)
				if op == nil || !strings.EqualFold(op.ID, tc.op) {
					t.Errorf("route %q ran operation %v, want %s", ran, opID(op), tc.op)
				}
			})
		}
		// The grant to a team named "doc" never happened, and "instances" is no service.
		st := e.store
		insts, _ := st.ListInstances(context.Background(), "nobody@globo.com")
		for _, s := range insts {
			if s.Service == "instances" {
				t.Errorf("a service named instances appeared: %v", insts)
			}
		}
	})
}

func opID(op *kit.Operation) string {
	if op == nil {
		return "<none>"
	}
	return op.ID
}

// TestConcurrentSignUps: 20 identical sign-ups at once, exactly one 200 and 19 409s.
func TestConcurrentSignUps(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, b storagetest.Backend) {
		srv := servertest.Start(t, b.Config(t), servertest.Options{Seed: "none"}, tsuru.Module(testOptions))
		const n = 20
		replies := make([]reply, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				replies[i] = call(t, "POST", srv.Base("tsuru")+"/users", "", "", `{"email":"same@example.com","password":"123456"}`)
			}()
		}
		wg.Wait()
		counts := map[int]int{}
		for _, r := range replies {
			counts[r.status]++
			if r.status == 409 && r.body != tsuru.MsgEmailTaken+"\n" {
				t.Errorf("409 body %q", r.body)
			}
		}
		if counts[200] != 1 || counts[409] != n-1 {
			t.Errorf("statuses %v, want exactly one 200 and %d 409s", counts, n-1)
		}
	})
}

// testOptions are the rules tests run with: bcrypt.MinCost, so that logins are cheap.
var testOptions = tsuru.Options{BcryptCost: bcrypt.MinCost}
