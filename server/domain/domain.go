// Package domain holds what the rules of every API share: one error type whose kind says
// what went wrong (not found, conflict, …). Stores return these errors; each API maps a
// kind to a status once, in its kit.API table, and writes the message in its own shape.
package domain

import (
	"errors"
	"fmt"
)

// Kinds of error. Every *Error wraps one of them, so callers test with errors.Is. The
// comment gives the status kit maps the kind to unless an API's table says otherwise.
var (
	ErrInvalid      = errors.New("invalid request")     // 400
	ErrUnauthorized = errors.New("unauthorized")        // 401
	ErrForbidden    = errors.New("forbidden")           // 403
	ErrNotFound     = errors.New("not found")           // 404
	ErrConflict     = errors.New("conflict")            // 409
	ErrPrecondition = errors.New("precondition failed") // 412
	ErrRateLimited  = errors.New("rate limited")        // 429
	ErrUnavailable  = errors.New("unavailable")         // 503
)

// Error is a domain error: a kind and the message the API sends for it.
type Error struct {
	Kind error
	Msg  string
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Kind }

// Errorf returns an *Error of kind with a formatted message.
func Errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// New returns an *Error of kind with msg.
func New(kind error, msg string) error { return &Error{Kind: kind, Msg: msg} }
