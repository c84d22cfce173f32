package tsuru

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

// storeServices runs the store rules on services, their instances and bindings, on the shared world of TestStore.
func storeServices(t *testing.T, w *world) {
	ctx := context.Background()
	st := w.st

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
}
