package kit

import (
	"reflect"
	"strconv"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
)

// fastParam checks a simple path parameter (a plain string, or an integer with optional
// bounds) without kin-openapi's generic decoder. It only ever accepts: when a value does not
// pass, kin-openapi validates it again to word the error, so messages are unchanged.
type fastParam struct {
	param   *openapi3.Parameter
	integer bool
	bits    int
	sch     *openapi3.Schema
}

// compileFastParam returns nil when p needs kin-openapi's full treatment.
func compileFastParam(p *openapi3.Parameter) *fastParam {
	if p == nil || p.In != openapi3.ParameterInPath || p.Content != nil || p.Schema == nil || p.Schema.Value == nil ||
		(p.Style != "" && p.Style != openapi3.SerializationSimple) {
		return nil
	}
	s := p.Schema.Value
	// Every keyword but these (and documentation) sends the parameter to kin-openapi.
	rest := *s
	rest.Type, rest.Format, rest.Min, rest.Max, rest.MinLength, rest.MaxLength = nil, "", nil, nil, 0, nil
	rest.Title, rest.Description, rest.Example, rest.Extensions, rest.Deprecated = "", "", nil, nil, false
	if !reflect.DeepEqual(rest, openapi3.Schema{}) {
		return nil
	}
	switch {
	case s.Type.Is("string") && s.Format == "" && s.Min == nil && s.Max == nil:
		return &fastParam{param: p, sch: s}
	case s.Type.Is("integer") && s.MinLength == 0 && s.MaxLength == nil:
		bits := 64
		switch s.Format {
		case "int32":
			bits = 32
		case "", "int64":
		default:
			return nil
		}
		return &fastParam{param: p, integer: true, bits: bits, sch: s}
	}
	return nil
}

// ok reports whether raw certainly passes.
func (f *fastParam) ok(raw string) bool {
	if raw == "" {
		return false
	}
	s := f.sch
	if f.integer {
		n, err := strconv.ParseInt(raw, 10, f.bits)
		if err != nil {
			return false
		}
		v := float64(n)
		return (s.Min == nil || *s.Min <= v) && (s.Max == nil || v <= *s.Max)
	}
	if s.MinLength != 0 || s.MaxLength != nil {
		n := uint64(utf8.RuneCountInString(raw))
		if n < s.MinLength || (s.MaxLength != nil && n > *s.MaxLength) {
			return false
		}
	}
	return true
}
