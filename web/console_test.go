package web_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/accountkittest"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/users"
)

// TestBrowser_Console is an Account Manager's day in the console, in
// Chromium, on the memory store and PostgreSQL: sign in → Users & Teams
// → New user with a team and a role (the invitation is captured) → the
// user in the list with their team → disable → API key created, its
// secret shown once and working → revoked, and refused → the audit log's
// "last 15 minutes" shows every step, the chain verifies, the CSV
// export holds them. A plain member gets the 403 page; another tenant's
// user ID gets the same not-found page as a random ID. The memory run
// checks every page with axe-core and, with -screenshots, photographs it.
func TestBrowser_Console(t *testing.T) {
	for name, open := range kittest.Stores() {
		if name == "mysql" || name == "sqlite" {
			continue // the pages are store-agnostic; memory and PostgreSQL cover them
		}
		t.Run(name, func(t *testing.T) {
			consoleJourney(t, newSite(t, open(t)), name == "memory")
		})
	}
}

// openStatus navigates to a path and returns the HTTP status of the page.
func (tb *tab) openStatus(path string) int {
	tb.t.Helper()
	resp, err := chromedp.RunResponse(tb.ctx, chromedp.Navigate(tb.s.URL+path))
	require.NoError(tb.t, err)
	tb.run(chromedp.WaitReady("body"))
	return int(resp.Status)
}

// download GETs a path with the tab's cookies and returns the body.
func (tb *tab) download(path string) string {
	tb.t.Helper()
	var cookies []*network.Cookie
	tb.run(chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		cookies, err = network.GetCookies().WithURLs([]string{tb.s.URL + "/account/"}).Do(ctx)
		return err
	}))
	req, err := http.NewRequest("GET", tb.s.URL+path, nil)
	require.NoError(tb.t, err)
	for _, c := range cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(tb.t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(tb.t, err)
	require.Equal(tb.t, http.StatusOK, res.StatusCode, string(body))
	return string(body)
}

// fitsNarrow checks that the page needs no sideways scrolling on a
// 390-pixel-wide phone.
func (tb *tab) fitsNarrow(name string) {
	tb.t.Helper()
	var width int
	tb.run(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Evaluate(`document.documentElement.scrollWidth`, &width))
	tb.run(chromedp.EmulateViewport(1280, 900))
	assert.LessOrEqual(tb.t, width, 390, "%s scrolls sideways on a phone", name)
}

// signIn signs in on the pages' sign-in form.
func (tb *tab) signIn(username string) {
	tb.t.Helper()
	tb.open("/account/sign-in")
	tb.fill("identifier", username)
	tb.fill("password", kittest.Password)
	tb.submit("password")
	require.Equal(tb.t, "/account/", tb.path())
}

// main is the text of the page's main region.
func (tb *tab) main() string { return textOf(tb, "main") }

