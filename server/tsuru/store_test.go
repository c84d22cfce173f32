package tsuru

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/specfirst/specfirst/server/storage"
	"github.com/specfirst/specfirst/server/storage/storagetest"
)

// world is a small tsuru: alice (team red, admin team "admin") and bob (team blue), carol
// in no team; platform python; alice's app "red-app", bob's app "blue-app"; alice's service
// "redis" with instance "redis-1".
type world struct {
	st                *SQLStore
	alice, bob, carol Caller
	clock             *time.Time
}

const pw = "secret1"

func newWorld(t *testing.T, db *storage.DB, opts ...func(*Options)) *world {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2013, 11, 1, 12, 0, 0, 0, time.UTC)
	o := Options{BcryptCost: bcrypt.MinCost, Now: func() time.Time { return now }}
	for _, f := range opts {
		f(&o)
	}
	st, err := NewSQLStore(ctx, db, o)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{st: st, alice: Caller{Email: "alice@example.com"}, bob: Caller{Email: "bob@example.com"},
		carol: Caller{Email: "carol@example.com"}, clock: &now}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []Caller{w.alice, w.bob, w.carol} {
		must(st.CreateUser(ctx, c.Email, pw))
	}
	must(st.AddPlatform(ctx, "python"))
	must(st.CreateTeam(ctx, w.alice.Email, "red"))
	must(st.CreateTeam(ctx, w.alice.Email, "admin"))
	must(st.CreateTeam(ctx, w.bob.Email, "blue"))
	_, err = st.CreateApp(ctx, w.bob, NewApp{Name: "blue-app", Platform: "python"})
	must(err)
	// Created after joining admin: red-app belongs to red and admin.
	_, err = st.CreateApp(ctx, w.alice, NewApp{Name: "red-app", Platform: "python", Units: 2})
	must(err)
	var m Manifest
	m.ID, m.Endpoint.Production = "redis", "redis.example.com"
	must(st.CreateService(ctx, w.alice.Email, m))
	must(st.CreateInstance(ctx, w.alice.Email, "redis", "redis-1"))
	return w
}

// wantErr checks that err is a domain error of kind (nil: success) with message msg ("" for any).
func wantErr(t *testing.T, err error, kind error, msg string) {
	t.Helper()
	if kind == nil {
		if err != nil {
			t.Fatalf("unexpected error %v", err)
		}
		return
	}
	var de *Error
	if !errors.As(err, &de) || !errors.Is(err, kind) {
		t.Fatalf("error = %v (%T), want kind %v", err, err, kind)
	}
	if msg != "" && de.Msg != msg {
		t.Fatalf("message = %q, want %q", de.Msg, msg)
	}
}

func manifest(id, prod string) Manifest {
	var m Manifest
	m.ID, m.Endpoint.Production = id, prod
	return m
}

