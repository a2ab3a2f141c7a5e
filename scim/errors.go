package scim

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/accountkit/accountkit"
)

// The scimType values of RFC 7644 §3.12 this service answers with.
const (
	TypeInvalidFilter = "invalidFilter"
	TypeTooMany       = "tooMany"
	TypeUniqueness    = "uniqueness"
	TypeMutability    = "mutability"
	TypeInvalidSyntax = "invalidSyntax"
	TypeInvalidPath   = "invalidPath"
	TypeNoTarget      = "noTarget"
	TypeInvalidValue  = "invalidValue"
)

// Error is an accountkit error with the SCIM error type (scimType) it is
// answered with. accountkit.ErrorCode sees the wrapped error's code.
type Error struct {
	Type string
	Err  *accountkit.Error
	// Status, when set, overrides the status of Err's code (412 for a
	// failed If-Match).
	Status int
}

// Error returns the wrapped error's text.
func (e *Error) Error() string { return e.Err.Error() }

// Unwrap returns the accountkit error.
func (e *Error) Unwrap() error { return e.Err }

// invalid returns an Invalid error of the SCIM type naming the attribute.
func invalid(scimType, attr, msg string) error {
	return &Error{Type: scimType, Err: accountkit.InvalidField(attr, msg)}
}

// TypeOf returns the scimType of err: the one it carries, "uniqueness"
// for a Conflict, "invalidValue" for other Invalid errors, else "".
func TypeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Type
	}
	switch accountkit.ErrorCode(err) {
	case accountkit.Conflict:
		return TypeUniqueness
	case accountkit.Invalid:
		return TypeInvalidValue
	}
	return ""
}

// errPrecondition answers an If-Match that names another version.
func errPrecondition() error {
	return &Error{Status: http.StatusPreconditionFailed,
		Err: accountkit.Errorf(accountkit.Conflict, "the resource changed: its version does not match If-Match")}
}

// fieldNames maps the users' and teams' input fields to SCIM attributes.
var fieldNames = map[string]string{"username": "userName", "email": "emails", "phone": "phoneNumbers",
	"first_name": "name.givenName", "last_name": "name.familyName", "name": "displayName", "user_ids": "members",
	"roles": "roles"}

// scimFields renames the fields an error of the users or teams service
// names to the SCIM attributes the client sent.
func scimFields(err error) error {
	var e *accountkit.Error
	var se *Error
	if err == nil || errors.As(err, &se) || !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	c := *e
	c.Fields = slices.Clone(e.Fields)
	for i, f := range c.Fields {
		if n, ok := fieldNames[f.Field]; ok {
			if strings.HasPrefix(c.Message, f.Field+": ") {
				c.Message = n + ": " + strings.TrimPrefix(c.Message, f.Field+": ")
			}
			c.Fields[i].Field = n
		}
	}
	return &c
}
