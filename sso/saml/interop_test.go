package saml

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// signatureTemplate is the empty enveloped Signature xmlsec1 fills in.
const signatureTemplate = `<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">` +
	`<ds:SignedInfo>` +
	`<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>` +
	`<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>` +
	`<ds:Reference URI="#%ID%">` +
	`<ds:Transforms>` +
	`<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>` +
	`<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>` +
	`</ds:Transforms>` +
	`<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>` +
	`<ds:DigestValue/>` +
	`</ds:Reference>` +
	`</ds:SignedInfo>` +
	`<ds:SignatureValue/>` +
	`<ds:KeyInfo><ds:X509Data/></ds:KeyInfo>` +
	`</ds:Signature>`

// xmlsec1Bin returns the xmlsec1 command line tool, an implementation
// independent of this package and of goxmldsig. It skips when xmlsec1 is
// missing, except under CI=true where that is a failure.
func xmlsec1Bin(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("xmlsec1")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("xmlsec1 not on PATH under CI=true; run .ci/install-xmlsec1.sh")
		}
		t.Skip("xmlsec1 not on PATH; run .ci/install-xmlsec1.sh")
	}
	return bin
}

// xmlsec1SignXML fills in the first Signature template of tmpl with the
// IdP key; idNode names the element whose ID attribute the Reference
// points at ("[namespace:]name").
func xmlsec1SignXML(t *testing.T, tmpl, idNode string) string {
	t.Helper()
	bin := xmlsec1Bin(t)
	testKeys(t)
	dir := t.TempDir()
	keyDER, err := x509.MarshalPKCS8PrivateKey(idpKeys.RSAKey)
	require.NoError(t, err)
	keyFile := filepath.Join(dir, "key.pem")
	certFile := filepath.Join(dir, "cert.pem")
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600))
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: idpKeys.Cert.Raw}), 0o600))
	in := filepath.Join(dir, "template.xml")
	out := filepath.Join(dir, "signed.xml")
	require.NoError(t, os.WriteFile(in, []byte(tmpl), 0o600))
	cmd := exec.Command(bin, "--sign", "--privkey-pem", keyFile+","+certFile,
		"--id-attr:ID", idNode, "--output", out, in)
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "xmlsec1: %s", b)
	signed, err := os.ReadFile(out)
	require.NoError(t, err)
	require.Contains(t, string(signed), "<ds:X509Certificate>")
	return string(signed)
}

// xmlsec1Sign signs the assertion of a response with xmlsec1 and, if
// both, then the Response too.
func xmlsec1Sign(t *testing.T, f *fixture, o respOpts, both bool) string {
	t.Helper()
	doc := f.build(o)
	id := assertionOf(doc).SelectAttrValue("ID", "")
	tmpl, err := doc.WriteToString()
	require.NoError(t, err)
	// Insert the template right after the assertion's Issuer.
	i := strings.Index(tmpl, "<saml:Subject>")
	require.Positive(t, i)
	tmpl = tmpl[:i] + strings.Replace(signatureTemplate, "%ID%", id, 1) + tmpl[i:]
	signed := xmlsec1SignXML(t, tmpl, nsSAML+":Assertion")
	if !both {
		return signed
	}
	// The Response's template comes first in document order, so xmlsec1
	// fills it in, over the signed assertion.
	i = strings.Index(signed, "<samlp:Status>")
	require.Positive(t, i)
	tmpl = signed[:i] + strings.Replace(signatureTemplate, "%ID%", doc.Root().SelectAttrValue("ID", ""), 1) + signed[i:]
	return xmlsec1SignXML(t, tmpl, nsSAMLP+":Response")
}

func TestInterop_xmlsec1(t *testing.T) {
	t.Parallel()
	t.Run("OK", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		signed := xmlsec1Sign(t, f, respOpts{}, false)
		a, err := f.validate(encodeString(signed))
		require.NoError(t, err)
		assert.Equal(t, "alice@corp.example", a.NameID)
		assert.Equal(t, []string{"admins", "staff"}, a.Attributes["groups"])
	})
	t.Run("ErrModifiedAttribute", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		signed := xmlsec1Sign(t, f, respOpts{}, false)
		require.Contains(t, signed, ">admins<")
		_, err := f.validate(encodeString(strings.Replace(signed, ">admins<", ">superadmins<", 1)))
		assert.Equal(t, ReasonSignatureInvalid, ReasonOf(err))
	})
	t.Run("BothSigned", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.idp.SignatureLocation = SignatureBoth
		signed := xmlsec1Sign(t, f, respOpts{}, true)
		require.Equal(t, 2, strings.Count(signed, "<ds:SignatureValue>"))
		a, err := f.validate(encodeString(signed))
		require.NoError(t, err)
		assert.Equal(t, "alice@corp.example", a.NameID)
	})
	t.Run("ErrBothSignedModifiedAttribute", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		signed := xmlsec1Sign(t, f, respOpts{}, true)
		_, err := f.validate(encodeString(strings.Replace(signed, ">admins<", ">superadmins<", 1)))
		assert.Equal(t, ReasonSignatureInvalid, ReasonOf(err))
	})
	t.Run("ErrBothSignedCommentInNameID", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		signed := xmlsec1Sign(t, f, respOpts{NameID: "victim@corp.example.com.evil.example"}, true)
		_, err := f.validate(encodeString(strings.Replace(signed, "victim@corp.example.com.evil.example", "victim@corp.example.com<!---->.evil.example", 1)))
		assert.Equal(t, ReasonXMLComment, ReasonOf(err))
	})
}