func TestStore(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		st := w.st

		t.Run("sign up rules", func(t *testing.T) {
			tests := []struct {
				name, email, password string
				kind                  error
				msg                   string
			}{
				{"valid", "dave@example.com", "123456", nil, ""},
				{"fifty characters", "erin@example.com", string(make([]byte, 50)), nil, ""},
				{"invalid email", "dave", "123456", ErrInvalid, MsgInvalidEmail},
				{"upper-case domain", "dave@EXAMPLE.COM", "123456", ErrInvalid, MsgInvalidEmail},
				{"five characters", "frank@example.com", "12345", ErrInvalid, MsgPasswordLength},
				{"fifty-one characters", "frank@example.com", string(make([]byte, 51)), ErrInvalid, MsgPasswordLength},
				{"duplicate email", "alice@example.com", "123456", ErrConflict, MsgEmailTaken},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					wantErr(t, st.CreateUser(ctx, tc.email, tc.password), tc.kind, tc.msg)
				})
			}
		})

		t.Run("login, authenticate, logout", func(t *testing.T) {
			tests := []struct {
				name, email, password string
				kind                  error
				msg                   string
			}{
				{"wrong password", w.alice.Email, "wrong-password", ErrUnauthorized, MsgWrongPassword},
				{"unknown user", "nobody@example.com", pw, ErrNotFound, MsgUserNotFound},
				{"invalid email", "nobody", pw, ErrInvalid, MsgInvalidEmail},
				{"too short to be a password", w.alice.Email, "abc", ErrInvalid, MsgPasswordLength},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					_, err := st.Login(ctx, tc.email, tc.password)
					wantErr(t, err, tc.kind, tc.msg)
				})
			}
			tok, err := st.Login(ctx, w.alice.Email, pw)
			wantErr(t, err, nil, "")
			if len(tok) != 40 {
				t.Errorf("token %q: want 40 hex characters", tok)
			}
			c, err := st.Authenticate(ctx, tok)
			if err != nil || c.Email != w.alice.Email || c.AppName != "" {
				t.Fatalf("Authenticate = %+v, %v", c, err)
			}
			var stored int
			if err := db.QueryRowContext(ctx, db.Rebind(`SELECT COUNT(*) FROM tsuru_tokens WHERE hash = ?`), tok).Scan(&stored); err != nil || stored != 0 {
				t.Errorf("the raw token is stored (%d rows, %v); only its hash may be", stored, err)
			}
			*w.clock = w.clock.Add(8 * 24 * time.Hour) // sessions last 7 days
			_, err = st.Authenticate(ctx, tok)
			wantErr(t, err, ErrUnauthorized, MsgInvalidToken)
			*w.clock = w.clock.Add(-8 * 24 * time.Hour)
			wantErr(t, st.Logout(ctx, tok), nil, "")
			_, err = st.Authenticate(ctx, tok)
			wantErr(t, err, ErrUnauthorized, MsgInvalidToken)
			_, err = st.Authenticate(ctx, "")
			wantErr(t, err, ErrUnauthorized, MsgInvalidToken)
		})

		t.Run("change password", func(t *testing.T) {
			must(t, st.CreateUser(ctx, "pat@example.com", "123456"))
			tests := []struct {
				name, old, new string
				kind           error
				msg            string
			}{
				{"empty old", "", "654321", ErrInvalid, MsgPasswordsNeeded},
				{"empty new", "123456", "", ErrInvalid, MsgPasswordsNeeded},
				{"short new", "123456", "654", ErrInvalid, MsgPasswordLength},
				{"wrong old", "000000", "654321", ErrForbidden, MsgPasswordMatch},
				{"valid", "123456", "654321", nil, ""},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					wantErr(t, st.ChangePassword(ctx, "pat@example.com", tc.old, tc.new), tc.kind, tc.msg)
				})
			}
			if _, err := st.Login(ctx, "pat@example.com", "654321"); err != nil {
				t.Errorf("login with the new password: %v", err)
			}
		})

		t.Run("reset password", func(t *testing.T) {
			must(t, st.CreateUser(ctx, "rita@example.com", "123456"))
			_, err := st.StartPasswordReset(ctx, "ghost@example.com")
			wantErr(t, err, ErrNotFound, MsgUserNotFound)
			_, err = st.StartPasswordReset(ctx, "ghost")
			wantErr(t, err, ErrInvalid, MsgInvalidEmail)
			tok, err := st.StartPasswordReset(ctx, "rita@example.com")
			wantErr(t, err, nil, "")
			_, err = st.ResetPassword(ctx, "rita@example.com", "not-the-token")
			wantErr(t, err, ErrForbidden, MsgInvalidToken)
			_, err = st.ResetPassword(ctx, w.alice.Email, tok) // issued for another user
			wantErr(t, err, ErrForbidden, MsgInvalidToken)
			newPassword, err := st.ResetPassword(ctx, "rita@example.com", tok)
			wantErr(t, err, nil, "")
			if _, err := st.Login(ctx, "rita@example.com", newPassword); err != nil {
				t.Errorf("login with the reset password: %v", err)
			}
			_, err = st.ResetPassword(ctx, "rita@example.com", tok) // used
			wantErr(t, err, ErrForbidden, MsgInvalidToken)
			old, _ := st.StartPasswordReset(ctx, "rita@example.com")
			*w.clock = w.clock.Add(25 * time.Hour)
			_, err = st.ResetPassword(ctx, "rita@example.com", old) // expired
			*w.clock = w.clock.Add(-25 * time.Hour)
			wantErr(t, err, ErrForbidden, MsgInvalidToken)
		})

		t.Run("keys", func(t *testing.T) {
			wantErr(t, st.AddKey(ctx, w.carol.Email, " "), ErrInvalid, MsgMissingKey)
			wantErr(t, st.AddKey(ctx, w.carol.Email, "ssh-rsa AAA carol"), nil, "")
			wantErr(t, st.AddKey(ctx, w.carol.Email, "ssh-rsa AAA carol"), ErrConflict, MsgKeyExists)
			wantErr(t, st.AddKey(ctx, w.bob.Email, "ssh-rsa AAA carol"), nil, "") // per user
			wantErr(t, st.RemoveKey(ctx, w.carol.Email, "ssh-rsa BBB"), ErrNotFound, MsgKeyNotFound)
			wantErr(t, st.RemoveKey(ctx, w.carol.Email, "ssh-rsa AAA carol"), nil, "")
			keys, _ := st.Keys(ctx, w.carol.Email)
			if len(keys) != 0 {
				t.Errorf("keys after removal = %v", keys)
			}
		})

		t.Run("teams", func(t *testing.T) {
			tests := []struct {
				name string
				do   func() error
				kind error
				msg  string
			}{
				{"invalid name", func() error { return st.CreateTeam(ctx, w.carol.Email, "1team") }, ErrInvalid, MsgInvalidTeamName},
				{"one character", func() error { return st.CreateTeam(ctx, w.carol.Email, "a") }, ErrInvalid, MsgInvalidTeamName},
				{"duplicate", func() error { return st.CreateTeam(ctx, w.carol.Email, "red") }, ErrConflict, MsgTeamExists},
				{"info of unknown team", func() error { _, err := st.GetTeam(ctx, w.alice.Email, "nope"); return err }, ErrNotFound, MsgTeamNotFound},
				{"info as non-member", func() error { _, err := st.GetTeam(ctx, w.bob.Email, "red"); return err }, ErrForbidden, MsgNotTeamMember},
				{"add to unknown team", func() error { return st.AddUserToTeam(ctx, w.alice.Email, "nope", w.bob.Email) }, ErrNotFound, MsgTeamNotFound},
				{"add as non-member", func() error { return st.AddUserToTeam(ctx, w.bob.Email, "red", w.carol.Email) }, ErrForbidden, "You are not authorized to add new users to the team red"},
				{"add unknown user", func() error { return st.AddUserToTeam(ctx, w.alice.Email, "red", "ghost@example.com") }, ErrNotFound, MsgUserNotFound},
				{"add a member again", func() error { return st.AddUserToTeam(ctx, w.alice.Email, "red", w.alice.Email) }, ErrConflict, "User alice@example.com is already in the team red."},
				{"remove as non-member", func() error { return st.RemoveUserFromTeam(ctx, w.bob.Email, "red", w.alice.Email) }, ErrForbidden, "You are not authorized to remove a member from the team red"},
				{"remove a non-member", func() error { return st.RemoveUserFromTeam(ctx, w.alice.Email, "red", w.bob.Email) }, ErrNotFound, "User bob@example.com is not in the team red."},
				{"remove the last member", func() error { return st.RemoveUserFromTeam(ctx, w.alice.Email, "red", w.alice.Email) }, ErrForbidden, MsgLastTeamMember},
				{"delete a team with apps", func() error { return st.DeleteTeam(ctx, w.alice.Email, "red") }, ErrForbidden, MsgTeamHasApps},
				{"delete another's team", func() error { return st.DeleteTeam(ctx, w.alice.Email, "blue") }, ErrNotFound, `Team "blue" not found.`},
				{"delete the last user of a team", func() error { return st.DeleteUser(ctx, w.bob.Email) }, ErrForbidden, "This user is the last member of the team \"blue\", so it cannot be removed.\n\nPlease remove the team, then remove the user."},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) { wantErr(t, tc.do(), tc.kind, tc.msg) })
			}
			// A full membership cycle.
			must(t, st.CreateTeam(ctx, w.carol.Email, "green team"))
			must(t, st.AddUserToTeam(ctx, w.carol.Email, "green team", w.bob.Email))
			team, err := st.GetTeam(ctx, w.bob.Email, "green team")
			if err != nil || !slices.Equal(team.Users, []string{w.bob.Email, w.carol.Email}) {
				t.Errorf("team = %+v, %v", team, err)
			}
			must(t, st.RemoveUserFromTeam(ctx, w.bob.Email, "green team", w.carol.Email))
			must(t, st.DeleteTeam(ctx, w.bob.Email, "green team"))
			teams, _ := st.ListTeams(ctx, w.bob.Email)
			if !slices.Equal(teams, []string{"blue"}) {
				t.Errorf("bob's teams = %v", teams)
			}
		})

		t.Run("apps", func(t *testing.T) {
			tests := []struct {
				name string
				c    Caller
				app  NewApp
				kind error
				msg  string
			}{
				{"no platform", w.alice, NewApp{Name: "x1"}, ErrInvalid, MsgInvalidPlatform},
				{"unknown platform", w.alice, NewApp{Name: "x1", Platform: "cobol"}, ErrInvalid, MsgInvalidPlatform},
				{"invalid name", w.alice, NewApp{Name: "1app", Platform: "python"}, ErrInvalid, MsgInvalidAppName},
				{"upper case", w.alice, NewApp{Name: "App", Platform: "python"}, ErrInvalid, MsgInvalidAppName},
				{"64 characters", w.alice, NewApp{Name: "a" + string(slices.Repeat([]byte("b"), 63)), Platform: "python"}, ErrInvalid, MsgInvalidAppName},
				{"user in no team", w.carol, NewApp{Name: "carol-app", Platform: "python"}, ErrInvalid, MsgAppNoTeam},
				{"duplicate", w.bob, NewApp{Name: "red-app", Platform: "python"}, ErrConflict, MsgAppExists},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					_, err := st.CreateApp(ctx, tc.c, tc.app)
					wantErr(t, err, tc.kind, tc.msg)
				})
			}
			a, err := st.GetApp(ctx, w.alice, "red-app")
			wantErr(t, err, nil, "")
			if a.Owner != w.alice.Email || !slices.Equal(a.Teams, []string{"admin", "red"}) || len(a.Units) != 2 ||
				a.Units[1].Name != "red-app/1" || a.Repository != "git@tsuru.plataformas.glb.com:red-app.git" {
				t.Errorf("app = %+v", a)
			}
			access := []struct {
				name string
				c    Caller
				app  string
				kind error
				msg  string
			}{
				{"own app", w.bob, "blue-app", nil, ""},
				{"admin on any app", w.alice, "blue-app", nil, ""},
				{"other team's app", w.bob, "red-app", ErrForbidden, MsgAppNoAccess},
				{"no team", w.carol, "blue-app", ErrForbidden, MsgAppNoAccess},
				{"unknown app", w.bob, "nope", ErrNotFound, "App nope not found."},
				{"app token of this app", Caller{AppName: "blue-app"}, "blue-app", nil, ""},
				{"app token of another app", Caller{AppName: "red-app"}, "blue-app", ErrForbidden, MsgAppNoAccess},
			}
			for _, tc := range access {
				t.Run("access: "+tc.name, func(t *testing.T) {
					_, err := st.GetApp(ctx, tc.c, tc.app)
					wantErr(t, err, tc.kind, tc.msg)
					wantErr(t, st.RestartApp(ctx, tc.c, tc.app), tc.kind, tc.msg)
					_, err = st.GetEnv(ctx, tc.c, tc.app, nil)
					wantErr(t, err, tc.kind, tc.msg)
				})
			}
			bobs, _ := st.ListApps(ctx, w.bob)
			all, _ := st.ListApps(ctx, w.alice)
			none, _ := st.ListApps(ctx, w.carol)
			if len(bobs) != 1 || bobs[0].Name != "blue-app" || len(all) != 2 || none == nil || len(none) != 0 {
				t.Errorf("ListApps: bob %v, alice (admin) %v, carol %v", bobs, all, none)
			}
		})

		t.Run("env", func(t *testing.T) {
			wantErr(t, st.SetEnv(ctx, w.bob, "blue-app", nil), ErrInvalid, MsgEnvObject)
			wantErr(t, st.UnsetEnv(ctx, w.bob, "blue-app", []string{}), ErrInvalid, MsgEnvList)
			wantErr(t, st.SetEnv(ctx, w.bob, "blue-app", map[string]string{"A": "1", "B": "2"}), nil, "")
			wantErr(t, st.SetEnv(ctx, w.bob, "blue-app", map[string]string{"A": "one"}), nil, "")
			wantErr(t, st.SetEnv(ctx, w.bob, "red-app", map[string]string{"A": "1"}), ErrForbidden, MsgAppNoAccess)
			vars, _ := st.GetEnv(ctx, w.bob, "blue-app", []string{"A", "UNKNOWN"})
			if len(vars) != 1 || vars[0] != (EnvVar{Name: "A", Value: "one", Public: true}) {
				t.Errorf("filtered env = %+v", vars)
			}
			wantErr(t, st.UnsetEnv(ctx, w.bob, "blue-app", []string{"A", "B", "UNKNOWN"}), nil, "")
			vars, _ = st.GetEnv(ctx, w.bob, "blue-app", nil)
			if vars == nil || len(vars) != 0 {
				t.Errorf("env after unset = %#v, want empty", vars)
			}
		})

		t.Run("swap", func(t *testing.T) {
			tests := []struct {
				name       string
				c          Caller
				app1, app2 string
				kind       error
				msg        string
			}{
				{"unknown first", w.alice, "nope", "red-app", ErrNotFound, "App nope not found."},
				{"unknown second", w.alice, "red-app", "nope", ErrNotFound, "App nope not found."},
				{"second inaccessible", w.bob, "blue-app", "red-app", ErrForbidden, MsgAppNoAccess},
				{"admin", w.alice, "red-app", "blue-app", nil, ""},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) { wantErr(t, st.Swap(ctx, tc.c, tc.app1, tc.app2), tc.kind, tc.msg) })
			}
			red, _ := st.GetApp(ctx, w.alice, "red-app")
			blue, _ := st.GetApp(ctx, w.alice, "blue-app")
			if red.Ip != "blue-app.tsuru.local" || blue.Ip != "red-app.tsuru.local" {
				t.Errorf("after swap: red %s, blue %s", red.Ip, blue.Ip)
			}
			must(t, st.Swap(ctx, w.alice, "blue-app", "red-app"))
		})

		t.Run("services", func(t *testing.T) {
			_, err := ParseManifest([]byte("id: [unclosed"))
			wantErr(t, err, ErrServiceAPI, "")
			_, err = ParseManifest([]byte("id: x\n"))
			wantErr(t, err, ErrInvalid, MsgNoEndpoint)
			m, err := ParseManifest([]byte("id: memcached\nendpoint:\n  production: mc.example.com\n  test: mc-test\nextra: ignored\n"))
			if err != nil || m.ID != "memcached" || m.Endpoint.Test != "mc-test" {
				t.Errorf("ParseManifest = %+v, %v", m, err)
			}
			tests := []struct {
				name string
				do   func() error
				kind error
				msg  string
			}{
				{"create in no team", func() error { return st.CreateService(ctx, w.carol.Email, manifest("x", "x.com")) }, ErrForbidden, MsgServiceNoTeam},
				{"create duplicate", func() error { return st.CreateService(ctx, w.bob.Email, manifest("redis", "x.com")) }, ErrServiceAPI, "Service with name redis already exists."},
				{"update unknown", func() error { return st.UpdateService(ctx, w.alice.Email, manifest("nope", "x.com")) }, ErrNotFound, MsgServiceNotFound},
				{"update as non-owner", func() error { return st.UpdateService(ctx, w.bob.Email, manifest("redis", "x.com")) }, ErrForbidden, MsgServiceNoAccess},
				{"delete unknown", func() error { return st.DeleteService(ctx, w.alice.Email, "nope") }, ErrNotFound, MsgServiceNotFound},
				{"delete as non-owner", func() error { return st.DeleteService(ctx, w.bob.Email, "redis") }, ErrForbidden, MsgServiceNoAccess},
				{"delete with instances", func() error { return st.DeleteService(ctx, w.alice.Email, "redis") }, ErrForbidden, MsgServiceHasInsts},
				{"doc of unknown", func() error { _, err := st.GetServiceDoc(ctx, w.alice.Email, "nope"); return err }, ErrNotFound, MsgServiceNotFound},
				{"doc update as non-owner", func() error { return st.SetServiceDoc(ctx, w.bob.Email, "redis", "x") }, ErrForbidden, MsgServiceNoAccess},
				{"grant on unknown service", func() error { return st.GrantService(ctx, w.alice.Email, "nope", "blue") }, ErrNotFound, MsgServiceNotFound},
				{"grant as non-owner", func() error { return st.GrantService(ctx, w.bob.Email, "redis", "blue") }, ErrForbidden, MsgServiceNoAccess},
				{"grant to unknown team", func() error { return st.GrantService(ctx, w.alice.Email, "redis", "nope") }, ErrNotFound, MsgTeamNotFound},
				{"grant twice", func() error { return st.GrantService(ctx, w.alice.Email, "redis", "red") }, ErrConflict, MsgTeamHasAccess},
				{"revoke from a team without access", func() error { return st.RevokeService(ctx, w.alice.Email, "redis", "blue") }, ErrNotFound, MsgTeamNoAccess},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) { wantErr(t, tc.do(), tc.kind, tc.msg) })
			}
			must(t, st.SetServiceDoc(ctx, w.alice.Email, "redis", "Redis exports REDIS_HOST."))
			if doc, _ := st.GetServiceDoc(ctx, w.bob.Email, "redis"); doc != "Redis exports REDIS_HOST." {
				t.Errorf("doc = %q", doc)
			}
			// redis is owned by admin and red; revoking both leaves none.
			must(t, st.RevokeService(ctx, w.alice.Email, "redis", "admin"))
			wantErr(t, st.RevokeService(ctx, w.alice.Email, "redis", "red"), ErrForbidden, MsgLastServiceTeam)
			must(t, st.GrantService(ctx, w.alice.Email, "redis", "admin"))
			// A restricted service is invisible to teams without access.
			must(t, st.CreateService(ctx, w.alice.Email, manifest("secret", "s.example.com")))
			must(t, st.SetServiceRestricted(ctx, "secret", true))
			_, err = st.GetService(ctx, w.bob.Email, "secret")
			wantErr(t, err, ErrForbidden, MsgServiceNoAccess)
			wantErr(t, st.CreateInstance(ctx, w.bob.Email, "secret", "secret-1"), ErrNotFound, MsgServiceNotFound)
			list, _ := st.ListInstances(ctx, w.bob.Email)
			for _, s := range list {
				if s.Service == "secret" {
					t.Errorf("bob sees the restricted service: %v", list)
				}
			}
			must(t, st.GrantService(ctx, w.alice.Email, "secret", "blue"))
			must(t, st.CreateInstance(ctx, w.bob.Email, "secret", "secret-1"))
			insts, _ := st.GetService(ctx, w.bob.Email, "secret")
			if len(insts) != 1 || !slices.Equal(insts[0].Teams, []string{"blue"}) {
				t.Errorf("bob's instances of secret = %+v", insts)
			}
			must(t, st.DeleteInstance(ctx, w.bob.Email, "secret-1"))
			must(t, st.DeleteService(ctx, w.alice.Email, "secret"))
			owned, _ := st.ListServices(ctx, w.alice.Email)
			if len(owned) != 1 || owned[0].Service != "redis" || !slices.Equal(owned[0].Instances, []string{"redis-1"}) {
				t.Errorf("ListServices = %+v", owned)
			}
		})

		t.Run("instances and binding", func(t *testing.T) {
			tests := []struct {
				name string
				do   func() error
				kind error
				msg  string
			}{
				{"create of unknown service", func() error { return st.CreateInstance(ctx, w.bob.Email, "nope", "n1") }, ErrNotFound, MsgServiceNotFound},
				{"invalid name", func() error { return st.CreateInstance(ctx, w.bob.Email, "redis", "1bad") }, ErrInvalid, MsgInstInvalidName},
				{"duplicate", func() error { return st.CreateInstance(ctx, w.bob.Email, "redis", "redis-1") }, ErrConflict, ""},
				{"info of unknown", func() error { _, err := st.GetInstance(ctx, w.bob.Email, "nope"); return err }, ErrNotFound, MsgInstNotFound},
				{"info without access", func() error { _, err := st.GetInstance(ctx, w.bob.Email, "redis-1"); return err }, ErrForbidden, MsgInstNoAccess},
				{"status without access", func() error { _, err := st.InstanceStatus(ctx, w.bob.Email, "redis-1"); return err }, ErrForbidden, MsgInstNoAccess},
				{"bind unknown instance", func() error { _, err := st.Bind(ctx, w.alice, "nope", "red-app"); return err }, ErrNotFound, MsgInstNotFound},
				{"bind inaccessible instance", func() error { _, err := st.Bind(ctx, w.bob, "redis-1", "blue-app"); return err }, ErrForbidden, MsgInstNoAccess},
				{"bind unknown app", func() error { _, err := st.Bind(ctx, w.alice, "redis-1", "nope"); return err }, ErrNotFound, "App nope not found."},
				{"unbind what is not bound", func() error { return st.Unbind(ctx, w.alice, "redis-1", "red-app") }, ErrPrecondition, MsgNotBound},
				{"delete unknown", func() error { return st.DeleteInstance(ctx, w.alice.Email, "nope") }, ErrNotFound, MsgInstNotFound},
				{"delete without access", func() error { return st.DeleteInstance(ctx, w.bob.Email, "redis-1") }, ErrForbidden, MsgInstNoAccess},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) { wantErr(t, tc.do(), tc.kind, tc.msg) })
			}
			must(t, st.SetEnv(ctx, w.alice, "red-app", map[string]string{"USER_VAR": "u"}))
			env, err := st.Bind(ctx, w.alice, "redis-1", "red-app")
			wantErr(t, err, nil, "")
			want := map[string]string{"REDIS_HOST": "redis.example.com", "REDIS_INSTANCE": "redis-1"}
			if fmt.Sprint(env) != fmt.Sprint(want) {
				t.Errorf("bind exported %v, want %v", env, want)
			}
			_, err = st.Bind(ctx, w.alice, "redis-1", "red-app")
			wantErr(t, err, ErrConflict, MsgAlreadyBound)
			wantErr(t, st.DeleteInstance(ctx, w.alice.Email, "redis-1"), ErrForbidden, MsgInstBound)
			// Bound variables are private and survive env-unset.
			must(t, st.UnsetEnv(ctx, w.alice, "red-app", []string{"REDIS_HOST"}))
			vars, _ := st.GetEnv(ctx, w.alice, "red-app", []string{"REDIS_HOST"})
			if len(vars) != 1 || vars[0].Public || vars[0].Instance != "redis-1" {
				t.Errorf("bound variable = %+v", vars)
			}
			in, _ := st.GetInstance(ctx, w.alice.Email, "redis-1")
			if !slices.Equal(in.Apps, []string{"red-app"}) {
				t.Errorf("instance apps = %v", in.Apps)
			}
			must(t, st.Unbind(ctx, w.alice, "redis-1", "red-app"))
			vars, _ = st.GetEnv(ctx, w.alice, "red-app", nil)
			if len(vars) != 1 || vars[0].Name != "USER_VAR" {
				t.Errorf("env after unbind = %+v, want USER_VAR only", vars)
			}
			if s, err := st.InstanceStatus(ctx, w.alice.Email, "redis-1"); err != nil || s != `Service instance "redis-1" is up` {
				t.Errorf("status = %q, %v", s, err)
			}
		})

		t.Run("app tokens", func(t *testing.T) {
			_, err := st.CreateAppToken(ctx, w.bob, "blue-app", false)
			wantErr(t, err, ErrForbidden, MsgAdminOnly)
			_, err = st.CreateAppToken(ctx, w.alice, " ", false)
			wantErr(t, err, ErrInvalid, MsgMissingClient)
			tok, err := st.CreateAppToken(ctx, w.alice, "blue-app", true)
			wantErr(t, err, nil, "")
			if tok.Expires != 365*24*time.Hour || tok.AppName != "blue-app" {
				t.Errorf("token = %+v", tok)
			}
			c, err := st.Authenticate(ctx, tok.Token)
			if err != nil || c.AppName != "blue-app" || c.Email != "" {
				t.Fatalf("Authenticate(app token) = %+v, %v", c, err)
			}
			vars, _ := st.GetEnv(ctx, c, "blue-app", []string{"TSURU_APP_TOKEN"})
			if len(vars) != 1 || vars[0].Value != tok.Token || vars[0].Public {
				t.Errorf("exported token = %+v", vars)
			}
		})

		t.Run("healers and platforms", func(t *testing.T) {
			wantErr(t, st.ExecuteHealer(ctx, "nope"), ErrNotFound, MsgHealerNotFound)
			must(t, st.AddHealer(ctx, "app-heal", "http://healer.com"))
			must(t, st.ExecuteHealer(ctx, "app-heal"))
			hs, _ := st.ListHealers(ctx)
			if len(hs) != 1 || hs[0].Runs != 1 {
				t.Errorf("healers = %+v", hs)
			}
			ps, _ := st.ListPlatforms(ctx)
			if !slices.Equal(ps, []string{"python"}) {
				t.Errorf("platforms = %v", ps)
			}
		})

		t.Run("quota", func(t *testing.T) {
			_, err := st.GetQuota(ctx, "nobody@example.com")
			wantErr(t, err, ErrNotFound, MsgQuotaNotFound)
			q, err := st.GetQuota(ctx, w.alice.Email)
			if err != nil || q.Items != 1 || q.Available != DefaultAppsPerUser-1 {
				t.Errorf("quota = %+v, %v", q, err)
			}
			must(t, st.SetQuotaLimit(ctx, w.alice.Email, 2))
			_, err = st.CreateApp(ctx, w.alice, NewApp{Name: "second", Platform: "python"})
			wantErr(t, err, nil, "")
			_, err = st.CreateApp(ctx, w.alice, NewApp{Name: "third", Platform: "python"})
			wantErr(t, err, ErrForbidden, MsgQuotaExceeded)
			if _, err := st.GetApp(ctx, w.alice, "third"); !errors.Is(err, ErrNotFound) {
				t.Errorf("the refused app exists: %v", err)
			}
			must(t, st.DeleteApp(ctx, w.alice, "second"))
			if q, _ := st.GetQuota(ctx, w.alice.Email); q.Items != 1 || q.Available != 1 {
				t.Errorf("quota after delete = %+v", q)
			}
			// A refused duplicate does not use an item.
			_, err = st.CreateApp(ctx, w.alice, NewApp{Name: "blue-app", Platform: "python"})
			wantErr(t, err, ErrConflict, MsgAppExists)
			if q, _ := st.GetQuota(ctx, w.alice.Email); q.Items != 1 {
				t.Errorf("quota after a refused duplicate = %+v", q)
			}
		})

		t.Run("delete app unbinds and frees its name", func(t *testing.T) {
			_, err := st.CreateApp(ctx, w.alice, NewApp{Name: "doomed", Platform: "python"})
			must(t, err)
			_, err = st.Bind(ctx, w.alice, "redis-1", "doomed")
			must(t, err)
			wantErr(t, st.DeleteApp(ctx, w.bob, "doomed"), ErrForbidden, MsgAppNoAccess)
			must(t, st.DeleteApp(ctx, w.alice, "doomed"))
			wantErr(t, st.DeleteApp(ctx, w.alice, "doomed"), ErrNotFound, "App doomed not found.")
			in, _ := st.GetInstance(ctx, w.alice.Email, "redis-1")
			if len(in.Apps) != 0 {
				t.Errorf("instance still bound to %v", in.Apps)
			}
			_, err = st.CreateApp(ctx, w.alice, NewApp{Name: "doomed", Platform: "python"})
			must(t, err)
			must(t, st.DeleteApp(ctx, w.alice, "doomed"))
		})
	})
}

