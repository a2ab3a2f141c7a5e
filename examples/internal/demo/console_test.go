package demo_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/examples/internal/demo"
	"github.com/accountkit/accountkit/storage/memory"
)

// consoleSamples is, for each console page of the navigation, sample data
// it must show: a row the newcomer finds there.
var consoleSamples = map[string][]string{
	"/account/console/users":         {"Lea Lopez", "Support agent", "Sales EMEA", "Disabled", "Invited"},
	"/account/console/teams":         {"Engineering", "Sales EMEA", "Support"},
	"/account/console/roles":         {"Support agent"},
	"/account/console/seats":         {`id="seats-warning"`, "Acme Support"},
	"/account/console/notifications": {"Welcome to accountkit", "Invoice for November available"},
	"/account/console/security":      {`name="max_login_attempts"`},
	"/account/console/api-keys":      {"reporting"},
	"/account/console/audit":         {"User created.", "Seat assigned.", "API key generated (name, valid from)."},
	"/account/console/accounts":      {"Acme Support EU", "Acme Sales"},
	"/account/console/sso":           {demo.SampleIdPEntityID, "Acme sample IdP"},
	"/account/console/customization": {demo.CustomHostname},
}

var navLink = regexp.MustCompile(`href="(/account/console/[a-z-]+)"`)

// TestSetup_ConsolePages: the newcomer signed in as admin finds every
// console page of the navigation answering 200 with the sample data in
// it — every page of consoleSamples is in the navigation, and a page the
// navigation has but consoleSamples does not know must still show a
// table row. The sample data costs little startup time.
func TestSetup_ConsolePages(t *testing.T) {
	get, printed := adminConsole(t)
	status, home := get("/account/console/users")
	require.Equal(t, http.StatusOK, status, home)
	nav := home[strings.Index(home, `<nav class="side"`):]
	nav = nav[:strings.Index(nav, "</nav>")]
	pages := map[string]bool{}
	for _, m := range navLink.FindAllStringSubmatch(nav, -1) {
		pages[m[1]] = true
	}
	for path := range consoleSamples {
		assert.True(t, pages[path], "%s is in the administrator's navigation", path)
	}
	for path := range pages {
		status, body := get(path)
		require.Equal(t, http.StatusOK, status, path)
		want, known := consoleSamples[path]
		if !known {
			assert.Regexp(t, `(?s)<tbody>\s*<tr`, body, "%s shows a row", path)
			continue
		}
		for _, s := range want {
			assert.Contains(t, body, s, path)
		}
	}
	// The SSO configuration of Acme is filled in but off: admin signed in
	// with a password above.
	assert.NotContains(t, printed, "lea@", "the sample users' invitations are not printed")
	assert.Contains(t, printed, "to=sam@acme.example")
}

// adminConsole starts the quickstart's instance with its sample data,
// signs admin in, and returns a GET of a page with that session (its
// status and body) and what the setup printed.
func adminConsole(t *testing.T) (get func(path string) (int, string), printed string) {
	t.Helper()
	var out strings.Builder
	start := time.Now()
	inst, err := demo.Setup(context.Background(), memory.New(), "127.0.0.1:8080", &out)
	require.NoError(t, err)
	t.Logf("demo.Setup with the sample data took %s", time.Since(start))
	srv := httptest.NewServer(inst.Handler)
	t.Cleanup(srv.Close)
	token := signInAdmin(t, srv.URL, inst.Password)
	return func(path string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		req.AddCookie(&http.Cookie{Name: inst.Kit.Auth.Cookie().Name, Value: token})
		page, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer page.Body.Close()
		body, _ := io.ReadAll(page.Body)
		return page.StatusCode, string(body)
	}, out.String()
}
