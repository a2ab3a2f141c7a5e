package web_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/security"
)

// TestBrowser_ConsoleAuditRange: the audit log's custom range in a time
// zone, and its user and status filters, in Chromium on the memory store
// and PostgreSQL. Seeding happens at 10:00 UTC; an hour later (12:00 in
// Paris) the Account Manager signs in and a sign-in of mia fails. The
// range 11:50–12:30 Europe/Paris shows the later events with Paris
// times and not the seeding; the user filter keeps boss's events, the
// failure filter the failed sign-in; the pager and the CSV export keep
// every filter (the CSV's times in Paris time); a "to" before "from", an
// unknown zone and a malformed date are field errors and list nothing.
func TestBrowser_ConsoleAuditRange(t *testing.T) {
	for name, open := range kittest.Stores() {
		if name == "mysql" || name == "sqlite" {
			continue // the page is store-agnostic; memory and PostgreSQL cover it
		}
		t.Run(name, func(t *testing.T) { consoleAuditRange(t, newSite(t, open(t)), name == "memory") })
	}
}

func consoleAuditRange(t *testing.T, s *site, look bool) {
	acme := s.MainAccount(t, "acme")
	s.ActiveUser(t, acme, "boss", security.RoleAccountManager)
	s.ActiveUser(t, acme, "mia", security.RoleMember)
	s.Clock.Advance(time.Hour) // 11:00 UTC, 12:00 in Paris
	_, err := s.Kit.Auth.Login(s.System(), auth.LoginInput{Identifier: "mia", Password: "not-her-password"})
	require.Error(t, err)
	b := s.newTab(t, look)
	b.signIn("boss")
	check := func(name string) {
		if look {
			b.fitsNarrow(name)
			b.check(name)
		}
	}

	b.open("/account/console/audit")
	assert.Contains(t, strings.ToUpper(textOf(b, "#events-zone")), "UTC", "the default zone is UTC")
	b.run(chromedp.SetValue(`#f-tz`, "Europe/Paris", chromedp.ByQuery),
		chromedp.SetValue(`#f-from`, "2026-03-04T11:50", chromedp.ByQuery),
		chromedp.SetValue(`#f-to`, "2026-03-04T12:30", chromedp.ByQuery))
	b.click(`form.filters button[type=submit]`)
	q := b.path()
	assert.Contains(t, q, "tz=Europe%2FParis")
	assert.Contains(t, q, "from=2026-03-04T11%3A50")
	assert.Contains(t, strings.ToLower(textOf(b, "#events-zone")), "europe/paris")
	list := textOf(b, "tbody")
	assert.Contains(t, list, "User logged in")
	assert.Contains(t, list, "User login failed.")
	assert.Contains(t, list, "March 4, 2026, 12:00 CET", "times are shown in Paris time")
	assert.NotContains(t, list, "User created.", "the seeding at 11:00 Paris time is outside the range")
	assert.NotContains(t, list, "UTC")
	check("console-audit-range")

	// The user filter: boss's events only.
	b.fill("user", "boss")
	b.click(`form.filters button[type=submit]`)
	list = textOf(b, "tbody")
	assert.Contains(t, list, "User logged in")
	assert.NotContains(t, list, "User login failed.")
	assert.Contains(t, b.path(), "tz=Europe%2FParis", "the range and zone stay")

	// The failure filter: the failed sign-in only.
	b.fill("user", "")
	b.run(chromedp.SetValue(`#f-status`, "failure", chromedp.ByQuery))
	b.click(`form.filters button[type=submit]`)
	list = textOf(b, "tbody")
	assert.Contains(t, list, "User login failed.")
	assert.NotContains(t, list, "User logged in")
	assert.Contains(t, list, "Failed")

	// The CSV export keeps every filter; its times are in Paris time.
	href := b.attr(`a[href^="/account/console/audit/export"]`, "href")
	for _, kv := range []string{"tz=Europe%2FParis", "from=2026-03-04T11%3A50", "to=2026-03-04T12%3A30", "status=failure"} {
		assert.Contains(t, href, kv)
	}
	csv := b.download(href)
	assert.Contains(t, csv, "User login failed.")
	assert.NotContains(t, csv, "User logged in", "the export keeps the status filter")
	assert.NotContains(t, csv, "User created.", "the export keeps the range")
	assert.Contains(t, csv, "2026-03-04T12:00:00+01:00")

	// The presets keep the zone and filters and drop the custom range.
	preset := b.attr(`nav.presets a[href*="range=today"]`, "href")
	assert.Contains(t, preset, "tz=Europe%2FParis")
	assert.Contains(t, preset, "status=failure")
	assert.NotContains(t, preset, "from=")

	// The pager keeps every filter: 55 more failures in the range.
	s.Clock.Advance(time.Minute) // newer than the failed sign-in
	rec := s.Kit.Audit.Recorder()
	for i := range 55 {
		rec.RecordFailure(s.System(), audit.Entry{AccountID: acme.ID, Item: audit.ItemUser, Action: audit.ActionLogin,
			FailureDescription: "User login failed.", TargetType: "user", TargetName: fmt.Sprintf("seeded%02d", i)}, errors.New("seeded"))
	}
	pu, err := url.Parse(q)
	require.NoError(t, err)
	pq := pu.Query()
	pq.Set("status", "failure")
	pu.RawQuery = pq.Encode()
	b.open(pu.String())
	next := b.attr(`nav.pager a[rel=next]`, "href")
	for _, kv := range []string{"tz=Europe%2FParis", "from=2026-03-04T11%3A50", "to=2026-03-04T12%3A30", "status=failure", "cursor="} {
		assert.Contains(t, next, kv)
	}
	b.click(`nav.pager a[rel=next]`)
	assert.Contains(t, textOf(b, "tbody"), "mia", "the oldest failure, mia's sign-in, is on the second page")
	assert.NotContains(t, textOf(b, "tbody"), "User logged in")

	// Bad input: a field error, nothing listed.
	b.run(chromedp.SetValue(`#f-from`, "2026-03-04T12:30", chromedp.ByQuery),
		chromedp.SetValue(`#f-to`, "2026-03-04T11:50", chromedp.ByQuery))
	b.click(`form.filters button[type=submit]`)
	assert.Contains(t, textOf(b, "#f-to-error"), "Must be after From.")
	assert.Contains(t, textOf(b, "tbody"), "No event")
	check("console-audit-range-error")
	for _, c := range []struct{ query, field, says string }{
		{"tz=Mars%2FOlympus&range=today", "tz", "Unknown time zone."},
		{"tz=Local&range=today", "tz", "Unknown time zone."},
		{"from=yesterday&tz=UTC", "from", "Enter a date and time"},
		{"to=2026-13-40T10%3A00", "to", "Enter a date and time"},
	} {
		assert.Equal(t, http.StatusUnprocessableEntity, b.openStatus("/account/console/audit?"+c.query), c.query)
		assert.Contains(t, textOf(b, "#f-"+c.field+"-error"), c.says, c.query)
		assert.Contains(t, textOf(b, "tbody"), "No event", c.query)
	}
	// A bad export leads back to the page, which names the field.
	b.open("/account/console/audit/export?" + url.Values{"from": {"soon"}}.Encode())
	assert.True(t, strings.HasPrefix(b.path(), "/account/console/audit?"), b.path())
	assert.Contains(t, textOf(b, "#f-from-error"), "Enter a date and time")
}
