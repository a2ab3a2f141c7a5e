package kit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/storage/memory"
	"github.com/accountkit/accountkit/users"
)

// hostServer mounts env's kit on a host mux that already has "GET /" and
// host routes, behind the kit's Middleware.
func hostServer(t *testing.T, env *kittest.Env) *httptest.Server {
	t.Helper()
	k := env.Kit
	mux := http.NewServeMux()
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "host home") })
	who := func(w http.ResponseWriter, r *http.Request) {
		p := security.PrincipalFrom(r.Context())
		if p == nil {
			_, _ = io.WriteString(w, "anonymous")
			return
		}
		_, _ = io.WriteString(w, p.ActorName())
	}
	mux.HandleFunc("GET /who", who)
	mux.HandleFunc("POST /who", who)
	mux.Handle("GET /signed-in", k.RequireSignedIn(http.HandlerFunc(who)))
	mux.Handle("GET /users-admin", k.RequirePermission(security.PermUsersManage, http.HandlerFunc(who)))
	k.Register(mux)
	srv := httptest.NewServer(k.Middleware(mux))
	t.Cleanup(srv.Close)
	return srv
}

func call(t *testing.T, method, url, token string, cookies ...*http.Cookie) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

func problemCode(t *testing.T, body string) string {
	t.Helper()
	var p struct{ Code string }
	require.NoError(t, json.Unmarshal([]byte(body), &p), body)
	return p.Code
}

// TestKit_Register: the kit mounts beside a host's "GET /" without a
// registration panic, and each side keeps its own routes.
func TestKit_Register(t *testing.T) {
	env := kittest.New(t)
	srv := hostServer(t, env)
	_, body := call(t, "GET", srv.URL+"/", "")
	assert.Equal(t, "host home", body)
	resp, body := call(t, "GET", srv.URL+"/api/v1/auth/me", "")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, body)
	resp, body = call(t, "GET", srv.URL+"/login/saml/nobody/metadata", "")
	assert.NotEqual(t, "host home", body)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	// A bare prefix next to "GET /" is what panics; Mount never registers one.
	assert.Panics(t, func() {
		m := http.NewServeMux()
		m.HandleFunc("GET /", func(http.ResponseWriter, *http.Request) {})
		m.Handle("/api/v1/", env.Kit.Handler())
	})
	assert.Panics(t, func() { kit.Mount(http.NewServeMux(), "/account", env.Kit.Handler()) }, "prefix without trailing slash")
}

// TestKit_Middleware: host routes see the principal of a session (bearer
// or cookie), refuse bad credentials, and keep the CSRF check on
// cookie-authenticated mutations.
func TestKit_Middleware(t *testing.T) {
	env := kittest.New(t)
	acme := env.MainAccount(t, "acme")
	env.ActiveUser(t, acme, "ada", security.RoleAccountManager)
	env.ActiveUser(t, acme, "bob", security.RoleMember)
	ada := env.Login(t, "ada", kittest.Password)
	bob := env.Login(t, "bob", kittest.Password)
	srv := hostServer(t, env)

	_, body := call(t, "GET", srv.URL+"/who", "")
	assert.Equal(t, "anonymous", body, "no credentials: passes on without a principal")
	_, body = call(t, "GET", srv.URL+"/who", ada)
	assert.Equal(t, "ada", body)
	cookie := &http.Cookie{Name: auth.SessionCookie, Value: ada}
	_, body = call(t, "GET", srv.URL+"/who", "", cookie)
	assert.Equal(t, "ada", body)
	resp, body := call(t, "POST", srv.URL+"/who", "", cookie)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "cookie mutation without X-CSRF-Token")
	assert.Equal(t, "forbidden", problemCode(t, body))
	resp, body = call(t, "GET", srv.URL+"/who", "aks_expired-or-made-up")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, "unauthenticated", problemCode(t, body))

	resp, body = call(t, "GET", srv.URL+"/signed-in", "")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, "unauthenticated", problemCode(t, body))
	_, body = call(t, "GET", srv.URL+"/signed-in", bob)
	assert.Equal(t, "bob", body)

	resp, body = call(t, "GET", srv.URL+"/users-admin", bob)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Equal(t, "forbidden", problemCode(t, body))
	resp, _ = call(t, "GET", srv.URL+"/users-admin", "")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	_, body = call(t, "GET", srv.URL+"/users-admin", ada)
	assert.Equal(t, "ada", body)
	// The kit's own routes behind the Middleware still work.
	resp, body = call(t, "GET", srv.URL+"/api/v1/auth/me", ada)
	assert.Equal(t, http.StatusOK, resp.StatusCode, body)
}

// TestKit_MethodNotAllowed: a wrong method on an existing route answers
// 405 with Allow; an unknown path 404.
func TestKit_MethodNotAllowed(t *testing.T) {
	env := kittest.New(t)
	srv := httptest.NewServer(env.Kit.Handler())
	defer srv.Close()
	resp, body := call(t, "DELETE", srv.URL+"/api/v1/auth/me", "")
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, body)
	assert.Equal(t, "GET, HEAD", resp.Header.Get("Allow"))
	assert.Equal(t, "method_not_allowed", problemCode(t, body))
	resp, body = call(t, "PUT", srv.URL+"/api/v1/auth/login", "")
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, body)
	assert.Equal(t, "POST", resp.Header.Get("Allow"))
	resp, body = call(t, "GET", srv.URL+"/api/v1/no-such-thing", "")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, body)
	assert.Empty(t, resp.Header.Get("Allow"))
}