func consoleJourney(t *testing.T, s *site, look bool) {
	acme := s.MainAccount(t, "acme")
	boss := s.ActiveUser(t, acme, "boss", security.RoleAccountManager)
	sales := s.Team(t, acme, "Sales")
	s.Team(t, acme, "Support")
	s.ActiveUser(t, acme, "mia", security.RoleMember)
	globex := s.MainAccount(t, "globex")
	gus := s.User(t, globex, "gus", accountkittest.Roles(security.RoleMember))

	b := s.newTab(t, look)
	check := func(name string) {
		if look {
			b.fitsNarrow(name)
			b.check(name)
		}
	}
	b.signIn("boss")
	nav := strings.ToLower(textOf(b, "nav.side"))
	for _, item := range []string{"administration", "Users & Teams", "API keys", "Audit log"} {
		assert.Contains(t, nav, strings.ToLower(item), "an Account Manager sees every console page")
	}

	// Users & Teams → New user with a team and a role.
	b.click(`nav.side a[href="/account/console/users"]`)
	assert.Equal(t, "/account/console/users", b.path())
	assert.Equal(t, "page", b.attr(`nav.side a[href="/account/console/users"]`, "aria-current"))
	check("console-users")
	b.click(`a[href="/account/console/users/new"]`)
	check("console-user-new")
	b.fill("username", "nora")
	b.fill("first_name", "Nora")
	b.fill("last_name", "Nolan")
	b.fill("email", "nora@acme.test")
	b.run(chromedp.Click(`input[name="teams"][value="`+sales.ID+`"]`, chromedp.ByQuery))
	assert.NotEqual(t, "<missing>", b.attr(`input[name="roles"][value="member"]:checked`, "value"), "Member is ticked by default")
	b.submit("username")
	require.True(t, strings.HasPrefix(b.path(), "/account/console/users/"), b.path())
	assert.Contains(t, b.text(), "The user was created and the invitation sent.")
	invite := s.Mail.Last(t, "nora@acme.test", users.MailInvitation)
	assert.NotEmpty(t, invite.Token)
	card := b.main()
	assert.Contains(t, card, "Sales")
	assert.Contains(t, card, "Member")
	assert.Contains(t, card, "Invited")
	check("console-user")
	noraID := strings.TrimPrefix(strings.Split(b.path(), "?")[0], "/account/console/users/")

	// The list shows her with her team; search and the team filter find her.
	b.open("/account/console/users?q=nora")
	row := textOf(b, "tbody tr")
	assert.Contains(t, row, "Nora Nolan")
	assert.Contains(t, row, "Sales")
	assert.Contains(t, row, "Invited")
	b.open("/account/console/users")
	b.run(chromedp.SetValue(`#f-team`, sales.ID, chromedp.ByQuery))
	b.click(`form.filters button[type=submit]`)
	assert.Contains(t, b.path(), "team="+sales.ID)
	assert.Contains(t, textOf(b, "tbody"), "Nora Nolan")
	assert.NotContains(t, textOf(b, "tbody"), "mia", "only the team's members")
	check("console-users-filtered")

	// Disable her from the list (a POST with its CSRF token).
	b.open("/account/console/users?q=nora")
	b.run(chromedp.Click(`tbody tr details.menu summary`, chromedp.ByQuery)) // the three-dot menu opens without script
	b.click(`form[action="/account/console/users/` + noraID + `/disable"] button`)
	assert.Contains(t, b.path(), "/account/console/users?")
	assert.Contains(t, b.text(), "The user is disabled.")
	assert.Contains(t, textOf(b, "tbody tr"), "Disabled")
	nora, err := s.Kit.Users.Get(s.System(), noraID)
	require.NoError(t, err)
	assert.Equal(t, users.StatusDisabled, nora.Status)

	// API keys: create one, its secret shown once and working.
	b.click(`nav.side a[href="/account/console/api-keys"]`)
	check("console-apikeys")
	b.fill("name", "ci-export")
	b.run(chromedp.Click(`input[name="permissions"][value="users.read"]`, chromedp.ByQuery))
	b.submit("name")
	secret := strings.TrimSpace(textOf(b, ".secret-value"))
	require.True(t, strings.HasPrefix(secret, "akk_"), secret)
	check("console-apikey-created")
	api := func() int {
		req, err := http.NewRequest("GET", s.URL+"/api/v1/users", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+secret)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		return res.StatusCode
	}
	assert.Equal(t, http.StatusOK, api())
	b.open("/account/console/api-keys")
	assert.NotContains(t, b.text(), secret, "the secret is shown once")
	assert.Contains(t, textOf(b, "tbody"), "ci-export")
	b.click(`form[action$="/revoke"] button`)
	assert.Contains(t, b.text(), "The key was revoked.")
	assert.Contains(t, textOf(b, "tbody"), "Revoked")
	assert.Equal(t, http.StatusUnauthorized, api())

	// The audit log, last 15 minutes: every step above.
	s.Clock.Advance(time.Minute)
	b.click(`nav.side a[href="/account/console/audit"]`)
	b.click(`nav.presets a[href*="range=last_15_minutes"]`)
	assert.Equal(t, "true", b.attr(`nav.presets a[href*="range=last_15_minutes"]`, "aria-current"))
	log := textOf(b, "tbody")
	for _, step := range []string{"User created.", "Email with password sent to user.", "User disabled.",
		"API key generated (name, valid from).", "API key revoked."} {
		assert.Contains(t, log, step)
	}
	check("console-audit")
	b.run(chromedp.SetValue(`#f-action`, string(audit.ActionDisable), chromedp.ByQuery))
	b.click(`form.filters button[type=submit]`)
	assert.Contains(t, b.path(), "range=last_15_minutes")
	assert.Contains(t, textOf(b, "tbody"), "User disabled.")
	assert.NotContains(t, textOf(b, "tbody"), "User created.")
	b.click(`a[href^="/account/console/audit/verify"]`)
	assert.Contains(t, textOf(b, "#verify-result"), "The chain is intact")
	check("console-audit-verified")
	// The CSV export link, fetched with the browser's cookies (the pages'
	// CSP allows no fetch from scripts).
	href := b.attr(`a[href^="/account/console/audit/export"]`, "href")
	assert.Contains(t, href, "range=last_15_minutes")
	csv := b.download(href)
	assert.Contains(t, strings.SplitN(csv, "\n", 2)[0], "description")
	assert.Contains(t, csv, "User disabled.")
	assert.NotContains(t, csv, "User created.", "the export keeps the page's filters")

	// The card of a user who accepted their invitation: a verified email
	// with its checkmark, the last login.
	b.open("/account/console/users/" + boss.ID)
	assert.Contains(t, textOf(b, "dl.facts"), "✓ Verified")
	assert.Contains(t, textOf(b, "dl.facts"), "password")

	// Another tenant's user answers exactly like an ID that does not exist.
	assert.Equal(t, http.StatusNotFound, b.openStatus("/account/console/users/"+gus.ID))
	foreign := b.main()
	assert.Equal(t, http.StatusNotFound, b.openStatus("/account/console/users/"+uuid.NewString()))
	assert.Equal(t, foreign, b.main())
	assert.Contains(t, foreign, "Page not found")
	assert.NotContains(t, foreign, "gus")
	check("console-notfound")

	// A plain member: no console in the navigation, the 403 page on every
	// console URL, and the server refuses the actions too.
	m := s.newTab(t, look)
	m.signIn("mia")
	assert.NotContains(t, strings.ToLower(textOf(m, "nav.side")), "administration")
	for _, path := range []string{"/account/console", "/account/console/users", "/account/console/users/" + noraID,
		"/account/console/users/new", "/account/console/api-keys", "/account/console/audit", "/account/console/audit/export"} {
		assert.Equal(t, http.StatusForbidden, m.openStatus(path), path)
		assert.Contains(t, m.main(), "You do not have access to this page", path)
	}
	if look {
		m.fitsNarrow("console-forbidden")
		m.check("console-forbidden")
	}
}

