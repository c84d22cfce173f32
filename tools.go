//go:build tools

// Package tools pins the versions of code generators run by go generate.
package tools

import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
)
