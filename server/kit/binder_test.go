package kit

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

type inner struct {
	A int     `json:"a"`
	B *string `json:"b,omitempty"`
}

type wide struct {
	Name    string            `json:"name"`
	Size    int8              `json:"size"`
	U       uint16            `json:"u"`
	F32     float32           `json:"f32"`
	F       float64           `json:"f"`
	Ok      *bool             `json:"ok"`
	Tags    []string          `json:"tags"`
	M       map[string]int    `json:"m"`
	Any     any               `json:"any"`
	In      *inner            `json:"in"`
	Ins     []inner           `json:"ins"`
	NoTag   string            // matched by its Go name
	Skip    string            `json:"-"`
	Dash    string            `json:"-,"`
	Env     map[string]string `json:"env"`
	private string
}

type withTime struct {
	At time.Time `json:"at"`
}

type withRaw struct {
	R json.RawMessage `json:"r"`
}

type caseTwins struct {
	Lower string `json:"name"`
	Upper string `json:"Name"`
}

type quoted struct {
	N int `json:"n,string"`
}

type embedded struct {
	inner
	C int `json:"c"`
}

// bindCase decodes body as validation does and binds it into a fresh *T, and decodes it
// with encoding/json as echo's DefaultBinder does. Whenever the fast bind succeeds, the
// result must equal encoding/json's and encoding/json must succeed; fast reports whether
// it did.
func bindCase[T any](t *testing.T, body string) (fast bool) {
	t.Helper()
	var want T
	jerr := json.NewDecoder(strings.NewReader(body)).Decode(&want)
	value, dup, onFastPath, err := decodeJSON([]byte(body))
	if err != nil {
		return false
	}
	if !onFastPath || dup {
		return false
	}
	var got T
	if bindValue(value, &got) != nil {
		return false
	}
	if jerr != nil {
		t.Errorf("%T %s: bound %+v, but encoding/json fails: %v", got, body, got, jerr)
		return true
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%T %s:\n got  %#v\n want %#v", got, body, got, want)
	}
	return true
}

func TestBindValueMatchesEncodingJSON(t *testing.T) {
	tests := []struct {
		name     string
		run      func(t *testing.T, body string) bool
		body     string
		wantFast bool // the decoded value is reused (false: encoding/json decodes the bytes)
	}{
		{"every kind", bindCase[wide], `{"name":"x","size":-3,"u":7,"f32":1.5,"f":2e3,"ok":true,"tags":["a","b"],"m":{"k":1},
			"any":{"n":1,"l":[1,"s",null,true]},"in":{"a":1,"b":"s"},"ins":[{"a":2}],"NoTag":"g","-":"dash","env":{"A":"b"},"unknown":{"x":[1]}}`, true},
		{"nulls", bindCase[wide], `{"ok":null,"tags":null,"m":null,"any":null,"in":null,"name":null,"size":null}`, true},
		{"empty array and object", bindCase[wide], `{"tags":[],"m":{},"ins":[]}`, true},
		{"fields hidden by a tag or unexported are ignored", bindCase[wide], `{"Skip":"no","private":"no"}`, true},
		{"unknown fields ignored", bindCase[wide], `{"zzz":1,"other":[1,2]}`, true},
		{"case-insensitive match goes to encoding/json", bindCase[wide], `{"NAME":"x"}`, false},
		{"same field twice by case goes to encoding/json", bindCase[wide], `{"name":"ok","NAME":""}`, false},
		{"repeated member goes to encoding/json", bindCase[wide], `{"in":{"a":1},"in":{"b":"x"}}`, false},
		{"exact match among case twins", bindCase[caseTwins], `{"name":"l","Name":"u"}`, true},
		{"folded twin", bindCase[caseTwins], `{"NAME":"?"}`, false},
		{"int from float literal", bindCase[wide], `{"size":1.0}`, false},
		{"int from exponent", bindCase[wide], `{"size":1e2}`, false},
		{"int8 overflow", bindCase[wide], `{"size":300}`, false},
		{"negative into uint", bindCase[wide], `{"u":-1}`, false},
		{"float32 overflow", bindCase[wide], `{"f32":1e39}`, false},
		{"big float into any", bindCase[wide], `{"any":1e400}`, false},
		{"string into int", bindCase[wide], `{"size":"1"}`, false},
		{"escaped string", bindCase[wide], `{"name":"a\u0041\n"}`, false},
		{"non-ASCII string", bindCase[wide], `{"name":"café"}`, false},
		{"type with UnmarshalJSON", bindCase[withTime], `{"at":"2024-01-02T03:04:05Z"}`, false},
		{"RawMessage keeps its bytes", bindCase[withRaw], `{"r": {"b":1, "a":2}}`, false},
		{",string option", bindCase[quoted], `{"n":"5"}`, false},
		{"embedded struct", bindCase[embedded], `{"a":1,"c":2}`, false},
		{"map of strings", bindCase[map[string]string], `{"A":"1","b":"2"}`, true},
		{"map of strings with a number", bindCase[map[string]string], `{"A":1}`, false},
		{"slice of strings", bindCase[[]string], `["a","b"]`, true},
		{"slice of strings with null", bindCase[[]string], `["a",null]`, false},
		{"map of any", bindCase[map[string]any], `{"a":[1,2.5,{"b":null}],"c":"d"}`, true},
		{"pointer to struct", bindCase[*inner], `{"a":5}`, true},
		{"trailing data ignored as by json.Decoder", bindCase[inner], `{"a":5} trailing`, true},
		{"top-level array into struct", bindCase[inner], `[1]`, false},
		{"deep nesting", bindCase[map[string]any], strings.Repeat(`{"a":`, 100) + "1" + strings.Repeat("}", 100), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.run(t, tc.body); got != tc.wantFast {
				t.Errorf("fast bind = %v, want %v", got, tc.wantFast)
			}
		})
	}
}

