package tsuru_test

import (
	"context"
	"net/http"
	"reflect"
	"testing"

	tsuruclient "github.com/specfirst/specfirst/client/tsuru"
	"github.com/specfirst/specfirst/server/servertest"
	"github.com/specfirst/specfirst/server/storage/storagetest"
	"github.com/specfirst/specfirst/server/tsuru"
	"golang.org/x/crypto/bcrypt"
)

// TestJourney is tsuru's main user journey, through the typed client, against a real
// server on a loopback port whose responses are checked against the spec, on every
// backend: sign up → login → create team → create app → set/get/unset env → create
// service and instance → bind → unbind → swap → delete → logout.
func TestJourney(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, b storagetest.Backend) {
		// bcrypt's lowest cost keeps logins cheap in tests.
		srv := servertest.Start(t, b.Config(t), servertest.Options{}, tsuru.Module(tsuru.Options{BcryptCost: bcrypt.MinCost}))
		ctx := context.Background()
		c, err := tsuruclient.New(srv.Base("tsuru"))
		if err != nil {
			t.Fatal(err)
		}
		step := func(name string, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		const email, password = "wolverine@xmen.com", "adamantium"

		step("sign up", c.CreateUser(ctx, email, password))
		step("login", c.Login(ctx, email, password))
		if c.Token() == "" {
			t.Fatal("login kept no token")
		}
		step("create team", c.CreateTeam(ctx, "xmen"))
		teams, err := c.ListTeams(ctx)
		step("list teams", err)
		if len(teams) != 1 || teams[0].Name != "xmen" {
			t.Fatalf("teams = %+v, want [xmen]", teams)
		}

		repo, err := c.CreateApp(ctx, "logan", "python")
		step("create app", err)
		if repo != "git@tsuru.plataformas.glb.com:logan.git" {
			t.Errorf("repository URL = %q", repo)
		}
		_, err = c.CreateApp(ctx, "xavier", "ruby20")
		step("create second app", err)
		q, err := c.Quota(ctx, email)
		step("quota", err)
		if q.Items != 2 || q.Available != 8 {
			t.Errorf("quota = %+v, want 2 items, 8 available", *q)
		}

		step("set env", c.SetEnv(ctx, "logan", map[string]string{"HEALING": "fast", "CLAWS": "3"}))
		env, err := c.GetEnv(ctx, "logan")
		step("get env", err)
		want := []tsuruclient.EnvVar{{Name: "CLAWS", Value: "3", Public: true}, {Name: "HEALING", Value: "fast", Public: true}}
		if !reflect.DeepEqual(env, want) {
			t.Errorf("env = %+v, want %+v", env, want)
		}
		env, err = c.GetEnv(ctx, "logan", "CLAWS")
		step("get one variable", err)
		if len(env) != 1 || env[0].Name != "CLAWS" {
			t.Errorf("filtered env = %+v, want CLAWS only", env)
		}
		step("unset env", c.UnsetEnv(ctx, "logan", "CLAWS"))
		env, _ = c.GetEnv(ctx, "logan")
		if len(env) != 1 || env[0].Name != "HEALING" {
			t.Errorf("env after unset = %+v, want HEALING only", env)
		}

		step("create service", c.CreateService(ctx, "id: cerebro\nendpoint:\n  production: cerebro.xmen.com\n"))
		step("create instance", c.CreateServiceInstance(ctx, "cerebro", "cerebro-1"))
		exported, err := c.Bind(ctx, "cerebro-1", "logan")
		step("bind", err)
		wantExported := map[string]string{"CEREBRO_HOST": "cerebro.xmen.com", "CEREBRO_INSTANCE": "cerebro-1"}
		if !reflect.DeepEqual(exported, wantExported) {
			t.Errorf("bind exported %v, want %v", exported, wantExported)
		}
		inst, err := c.GetServiceInstance(ctx, "cerebro-1")
		step("instance info", err)
		if !reflect.DeepEqual(inst.Apps, []string{"logan"}) {
			t.Errorf("instance apps = %v, want [logan]", inst.Apps)
		}
		env, _ = c.GetEnv(ctx, "logan", "CEREBRO_HOST")
		if len(env) != 1 || env[0].Public || env[0].Value != "cerebro.xmen.com" {
			t.Errorf("bound variable = %+v, want a private CEREBRO_HOST", env)
		}
		step("unbind", c.Unbind(ctx, "cerebro-1", "logan"))
		env, _ = c.GetEnv(ctx, "logan")
		if len(env) != 1 || env[0].Name != "HEALING" {
			t.Errorf("env after unbind = %+v, want HEALING only", env)
		}

		before1, _ := c.GetApp(ctx, "logan")
		before2, _ := c.GetApp(ctx, "xavier")
		step("swap", c.Swap(ctx, "logan", "xavier"))
		after1, err := c.GetApp(ctx, "logan")
		step("get app", err)
		after2, _ := c.GetApp(ctx, "xavier")
		if *after1.IP != *before2.IP || *after2.IP != *before1.IP {
			t.Errorf("swap: logan %s→%s, xavier %s→%s", *before1.IP, *after1.IP, *before2.IP, *after2.IP)
		}

		step("delete instance", c.DeleteServiceInstance(ctx, "cerebro-1"))
		step("delete service", c.DeleteService(ctx, "cerebro"))
		step("delete app", c.DeleteApp(ctx, "logan"))
		step("delete second app", c.DeleteApp(ctx, "xavier"))
		if _, err := c.GetApp(ctx, "logan"); tsuruclient.StatusOf(err) != http.StatusNotFound {
			t.Errorf("deleted app: %v, want 404", err)
		}
		q, _ = c.Quota(ctx, email)
		if q.Items != 0 {
			t.Errorf("quota after deleting the apps = %+v, want 0 items", *q)
		}

		token := c.Token()
		step("logout", c.Logout(ctx))
		old, _ := tsuruclient.New(srv.Base("tsuru"), tsuruclient.WithToken(token))
		_, err = old.ListApps(ctx)
		var ae *tsuruclient.APIError
		if tsuruclient.StatusOf(err) != http.StatusUnauthorized || !asAPIError(err, &ae) || ae.Message != "Invalid token" {
			t.Errorf("request with the logged-out token: %v, want 401 Invalid token", err)
		}
	})
}
