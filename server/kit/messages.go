package kit

import (
	"errors"
	"fmt"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// Messages turns a kin-openapi validation error into one message per problem, each naming
// the parameter or body field and the reason, e.g.
//
//	parameter "id" in path: value "abc" is not a valid integer
//	request body: field "email": value is required but missing
func Messages(err error) []string {
	var out []string
	collect(err, "", &out)
	if len(out) == 0 && err != nil {
		out = append(out, err.Error())
	}
	return out
}

func collect(err error, where string, out *[]string) {
	switch e := err.(type) {
	case nil:
		return
	case openapi3.MultiError:
		for _, inner := range e {
			collect(inner, where, out)
		}
		return
	case *openapi3filter.RequestError:
		switch {
		case e.Parameter != nil:
			where = fmt.Sprintf("parameter %q in %s", e.Parameter.Name, e.Parameter.In)
		case e.RequestBody != nil:
			where = "request body"
		}
		if e.Err != nil {
			n := len(*out)
			collect(e.Err, where, out)
			if len(*out) > n {
				return
			}
		}
		*out = append(*out, join(where, reasonOf(e.Reason, e.Err)))
		return
	case *openapi3.SchemaError:
		if inner := e.Unwrap(); inner != nil {
			var me openapi3.MultiError
			if errors.As(inner, &me) {
				collect(me, where, out)
				return
			}
		}
		field := strings.Join(e.JSONPointer(), "/")
		if field != "" {
			where = join(where, fmt.Sprintf("field %q", field))
		}
		*out = append(*out, join(where, e.Reason))
		return
	case *openapi3filter.ParseError:
		root := e
		for {
			inner, ok := root.Cause.(*openapi3filter.ParseError)
			if !ok {
				break
			}
			root = inner
		}
		msg := e.Error()
		if root.Value != nil && root.Reason != "" {
			msg = fmt.Sprintf("value %q is %s", fmt.Sprint(root.Value), root.Reason)
		}
		*out = append(*out, join(where, msg))
		return
	}
	var re *openapi3filter.RequestError
	if errors.As(err, &re) {
		collect(re, where, out)
		return
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		collect(se, where, out)
		return
	}
	*out = append(*out, join(where, err.Error()))
}

func reasonOf(reason string, err error) string {
	if err == nil {
		return reason
	}
	if reason == "" || reason == err.Error() {
		return err.Error()
	}
	return reason + ": " + err.Error()
}

func join(where, what string) string {
	if where == "" {
		return what
	}
	return where + ": " + what
}
