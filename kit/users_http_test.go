package kit_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/users"
)

// TestHTTP_UserLifecycle walks a user's life through HTTP on every store:
// invite → set password → sign in → disable → refused → enable → lock by
// failures → unlock → reset → sign in.
func TestHTTP_UserLifecycle(t *testing.T) {
	t.Parallel()
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := kittest.NewWithStore(t, open(t))
			main := env.MainAccount(t, "acme")
			env.ActiveUser(t, main, "boss", security.RoleAccountManager)
			admin := env.Login(t, "boss", kittest.Password)

			// Invite.
			r := env.Do(t, "POST", "/api/v1/users", admin, map[string]any{"username": "Nina", "first_name": "Nina",
				"last_name": "Ng", "email": "nina@example.com", "roles": []string{"member"}})
			require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
			var nina map[string]any
			r.JSON(t, &nina)
			id := nina["id"].(string)
			assert.Equal(t, "invited", nina["status"])
			assert.NotContains(t, string(r.Body), "argon2")
			assert.NotContains(t, string(r.Body), "password_hash")

			// Set the password through the emailed link.
			link := env.Mail.Last(t, "nina@example.com", users.MailInvitation)
			r = env.Do(t, "POST", "/api/v1/auth/invitation/accept", "", map[string]string{"token": link.Token, "password": "short"})
			assert.Equal(t, http.StatusBadRequest, r.Status)
			r = env.Do(t, "POST", "/api/v1/auth/invitation/accept", "", map[string]string{"token": link.Token, "password": "nina-pass-2026"})
			require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))

			// Sign in.
			login := func(pw string) *kittest.Response {
				return env.Do(t, "POST", "/api/v1/auth/login", "", map[string]string{"username": "nina", "password": pw})
			}
			r = login("nina-pass-2026")
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			var res map[string]any
			r.JSON(t, &res)
			token := res["token"].(string)
			cookie := r.Header.Get("Set-Cookie")
			assert.Contains(t, cookie, "HttpOnly")
			assert.Contains(t, cookie, "Secure")
			assert.Contains(t, cookie, "SameSite=Lax")
			r = env.Do(t, "GET", "/api/v1/auth/me", token, nil)
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			assert.Contains(t, string(r.Body), `"username":"nina"`)

			// Disable: the session ends and sign-in is refused like any failure.
			r = env.Do(t, "POST", "/api/v1/users/"+id+"/disable", admin, nil)
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			assert.Equal(t, http.StatusUnauthorized, env.Do(t, "GET", "/api/v1/auth/me", token, nil).Status)
			r = login("nina-pass-2026")
			assert.Equal(t, http.StatusUnauthorized, r.Status)
			unknown := login("whatever-else")
			assert.Equal(t, r.Problem(t)["detail"], unknown.Problem(t)["detail"], "no enumeration")

			// Enable, then lock by five wrong passwords.
			require.Equal(t, http.StatusOK, env.Do(t, "POST", "/api/v1/users/"+id+"/enable", admin, nil).Status)
			require.Equal(t, http.StatusOK, login("nina-pass-2026").Status)
			for i := 0; i < 5; i++ {
				assert.Equal(t, http.StatusUnauthorized, login("wrong-pass").Status)
			}
			assert.Equal(t, http.StatusUnauthorized, login("nina-pass-2026").Status, "locked")
			r = env.Do(t, "GET", "/api/v1/users/"+id, admin, nil)
			assert.Contains(t, string(r.Body), `"locked":true`)

			// Unlock: a reset link arrives; reset; sign in with the new password.
			require.Equal(t, http.StatusOK, env.Do(t, "POST", "/api/v1/users/"+id+"/unlock", admin, nil).Status)
			reset := env.Mail.Last(t, "nina@example.com", users.MailPasswordReset)
			r = env.Do(t, "POST", "/api/v1/auth/password/reset", "", map[string]string{"token": reset.Token, "password": "nina-new-2027"})
			require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
			assert.Equal(t, http.StatusBadRequest, env.Do(t, "POST", "/api/v1/auth/password/reset", "", map[string]string{"token": reset.Token, "password": "nina-new-2028"}).Status)
			assert.Equal(t, http.StatusOK, login("nina-new-2027").Status)
			assert.Equal(t, http.StatusAccepted, env.Do(t, "POST", "/api/v1/auth/password/forgot", "", map[string]string{"username": "nobody"}).Status)
			r = env.Do(t, "POST", "/api/v1/auth/password/forgot", "", map[string]string{"username": " "})
			assert.Equal(t, http.StatusBadRequest, r.Status, "a missing username is bad input")
			assert.Equal(t, "username", r.Problem(t)["fields"].([]any)[0].(map[string]any)["field"])

			// The audit log tells the story.
			r = env.Do(t, "GET", "/api/v1/audit/events?limit=200", admin, nil)
			require.Equal(t, http.StatusOK, r.Status)
			for _, want := range []string{"User created.", "Email with password sent to user.", "User accepted.", "User disabled.",
				"User enabled.", "User locked.", "User unlocked.", "Password for user restored.", "User login failed."} {
				assert.Contains(t, string(r.Body), want)
			}
			assert.NotContains(t, string(r.Body), link.Token)
			assert.NotContains(t, string(r.Body), reset.Token)
		})
	}
}

// TestHTTP_CookieCSRF: a browser session (cookie) must send the CSRF token
// on mutations; reads need none.
func TestHTTP_CookieCSRF(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	main := env.MainAccount(t, "acme")
	env.ActiveUser(t, main, "boss", security.RoleAccountManager)
	r := env.Do(t, "POST", "/api/v1/auth/login", "", map[string]string{"username": "boss", "password": kittest.Password})
	require.Equal(t, http.StatusOK, r.Status)
	var res map[string]any
	r.JSON(t, &res)
	token, csrf := res["token"].(string), res["csrf_token"].(string)

	send := func(method, path, csrfHeader string) int {
		req, err := http.NewRequest(method, env.Server.URL+path, strings.NewReader(`{"name":"Sub","slug":"acme-sub"}`))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: token})
		if csrfHeader != "" {
			req.Header.Set(auth.CSRFHeader, csrfHeader)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, http.StatusOK, send("GET", "/api/v1/auth/me", ""))
	assert.Equal(t, http.StatusForbidden, send("POST", "/api/v1/accounts/"+main.ID+"/subaccounts", ""))
	assert.Equal(t, http.StatusForbidden, send("POST", "/api/v1/accounts/"+main.ID+"/subaccounts", "forged"))
	assert.Equal(t, http.StatusCreated, send("POST", "/api/v1/accounts/"+main.ID+"/subaccounts", csrf))
}
