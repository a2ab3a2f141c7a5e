package accountkittest

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
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/sso"
)

// The test identity provider: an RSA key, a self-signed certificate and
// SAML 2.0 responses signed with goxmldsig (RSA-SHA256, exclusive c14n,
// enveloped signature on the Response), sent over the HTTP-POST binding as
// a real IdP sends them. It is the IdP the project's own single sign-on
// tests use.

var (
	sharedKeyOnce sync.Once
	sharedKey     *rsa.PrivateKey
	sharedKeyErr  error
)

// SharedKey returns the process-wide RSA-2048 key test IdPs sign with by
// default (generated once: key generation is slow).
func SharedKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	sharedKeyOnce.Do(func() { sharedKey, sharedKeyErr = rsa.GenerateKey(rand.Reader, 2048) })
	require.NoError(t, sharedKeyErr)
	return sharedKey
}

// IdPOptions configures NewIdP. Zero fields take the defaults.
type IdPOptions struct {
	// Key signs the responses; default SharedKey.
	Key *rsa.PrivateKey
	// NotBefore and NotAfter bound the certificate's validity; default a
	// day before Epoch to a year after it.
	NotBefore, NotAfter time.Time
	// Serial is the certificate's serial number; default 1.
	Serial int64
}

// IdP is a SAML identity provider under the test's control. EnableSSO
// returns one bound to an account's configuration; NewIdP a bare one.
type IdP struct {
	// EntityID is the IdP's issuer.
	EntityID string
	// LoginURL is where the kit redirects browsers (never contacted).
	LoginURL string
	// Key signs the responses; Cert is its self-signed certificate, the
	// one the account's SSO configuration trusts.
	Key  *rsa.PrivateKey
	Cert *x509.Certificate
	// SP is what the IdP knows of the service provider: set by EnableSSO.
	SP SP

	env  *Env
	slug string
}

// SP is what an IdP knows of the service provider it answers.
type SP struct {
	EntityID string
	ACSURL   string
}

// NewIdP returns an identity provider issuing as entityID with its own
// self-signed certificate.
func NewIdP(t testing.TB, entityID string, o IdPOptions) *IdP {
	t.Helper()
	if o.Key == nil {
		o.Key = SharedKey(t)
	}
	if o.NotBefore.IsZero() {
		o.NotBefore = Epoch.Add(-24 * time.Hour)
	}
	if o.NotAfter.IsZero() {
		o.NotAfter = Epoch.AddDate(1, 0, 0)
	}
	if o.Serial == 0 {
		o.Serial = 1
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(o.Serial), Subject: pkix.Name{CommonName: "test-idp-" + entityID},
		NotBefore: o.NotBefore, NotAfter: o.NotAfter, KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &o.Key.PublicKey, o.Key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return &IdP{EntityID: entityID, Key: o.Key, Cert: cert}
}

// PEM returns the IdP's certificate as PEM, as an administrator pastes it
// into the SSO configuration.
func (p *IdP) PEM() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.Cert.Raw}))
}

// EnableSSO creates an identity provider for the account and configures
// and enables single sign-on against it, as the account's administrator
// would; up sets the other fields (AutoCreateUsers, GroupAttribute,
// AutoCreateGroups...). The IdP's entity ID is
// https://idp.<slug>.test/metadata.
func (e *Env) EnableSSO(t testing.TB, acc *account.Account, up sso.Update) *IdP {
	t.Helper()
	p := NewIdP(t, "https://idp."+acc.Slug+".test/metadata", IdPOptions{
		NotBefore: e.Clock.Now().Add(-24 * time.Hour), NotAfter: e.Clock.Now().AddDate(1, 0, 0)})
	p.LoginURL = "https://idp." + acc.Slug + ".test/sso"
	enabled, certs := true, []string{p.PEM()}
	up.Enabled, up.IdPEntityID, up.IdPCertificates, up.IdPLoginURL = &enabled, &p.EntityID, &certs, &p.LoginURL
	v, err := e.Kit.SSO.Update(e.System(), acc.ID, up)
	require.NoError(t, err, "configure SSO")
	p.SP = SP{EntityID: v.URLs.SPEntityID, ACSURL: v.URLs.ACSURL}
	p.env, p.slug = e, acc.Slug
	return p
}

// Assertion describes one SAML response. Zero fields take genuine values;
// the negative cases are one field each.
type Assertion struct {
	// NameID is the subject, an email address.
	NameID string
	// Attributes are sent as is (sso.AttrGivenName, sso.AttrSurname,
	// sso.AttrEmailAddress...).
	Attributes map[string][]string
	// Groups are sent under GroupAttribute.
	Groups []string
	// GroupAttribute names the groups' attribute; default
	// sso.DefaultGroupAttribute.
	GroupAttribute string
	// InResponseTo is the AuthnRequest's ID; "" sends an unsolicited
	// (IdP-initiated) response. SignIn sets it.
	InResponseTo string
	// AssertionID defaults to a random ID (replays reuse one).
	AssertionID string
	// IssuedAt defaults to the test clock's time.
	IssuedAt time.Time

	// Expired backdates the response by ten minutes, so its five-minute
	// validity has ended.
	Expired bool
	// Audience replaces the SP's entity ID in the audience restriction
	// (a response meant for another service).
	Audience string
	// Unsigned sends the response without a signature.
	Unsigned bool
	// SignWith signs with another IdP's key (an attacker, a rotated key).
	SignWith *IdP
}

