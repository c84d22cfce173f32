package kit

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// Problem is one reason a request was refused by validation.
type Problem struct {
	// In is where the problem is: "path", "query", "header", "cookie" or "body" ("" when
	// nothing more precise is known).
	In string
	// Name is the parameter's name, or the body field's JSON pointer without the leading
	// slash ("" for the body as a whole).
	Name string
	// Reason is what is wrong, without the where.
	Reason string
	// Message is the whole line: where, then reason, e.g.
	// `parameter "id" in path: value "abc" is an invalid integer`.
	Message string
	field   bool // Name has a field of the parameter or body
}

// Messages turns a kin-openapi validation error into one message per problem, each naming
// the parameter or body field and the reason, e.g.
//
//	parameter "id" in path: value "abc" is not a valid integer
//	request body: field "email": value is required but missing
func Messages(err error) []string {
	ps := Problems(err)
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Message
	}
	return out
}

// Problems is Messages with the parts of each message apart, for an API whose error shape
// names fields separately (OpenStackID's {"errors": {"per_page": […]}}).
func Problems(err error) []Problem {
	var out []Problem
	collect(err, Problem{}, &out)
	if len(out) == 0 && err != nil {
		out = append(out, Problem{Reason: err.Error(), Message: err.Error()})
	}
	return out
}

type problemsKey struct{}

// ProblemsFrom returns the problems of a request refused by validation, for the API's
// WriteError (it is called with ctx = c.Request().Context()); nil for other refusals.
func ProblemsFrom(ctx context.Context) []Problem {
	if s := stateOf(ctx); s != nil {
		return s.problems
	}
	return nil
}

func collect(err error, at Problem, out *[]Problem) {
	add := func(p Problem, reason string) {
		p.Reason = reason
		p.Message = join(where(p), reason)
		*out = append(*out, p)
	}
	switch e := err.(type) {
	case nil:
		return
	case openapi3.MultiError:
		for _, inner := range e {
			collect(inner, at, out)
		}
		return
	case *openapi3filter.RequestError:
		switch {
		case e.Parameter != nil:
			at = Problem{In: e.Parameter.In, Name: e.Parameter.Name}
		case e.RequestBody != nil:
			at = Problem{In: "body"}
		}
		if e.Err != nil {
			n := len(*out)
			collect(e.Err, at, out)
			if len(*out) > n {
				return
			}
		}
		add(at, reasonOf(e.Reason, e.Err))
		return
	case *openapi3.SchemaError:
		if inner := e.Unwrap(); inner != nil {
			var me openapi3.MultiError
			if errors.As(inner, &me) {
				collect(me, at, out)
				return
			}
		}
		if field := strings.Join(e.JSONPointer(), "/"); field != "" {
			if at.In == "body" {
				at.Name = field
			} else {
				at.Name = at.Name + "/" + field
			}
			at.field = true
		}
		add(at, e.Reason)
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
		add(at, msg)
		return
	}
	var re *openapi3filter.RequestError
	if errors.As(err, &re) {
		collect(re, at, out)
		return
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		collect(se, at, out)
		return
	}
	add(at, err.Error())
}

// where words the place of a problem as the messages always have.
func where(p Problem) string {
	switch {
	case p.In == "body" && p.field:
		return fmt.Sprintf("request body: field %q", p.Name)
	case p.In == "body":
		return "request body"
	case p.In != "" && p.field:
		name, field, _ := strings.Cut(p.Name, "/")
		return fmt.Sprintf("parameter %q in %s: field %q", name, p.In, field)
	case p.In != "":
		return fmt.Sprintf("parameter %q in %s", p.Name, p.In)
	}
	return ""
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
