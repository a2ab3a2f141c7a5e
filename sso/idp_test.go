package sso_test

import (
	"bytes"
	"compress/flate"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/internal/kittest"
)

// The test IdP: its own RSA keys, self-signed certificates and responses
// signed with goxmldsig (RSA-SHA256, exclusive c14n, enveloped), as a real
// IdP would send them over the HTTP-POST binding.

var (
	keysOnce sync.Once
	rsaKeys  [3]*rsa.PrivateKey // 0: the IdP, 1: its rotation successor, 2: an attacker
)

func rsaKey(i int) *rsa.PrivateKey {
	keysOnce.Do(func() {
		for i := range rsaKeys {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			rsaKeys[i] = k
		}
	})
	return rsaKeys[i]
}

const (
	samlNS  = "urn:oasis:names:tc:SAML:2.0:assertion"
	samlpNS = "urn:oasis:names:tc:SAML:2.0:protocol"
)

// testIdP is an identity provider under the test's control.
type testIdP struct {
	EntityID string
	Key      *rsa.PrivateKey
	Cert     *x509.Certificate
}

// newIdP returns an IdP signing with key i; its certificate is valid from
// a day before kittest.Epoch until notAfter (a year after when zero).
func newIdP(t testing.TB, entityID string, i int, notAfter time.Time) *testIdP {
	t.Helper()
	if notAfter.IsZero() {
		notAfter = kittest.Epoch.AddDate(1, 0, 0)
	}
	k := rsaKey(i)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(int64(i + 1)), Subject: pkix.Name{CommonName: "test-idp-" + entityID},
		NotBefore: kittest.Epoch.Add(-24 * time.Hour), NotAfter: notAfter, KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return &testIdP{EntityID: entityID, Key: k, Cert: cert}
}

// PEM returns the IdP's certificate as PEM.
func (p *testIdP) PEM() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.Cert.Raw}))
}

// sp is what the IdP knows about the service provider.
type sp struct {
	EntityID string
	ACSURL   string
}

// respOpts describes one response; zero fields take genuine values.
type respOpts struct {
	InResponseTo string // "" sends an unsolicited (IdP-initiated) response
	NameID       string
	Attrs        map[string][]string
	AssertionID  string
	// SignWith signs with another IdP's key (an attacker, a rotated key).
	SignWith *testIdP
}

func randID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return "_" + hex.EncodeToString(b[:])
}

