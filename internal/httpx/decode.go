package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/accountkit/accountkit"
)

// DecodeJSON reads r's body into v. The body must be application/json, at
// most maxBytes long (DefaultMaxBody when <= 0), hold exactly one JSON value
// and no field that v does not have. Every string in it, keys included,
// must be valid UTF-8 with no lone UTF-16 surrogate escape: encoding/json
// would quietly turn those into U+FFFD, so they are refused naming the
// field instead. A top-level field tagged `required:"true"` must be present
// and not null. Failures are Invalid errors (or LimitExceeded for an
// oversized body) safe to return to the client.
func DecodeJSON(w http.ResponseWriter, r *http.Request, maxBytes int64, v any) error {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBody
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return accountkit.Errorf(accountkit.Invalid, "the body must be application/json")
		}
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBytes))
	if err != nil {
		return decodeError(err)
	}
	return decodeBytes(data, v)
}

// decodeBytes is DecodeJSON after the body has been read.
func decodeBytes(data []byte, v any) error {
	if field, ok := badText(data); !ok {
		return accountkit.InvalidField(field, "must be valid UTF-8 text (no invalid bytes or lone surrogates)")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return accountkit.Errorf(accountkit.Invalid, "the body must hold a single JSON value")
	}
	return checkRequired(data, v)
}

// checkRequired refuses a body in which a field of v tagged
// `required:"true"` is missing or null: required means required, and a
// null is not "not given".
func checkRequired(data []byte, v any) error {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var raw map[string]json.RawMessage
	var fields []accountkit.FieldError
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Tag.Get("required") != "true" {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		if raw == nil {
			if err := json.Unmarshal(data, &raw); err != nil {
				return accountkit.Errorf(accountkit.Invalid, "the body must be a JSON object")
			}
		}
		if m, ok := raw[name]; !ok || string(bytes.TrimSpace(m)) == "null" {
			fields = append(fields, accountkit.FieldError{Field: name, Message: "is required"})
		}
	}
	if len(fields) > 0 {
		return &accountkit.Error{Code: accountkit.Invalid, Message: fields[0].Field + ": is required", Fields: fields}
	}
	return nil
}

// badText scans the JSON text data for a string that is not valid UTF-8 or
// holds a lone surrogate escape, and returns the path of the field it is
// in ("roles[2]", "name", "body" at the top). Malformed JSON is left to the
// decoder: badText then reports ok.
func badText(data []byte) (field string, ok bool) {
	type frame struct {
		object    bool
		expectKey bool
		key       string
		index     int
	}
	var stack []frame
	path := func() string {
		var b strings.Builder
		for _, f := range stack {
			switch {
			case f.object && f.key != "":
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(f.key)
			case !f.object:
				b.WriteString("[" + strconv.Itoa(f.index) + "]")
			}
		}
		if b.Len() == 0 {
			return "body"
		}
		return b.String()
	}
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '{':
			stack = append(stack, frame{object: true, expectKey: true})
		case '[':
			stack = append(stack, frame{})
		case '}', ']':
			if len(stack) == 0 {
				return "", true
			}
			stack = stack[:len(stack)-1]
		case ':':
			if len(stack) > 0 {
				stack[len(stack)-1].expectKey = false
			}
		case ',':
			if n := len(stack); n > 0 {
				if stack[n-1].object {
					stack[n-1].expectKey = true
				} else {
					stack[n-1].index++
				}
			}
		case '"':
			end, valid := scanString(data, i+1)
			if end < 0 {
				return "", true // unterminated: the decoder says so
			}
			isKey := len(stack) > 0 && stack[len(stack)-1].object && stack[len(stack)-1].expectKey
			if isKey {
				stack[len(stack)-1].key = string(data[i+1 : end])
			}
			if !valid {
				if isKey {
					stack[len(stack)-1].key = "(key)"
				}
				return path(), false
			}
			i = end
		}
	}
	return "", true
}

// scanString scans the JSON string starting at data[start] (after the
// opening quote) and returns the index of its closing quote (-1 when
// there is none) and whether its text is valid: UTF-8 bytes and \u
// escapes that pair surrogates correctly.
func scanString(data []byte, start int) (end int, valid bool) {
	valid = true
	for i := start; i < len(data); {
		c := data[i]
		switch {
		case c == '"':
			return i, valid
		case c == '\\':
			if i+1 >= len(data) {
				return -1, valid
			}
			if data[i+1] != 'u' {
				i += 2
				continue
			}
			r, ok := hex4(data, i+2)
			if !ok {
				return -1, valid // malformed escape: the decoder says so
			}
			i += 6
			switch {
			case r >= 0xD800 && r < 0xDC00: // high surrogate: a low one must follow
				if i+1 < len(data) && data[i] == '\\' && data[i+1] == 'u' {
					if lo, ok := hex4(data, i+2); ok && lo >= 0xDC00 && lo < 0xE000 {
						i += 6
						continue
					}
				}
				valid = false
			case r >= 0xDC00 && r < 0xE000: // a low surrogate alone
				valid = false
			}
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size <= 1 {
				valid = false
			}
			i += size
		}
	}
	return -1, valid
}

// hex4 reads four hex digits at data[i:].
func hex4(data []byte, i int) (rune, bool) {
	if i+4 > len(data) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(data[i:i+4]), 16, 32)
	return rune(n), err == nil
}

// QueryTime parses the RFC 3339 query parameter name into v's checks:
// absent is nil; a malformed time or one outside accountkit's documented
// range (1970-01-01 to 9999-12-31, so year 0000 never reaches a database)
// is recorded in v and gives nil.
func QueryTime(v *accountkit.Validation, r *http.Request, name string) *time.Time {
	s := r.URL.Query().Get(name)
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		v.Add(name, "must be an RFC 3339 time")
		return nil
	}
	t = t.UTC()
	if !v.Time(name, &t) {
		return nil
	}
	return &t
}
