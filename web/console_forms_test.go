package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/apikeys"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/storage/memory"
	"github.com/accountkit/accountkit/users"
)

// signedInClient signs a user in on the pages' form.
func (s *site) signedInClient(t *testing.T, username string) *client {
	t.Helper()
	c := s.client(t)
	r := c.post("/account/sign-in", url.Values{"identifier": {username}, "password": {kittest.Password}})
	require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
	return c
}

// TestConsole_Attacks: every console form is refused without a valid CSRF
// token, a member's forged-but-valid form is refused by permission, and
// another tenant's IDs answer 404 — each time nothing changes.
func TestConsole_Attacks(t *testing.T) {
	s := newSite(t, memory.New())
	acme := s.MainAccount(t, "acme")
	boss := s.ActiveUser(t, acme, "boss", security.RoleAccountManager)
	mia := s.ActiveUser(t, acme, "mia", security.RoleMember)
	globex := s.MainAccount(t, "globex")
	gus := s.ActiveUser(t, globex, "gus", security.RoleMember)
	gusKey := s.APIKey(t, globex, "globex-key", security.PermUsersRead)
	admin := s.signedInClient(t, "boss")
	events := len(s.Events(t, acme.ID))

	status := func(id string) users.Status {
		u, err := s.Kit.Users.Get(s.System(), id)
		require.NoError(t, err)
		return u.Status
	}
	t.Run("NoCSRF", func(t *testing.T) {
		for path, form := range map[string]url.Values{
			"/account/console/users/" + mia.ID + "/disable":    {"csrf": {""}},
			"/account/console/users/" + mia.ID + "/invitation": {"csrf": {"AAAA"}},
			"/account/console/users/new":                       {"csrf": {""}, "username": {"eve"}, "email": {"eve@acme.test"}},
			"/account/console/api-keys":                        {"csrf": {""}, "name": {"stolen"}, "permissions": {"users.read"}},
		} {
			r := admin.post(path, form)
			assert.Equal(t, http.StatusForbidden, r.Status, path)
			assert.Contains(t, r.Body, "could not be verified", path)
		}
		assert.Equal(t, users.StatusActive, status(mia.ID))
		page, err := s.Kit.Users.List(s.System(), users.ListInput{AccountID: acme.ID, Search: "eve"})
		require.NoError(t, err)
		assert.Empty(t, page.Users)
		keys, err := s.Kit.APIKeys.List(s.System(), apikeys.ListInput{AccountID: acme.ID})
		require.NoError(t, err)
		assert.Empty(t, keys.Keys)
		assert.Len(t, s.Events(t, acme.ID), events, "nothing reached a service")
	})
	t.Run("MemberWithValidToken", func(t *testing.T) {
		member := s.signedInClient(t, "mia")
		m := csrfField.FindStringSubmatch(member.get("/account/profile").Body)
		require.NotNil(t, m)
		r := member.post("/account/console/users/"+boss.ID+"/disable", url.Values{"csrf": {m[1]}})
		assert.Equal(t, http.StatusForbidden, r.Status)
		assert.Contains(t, r.Body, "You do not have access to this page")
		r = member.post("/account/console/api-keys", url.Values{"csrf": {m[1]}, "name": {"mine"}, "permissions": {"users.read"}})
		assert.Equal(t, http.StatusForbidden, r.Status)
		assert.Equal(t, users.StatusActive, status(boss.ID))
	})
	t.Run("OtherTenant", func(t *testing.T) {
		m := csrfField.FindStringSubmatch(admin.get("/account/console/users").Body)
		require.NotNil(t, m)
		for _, path := range []string{"/account/console/users/" + gus.ID + "/disable", "/account/console/users/" + gus.ID + "/invitation",
			"/account/console/api-keys/" + gusKey.Key.ID + "/revoke"} {
			r := admin.post(path, url.Values{"csrf": {m[1]}})
			assert.Equal(t, http.StatusNotFound, r.Status, path)
			assert.Contains(t, r.Body, "Page not found", path)
		}
		assert.Equal(t, users.StatusActive, status(gus.ID))
		k, err := s.Kit.APIKeys.Get(s.System(), gusKey.Key.ID)
		require.NoError(t, err)
		assert.Nil(t, k.RevokedAt)
	})
	t.Run("BadNewUser", func(t *testing.T) {
		r := admin.post("/account/console/users/new", url.Values{"username": {"x y"}, "email": {"not-an-email"}, "roles": {"member"}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
		assert.Contains(t, r.Body, `aria-invalid="true"`)
		assert.Contains(t, r.Body, `value="not-an-email"`, "what was typed stays")
	})
}
