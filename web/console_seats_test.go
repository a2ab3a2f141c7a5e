package web_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/accountkittest"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/notifications"
	"github.com/accountkit/accountkit/seats"
	"github.com/accountkit/accountkit/security"
)

// TestBrowser_ConsoleSeats is an Account Manager's seats day in Chromium,
// on the memory store and PostgreSQL: the host sets 20 purchased seats
// (a service call), 16 are held → the Assign seat panel, by keyboard
// only, gives zoe of the sub-account the 17th → the 85 % warning appears
// → the Inactive users tab lists disabled ivy → her seat is removed with
// the checkboxes (one bulk POST) → the Logs tab shows the assignment and
// the removal → the report CSV holds the expected rows → a sub-account
// limit is set and a limit below the assigned seats refused on its field.
// The Notifications page toggles a user's subscription (checked through
// the service). A plain member gets the 403 page on every new URL;
// another tenant's account ID answers the not-found page of a random ID.
// The memory run checks every page with axe-core and, with
// -screenshots, photographs it.
func TestBrowser_ConsoleSeats(t *testing.T) {
	for name, open := range kittest.Stores() {
		if name == "mysql" || name == "sqlite" {
			continue // the pages are store-agnostic; memory and PostgreSQL cover them
		}
		t.Run(name, func(t *testing.T) {
			seatsJourney(t, newSite(t, open(t)), name == "memory")
		})
	}
}

// focused describes the focused element: name=value:TAG.
func (tb *tab) focused() string {
	tb.t.Helper()
	var v string
	tb.run(chromedp.Evaluate(`(function(){var e=document.activeElement;if(!e)return "";return (e.name||e.id||"")+"="+(e.value||e.getAttribute("data-user")||"")+":"+e.tagName})()`, &v))
	return v
}

// tabTo presses Tab until the focus is on an element whose focused()
// description satisfies ok.
func (tb *tab) tabTo(ok func(string) bool, what string) {
	tb.t.Helper()
	for i := 0; i < 80 && !ok(tb.focused()); i++ {
		tb.run(chromedp.KeyEvent(kb.Tab))
	}
	require.True(tb.t, ok(tb.focused()), "never reached %s by Tab (focus: %s)", what, tb.focused())
}

// keyToNewPage presses a key and waits for the page it loads.
func (tb *tab) keyToNewPage(key string) {
	tb.t.Helper()
	tb.run(chromedp.Evaluate(`window.__akOld = 1`, nil), chromedp.KeyEvent(key))
	deadline := time.Now().Add(15 * time.Second)
	for {
		var loaded bool
		_ = chromedp.Run(tb.ctx, chromedp.Evaluate(`typeof window.__akOld === "undefined" && document.readyState === "complete"`, &loaded))
		if loaded {
			return
		}
		require.False(tb.t, time.Now().After(deadline), "no new page after the key %q", key)
		time.Sleep(20 * time.Millisecond)
	}
}

