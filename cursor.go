package accountkit

import (
	"encoding/base64"
	"strings"
)

// EncodeCursor packs the values that locate the last item of a page into an
// opaque string for clients. Values must not contain NUL bytes.
func EncodeCursor(parts ...string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, "\x00")))
}

// DecodeCursor unpacks a cursor made by EncodeCursor with n parts. A cursor
// that was not made that way is an Invalid error naming the field "cursor".
func DecodeCursor(s string, n int) ([]string, error) {
	bad := InvalidField("cursor", "malformed cursor")
	if len(s) > 1024 {
		return nil, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	parts := strings.Split(string(b), "\x00")
	if len(parts) != n {
		return nil, bad
	}
	return parts, nil
}
