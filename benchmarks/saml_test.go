package benchmarks

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/accountkit/accountkit/sso/saml"
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

// fixture is the benchmark IdP's certificate and one stored response,
// signed by xmlsec1 (see fixtures_test.go).
type fixture struct {
	cert    *x509.Certificate
	respB64 string
}

// shapes are the benchmarked responses: RSA-2048, RSA-SHA256, exclusive
// c14n, ten attributes, signed on the assertion only (5.3 KB) or on both
// the Response and the Assertion (7.3 KB).
var shapes = []struct{ name, file string }{
	{"assertion-signed", assertionSignedFn},
	{"both-signed", bothSignedFn},
}

func newFixture(tb testing.TB, file string) *fixture {
	tb.Helper()
	b, err := os.ReadFile(certFile)
	if err != nil {
		tb.Fatal(err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		tb.Fatal("no PEM in " + certFile)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		tb.Fatal(err)
	}
	resp, err := os.ReadFile(file)
	if err != nil {
		tb.Fatal(err)
	}
	return &fixture{cert: cert, respB64: base64.StdEncoding.EncodeToString(resp)}
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
// validations of the same response, for every shape.
func TestBothAccept(t *testing.T) {
	for _, sh := range shapes {
		t.Run(sh.name, func(t *testing.T) {
			f := newFixture(t, sh.file)
			sp, idp := f.accountkit()
			if sh.name == "both-signed" {
				idp.SignatureLocation = saml.SignatureBoth
			}
			a, err := sp.ValidateResponse(context.Background(), idp, f.respB64)
			if err != nil {
				t.Fatalf("accountkit: %v (%v)", err, errors.Unwrap(err))
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
			if a.NameID != ca.Subject.NameID.Value || a.NameID != "alice@corp.example" {
				t.Fatalf("NameID differs: %q vs %q", a.NameID, ca.Subject.NameID.Value)
			}
			if len(a.Attributes) != 10 {
				t.Fatalf("accountkit read %d attributes, want 10", len(a.Attributes))
			}
		})
	}
}

// BenchmarkValidateResponse validates the same base64 SAMLResponse with
// each library, one shape after the other, both libraries in the same run;
// both include base64 decoding. For the both-signed shape accountkit is
// configured to require both signatures (SignatureBoth).
func BenchmarkValidateResponse(b *testing.B) {
	for _, sh := range shapes {
		f := newFixture(b, sh.file)
		b.Run("shape="+sh.name+"/lib=accountkit", func(b *testing.B) {
			sp, idp := f.accountkit()
			if sh.name == "both-signed" {
				idp.SignatureLocation = saml.SignatureBoth
			}
			ctx := context.Background()
			b.ReportAllocs()
			for range b.N {
				if _, err := sp.ValidateResponse(ctx, idp, f.respB64); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("shape="+sh.name+"/lib=crewjam", func(b *testing.B) {
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
}

// BenchmarkValidateResponseSideBySide validates the both-signed response
// with accountkit (SignatureBoth) and with crewjam/saml in every iteration,
// in alternating order, so both see the same machine load, and reports
// each library's mean time and x-faster, crewjam's time over accountkit's
// (issue 18's goal: at least 3).
func BenchmarkValidateResponseSideBySide(b *testing.B) {
	f := newFixture(b, bothSignedFn)
	sp, idp := f.accountkit()
	idp.SignatureLocation = saml.SignatureBoth
	csp := f.crewjam(b)
	ctx := context.Background()
	ours := func() {
		if _, err := sp.ValidateResponse(ctx, idp, f.respB64); err != nil {
			b.Fatal(err)
		}
	}
	theirs := func() {
		raw, err := base64.StdEncoding.DecodeString(f.respB64)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := csp.ParseXMLResponse(raw, []string{requestID}, csp.AcsURL); err != nil {
			b.Fatal(err)
		}
	}
	var spent [2]time.Duration
	i := 0
	for b.Loop() {
		order := [2]int{0, 1}
		if i%2 == 1 {
			order = [2]int{1, 0}
		}
		i++
		for _, c := range order {
			start := time.Now()
			if c == 0 {
				ours()
			} else {
				theirs()
			}
			spent[c] += time.Since(start)
		}
	}
	n := float64(max(i, 1))
	b.ReportMetric(float64(spent[0].Microseconds())/n, "accountkit-µs")
	b.ReportMetric(float64(spent[1].Microseconds())/n, "crewjam-µs")
	b.ReportMetric(float64(spent[1])/float64(spent[0]), "x-faster")
}