// Response returns the base64 SAMLResponse form value of a signed
// Response at now.
func (p *testIdP) Response(t testing.TB, now time.Time, to sp, o respOpts) string {
	t.Helper()
	ts := func(d time.Duration) string { return now.Add(d).UTC().Format(time.RFC3339) }
	if o.AssertionID == "" {
		o.AssertionID = randID()
	}
	doc := etree.NewDocument()
	r := doc.CreateElement("samlp:Response")
	r.CreateAttr("xmlns:samlp", samlpNS)
	r.CreateAttr("xmlns:saml", samlNS)
	r.CreateAttr("ID", randID())
	r.CreateAttr("Version", "2.0")
	r.CreateAttr("IssueInstant", ts(0))
	r.CreateAttr("Destination", to.ACSURL)
	if o.InResponseTo != "" {
		r.CreateAttr("InResponseTo", o.InResponseTo)
	}
	r.CreateElement("saml:Issuer").SetText(p.EntityID)
	r.CreateElement("samlp:Status").CreateElement("samlp:StatusCode").CreateAttr("Value", "urn:oasis:names:tc:SAML:2.0:status:Success")
	a := r.CreateElement("saml:Assertion")
	a.CreateAttr("ID", o.AssertionID)
	a.CreateAttr("Version", "2.0")
	a.CreateAttr("IssueInstant", ts(0))
	a.CreateElement("saml:Issuer").SetText(p.EntityID)
	subj := a.CreateElement("saml:Subject")
	nid := subj.CreateElement("saml:NameID")
	nid.CreateAttr("Format", "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")
	nid.SetText(o.NameID)
	sc := subj.CreateElement("saml:SubjectConfirmation")
	sc.CreateAttr("Method", "urn:oasis:names:tc:SAML:2.0:cm:bearer")
	scd := sc.CreateElement("saml:SubjectConfirmationData")
	if o.InResponseTo != "" {
		scd.CreateAttr("InResponseTo", o.InResponseTo)
	}
	scd.CreateAttr("NotOnOrAfter", ts(5*time.Minute))
	scd.CreateAttr("Recipient", to.ACSURL)
	cond := a.CreateElement("saml:Conditions")
	cond.CreateAttr("NotBefore", ts(-time.Minute))
	cond.CreateAttr("NotOnOrAfter", ts(5*time.Minute))
	cond.CreateElement("saml:AudienceRestriction").CreateElement("saml:Audience").SetText(to.EntityID)
	as := a.CreateElement("saml:AuthnStatement")
	as.CreateAttr("AuthnInstant", ts(-10*time.Second))
	as.CreateAttr("SessionIndex", "_session-1")
	as.CreateElement("saml:AuthnContext").CreateElement("saml:AuthnContextClassRef").
		SetText("urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport")
	if len(o.Attrs) > 0 {
		st := a.CreateElement("saml:AttributeStatement")
		names := make([]string, 0, len(o.Attrs))
		for n := range o.Attrs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			at := st.CreateElement("saml:Attribute")
			at.CreateAttr("Name", n)
			for _, v := range o.Attrs[n] {
				at.CreateElement("saml:AttributeValue").SetText(v)
			}
		}
	}
	signer := p
	if o.SignWith != nil {
		signer = o.SignWith
	}
	ctx, err := dsig.NewSigningContext(signer.Key, [][]byte{signer.Cert.Raw})
	require.NoError(t, err)
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	require.NoError(t, ctx.SetSignatureMethod(dsig.RSASHA256SignatureMethod))
	sig, err := ctx.ConstructSignature(r, true)
	require.NoError(t, err)
	r.InsertChildAt(r.SelectElement("Issuer").Index()+1, sig)
	b, err := doc.WriteToBytes()
	require.NoError(t, err)
	return base64.StdEncoding.EncodeToString(b)
}

// authnRequest reads the AuthnRequest of an HTTP-Redirect URL: its ID and
// the RelayState.
func authnRequest(t testing.TB, location string) (id, relay string) {
	t.Helper()
	u, err := url.Parse(location)
	require.NoError(t, err)
	raw, err := base64.StdEncoding.DecodeString(u.Query().Get("SAMLRequest"))
	require.NoError(t, err)
	xml, err := io.ReadAll(flate.NewReader(bytes.NewReader(raw)))
	require.NoError(t, err)
	doc := etree.NewDocument()
	require.NoError(t, doc.ReadFromBytes(xml))
	require.Equal(t, "AuthnRequest", doc.Root().Tag)
	return doc.Root().SelectAttrValue("ID", ""), u.Query().Get("RelayState")
}

// browser is an HTTP client that does not follow redirects and keeps the
// cookies it is given by hand (Secure cookies over the test's http).
type browser struct {
	env     *kittest.Env
	client  *http.Client
	cookies map[string]string
}

func newBrowser(env *kittest.Env) *browser {
	c := *env.Server.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{env: env, client: &c, cookies: map[string]string{}}
}

// page is a browser response.
type page struct {
	Status   int
	Location string
	Body     string
	Cookies  []*http.Cookie
	Header   http.Header
}

func (b *browser) do(t testing.TB, method, path string, form url.Values) *page {
	t.Helper()
	if form == nil {
		return b.send(t, method, path, "", nil)
	}
	return b.send(t, method, path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
}

// send makes a request with the browser's cookies and keeps the cookies of
// the answer.
func (b *browser) send(t testing.TB, method, path, contentType string, body io.Reader) *page {
	t.Helper()
	req, err := http.NewRequest(method, b.env.Server.URL+path, body)
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for n, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: n, Value: v})
	}
	resp, err := b.client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return &page{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Body: string(data), Cookies: resp.Cookies(), Header: resp.Header}
}