func randID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return "_" + hex.EncodeToString(b[:])
}

// Response returns the base64 SAMLResponse form value for a, addressed to
// the IdP's SP (see EnableSSO) at the test clock's time.
func (p *IdP) Response(t testing.TB, a Assertion) string {
	t.Helper()
	require.NotEmpty(t, p.SP.ACSURL, "the IdP knows no SP: use EnableSSO or ResponseAt")
	if a.IssuedAt.IsZero() {
		require.NotNil(t, p.env, "the IdP is not bound to a kit's clock: set IssuedAt or use EnableSSO")
		a.IssuedAt = p.env.Clock.Now()
	}
	return p.ResponseAt(t, a.IssuedAt, p.SP, a)
}

// ResponseAt returns the base64 SAMLResponse form value of a response to
// sp issued at now.
func (p *IdP) ResponseAt(t testing.TB, now time.Time, sp SP, a Assertion) string {
	t.Helper()
	if a.Expired {
		now = now.Add(-10 * time.Minute)
	}
	ts := func(d time.Duration) string { return now.Add(d).UTC().Format(time.RFC3339) }
	if a.AssertionID == "" {
		a.AssertionID = randID()
	}
	audience := sp.EntityID
	if a.Audience != "" {
		audience = a.Audience
	}
	doc := etree.NewDocument()
	r := doc.CreateElement("samlp:Response")
	r.CreateAttr("xmlns:samlp", "urn:oasis:names:tc:SAML:2.0:protocol")
	r.CreateAttr("xmlns:saml", "urn:oasis:names:tc:SAML:2.0:assertion")
	r.CreateAttr("ID", randID())
	r.CreateAttr("Version", "2.0")
	r.CreateAttr("IssueInstant", ts(0))
	r.CreateAttr("Destination", sp.ACSURL)
	if a.InResponseTo != "" {
		r.CreateAttr("InResponseTo", a.InResponseTo)
	}
	r.CreateElement("saml:Issuer").SetText(p.EntityID)
	r.CreateElement("samlp:Status").CreateElement("samlp:StatusCode").CreateAttr("Value", "urn:oasis:names:tc:SAML:2.0:status:Success")
	as := r.CreateElement("saml:Assertion")
	as.CreateAttr("ID", a.AssertionID)
	as.CreateAttr("Version", "2.0")
	as.CreateAttr("IssueInstant", ts(0))
	as.CreateElement("saml:Issuer").SetText(p.EntityID)
	subj := as.CreateElement("saml:Subject")
	nid := subj.CreateElement("saml:NameID")
	nid.CreateAttr("Format", "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")
	nid.SetText(a.NameID)
	sc := subj.CreateElement("saml:SubjectConfirmation")
	sc.CreateAttr("Method", "urn:oasis:names:tc:SAML:2.0:cm:bearer")
	scd := sc.CreateElement("saml:SubjectConfirmationData")
	if a.InResponseTo != "" {
		scd.CreateAttr("InResponseTo", a.InResponseTo)
	}
	scd.CreateAttr("NotOnOrAfter", ts(5*time.Minute))
	scd.CreateAttr("Recipient", sp.ACSURL)
	cond := as.CreateElement("saml:Conditions")
	cond.CreateAttr("NotBefore", ts(-time.Minute))
	cond.CreateAttr("NotOnOrAfter", ts(5*time.Minute))
	cond.CreateElement("saml:AudienceRestriction").CreateElement("saml:Audience").SetText(audience)
	st := as.CreateElement("saml:AuthnStatement")
	st.CreateAttr("AuthnInstant", ts(-10*time.Second))
	st.CreateAttr("SessionIndex", "_session-1")
	st.CreateElement("saml:AuthnContext").CreateElement("saml:AuthnContextClassRef").
		SetText("urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport")
	attrs := map[string][]string{}
	for n, v := range a.Attributes {
		attrs[n] = v
	}
	if len(a.Groups) > 0 {
		ga := a.GroupAttribute
		if ga == "" {
			ga = sso.DefaultGroupAttribute
		}
		attrs[ga] = append(attrs[ga], a.Groups...)
	}
	if len(attrs) > 0 {
		stmt := as.CreateElement("saml:AttributeStatement")
		names := make([]string, 0, len(attrs))
		for n := range attrs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			at := stmt.CreateElement("saml:Attribute")
			at.CreateAttr("Name", n)
			for _, v := range attrs[n] {
				at.CreateElement("saml:AttributeValue").SetText(v)
			}
		}
	}
	if !a.Unsigned {
		signer := p
		if a.SignWith != nil {
			signer = a.SignWith
		}
		ctx, err := dsig.NewSigningContext(signer.Key, [][]byte{signer.Cert.Raw})
		require.NoError(t, err)
		ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
		require.NoError(t, ctx.SetSignatureMethod(dsig.RSASHA256SignatureMethod))
		sig, err := ctx.ConstructSignature(r, true)
		require.NoError(t, err)
		r.InsertChildAt(r.SelectElement("Issuer").Index()+1, sig)
	}
	b, err := doc.WriteToBytes()
	require.NoError(t, err)
	return base64.StdEncoding.EncodeToString(b)
}

