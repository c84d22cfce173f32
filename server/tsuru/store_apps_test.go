package tsuru

import (
	"context"
	"slices"
	"testing"
)

// storeApps runs the store rules on apps, their environment and swaps, on the shared world of TestStore.
func storeApps(t *testing.T, w *world) {
	ctx := context.Background()
	st := w.st

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
		if red.IP != "blue-app.tsuru.local" || blue.IP != "red-app.tsuru.local" {
			t.Errorf("after swap: red %s, blue %s", red.IP, blue.IP)
		}
		must(t, st.Swap(ctx, w.alice, "blue-app", "red-app"))
	})
}

// storeAppDeletion runs the store rules on deleting an app, on the shared world of TestStore.
func storeAppDeletion(t *testing.T, w *world) {
	ctx := context.Background()
	st := w.st

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
}
