package openapi_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/specfirst/specfirst/openapi"
)

// TestSpecs loads every spec in openapi/, validates it with kin-openapi and validates every
// example (media type, parameter and schema examples) against its schema.
func TestSpecs(t *testing.T) {
	names := openapi.Names()
	if len(names) == 0 {
		t.Fatal("no spec found")
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			raw, err := openapi.YAML(name)
			if err != nil {
				t.Fatal(err)
			}
			loader := openapi3.NewLoader()
			doc, err := loader.LoadFromData(raw)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
				t.Fatalf("validate: %v", err)
			}
			if v := doc.OpenAPI; len(v) < 3 || v[:3] != "3.0" {
				t.Errorf("openapi %q, want 3.0.x", v)
			}
			n := 0
			check := func(where string, schema *openapi3.SchemaRef, example any) {
				t.Helper()
				n++
				if schema == nil || schema.Value == nil {
					t.Errorf("%s: example without a schema", where)
					return
				}
				if err := schema.Value.VisitJSON(example, openapi3.MultiErrors()); err != nil {
					t.Errorf("%s: example does not match its schema: %v", where, err)
				}
			}
			media := func(where string, content openapi3.Content) {
				for ct, mt := range content {
					w := fmt.Sprintf("%s %s", where, ct)
					if mt.Example != nil {
						check(w, mt.Schema, mt.Example)
					}
					for en, ex := range mt.Examples {
						if ex.Value != nil {
							check(w+" example "+en, mt.Schema, ex.Value.Value)
						}
					}
				}
			}
			for path, item := range doc.Paths.Map() {
				for method, op := range item.Operations() {
					where := method + " " + path
					if op.OperationID == "" {
						t.Errorf("%s has no operationId", where)
					}
					for _, p := range append(item.Parameters, op.Parameters...) {
						if p.Value.Example != nil {
							check(where+" parameter "+p.Value.Name, p.Value.Schema, p.Value.Example)
						}
					}
					if op.RequestBody != nil {
						media(where+" request", op.RequestBody.Value.Content)
					}
					for status, r := range op.Responses.Map() {
						media(where+" "+status, r.Value.Content)
					}
				}
			}
			for sn, s := range doc.Components.Schemas {
				if s.Value.Example != nil {
					check("schema "+sn, s, s.Value.Example)
				}
			}
			if n == 0 {
				t.Error("the spec has no example: every documented example belongs in it")
			}
			t.Logf("%s: %d examples validated", name, n)
		})
	}
}

// TestSpecsDeclareServerRefusals: the apiserver can refuse any request with a body (400,
// validation) and any request while its database is away (503); a spec that does not
// declare those would make the refusal itself break the spec.
func TestSpecsDeclareServerRefusals(t *testing.T) {
	for _, name := range openapi.Names() {
		doc, err := openapi.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				if op.RequestBody != nil && op.Responses.Status(400) == nil {
					t.Errorf("%s: %s %s takes a body but does not declare 400", name, method, path)
				}
				if op.Responses.Status(503) == nil {
					t.Errorf("%s: %s %s does not declare 503", name, method, path)
				}
			}
		}
	}
}
