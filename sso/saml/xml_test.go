package saml

import (
	"encoding/xml"
	"testing"

	xrv "github.com/mattermost/xml-roundtrip-validator"
	"github.com/stretchr/testify/assert"
)

// TestIsXMLText checks the CharData fast path of roundTrip against
// xml-roundtrip-validator's own CheckToken.
func TestIsXMLText(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"", "plain", "a&b<c>\"'", "tab\tnl\ncr\r", "é ü 日本 😀", "\x00", "\x01x", "\x7f",
		"\xff", "\xc3", "\ufffe", "\uffff", "\ufffd", "\u2028", "\xed\xa0\x80",
	} {
		fast := isXMLText([]byte(s))
		slow := xrv.CheckToken(xml.CharData(s)) == nil
		if fast {
			assert.True(t, slow, "%q: fast path accepts what CheckToken refuses", s)
		}
	}
}

func FuzzIsXMLText(f *testing.F) {
	f.Add([]byte("a&b\x00\xff😀"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if isXMLText(b) && xrv.CheckToken(xml.CharData(b)) != nil {
			t.Fatalf("fast path accepts %q which CheckToken refuses", b)
		}
	})
}