// TestKit_HoldsSeat: one call tells whether a user holds a seat, and
// /auth/me says it; another tenant's user is NotFound.
func TestKit_HoldsSeat(t *testing.T) {
	env := kittest.New(t)
	acme := env.MainAccount(t, "acme")
	other := env.MainAccount(t, "other")
	ada := env.ActiveUser(t, acme, "ada", security.RoleAccountManager)
	eve := env.ActiveUser(t, other, "eve", security.RoleAccountManager)
	adaCtx := env.UserCtx(t, ada)

	held, err := env.Kit.Seats.HoldsSeat(adaCtx, ada.ID)
	require.NoError(t, err)
	assert.False(t, held)
	token := env.Login(t, "ada", kittest.Password)
	var me map[string]any
	r := env.Do(t, "GET", "/api/v1/auth/me", token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &me)
	assert.Equal(t, false, me["seat"])

	_, err = env.Kit.Seats.SetPurchased(env.System(), acme.ID, 5)
	require.NoError(t, err)
	_, err = env.Kit.Seats.Assign(adaCtx, ada.ID)
	require.NoError(t, err)
	held, err = env.Kit.Seats.HoldsSeat(adaCtx, ada.ID)
	require.NoError(t, err)
	assert.True(t, held)
	r = env.Do(t, "GET", "/api/v1/auth/me", token, nil)
	r.JSON(t, &me)
	assert.Equal(t, true, me["seat"])

	_, err = env.Kit.Seats.HoldsSeat(env.UserCtx(t, eve), ada.ID)
	assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err), "another tree's user")
	bob := env.ActiveUser(t, acme, "bob", security.RoleMember)
	_, err = env.Kit.Seats.HoldsSeat(env.UserCtx(t, bob), ada.ID)
	assert.Equal(t, accountkit.Forbidden, accountkit.ErrorCode(err), "a member asking about another user")
	held, err = env.Kit.Seats.HoldsSeat(env.UserCtx(t, bob), bob.ID)
	require.NoError(t, err, "anyone may ask about themselves")
	assert.False(t, held)
	_, err = env.Kit.Seats.HoldsSeat(context.Background(), ada.ID)
	assert.Equal(t, accountkit.Unauthenticated, accountkit.ErrorCode(err))
}

// TestKit_Cookie: the session cookie's settings come from
// Options.Auth.Cookie, the API accepts the cookie under its configured
// name, and Development turns Secure off.
func TestKit_Cookie(t *testing.T) {
	login := func(t *testing.T, env *kittest.Env) *http.Cookie {
		t.Helper()
		acme := env.MainAccount(t, "acme")
		env.ActiveUser(t, acme, "ada", security.RoleAccountManager)
		resp, err := http.Post(env.Server.URL+"/api/v1/auth/login", "application/json",
			strings.NewReader(`{"username":"ada","password":"`+kittest.Password+`"}`))
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Len(t, resp.Cookies(), 1)
		return resp.Cookies()[0]
	}
	t.Run("Default", func(t *testing.T) {
		c := login(t, kittest.New(t))
		assert.Equal(t, auth.SessionCookie, c.Name)
		assert.Equal(t, "/", c.Path)
		assert.True(t, c.Secure)
		assert.True(t, c.HttpOnly)
		assert.Equal(t, http.SameSiteLaxMode, c.SameSite)
	})
	t.Run("Configured", func(t *testing.T) {
		env := kittest.NewWithStore(t, memory.New(), func(o *kit.Options) {
			o.Auth.Cookie = auth.Cookie{Name: "app_session", Path: "/app", Domain: "app.test", SameSite: http.SameSiteStrictMode}
		})
		c := login(t, env)
		assert.Equal(t, "app_session", c.Name)
		assert.Equal(t, "/app", c.Path)
		assert.Equal(t, "app.test", c.Domain)
		assert.Equal(t, http.SameSiteStrictMode, c.SameSite)
		assert.True(t, c.Secure)
		// The API reads the session from the configured name only (the
		// raw handler: the OpenAPI document names the default cookie).
		raw := httptest.NewServer(env.Kit.Handler())
		defer raw.Close()
		resp, body := call(t, "GET", raw.URL+"/api/v1/auth/me", "", &http.Cookie{Name: "app_session", Value: c.Value})
		assert.Equal(t, http.StatusOK, resp.StatusCode, body)
		resp, _ = call(t, "GET", raw.URL+"/api/v1/auth/me", "", &http.Cookie{Name: auth.SessionCookie, Value: c.Value})
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	})
	t.Run("Development", func(t *testing.T) {
		c := login(t, kittest.NewWithStore(t, memory.New(), func(o *kit.Options) { o.Development = true }))
		assert.False(t, c.Secure, "plain HTTP development hosts keep the session")
		assert.True(t, c.HttpOnly)
	})
	for name, c := range map[string]auth.Cookie{
		"ErrName":                 {Name: "bad name;"},
		"ErrPath":                 {Path: "app"},
		"ErrDomain":               {Domain: "evil.test; Path=/"},
		"ErrSameSiteNoneInsecure": {SameSite: http.SameSiteNoneMode, Insecure: true},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := kit.New(kit.Options{Store: memory.New(), Auth: auth.Options{Cookie: c}})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "Options.Cookie.")
		})
	}
}

