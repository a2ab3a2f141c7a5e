package sso_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/sso"
	"github.com/accountkit/accountkit/users"
)

// twoFactorPath is the host's two-factor page in these tests.
const twoFactorPath = "/login/two-factor"

func withTwoFactorPage(o *kit.Options) { o.SSO.TwoFactorPath = twoFactorPath }

// totpCode returns the code an authenticator app shows for secret at t.
func totpCode(t testing.TB, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	require.NoError(t, err)
	return c
}

// postJSON sends a JSON body with the browser's cookies.
func (b *browser) postJSON(t testing.TB, path string, body any) *page {
	t.Helper()
	data, err := json.Marshal(body)
	require.NoError(t, err)
	return b.send(t, http.MethodPost, path, "application/json", bytes.NewReader(data))
}

func cookieNamed(p *page, name string) *http.Cookie {
	for _, c := range p.Cookies {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// enrollTOTP enrolls u in TOTP through the signed-in flow and returns the
// secret; the clock moves one step on so the next code is fresh.
func enrollTOTP(t *testing.T, env *kittest.Env, u *users.User) string {
	t.Helper()
	ctx := env.UserCtx(t, u)
	en, err := env.Kit.Auth.BeginTwoFactorEnrollment(ctx, "")
	require.NoError(t, err)
	_, err = env.Kit.Auth.ConfirmTwoFactorEnrollment(ctx, auth.ConfirmInput{Code: totpCode(t, en.Secret, env.Clock.Now())})
	require.NoError(t, err)
	env.Clock.Advance(30 * time.Second)
	return en.Secret
}

// requireTwoFactorStep checks that an ACS answer sends the browser to the
// host's two-factor page with the challenge in the scoped cookie only.
func requireTwoFactorStep(t *testing.T, b *browser, p *page, status auth.LoginStatus, returnTo string) {
	t.Helper()
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	loc, err := url.Parse(p.Location)
	require.NoError(t, err)
	assert.Equal(t, twoFactorPath, loc.Path)
	assert.Equal(t, string(status), loc.Query().Get("status"))
	assert.Equal(t, returnTo, loc.Query().Get("return_to"))
	assert.Nil(t, cookieNamed(p, auth.SessionCookie), "no session before the second factor")
	c := cookieNamed(p, auth.TwoFactorCookie)
	require.NotNil(t, c, "the challenge travels in its cookie")
	assert.NotContains(t, p.Location, c.Value, "never in the URL")
	assert.Equal(t, "/api/v1/auth/2fa", c.Path)
	assert.True(t, c.HttpOnly)
	assert.True(t, c.Secure)
	assert.Equal(t, http.SameSiteStrictMode, c.SameSite)
	var page *http.Cookie
	for _, pc := range p.Cookies {
		if pc.Name == auth.TwoFactorCookie && pc.Path == twoFactorPath {
			page = pc
		}
	}
	require.NotNil(t, page, "a copy reaches the two-factor page, so it works without JavaScript")
	assert.Equal(t, c.Value, page.Value)
	assert.True(t, page.HttpOnly && page.Secure)
	assert.Equal(t, http.SameSiteStrictMode, page.SameSite)
	_, signedIn := b.cookies[auth.SessionCookie]
	assert.False(t, signedIn)
}

// TestSSO_LocalTwoFactor: local TOTP is skipped for SSO sign-ins by
// default; with local_two_factor on, a user with TOTP must give a code on
// the host's page before the session starts, and the session records the
// sso method. It runs through HTTP on every store.
func TestSSO_LocalTwoFactor(t *testing.T) {
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := kittest.NewWithStore(t, open(t), withTwoFactorPage)
			f := newFixture(t, env)
			secret := enrollTOTP(t, env, f.alice)
			_, err := env.Kit.Accounts.UpdateSecuritySettings(env.System(), f.acc.ID,
				account.SecurityUpdate{TwoFactorRequired: ptr(true), PasswordValidityDays: ptr(30)})
			require.NoError(t, err)

			// Off by default: the IdP's word is enough, even when the
			// account requires 2FA.
			b := newBrowser(env)
			p := f.signIn(t, b, respOpts{NameID: "alice@contoso.test"}, "/inbox")
			require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
			require.Equal(t, "/inbox", p.Location)
			require.NotEmpty(t, b.cookies[auth.SessionCookie])

			f.configure(t, map[string]any{"local_two_factor": true}, http.StatusOK)
			r := env.Do(t, http.MethodGet, f.path(), f.adminToken, nil)
			var view map[string]any
			r.JSON(t, &view)
			require.Equal(t, true, view["local_two_factor"])
			ev := env.LastEvent(t, f.acc.ID)
			require.Contains(t, ev.Details["changed"], "local_two_factor")

			// Passwords expired long ago; SSO users are not asked to change one.
			env.Clock.Advance(40 * 24 * time.Hour)

			b = newBrowser(env)
			p = f.signIn(t, b, respOpts{NameID: "alice@contoso.test"}, "/inbox")
			requireTwoFactorStep(t, b, p, auth.LoginTwoFactorRequired, "/inbox")
			status, _ := f.me(t, b)
			require.Equal(t, http.StatusUnauthorized, status, "no session yet")
			ev = env.LastEvent(t, f.acc.ID)
			require.Equal(t, "User authenticated by single sign-on: two-factor code required.", ev.Description)

			// A wrong code counts as a failed sign-in.
			p = b.postJSON(t, "/api/v1/auth/2fa/verify", map[string]string{"code": "000000"})
			require.Equal(t, http.StatusUnauthorized, p.Status, p.Body)
			u, err := env.Store.GetUser(context.Background(), f.alice.ID)
			require.NoError(t, err)
			require.Equal(t, 1, u.FailedLogins)

			// The right code, with the challenge from the cookie, signs in.
			p = b.postJSON(t, "/api/v1/auth/2fa/verify", map[string]string{"code": totpCode(t, secret, env.Clock.Now())})
			require.Equal(t, http.StatusOK, p.Status, p.Body)
			var res map[string]any
			require.NoError(t, json.Unmarshal([]byte(p.Body), &res))
			require.Equal(t, string(auth.LoginOK), res["status"], "no password change for an SSO sign-in")
			require.NotEmpty(t, b.cookies[auth.SessionCookie])
			status, me := f.me(t, b)
			require.Equal(t, http.StatusOK, status)
			require.Equal(t, "alice", me["user"].(map[string]any)["username"])
			u, err = env.Store.GetUser(context.Background(), f.alice.ID)
			require.NoError(t, err)
			require.Equal(t, users.LoginSSO, u.LastLoginMethod)
			require.Zero(t, u.FailedLogins)
			ev = env.LastEvent(t, f.acc.ID)
			require.Equal(t, "User logged in (First Last, alice@contoso.test).", ev.Description)
			require.Equal(t, "sso", ev.Details["method"])

			// The challenge was single use: the cookie is worthless now.
			env.Clock.Advance(30 * time.Second)
			replay := newBrowser(env)
			replay.cookies[auth.TwoFactorCookie] = b.cookies[auth.TwoFactorCookie]
			p = replay.postJSON(t, "/api/v1/auth/2fa/verify", map[string]string{"code": totpCode(t, secret, env.Clock.Now())})
			require.Equal(t, http.StatusUnauthorized, p.Status, p.Body)
		})
	}
}

