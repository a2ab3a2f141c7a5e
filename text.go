package accountkit

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The one rule for text. Every text a service accepts from outside —
// names, descriptions, search terms, filter values, identifiers — is valid
// UTF-8 (which excludes lone surrogates), holds no NUL and no other C0 or
// C1 control character (a multi-line text may hold tab, line feed and
// carriage return), and is measured in characters, not bytes. Services
// check it through the Validation methods below, so the rule and its
// messages are written once.

// ValidText reports whether s follows the text rule; multiline allows
// tab, line feed and carriage return.
func ValidText(s string, multiline bool) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				if !multiline || (c != '\t' && c != '\n' && c != '\r') {
					return false
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return false
		}
		if r >= 0x80 && r <= 0x9f {
			return false
		}
		i += size
	}
	return true
}

// Text checks a single-line text field of minChars to maxChars characters
// (minChars 0: may be empty) and records what is wrong in v. It returns
// whether the field was fine.
func (v *Validation) Text(field, s string, minChars, maxChars int) bool {
	return v.text(field, s, minChars, maxChars, false)
}

// MultilineText is Text for a text that may span lines.
func (v *Validation) MultilineText(field, s string, minChars, maxChars int) bool {
	return v.text(field, s, minChars, maxChars, true)
}

func (v *Validation) text(field, s string, minChars, maxChars int, multiline bool) bool {
	if msg := TextProblem(s, minChars, maxChars, multiline); msg != "" {
		v.Add(field, msg)
		return false
	}
	return true
}

// TextProblem returns what is wrong with s under the text rule, or "".
func TextProblem(s string, minChars, maxChars int, multiline bool) string {
	switch {
	case !utf8.ValidString(s):
		return "must be valid UTF-8"
	case !ValidText(s, multiline):
		return "must not contain control characters"
	}
	n := utf8.RuneCountInString(s)
	switch {
	case minChars > 0 && n == 0:
		return "is required"
	case n < minChars:
		return fmt.Sprintf("must be at least %d characters", minChars)
	case n > maxChars:
		return fmt.Sprintf("must be at most %d characters", maxChars)
	}
	return ""
}

// MaxSearchLength bounds search terms and filter values, in characters.
const MaxSearchLength = 256

// Search checks a search term or filter value (at most MaxSearchLength
// characters) and returns it trimmed and lower-cased, the form stores
// match.
func (v *Validation) Search(field, s string) string {
	if !v.Text(field, s, 0, MaxSearchLength) {
		return ""
	}
	return strings.ToLower(strings.TrimSpace(s))
}

// Filter checks a filter value given by a client (an ID, a role key, an
// item name): at most MaxSearchLength characters of text. It returns the
// value unchanged.
func (v *Validation) Filter(field, s string) string {
	if !v.Text(field, s, 0, MaxSearchLength) {
		return ""
	}
	return s
}

// MaxEmailLength bounds email addresses, in bytes (RFC 5321).
const MaxEmailLength = 254

// NormalizeEmail returns the canonical (lower-case, trimmed) form of an
// email address, the form that is stored and compared.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// EmailProblem checks a normalized email address: one plain address (no
// display name), at most 254 bytes, with a dotted domain. It returns what
// is wrong, or "".
func EmailProblem(s string) string {
	const bad = "must be a valid email address"
	switch {
	case s == "":
		return "must not be empty"
	case len(s) > MaxEmailLength:
		return "must be at most 254 characters"
	case !ValidText(s, false):
		return bad
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return bad
	}
	domain := s[strings.LastIndexByte(s, '@')+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return bad
	}
	for _, r := range s {
		if unicode.IsSpace(r) || r == utf8.RuneError {
			return bad
		}
	}
	return ""
}

// Email checks a normalized email address and records what is wrong.
func (v *Validation) Email(field, s string) bool {
	if msg := EmailProblem(s); msg != "" {
		v.Add(field, msg)
		return false
	}
	return true
}

// The range of times a service accepts from outside (filters, ranges):
// every adapter stores them, and nothing real lies outside.
var (
	MinTime = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxTime = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)

// Time checks that a time given by a client lies within [MinTime, MaxTime]
// (a nil time is fine) and records what is wrong.
func (v *Validation) Time(field string, t *time.Time) bool {
	if t == nil {
		return true
	}
	if t.Before(MinTime) || t.After(MaxTime) {
		v.Add(field, "must lie between 1970-01-01 and 9999-12-31")
		return false
	}
	return true
}

// Items checks the length of a list given by a client: at most max items.
func (v *Validation) Items(field string, n, max int) bool {
	if n > max {
		v.Add(field, fmt.Sprintf("must have at most %d items", max))
		return false
	}
	return true
}

// IDs checks a list of IDs (at most max, each a valid ID) and returns
// them without duplicates, in their first order.
func (v *Validation) IDs(field string, ids []string, max int) []string {
	if !v.Items(field, len(ids), max) {
		return nil
	}
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !ValidID(id) {
			v.Add(field, "holds a malformed ID")
			return nil
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// Clip shortens s to at most n bytes at a UTF-8 boundary, replacing
// invalid UTF-8 and dropping NUL bytes first; for text that is recorded
// whatever it holds (audit details of refused input).
func Clip(s string, n int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
