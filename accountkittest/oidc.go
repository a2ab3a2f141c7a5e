package accountkittest

import (
	"crypto/rsa"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/internal/oidctest"
	"github.com/accountkit/accountkit/sso"
)

// The test OpenID Connect issuer: a real provider on the loopback
// interface (discovery document, JWKS, authorization endpoint, token
// endpoint checking the client secret, the redirect URI and the PKCE
// verifier) that signs RS256 ID tokens, so a test runs the whole
// authorization code flow over HTTP against the kit. It is the engine of
// the project's own OIDC tests (internal/oidctest).

// OIDCIssuer is a local OpenID provider under the test's control.
// EnableOIDC returns one bound to an account's OIDC connection;
// NewOIDCIssuer a bare one. One sign-in at a time per issuer: SignIn sets
// the provider's next user.
type OIDCIssuer struct {
	// Issuer is the provider's issuer URL (http on 127.0.0.1).
	Issuer string
	// ClientID and ClientSecret are the client the provider knows.
	ClientID, ClientSecret string

	p    *oidctest.Provider
	env  *Env
	slug string
}

// NewOIDCIssuer starts an OpenID provider for the client, on the loopback
// interface; its clock is the Env's (iat, exp). It stops with the test.
// The kit fetches from it only with sso.Options.OIDCAllowLocalIssuers,
// which New turns on.
func (e *Env) NewOIDCIssuer(t testing.TB, clientID, clientSecret string) *OIDCIssuer {
	t.Helper()
	p := oidctest.New(t, clientID, clientSecret, e.Clock.Now)
	return &OIDCIssuer{Issuer: p.Issuer, ClientID: clientID, ClientSecret: clientSecret, p: p, env: e}
}

// EnableOIDC starts an OpenID provider for the account and configures and
// enables the account's OIDC connection against it (issuer, client ID and
// secret), as the account's administrator would; up sets the other fields
// (AutoCreateUsers, AutoCreateGroups, GroupsClaim, LocalTwoFactor...).
// Note that an enabled connection turns password sign-in off for the
// account's users, as SAML does.
func (e *Env) EnableOIDC(t testing.TB, acc *account.Account, up sso.OIDCUpdate) *OIDCIssuer {
	t.Helper()
	p := e.NewOIDCIssuer(t, "accountkit-"+acc.Slug, "secret-of-"+acc.Slug)
	enabled := true
	up.Enabled, up.IssuerURL, up.ClientID, up.ClientSecret = &enabled, &p.Issuer, &p.ClientID, &p.ClientSecret
	_, err := e.Kit.SSO.UpdateOIDC(e.System(), acc.ID, up)
	require.NoError(t, err, "configure the OIDC connection (a local issuer needs sso.Options.OIDCAllowLocalIssuers)")
	p.slug = acc.Slug
	return p
}

// IDToken describes the user the provider signs in and the ID token it
// issues. Zero fields take genuine values; the negative cases are one
// field each.
type IDToken struct {
	// Subject is the sub claim; default Email.
	Subject string
	// Email is the email claim.
	Email string
	// EmailUnverified sends email_verified false (refused:
	// sso.ReasonOIDCEmailNotVerified); default true.
	EmailUnverified bool
	// GivenName and FamilyName are sent when set.
	GivenName, FamilyName string
	// Groups are sent as the groups claim when set.
	Groups []string
	// Claims are added as is, after the others (a custom groups claim,
	// an override).
	Claims map[string]any

	// Expired issues a token whose exp has passed (refused:
	// sso.ReasonOIDCIDTokenExpired).
	Expired bool
	// Audience replaces the client ID in aud: a token for another client
	// (refused: sso.ReasonOIDCIDTokenInvalid).
	Audience string
	// Unsigned issues the token with alg none and no signature (refused:
	// sso.ReasonOIDCIDTokenInvalid).
	Unsigned bool
	// SignWithOtherKey signs with a key the provider does not publish
	// (refused: sso.ReasonOIDCIDTokenInvalid).
	SignWithOtherKey bool
}

