// Package kit is the shared HTTP plumbing behind every API of the apiserver: a route table
// that maps echo's own route match to the spec operation, request and response validation
// against the spec, per-API error shapes, authentication hand-off and per-operation metrics.
// Nothing in it knows a particular API; each API describes itself with an API value.
package kit
