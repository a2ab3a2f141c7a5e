package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/security"
)

// TestConsoleSecurity_Enforce: the Security page's "Enforce on
// sub-accounts" over HTTP on memory and PostgreSQL. Without a CSRF token
// and for a member it is refused and nothing changes; an unknown group is
// refused; the Account Manager enforces a group (read back through the
// service) and the sub-account's page shows its setting read-only with
// the reason; the sub-account's manager cannot lift the group enforced
// above.
func TestConsoleSecurity_Enforce(t *testing.T) {
	for name, open := range kittest.Stores() {
		if name == "mysql" || name == "sqlite" {
			continue // the page is store-agnostic; memory and PostgreSQL cover it
		}
		t.Run(name, func(t *testing.T) { consoleSecurityEnforce(t, newSite(t, open(t))) })
	}
}

func consoleSecurityEnforce(t *testing.T, s *site) {
	acme := s.MainAccount(t, "acme")
	sub := s.SubAccount(t, acme, "acme-eu")
	s.ActiveUser(t, acme, "boss", security.RoleAccountManager)
	s.ActiveUser(t, acme, "mia", security.RoleMember)
	s.ActiveUser(t, sub, "subboss", security.RoleAccountManager)
	admin := s.signedInClient(t, "boss")
	enforced := func(id string) []account.PolicyGroup {
		st, err := s.Kit.Accounts.Policy(s.System(), id)
		require.NoError(t, err)
		return st.Enforced
	}
	token := func(c *client, path string) string {
		m := csrfField.FindStringSubmatch(c.get(path).Body)
		require.NotNil(t, m)
		return m[1]
	}
	page := admin.get("/account/console/security").Body
	assert.Contains(t, page, "Enforce on sub-accounts")
	assert.Contains(t, page, `id="group-lockout"`)

	r := admin.post("/account/console/security/enforce", url.Values{"csrf": {""}, "group": {"lockout"}, "enforce": {"on"}})
	assert.Equal(t, http.StatusForbidden, r.Status, "no CSRF token")
	assert.Empty(t, enforced(acme.ID))

	mia := s.signedInClient(t, "mia")
	r = mia.post("/account/console/security/enforce", url.Values{"csrf": {token(mia, "/account/profile")}, "group": {"lockout"}, "enforce": {"on"}})
	assert.Equal(t, http.StatusForbidden, r.Status, "a member")
	assert.Empty(t, enforced(acme.ID))

	r = admin.post("/account/console/security/enforce", url.Values{"csrf": {token(admin, "/account/console/security")}, "group": {"nope"}, "enforce": {"on"}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
	assert.Contains(t, r.Body, "Unknown policy group")
	assert.Empty(t, enforced(acme.ID))

	r = admin.post("/account/console/security/enforce", url.Values{"csrf": {token(admin, "/account/console/security")}, "group": {"lockout"}, "enforce": {"on"}})
	require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
	assert.Equal(t, []account.PolicyGroup{account.GroupLockout}, enforced(acme.ID))
	assert.Contains(t, admin.get(r.Header.Get("Location")).Body, "Login attempts and lockout is now enforced on every sub-account.")

	subboss := s.signedInClient(t, "subboss")
	body := subboss.get("/account/console/security").Body
	assert.Contains(t, body, "Enforced by account “Acme”")
	assert.NotContains(t, body, `name="max_login_attempts"`, "read-only with the reason")
	r = subboss.post("/account/console/security/enforce", url.Values{"csrf": {token(subboss, "/account/console/security")}, "group": {"lockout"}, "enforce": {"off"}})
	require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
	assert.Contains(t, subboss.get(r.Header.Get("Location")).Body, "an account above still enforces it")
	assert.Equal(t, []account.PolicyGroup{account.GroupLockout}, enforced(acme.ID), "the group enforced above stays")
	ep, err := s.Kit.Accounts.EffectivePolicy(s.System(), sub.ID)
	require.NoError(t, err)
	assert.Equal(t, acme.ID, ep.EnforcedBy[account.GroupLockout])
}
