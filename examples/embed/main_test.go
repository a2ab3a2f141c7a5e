package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/internal/dbtest"
)

const testPassword = "correct horse battery staple"

// dsns are the stores the example runs on: memory always, PostgreSQL and
// MariaDB when their test DSNs are set (see internal/dbtest; required
// under CI=true). Each DSN names a fresh schema or database.
func dsns(t *testing.T) map[string]func(t *testing.T) string {
	out := map[string]func(t *testing.T) string{"memory": func(*testing.T) string { return "" }}
	if os.Getenv(dbtest.PostgresEnv) != "" || os.Getenv("CI") == "true" {
		out["postgres"] = func(t *testing.T) string { return dbtest.FreshPostgres(t) }
	} else {
		t.Logf("PostgreSQL not tested: %s is not set", dbtest.PostgresEnv)
		dbtest.NotTested(dbtest.PostgresEnv)
	}
	if os.Getenv(dbtest.MySQLEnv) != "" || os.Getenv("CI") == "true" {
		out["mysql"] = func(t *testing.T) string { return dbtest.FreshMySQL(t) }
	} else {
		t.Logf("MariaDB not tested: %s is not set", dbtest.MySQLEnv)
		dbtest.NotTested(dbtest.MySQLEnv)
	}
	return out
}

// start is one start of the host: open the store by DSN, wire it,
// bootstrap. It returns the server and whether bootstrap created the
// manager.
func start(t *testing.T, dsn string) (*httptest.Server, bool) {
	t.Helper()
	ctx := context.Background()
	store, err := openStore(ctx, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	k, handler, err := newHost(store, "http://127.0.0.1", true)
	require.NoError(t, err)
	t.Cleanup(k.Close)
	created, err := bootstrap(ctx, k, testPassword)
	require.NoError(t, err)
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return srv, created
}

// TestEmbed is the "done when": the host starts twice on the same
// store (the second start finds the account and the manager and changes
// nothing), the manager signs in, and calls the host's own route as the
// signed-in user — with a bearer token and with the session cookie.
func TestEmbed(t *testing.T) {
	for name, dsn := range dsns(t) {
		t.Run(name, func(t *testing.T) {
			d := dsn(t)
			srv, created := start(t, d)
			require.True(t, created, "the first start creates the manager")
			if d != "" { // memory: a second start is a new store
				srv, created = start(t, d)
				assert.False(t, created, "the second start finds the manager")
			}
			signIn(t, srv)
		})
	}
}

func signIn(t *testing.T, srv *httptest.Server) {
	t.Helper()
	// The host's own "GET /" lives beside accountkit.
	code, body := get(t, srv.Client(), srv.URL+"/", "")
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, "Welcome to the host application")

	// A host route for signed-in users refuses anonymous requests.
	code, body = get(t, srv.Client(), srv.URL+"/hello", "")
	assert.Equal(t, http.StatusUnauthorized, code, body)
	code, _ = get(t, srv.Client(), srv.URL+"/hello", "aks_not-a-session-token")
	assert.Equal(t, http.StatusUnauthorized, code)

	// Sign in through the API; the browser's jar keeps the session cookie.
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	browser := &http.Client{Jar: jar}
	resp, err := browser.Post(srv.URL+"/api/v1/auth/login", "application/json",
		strings.NewReader(`{"username":"admin","password":"`+testPassword+`"}`))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var login struct{ Token string }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&login))
	require.NotEmpty(t, login.Token)

	code, body = get(t, srv.Client(), srv.URL+"/hello", login.Token)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "Hello, admin.\n", body, "the host route sees the signed-in user (bearer)")
	code, body = get(t, browser, srv.URL+"/hello", "")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "Hello, admin.\n", body, "the host route sees the signed-in user (cookie, plain HTTP in development)")

	// accountkit's own routes and pages answer under their prefixes.
	code, body = get(t, srv.Client(), srv.URL+"/api/v1/auth/me", login.Token)
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, `"username":"admin"`)
	code, _ = get(t, srv.Client(), srv.URL+"/account/sign-in", "")
	assert.Equal(t, http.StatusOK, code)
	code, body = get(t, srv.Client(), srv.URL+"/login/saml/acme/metadata", "")
	assert.NotEqual(t, http.StatusOK, code, "no SSO configured")
	assert.NotContains(t, body, "Welcome to the host application", "SAML routes reach accountkit, not the host's GET /")
}

func get(t *testing.T, c *http.Client, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// TestReadmeSnippet keeps the README's embedding code identical to this
// program's marked region: README.md between <!-- embed:start --> and
// <!-- embed:end --> when it has those markers, else docs/embedding.md.
func TestReadmeSnippet(t *testing.T) {
	src, err := os.ReadFile("main.go")
	require.NoError(t, err)
	want := between(t, string(src), "// embed:start\n", "// embed:end\n")

	doc := "../../README.md"
	b, err := os.ReadFile(doc)
	require.NoError(t, err)
	if !strings.Contains(string(b), "<!-- embed:start -->") {
		doc = "../../docs/embedding.md"
		b, err = os.ReadFile(doc)
		require.NoError(t, err)
	}
	region := between(t, string(b), "<!-- embed:start -->\n", "<!-- embed:end -->")
	region = strings.TrimSpace(region)
	require.True(t, strings.HasPrefix(region, "```go\n") && strings.HasSuffix(region, "\n```"),
		"%s: the region holds one ```go block", doc)
	got := strings.TrimSuffix(strings.TrimPrefix(region, "```go\n"), "```")
	assert.Equal(t, strings.TrimSpace(want), strings.TrimSpace(got),
		"%s's embedding snippet differs from examples/embed/main.go's embed:start..embed:end region", doc)
}

func between(t *testing.T, s, start, end string) string {
	t.Helper()
	i := strings.Index(s, start)
	require.GreaterOrEqual(t, i, 0, "marker %q missing", start)
	rest := s[i+len(start):]
	j := strings.Index(rest, end)
	require.GreaterOrEqual(t, j, 0, "marker %q missing", end)
	return rest[:j]
}
