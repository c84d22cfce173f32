// Package server is generated from openapi/cvm.yaml: the echo server interface and the
// strict server over the models of gen/cvm. Do not edit; run `make generate`.
package server

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config cfg.yaml ../../../openapi/cvm.yaml
