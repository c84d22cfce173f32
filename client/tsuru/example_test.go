package tsuru_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"

	tsuruclient "github.com/specfirst/specfirst/client/tsuru"
	"github.com/specfirst/specfirst/server/app"
	"github.com/specfirst/specfirst/server/storage"
)

func asAPIError(err error, target **tsuruclient.APIError) bool { return errors.As(err, target) }

// Example logs in as the demo user, lists apps and service instances, and shows a typed
// error. Against a real tsuru, pass its URL instead.
func Example() {
	// A local apiserver with the demo data, as `make run` serves it.
	dir, _ := os.MkdirTemp("", "tsuru-example")
	defer os.RemoveAll(dir)
	a, err := app.New(context.Background(), app.Config{Storage: storage.Config{DataDir: dir}, Seed: "demo"})
	if err != nil {
		panic(err)
	}
	defer a.Close()
	srv := httptest.NewServer(a.Handler)
	defer srv.Close()

	ctx := context.Background()
	client, err := tsuruclient.New(srv.URL + "/tsuru")
	if err != nil {
		panic(err)
	}
	if err := client.Login(ctx, "nobody@globo.com", "123456"); err != nil {
		panic(err)
	}
	apps, err := client.ListApps(ctx)
	if err != nil {
		panic(err)
	}
	for _, app := range apps {
		fmt.Printf("app %s (%s), %d unit(s)\n", app.Name, *app.Framework, len(*app.Units))
	}
	services, _ := client.ListServiceInstances(ctx)
	for _, s := range services {
		fmt.Println("service", s.Service, "instances", s.Instances)
	}

	_, err = client.CreateApp(ctx, "app1", "python")
	var apiErr *tsuruclient.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Message)
	}
	if err := client.Logout(ctx); err != nil {
		panic(err)
	}
	// Output:
	// app app1 (python), 1 unit(s)
	// service mongodb instances [my_nosql other-instance]
	// 409 there is already an app with this name.
}
