package kit

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
)

// decodedBody is the request body after validation: the bytes read once, and the value
// they were decoded into and validated as, which Binder reuses.
type decodedBody struct {
	bytes.Reader
	data   []byte
	value  any
	reuse  bool // value may be bound instead of decoding data again
	closed bool
}

func (b *decodedBody) Close() error { b.closed = true; return nil }

// Binder is the echo.Binder that kit installs. For a request of a spec operation it binds
// the body only, as the generated strict handlers do with echo's DefaultBinder (so path
// and query parameters never leak into a body map); when validation already decoded a
// JSON body it fills the handler's value from that decoded value instead of parsing the
// bytes again, with encoding/json's rules. Whenever the result could differ from
// encoding/json's (a type with its own UnmarshalJSON, a member name matching a field only
// case-insensitively, a repeated member, a value that does not fit), it decodes the bytes
// with echo's DefaultBinder exactly as before. Other requests get echo's DefaultBinder.
type Binder struct {
	echo.DefaultBinder
	routes *Routes
}

// Bind implements echo.Binder.
func (b *Binder) Bind(i any, c echo.Context) error {
	req := c.Request()
	if b.routes == nil || b.routes.Lookup(req.Method, c.Path()) == nil {
		return b.DefaultBinder.Bind(i, c)
	}
	return b.BindBody(c, i)
}

// BindBody binds the request body only.
func (b *Binder) BindBody(c echo.Context, i any) error {
	req := c.Request()
	if db, ok := req.Body.(*decodedBody); ok && db.reuse && req.ContentLength != 0 && db.Len() == len(db.data) &&
		jsonMediaType(req.Header.Get(echo.HeaderContentType)) {
		if stdJSONSerializer(c.Echo().JSONSerializer) {
			if bindValue(db.value, i) == nil {
				// The body counts as read, as after a decode.
				db.Reset(nil)
				return nil
			}
		}
	}
	return b.DefaultBinder.BindBody(c, i)
}

// stdJSONSerializer reports whether echo decodes JSON with encoding/json as is.
func stdJSONSerializer(s echo.JSONSerializer) bool {
	switch s.(type) {
	case echo.DefaultJSONSerializer, *echo.DefaultJSONSerializer:
		return true
	}
	return false
}

// jsonMediaType reports whether echo's DefaultBinder.BindBody would decode a body of this
// Content-Type as JSON.
func jsonMediaType(ct string) bool {
	base, _, _ := strings.Cut(ct, ";")
	return strings.TrimSpace(base) == echo.MIMEApplicationJSON
}

// errRedecode means: the decoded value cannot be bound with certainty of matching
// encoding/json; decode the bytes instead.
var errRedecode = errors.New("kit: decode the body again")

// bindValue stores into i (a non-nil pointer) what encoding/json would store when decoding
// the JSON that value came from, or returns errRedecode leaving *i untouched.
func bindValue(value any, i any) error {
	// Common destinations of generated bodies, without reflection.
	switch p := i.(type) {
	case *map[string]string:
		if *p != nil {
			return errRedecode
		}
		if value == nil {
			*p = nil
			return nil
		}
		obj, ok := value.(map[string]any)
		if !ok {
			return errRedecode
		}
		m := make(map[string]string, len(obj))
		for k, v := range obj {
			s, ok := v.(string)
			if !ok {
				return errRedecode
			}
			m[k] = s
		}
		*p = m
		return nil
	case *[]string:
		if *p != nil {
			return errRedecode
		}
		if value == nil {
			*p = nil
			return nil
		}
		arr, ok := value.([]any)
		if !ok {
			return errRedecode
		}
		out := make([]string, len(arr))
		for j, v := range arr {
			s, ok := v.(string)
			if !ok {
				return errRedecode
			}
			out[j] = s
		}
		*p = out
		return nil
	}
	rv := reflect.ValueOf(i)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return errRedecode
	}
	// Only into a zero value (as the generated handlers declare it): encoding/json merges
	// into what is already there, and sharing maps or pointers with *i would change it even
	// when falling back.
	if !bindable(rv.Type().Elem()) || !rv.Elem().IsZero() {
		return errRedecode
	}
	tmp := reflect.New(rv.Type().Elem()).Elem()
	if err := bindReflect(value, tmp); err != nil {
		return err
	}
	rv.Elem().Set(tmp)
	return nil
}