// TestStoreConcurrency checks the rules that must hold across replicas: many goroutines
// on separate connections act at once, and only the database arbitrates.
func TestStoreConcurrency(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		st := w.st

		t.Run("quota holds under concurrent app creation", func(t *testing.T) {
			must(t, st.SetQuotaLimit(ctx, w.bob.Email, 4)) // blue-app already uses one
			const n = 12
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = st.CreateApp(ctx, w.bob, NewApp{Name: fmt.Sprintf("race-%d", i), Platform: "python"})
				}()
			}
			wg.Wait()
			ok, exceeded := 0, 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case errors.Is(err, ErrForbidden):
					exceeded++
				default:
					t.Errorf("unexpected error: %v", err)
				}
			}
			q, _ := st.GetQuota(ctx, w.bob.Email)
			apps, _ := st.ListApps(ctx, w.bob)
			if ok != 3 || exceeded != n-3 || q.Items != 4 || q.Available != 0 || len(apps) != 4 {
				t.Errorf("created %d, refused %d, quota %+v, apps %d; want 3 created, quota 4 used", ok, exceeded, q, len(apps))
			}
		})

		t.Run("identical sign-ups", func(t *testing.T) {
			const n = 20
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = st.CreateUser(ctx, "twin@example.com", "123456")
				}()
			}
			wg.Wait()
			ok := 0
			for _, err := range errs {
				if err == nil {
					ok++
				} else if !errors.Is(err, ErrConflict) {
					t.Errorf("unexpected error: %v", err)
				}
			}
			if ok != 1 {
				t.Errorf("%d sign-ups succeeded, want exactly 1", ok)
			}
		})

		t.Run("revoking concurrently never orphans a service", func(t *testing.T) {
			must(t, st.AddUserToTeam(ctx, w.alice.Email, "red", w.bob.Email))
			must(t, st.GrantService(ctx, w.alice.Email, "redis", "blue")) // teams: admin, blue, red
			var wg sync.WaitGroup
			for _, team := range []string{"admin", "blue", "red"} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_ = st.RevokeService(ctx, w.alice.Email, "redis", team)
				}()
			}
			wg.Wait()
			sv, err := st.loadService(ctx, db, "redis")
			if err != nil || len(sv.Teams) != 1 {
				t.Errorf("teams left with access: %v (%v), want exactly one", sv.Teams, err)
			}
		})
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
