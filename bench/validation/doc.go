// Package validation measures what request validation costs: for one GET and one POST with
// a JSON body of every API, the same generated handlers and store served four ways (no
// validation, oapi-codegen's echo-middleware, server/kit, plain net/http writing the same
// bytes), plus the cost of finding the operation at 10 and 200 paths. `make
// bench-validation` runs it (cmd/benchvalidation) and docs/BENCHMARKS.md records the figures.
package validation
