package kit

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// decodeJSON decodes a JSON request body into the generic form kin-openapi validates
// (map[string]any, []any, string, json.Number, bool, nil), exactly as its decoder does
// (encoding/json's Decoder with UseNumber, reading the first value). A small one-pass
// parser handles the common case, an object or array of plain strings, numbers and
// literals; anything it is not sure about (escapes, non-ASCII text, a top-level scalar,
// an error) is left to encoding/json. dup reports an object with a repeated member name,
// which encoding/json would merge differently into a struct; it is only known on the fast
// path, so fast is false when the value came from encoding/json.
func decodeJSON(data []byte) (value any, dup, fast bool, err error) {
	p := jsonParser{data: data}
	p.skipSpace()
	if p.i < len(data) && (data[p.i] == '{' || data[p.i] == '[') {
		if v, ok := p.value(0); ok {
			return v, p.dup, true, nil
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&value); err != nil {
		return nil, false, false, err
	}
	return value, false, false, nil
}

type jsonParser struct {
	data []byte
	i    int
	dup  bool
}

const maxFastDepth = 64

func (p *jsonParser) skipSpace() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) (any, bool) {
	if depth > maxFastDepth || p.i >= len(p.data) {
		return nil, false
	}
	switch c := p.data[p.i]; {
	case c == '{':
		p.i++
		m := map[string]any{}
		p.skipSpace()
		if p.i < len(p.data) && p.data[p.i] == '}' {
			p.i++
			return m, true
		}
		for {
			p.skipSpace()
			k, ok := p.str()
			if !ok {
				return nil, false
			}
			p.skipSpace()
			if p.i >= len(p.data) || p.data[p.i] != ':' {
				return nil, false
			}
			p.i++
			p.skipSpace()
			v, ok := p.value(depth + 1)
			if !ok {
				return nil, false
			}
			if _, seen := m[k]; seen {
				p.dup = true
			}
			m[k] = v
			p.skipSpace()
			if p.i >= len(p.data) {
				return nil, false
			}
			switch p.data[p.i] {
			case ',':
				p.i++
			case '}':
				p.i++
				return m, true
			default:
				return nil, false
			}
		}
	case c == '[':
		p.i++
		a := []any{}
		p.skipSpace()
		if p.i < len(p.data) && p.data[p.i] == ']' {
			p.i++
			return a, true
		}
		for {
			p.skipSpace()
			v, ok := p.value(depth + 1)
			if !ok {
				return nil, false
			}
			a = append(a, v)
			p.skipSpace()
			if p.i >= len(p.data) {
				return nil, false
			}
			switch p.data[p.i] {
			case ',':
				p.i++
			case ']':
				p.i++
				return a, true
			default:
				return nil, false
			}
		}
	case c == '"':
		s, ok := p.str()
		return s, ok
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == 't':
		return true, p.lit("true")
	case c == 'f':
		return false, p.lit("false")
	case c == 'n':
		return nil, p.lit("null")
	}
	return nil, false
}

func (p *jsonParser) lit(s string) bool {
	if len(p.data)-p.i < len(s) || string(p.data[p.i:p.i+len(s)]) != s {
		return false
	}
	p.i += len(s)
	return true
}

// str reads a string of printable ASCII without escapes; anything else is not fast.
func (p *jsonParser) str() (string, bool) {
	if p.i >= len(p.data) || p.data[p.i] != '"' {
		return "", false
	}
	start := p.i + 1
	for j := start; j < len(p.data); j++ {
		switch c := p.data[j]; {
		case c == '"':
			p.i = j + 1
			return string(p.data[start:j]), true
		case c == '\\' || c < 0x20 || c >= utf8.RuneSelf:
			return "", false
		}
	}
	return "", false
}

// number reads a number following JSON's grammar exactly: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *jsonParser) number() (any, bool) {
	d, start := p.data, p.i
	j := p.i
	if j < len(d) && d[j] == '-' {
		j++
	}
	digits := func() int {
		n := 0
		for j < len(d) && d[j] >= '0' && d[j] <= '9' {
			j++
			n++
		}
		return n
	}
	switch {
	case j < len(d) && d[j] == '0':
		j++
	case j < len(d) && d[j] >= '1' && d[j] <= '9':
		digits()
	default:
		return nil, false
	}
	if j < len(d) && d[j] == '.' {
		j++
		if digits() == 0 {
			return nil, false
		}
	}
	if j < len(d) && (d[j] == 'e' || d[j] == 'E') {
		j++
		if j < len(d) && (d[j] == '+' || d[j] == '-') {
			j++
		}
		if digits() == 0 {
			return nil, false
		}
	}
	p.i = j
	return json.Number(d[start:j]), true
}
