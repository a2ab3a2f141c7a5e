package sso_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/internal/oidctest"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/sso"
	"github.com/accountkit/accountkit/teams"
	"github.com/accountkit/accountkit/users"
)

const oidcSecret = "s3cret-of-the-client"

type oidcFixture struct {
	env        *kittest.Env
	idp        *oidctest.Provider
	accID      string
	adminToken string
	alice      *users.User
}

func newOIDCFixture(t testing.TB, env *kittest.Env) *oidcFixture {
	t.Helper()
	acc := env.MainAccount(t, "contoso")
	env.ActiveUser(t, acc, "admin", security.RoleAccountManager)
	f := &oidcFixture{env: env, accID: acc.ID, alice: env.ActiveUser(t, acc, "alice")}
	f.adminToken = env.Login(t, "admin", kittest.Password)
	f.idp = oidctest.New(t, "accountkit-client", oidcSecret, env.Clock.Now)
	f.idp.SetClaims(map[string]any{"sub": "alice-sub", "email": "Alice@Contoso.test", "email_verified": true})
	out := f.configure(t, map[string]any{"enabled": true, "issuer_url": f.idp.Issuer, "client_id": "accountkit-client",
		"client_secret": oidcSecret}, http.StatusOK)
	require.Equal(t, kittest.BaseURL+"/login/oidc/contoso/callback", out["redirect_uri"])
	return f
}

func (f *oidcFixture) configure(t testing.TB, body map[string]any, status int) map[string]any {
	t.Helper()
	r := f.env.Do(t, http.MethodPut, "/api/v1/accounts/"+f.accID+"/sso/oidc", f.adminToken, body)
	require.Equal(t, status, r.Status, string(r.Body))
	var out map[string]any
	r.JSON(t, &out)
	return out
}

// start opens the initiation route and returns the provider's
// authorization URL.
func (f *oidcFixture) start(t testing.TB, b *browser, returnTo string) *url.URL {
	t.Helper()
	path := "/login/oidc/contoso/"
	if returnTo != "" {
		path += "?return_to=" + url.QueryEscape(returnTo)
	}
	p := b.do(t, http.MethodGet, path, nil)
	require.Equal(t, http.StatusFound, p.Status, p.Body)
	u, err := url.Parse(p.Location)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(p.Location, f.idp.Issuer+"/authorize?"), p.Location)
	q := u.Query()
	require.Equal(t, "S256", q.Get("code_challenge_method"))
	require.NotEmpty(t, q.Get("nonce"))
	require.Equal(t, kittest.BaseURL+"/login/oidc/contoso/callback", q.Get("redirect_uri"))
	require.NotEmpty(t, b.cookies[sso.OIDCStateCookieName(q.Get("state"))], "the state is bound to the browser")
	for _, c := range p.Cookies {
		if strings.HasPrefix(c.Name, sso.OIDCStateCookie) {
			require.True(t, c.HttpOnly && c.Secure)
			require.Equal(t, http.SameSiteLaxMode, c.SameSite)
		}
	}
	return u
}

// authorize follows the authorization URL at the provider and returns the
// callback path (with its query) it sends the browser to.
func (f *oidcFixture) authorize(t testing.TB, u *url.URL) string {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(u.String())
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	cb, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(cb.String(), kittest.BaseURL+"/"), cb.String())
	return strings.TrimPrefix(cb.String(), kittest.BaseURL)
}

// signIn runs the whole flow in the browser and returns the callback's
// answer.
func (f *oidcFixture) signIn(t testing.TB, b *browser, returnTo string) *page {
	t.Helper()
	return b.do(t, http.MethodGet, f.authorize(t, f.start(t, b, returnTo)), nil)
}

