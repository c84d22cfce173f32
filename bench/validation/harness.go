package validation

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"
	"time"
)

// Case is one request of one API, served in every mode.
type Case struct {
	Store    string // "memory" or "sqlite"
	API      string
	Req      *Request
	Handlers map[Mode]http.Handler
}

// Bench returns the benchmark of c in mode m.
func (c *Case) Bench(m Mode) func(b *testing.B) {
	h := c.Handlers[m]
	s := newSender(c.Req)
	return func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if st := s.send(h, c.Req.Body); st != c.Req.Status {
				b.Fatalf("%s %s in mode %s: status %d, want %d", c.API, c.Req.Name, m, st, c.Req.Status)
			}
		}
	}
}

// SetupCases builds every module's fixture under dir and the cases to measure, checking that
// every mode answers each request with the same status and bytes. notes gets a line for
// every API without a JSON-body POST.
func SetupCases(ctx context.Context, dir string, stores []string) (cases []*Case, notes []string, closeAll func(), err error) {
	var closers []func()
	closeAll = func() {
		for _, c := range closers {
			c()
		}
	}
	for _, store := range stores {
		for _, e := range Modules() {
			sub := dir + "/" + store + "-" + e.Name
			if err := os.MkdirAll(sub, 0o755); err != nil {
				return nil, nil, closeAll, err
			}
			fx, err := Setup(ctx, sub, e, store == "memory")
			if err != nil {
				return nil, nil, closeAll, err
			}
			closers = append(closers, fx.Close)
			hs, err := Handlers(fx.API)
			if err != nil {
				return nil, nil, closeAll, err
			}
			if fx.NoPOST != "" && store == stores[0] {
				notes = append(notes, fmt.Sprintf("%s POST: %s", e.Name, fx.NoPOST))
			}
			for _, r := range fx.Requests {
				ours := Record(hs[ModeKit], r)
				if ours.Status != r.Status {
					return nil, nil, closeAll, fmt.Errorf("%s %s: kit answered %d, want %d: %s", e.Name, r.Name, ours.Status, r.Status, ours.Body)
				}
				modes := map[Mode]http.Handler{ModeNetHTTP: NetHTTP(ours)}
				for m, h := range hs {
					got := Record(h, r)
					if got.Status != ours.Status || !bytes.Equal(got.Body, ours.Body) {
						return nil, nil, closeAll, fmt.Errorf("%s %s: mode %s answered %d %q, kit %d %q", e.Name, r.Name, m, got.Status, got.Body, ours.Status, ours.Body)
					}
					modes[m] = h
				}
				cases = append(cases, &Case{Store: store, API: e.Name, Req: r, Handlers: modes})
			}
		}
	}
	return cases, notes, closeAll, nil
}

type sample struct{ ns, allocs []float64 }

