package kit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// plan is what validating a request of one operation needs, worked out at start-up.
type plan struct {
	// security lists the requirements, each with its schemes in kin-openapi's order
	// (sorted by name); kinSecurity means a scheme is not declared, so kin-openapi's own
	// function runs to produce its error.
	security    [][]schemeUse
	kinSecurity bool
	// fast holds, per parameter of Operation.Params, its fast check (nil: kin-openapi).
	fast []*fastParam
	// json is the body's application/json schema when validating it needs nothing but
	// decoding and kin-openapi's schema check (no defaults to write back); nil otherwise.
	json       *openapi3.Schema
	schemaOpts []openapi3.SchemaValidationOption
	// caseGuard is the JSON body schema when it declares properties yet lets other members
	// through: there a member that matches a property only by case passes validation
	// unchecked. The generated handlers bind names exactly (runtime.BindJSONValue), but a
	// handler that decodes the body itself, or a client that meant the property, would be
	// misled: such members are refused, naming the field.
	caseGuard *openapi3.Schema
}

type schemeUse struct {
	name   string
	scheme *openapi3.SecurityScheme
	scopes []string
}

func (o *Operation) compile() {
	spec := o.Route.Spec
	for _, p := range o.Params {
		o.plan.fast = append(o.plan.fast, compileFastParam(p.Value))
	}
	for _, req := range o.Security {
		names := make([]string, 0, len(req))
		for n := range req {
			names = append(names, n)
		}
		slices.Sort(names)
		uses := make([]schemeUse, 0, len(names))
		for _, n := range names {
			var sch *openapi3.SecurityScheme
			if spec.Components != nil {
				if ref := spec.Components.SecuritySchemes[n]; ref != nil {
					sch = ref.Value
				}
			}
			if sch == nil {
				o.plan.kinSecurity = true
			}
			uses = append(uses, schemeUse{name: n, scheme: sch, scopes: req[n]})
		}
		o.plan.security = append(o.plan.security, uses)
	}
	if o.BodyRef != nil {
		if mt := o.BodyRef.Content["application/json"]; mt != nil && mt.Schema != nil && mt.Schema.Value != nil &&
			len(mt.Encoding) == 0 && !hasDefault(mt.Schema.Value, map[*openapi3.Schema]bool{}) {
			o.plan.json = mt.Schema.Value
			o.plan.schemaOpts = []openapi3.SchemaValidationOption{openapi3.VisitAsRequest(), openapi3.MultiErrors()}
			if spec.IsOpenAPI31OrLater() {
				o.plan.schemaOpts = append(o.plan.schemaOpts, openapi3.EnableJSONSchema2020())
			}
		}
		if mt := o.BodyRef.Content["application/json"]; mt != nil && mt.Schema != nil &&
			openWithProperties(mt.Schema.Value, map[*openapi3.Schema]bool{}) {
			o.plan.caseGuard = mt.Schema.Value
		}
	}
}

// openWithProperties reports whether s, or a schema under it, declares properties and
// admits other members too.
func openWithProperties(s *openapi3.Schema, seen map[*openapi3.Schema]bool) bool {
	if s == nil || seen[s] {
		return false
	}
	seen[s] = true
	closed := s.AdditionalProperties.Has != nil && !*s.AdditionalProperties.Has
	if len(s.Properties) > 0 && !closed {
		return true
	}
	refs := slices.Concat(s.AllOf, s.AnyOf, s.OneOf, openapi3.SchemaRefs{s.Items, s.AdditionalProperties.Schema})
	for _, p := range s.Properties {
		refs = append(refs, p)
	}
	for _, r := range refs {
		if r != nil && openWithProperties(r.Value, seen) {
			return true
		}
	}
	return false
}

// caseVariants lists the members of v that match a property of s only by case.
func caseVariants(s *openapi3.Schema, v any, at string, out *[]string) {
	if s == nil {
		return
	}
	switch v := v.(type) {
	case map[string]any:
		props := map[string]*openapi3.Schema{}
		for _, sub := range slices.Concat(openapi3.SchemaRefs{{Value: s}}, s.AllOf, s.AnyOf, s.OneOf) {
			if sub != nil && sub.Value != nil {
				for name, p := range sub.Value.Properties {
					props[name] = p.Value
				}
			}
		}
		for k, member := range v {
			if ps, ok := props[k]; ok {
				caseVariants(ps, member, at+"/"+k, out)
				continue
			}
			for name := range props {
				if strings.EqualFold(name, k) {
					*out = append(*out, fmt.Sprintf("field %q: member names are case-sensitive; %q is not %q",
						strings.TrimPrefix(at+"/"+k, "/"), k, name))
					break
				}
			}
		}
	case []any:
		if s.Items != nil {
			for i, e := range v {
				caseVariants(s.Items.Value, e, fmt.Sprintf("%s/%d", at, i), out)
			}
		}
	}
}