func seatsJourney(t *testing.T, s *site, look bool) {
	acme := s.MainAccount(t, "acme")
	eu := s.SubAccount(t, acme, "acme-eu")
	s.ActiveUser(t, acme, "boss", security.RoleAccountManager)
	s.ActiveUser(t, acme, "mia", security.RoleMember)
	// The host sets the purchased seats; the page shows them read-only.
	_, err := s.Kit.Seats.SetPurchased(s.System(), acme.ID, 20)
	require.NoError(t, err)
	for i := 1; i <= 15; i++ {
		s.User(t, acme, fmt.Sprintf("u%02d", i), accountkittest.Roles(security.RoleMember), accountkittest.WithSeat())
	}
	ivy := s.User(t, acme, "ivy", accountkittest.Roles(security.RoleMember), accountkittest.WithSeat(), accountkittest.Name("Ivy", "Inactive"))
	_, err = s.Kit.Users.Disable(s.System(), ivy.ID)
	require.NoError(t, err)
	zoe := s.User(t, eu, "zoe", accountkittest.Roles(security.RoleMember), accountkittest.Name("Zoe", "Zimmer"))
	s.User(t, eu, "yan", accountkittest.Roles(security.RoleMember))
	globex := s.MainAccount(t, "globex")
	s.User(t, globex, "gus", accountkittest.Roles(security.RoleMember))

	b := s.newTab(t, look)
	check := func(name string) {
		if look {
			b.fitsNarrow(name)
			b.check(name)
		}
	}
	b.signIn("boss")
	nav := textOf(b, "nav.side")
	assert.Contains(t, nav, "Seats")
	assert.Contains(t, nav, "Account notifications")
	b.click(`nav.side a[href="/account/console/seats"]`)
	assert.Equal(t, "20", textOf(b, "#seats-purchased"))
	assert.Equal(t, "16", textOf(b, "#seats-assigned"))
	assert.Equal(t, "4", textOf(b, "#seats-remaining"))
	assert.Equal(t, "1", strings.TrimSpace(strings.TrimSuffix(textOf(b, "#seats-inactive"), "(show them)")))
	assert.Equal(t, "<missing>", b.attr("#seats-warning", "id"), "80 % is below the 85 % threshold")
	assert.Contains(t, b.main(), "Sub acme-eu")
	check("console-seats")

	// The Assign seat panel, keyboard only: account → users → search →
	// the toggle.
	b.open("/account/console/seats")
	b.tabTo(func(f string) bool {
		return strings.HasPrefix(f, "=:A") && strings.Contains(b.attr(":focus", "href"), "/seats/assign")
	}, "Assign seat")
	b.keyToNewPage(kb.Enter)
	require.Equal(t, "/account/console/seats/assign", b.path())
	b.tabTo(func(f string) bool { return strings.HasPrefix(f, "pick=") }, "the account picker")
	for i := 0; i < 5 && !strings.HasPrefix(b.focused(), "pick="+eu.ID); i++ {
		b.run(chromedp.KeyEvent(kb.ArrowDown))
	}
	require.True(t, strings.HasPrefix(b.focused(), "pick="+eu.ID), b.focused())
	b.run(chromedp.KeyEvent(kb.Tab))
	require.True(t, strings.HasSuffix(b.focused(), ":BUTTON"), b.focused())
	b.keyToNewPage(kb.Enter)
	assert.Contains(t, b.path(), "pick="+eu.ID)
	assert.Contains(t, b.main(), "2. Users of Sub acme-eu")
	b.tabTo(func(f string) bool { return strings.HasPrefix(f, "q=") }, "the user search")
	b.run(chromedp.KeyEvent("zoe"))
	b.keyToNewPage(kb.Enter)
	assert.Contains(t, b.path(), "q=zoe")
	assert.NotContains(t, textOf(b, "ul.member-list"), "yan", "the search keeps zoe only")
	assert.Equal(t, "false", b.attr(`button.switch[data-user="zoe"]`, "aria-checked"))
	check("console-seats-assign")
	b.tabTo(func(f string) bool { return f == "=zoe:BUTTON" }, "zoe's seat toggle")
	b.keyToNewPage(kb.Enter)
	assert.Contains(t, b.text(), "The seat was assigned.")
	assert.Equal(t, "true", b.attr(`button.switch[data-user="zoe"]`, "aria-checked"), "the panel shows the toggle on")
	assert.Contains(t, b.path(), "pick="+eu.ID, "back in the panel where it acted")
	assert.True(t, s.HasSeat(t, zoe))

	// 17 of 20 = 85 %: the warning, as the seats service computes it.
	b.open("/account/console/seats")
	assert.Equal(t, "17", textOf(b, "#seats-assigned"))
	assert.Contains(t, textOf(b, "#seats-warning"), "85.0 %")
	assert.Contains(t, textOf(b, "#seats-warning"), "starts at 85 %")
	ov, err := s.Kit.Seats.Overview(s.System(), acme.ID)
	require.NoError(t, err)
	assert.True(t, ov.Warning)

	// Accounts: a limit for the sub-account; one below its assigned
	// seats is refused on its field and changes nothing.
	b.run(chromedp.Click(`#acct-`+eu.ID+` > summary`, chromedp.ByQuery))
	b.run(chromedp.SetValue(`#limit-`+eu.ID, "3", chromedp.ByQuery))
	b.click(`form[action="/account/console/seats/accounts/` + eu.ID + `/limit"] button[type=submit]`)
	assert.Contains(t, b.text(), "The seat limit was saved.")
	b.run(chromedp.Click(`#acct-`+eu.ID+` > summary`, chromedp.ByQuery))
	assert.Contains(t, textOf(b, `#acct-`+eu.ID+` .acct-figures`), "3 (33.3 %)")
	b.run(chromedp.SetValue(`#limit-`+eu.ID, "0", chromedp.ByQuery))
	b.click(`form[action="/account/console/seats/accounts/` + eu.ID + `/limit"] button[type=submit]`)
	assert.NotEqual(t, "<missing>", b.attr(`#limit-`+eu.ID+`-error`, "id"), "the refusal is on the sub-account's field")
	assert.True(t, mustEval[bool](b, `document.querySelector("#acct-`+eu.ID+`").open`), "the account is open on its error")
	assert.Contains(t, textOf(b, `#acct-`+eu.ID+` table`), "Zoe Zimmer", "its seat holders")
	assert.Equal(t, "0", mustEval[string](b, `document.querySelector("#limit-`+eu.ID+`").value`), "what was typed stays")
	check("console-seats-limit-error")
	acc, err := s.Kit.Seats.Accounts(s.System(), seats.AccountsInput{AccountID: eu.ID, Limit: 1})
	require.NoError(t, err)
	require.NotNil(t, acc.Accounts[0].Limit)
	assert.Equal(t, 3, *acc.Accounts[0].Limit, "nothing changed")

	// Inactive users: disabled ivy, removed with the checkboxes.
	b.open("/account/console/seats")
	b.click(`#seats-inactive`)
	assert.Equal(t, "/account/console/seats/inactive", b.path())
	rows := textOf(b, "#bulk-remove tbody")
	assert.Contains(t, rows, "Ivy Inactive")
	assert.Contains(t, rows, "Disabled")
	assert.NotContains(t, rows, "zoe", "active holders are not listed")
	check("console-seats-inactive")
	b.run(chromedp.Click(`#rm-`+ivy.ID, chromedp.ByQuery))
	b.click(`#bulk-remove button[type=submit]`)
	assert.Contains(t, b.text(), "The selected seats were removed.")
	assert.Contains(t, textOf(b, "#bulk-remove tbody"), "No inactive user holds a seat.")
	assert.False(t, s.HasSeat(t, ivy))
	assert.Equal(t, "16", textOf(b, "#seats-assigned"))

	// Logs: the assignment and the removal, who did them, in which account.
	b.click(`nav.tabs a[href*="/console/seats/log"]`)
	log := textOf(b, "tbody")
	assert.Contains(t, log, "Seat assigned")
	assert.Contains(t, log, "Seat removed (bulk)")
	assert.Contains(t, log, "Limit set")
	first := mustEval[string](b, `Array.from(document.querySelectorAll("tbody tr")).map(r => r.innerText).find(t => t.includes("zoe")) || ""`)
	assert.Contains(t, first, "boss")
	assert.Contains(t, first, "zoe")
	assert.Contains(t, first, "Sub acme-eu")
	check("console-seats-log")
	b.run(chromedp.SetValue(`#f-event`, "seat_bulk_removed", chromedp.ByQuery))
	b.click(`form.filters button[type=submit]`)
	assert.Contains(t, textOf(b, "tbody"), "ivy")
	assert.NotContains(t, textOf(b, "tbody"), "zoe")

	// The report: one row per account, as the service writes it.
	href := b.attr(`a[href^="/account/console/seats/report"]`, "href")
	report, err := csv.NewReader(strings.NewReader(b.download(href))).ReadAll()
	require.NoError(t, err)
	require.Len(t, report, 3, "header, acme, acme-eu")
	assert.Equal(t, []string{"account_id", "account_name", "account_slug", "parent_id", "limit", "assigned", "available", "usage_percent", "limit_percent"}, report[0])
	assert.Equal(t, []string{acme.ID, acme.Name, "acme", "", "", "15", "4", "75.0", ""}, report[1])
	assert.Equal(t, []string{eu.ID, eu.Name, "acme-eu", acme.ID, "3", "1", "2", "5.0", "33.3"}, report[2])

	// Notifications for managers: the sub-account's notifications and its
	// users' subscriptions, toggled.
	_, err = s.Kit.Notifications.Publish(s.System(), notifications.PublishInput{AccountID: eu.ID, Type: notifications.CampaignEvents, Title: "Spring campaign started"})
	require.NoError(t, err)
	b.click(`nav.side a[href="/account/console/notifications"]`)
	assert.NotContains(t, b.main(), "Spring campaign started", "the own account first")
	b.run(chromedp.SetValue(`#f-account`, eu.ID, chromedp.ByQuery))
	b.click(`form.filters:has(#f-account) button[type=submit]`)
	assert.Contains(t, b.main(), "Spring campaign started")
	assert.Contains(t, b.main(), "delivered to 2 users")
	check("console-notifications")
	box := `#sub-` + zoe.ID + `-` + string(notifications.CampaignEvents)
	assert.True(t, mustEval[bool](b, `document.querySelector("`+box+`").checked`))
	b.run(chromedp.Click(box, chromedp.ByQuery))
	b.click(`form[action="/account/console/notifications/users/` + zoe.ID + `"] button[type=submit]`)
	assert.Contains(t, b.text(), "The subscriptions were saved.")
	assert.Contains(t, b.path(), "account="+eu.ID)
	assert.Equal(t, "false", mustEval[string](b, `String(document.querySelector("`+box+`").checked)`))
	subs, err := s.Kit.Notifications.Subscriptions(s.UserCtx(t, zoe))
	require.NoError(t, err)
	for _, sub := range subs {
		assert.Equal(t, sub.Type != notifications.CampaignEvents, sub.Subscribed, sub.Type)
	}

	// Another tenant's account answers like an ID that does not exist.
	for _, path := range []string{"/account/console/seats?account=", "/account/console/seats/assign?pick=",
		"/account/console/seats/log?in=", "/account/console/notifications?account="} {
		assert.Equal(t, http.StatusNotFound, b.openStatus(path+globex.ID), path)
		foreign := b.main()
		assert.Equal(t, http.StatusNotFound, b.openStatus(path+uuid.NewString()), path)
		assert.Equal(t, foreign, b.main(), path)
		assert.NotContains(t, foreign, "globex")
	}

	// A plain member: the 403 page on every new URL.
	m := s.newTab(t, look)
	m.signIn("mia")
	assert.NotContains(t, textOf(m, "nav.side"), "Seats")
	for _, path := range []string{"/account/console/seats", "/account/console/seats/assign", "/account/console/seats/inactive",
		"/account/console/seats/log", "/account/console/seats/report", "/account/console/notifications"} {
		assert.Equal(t, http.StatusForbidden, m.openStatus(path), path)
		assert.Contains(t, m.main(), "You do not have access to this page", path)
	}
	// …and a forged POST with a valid form token is refused too.
	yan := s.User(t, eu, "yan2", accountkittest.Roles(security.RoleMember))
	m.open("/account/notifications")
	for _, post := range []struct{ action, field, value string }{
		{"/account/console/seats/assign", "seat", "on"},
		{"/account/console/seats/remove", "seat", ""},
		{"/account/console/notifications/users/" + yan.ID, "sub_campaign_events", ""},
	} {
		m.open("/account/notifications")
		m.run(chromedp.Evaluate(`window.__akOld = 1;(function(){var f=document.createElement("form");f.method="post";f.action="`+post.action+`";
			for (const [k,v] of [["csrf",document.querySelector("input[name=csrf]").value],["user_id","`+yan.ID+`"],["`+post.field+`","`+post.value+`"]]) {
			var i=document.createElement("input");i.type="hidden";i.name=k;i.value=v;f.appendChild(i)}
			document.body.appendChild(f);f.submit()})()`, nil))
		m.run(chromedp.WaitReady("body"))
		require.Eventually(t, func() bool { return strings.Contains(m.main(), "You do not have access to this page") }, 10*time.Second, 50*time.Millisecond, post.action)
	}
	assert.False(t, s.HasSeat(t, yan), "no seat for the forged request")
	ysubs, err := s.Kit.Notifications.Subscriptions(s.UserCtx(t, yan))
	require.NoError(t, err)
	for _, sub := range ysubs {
		assert.True(t, sub.Subscribed, "the forged request changed nothing: %s", sub.Type)
	}
}

// mustEval evaluates a JavaScript expression in the tab.
func mustEval[T any](b *tab, expr string) T {
	b.t.Helper()
	var v T
	b.run(chromedp.Evaluate(expr, &v))
	return v
}
