package saml

import (
	"encoding/xml"
	"fmt"
	"strings"
	"testing"

	xrv "github.com/mattermost/xml-roundtrip-validator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

// TestParseXML_Limits: hostile shapes that would make the parser or the
// canonicaliser quadratic are refused or handled in linear time.
func TestParseXML_Limits(t *testing.T) {
	t.Parallel()
	many := func(n int, f func(i int) string) string {
		var b strings.Builder
		for i := range n {
			b.WriteString(f(i))
		}
		return b.String()
	}
	t.Run("ErrTooManyAttributes", func(t *testing.T) {
		t.Parallel()
		in := `<a ` + many(maxXMLAttrs+1, func(i int) string { return fmt.Sprintf(`a%d="" `, i) }) + `/>`
		_, e := parseXML([]byte(in), strictValues)
		require.NotNil(t, e)
		assert.Equal(t, ReasonMalformedXML, e.Reason)
	})
	t.Run("ErrTooManyNamespaces", func(t *testing.T) {
		t.Parallel()
		in := many(maxXMLNamespaces/8+1, func(i int) string {
			return "<e " + many(8, func(j int) string { return fmt.Sprintf(`xmlns:p%d_%d="urn:x" `, i, j) }) + ">"
		})
		_, e := parseXML([]byte(in), strictValues)
		require.NotNil(t, e)
		assert.Equal(t, ReasonMalformedXML, e.Reason)
	})
	t.Run("ErrCommentSplitValue", func(t *testing.T) {
		t.Parallel()
		in := "<a>" + strings.Repeat("x<!---->", 200000) + "</a>"
		_, e := parseXML([]byte(in), strictValues)
		require.NotNil(t, e)
		assert.Equal(t, ReasonXMLComment, e.Reason)
	})
	t.Run("LenientCommentSplitText", func(t *testing.T) {
		t.Parallel()
		in := "<a>" + strings.Repeat("x<!---->", 200000) + "</a>"
		root, e := parseXML([]byte(in), lenientValues)
		require.Nil(t, e)
		text, ok := textContent(root)
		assert.True(t, ok)
		assert.Equal(t, strings.Repeat("x", 200000), text)
	})
}
