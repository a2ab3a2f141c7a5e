package benchmarks

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The benchmark responses are stored in testdata, signed once by the
// xmlsec1 command line tool (libxmlsec1, independent of both libraries
// measured) with the test-only key testdata/idp-key.pem. Regenerate them
// with:
//
//	ACCOUNTKIT_GEN_FIXTURES=1 go test -run TestGenerateFixtures .
//
// which needs xmlsec1 on PATH (bash ../.ci/install-xmlsec1.sh).
const (
	keyFile           = "testdata/idp-key.pem"
	certFile          = "testdata/idp-cert.pem"
	assertionSignedFn = "testdata/response-assertion-signed.xml"
	bothSignedFn      = "testdata/response-both-signed.xml"
)

// sigTemplate is the enveloped Signature template xmlsec1 fills in.
const sigTemplate = `<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">` +
	`<ds:SignedInfo>` +
	`<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>` +
	`<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>` +
	`<ds:Reference URI="#%s">` +
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

// unsignedResponse is a realistic IdP response: one assertion with a bearer
// confirmation, an audience, an AuthnStatement and ten attributes (nine
// eduPerson-style OIDs and a three-valued groups attribute).
func unsignedResponse() string {
	ts := func(d time.Duration) string { return t0.Add(d).Format(time.RFC3339) }
	var attrs strings.Builder
	for i := range 9 {
		fmt.Fprintf(&attrs, `<saml:Attribute Name="urn:oid:1.3.6.1.4.1.5923.1.1.1.%d"><saml:AttributeValue xsi:type="xs:string">value-%d</saml:AttributeValue></saml:Attribute>`, i, i)
	}
	attrs.WriteString(`<saml:Attribute Name="groups"><saml:AttributeValue xsi:type="xs:string">admins</saml:AttributeValue><saml:AttributeValue xsi:type="xs:string">staff</saml:AttributeValue><saml:AttributeValue xsi:type="xs:string">engineering</saml:AttributeValue></saml:Attribute>`)
	return `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_resp-1" Version="2.0" IssueInstant="` + ts(0) + `" Destination="` + acsURL + `" InResponseTo="` + requestID + `">` +
		`<saml:Issuer>` + idpEntityID + `</saml:Issuer>` +
		`<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
		`<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="_asrt-1" Version="2.0" IssueInstant="` + ts(0) + `">` +
		`<saml:Issuer>` + idpEntityID + `</saml:Issuer>` +
		`<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">alice@corp.example</saml:NameID>` +
		`<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData InResponseTo="` + requestID + `" NotOnOrAfter="` + ts(5*time.Minute) + `" Recipient="` + acsURL + `"/></saml:SubjectConfirmation></saml:Subject>` +
		`<saml:Conditions NotBefore="` + ts(-time.Minute) + `" NotOnOrAfter="` + ts(5*time.Minute) + `"><saml:AudienceRestriction><saml:Audience>` + spEntityID + `</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
		`<saml:AuthnStatement AuthnInstant="` + ts(-10*time.Second) + `" SessionIndex="_session-1"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
		`<saml:AttributeStatement>` + attrs.String() + `</saml:AttributeStatement>` +
		`</saml:Assertion></samlp:Response>`
}

// TestGenerateFixtures writes the xmlsec1-signed responses (and, if
// missing, the test key and certificate) to testdata. It runs only with
// ACCOUNTKIT_GEN_FIXTURES=1.
func TestGenerateFixtures(t *testing.T) {
	if os.Getenv("ACCOUNTKIT_GEN_FIXTURES") != "1" {
		t.Skip("set ACCOUNTKIT_GEN_FIXTURES=1 to regenerate testdata")
	}
	bin, err := exec.LookPath("xmlsec1")
	if err != nil {
		t.Fatal("xmlsec1 not on PATH; run bash ../.ci/install-xmlsec1.sh")
	}
	if _, err := os.Stat(keyFile); os.IsNotExist(err) {
		writeKeyAndCert(t)
	}
	resp := unsignedResponse()
	tmpl := func(id string) string { return fmt.Sprintf(sigTemplate, id) }
	// The assertion's signature goes right after its Issuer.
	i := strings.Index(resp, "<saml:Subject>")
	asnTmpl := resp[:i] + tmpl("_asrt-1") + resp[i:]
	asnSigned := xmlsec1Sign(t, bin, asnTmpl, "urn:oasis:names:tc:SAML:2.0:assertion:Assertion")
	writeFile(t, assertionSignedFn, asnSigned)

	// The Response's signature covers the signed assertion, so it is made
	// second; xmlsec1 fills in the first Signature template in document
	// order, which is the Response's (right after the Response's Issuer).
	j := strings.Index(asnSigned, "<samlp:Status>")
	bothTmpl := asnSigned[:j] + tmpl("_resp-1") + asnSigned[j:]
	both := xmlsec1Sign(t, bin, bothTmpl, "urn:oasis:names:tc:SAML:2.0:protocol:Response")
	writeFile(t, bothSignedFn, both)
	t.Logf("assertion signed: %d bytes, both signed: %d bytes", len(asnSigned), len(both))
}

func xmlsec1Sign(t *testing.T, bin, tmpl, idNode string) string {
	t.Helper()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.xml"), filepath.Join(dir, "out.xml")
	writeFile(t, in, tmpl)
	cmd := exec.Command(bin, "--sign", "--privkey-pem", keyFile+","+certFile,
		"--id-attr:ID", idNode, "--output", out, in)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("xmlsec1: %v: %s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeKeyAndCert(t *testing.T) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "benchmark-idp (test only)"},
		NotBefore:    time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, keyFile, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})))
	writeFile(t, certFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
}

func writeFile(t *testing.T, name, s string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}