// ParseAuthnRequest reads the AuthnRequest of an HTTP-Redirect binding
// URL (the Location the kit redirects to): its ID and the RelayState.
func ParseAuthnRequest(t testing.TB, location string) (id, relayState string) {
	t.Helper()
	u, err := url.Parse(location)
	require.NoError(t, err)
	raw, err := base64.StdEncoding.DecodeString(u.Query().Get("SAMLRequest"))
	require.NoError(t, err, "SAMLRequest")
	xml, err := io.ReadAll(flate.NewReader(bytes.NewReader(raw)))
	require.NoError(t, err, "SAMLRequest")
	doc := etree.NewDocument()
	require.NoError(t, doc.ReadFromBytes(xml))
	require.Equal(t, "AuthnRequest", doc.Root().Tag)
	return doc.Root().SelectAttrValue("ID", ""), u.Query().Get("RelayState")
}

// SSOResult is the kit's answer to a response posted to the ACS.
type SSOResult struct {
	// Client is the browser: after a successful sign-in it holds the
	// session cookie and sends the CSRF token.
	Client *http.Client
	// Status is 303 on success (Location is where the browser goes);
	// 4xx with an HTML error page naming Reason otherwise.
	Status   int
	Location string
	Body     string
	// Reason is the refusal's code (sso.ReasonUserNotFound, "replayed",
	// "signature_missing"...), "" on success.
	Reason string
}

var reasonCode = regexp.MustCompile(`<code>([A-Za-z0-9_.-]+)</code>`)

// SignIn runs the SP-initiated flow in a new browser: it opens the
// account's sign-in URL (with return_to when not empty), reads the
// AuthnRequest the kit sends to the IdP, answers it with a for a and posts
// the response to the ACS with the RelayState. On success the result's
// Client is signed in (AdoptSession done).
func (p *IdP) SignIn(t testing.TB, returnTo string, a Assertion) *SSOResult {
	t.Helper()
	require.NotNil(t, p.env, "the IdP is not bound to an account: use EnableSSO")
	c := p.env.NewClient()
	path := "/login/saml/" + p.slug + "/"
	if returnTo != "" {
		path += "?return_to=" + url.QueryEscape(returnTo)
	}
	r := p.env.send(t, c, http.MethodGet, path, "", nil)
	require.Equal(t, http.StatusFound, r.Status, "SSO initiation: %s", r.Body)
	loc := r.Header.Get("Location")
	require.True(t, strings.HasPrefix(loc, p.LoginURL+"?"), "redirected to %s", loc)
	id, relay := ParseAuthnRequest(t, loc)
	a.InResponseTo = id
	return p.Post(t, c, p.Response(t, a), relay)
}

// Post posts a SAMLResponse (from Response) and RelayState to the ACS with
// the browser c (from NewClient; nil for a new one, as in an IdP-initiated
// sign-in).
func (p *IdP) Post(t testing.TB, c *http.Client, samlResponse, relayState string) *SSOResult {
	t.Helper()
	if c == nil {
		c = p.env.NewClient()
	}
	form := url.Values{"SAMLResponse": {samlResponse}}
	if relayState != "" {
		form.Set("RelayState", relayState)
	}
	resp, err := c.Post(p.env.URL("/login/saml/"+p.slug+"/acs"), "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	return p.env.ssoResult(t, c, resp)
}

// ssoResult reads the answer to the last step of an SSO sign-in made with
// c: on a redirect that set a session, the env adopts it (CSRF token);
// on a refusal, Reason holds the refusal code of the page.
func (e *Env) ssoResult(t testing.TB, c *http.Client, resp *http.Response) *SSOResult {
	t.Helper()
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	out := &SSOResult{Client: c, Status: resp.StatusCode, Location: resp.Header.Get("Location"), Body: string(body)}
	if out.Status == http.StatusSeeOther {
		if j, ok := c.Jar.(*Jar); ok && j.Cookie(auth.SessionCookie) != "" {
			e.AdoptSession(t, c)
		}
	} else if m := reasonCode.FindStringSubmatch(out.Body); m != nil {
		out.Reason = m[1]
	}
	return out
}
