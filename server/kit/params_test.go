package kit

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// The fast check must never accept what kin-openapi refuses.
func TestFastParamAgreesWithKin(t *testing.T) {
	f64 := func(v float64) *float64 { return &v }
	u64 := func(v uint64) *uint64 { return &v }
	schemas := map[string]*openapi3.Schema{
		"string":       {Type: &openapi3.Types{"string"}},
		"string 2..4":  {Type: &openapi3.Types{"string"}, MinLength: 2, MaxLength: u64(4)},
		"integer":      {Type: &openapi3.Types{"integer"}},
		"int32":        {Type: &openapi3.Types{"integer"}, Format: "int32"},
		"int64 >= 1":   {Type: &openapi3.Types{"integer"}, Format: "int64", Min: f64(1)},
		"integer 0..9": {Type: &openapi3.Types{"integer"}, Min: f64(0), Max: f64(9)},
	}
	values := []string{"", "0", "1", "9", "10", "-1", "+1", "01", "0x10", "1.0", "1e2", " 1", "abc", "é", "éé", "ééééé",
		"2147483647", "2147483648", "-2147483649", "9223372036854775807", "9223372036854775808", "a b", "%20"}
	for name, s := range schemas {
		p := &openapi3.Parameter{Name: "p", In: "path", Required: true, Schema: openapi3.NewSchemaRef("", s)}
		f := compileFastParam(p)
		if f == nil {
			t.Errorf("%s: not on the fast path", name)
			continue
		}
		for _, v := range values {
			in := &openapi3filter.RequestValidationInput{Request: httptest.NewRequest("GET", "/", nil), PathParams: map[string]string{"p": v}}
			kinOK := openapi3filter.ValidateParameter(context.Background(), in, p) == nil
			if f.ok(v) && !kinOK {
				t.Errorf("%s: fast path accepts %q, kin-openapi refuses it", name, v)
			}
			if !f.ok(v) && kinOK && v != "" {
				t.Logf("%s: %q left to kin-openapi, which accepts it", name, v)
			}
		}
	}
	for name, s := range map[string]*openapi3.Schema{
		"pattern":   {Type: &openapi3.Types{"string"}, Pattern: "^a"},
		"enum":      {Type: &openapi3.Types{"string"}, Enum: []any{"a"}},
		"format":    {Type: &openapi3.Types{"string"}, Format: "uuid"},
		"exclusive": {Type: &openapi3.Types{"integer"}, Min: f64(1), ExclusiveMin: openapi3.ExclusiveBound{Bool: &[]bool{true}[0]}},
	} {
		if compileFastParam(&openapi3.Parameter{Name: "p", In: "path", Schema: openapi3.NewSchemaRef("", s)}) != nil {
			t.Errorf("%s: must be left to kin-openapi", name)
		}
	}
}