func (tok IDToken) claims() map[string]any {
	c := map[string]any{"sub": tok.Subject, "email": tok.Email, "email_verified": !tok.EmailUnverified}
	if tok.Subject == "" {
		c["sub"] = tok.Email
	}
	if tok.GivenName != "" {
		c["given_name"] = tok.GivenName
	}
	if tok.FamilyName != "" {
		c["family_name"] = tok.FamilyName
	}
	if tok.Groups != nil {
		c["groups"] = tok.Groups
	}
	for k, v := range tok.Claims {
		c[k] = v
	}
	return c
}

// mutation returns what the provider does to the ID token, nil when it
// issues a genuine one.
func (tok IDToken) mutation(t testing.TB, now time.Time) func(map[string]any) (string, bool) {
	if !tok.Expired && tok.Audience == "" && !tok.Unsigned && !tok.SignWithOtherKey {
		return nil
	}
	var other *rsa.PrivateKey
	if tok.SignWithOtherKey {
		other = oidctest.OtherKey(t)
	}
	return func(c map[string]any) (string, bool) {
		if tok.Expired {
			c["iat"], c["exp"] = now.Add(-20*time.Minute).Unix(), now.Add(-10*time.Minute).Unix()
		}
		if tok.Audience != "" {
			c["aud"] = tok.Audience
		}
		switch {
		case tok.Unsigned:
			return oidctest.Unsigned(c), true
		case tok.SignWithOtherKey:
			s, err := oidctest.Sign(other, "k1", c)
			if err != nil {
				return "", false
			}
			return s, true
		}
		return "", false
	}
}

// SignIn runs the authorization code flow in a new browser: it opens the
// account's /login/oidc/<slug>/ (with return_to when not empty), follows
// the redirect to the provider, which signs in the user tok describes and
// sends the browser back to the callback with a code; the kit exchanges
// the code and verifies the ID token. On success (303) the result's
// Client holds the session and sends the CSRF token; after a refusal,
// Reason is the code of the kit's error page (sso.ReasonOIDCIDTokenExpired,
// sso.ReasonUserNotFound...). When the account asks for the local second
// factor, Location is the two-factor page and CompleteTwoFactor finishes.
func (p *OIDCIssuer) SignIn(t testing.TB, returnTo string, tok IDToken) *SSOResult {
	t.Helper()
	require.NotNil(t, p.env, "the issuer is not bound to an account: use EnableOIDC")
	require.NotEmpty(t, p.slug, "the issuer is not bound to an account: use EnableOIDC")
	c := p.env.NewClient()
	path := "/login/oidc/" + p.slug + "/"
	if returnTo != "" {
		path += "?return_to=" + url.QueryEscape(returnTo)
	}
	r := p.env.send(t, c, http.MethodGet, path, "", nil)
	require.Equal(t, http.StatusFound, r.Status, "OIDC initiation: %s", r.Body)
	loc := r.Header.Get("Location")
	require.True(t, strings.HasPrefix(loc, p.Issuer+"/authorize?"), "redirected to %s", loc)

	p.p.SetClaims(tok.claims())
	p.p.Mutate(tok.mutation(t, p.env.Clock.Now()))
	defer p.p.Mutate(nil)
	// The provider is another site: the browser's cookies for the kit
	// do not go there.
	provider := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := provider.Get(loc)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode, "the provider's authorization endpoint")
	cb := resp.Header.Get("Location")
	require.True(t, strings.HasPrefix(cb, BaseURL+"/"), "the provider sent the browser to %s", cb)

	resp, err = c.Get(p.env.URL(strings.TrimPrefix(cb, BaseURL)))
	require.NoError(t, err)
	return p.env.ssoResult(t, c, resp)
}

// IDTokenFor returns an ID token the provider signs for the client with
// the claims of tok (iss, aud, iat, exp set), for tests that hand tokens
// to code of their own.
func (p *OIDCIssuer) IDTokenFor(t testing.TB, tok IDToken) string {
	t.Helper()
	s, err := p.p.IDToken(tok.claims())
	require.NoError(t, err)
	return s
}

// RotateKey replaces the provider's signing key, as a provider rotating
// its keys does: the JWKS then lists only the new key.
func (p *OIDCIssuer) RotateKey(t testing.TB) { p.p.RotateKey(t) }