// TestSSO_LocalTwoFactorEnrollment: with local_two_factor on in an account
// that requires 2FA, an SSO user without TOTP enrolls on the host's page
// (through the cookie's enrollment challenge) and is then signed in.
func TestSSO_LocalTwoFactorEnrollment(t *testing.T) {
	t.Parallel()
	env := kittest.NewWithStore(t, kittest.Stores()["memory"](t), withTwoFactorPage)
	f := newFixture(t, env)
	f.configure(t, map[string]any{"local_two_factor": true}, http.StatusOK)

	// A user without TOTP in an account that does not require it: no step.
	b := newBrowser(env)
	p := f.signIn(t, b, respOpts{NameID: "alice@contoso.test"}, "")
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	require.Equal(t, "/", p.Location)
	require.NotEmpty(t, b.cookies[auth.SessionCookie])

	_, err := env.Kit.Accounts.UpdateSecuritySettings(env.System(), f.acc.ID, account.SecurityUpdate{TwoFactorRequired: ptr(true)})
	require.NoError(t, err)
	b = newBrowser(env)
	p = f.signIn(t, b, respOpts{NameID: "alice@contoso.test"}, "")
	requireTwoFactorStep(t, b, p, auth.LoginTwoFactorEnrollmentRequired, "")

	p = b.postJSON(t, "/api/v1/auth/2fa/enroll", map[string]string{})
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	var en struct {
		Secret string `json:"secret"`
	}
	require.NoError(t, json.Unmarshal([]byte(p.Body), &en))
	require.NotEmpty(t, en.Secret)
	p = b.postJSON(t, "/api/v1/auth/2fa/enroll/confirm", map[string]string{"code": totpCode(t, en.Secret, env.Clock.Now())})
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	var out struct {
		RecoveryCodes []string `json:"recovery_codes"`
		Login         struct {
			Status string `json:"status"`
		} `json:"login"`
	}
	require.NoError(t, json.Unmarshal([]byte(p.Body), &out))
	require.Len(t, out.RecoveryCodes, auth.RecoveryCodeCount)
	require.Equal(t, string(auth.LoginOK), out.Login.Status)
	status, _ := f.me(t, b)
	require.Equal(t, http.StatusOK, status)
	u, err := env.Store.GetUser(context.Background(), f.alice.ID)
	require.NoError(t, err)
	require.Equal(t, users.LoginSSO, u.LastLoginMethod)

	// An instance of the installation without the page fails closed: it
	// refuses the sign-in rather than skip the factor the account asked for.
	env2 := kittest.NewWithStore(t, env.Store)
	env2.Clock.Set(env.Clock.Now())
	b2 := newBrowser(env2)
	requireRefused(t, f.signIn(t, b2, respOpts{NameID: "alice@contoso.test"}, ""), http.StatusInternalServerError, sso.ReasonTwoFactorUnavailable)
	require.Equal(t, sso.ReasonTwoFactorUnavailable, lastSSOFailure(t, env, f.acc.ID).Details["reason"])
}