// The decoder accepts exactly what encoding/json's Decoder accepts and decodes the same.
func TestDecodeJSONMatchesDecoder(t *testing.T) {
	bodies := []string{`{}`, `[]`, ` {"a" : [ 1 , -0.5e-3 , true , false , null , "s" ] } `, `{"a":01}`, `{"a":1.}`,
		`{"a":-}`, `{"a":.5}`, `{"a":1e}`, `{"a":tru}`, `{"a":"x`, `{"a":1,}`, `[1,]`, `{"a"}`, `{"a":"\u00e9"}`,
		`{"a":"` + "\xff" + `"}`, `"top"`, `12`, `{"a":1}{"b":2}`, `{"a":[{"b":{}}]}`, ``, `  `}
	for _, b := range bodies {
		var want any
		dec := json.NewDecoder(strings.NewReader(b))
		dec.UseNumber()
		werr := dec.Decode(&want)
		got, _, _, gerr := decodeJSON([]byte(b))
		if (werr == nil) != (gerr == nil) || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %#v, %v; encoding/json %#v, %v", b, got, gerr, want, werr)
		}
	}
}

// Through echo: a validated body reaches a handler that binds it exactly as echo's
// DefaultBinder would, and non-kit routes keep echo's full Bind.
func TestBinderFallsBackLikeDefaultBinder(t *testing.T) {
	e := echo.New()
	s := &Server{Echo: e}
	e.Binder = &Binder{routes: &s.routes}
	for _, body := range []string{`{"name":"x","size":1}`, `{"NAME":"x"}`, `{"size":"no"}`, `{"name":"\u0041"}`} {
		var viaKit, viaDefault wide
		req := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		value, dup, fast, _ := decodeJSON([]byte(body))
		db := &decodedBody{data: []byte(body), value: value, reuse: fast && !dup}
		db.Reset(db.data)
		req.Body = db
		c := e.NewContext(req, httptest.NewRecorder())
		kerr := e.Binder.(*Binder).BindBody(c, &viaKit)
		req2 := httptest.NewRequest(http.MethodPost, "/x", bytes.NewReader([]byte(body)))
		req2.Header.Set("Content-Type", "application/json")
		derr := (&echo.DefaultBinder{}).BindBody(e.NewContext(req2, httptest.NewRecorder()), &viaDefault)
		if (kerr == nil) != (derr == nil) || (kerr != nil && kerr.Error() != derr.Error()) || !reflect.DeepEqual(viaKit, viaDefault) {
			t.Errorf("%s: kit %+v %v; DefaultBinder %+v %v", body, viaKit, kerr, viaDefault, derr)
		}
		// The first body is bound from the decoded value: the bytes stay unread.
		if reused := db.Size() == 0; reused != (body == `{"name":"x","size":1}`) {
			t.Errorf("%s: decoded value reused = %v", body, reused)
		}
	}
}
