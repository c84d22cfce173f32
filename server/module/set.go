package module

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"

	"golang.org/x/sync/errgroup"
	"gopkg.in/yaml.v3"

	"github.com/specfirst/specfirst/server/kit"
	"github.com/specfirst/specfirst/server/storage"
)

// Set is a list of modules opened on one database.
type Set struct {
	db   *storage.DB
	log  *slog.Logger
	mods []Module
	inst []Instance
	// reset serialises Reset with itself inside this process (across replicas, the
	// database lock of Exclusive does).
	reset sync.Mutex
}

// Open migrates db for every module and opens each, in order.
func Open(ctx context.Context, db *storage.DB, env Env, mods ...Module) (*Set, error) {
	if env.Logger == nil {
		env.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Set{db: db, log: env.Logger}
	seen := map[string]bool{}
	for _, m := range mods {
		if seen[m.Name] {
			return nil, fmt.Errorf("module %q listed twice", m.Name)
		}
		seen[m.Name] = true
		if m.Migrations != nil {
			if err := db.Migrate(ctx, m.Name, m.Migrations); err != nil {
				return nil, err
			}
		}
		inst, err := m.Open(ctx, db, env)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", m.Name, err)
		}
		s.mods = append(s.mods, m)
		s.inst = append(s.inst, inst)
	}
	return s, nil
}

// Modules lists the modules in order.
func (s *Set) Modules() []Module { return s.mods }

// Names lists the modules' names in order.
func (s *Set) Names() []string {
	out := make([]string, len(s.mods))
	for i, m := range s.mods {
		out[i] = m.Name
	}
	return out
}

// Instance returns the opened module name, or nil.
func (s *Set) Instance(name string) Instance {
	for i, m := range s.mods {
		if m.Name == name {
			return s.inst[i]
		}
	}
	return nil
}

// Mount mounts every module on srv under its prefix.
func (s *Set) Mount(srv *kit.Server) error {
	for i, m := range s.mods {
		api, err := s.inst[i].NewAPI(m.Prefix)
		if err != nil {
			return fmt.Errorf("%s: %w", m.Name, err)
		}
		srv.Mount(api)
	}
	return nil
}

// MountAlone mounts module name alone at the root of srv (for clients that cannot take a
// path prefix).
func (s *Set) MountAlone(srv *kit.Server, name string) error {
	inst := s.Instance(name)
	if inst == nil {
		return fmt.Errorf("no API named %q (have %v)", name, s.Names())
	}
	api, err := inst.NewAPI("")
	if err != nil {
		return err
	}
	srv.Mount(api)
	return nil
}

// Seed loads data into empty stores, under a database-wide lock so that replicas starting
// together seed once. how is "demo" (or ""), "none", or the path of a fixtures file (YAML,
// one top-level key per module name).
func (s *Set) Seed(ctx context.Context, how string) error {
	if how == "none" {
		return nil
	}
	return s.db.Exclusive(ctx, func(ctx context.Context) error { return s.seedLocked(ctx, how) })
}

// Reset empties every module's tables and seeds again as Seed would, in one call, so that
// a test (or a demo that has been played with) starts again from known data.
func (s *Set) Reset(ctx context.Context, how string) error {
	s.reset.Lock()
	defer s.reset.Unlock()
	return s.db.Exclusive(ctx, func(ctx context.Context) error {
		for _, m := range s.mods {
			if err := s.db.Empty(ctx, m.Name+"_"); err != nil {
				return fmt.Errorf("reset %s: %w", m.Name, err)
			}
		}
		if how == "none" {
			return nil
		}
		return s.seedLocked(ctx, how)
	})
}

func (s *Set) seedLocked(ctx context.Context, how string) error {
	sections := map[string][]byte{}
	switch how {
	case "", "demo":
		for _, m := range s.mods {
			sections[m.Name] = m.Demo
		}
	default:
		raw, err := os.ReadFile(how)
		if err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		if sections, err = Sections(raw, s.Names()); err != nil {
			return fmt.Errorf("seed %s: %w", how, err)
		}
	}
	for i, m := range s.mods {
		data, ok := sections[m.Name]
		if !ok || data == nil {
			continue
		}
		seeded, err := s.inst[i].Seed(ctx, data)
		if err != nil {
			return fmt.Errorf("seed %s: %w", m.Name, err)
		}
		if seeded {
			s.log.InfoContext(ctx, "seeded", "api", m.Name, "from", seedName(how), "login", m.DemoCredentials)
		}
	}
	return nil
}

func seedName(how string) string {
	if how == "" {
		return "demo"
	}
	return how
}

// Sections splits a fixtures file into one YAML document per module; a section for a
// module not in names is an error (a typo would otherwise seed nothing, silently).
func Sections(raw []byte, names []string) (map[string][]byte, error) {
	var doc map[string]yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, n := range names {
		known[n] = true
	}
	out := map[string][]byte{}
	for name, node := range doc {
		if !known[name] {
			return nil, fmt.Errorf("unknown API %q (have %v)", name, names)
		}
		b, err := yaml.Marshal(&node)
		if err != nil {
			return nil, err
		}
		out[name] = b
	}
	return out, nil
}

// Run runs every module's background work until ctx ends or one fails.
func (s *Set) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	for i, inst := range s.inst {
		if r, ok := inst.(Runner); ok {
			name := s.mods[i].Name
			g.Go(func() error {
				if err := r.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
					return fmt.Errorf("%s: %w", name, err)
				}
				return nil
			})
		}
	}
	return g.Wait()
}

// Close releases what the modules hold beyond the database (not the database itself).
func (s *Set) Close() error {
	var errs []error
	for _, inst := range s.inst {
		if c, ok := inst.(Closer); ok {
			errs = append(errs, c.Close())
		}
	}
	return errors.Join(errs...)
}