func TestOIDC_Flow(t *testing.T) {
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := kittest.NewWithStore(t, open(t))
			f := newOIDCFixture(t, env)
			b := newBrowser(env)

			cb := f.authorize(t, f.start(t, b, "/dashboard?tab=1"))
			p := b.do(t, http.MethodGet, cb, nil)
			require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
			require.Equal(t, "/dashboard?tab=1", p.Location)
			require.NotEmpty(t, b.cookies[auth.SessionCookie])
			for n := range b.cookies {
				require.False(t, strings.HasPrefix(n, sso.OIDCStateCookie), "the state cookie is single use")
			}
			status, me := (&fixture{env: env}).me(t, b)
			require.Equal(t, http.StatusOK, status)
			require.Equal(t, "alice", me["user"].(map[string]any)["username"])
			u, err := env.Store.GetUser(context.Background(), f.alice.ID)
			require.NoError(t, err)
			require.Equal(t, users.LoginSSO, u.LastLoginMethod)
			ev := env.LastEvent(t, f.accID)
			require.Equal(t, "sso", ev.Details["method"])

			// The link is keyed by issuer and sub: a later sign-in with a
			// changed (verified) email still finds alice.
			l, err := env.Store.GetSSOLink(context.Background(), f.accID, f.idp.Issuer, "alice-sub")
			require.NoError(t, err)
			require.Equal(t, f.alice.ID, l.UserID)
			f.idp.SetClaims(map[string]any{"sub": "alice-sub", "email": "alice.new@contoso.test", "email_verified": true})
			p = f.signIn(t, newBrowser(env), "")
			require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
			require.Equal(t, "/", p.Location)

			// Replaying the callback (same state, same cookie) is refused.
			b2 := newBrowser(env)
			u0 := f.start(t, b2, "")
			cb = f.authorize(t, u0)
			saved := map[string]string{}
			for k, v := range b2.cookies {
				saved[k] = v
			}
			require.Equal(t, http.StatusSeeOther, b2.do(t, http.MethodGet, cb, nil).Status)
			b3 := newBrowser(env)
			for k, v := range saved {
				b3.cookies[k] = v
			}
			requireRefused(t, b3.do(t, http.MethodGet, cb, nil), http.StatusForbidden, sso.ReasonOIDCStateUsed)
			require.Equal(t, sso.ReasonOIDCStateUsed, lastSSOFailure(t, env, f.accID).Details["reason"])
		})
	}
}

func TestOIDC_JITAndDomains(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	f := newOIDCFixture(t, env)
	f.idp.SetClaims(map[string]any{"sub": "nc", "email": "newcomer@contoso.test", "email_verified": true,
		"given_name": "New", "family_name": "Comer", "groups": []string{"Staff"}})
	requireRefused(t, f.signIn(t, newBrowser(env), ""), http.StatusForbidden, sso.ReasonUserNotFound)

	f.configure(t, map[string]any{"auto_create_users": true}, http.StatusOK)
	p := f.signIn(t, newBrowser(env), "")
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	us, err := env.Store.FindUsersByEmail(context.Background(), "newcomer@contoso.test")
	require.NoError(t, err)
	require.Len(t, us, 1)
	require.Equal(t, "New", us[0].FirstName)
	require.Equal(t, "Comer", us[0].LastName)

	// Group sync: the SSO teams follow the groups claim.
	f.configure(t, map[string]any{"auto_create_groups": true}, http.StatusOK)
	f.idp.SetClaims(map[string]any{"sub": "nc", "email": "newcomer@contoso.test", "email_verified": true, "groups": []string{"Staff", "Ops"}})
	require.Equal(t, http.StatusSeeOther, f.signIn(t, newBrowser(env), "").Status)
	acc, err := env.Store.GetAccount(context.Background(), f.accID)
	require.NoError(t, err)
	admin := env.UserCtx(t, env.ActiveUser(t, acc, "boss", security.RoleAccountManager))
	page, err := env.Kit.Teams.List(admin, teams.ListInput{Limit: 100})
	require.NoError(t, err)
	names := map[string]teams.Source{}
	for _, tm := range page.Teams {
		names[tm.Name] = tm.Source
	}
	require.Equal(t, map[string]teams.Source{"Staff": teams.SourceSSO, "Ops": teams.SourceSSO}, names)
}

