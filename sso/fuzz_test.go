package sso

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzSafeReturnPath: whatever SafeReturnPath accepts is a path on this
// host that no browser reads as another origin.
func FuzzSafeReturnPath(f *testing.F) {
	for _, s := range []string{"/", "/a?b=c", "//evil", "/\\evil", "https://evil", "/\t/evil", "javascript:x", "/%2F%2Fevil"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !SafeReturnPath(s) {
			return
		}
		u, err := url.Parse(s)
		if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
			t.Fatalf("accepted %q with an origin", s)
		}
		if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.ContainsAny(s, "\\\t\r\n ") || len(s) > 80 {
			t.Fatalf("accepted %q", s)
		}
	})
}

// FuzzParseCertificate: certificate input never panics and what is
// accepted has a strong key and re-parses to the same certificate.
func FuzzParseCertificate(f *testing.F) {
	f.Add("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
	f.Add("MIIB")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		cert, canon, msg := parseCertificate(s)
		if msg != "" {
			return
		}
		if _, m := keyDescription(cert); m != "" {
			t.Fatalf("accepted a weak key: %s", m)
		}
		again, _, m := parseCertificate(canon)
		if m != "" || !again.Equal(cert) {
			t.Fatalf("canonical form does not re-parse")
		}
	})
}
