package saml

import (
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// piece is one node of a text-bearing element's content.
type piece struct {
	kind string // "text", "comment", "cdata", "pi"
	s    string
}

// splitValue rewrites the content of el, after signing, as the given nodes.
// Exclusive c14n without comments turns CDATA into text and drops comments,
// so the signature still verifies when the nodes' text adds up to the
// signed value: only the SP's refusal can stop such a response.
func splitValue(el *etree.Element, pieces ...piece) {
	for len(el.Child) > 0 {
		el.RemoveChildAt(0)
	}
	for _, p := range pieces {
		switch p.kind {
		case "text":
			el.CreateText(p.s)
		case "comment":
			el.CreateComment(p.s)
		case "cdata":
			el.CreateCData(p.s)
		case "pi":
			el.CreateProcInst("pi", p.s)
		}
	}
}

// TestServiceProvider_ValidateResponse_CommentsAndCDATAInValues: a comment,
// CDATA section or processing instruction inside any element whose text
// the engine reads is refused, whatever the text adds up to and whichever
// element is signed. The classic attack: the IdP signs the attacker's
// NameID "victim@corp.example.com.evil.example"; the attacker inserts
// "<!---->" after "victim@corp.example.com", which leaves the signature
// valid, hoping the SP (or whatever consumes its result) reads only the
// first text node.
func TestServiceProvider_ValidateResponse_CommentsAndCDATAInValues(t *testing.T) {
	t.Parallel()
	const victim, suffix = "victim@corp.example.com", ".evil.example"
	idpHead, idpTail := "https://idp.example.org", "/metadata"
	spHead, spTail := "https://sp.example.com", "/saml/metadata"
	targets := []struct {
		name       string
		opts       respOpts
		head, tail string
		find       func(doc *etree.Document) *etree.Element
	}{
		{"NameID", respOpts{NameID: victim + suffix}, victim, suffix, func(doc *etree.Document) *etree.Element {
			return assertionOf(doc).FindElement("./Subject/NameID")
		}},
		{"AttributeValue", respOpts{}, "adm", "ins", func(doc *etree.Document) *etree.Element {
			return assertionOf(doc).FindElement("./AttributeStatement/Attribute[@Name='groups']/AttributeValue")
		}},
		{"AssertionIssuer", respOpts{}, idpHead, idpTail, func(doc *etree.Document) *etree.Element {
			return assertionOf(doc).FindElement("./Issuer")
		}},
		{"ResponseIssuer", respOpts{}, idpHead, idpTail, func(doc *etree.Document) *etree.Element {
			return doc.Root().FindElement("./Issuer")
		}},
		{"Audience", respOpts{}, spHead, spTail, func(doc *etree.Document) *etree.Element {
			return assertionOf(doc).FindElement("./Conditions/AudienceRestriction/Audience")
		}},
	}
	forms := []struct {
		name   string
		pieces func(head, tail string) []piece
		want   Reason
	}{
		{"EmptyComment", func(h, t string) []piece {
			return []piece{{"text", h}, {"comment", ""}, {"text", t}}
		}, ReasonXMLComment},
		{"Comment", func(h, t string) []piece {
			return []piece{{"text", h}, {"comment", " x "}, {"text", t}}
		}, ReasonXMLComment},
		{"LeadingComment", func(h, t string) []piece {
			return []piece{{"comment", "x"}, {"text", h + t}}
		}, ReasonXMLComment},
		{"TrailingComment", func(h, t string) []piece {
			return []piece{{"text", h + t}, {"comment", "x"}}
		}, ReasonXMLComment},
		{"CDATAWhole", func(h, t string) []piece {
			return []piece{{"cdata", h + t}}
		}, ReasonXMLComment},
		{"CDATAPart", func(h, t string) []piece {
			return []piece{{"cdata", h}, {"text", t}}
		}, ReasonXMLComment},
		{"CommentAndCDATA", func(h, t string) []piece {
			return []piece{{"text", h[:1]}, {"cdata", h[1:]}, {"comment", ""}, {"text", t}}
		}, ReasonXMLComment},
		{"ProcessingInstruction", func(h, t string) []piece {
			return []piece{{"text", h}, {"pi", "x"}, {"text", t}}
		}, ReasonDTD},
	}
	layouts := []struct {
		name string
		sign func(t *testing.T, f *fixture, doc *etree.Document)
	}{
		{"AssertionSigned", func(t *testing.T, f *fixture, doc *etree.Document) {
			sign(t, assertionOf(doc), signOpts{})
		}},
		{"ResponseSigned", func(t *testing.T, f *fixture, doc *etree.Document) {
			sign(t, doc.Root(), signOpts{})
		}},
		{"BothSigned", func(t *testing.T, f *fixture, doc *etree.Document) {
			sign(t, assertionOf(doc), signOpts{})
			sign(t, doc.Root(), signOpts{})
		}},
	}
	for _, tg := range targets {
		for _, lo := range layouts {
			for _, fm := range forms {
				t.Run(tg.name+"/"+lo.name+"/"+fm.name, func(t *testing.T) {
					t.Parallel()
					f := newFixture(t)
					doc := f.build(tg.opts)
					el := tg.find(doc)
					require.NotNil(t, el)
					require.Equal(t, tg.head+tg.tail, el.Text())
					lo.sign(t, f, doc)
					// The genuine response is accepted...
					a, err := f.validate(encode(t, reparse(t, doc)))
					require.NoError(t, err)
					require.NotNil(t, a)
					// ...the same response with the value split is not.
					f = refreshRequest(t, f)
					el = tg.find(doc)
					splitValue(el, fm.pieces(tg.head, tg.tail)...)
					s := encode(t, doc)
					a, err = f.validate(s)
					require.Error(t, err, "accepted NameID %q", nameIDOf(a))
					assert.Nil(t, a)
					assert.Equal(t, fm.want, ReasonOf(err), "cause: %v", errorsUnwrap(err))
				})
			}
		}
	}
}

// refreshRequest makes the fixture's request ID pending again and forgets
// used assertion IDs, so the same response can be validated a second time.
func refreshRequest(t *testing.T, f *fixture) *fixture {
	t.Helper()
	f.store = NewMemoryStore()
	f.sp.RequestStore, f.sp.ReplayCache = f.store, f.store
	require.NoError(t, f.store.SaveRequest(t.Context(), f.requestID, f.idp.EntityID, t0.Add(DefaultRequestMaxAge)))
	return f
}

func nameIDOf(a *Assertion) string {
	if a == nil {
		return ""
	}
	return a.NameID
}

// TestServiceProvider_ValidateResponse_CommentOutsideValues: comments
// between elements are not values and stay allowed (exclusive c14n drops
// them, and the engine never reads them).
func TestServiceProvider_ValidateResponse_CommentOutsideValues(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	doc := f.build(respOpts{})
	sign(t, assertionOf(doc), signOpts{})
	b, err := doc.WriteToString()
	require.NoError(t, err)
	b = strings.Replace(b, "<saml:Subject>", "<saml:Subject><!-- generated by the IdP -->", 1)
	a, err := f.validate(encodeString(b))
	require.NoError(t, err)
	assert.Equal(t, "alice@corp.example", a.NameID)
}