// TestOIDC_Attacks: each forged or unfit answer of the provider is
// refused with its reason, sets no session and is audited.
func TestOIDC_Attacks(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	f := newOIDCFixture(t, env)
	set := func(k string, v any) func(map[string]any) (string, bool) {
		return func(c map[string]any) (string, bool) { c[k] = v; return "", false }
	}
	cases := []struct {
		name   string
		mutate func(map[string]any) (string, bool)
		claims map[string]any
		reason string
	}{
		{name: "WrongAudience", mutate: set("aud", "someone-else"), reason: sso.ReasonOIDCIDTokenInvalid},
		{name: "Expired", mutate: func(c map[string]any) (string, bool) {
			c["exp"] = env.Clock.Now().Add(-time.Hour).Unix()
			return "", false
		}, reason: sso.ReasonOIDCIDTokenExpired},
		{name: "AlgNone", mutate: func(c map[string]any) (string, bool) { return oidctest.Unsigned(c), true }, reason: sso.ReasonOIDCIDTokenInvalid},
		{name: "UnknownKey", mutate: func(c map[string]any) (string, bool) {
			tok, err := oidctest.Sign(oidctest.OtherKey(t), "k1", c)
			require.NoError(t, err)
			return tok, true
		}, reason: sso.ReasonOIDCIDTokenInvalid},
		{name: "HS256WithThePublicKey", mutate: func(c map[string]any) (string, bool) {
			der, err := x509.MarshalPKIXPublicKey(f.idp.PublicKey())
			require.NoError(t, err)
			pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
			tok, err := oidctest.SignHMAC(pemKey, "k1", c)
			require.NoError(t, err)
			return tok, true
		}, reason: sso.ReasonOIDCIDTokenInvalid},
		{name: "WrongNonce", mutate: set("nonce", "forged"), reason: sso.ReasonOIDCNonce},
		{name: "NoNonce", mutate: func(c map[string]any) (string, bool) { delete(c, "nonce"); return "", false }, reason: sso.ReasonOIDCNonce},
		{name: "WrongIssuer", mutate: set("iss", "https://evil.example"), reason: sso.ReasonOIDCIDTokenInvalid},
		{name: "MultipleAudiencesWithoutAzp", mutate: set("aud", []string{"accountkit-client", "other"}), reason: sso.ReasonOIDCIDTokenInvalid},
		{name: "UnverifiedEmail", claims: map[string]any{"sub": "alice-sub", "email": "alice@contoso.test", "email_verified": false}, reason: sso.ReasonOIDCEmailNotVerified},
		{name: "NoEmailVerifiedClaim", claims: map[string]any{"sub": "x", "email": "alice@contoso.test"}, reason: sso.ReasonOIDCEmailNotVerified},
		{name: "NoEmail", claims: map[string]any{"sub": "alice-sub", "email_verified": true}, reason: sso.ReasonOIDCEmailMissing},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.idp.Mutate(tc.mutate)
			claims := tc.claims
			if claims == nil {
				claims = map[string]any{"sub": "alice-sub", "email": "alice@contoso.test", "email_verified": true}
			}
			f.idp.SetClaims(claims)
			defer f.idp.Mutate(nil)
			requireRefused(t, f.signIn(t, newBrowser(env), ""), http.StatusForbidden, tc.reason)
			ev := lastSSOFailure(t, env, f.accID)
			require.Equal(t, tc.reason, ev.Details["reason"])
			require.Equal(t, "oidc", ev.Details["protocol"])
		})
	}

	t.Run("StateFromAnotherBrowser", func(t *testing.T) {
		f.idp.SetClaims(map[string]any{"sub": "alice-sub", "email": "alice@contoso.test", "email_verified": true})
		cb := f.authorize(t, f.start(t, newBrowser(env), ""))
		// The attacker's callback URL opened in the victim's browser
		// (login CSRF): no state cookie.
		requireRefused(t, newBrowser(env).do(t, http.MethodGet, cb, nil), http.StatusForbidden, sso.ReasonRequestBinding)
	})

	t.Run("StateOfAnotherAccount", func(t *testing.T) {
		// A second account with its own connection: the state and cookie
		// of a sign-in started there do not open here.
		other := env.MainAccount(t, "fabrikam")
		env.ActiveUser(t, other, "fboss", security.RoleAccountManager)
		tok := env.Login(t, "fboss", kittest.Password)
		r := env.Do(t, http.MethodPut, "/api/v1/accounts/"+other.ID+"/sso/oidc", tok, map[string]any{"enabled": true,
			"issuer_url": f.idp.Issuer, "client_id": "accountkit-client", "client_secret": oidcSecret})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		b := newBrowser(env)
		p := b.do(t, http.MethodGet, "/login/oidc/fabrikam/", nil)
		require.Equal(t, http.StatusFound, p.Status, p.Body)
		u, err := url.Parse(p.Location)
		require.NoError(t, err)
		state := u.Query().Get("state")
		cookie := b.cookies[sso.OIDCStateCookieName(state)]
		require.NotEmpty(t, cookie)
		b2 := newBrowser(env)
		b2.cookies[sso.OIDCStateCookieName(state)] = cookie
		p = b2.do(t, http.MethodGet, "/login/oidc/contoso/callback?code=x&state="+url.QueryEscape(state), nil)
		requireRefused(t, p, http.StatusForbidden, sso.ReasonRequestBinding)
	})

	t.Run("ProviderError", func(t *testing.T) {
		b := newBrowser(env)
		u := f.start(t, b, "")
		p := b.do(t, http.MethodGet, "/login/oidc/contoso/callback?error=access_denied&state="+url.QueryEscape(u.Query().Get("state")), nil)
		requireRefused(t, p, http.StatusForbidden, sso.ReasonOIDCProviderError)
	})

	t.Run("OpenRedirect", func(t *testing.T) {
		f.idp.SetClaims(map[string]any{"sub": "alice-sub", "email": "alice@contoso.test", "email_verified": true})
		b := newBrowser(env)
		p := b.do(t, http.MethodGet, f.authorize(t, f.start(t, b, "//evil.example/x")), nil)
		require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
		require.Equal(t, "/", p.Location)
	})

	t.Run("KeyRotation", func(t *testing.T) {
		f.idp.SetClaims(map[string]any{"sub": "alice-sub", "email": "alice@contoso.test", "email_verified": true})
		require.Equal(t, http.StatusSeeOther, f.signIn(t, newBrowser(env), "").Status)
		f.idp.RotateKey(t) // the cached JWKS no longer has the key: fetched again
		p := f.signIn(t, newBrowser(env), "")
		require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	})
}