// TestInterop_xmlsec1_Canonicalization signs elements nested in varied
// namespace contexts with xmlsec1 (libxml2's exclusive c14n, with and
// without InclusiveNamespaces PrefixLists on the Reference transform and on
// SignedInfo's CanonicalizationMethod) and verifies them with this
// package's parser, canonicaliser and verifier.
func TestInterop_xmlsec1_Canonicalization(t *testing.T) {
	t.Parallel()
	xmlsec1Bin(t)
	const dsNS = `xmlns:ds="http://www.w3.org/2000/09/xmldsig#"`
	tmpl := func(siPrefixes, refPrefixes string) string {
		incl := func(list string) string {
			if list == "" {
				return ""
			}
			return `<ec:InclusiveNamespaces xmlns:ec="http://www.w3.org/2001/10/xml-exc-c14n#" PrefixList="` + list + `"/>`
		}
		return `<ds:Signature ` + dsNS + `><ds:SignedInfo>` +
			`<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#">` + incl(siPrefixes) + `</ds:CanonicalizationMethod>` +
			`<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>` +
			`<ds:Reference URI="#_s"><ds:Transforms>` +
			`<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>` +
			`<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#">` + incl(refPrefixes) + `</ds:Transform>` +
			`</ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference>` +
			`</ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature>`
	}
	tests := []struct {
		name, doc, idNode, si, ref string
	}{
		{"AncestorNamespaces", `<r xmlns="urn:d" xmlns:p="urn:p" xmlns:unused="urn:u"><x><p:Signed ID="_s">SIG<c p:a="1">t</c><p:d/><e/></p:Signed></x></r>`, "urn:p:Signed", "", ""},
		{"ApexUndeclaresDefault", `<r xmlns="urn:d"><Signed xmlns="" ID="_s">SIG<c/></Signed></r>`, "Signed", "", ""},
		{"InnerUndeclaresDefault", `<r xmlns="urn:d"><Signed ID="_s">SIG<e xmlns=""><f/></e><g/></Signed></r>`, "urn:d:Signed", "", ""},
		{"PrefixedApexDefaultBelow", `<r xmlns="urn:d" xmlns:p="urn:p"><p:Signed ID="_s">SIG<p:e xmlns=""><f/></p:e><g/></p:Signed></r>`, "urn:p:Signed", "", ""},
		{"PrefixListForQNameInContent", `<r xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><s:Signed xmlns:s="urn:s" ID="_s">SIG<v xsi:type="xs:string">x</v></s:Signed></r>`, "urn:s:Signed", "", "xs"},
		{"PrefixListsEverywhere", `<r xmlns="urn:d" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:q="urn:q"><s:Signed xmlns:s="urn:s" ID="_s">SIG<v q:t="xs:string">x</v><w xmlns="">y</w></s:Signed></r>`, "urn:s:Signed", "#default xs ds", "#default xs q"},
		{"AttributesEscapingWhitespace", "<r xmlns:z=\"urn:z\" xmlns:a=\"urn:a\">\n<Signed ID=\"_s\" z:b=\"1\" a:b=\"2\" b=\"&lt;&amp;&quot;'&gt;\" c=\"tab&#9;x&#10;y\" d=\"lit\teral\nspace\">SIG\n  text &amp; &lt; &gt; &#13; \"q\" 'a'\r\n  more\r\t<e   z:x = 'v' />\n</Signed>\n</r>", "Signed", "", ""},
		{"NonASCII", `<r><Signed ID="_s" n="é">SIG<v>日本 😀 ü</v></Signed></r>`, "Signed", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			signed := xmlsec1SignXML(t, strings.Replace(tt.doc, "SIG", tmpl(tt.si, tt.ref), 1), tt.idNode)
			root, e := parseXML([]byte(signed), strictValues)
			require.Nil(t, e)
			var el, sigEl *xnode
			walk(root, func(n *xnode) bool {
				if id, _ := attr(n, "ID"); id == "_s" {
					el = n
				}
				if is(n, nsDSig, "Signature") {
					sigEl = n
				}
				return true
			})
			require.NotNil(t, el)
			require.NotNil(t, sigEl)
			sig, e := checkSignatureElement(el, sigEl)
			require.Nil(t, e)
			v := &validation{idp: &IdentityProvider{Certificates: []*x509.Certificate{idpKeys.Cert}}, now: t0}
			e = v.verify(el, sig)
			require.Nil(t, e, "canonical form: %s", v.c14n.canonicalize(el, sigEl, sig.refPrefixes))
			// Any change to the signed content breaks it.
			tampered := strings.Replace(signed, "</Signed>", "<x/></Signed>", 1)
			tampered = strings.Replace(tampered, "</p:Signed>", "<x/></p:Signed>", 1)
			tampered = strings.Replace(tampered, "</s:Signed>", "<x/></s:Signed>", 1)
			root, e = parseXML([]byte(tampered), strictValues)
			require.Nil(t, e)
			el, sigEl = nil, nil
			walk(root, func(n *xnode) bool {
				if id, _ := attr(n, "ID"); id == "_s" {
					el = n
				}
				if is(n, nsDSig, "Signature") {
					sigEl = n
				}
				return true
			})
			sig, e = checkSignatureElement(el, sigEl)
			require.Nil(t, e)
			e = v.verify(el, sig)
			require.NotNil(t, e)
			assert.Equal(t, ReasonSignatureInvalid, e.Reason)
		})
	}
}