// refuseCaseVariants returns a request error naming every case-variant member of value.
func refuseCaseVariants(op *Operation, in *openapi3filter.RequestValidationInput, value any) error {
	var found []string
	caseVariants(op.plan.caseGuard, value, "", &found)
	if len(found) == 0 {
		return nil
	}
	sort.Strings(found)
	var me openapi3.MultiError
	for _, f := range found {
		me = append(me, &openapi3filter.RequestError{Input: in, RequestBody: op.BodyRef, Reason: f})
	}
	return me
}

// hasDefault reports whether validating against s could write a default into the value
// (kin-openapi then re-encodes the body): such bodies take kin-openapi's whole path.
func hasDefault(s *openapi3.Schema, seen map[*openapi3.Schema]bool) bool {
	if s == nil || seen[s] {
		return false
	}
	seen[s] = true
	if s.Default != nil {
		return true
	}
	refs := slices.Concat(s.AllOf, s.AnyOf, s.OneOf, openapi3.SchemaRefs{s.Not, s.Items, s.AdditionalProperties.Schema})
	for _, p := range s.Properties {
		refs = append(refs, p)
	}
	for _, r := range refs {
		if r != nil && hasDefault(r.Value, seen) {
			return true
		}
	}
	return false
}

// requestInput is the per-request validation input, allocated once.
type requestInput struct {
	rvi  openapi3filter.RequestValidationInput
	auth openapi3filter.AuthenticationInput
}

// authenticate runs the API's authentication function over the operation's security
// requirements as kin-openapi's ValidateSecurityRequirements does (the first requirement
// met wins; within one, every scheme in name order), calling it directly, with the request
// body hidden so that it is read only once, by validation.
func (s *Server) authenticate(ctx context.Context, op *Operation, ri *requestInput) (int, []string) {
	api := op.API
	if api.Authenticate == nil {
		return http.StatusInternalServerError, []string{"no authentication function for " + api.Name}
	}
	req := ri.rvi.Request
	body := req.Body
	req.Body = http.NoBody
	defer func() { req.Body = body }()
	var err error
	if op.plan.kinSecurity {
		rvi := ri.rvi
		opts := s.reqOpts
		opts.AuthenticationFunc = api.Authenticate
		rvi.Options = &opts
		err = openapi3filter.ValidateSecurityRequirements(ctx, &rvi, op.Security)
	} else {
		err = s.runSecurity(ctx, op, ri)
	}
	if err == nil {
		return 0, nil
	}
	// Several requirements may have failed: the most specific refusal wins (a 403, known
	// caller without access, over a 401).
	errs := []error{err}
	var sre *openapi3filter.SecurityRequirementsError
	if errors.As(err, &sre) {
		errs = sre.Errors
	}
	best, msg, cause := 0, "", error(nil)
	for _, e := range errs {
		if code, m, ok := api.statusOf(e); ok && code > best {
			best, msg, cause = code, m, e
		}
	}
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		return StatusClientClosed, []string{"the client closed the request"}
	case best >= 500:
		s.log.ErrorContext(ctx, "authentication could not be checked", "api", api.Name, "op", op.ID, "status", best, "err", cause)
		return best, []string{msg}
	case best != 0:
		return best, []string{msg}
	case ctx.Err() != nil:
		return http.StatusServiceUnavailable, []string{"request cancelled: " + ctx.Err().Error()}
	case op.plan.kinSecurity:
		// A scheme the spec does not declare: kin-openapi's own refusal.
		s.log.WarnContext(ctx, "authentication failed", "api", api.Name, "op", op.ID, "err", err)
		return http.StatusUnauthorized, []string{"authentication required"}
	}
	s.log.ErrorContext(ctx, "authentication failed unexpectedly", "api", api.Name, "op", op.ID, "err", err)
	return http.StatusInternalServerError, []string{"authentication failed: internal error"}
}

func (s *Server) runSecurity(ctx context.Context, op *Operation, ri *requestInput) error {
	var errs []error
	f := op.API.Authenticate
	for _, req := range op.plan.security {
		var failed error
		for _, u := range req {
			ri.auth = openapi3filter.AuthenticationInput{
				RequestValidationInput: &ri.rvi, SecuritySchemeName: u.name, SecurityScheme: u.scheme, Scopes: u.scopes,
			}
			if err := f(ctx, &ri.auth); err != nil {
				failed = err
				break
			}
		}
		if failed == nil {
			return nil
		}
		errs = append(errs, failed)
	}
	return &openapi3filter.SecurityRequirementsError{SecurityRequirements: op.Security, Errors: errs}
}

