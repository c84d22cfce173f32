// Package openapi embeds the hand-written specs (one NAME.yaml per API), so that the
// apiserver can serve them and tests can walk every one of them.
package openapi

import (
	"embed"
	"io/fs"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed *.yaml
var files embed.FS

// Names lists the specs by name (file name without .yaml), sorted.
func Names() []string {
	entries, _ := fs.ReadDir(files, ".")
	var names []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".yaml"); ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// YAML returns the spec NAME as written.
func YAML(name string) ([]byte, error) { return files.ReadFile(name + ".yaml") }

// Load parses spec NAME. The server validates against this document, the one written by
// hand, rather than the copy embedded in generated code, whose operationIds oapi-codegen
// has re-cased.
func Load(name string) (*openapi3.T, error) {
	raw, err := YAML(name)
	if err != nil {
		return nil, err
	}
	return openapi3.NewLoader().LoadFromData(raw)
}