// TestBrowser_ConsoleKeyboard: the New user form is completed with the
// keyboard alone — typing, Tab to the team, Space to tick it, Tab to the
// button, Enter.
func TestBrowser_ConsoleKeyboard(t *testing.T) {
	s := newSite(t, kittest.New(t).Store)
	acme := s.MainAccount(t, "acme")
	s.ActiveUser(t, acme, "boss", security.RoleAccountManager)
	ops := s.Team(t, acme, "Ops")
	b := s.newTab(t, false)
	b.signIn("boss")
	b.open("/account/console/users/new")
	focused := func() string {
		var v string
		b.run(chromedp.Evaluate(`(function(){var e=document.activeElement;return e?(e.name||"")+"="+(e.value||"")+":"+e.tagName:""})()`, &v))
		return v
	}
	require.Equal(t, "username=:INPUT", focused(), "the first field has the focus")
	typeKeys := func(s string) { b.run(chromedp.KeyEvent(s)) }
	tab := func() { b.run(chromedp.KeyEvent(kb.Tab)) }
	typeKeys("kai")
	tab()
	typeKeys("Kai")
	tab()
	typeKeys("Kim")
	tab()
	require.Equal(t, "email=:INPUT", focused())
	typeKeys("kai@acme.test")
	for i := 0; i < 40 && !strings.HasPrefix(focused(), "teams="+ops.ID); i++ {
		tab()
	}
	require.True(t, strings.HasPrefix(focused(), "teams="+ops.ID), focused())
	typeKeys(" ")
	for i := 0; i < 10 && !strings.HasSuffix(focused(), ":BUTTON"); i++ {
		tab()
	}
	require.True(t, strings.HasSuffix(focused(), ":BUTTON"), focused())
	b.run(chromedp.Evaluate(`window.__akOld = 1`, nil), chromedp.KeyEvent(kb.Enter))
	deadline := time.Now().Add(15 * time.Second)
	for {
		var loaded bool
		_ = chromedp.Run(b.ctx, chromedp.Evaluate(`typeof window.__akOld === "undefined" && document.readyState === "complete"`, &loaded))
		if loaded {
			break
		}
		require.False(t, time.Now().After(deadline), "no new page after Enter")
		time.Sleep(20 * time.Millisecond)
	}
	assert.Contains(t, b.text(), "The user was created and the invitation sent.")
	assert.Contains(t, b.main(), "Ops")
	s.Mail.Last(t, "kai@acme.test", users.MailInvitation)
}
