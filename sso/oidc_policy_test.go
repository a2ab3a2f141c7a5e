package sso_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/sso"
	"github.com/accountkit/accountkit/users"
)

// TestOIDC_Enforcement: an account whose only SSO connection is OIDC
// refuses passwords exactly as one with SAML does, except for the
// break-glass Account Manager (named in the account's SSO configuration,
// audited); with both connections enabled, turning either off keeps the
// enforcement until the other goes too. Written from the attack: a user
// of an OIDC-only account signing in with a password the provider no
// longer vouches for.
func TestOIDC_Enforcement(t *testing.T) {
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := kittest.NewWithStore(t, open(t))
			f := newOIDCFixture(t, env)
			acc, err := env.Store.GetAccount(context.Background(), f.accID)
			require.NoError(t, err)
			admin, err := env.Store.GetUserByUsername(context.Background(), "admin")
			require.NoError(t, err)
			login := func(user string) *kittest.Response {
				return env.TryLogin(t, user, kittest.Password)
			}
			oidcURL := kittest.BaseURL + "/login/oidc/contoso/"

			// OIDC only: the password is refused, with the way in.
			r := login("alice")
			require.Equal(t, http.StatusForbidden, r.Status, string(r.Body))
			require.Contains(t, r.Problem(t)["detail"], oidcURL)
			require.Empty(t, r.Header.Values("Set-Cookie"))
			require.Equal(t, "password sign-in not allowed", env.LastEvent(t, f.accID).Details["reason"])
			// A wrong password still gets the generic answer.
			r = env.TryLogin(t, "alice", "wrong-password-123")
			require.Equal(t, http.StatusUnauthorized, r.Status)
			require.NotContains(t, string(r.Body), "single sign-on")
			// No reset link is sent either.
			require.NoError(t, env.Kit.Auth.ForgotPassword(context.Background(), "alice"))
			env.Kit.Auth.Wait()
			require.Zero(t, env.Mail.Count(f.alice.Email, users.MailPasswordReset))

			// The admin too, and the connection warns of it, until the
			// account names a break-glass Account Manager (in its SSO
			// configuration, which need not enable SAML).
			require.Equal(t, http.StatusForbidden, login("admin").Status)
			view := f.configure(t, map[string]any{}, http.StatusOK)
			require.Len(t, view["warnings"], 1)
			r = env.Do(t, http.MethodPut, "/api/v1/accounts/"+f.accID+"/sso", f.adminToken, map[string]any{"break_glass_user_id": admin.ID})
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			view = f.configure(t, map[string]any{}, http.StatusOK)
			require.Empty(t, view["warnings"])
			require.Equal(t, http.StatusOK, login("admin").Status)
			ev := env.LastEvent(t, f.accID)
			var used bool
			for _, e := range env.Events(t, f.accID) {
				used = used || e.Description == "SSO break-glass password use."
			}
			require.True(t, used, "break-glass use is audited")
			require.NotEqual(t, "password sign-in not allowed", ev.Details["reason"])
			require.Equal(t, http.StatusForbidden, login("alice").Status, "break-glass is one user")

			// SAML and OIDC both enabled: SAML's route is named.
			env.EnableSSO(t, acc, sso.Update{})
			r = login("alice")
			require.Equal(t, http.StatusForbidden, r.Status)
			require.Contains(t, r.Problem(t)["detail"], kittest.BaseURL+"/login/saml/contoso/")
			require.Equal(t, http.StatusOK, login("admin").Status)

			// SAML off, OIDC still on: still enforced.
			off := false
			_, err = env.Kit.SSO.Update(env.System(), f.accID, sso.Update{Enabled: &off})
			require.NoError(t, err)
			r = login("alice")
			require.Equal(t, http.StatusForbidden, r.Status)
			require.Contains(t, r.Problem(t)["detail"], oidcURL)

			// Both off: passwords are back.
			f.configure(t, map[string]any{"enabled": false}, http.StatusOK)
			require.Equal(t, http.StatusOK, login("alice").Status)

			// And SAML alone enforces as before, OIDC disabled.
			_, err = env.Kit.SSO.Update(env.System(), f.accID, sso.Update{Enabled: ptr(true)})
			require.NoError(t, err)
			require.Equal(t, http.StatusForbidden, login("alice").Status)
		})
	}
}

