package saml

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// c14nInputs exercise exclusive c14n: namespaces declared on ancestors and
// redeclared, the default namespace and its undeclaration, unused
// declarations, attribute ordering by namespace URI then local name,
// entities, character references and escaping, whitespace and line ends,
// empty elements, xml:* attributes and non-ASCII text.
var c14nInputs = []struct {
	in string
	// goxmldsig, when set, says why goxmldsig's output differs from the
	// standard, which libxml2 (TestCanonicalize_xmllint for whole
	// documents, TestInterop_xmlsec1_Canonicalization for subtrees) and
	// this package follow.
	goxmldsig string
}{
	{in: `<a/>`},
	{in: `<a b="1" a="2"><c>text</c></a>`},
	{in: `<p:a xmlns:p="urn:p" xmlns:q="urn:q" xmlns:unused="urn:u"><q:b p:x="1" x="2" q:y="3"/><c/></p:a>`},
	{in: `<a xmlns="urn:d"><b xmlns=""><c xmlns="urn:d"/></b><d/></a>`, goxmldsig: "renders xmlns=\"\" on an apex whose default namespace is empty"},
	{in: `<a xmlns="urn:d" xmlns:p="urn:p"><p:b><c/></p:b><p:e xmlns=""><f/></p:e></a>`, goxmldsig: "renders xmlns=\"\" where no output ancestor rendered a default namespace"},
	{in: `<r xmlns:z="urn:z" xmlns:a="urn:a"><e a:k="1" z:k="2" k="3" b="4" z:a="5"/></r>`, goxmldsig: "sorts qualified attributes by local name before namespace URI"},
	{in: `<r xmlns:p="urn:one"><p:e><p:f xmlns:p="urn:two"><p:g xmlns:p="urn:one"/></p:f></p:e></r>`},
	{in: `<r xmlns:p="urn:p"><e xmlns:p="urn:p"><p:f/></e></r>`},
	{in: "<r>a &amp; b &lt; c &gt; d \" ' &#65;&#x42; &#xD; &#9;\r\n line\rend</r>"},
	{in: "<r a=\"x&amp;y&lt;z&gt;&quot;'&#9;&#10;&#13;\" b='\"q\"' c=\"tab\there nl\nthere\"/>", goxmldsig: "encoding/xml does not normalise literal whitespace in attribute values (XML 1.0 3.3.3)"},
	{in: "<r>\n  <e>  spaced  </e>\n\t<f/>\n</r>"},
	{in: `<r xml:lang="en" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xs="http://www.w3.org/2001/XMLSchema"><v xsi:type="xs:string" xml:space="preserve">é ü 日本 😀</v></r>`, goxmldsig: "sorts xml:space before xsi:type, by prefix instead of namespace URI"},
	{in: `<!-- before --><r><!-- inside --><e/><!-- again --></r><!-- after -->`},
	{in: `<?xml version="1.0" encoding="UTF-8"?><r>decl</r>`},
	{in: `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="_a"><saml:AttributeStatement><saml:Attribute Name="n"><saml:AttributeValue xsi:type="xs:string">v</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion>`},
}

func mustParse(t *testing.T, s string) *xnode {
	t.Helper()
	root, e := parseXML([]byte(s), strictValues)
	if e != nil {
		t.Fatalf("parse %q: %v: %v", s, e, e.cause)
	}
	return root
}

// TestCanonicalize_xmllint compares the canonical form of whole documents
// with libxml2's (xmllint --exc-c14n), when xmllint is installed.
func TestCanonicalize_xmllint(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint not on PATH (Debian: libxml2-utils)")
	}
	for _, tc := range c14nInputs {
		in := tc.in
		if strings.Contains(in, "<!--") {
			// xmllint --exc-c14n keeps comments.
			continue
		}
		cmd := exec.Command(bin, "--exc-c14n", "-")
		cmd.Stdin = strings.NewReader(in)
		want, err := cmd.Output()
		require.NoError(t, err, in)
		var c canonicalizer
		got := c.canonicalize(mustParse(t, in), nil, nil)
		assert.Equal(t, string(want), string(got), "input %q", in)
	}
}

// TestCanonicalize_goxmldsig compares the canonical form of every element
// of every input, in the context of its ancestors' namespaces, with and
// without an InclusiveNamespaces PrefixList, with goxmldsig's.
func TestCanonicalize_goxmldsig(t *testing.T) {
	t.Parallel()
	for _, tc := range c14nInputs {
		in := tc.in
		if tc.goxmldsig != "" {
			continue
		}
		doc := etree.NewDocument()
		require.NoError(t, doc.ReadFromString(in))
		root := mustParse(t, in)
		var ours []*xnode
		walk(root, func(e *xnode) bool { ours = append(ours, e); return true })
		var theirs []*etree.Element
		var collect func(e *etree.Element)
		collect = func(e *etree.Element) {
			theirs = append(theirs, e)
			for _, c := range e.ChildElements() {
				collect(c)
			}
		}
		collect(doc.Root())
		require.Len(t, theirs, len(ours))
		for _, prefixes := range []string{"", "xs p #default", "z unused"} {
			for i, el := range theirs {
				nsCtx, err := etreeutils.NSBuildParentContext(el)
				require.NoError(t, err)
				detached, err := etreeutils.NSDetatch(nsCtx, el)
				require.NoError(t, err)
				want, err := dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList(prefixes).Canonicalize(detached)
				require.NoError(t, err)
				var list []string
				for _, p := range strings.Fields(prefixes) {
					if p == "#default" {
						p = ""
					}
					list = append(list, p)
				}
				var c canonicalizer
				got := c.canonicalize(ours[i], nil, list)
				assert.Equal(t, string(want), string(got), "input %q element %d prefixes %q", in, i, prefixes)
			}
		}
	}
}

// TestCanonicalize_SkipsSignature checks the enveloped-signature transform.
func TestCanonicalize_SkipsSignature(t *testing.T) {
	t.Parallel()
	root := mustParse(t, `<a xmlns:ds="urn:ds"><i/><ds:Signature><x/></ds:Signature><b/></a>`)
	sig, _ := firstChild(root, "urn:ds", "Signature")
	var c canonicalizer
	assert.Equal(t, `<a><i></i><b></b></a>`, string(c.canonicalize(root, sig, nil)))
}
