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

// TestParseXML_Unstable: the inputs xml-roundtrip-validator's tests and
// advisories give as unstable under encoding/xml (names with several
// colons or empty parts, directives nested with comments, stray "]]>") are
// refused by the parser, as are other namespace errors.
func TestParseXML_Unstable(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		`<x::Root/>`,
		`<Root><x::Element></::Element></Root>`,
		`<Root><Element ::attr="foo"></Element></Root>`,
		`<Root></x::Element></Root>`,
		`<x:>`,
		`<Root :="value"/>`,
		`<Root x:="value"/>`,
		`<Root xmlns="x" xmlns:="y"></Root>`,
		`<Root xmlns="http://example.com/1" xmlns="http://example.com/2"></Root>`,
		"<Root>\n<! <<!-- -->!-->\"--> \" >\n<! \">\" <X/>>\n</Root>",
		`<Root><! <<!-- -->!-- x --> y></Root>`,
		`<Root>]]></Root>`,
		`<Root ::attr="x">]]><x::Element/></Root>`,
		`<x:Root></x:Root>`,
		`<Root xmlns="http://example.com/1" x:attr="y"/>`,
		`<a xmlns:x="urn:u" x:b="1" xmlns:y="urn:u" y:b="2"/>`,
		`<a xmlns:xmlns="urn:u"/>`,
		`<a xmlns:xml="urn:u"/>`,
		`<a xmlns:p="http://www.w3.org/XML/1998/namespace"/>`,
		`<a xmlns:p=""/>`,
		`<a b="1" b="2"/>`,
	} {
		_, e := parseXML([]byte(in), strictValues)
		if assert.NotNil(t, e, "%q accepted", in) {
			assert.Contains(t, []Reason{ReasonRoundTrip, ReasonMalformedXML, ReasonDTD}, e.Reason, "%q", in)
		}
	}
}
