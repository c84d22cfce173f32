// Command benchvalidation runs the validation benchmarks of package bench/validation in one
// process and prints a table of medians and, last, the line
//
//	validation-overhead: post=A get=B vs-echo-middleware=C lookup-flatness=D
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/specfirst/specfirst/bench/validation"
)

func main() {
	testing.Init()
	rounds := flag.Int("rounds", 11, "measurements of every benchmark; medians are reported")
	benchtime := flag.String("benchtime", "150ms", "duration of one measurement")
	flag.Parse()
	if err := flag.Set("test.benchtime", *benchtime); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	res, err := validation.Run(context.Background(), os.Stdout, *rounds)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchvalidation:", err)
		os.Exit(1)
	}
	fmt.Println(res.Line())
}
