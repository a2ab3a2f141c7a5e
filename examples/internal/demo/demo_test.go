package demo_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/examples/internal/demo"
	"github.com/accountkit/accountkit/storage/memory"
)

// TestSetup signs in as the printed administrator and calls the API, as the
// README tells a newcomer to do.
func TestSetup(t *testing.T) {
	var out strings.Builder
	inst, err := demo.Setup(context.Background(), memory.New(), "127.0.0.1:8080", &out)
	require.NoError(t, err)
	srv := httptest.NewServer(inst.Kit.Handler())
	defer srv.Close()

	token := signInAdmin(t, srv.URL, inst.Password)

	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/users", strings.NewReader(`{"username":"jane","email":"jane@acme.example","roles":["member"]}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp2, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp2.Body.Close()
	assert.Equal(t, http.StatusCreated, resp2.StatusCode)
	assert.Contains(t, out.String(), "to=jane@acme.example")
	const link = `url="http://127.0.0.1:8080/account/accept-invitation?token=`
	require.Contains(t, out.String(), link)
	// The printed link works: the page answers on the quickstart's handler.
	rest := out.String()[strings.Index(out.String(), link)+len(`url="http://127.0.0.1:8080`):]
	path := rest[:strings.IndexByte(rest, '"')]
	site := httptest.NewServer(inst.Handler)
	defer site.Close()
	resp3, err := http.Get(site.URL + path)
	require.NoError(t, err)
	resp3.Body.Close()
	assert.Equal(t, http.StatusOK, resp3.StatusCode, path)

	// The sample data: a team, seats with one held, a notification, an
	// invited user.
	get := func(path string) string {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	assert.Contains(t, get("/api/v1/teams"), `"name":"Support"`)
	assert.Contains(t, get("/api/v1/seats"), `"purchased":12`)
	assert.Contains(t, get("/api/v1/notifications"), "Welcome to accountkit")
	assert.Contains(t, out.String(), "to=sam@acme.example")
}

// TestSetup_Pages: the quickstart serves the sign-in page, and the
// administrator signs in there over plain HTTP.
func TestSetup_Pages(t *testing.T) {
	var out strings.Builder
	inst, err := demo.Setup(context.Background(), memory.New(), "127.0.0.1:8080", &out)
	require.NoError(t, err)
	srv := httptest.NewServer(inst.Handler)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/account/sign-in")
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	for _, c := range resp.Cookies() {
		assert.False(t, c.Secure, "development cookies work on http://127.0.0.1")
	}
}

// TestSetup_Console: the administrator's session opens the console, whose
// Users & Teams page shows the sample data (the invited sam, the team
// Support).
func TestSetup_Console(t *testing.T) {
	get, _ := adminConsole(t)
	status, body := get("/account/console/users")
	require.Equal(t, http.StatusOK, status, body)
	assert.Contains(t, body, "Sam Sample")
	assert.Contains(t, body, "Support")
}

// signInAdmin signs the quickstart's admin in through the API at url and
// returns the session token.
func signInAdmin(t *testing.T, url, password string) string {
	t.Helper()
	resp, err := http.Post(url+"/api/v1/auth/login", "application/json",
		strings.NewReader(`{"username":"admin","password":"`+password+`"}`))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var login struct{ Token string }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&login))
	return login.Token
}