func (s *sample) add(r testing.BenchmarkResult) {
	s.ns = append(s.ns, float64(r.T.Nanoseconds())/float64(r.N))
	s.allocs = append(s.allocs, float64(r.AllocsPerOp()))
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Result is the figures of one run.
type Result struct {
	Post, Get, VsEchoMW, LookupFlatness float64
}

// Line is the last line of the report.
func (r Result) Line() string {
	return fmt.Sprintf("validation-overhead: post=%.2f get=%.2f vs-echo-middleware=%.2f lookup-flatness=%.2f",
		r.Post, r.Get, r.VsEchoMW, r.LookupFlatness)
}

// Run measures every case in every mode rounds times, interleaving modes and cases so that
// drift (thermal, other load, a growing database) spreads evenly, and writes the table of
// medians to out. The headline ratios take the worst case: post= and vs-echo-middleware=
// the highest over the JSON-body POSTs, get= the highest over the GETs.
func Run(ctx context.Context, out io.Writer, rounds int) (Result, error) {
	dir, err := TempDir()
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(dir)
	cases, notes, closeAll, err := SetupCases(ctx, dir, []string{"memory", "sqlite"})
	defer closeAll()
	if err != nil {
		return Result{}, err
	}
	lookups := map[string]func(*testing.B){}
	for _, n := range []int{10, 200} {
		f, err := LookupBench(n, false)
		if err != nil {
			return Result{}, err
		}
		lookups[fmt.Sprintf("kit lookup %d", n)] = f
		fm, err := LookupBench(n, true)
		if err != nil {
			return Result{}, err
		}
		lookups[fmt.Sprintf("echo match + kit lookup %d", n)] = fm
		g, err := KinLookupBench(n)
		if err != nil {
			return Result{}, err
		}
		lookups[fmt.Sprintf("kin-openapi gorillamux %d", n)] = g
	}
	lookupNames := []string{"kit lookup 10", "kit lookup 200", "echo match + kit lookup 10", "echo match + kit lookup 200",
		"kin-openapi gorillamux 10", "kin-openapi gorillamux 200"}

	samples := map[string]*sample{}
	get := func(k string) *sample {
		if samples[k] == nil {
			samples[k] = &sample{}
		}
		return samples[k]
	}
	key := func(c *Case, m Mode) string { return c.Store + " " + c.API + " " + c.Req.Name + " " + string(m) }
	start := time.Now()
	for round := 0; round < rounds; round++ {
		for _, c := range cases {
			// Rotate the order of the modes every round.
			for i := range Modes {
				m := Modes[(i+round)%len(Modes)]
				runtime.GC() // no measurement pays for the garbage of the one before
				get(key(c, m)).add(testing.Benchmark(c.Bench(m)))
			}
		}
		for i := range lookupNames {
			n := lookupNames[(i+round)%len(lookupNames)]
			runtime.GC()
			get("lookup " + n).add(testing.Benchmark(lookups[n]))
		}
	}

	fmt.Fprintf(out, "validation benchmarks: %d rounds, medians; %s %s/%s, %d CPUs, %s\n",
		rounds, runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), time.Since(start).Round(time.Second))
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "store\tapi\trequest\tmode\tns/op\tallocs/op\t÷ none\t")
	var res Result
	res.Post, res.Get, res.VsEchoMW = math.NaN(), math.NaN(), math.NaN()
	worst := func(cur, v float64) float64 {
		if math.IsNaN(cur) || v > cur {
			return v
		}
		return cur
	}
	for _, c := range cases {
		none := median(get(key(c, ModeNone)).ns)
		for _, m := range Modes {
			s := get(key(c, m))
			ns := median(s.ns)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.0f\t%.0f\t%.2f\t\n", c.Store, c.API, c.Req.Name, m, ns, median(s.allocs), ns/none)
		}
		ours := median(get(key(c, ModeKit)).ns)
		if c.Store != "memory" {
			continue
		}
		if c.Req.Method == http.MethodPost && len(c.Req.Body) > 0 {
			res.Post = worst(res.Post, ours/none)
			res.VsEchoMW = worst(res.VsEchoMW, ours/median(get(key(c, ModeEchoMW)).ns))
		} else if c.Req.Method == http.MethodGet {
			res.Get = worst(res.Get, ours/none)
		}
	}
	for _, n := range notes {
		fmt.Fprintf(tw, "\t%s\t\t\t\t\t\n", strings.Replace(n, ": ", "\t", 1))
	}
	tw.Flush()
	fmt.Fprintln(out, "finding the operation of a request (last of N paths); lookup-flatness is kit lookup 200 ÷ 10:")
	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "router\tpaths\tns/op\tallocs/op\t")
	for _, n := range lookupNames {
		s := get("lookup " + n)
		name, paths, _ := strings.Cut(n, " ")
		if i := strings.LastIndex(n, " "); i > 0 {
			name, paths = n[:i], n[i+1:]
		}
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%.0f\t\n", name, paths, median(s.ns), median(s.allocs))
	}
	tw.Flush()
	res.LookupFlatness = median(get("lookup kit lookup 200").ns) / median(get("lookup kit lookup 10").ns)
	return res, nil
}