// TestNew_Modes: Development and Production refuse each other, Production
// needs a Mailer, and Development logs emails with their links.
func TestNew_Modes(t *testing.T) {
	mail := &kittest.Outbox{}
	_, err := kit.New(kit.Options{Store: memory.New(), Development: true, Auth: auth.Options{Production: true}})
	require.ErrorContains(t, err, "Development is refused in production")
	_, err = kit.New(kit.Options{Store: memory.New(), Auth: auth.Options{Production: true, TOTPKey: kittest.TOTPKey}})
	require.ErrorContains(t, err, "Users.Mailer is required in production")
	_, err = kit.New(kit.Options{Store: memory.New(), Auth: auth.Options{Production: true, Cookie: auth.Cookie{Insecure: true}},
		Users: users.Options{Mailer: mail}})
	require.ErrorContains(t, err, "Insecure is refused in production")
	_, err = kit.New(kit.Options{Store: memory.New(), Auth: auth.Options{Production: true}, Users: users.Options{Mailer: mail}})
	require.NoError(t, err)

	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	k, err := kit.New(kit.Options{Store: memory.New(), Development: true, Logger: logger,
		Users: users.Options{LinkBaseURL: "http://dev.test/account"},
		Auth:  auth.Options{Hasher: security.NewPasswordHasher(kittest.CheapArgon2, 0)}})
	require.NoError(t, err)
	defer k.Close()
	sys := security.AsSystem(context.Background())
	acme, err := k.Accounts.CreateMain(sys, account.CreateInput{Name: "Acme", Slug: "acme"})
	require.NoError(t, err)
	_, err = k.Users.Create(sys, users.CreateInput{AccountID: acme.ID, Username: "jane", Email: "jane@acme.test",
		Roles: []string{security.RoleMember}})
	require.NoError(t, err, "the development mailer sends the invitation")
	k.Close()
	assert.Contains(t, logs.String(), "development mailer")
	assert.Contains(t, logs.String(), `url="http://dev.test/account/accept-invitation?token=`)
}

// TestKit_CORS: configured origins get CORS headers and a 204 preflight;
// other origins get none; a malformed origin is refused by New.
func TestKit_CORS(t *testing.T) {
	env := kittest.NewWithStore(t, memory.New(), func(o *kit.Options) { o.CORSOrigins = []string{"https://app.test"} })
	srv := httptest.NewServer(env.Kit.Handler())
	defer srv.Close()
	preflight := func(origin string) *http.Response {
		req, err := http.NewRequest(http.MethodOptions, srv.URL+"/api/v1/users", nil)
		require.NoError(t, err)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	resp := preflight("https://app.test")
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	assert.Equal(t, "https://app.test", resp.Header.Get("Access-Control-Allow-Origin"))
	assert.Equal(t, "true", resp.Header.Get("Access-Control-Allow-Credentials"))
	assert.Contains(t, resp.Header.Get("Access-Control-Allow-Headers"), "X-CSRF-Token")
	resp = preflight("https://evil.test")
	assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)

	req, err := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/auth/me", nil)
	require.NoError(t, err)
	req.Header.Set("Origin", "https://app.test")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "https://app.test", resp.Header.Get("Access-Control-Allow-Origin"))
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	for _, bad := range []string{"*", "app.test", "https://app.test/", "https://"} {
		_, err := kit.New(kit.Options{Store: memory.New(), CORSOrigins: []string{bad}})
		assert.ErrorContains(t, err, "Options.CORSOrigins", bad)
	}
}

// TestNew_LinksLeadToPages: without Users.LinkBaseURL the emailed links
// lead to the web pages at their default path under SSO.BaseURL; a host's
// own LinkBaseURL wins.
func TestNew_LinksLeadToPages(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ link, want string }{
		{"", "https://app.test/account/accept-invitation?token="},
		{"https://pages.example/me", "https://pages.example/me/accept-invitation?token="},
	} {
		env := kittest.NewWithStore(t, memory.New(), func(o *kit.Options) { o.Users.LinkBaseURL = c.link })
		acc := env.MainAccount(t, "acme")
		_, err := env.Kit.Users.Create(env.System(), users.CreateInput{AccountID: acc.ID, Username: "ivy", Email: "ivy@acme.test"})
		require.NoError(t, err)
		m := env.Mail.Last(t, "ivy@acme.test", users.MailInvitation)
		assert.True(t, strings.HasPrefix(m.URL, c.want), "%q: %s", c.link, m.URL)
	}
}
