package web_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/sso"
	"github.com/accountkit/accountkit/storage/memory"
	"github.com/accountkit/accountkit/web"
)

// client is a cookie-keeping HTTP client that does not follow redirects.
type client struct {
	t   *testing.T
	s   *site
	c   *http.Client
	jar *cookiejar.Jar
}

func (s *site) client(t *testing.T) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, s: s, jar: jar, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type resp struct {
	Status int
	Header http.Header
	Body   string
}

func (c *client) do(req *http.Request) *resp {
	c.t.Helper()
	r, err := c.c.Do(req)
	require.NoError(c.t, err)
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return &resp{Status: r.StatusCode, Header: r.Header, Body: string(b)}
}

func (c *client) get(path string) *resp {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.s.URL+path, nil)
	return c.do(req)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// post sends a form; csrf "" takes the token of a fresh GET of the page.
func (c *client) post(path string, form url.Values) *resp {
	c.t.Helper()
	if _, ok := form["csrf"]; !ok {
		m := csrfField.FindStringSubmatch(c.get(path).Body)
		require.NotNil(c.t, m, "the page has a form")
		form.Set("csrf", m[1])
	}
	req, _ := http.NewRequest(http.MethodPost, c.s.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// normalize removes what differs between any two renderings: nonces and
// CSRF tokens.
func normalize(s string) string {
	s = regexp.MustCompile(`nonce="[^"]+"`).ReplaceAllString(s, "")
	return csrfField.ReplaceAllString(s, "")
}

func TestPages_SecurityHeaders(t *testing.T) {
	s := newSite(t, memory.New())
	c := s.client(t)
	a, b := c.get("/account/sign-in"), c.get("/account/sign-in")
	require.Equal(t, http.StatusOK, a.Status)
	for _, h := range []struct{ name, want string }{{"X-Frame-Options", "DENY"}, {"Referrer-Policy", "no-referrer"},
		{"Cache-Control", "no-store"}, {"X-Content-Type-Options", "nosniff"}} {
		assert.Equal(t, h.want, a.Header.Get(h.name), h.name)
	}
	csp := a.Header.Get("Content-Security-Policy")
	for _, d := range []string{"default-src 'none'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'", "script-src 'nonce-"} {
		assert.Contains(t, csp, d)
	}
	assert.NotContains(t, csp, "unsafe-inline")
	assert.NotEqual(t, csp, b.Header.Get("Content-Security-Policy"), "a fresh nonce per response")
	assert.NotRegexp(t, `\son[a-z]+=|style="`, a.Body, "no inline handlers or styles")
}

func TestPages_Cookies(t *testing.T) {
	t.Run("SecureByDefault", func(t *testing.T) {
		s := newSite(t, memory.New(), func(o *web.Options) { o.Development = false })
		for _, ck := range s.client(t).get("/account/sign-in").Header.Values("Set-Cookie") {
			assert.Contains(t, ck, "Secure", ck)
			assert.Contains(t, ck, "HttpOnly", ck)
		}
	})
	t.Run("DevelopmentAndSessionForTheAPI", func(t *testing.T) {
		s := newSite(t, memory.New())
		s.ActiveUser(t, s.MainAccount(t, "acme"), "jane")
		c := s.client(t)
		r := c.post("/account/sign-in", url.Values{"identifier": {"jane"}, "password": {kittest.Password}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		assert.Equal(t, "/account/", r.Header.Get("Location"))
		var session string
		for _, ck := range r.Header.Values("Set-Cookie") {
			assert.NotContains(t, ck, "Secure", "development mode works on http://127.0.0.1")
			if strings.HasPrefix(ck, auth.SessionCookie+"=") && !strings.Contains(ck, "Max-Age=0") {
				session = ck
			}
		}
		require.Contains(t, session, "Path=/;", "the API under /api/v1 receives it")
		assert.Contains(t, c.get("/api/v1/auth/me").Body, `"username":"jane"`)
	})
}

// TestPages_NoEnumeration: unknown user, wrong password, locked and
// disabled users get the same status and the same page.
func TestPages_NoEnumeration(t *testing.T) {
	s := newSite(t, memory.New())
	acme := s.MainAccount(t, "acme")
	s.ActiveUser(t, acme, "jane")
	locked := s.ActiveUser(t, acme, "lou")
	_, err := s.Kit.Users.Lock(s.System(), locked.ID)
	require.NoError(t, err)
	disabled := s.ActiveUser(t, acme, "dee")
	_, err = s.Kit.Users.Disable(s.System(), disabled.ID)
	require.NoError(t, err)
	var first *resp
	for _, in := range [][2]string{{"nobody", kittest.Password}, {"jane", "wrong password"}, {"lou", kittest.Password}, {"dee", kittest.Password}} {
		c := s.client(t)
		r := c.post("/account/sign-in", url.Values{"identifier": {"same-name"}, "password": {in[1]}})
		// The identifier is echoed back: send the real one, compare with
		// it replaced.
		r = c.post("/account/sign-in", url.Values{"identifier": {in[0]}, "password": {in[1]}})
		r.Body = strings.ReplaceAll(normalize(r.Body), `value="`+in[0]+`"`, `value="X"`)
		assert.Equal(t, http.StatusUnauthorized, r.Status, in[0])
		assert.Contains(t, r.Body, "Incorrect username or password.")
		if first == nil {
			first = r
			continue
		}
		assert.Equal(t, first.Body, r.Body, in[0])
	}
}

// TestPages_BadInput: a form without or with a wrong CSRF token, oversized
// or not UTF-8, or replayed after sign-in, gets a clear message and
// changes nothing.
func TestPages_BadInput(t *testing.T) {
	s := newSite(t, memory.New())
	acme := s.MainAccount(t, "acme")
	jane := s.ActiveUser(t, acme, "jane")
	events := len(s.Events(t, acme.ID))
	c := s.client(t)
	c.get("/account/sign-in")
	cases := map[string]struct {
		form   url.Values
		status int
		says   string
	}{
		"MissingCSRF":  {url.Values{"csrf": {""}, "identifier": {"jane"}, "password": {"x"}}, http.StatusForbidden, "could not be verified"},
		"WrongCSRF":    {url.Values{"csrf": {"AAAA"}, "identifier": {"jane"}, "password": {"x"}}, http.StatusForbidden, "could not be verified"},
		"Oversized":    {url.Values{"identifier": {strings.Repeat("a", 5000)}, "password": {"x"}}, http.StatusBadRequest, "This is too long."},
		"InvalidUTF8":  {url.Values{"identifier": {"ja\xffne"}, "password": {"x"}}, http.StatusBadRequest, "cannot be read"},
		"MissingField": {url.Values{"identifier": {"jane"}}, http.StatusUnprocessableEntity, "This field is required."},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := c.post("/account/sign-in", tc.form)
			assert.Equal(t, tc.status, r.Status)
			assert.Contains(t, r.Body, tc.says)
			assert.NotContains(t, r.Body, "\xff")
		})
	}
	t.Run("TooBig", func(t *testing.T) {
		r := c.post("/account/sign-in", url.Values{"x": {strings.Repeat("a", 70<<10)}})
		assert.Equal(t, http.StatusRequestEntityTooLarge, r.Status)
		assert.Contains(t, r.Body, "too large")
	})
	got, err := s.Kit.Users.Get(s.System(), jane.ID)
	require.NoError(t, err)
	assert.Zero(t, got.FailedLogins, "no refused form reached the service")
	assert.Len(t, s.Events(t, acme.ID), events)

	t.Run("Replayed", func(t *testing.T) {
		m := csrfField.FindStringSubmatch(c.get("/account/sign-in").Body)
		form := url.Values{"csrf": {m[1]}, "identifier": {"jane"}, "password": {kittest.Password}}
		require.Equal(t, http.StatusSeeOther, c.post("/account/sign-in", form).Status)
		r := c.post("/account/sign-out", url.Values{"csrf": {m[1]}})
		assert.Equal(t, http.StatusForbidden, r.Status, "a pre-sign-in token does not fit the session")
		assert.Contains(t, c.get("/api/v1/auth/me").Body, `"jane"`, "still signed in")
	})
}

func TestPages_ReturnTo(t *testing.T) {
	s := newSite(t, memory.New())
	s.ActiveUser(t, s.MainAccount(t, "acme"), "jane")
	for to, want := range map[string]string{"/account/sessions": "/account/sessions", "//evil.test/x": "/account/",
		"https://evil.test/": "/account/", "/\\evil.test": "/account/"} {
		r := s.client(t).post("/account/sign-in", url.Values{"identifier": {"jane"}, "password": {kittest.Password}, "return_to": {to}})
		assert.Equal(t, want, r.Header.Get("Location"), to)
	}
	r := s.client(t).get("/account/security")
	assert.Equal(t, "/account/sign-in?return_to=%2Faccount%2Fsecurity", r.Header.Get("Location"))
}

// TestPages_Override: a host's template replaces the embedded one and its
// custom.css is served.
func TestPages_Override(t *testing.T) {
	s := newSite(t, memory.New(), func(o *web.Options) {
		o.Templates = fstest.MapFS{"templates/forgot.html": {Data: []byte(`{{define "content"}}<h1>Ask your admin</h1>{{end}}`)}}
		o.Static = fstest.MapFS{"static/custom.css": {Data: []byte(`.brand-name{color:teal}`)}}
	})
	c := s.client(t)
	assert.Contains(t, c.get("/account/forgot-password").Body, "Ask your admin")
	page := c.get("/account/sign-in").Body
	m := regexp.MustCompile(`href="(/account/static/custom.css\?v=[0-9a-f]+)"`).FindStringSubmatch(page)
	require.NotNil(t, m)
	assert.Equal(t, ".brand-name{color:teal}", c.get(m[1]).Body)
}

// TestPages_FindSSOByEmail: with the pages built by kit.Pages, "find your
// organization" takes a work email: a domain the account verified leads to
// the account's sign-in page, any other address gets the same answer as an
// unknown organization.
func TestPages_FindSSOByEmail(t *testing.T) {
	dns := &pagesDNS{}
	env := kittest.NewWithStore(t, memory.New(), func(o *kit.Options) { o.Account.Customization.Resolver = dns })
	pages, err := env.Kit.Pages(web.Options{Development: true, FormKey: []byte("web-test-form-key-0123456789abcdef")})
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/account/", pages)
	mux.Handle("/", env.Kit.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s := &site{Env: env, Web: pages, URL: srv.URL, srv: srv}

	sys := s.System()
	globex := s.MainAccount(t, "globex")
	_, err = s.Kit.SSO.Update(sys, globex.ID, sso.Update{Enabled: ptr(true), IdPEntityID: ptr("https://idp.globex.test"),
		IdPCertificates: &[]string{idpCertificate(t)}, IdPLoginURL: ptr("https://idp.globex.test/sso")})
	require.NoError(t, err)
	d, err := s.Kit.SSO.AddDomain(sys, globex.ID, "globex.example")
	require.NoError(t, err)
	rec := sso.DomainRecord(d)
	dns.txt = map[string]string{rec.Name: rec.Value}
	d, err = s.Kit.SSO.VerifyDomain(sys, globex.ID, d.ID)
	require.NoError(t, err)
	require.Equal(t, sso.DomainVerified, d.Status)

	c := s.client(t)
	r := c.post("/account/sso", url.Values{"organization": {"hank@globex.example"}})
	require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
	assert.Equal(t, "/account/globex", r.Header.Get("Location"))

	unknown := c.post("/account/sso", url.Values{"organization": {"nobody-here"}})
	for _, email := range []string{"ann@initech.example", "ann@gmail.com"} {
		r := c.post("/account/sso", url.Values{"organization": {email}})
		assert.Equal(t, unknown.Status, r.Status, email)
		assert.Contains(t, r.Body, "We could not find single sign-on for this organization.", email)
	}
}

// pagesDNS answers TXT lookups from a map.
type pagesDNS struct{ txt map[string]string }

func (d *pagesDNS) LookupTXT(_ context.Context, name string) ([]string, error) {
	if v, ok := d.txt[name]; ok {
		return []string{v}, nil
	}
	return nil, errors.New("no such host")
}

func (d *pagesDNS) LookupCNAME(context.Context, string) (string, error) {
	return "", errors.New("no such host")
}
