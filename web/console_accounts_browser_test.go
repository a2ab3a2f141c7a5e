package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/security"
)

// TestBrowser_ConsoleAccounts is an Account Manager's accounts day in
// Chromium, on the memory store and PostgreSQL: a sub-account and a
// sub-sub-account created from the page, shown indented by depth
// (aria-level), a search, disable and re-enable through the three-dot
// menu (checked through the service), a rename, "New user here" creating
// a user in the sub-account; then a sub-account manager sees only their
// subtree. The memory run checks axe-core, the 390 px width and (with
// -screenshots) photographs the pages.
func TestBrowser_ConsoleAccounts(t *testing.T) {
	for name, open := range kittest.Stores() {
		if name == "mysql" || name == "sqlite" {
			continue // the pages are store-agnostic; memory and PostgreSQL cover them
		}
		t.Run(name, func(t *testing.T) { accountsJourney(t, newSite(t, open(t)), name == "memory") })
	}
}

func accountsJourney(t *testing.T, s *site, look bool) {
	acme := s.MainAccount(t, "acme")
	s.ActiveUser(t, acme, "boss", security.RoleAccountManager)
	b := s.newTab(t, look)
	check := func(name string) {
		if look {
			b.fitsNarrow(name)
			b.check(name)
		}
	}
	b.signIn("boss")
	b.click(`nav.side a[href="/account/console/accounts"]`)
	b.click(`a[href="/account/console/accounts/new"]`)
	check("console-accounts-new")
	b.fill("name", "Europe")
	b.fill("slug", "acme-europe")
	b.submit("slug")
	assert.Contains(t, b.text(), "The sub-account was created.")
	eu, err := s.Kit.Accounts.GetBySlug(s.System(), "acme-europe")
	require.NoError(t, err)
	b.click(`a[href="/account/console/accounts/new"]`)
	b.run(chromedp.SetValue(`#f-parent`, eu.ID, chromedp.ByQuery))
	b.fill("name", "Paris")
	b.fill("slug", "acme-paris")
	b.submit("slug")
	paris, err := s.Kit.Accounts.GetBySlug(s.System(), "acme-paris")
	require.NoError(t, err)
	assert.Equal(t, eu.ID, paris.ParentID)
	assert.Equal(t, "1", b.attr(`#acc-`+acme.ID, "aria-level"))
	assert.Equal(t, "2", b.attr(`#acc-`+eu.ID, "aria-level"))
	assert.Equal(t, "3", b.attr(`#acc-`+paris.ID, "aria-level"))
	indent := func(id string) float64 {
		return mustEval[float64](b, `document.querySelector("#acc-`+id+` .atree-name").getBoundingClientRect().left`)
	}
	assert.Less(t, indent(acme.ID), indent(eu.ID))
	assert.Less(t, indent(eu.ID), indent(paris.ID), "indented by depth")
	check("console-accounts")

	// Search: the match with its path.
	b.fill("q", "paris")
	b.submit("q")
	assert.Contains(t, textOf(b, "#account-tree"), "In: Acme › Europe")
	assert.NotContains(t, textOf(b, "#account-tree"), "acme-europe ·")

	// Disable and re-enable through the three-dot menu.
	b.open("/account/console/accounts")
	b.run(chromedp.Click(`#acc-`+paris.ID+` summary`, chromedp.ByQuery))
	b.click(`#acc-` + paris.ID + ` form[action$="/disable"] button`)
	assert.Contains(t, b.text(), "The account was disabled.")
	a, err := s.Kit.Accounts.Get(s.System(), paris.ID)
	require.NoError(t, err)
	assert.Equal(t, account.StatusDisabled, a.Status)
	b.run(chromedp.Click(`#acc-`+paris.ID+` summary`, chromedp.ByQuery))
	b.click(`#acc-` + paris.ID + ` form[action$="/enable"] button`)
	assert.Contains(t, b.text(), "The account was enabled.")
	a, err = s.Kit.Accounts.Get(s.System(), paris.ID)
	require.NoError(t, err)
	assert.Equal(t, account.StatusEnabled, a.Status)

	// Rename.
	b.run(chromedp.Click(`#acc-`+eu.ID+` summary`, chromedp.ByQuery))
	b.click(`#acc-` + eu.ID + ` a[href="/account/console/accounts/` + eu.ID + `"]`)
	b.fill("name", "Europe West")
	b.submit("name")
	assert.Contains(t, b.text(), "The account was saved.")
	a, err = s.Kit.Accounts.Get(s.System(), eu.ID)
	require.NoError(t, err)
	assert.Equal(t, "Europe West", a.Name)

	// New user here.
	b.run(chromedp.Click(`#acc-`+eu.ID+` summary`, chromedp.ByQuery))
	b.click(`#acc-` + eu.ID + ` a[href="/account/console/users/new?account=` + eu.ID + `"]`)
	assert.Contains(t, b.main(), "Account: Europe West")
	check("console-accounts-newuser")
	b.fill("username", "erik")
	b.fill("email", "erik@example.com")
	b.submit("username")
	u := findUser(t, s, acme.ID, "erik")
	require.NotNil(t, u)
	assert.Equal(t, eu.ID, u.AccountID)

	// A sub-account manager sees only their subtree.
	s.ActiveUser(t, eu, "eva", security.RoleAccountManager)
	e := s.newTab(t, false)
	e.signIn("eva")
	e.open("/account/console/accounts")
	tree := textOf(e, "#account-tree")
	assert.Contains(t, tree, "Europe West")
	assert.Contains(t, tree, "Paris")
	assert.Equal(t, "<missing>", e.attr(`#acc-`+acme.ID, "id"))
	assert.Equal(t, 404, e.openStatus("/account/console/accounts/"+acme.ID))
}
