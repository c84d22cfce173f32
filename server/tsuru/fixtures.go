package tsuru

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"

	"gopkg.in/yaml.v3"
)

// DemoFixtures lets the doc's examples be replayed: the user nobody@globo.com (password
// 123456) in the teams tsuruteam and admin, the platforms python, java, ruby20 and static,
// the service mongodb with the instances my_nosql and other-instance, the app app1 and
// the healer app-heal.
//
//go:embed demo.yaml
var DemoFixtures []byte

// Fixtures is the seed data format (the "tsuru" section of a fixtures file). Users,
// teams, services, instances and apps are created through the Store's own rules, acting
// as the named user, so seeded data is data the API could have produced.
type Fixtures struct {
	Platforms []string `yaml:"platforms"`
	Healers   []struct {
		Name string `yaml:"name"`
		URL  string `yaml:"url"`
	} `yaml:"healers"`
	Users []struct {
		Email    string   `yaml:"email"`
		Password string   `yaml:"password"`
		Quota    *int     `yaml:"quota"` // app limit; absent: the configured default
		Keys     []string `yaml:"keys"`
	} `yaml:"users"`
	Teams []struct {
		Name    string   `yaml:"name"`
		Members []string `yaml:"members"` // the first member creates the team
	} `yaml:"teams"`
	Services []struct {
		ID       string `yaml:"id"`
		Owner    string `yaml:"owner"`
		Endpoint struct {
			Production string `yaml:"production"`
			Test       string `yaml:"test"`
		} `yaml:"endpoint"`
		Doc        string   `yaml:"doc"`
		Restricted bool     `yaml:"restricted"`
		Grant      []string `yaml:"grant"`
		Instances  []struct {
			Name  string `yaml:"name"`
			Owner string `yaml:"owner"` // default: the service's owner
		} `yaml:"instances"`
	} `yaml:"services"`
	Apps []struct {
		Name     string            `yaml:"name"`
		Owner    string            `yaml:"owner"`
		Platform string            `yaml:"platform"`
		Units    int               `yaml:"units"`
		Env      map[string]string `yaml:"env"`
		Bind     []string          `yaml:"bind"`
	} `yaml:"apps"`
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
		return false, fmt.Errorf("tsuru fixtures: %w", err)
	}
	if empty, err := st.Empty(ctx); err != nil || !empty {
		return false, err
	}
	wrap := func(what string, err error) error { return fmt.Errorf("tsuru fixtures: %s: %w", what, err) }
	for i, u := range f.Users {
		err := st.CreateUser(ctx, u.Email, u.Password)
		if i == 0 && errors.Is(err, ErrConflict) {
			return false, nil // another replica is seeding
		}
		if err != nil {
			return false, wrap("user "+u.Email, err)
		}
		if u.Quota != nil {
			if err := st.SetQuotaLimit(ctx, u.Email, *u.Quota); err != nil {
				return false, wrap("user "+u.Email, err)
			}
		}
		for _, k := range u.Keys {
			if err := st.AddKey(ctx, u.Email, k); err != nil {
				return false, wrap("user "+u.Email, err)
			}
		}
	}
	for _, p := range f.Platforms {
		if err := st.AddPlatform(ctx, p); err != nil {
			return false, wrap("platform "+p, err)
		}
	}
	for _, h := range f.Healers {
		if err := st.AddHealer(ctx, h.Name, h.URL); err != nil {
			return false, wrap("healer "+h.Name, err)
		}
	}
	for _, t := range f.Teams {
		if len(t.Members) == 0 {
			return false, wrap("team "+t.Name, errors.New("a team needs at least one member"))
		}
		if err := st.CreateTeam(ctx, t.Members[0], t.Name); err != nil {
			return false, wrap("team "+t.Name, err)
		}
		for _, m := range t.Members[1:] {
			if err := st.AddUserToTeam(ctx, t.Members[0], t.Name, m); err != nil {
				return false, wrap("team "+t.Name, err)
			}
		}
	}
	for _, s := range f.Services {
		var m Manifest
		m.ID, m.Endpoint.Production, m.Endpoint.Test = s.ID, s.Endpoint.Production, s.Endpoint.Test
		if err := st.CreateService(ctx, s.Owner, m); err != nil {
			return false, wrap("service "+s.ID, err)
		}
		if s.Doc != "" {
			if err := st.SetServiceDoc(ctx, s.Owner, s.ID, s.Doc); err != nil {
				return false, wrap("service "+s.ID, err)
			}
		}
		for _, t := range s.Grant {
			if err := st.GrantService(ctx, s.Owner, s.ID, t); err != nil {
				return false, wrap("service "+s.ID, err)
			}
		}
		if s.Restricted {
			if err := st.SetServiceRestricted(ctx, s.ID, true); err != nil {
				return false, wrap("service "+s.ID, err)
			}
		}
		for _, in := range s.Instances {
			owner := in.Owner
			if owner == "" {
				owner = s.Owner
			}
			if err := st.CreateInstance(ctx, owner, s.ID, in.Name); err != nil {
				return false, wrap("instance "+in.Name, err)
			}
		}
	}
	for _, a := range f.Apps {
		c := Caller{Email: a.Owner}
		if _, err := st.CreateApp(ctx, c, NewApp{Name: a.Name, Platform: a.Platform, Units: a.Units}); err != nil {
			return false, wrap("app "+a.Name, err)
		}
		if len(a.Env) > 0 {
			if err := st.SetEnv(ctx, c, a.Name, a.Env); err != nil {
				return false, wrap("app "+a.Name, err)
			}
		}
		for _, in := range a.Bind {
			if _, err := st.Bind(ctx, c, in, a.Name); err != nil {
				return false, wrap("app "+a.Name, err)
			}
		}
	}
	return true, nil
}