// TestSSO_LocalTwoFactorNeedsPage: an installation without a two-factor
// page cannot turn local_two_factor on (a clear 400, nothing saved), and
// NewService refuses an unsafe TwoFactorPath.
func TestSSO_LocalTwoFactorNeedsPage(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	f := newFixture(t, env)
	r := env.Do(t, http.MethodPut, f.path(), f.adminToken, map[string]any{"local_two_factor": true})
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
	require.Contains(t, string(r.Body), "local_two_factor")
	r = env.Do(t, http.MethodGet, f.path(), f.adminToken, nil)
	var view map[string]any
	r.JSON(t, &view)
	require.Equal(t, false, view["local_two_factor"])

	for _, bad := range []string{"https://evil.example/2fa", "//evil.example/2fa", "2fa", "/\\evil"} {
		_, err := kit.New(kit.Options{Store: env.Store, SSO: sso.Options{BaseURL: kittest.BaseURL, TwoFactorPath: bad}})
		require.Error(t, err, bad)
	}
}

// TestService_Enabled: a sign-in page may ask whether an account offers
// SSO; it needs no principal and says no for every other case alike.
func TestService_Enabled(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	f := newFixture(t, env)
	other := env.MainAccount(t, "fabrikam")
	for slug, want := range map[string]bool{"contoso": true, other.Slug: false, "nobody": false, "Bad Slug!": false} {
		got, err := env.Kit.SSO.Enabled(context.Background(), slug)
		require.NoError(t, err)
		assert.Equal(t, want, got, slug)
	}
	f.configure(t, map[string]any{"enabled": false}, http.StatusOK)
	got, err := env.Kit.SSO.Enabled(context.Background(), "contoso")
	require.NoError(t, err)
	assert.False(t, got, "a saved but disabled configuration")
}
