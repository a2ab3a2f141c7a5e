package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/security"
)

// TestConsoleSecurity_Forms: the Security page over HTTP. An out-of-range
// value shows the service's error on its field and changes nothing
// (checked through the service); a valid one is saved; 2FA is required
// for all users; a forged form and a member are refused; a setting
// enforced by the parent is read-only with the reason.
func TestConsoleSecurity_Forms(t *testing.T) {
	for name, open := range kittest.Stores() {
		if name == "mysql" || name == "sqlite" {
			continue // the page is store-agnostic; memory and PostgreSQL cover it
		}
		t.Run(name, func(t *testing.T) { consoleSecurityForms(t, newSite(t, open(t))) })
	}
}

func consoleSecurityForms(t *testing.T, s *site) {
	acme := s.MainAccount(t, "acme")
	s.ActiveUser(t, acme, "boss", security.RoleAccountManager)
	s.ActiveUser(t, acme, "mia", security.RoleMember)
	admin := s.signedInClient(t, "boss")
	policy := func(id string) *account.SecuritySettings {
		st, err := s.Kit.Accounts.Policy(s.System(), id)
		require.NoError(t, err)
		return st
	}
	token := func(c *client) string {
		m := csrfField.FindStringSubmatch(c.get("/account/console/security").Body)
		require.NotNil(t, m)
		return m[1]
	}
	page := admin.get("/account/console/security")
	require.Equal(t, http.StatusOK, page.Status)
	assert.Contains(t, page.Body, "Between 15 and 365, or 0 to turn it off.", "the inactivity range is shown")

	t.Run("OutOfRange", func(t *testing.T) {
		before := policy(acme.ID)
		r := admin.post("/account/console/security", url.Values{"csrf": {token(admin)}, "max_inactivity_days": {"10"}, "max_login_attempts": {"3"}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
		assert.Contains(t, r.Body, `id="f-max_inactivity_days-error"`)
		assert.Contains(t, r.Body, "Must be between 15 and 365, or 0 to turn it off.")
		assert.Contains(t, r.Body, `value="10"`, "what was typed stays")
		assert.Equal(t, before, policy(acme.ID), "nothing changed, not even the valid field")
	})
	t.Run("Valid", func(t *testing.T) {
		r := admin.post("/account/console/security", url.Values{"csrf": {token(admin)}, "max_inactivity_days": {"30"}, "max_login_attempts": {"3"}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		st := policy(acme.ID)
		require.NotNil(t, st.MaxInactivityDays)
		assert.Equal(t, 30, *st.MaxInactivityDays)
		assert.Equal(t, 3, st.MaxLoginAttempts)
		assert.Contains(t, admin.get(r.Header.Get("Location")).Body, "The security settings were saved.")
	})
	t.Run("Forged", func(t *testing.T) {
		r := admin.post("/account/console/security", url.Values{"csrf": {""}, "max_login_attempts": {"99"}})
		assert.Equal(t, http.StatusForbidden, r.Status)
		assert.Equal(t, 3, policy(acme.ID).MaxLoginAttempts)
	})
	t.Run("Member", func(t *testing.T) {
		m := s.signedInClient(t, "mia")
		assert.Equal(t, http.StatusForbidden, m.get("/account/console/security").Status)
		tok := csrfField.FindStringSubmatch(m.get("/account/profile").Body)
		require.NotNil(t, tok)
		r := m.post("/account/console/security/two-factor", url.Values{"csrf": {tok[1]}, "two_factor_required": {"on"}})
		assert.Equal(t, http.StatusForbidden, r.Status)
		assert.False(t, policy(acme.ID).TwoFactorRequired, "the member changed nothing")
	})
	t.Run("Inherited", func(t *testing.T) {
		_, err := s.Kit.Accounts.Enforce(s.System(), acme.ID, account.GroupLockout)
		require.NoError(t, err)
		sub := s.SubAccount(t, acme, "acme-eu")
		s.ActiveUser(t, sub, "subboss", security.RoleAccountManager)
		c := s.signedInClient(t, "subboss")
		body := c.get("/account/console/security").Body
		assert.Contains(t, body, "Enforced by account “Acme”")
		assert.NotContains(t, body, `name="max_login_attempts"`, "an inherited setting is read-only")
		assert.True(t, strings.Contains(body, `name="max_inactivity_days"`), "the others stay editable")
	})
	t.Run("TwoFactorForAll", func(t *testing.T) {
		r := admin.post("/account/console/security/two-factor", url.Values{"csrf": {token(admin)}, "two_factor_required": {"on"}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		assert.True(t, policy(acme.ID).TwoFactorRequired)
	})
}

// TestBrowser_ConsoleSecurity: in Chromium, an Account Manager requires
// 2FA for all users and changes account security (an out-of-range value
// refused on the page, a valid one saved); the page passes axe-core.
func TestBrowser_ConsoleSecurity(t *testing.T) {
	s := newSite(t, kittest.New(t).Store)
	acme := s.MainAccount(t, "acme")
	s.ActiveUser(t, acme, "boss", security.RoleAccountManager)
	sub := s.SubAccount(t, acme, "acme-eu")
	s.ActiveUser(t, sub, "subboss", security.RoleAccountManager)
	b := s.newTab(t, true)
	b.signIn("boss")
	b.click(`nav.side a[href="/account/console/security"]`)
	b.fitsNarrow("console-security")
	b.check("console-security")
	b.fill("max_inactivity_days", "400")
	b.submit("max_inactivity_days")
	assert.Contains(t, textOf(b, "#f-max_inactivity_days-error"), "between 15 and 365")
	b.check("console-security-refused")
	st, err := s.Kit.Accounts.Policy(s.System(), acme.ID)
	require.NoError(t, err)
	assert.Nil(t, st.MaxInactivityDays, "nothing changed")
	b.fill("max_inactivity_days", "90")
	b.submit("max_inactivity_days")
	assert.Contains(t, b.text(), "The security settings were saved.")
	b.run(chromedp.Click(`#f-two_factor_required`, chromedp.ByQuery))
	b.submit("two_factor_required")
	assert.Contains(t, b.text(), "Two-factor authentication is now required for all users.")
	st, err = s.Kit.Accounts.Policy(s.System(), acme.ID)
	require.NoError(t, err)
	require.NotNil(t, st.MaxInactivityDays)
	assert.Equal(t, 90, *st.MaxInactivityDays)
	assert.True(t, st.TwoFactorRequired)

	// Enforce the lockout group on the sub-accounts: the sub-account's
	// page shows the setting read-only with the reason.
	assert.Equal(t, "false", b.attr(`#group-lockout button`, "aria-checked"))
	b.click(`#group-lockout button`)
	assert.Contains(t, b.text(), "is now enforced on every sub-account.")
	assert.Equal(t, "true", b.attr(`#group-lockout button`, "aria-checked"))
	b.check("console-security-enforced")
	sb := s.newTab(t, false)
	sb.signIn("subboss")
	sb.open("/account/console/security")
	assert.Contains(t, textOf(sb, "#f-max_login_attempts-reason"), "Enforced by account “Acme”")
	assert.Equal(t, "<missing>", sb.attr(`input[name="max_login_attempts"]`, "name"), "read-only")
}
