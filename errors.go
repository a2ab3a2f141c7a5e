package accountkit

import (
	"errors"
	"fmt"
	"time"
)

// Code is the kind of an error. Handlers map it to an HTTP status and clients
// may rely on its string value, which never changes.
type Code string

// The error kinds.
const (
	NotFound        Code = "not_found"
	Conflict        Code = "conflict"
	Invalid         Code = "invalid"
	Unauthenticated Code = "unauthenticated"
	Forbidden       Code = "forbidden"
	Locked          Code = "locked"
	LimitExceeded   Code = "limit_exceeded"
	// TooManyRequests: a rate limit refused the request; Error.RetryAfter
	// says when to try again.
	TooManyRequests Code = "too_many_requests"
	// Unavailable: a dependency (the database) cannot be reached now; the
	// request may be retried after Error.RetryAfter.
	Unavailable Code = "unavailable"
	// MethodNotAllowed: the route exists but not for the request's method;
	// the Allow header lists the methods it takes.
	MethodNotAllowed Code = "method_not_allowed"
	Internal         Code = "internal"
)

// FieldError names one offending input field and what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the error type returned by every accountkit service. Message is
// safe to show to end users (ErrorMessage); the wrapped Err (if any) is for
// logs only: Error() includes it, so a logged error tells why a request
// failed, and handlers never send Error() to clients.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
	Err     error
	// RetryAfter, when positive, tells the client when to try again
	// (TooManyRequests, Unavailable); handlers send it as Retry-After.
	RetryAfter time.Duration
}

// Error returns the code, the safe message and the cause, for logs.
func (e *Error) Error() string {
	s := string(e.Code)
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying cause, for errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted safe message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// InvalidField returns an Invalid error naming one field.
func InvalidField(field, message string) *Error {
	return &Error{Code: Invalid, Message: field + ": " + message, Fields: []FieldError{{Field: field, Message: message}}}
}

// Wrap returns an Internal error whose cause is err. The message shown to
// clients stays generic; err is kept for logs.
func Wrap(err error, message string) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Code: Internal, Message: message, Err: err}
}

// ErrorCode returns the Code of err, Internal for any error that is not an
// *Error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Answer maps a store error to the domain answer it stands for: NotFound
// becomes answer (e.g. "the link is invalid"), any other error passes
// through, so a database that cannot be reached is never mistaken for a
// missing record. nil stays nil.
func Answer(err, answer error) error {
	if err == nil {
		return nil
	}
	if ErrorCode(err) == NotFound {
		return answer
	}
	return err
}

// ErrorMessage returns the safe message of err: its Message for an *Error,
// a generic text otherwise, "" for nil.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Message != "" && e.Code != Internal {
		return e.Message
	}
	return "internal error"
}

// RetryAfterOf returns the RetryAfter of err's *Error, 0 when none.
func RetryAfterOf(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// Validation collects field errors and turns them into one Invalid error.
type Validation struct{ fields []FieldError }

// Add records that field is invalid.
func (v *Validation) Add(field, message string) {
	v.fields = append(v.fields, FieldError{Field: field, Message: message})
}

// Err returns nil when no field was added, else an Invalid *Error listing
// every field.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	msg := v.fields[0].Field + ": " + v.fields[0].Message
	if len(v.fields) > 1 {
		msg += fmt.Sprintf(" (and %d more)", len(v.fields)-1)
	}
	return &Error{Code: Invalid, Message: msg, Fields: v.fields}
}

// WithCode returns a copy of e with another code, keeping message and fields.
func (e *Error) WithCode(code Code) *Error {
	c := *e
	c.Code = code
	return &c
}

// Limit validates a page size: 0 means def, anything outside 1..max is
// recorded as an invalid "limit" field.
func (v *Validation) Limit(n, def, max int) int {
	switch {
	case n == 0:
		return def
	case n < 0 || n > max:
		v.Add("limit", fmt.Sprintf("must be between 1 and %d", max))
	}
	return n
}
