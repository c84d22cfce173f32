// Package server is generated from openapi/tsuru.yaml: the echo server interface and the
// strict server over the models of gen/tsuru. Do not edit; run `make generate`.
package server

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config cfg.yaml ../../../openapi/tsuru.yaml
