// Package cvm is generated from openapi/cvm.yaml: the models and the typed client. The echo
// server interface and the strict server are in the server subpackage. Do not edit; run
// `make generate`.
package cvm

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config cfg.yaml ../../openapi/cvm.yaml
