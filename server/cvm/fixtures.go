package cvm

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"

	"gopkg.in/yaml.v3"
)

// DemoFixtures reproduces the document's examples: the two VPSes of the list call belong
// to the user "demo" (token pair demo-public / demo-private). A second user shows the
// documented failures (see the README).
//
//go:embed demo.yaml
var DemoFixtures []byte

// Fixtures is the seed data format (the "cvm" section of a fixtures file).
type Fixtures struct {
	Nodes []struct {
		Name      string `yaml:"name"`
		Reachable bool   `yaml:"reachable"`
	} `yaml:"nodes"`
	Users []struct {
		Name       string `yaml:"name"`
		TokenPairs []struct {
			Public    string `yaml:"public"`
			Private   string `yaml:"private"`
			ClientAPI bool   `yaml:"client_api"`
			Revoked   bool   `yaml:"revoked"`
		} `yaml:"token_pairs"`
		VPSes []struct {
			Hostname      string `yaml:"hostname"`
			Node          string `yaml:"node"`
			GuaranteedRAM int64  `yaml:"guaranteed_ram"`
			BurstableRAM  *int64 `yaml:"burstable_ram"`
			DiskSpace     int64  `yaml:"disk_space"`
			CPUCount      int64  `yaml:"cpu_count"`
			Traffic       struct {
				Split    bool  `yaml:"split"`
				Limit    int64 `yaml:"limit"`
				Used     int64 `yaml:"used"`
				InLimit  int64 `yaml:"in_limit"`
				InUsed   int64 `yaml:"in_used"`
				OutLimit int64 `yaml:"out_limit"`
				OutUsed  int64 `yaml:"out_used"`
			} `yaml:"traffic"`
			RAMUsed  int64 `yaml:"ram_used"`
			DiskUsed int64 `yaml:"disk_used"`
			State    State `yaml:"state"`
		} `yaml:"vpses"`
	} `yaml:"users"`
}

// Seed loads fixtures (YAML) into an empty store; a store that already has users is left
// alone, so restarts and several replicas starting at once seed only once.
func Seed(ctx context.Context, st Store, data []byte) error {
	_, err := seed(ctx, st, data)
	return err
}

// seed is Seed, reporting whether it loaded anything.
func seed(ctx context.Context, st Store, data []byte) (bool, error) {
	var f Fixtures
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return false, fmt.Errorf("cvm fixtures: %w", err)
	}
	if empty, err := st.Empty(ctx); err != nil || !empty {
		return false, err
	}
	nodes := map[string]int64{}
	for _, n := range f.Nodes {
		node, err := st.CreateNode(ctx, n.Name, n.Reachable)
		if errors.Is(err, ErrConflict) {
			return false, nil // another replica is seeding
		}
		if err != nil {
			return false, err
		}
		nodes[n.Name] = node.ID
	}
	for _, u := range f.Users {
		user, err := st.CreateUser(ctx, u.Name)
		if err != nil {
			return false, err
		}
		for _, tp := range u.TokenPairs {
			if err := st.AddTokenPair(ctx, user.ID, tp.Public, tp.Private, tp.ClientAPI); err != nil {
				return false, err
			}
			if tp.Revoked {
				if err := st.RevokeTokenPair(ctx, tp.Public); err != nil {
					return false, err
				}
			}
		}
		for _, v := range u.VPSes {
			nodeID, ok := nodes[v.Node]
			if !ok {
				return false, fmt.Errorf("cvm fixtures: VPS %s: unknown node %q", v.Hostname, v.Node)
			}
			t := v.Traffic
			_, err := st.CreateVPS(ctx, VPS{
				UserID: user.ID, NodeID: nodeID, Hostname: v.Hostname,
				GuaranteedRAM: v.GuaranteedRAM, BurstableRAM: v.BurstableRAM, DiskSpace: v.DiskSpace,
				CPUCount: v.CPUCount, RAMUsed: v.RAMUsed, DiskUsed: v.DiskUsed, State: v.State,
				Traffic: Traffic{Split: t.Split, Limit: t.Limit, Used: t.Used, InLimit: t.InLimit,
					InUsed: t.InUsed, OutLimit: t.OutLimit, OutUsed: t.OutUsed},
			})
			if err != nil {
				return false, fmt.Errorf("cvm fixtures: VPS %s: %w", v.Hostname, err)
			}
		}
	}
	return true, nil
}
