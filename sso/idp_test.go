package sso_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/accountkittest"
	"github.com/accountkit/accountkit/internal/kittest"
)

// The test IdP is accountkittest's, with keys of its own: the IdP, its
// rotation successor and an attacker.

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

// testIdP is an identity provider under the test's control; the public
// test kit's accountkittest.IdP signs its responses as a real IdP does.
type testIdP struct {
	EntityID string
	Key      *rsa.PrivateKey
	Cert     *x509.Certificate
}

func (p *testIdP) kit() *accountkittest.IdP {
	return &accountkittest.IdP{EntityID: p.EntityID, Key: p.Key, Cert: p.Cert}
}

// PEM returns the IdP's certificate as PEM.
func (p *testIdP) PEM() string { return p.kit().PEM() }

// newIdP returns an IdP signing with key i; its certificate is valid from
// a day before kittest.Epoch until notAfter (a year after when zero).
func newIdP(t testing.TB, entityID string, i int, notAfter time.Time) *testIdP {
	t.Helper()
	k := accountkittest.NewIdP(t, entityID, accountkittest.IdPOptions{Key: rsaKey(i), NotAfter: notAfter, Serial: int64(i + 1)})
	return &testIdP{EntityID: k.EntityID, Key: k.Key, Cert: k.Cert}
}

// sp is what the IdP knows about the service provider.
type sp = accountkittest.SP

// respOpts describes one response; zero fields take genuine values.
type respOpts struct {
	InResponseTo string // "" sends an unsolicited (IdP-initiated) response
	NameID       string
	Attrs        map[string][]string
	AssertionID  string
	// SignWith signs with another IdP's key (an attacker, a rotated key).
	SignWith *testIdP
}

// Response returns the base64 SAMLResponse form value of a signed
// Response at now.
func (p *testIdP) Response(t testing.TB, now time.Time, to sp, o respOpts) string {
	t.Helper()
	a := accountkittest.Assertion{InResponseTo: o.InResponseTo, NameID: o.NameID, Attributes: o.Attrs, AssertionID: o.AssertionID}
	if o.SignWith != nil {
		a.SignWith = o.SignWith.kit()
	}
	return p.kit().ResponseAt(t, now, to, a)
}

// authnRequest reads the AuthnRequest of an HTTP-Redirect URL: its ID and
// the RelayState.
func authnRequest(t testing.TB, location string) (id, relay string) {
	t.Helper()
	return accountkittest.ParseAuthnRequest(t, location)
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