// TestService_Enforcement: the one decision, for each combination of
// connections.
func TestService_Enforcement(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	f := newOIDCFixture(t, env)
	acc, err := env.Store.GetAccount(context.Background(), f.accID)
	require.NoError(t, err)
	other := env.MainAccount(t, "fabrikam")

	e, err := env.Kit.SSO.Enforcement(context.Background(), other.ID)
	require.NoError(t, err)
	require.Equal(t, &sso.Enforcement{}, e, "no connection: nothing enforced")

	e, err = env.Kit.SSO.Enforcement(context.Background(), f.accID)
	require.NoError(t, err)
	require.Equal(t, &sso.Enforcement{Enforced: true, InitiationURL: kittest.BaseURL + "/login/oidc/contoso/"}, e)

	env.EnableSSO(t, acc, sso.Update{})
	e, err = env.Kit.SSO.Enforcement(context.Background(), f.accID)
	require.NoError(t, err)
	require.Equal(t, &sso.Enforcement{Enforced: true, InitiationURL: kittest.BaseURL + "/login/saml/contoso/"}, e)

	f.configure(t, map[string]any{"enabled": false}, http.StatusOK)
	e, err = env.Kit.SSO.Enforcement(context.Background(), f.accID)
	require.NoError(t, err)
	require.True(t, e.Enforced, "SAML alone")
}

// TestOIDC_LocalTwoFactor: the local TOTP option of an OIDC connection
// works as SAML's, through the shared completion path: off by default
// (the provider's word is enough); on, a user with TOTP stops at the
// second-factor step with no session, and the code completes the sign-in
// with the sso method.
func TestOIDC_LocalTwoFactor(t *testing.T) {
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := kittest.NewWithStore(t, open(t), withTwoFactorPage)
			f := newOIDCFixture(t, env)
			secret := enrollTOTP(t, env, f.alice)
			_, err := env.Kit.Accounts.UpdateSecuritySettings(env.System(), f.accID,
				account.SecurityUpdate{TwoFactorRequired: ptr(true)})
			require.NoError(t, err)

			b := newBrowser(env)
			p := f.signIn(t, b, "/inbox")
			require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
			require.Equal(t, "/inbox", p.Location)
			require.NotEmpty(t, b.cookies[auth.SessionCookie])

			view := f.configure(t, map[string]any{"local_two_factor": true}, http.StatusOK)
			require.Equal(t, true, view["local_two_factor"])
			require.Contains(t, env.LastEvent(t, f.accID).Details["changed"], "oidc.local_two_factor")

			b = newBrowser(env)
			p = f.signIn(t, b, "/inbox")
			requireTwoFactorStep(t, b, p, auth.LoginTwoFactorRequired, "/inbox")
			status, _ := (&fixture{env: env}).me(t, b)
			require.Equal(t, http.StatusUnauthorized, status, "no session before the code")
			require.Equal(t, "User authenticated by single sign-on: two-factor code required.", env.LastEvent(t, f.accID).Description)

			p = b.postJSON(t, "/api/v1/auth/2fa/verify", map[string]string{"code": totpCode(t, secret, env.Clock.Now())})
			require.Equal(t, http.StatusOK, p.Status, p.Body)
			var res map[string]any
			require.NoError(t, json.Unmarshal([]byte(p.Body), &res))
			require.Equal(t, string(auth.LoginOK), res["status"])
			require.NotEmpty(t, b.cookies[auth.SessionCookie])
			u, err := env.Store.GetUser(context.Background(), f.alice.ID)
			require.NoError(t, err)
			require.Equal(t, users.LoginSSO, u.LastLoginMethod)

			// A user without TOTP in an account that requires it enrolls.
			env.Clock.Advance(time.Minute)
			acc, err := env.Store.GetAccount(context.Background(), f.accID)
			require.NoError(t, err)
			env.ActiveUser(t, acc, "carol")
			f.idp.SetClaims(map[string]any{"sub": "carol-sub", "email": "carol@contoso.test", "email_verified": true})
			b = newBrowser(env)
			p = f.signIn(t, b, "")
			requireTwoFactorStep(t, b, p, auth.LoginTwoFactorEnrollmentRequired, "")
		})
	}
}

// TestOIDC_LocalTwoFactorNeedsPage: without the host's two-factor page the
// option cannot be turned on, and changes nothing.
func TestOIDC_LocalTwoFactorNeedsPage(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	f := newOIDCFixture(t, env)
	before, err := env.Store.GetOIDCConfig(context.Background(), f.accID)
	require.NoError(t, err)
	out := f.configure(t, map[string]any{"local_two_factor": true}, http.StatusBadRequest)
	require.Contains(t, out["fields"].([]any)[0].(map[string]any)["field"], "local_two_factor")
	after, err := env.Store.GetOIDCConfig(context.Background(), f.accID)
	require.NoError(t, err)
	require.Equal(t, before, after)
}
