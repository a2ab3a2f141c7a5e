package benchmarks

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/accountkit/accountkit/sso/saml"
	"github.com/beevik/etree"
	crewsaml "github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

const (
	spEntityID  = "https://sp.example.com/saml/metadata"
	acsURL      = "https://sp.example.com/saml/acs"
	idpEntityID = "https://idp.example.org/metadata"
	requestID   = "_0123456789abcdef0123456789abcdef01234567"
)

type fixedClock struct{}

func (fixedClock) Now() time.Time { return t0 }

// acceptAll is a benchmark-only RequestStore and ReplayCache that accepts
// every ID, so one response can be validated b.N times. Production stores
// consume each ID once.
type acceptAll struct{}

func (acceptAll) SaveRequest(context.Context, string, string, time.Time) error { return nil }

func (acceptAll) ConsumeRequest(context.Context, string, time.Time) (string, bool, error) {
	return idpEntityID, true, nil
}

func (acceptAll) MarkUsed(context.Context, string, time.Time, time.Time) (bool, error) {
	return true, nil
}

// fixture is one IdP key and one realistic response: RSA-2048, assertion
// signed with RSA-SHA256 and exclusive c14n, ten attributes.
type fixture struct {
	cert    *x509.Certificate
	respB64 string
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "idp"},
		NotBefore:    t0.Add(-24 * time.Hour),
		NotAfter:     t0.Add(365 * 24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}

	ts := func(d time.Duration) string { return t0.Add(d).Format(time.RFC3339) }
	var attrs strings.Builder
	for i := range 9 {
		fmt.Fprintf(&attrs, `<saml:Attribute Name="urn:oid:1.3.6.1.4.1.5923.1.1.1.%d" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri"><saml:AttributeValue xsi:type="xs:string">value-%d</saml:AttributeValue></saml:Attribute>`, i, i)
	}
	attrs.WriteString(`<saml:Attribute Name="groups"><saml:AttributeValue xsi:type="xs:string">admins</saml:AttributeValue><saml:AttributeValue xsi:type="xs:string">staff</saml:AttributeValue><saml:AttributeValue xsi:type="xs:string">engineering</saml:AttributeValue></saml:Attribute>`)
	resp := `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_resp-1" Version="2.0" IssueInstant="` + ts(0) + `" Destination="` + acsURL + `" InResponseTo="` + requestID + `">` +
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

	doc := etree.NewDocument()
	if err := doc.ReadFromString(resp); err != nil {
		tb.Fatal(err)
	}
	a := doc.Root().FindElement("./Assertion")
	ctx, err := dsig.NewSigningContext(key, [][]byte{cert.Raw})
	if err != nil {
		tb.Fatal(err)
	}
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	sig, err := ctx.ConstructSignature(a, true)
	if err != nil {
		tb.Fatal(err)
	}
	a.InsertChildAt(1, sig)
	out, err := doc.WriteToBytes()
	if err != nil {
		tb.Fatal(err)
	}
	return &fixture{cert: cert, respB64: base64.StdEncoding.EncodeToString(out)}
}

func (f *fixture) accountkit() (*saml.ServiceProvider, *saml.IdentityProvider) {
	sp := &saml.ServiceProvider{
		EntityID:     spEntityID,
		ACSURL:       acsURL,
		RequestStore: acceptAll{},
		ReplayCache:  acceptAll{},
		Clock:        fixedClock{},
	}
	idp := &saml.IdentityProvider{EntityID: idpEntityID, Certificates: []*x509.Certificate{f.cert}}
	return sp, idp
}

func (f *fixture) crewjam(tb testing.TB) *crewsaml.ServiceProvider {
	tb.Helper()
	crewsaml.TimeNow = func() time.Time { return t0 }
	crewsaml.Clock = dsig.NewFakeClockAt(t0)
	md := `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="` + idpEntityID + `">` +
		`<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` +
		`<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>` + base64.StdEncoding.EncodeToString(f.cert.Raw) + `</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
		`<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.org/sso"/>` +
		`</md:IDPSSODescriptor></md:EntityDescriptor>`
	var ed crewsaml.EntityDescriptor
	if err := xml.Unmarshal([]byte(md), &ed); err != nil {
		tb.Fatal(err)
	}
	acs, _ := url.Parse(acsURL)
	meta, _ := url.Parse(spEntityID)
	return &crewsaml.ServiceProvider{
		EntityID:    spEntityID,
		AcsURL:      *acs,
		MetadataURL: *meta,
		IDPMetadata: &ed,
	}
}

// TestBothAccept makes sure the benchmark compares two successful
// validations of the same response.
func TestBothAccept(t *testing.T) {
	f := newFixture(t)
	sp, idp := f.accountkit()
	a, err := sp.ValidateResponse(context.Background(), idp, f.respB64)
	if err != nil {
		t.Fatalf("accountkit: %v", err)
	}
	csp := f.crewjam(t)
	raw, _ := base64.StdEncoding.DecodeString(f.respB64)
	ca, err := csp.ParseXMLResponse(raw, []string{requestID}, csp.AcsURL)
	if err != nil {
		var ire *crewsaml.InvalidResponseError
		if errors.As(err, &ire) {
			t.Fatalf("crewjam: %v", ire.PrivateErr)
		}
		t.Fatalf("crewjam: %v", err)
	}
	if a.NameID != ca.Subject.NameID.Value {
		t.Fatalf("NameID differs: %q vs %q", a.NameID, ca.Subject.NameID.Value)
	}
}

// BenchmarkValidateResponse validates the same base64 SAMLResponse with
// each library; both include base64 decoding.
func BenchmarkValidateResponse(b *testing.B) {
	f := newFixture(b)
	b.Run("lib=accountkit", func(b *testing.B) {
		sp, idp := f.accountkit()
		ctx := context.Background()
		b.ReportAllocs()
		for range b.N {
			if _, err := sp.ValidateResponse(ctx, idp, f.respB64); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("lib=crewjam", func(b *testing.B) {
		csp := f.crewjam(b)
		b.ReportAllocs()
		for range b.N {
			raw, err := base64.StdEncoding.DecodeString(f.respB64)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := csp.ParseXMLResponse(raw, []string{requestID}, csp.AcsURL); err != nil {
				b.Fatal(err)
			}
		}
	})
}