var (
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// typeInfo is what bindReflect needs to know of a type, computed once.
type typeInfo struct {
	ok     bool                // the type can be bound from a decoded value
	fields map[string][]int    // struct: JSON member name → field index
	folded map[string]struct{} // struct: lower-cased member names, to spot case-only matches
}

var typeInfos sync.Map // reflect.Type → *typeInfo

func infoOf(t reflect.Type) *typeInfo {
	if v, ok := typeInfos.Load(t); ok {
		return v.(*typeInfo)
	}
	// Store a placeholder first so that recursive types terminate; it is optimistic, and
	// the final answer replaces it.
	typeInfos.Store(t, &typeInfo{ok: true})
	ti := computeInfo(t)
	typeInfos.Store(t, ti)
	return ti
}

func bindable(t reflect.Type) bool { return infoOf(t).ok }

func computeInfo(t reflect.Type) *typeInfo {
	no := &typeInfo{}
	// Types that decode themselves, and text-unmarshalled ones (handled only for JSON
	// strings, in bindReflect), are left to encoding/json, except plain strings.
	if t.Implements(jsonUnmarshalerType) || reflect.PointerTo(t).Implements(jsonUnmarshalerType) {
		return no
	}
	if t.Implements(textUnmarshalerType) || reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return no
	}
	switch t.Kind() {
	case reflect.Bool, reflect.String,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return &typeInfo{ok: true}
	case reflect.Interface:
		return &typeInfo{ok: t.NumMethod() == 0}
	case reflect.Pointer:
		return &typeInfo{ok: bindable(t.Elem())}
	case reflect.Slice:
		// []byte is base64 in JSON: left to encoding/json.
		return &typeInfo{ok: t.Elem().Kind() != reflect.Uint8 && bindable(t.Elem())}
	case reflect.Map:
		k := t.Key()
		if k.Kind() != reflect.String || reflect.PointerTo(k).Implements(textUnmarshalerType) || k.Implements(textUnmarshalerType) {
			return no
		}
		return &typeInfo{ok: bindable(t.Elem())}
	case reflect.Struct:
		ti := &typeInfo{ok: true, fields: map[string][]int{}, folded: map[string]struct{}{}}
		for j := 0; j < t.NumField(); j++ {
			f := t.Field(j)
			if f.Anonymous {
				return no // embedding promotes fields by rules left to encoding/json
			}
			if !f.IsExported() {
				continue
			}
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if opts != "" {
				for _, o := range strings.Split(opts, ",") {
					if o == "string" {
						return no
					}
				}
			}
			if !validTagName(name) {
				name = f.Name
			}
			if _, dupName := ti.fields[name]; dupName {
				return no
			}
			if !bindable(f.Type) {
				return no
			}
			ti.fields[name] = []int{j}
			ti.folded[strings.ToLower(name)] = struct{}{}
		}
		return ti
	}
	return no
}

// validTagName is encoding/json's rule for a usable name in a json tag.
func validTagName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c > 127:
		default:
			return false
		}
	}
	return true
}

// foldsToField reports whether key could match one of the struct's fields
// case-insensitively (encoding/json matches with bytes.EqualFold semantics).
func (ti *typeInfo) foldsToField(key string) bool {
	if _, ok := ti.folded[strings.ToLower(key)]; ok {
		return true
	}
	// Unicode folds that ToLower does not reach (e.g. K and the Kelvin sign): compare
	// every field name the slow way.
	for name := range ti.fields {
		if strings.EqualFold(name, key) {
			return true
		}
	}
	return false
}

func bindReflect(value any, dst reflect.Value) error {
	if value == nil {
		switch dst.Kind() {
		case reflect.Interface, reflect.Pointer, reflect.Map, reflect.Slice:
			dst.SetZero()
		}
		return nil
	}
	switch dst.Kind() {
	case reflect.Pointer:
		if dst.IsNil() {
			dst.Set(reflect.New(dst.Type().Elem()))
		}
		return bindReflect(value, dst.Elem())
	case reflect.Interface:
		if dst.NumMethod() != 0 || !dst.IsNil() {
			return errRedecode
		}
		v, err := toInterface(value)
		if err != nil {
			return err
		}
		dst.Set(reflect.ValueOf(&v).Elem())
		return nil
	case reflect.Struct:
		obj, ok := value.(map[string]any)
		if !ok {
			return errRedecode
		}
		ti := infoOf(dst.Type())
		for k, v := range obj {
			idx, ok := ti.fields[k]
			if !ok {
				if ti.foldsToField(k) {
					return errRedecode
				}
				continue // unknown members are ignored, as by encoding/json
			}
			if err := bindReflect(v, dst.Field(idx[0])); err != nil {
				return err
			}
		}
		return nil
	case reflect.Map:
		obj, ok := value.(map[string]any)
		if !ok {
			return errRedecode
		}
		t := dst.Type()
		if dst.IsNil() {
			dst.Set(reflect.MakeMapWithSize(t, len(obj)))
		}
		for k, v := range obj {
			elem := reflect.New(t.Elem()).Elem()
			if err := bindReflect(v, elem); err != nil {
				return err
			}
			dst.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), elem)
		}
		return nil
	case reflect.Slice:
		arr, ok := value.([]any)
		if !ok {
			return errRedecode
		}
		s := reflect.MakeSlice(dst.Type(), len(arr), len(arr))
		for j, v := range arr {
			if err := bindReflect(v, s.Index(j)); err != nil {
				return err
			}
		}
		dst.Set(s)
		return nil
	case reflect.String:
		s, ok := value.(string)
		if !ok {
			return errRedecode
		}
		dst.SetString(s)
		return nil
	case reflect.Bool:
		b, ok := value.(bool)
		if !ok {
			return errRedecode
		}
		dst.SetBool(b)
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := value.(json.Number)
		if !ok {
			return errRedecode
		}
		x, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil || dst.OverflowInt(x) {
			return errRedecode
		}
		dst.SetInt(x)
		return nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := value.(json.Number)
		if !ok {
			return errRedecode
		}
		x, err := strconv.ParseUint(string(n), 10, 64)
		if err != nil || dst.OverflowUint(x) {
			return errRedecode
		}
		dst.SetUint(x)
		return nil
	case reflect.Float32, reflect.Float64:
		n, ok := value.(json.Number)
		if !ok {
			return errRedecode
		}
		x, err := strconv.ParseFloat(string(n), dst.Type().Bits())
		if err != nil || dst.OverflowFloat(x) {
			return errRedecode
		}
		dst.SetFloat(x)
		return nil
	}
	return errRedecode
}

// toInterface converts a decoded value to what encoding/json stores in an `any`:
// numbers as float64.
func toInterface(value any) (any, error) {
	switch v := value.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil {
			return nil, errRedecode
		}
		return f, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			c, err := toInterface(e)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for j, e := range v {
			c, err := toInterface(e)
			if err != nil {
				return nil, err
			}
			out[j] = c
		}
		return out, nil
	}
	return value, nil
}

var _ io.ReadCloser = (*decodedBody)(nil)