func TestOIDC_ConfigAPI(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	f := newOIDCFixture(t, env)
	path := "/api/v1/accounts/" + f.accID + "/sso/oidc"

	r := env.Do(t, http.MethodGet, path, f.adminToken, nil)
	require.Equal(t, http.StatusOK, r.Status)
	require.NotContains(t, string(r.Body), oidcSecret, "the secret is never returned")
	var out map[string]any
	r.JSON(t, &out)
	require.Equal(t, true, out["client_secret_set"])
	require.Equal(t, []any{"openid", "email", "profile"}, out["scopes"])

	// Sealed at rest.
	c, err := env.Store.GetOIDCConfig(context.Background(), f.accID)
	require.NoError(t, err)
	require.NotContains(t, string(c.ClientSecretSealed), oidcSecret)

	// Bad input: 400 naming the field, nothing changed.
	for field, body := range map[string]map[string]any{
		"issuer_url": {"issuer_url": "http://idp.example.org"},
		"scopes[0]":  {"scopes": []string{"has space"}},
		"client_id":  {"client_id": strings.Repeat("x", 300)},
	} {
		r := env.Do(t, http.MethodPut, path, f.adminToken, body)
		require.Equal(t, http.StatusBadRequest, r.Status, field)
		require.Contains(t, string(r.Body), field)
	}
	r = env.Do(t, http.MethodPut, path, f.adminToken, map[string]any{"client_secret": ""})
	require.Equal(t, http.StatusBadRequest, r.Status, "an enabled connection keeps a secret")
	c2, err := env.Store.GetOIDCConfig(context.Background(), f.accID)
	require.NoError(t, err)
	require.Equal(t, c, c2)

	// Scopes always include openid.
	r = env.Do(t, http.MethodPut, path, f.adminToken, map[string]any{"scopes": []string{"email", "groups"}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &out)
	require.Equal(t, []any{"openid", "email", "groups"}, out["scopes"])

	// A member without sso.manage, and another tree's account manager.
	// (Bob's password no longer signs him in: the connection enforces
	// single sign-on.)
	acc, err := env.Store.GetAccount(context.Background(), f.accID)
	require.NoError(t, err)
	bobUser := env.ActiveUser(t, acc, "bob")
	bob := env.Tokens.Issue(kittest.Member(f.accID, bobUser.Username))
	require.Equal(t, http.StatusForbidden, env.Do(t, http.MethodGet, path, bob, nil).Status)
	other := env.MainAccount(t, "fabrikam")
	env.ActiveUser(t, other, "eve", security.RoleAccountManager)
	eve := env.Login(t, "eve", kittest.Password)
	require.Equal(t, http.StatusNotFound, env.Do(t, http.MethodGet, path, eve, nil).Status)
	require.Equal(t, http.StatusNotFound, env.Do(t, http.MethodPut, path, eve, map[string]any{"enabled": false}).Status)
}

// TestOIDC_DomainsAndDiscover: discovery routes a verified domain to the
// OIDC initiation route, and once the account has verified a domain, JIT
// creation is limited to it.
func TestOIDC_DomainsAndDiscover(t *testing.T) {
	t.Parallel()
	env, dns := newDomainEnv(t)
	f := newOIDCFixture(t, env)
	acc, err := env.Store.GetAccount(context.Background(), f.accID)
	require.NoError(t, err)
	boss := env.Tokens.Issue(kittest.Manager(f.accID, "boss"))
	d := addDomain(t, env, acc, boss, "contoso.example")
	dns.set(d.Record.Name, d.Record.Value)
	require.Equal(t, "verified", verifyDomain(t, env, acc, boss, d.ID).Status)

	status, got, body := discover(t, env, "ada@contoso.example")
	require.Equal(t, http.StatusOK, status, string(body))
	require.Equal(t, discoveryJSON{Method: "sso", URL: kittest.BaseURL + "/login/oidc/contoso/"}, got)
	f.configure(t, map[string]any{"enabled": false}, http.StatusOK)
	_, got, _ = discover(t, env, "ada@contoso.example")
	require.Equal(t, "password", got.Method)
	f.configure(t, map[string]any{"enabled": true, "auto_create_users": true}, http.StatusOK)

	f.idp.SetClaims(map[string]any{"sub": "out", "email": "newcomer@elsewhere.example", "email_verified": true})
	requireRefused(t, f.signIn(t, newBrowser(env), ""), http.StatusForbidden, sso.ReasonDomainNotVerified)
	f.idp.SetClaims(map[string]any{"sub": "in", "email": "newcomer@contoso.example", "email_verified": true})
	p := f.signIn(t, newBrowser(env), "")
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
}
