// Package tsuru is generated from openapi/tsuru.yaml: models, the echo server interface,
// the strict server, the typed client and the embedded spec. Do not edit; run `make generate`.
package tsuru

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config cfg.yaml ../../openapi/tsuru.yaml
