package sso_test

import (
	"strings"
	"testing"

	"github.com/accountkit/accountkit/sso"
)

// FuzzNormalizeDomain: an accepted domain is canonical (lower case, no
// surrounding space or trailing dot, at most 253 bytes, ASCII) and
// normalising it again changes nothing; a refused one comes with a reason.
func FuzzNormalizeDomain(f *testing.F) {
	for _, s := range []string{"acme.com", " ACME.com. ", "co.uk", "a.b.c.example", "xn--bcher-kva.example", "bücher.example",
		"192.0.2.1", "*.x.com", "", ".", "a..b", "-a.com", "a-.com", strings.Repeat("a.", 130) + "com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, msg := sso.NormalizeDomain(in)
		if msg != "" {
			if out != "" {
				t.Fatalf("%q refused (%s) but returned %q", in, msg, out)
			}
			return
		}
		if out == "" || len(out) > 253 || out != strings.ToLower(out) || strings.HasSuffix(out, ".") || strings.TrimSpace(out) != out {
			t.Fatalf("%q accepted as non-canonical %q", in, out)
		}
		for i := 0; i < len(out); i++ {
			if out[i] >= 0x80 {
				t.Fatalf("%q accepted with non-ASCII %q", in, out)
			}
		}
		if again, msg := sso.NormalizeDomain(out); again != out || msg != "" {
			t.Fatalf("%q: normalising %q again gave %q (%s)", in, out, again, msg)
		}
	})
}
