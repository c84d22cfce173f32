// Package cvm is generated from openapi/cvm.yaml: models, the echo server interface, the
// strict server, the typed client and the embedded spec. Do not edit; run `make generate`.
package cvm

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config cfg.yaml ../../openapi/cvm.yaml
