package users

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNormalizePhone(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"+14155550123":      "+14155550123",
		"+1 (415) 555-0123": "+14155550123",
		"+44 20 7946 0958":  "+442079460958",
		"+385 91 234 5678":  "+385912345678",
		" +14155550123\n":   "+14155550123",
	} {
		got, msg := NormalizePhone(in)
		assert.Empty(t, msg, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "4155550123", "+0123456789", "+1415555012", "+1415abc0123", "+99912345678", "+1\n4155550123",
		"+1415555012345678901234567890", "+1 415 555 0123; DROP TABLE", "++14155550123"} {
		_, msg := NormalizePhone(bad)
		assert.NotEmpty(t, msg, "%q", bad)
	}
}

func TestValidateEmail(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"a@b.co", "first.last+tag@example.com", "x@sub.example.org"} {
		assert.Empty(t, validateEmail(ok), ok)
	}
	for _, bad := range []string{"", "plain", "a@b", "a@.com", "a@b.", "a@b..com", "Alice <a@b.com>", "a b@c.com",
		"a@b.com\r\nBcc: x@y.com", strings.Repeat("a", 250) + "@b.com", "a@@b.com"} {
		assert.NotEmpty(t, validateEmail(NormalizeEmail(bad)), "%q", bad)
	}
}

func TestValidateUsername(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"alice", "bob.smith", "a_1", "jane@corp.com", "007"} {
		assert.Empty(t, validateUsername(ok), ok)
	}
	for _, bad := range []string{"", "ab", strings.Repeat("a", 65), "-lead", ".dot", "sp ace", "ünï", "semi;colon", "a/b"} {
		assert.NotEmpty(t, validateUsername(bad), bad)
	}
	assert.Equal(t, "alice", NormalizeUsername("  ALICE "))
}
