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

// xmlsec1Sign signs the assertion of a response with the xmlsec1 command
// line tool, an implementation independent of goxmldsig. It skips when
// xmlsec1 is missing, except under CI=true where that is a failure.
func xmlsec1Sign(t *testing.T, f *fixture, o respOpts) string {
	t.Helper()
	bin, err := exec.LookPath("xmlsec1")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("xmlsec1 not on PATH under CI=true; run .ci/install-xmlsec1.sh")
		}
		t.Skip("xmlsec1 not on PATH; run .ci/install-xmlsec1.sh")
	}
	dir := t.TempDir()
	keyDER, err := x509.MarshalPKCS8PrivateKey(idpKeys.RSAKey)
	require.NoError(t, err)
	keyFile := filepath.Join(dir, "key.pem")
	certFile := filepath.Join(dir, "cert.pem")
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600))
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: idpKeys.Cert.Raw}), 0o600))

	doc := f.build(o)
	a := assertionOf(doc)
	id := a.SelectAttrValue("ID", "")
	tmpl, err := doc.WriteToString()
	require.NoError(t, err)
	// Insert the template right after the assertion's Issuer.
	i := strings.Index(tmpl, "<saml:Subject>")
	require.Positive(t, i)
	tmpl = tmpl[:i] + strings.Replace(signatureTemplate, "%ID%", id, 1) + tmpl[i:]
	in := filepath.Join(dir, "template.xml")
	out := filepath.Join(dir, "signed.xml")
	require.NoError(t, os.WriteFile(in, []byte(tmpl), 0o600))

	cmd := exec.Command(bin, "--sign", "--privkey-pem", keyFile+","+certFile,
		"--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
		"--output", out, in)
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "xmlsec1: %s", b)
	signed, err := os.ReadFile(out)
	require.NoError(t, err)
	require.Contains(t, string(signed), "<ds:X509Certificate>")
	return string(signed)
}

func TestInterop_xmlsec1(t *testing.T) {
	t.Parallel()
	t.Run("OK", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		signed := xmlsec1Sign(t, f, respOpts{})
		a, err := f.validate(encodeString(signed))
		require.NoError(t, err)
		assert.Equal(t, "alice@corp.example", a.NameID)
		assert.Equal(t, []string{"admins", "staff"}, a.Attributes["groups"])
	})
	t.Run("ErrModifiedAttribute", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		signed := xmlsec1Sign(t, f, respOpts{})
		require.Contains(t, signed, ">admins<")
		_, err := f.validate(encodeString(strings.Replace(signed, ">admins<", ">superadmins<", 1)))
		assert.Equal(t, ReasonSignatureInvalid, ReasonOf(err))
	})
}
