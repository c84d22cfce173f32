package cvm_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"

	cvmclient "github.com/specfirst/specfirst/client/cvm"
	"github.com/specfirst/specfirst/server/app"
	"github.com/specfirst/specfirst/server/storage"
)

// Example lists the demo user's VPSes, restarts one and shows a typed error. Against a
// real panel, pass its URL (https://panel.example.com/api/client) and your token pair.
func Example() {
	// A local apiserver with the demo data, as `make run` serves it.
	dir, _ := os.MkdirTemp("", "cvm-example")
	defer os.RemoveAll(dir)
	a, err := app.New(context.Background(), app.Config{Storage: storage.Config{DataDir: dir}, Seed: "demo"})
	if err != nil {
		panic(err)
	}
	defer a.Close()
	srv := httptest.NewServer(a.Handler)
	defer srv.Close()

	ctx := context.Background()
	client, err := cvmclient.New(srv.URL+"/cvm/api/client", "demo-public", "demo-private")
	if err != nil {
		panic(err)
	}
	vpses, err := client.ListVPSes(ctx)
	if err != nil {
		panic(err)
	}
	for _, v := range vpses {
		fmt.Printf("%s %s: %s MB RAM, %s MB disk\n", v.ID, v.Hostname, v.GuaranteedRAM, v.DiskSpace)
	}
	if err := client.Restart(ctx, 2); err != nil {
		panic(err)
	}
	st, _ := client.Status(ctx, 2)
	fmt.Println("VPS 2 is", st.Status)

	err = client.Start(ctx, 3) // VPS 3 belongs to another user
	fmt.Println(cvmclient.StatusOf(err), err)
	// Output:
	// 1 test-vz.cryto.net: 128 MB RAM, 5000 MB disk
	// 2 test2.cryto.net: 512 MB RAM, 40000 MB disk
	// VPS 2 is running
	// 404 cvm: 404 Not Found: No VPS with ID 3 exists for this user.
}
