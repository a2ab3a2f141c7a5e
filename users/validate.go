package users

import (
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/accountkit/accountkit"
)

// Field limits.
const (
	MinUsernameLength = 3
	MaxUsernameLength = 64
	MaxNameLength     = 100
	MaxEmailLength    = accountkit.MaxEmailLength
)

// NormalizeUsername returns the canonical (lower-case, trimmed) form of a
// username, the form that is stored and compared.
func NormalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// NormalizeEmail returns the canonical (lower-case, trimmed) form of an
// email address (accountkit.NormalizeEmail).
func NormalizeEmail(s string) string { return accountkit.NormalizeEmail(s) }

// validateEmail checks a normalized email (accountkit.EmailProblem).
func validateEmail(s string) string { return accountkit.EmailProblem(s) }

// validateUsername checks a normalized username: 3–64 characters of a-z,
// 0-9, '.', '_', '-' and '@', starting with a letter or digit.
func validateUsername(s string) string {
	if len(s) < MinUsernameLength || len(s) > MaxUsernameLength {
		return "must be 3 to 64 characters"
	}
	if !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= '0' && s[0] <= '9') {
		return "must start with a letter or digit"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("._-@", c) >= 0) {
			return "may contain only letters, digits and . _ - @"
		}
	}
	return ""
}

// validatePersonName checks a first or last name (may be empty).
func validatePersonName(s string) string { return accountkit.TextProblem(s, 0, MaxNameLength, false) }

// NormalizePhone parses an E.164 number ("+14155550123"; spaces, dashes
// and parentheses are tolerated) and returns its canonical E.164 form, or
// "" with what is wrong. Numbers must be valid for their country's
// numbering plan.
func NormalizePhone(s string) (string, string) {
	const msg = "must be a valid phone number in E.164 form, such as +14155550123"
	s = strings.TrimSpace(s)
	if len(s) < 8 || len(s) > 32 || s[0] != '+' {
		return "", msg
	}
	for _, r := range s[1:] {
		if !(r >= '0' && r <= '9' || r == ' ' || r == '-' || r == '(' || r == ')') {
			return "", msg
		}
	}
	n, err := phonenumbers.Parse(s, "")
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return "", msg
	}
	return phonenumbers.Format(n, phonenumbers.E164), ""
}