// checkBody validates the request body, reading it once (bounded) and decoding it once,
// and leaves the value it validated on the body (the ValidatedValue method of
// openapi3filter.Options.KeepValidatedValue), which the generated handlers bind with
// runtime.BindJSONValue. A JSON body whose schema writes no defaults is decoded with
// encoding/json and checked with kin-openapi's schema validation directly (checkJSON): the
// same decoder and checks as kin-openapi's ValidateRequestBody, without its per-request
// set-up, which doubled the cost of a small POST (docs/BENCHMARKS.md). Any other body, and
// any body that fails there, goes through ValidateRequestBody itself, so refusals keep
// kin-openapi's exact wording.
func (s *Server) checkBody(ctx context.Context, op *Operation, in *openapi3filter.RequestValidationInput) error {
	req := in.Request
	if limit := s.maxBody(); limit > 0 && req.Body != nil && req.Body != http.NoBody {
		if req.ContentLength > limit {
			return &openapi3filter.RequestError{Input: in, RequestBody: op.BodyRef,
				Reason: fmt.Sprintf("%d bytes is more than the limit of %d", req.ContentLength, limit)}
		}
		if req.ContentLength < 0 { // a known length is already enforced by net/http
			req.Body = http.MaxBytesReader(nil, req.Body, limit)
		}
	}
	if op.plan.json != nil && req.Body != nil && req.Body != http.NoBody && isJSONMediaType(req.Header.Get("Content-Type")) {
		ok, err := checkJSON(op, in, &stateOf(ctx).body)
		if ok || err != nil {
			return err
		}
	}
	if err := openapi3filter.ValidateRequestBody(ctx, in, op.BodyRef); err != nil || op.plan.caseGuard == nil {
		return err
	}
	if vb, ok := req.Body.(interface{ ValidatedValue() any }); ok && isJSONMediaType(req.Header.Get("Content-Type")) {
		return refuseCaseVariants(op, in, vb.ValidatedValue())
	}
	return nil
}

// checkJSON reads, decodes and validates a JSON body. ok reports that the body is valid
// and left validated on the request; otherwise the body is put back for kin-openapi to
// word the refusal (err is set only when the body could not be read).
func checkJSON(op *Operation, in *openapi3filter.RequestValidationInput, body *validatedBody) (ok bool, err error) {
	req := in.Request
	data, err := readBody(req)
	_ = req.Body.Close()
	if err != nil {
		return false, &openapi3filter.RequestError{Input: in, RequestBody: op.BodyRef, Reason: "reading failed", Err: err}
	}
	body.Reset(data)
	req.Body = body
	if len(data) == 0 {
		return false, nil // required or not: kin-openapi decides and words it
	}
	dec := json.NewDecoder(body)
	dec.UseNumber() // as kin-openapi decodes, and runtime.BindJSONValue binds numbers
	if dec.Decode(&body.value) != nil || dec.More() || op.plan.json.VisitJSON(body.value, op.plan.schemaOpts...) != nil {
		body.Reset(data)
		body.value = nil
		req.Body = io.NopCloser(body)
		return false, nil
	}
	body.Reset(data) // a handler that reads the body itself gets all of it
	if op.plan.caseGuard != nil {
		return true, refuseCaseVariants(op, in, body.value)
	}
	return true, nil
}

// validatedBody is a request body after validation: its bytes, and the value decoded from
// them, offered as openapi3filter's KeepValidatedValue does. It lives in the request state,
// which is allocated anyway.
type validatedBody struct {
	bytes.Reader
	value any
}

func (b *validatedBody) Close() error { return nil }

// ValidatedValue is the value the body was validated as.
func (b *validatedBody) ValidatedValue() any { return b.value }

// readBody reads the whole body, in one allocation when its length is known.
func readBody(req *http.Request) ([]byte, error) {
	n := req.ContentLength
	if n <= 0 || n > 1<<20 {
		return io.ReadAll(req.Body)
	}
	buf := make([]byte, n)
	m, err := io.ReadFull(req.Body, buf)
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		return buf[:m], nil
	}
	return buf, err
}

func (s *Server) maxBody() int64 {
	if s.opts.MaxBodyBytes == 0 {
		return DefaultMaxBodyBytes
	}
	return s.opts.MaxBodyBytes
}

// isJSONMediaType reports whether kin-openapi decodes a body of this Content-Type with its
// application/json decoder.
func isJSONMediaType(ct string) bool {
	base, _, _ := strings.Cut(ct, ";")
	return strings.EqualFold(strings.TrimSpace(base), "application/json")
}
