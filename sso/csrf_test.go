package sso_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/internal/kittest"
)

// csrfCall makes a cookie-authenticated request with the session cookie
// only (and the CSRF header when csrf is not empty).
func csrfCall(t *testing.T, env *kittest.Env, method, path, session, csrf string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, env.Server.URL+path, strings.NewReader("{}"))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: session})
	if csrf != "" {
		req.Header.Set(auth.CSRFHeader, csrf)
	}
	resp, err := env.Server.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, body
}

// csrfOf reads the session's CSRF token from GET /api/v1/auth/me, and
// checks the answer is never cached.
func csrfOf(t *testing.T, env *kittest.Env, session string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, env.Server.URL+"/api/v1/auth/me", nil)
	require.NoError(t, err)
	req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: session})
	resp, err := env.Server.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	var me struct {
		CSRFToken string `json:"csrf_token"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&me))
	require.NotEmpty(t, me.CSRFToken, "a cookie session is told its CSRF token")
	return me.CSRFToken
}

// TestCSRF_EverySession: a session started by single sign-on can make
// cookie-authenticated changes once it reads its CSRF token from
// /api/v1/auth/me, exactly like a password session; without the token, or
// with another session's, the change is refused; logout works.
func TestCSRF_EverySession(t *testing.T) {
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := kittest.NewWithStore(t, open(t))
			f := newFixture(t, env)

			b := newBrowser(env)
			p := f.signIn(t, b, respOpts{NameID: "alice@contoso.test"}, "")
			require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
			ssoSession := b.cookies[auth.SessionCookie]
			require.NotEmpty(t, ssoSession)

			// Password sign-in, in an account without SSO: the session token
			// is also the cookie's value.
			env.ActiveUser(t, env.MainAccount(t, "fabrikam"), "bob")
			pwSession := env.Login(t, "bob", kittest.Password)

			tokens := map[string]string{ssoSession: csrfOf(t, env, ssoSession), pwSession: csrfOf(t, env, pwSession)}
			assert.NotEqual(t, tokens[ssoSession], tokens[pwSession])
			for _, c := range []struct{ who, session, other string }{{"sso", ssoSession, pwSession}, {"password", pwSession, ssoSession}} {
				who, session, csrf, other := c.who, c.session, tokens[c.session], tokens[c.other]
				const change = "/api/v1/notifications/read" // mark all read: a harmless mutation
				status, body := csrfCall(t, env, http.MethodPost, change, session, "")
				assert.Equal(t, http.StatusForbidden, status, "%s: no token: %s", who, body)
				status, body = csrfCall(t, env, http.MethodPost, change, session, other)
				assert.Equal(t, http.StatusForbidden, status, "%s: another session's token: %s", who, body)
				status, body = csrfCall(t, env, http.MethodPost, change, session, csrf)
				assert.Equal(t, http.StatusOK, status, "%s: its own token: %s", who, body)
				status, _ = csrfCall(t, env, http.MethodPost, "/api/v1/auth/logout", session, "")
				assert.Equal(t, http.StatusForbidden, status, "%s: logout needs the token too", who)
				status, body = csrfCall(t, env, http.MethodPost, "/api/v1/auth/logout", session, csrf)
				assert.Equal(t, http.StatusNoContent, status, "%s: logout: %s", who, body)
				status, _ = csrfCall(t, env, http.MethodGet, "/api/v1/auth/me", session, "")
				assert.Equal(t, http.StatusUnauthorized, status, "%s: signed out", who)
			}
		})
	}
}
