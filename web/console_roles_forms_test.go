package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/storage/memory"
	"github.com/accountkit/accountkit/teams"
	"github.com/accountkit/accountkit/users"
)

// TestConsole_RolesTeamsAttacks: the new console forms are refused
// without a valid CSRF token, a member's forged-but-valid form is refused
// by permission, and another tenant's role, team and user IDs answer the
// not-found page — each time nothing changes and no event is written.
func TestConsole_RolesTeamsAttacks(t *testing.T) {
	s := newSite(t, memory.New())
	acme := s.MainAccount(t, "acme")
	s.ActiveUser(t, acme, "boss", security.RoleAccountManager)
	mia := s.ActiveUser(t, acme, "mia", security.RoleMember)
	ops := s.Team(t, acme, "Ops")
	globex := s.MainAccount(t, "globex")
	gus := s.ActiveUser(t, globex, "gus", security.RoleMember)
	gusTeam := s.Team(t, globex, "Globex Ops")
	gusRole, err := s.Kit.Users.CreateRole(s.System(), users.RoleInput{AccountID: globex.ID, Name: "Globex auditor", Permissions: []string{"audit.read"}})
	require.NoError(t, err)
	admin := s.signedInClient(t, "boss")
	acmeEvents, globexEvents := len(s.Events(t, acme.ID)), len(s.Events(t, globex.ID))
	unchanged := func(t *testing.T) {
		t.Helper()
		assert.Len(t, s.Events(t, acme.ID), acmeEvents, "nothing reached a service")
		assert.Len(t, s.Events(t, globex.ID), globexEvents, "nothing reached a service")
		u, err := s.Kit.Users.Get(s.System(), gus.ID)
		require.NoError(t, err)
		assert.False(t, u.Locked)
		assert.Equal(t, globex.ID, u.AccountID)
		tm, err := s.Kit.Teams.Get(s.System(), gusTeam.ID)
		require.NoError(t, err)
		assert.Equal(t, "Globex Ops", tm.Name)
		assert.Zero(t, tm.MemberCount)
	}

	t.Run("NoCSRF", func(t *testing.T) {
		for path, form := range map[string]url.Values{
			"/account/console/roles/new":                           {"csrf": {""}, "name": {"Evil"}, "permissions": {"audit.read"}},
			"/account/console/teams/new":                           {"csrf": {""}, "name": {"Evil"}},
			"/account/console/teams/" + ops.ID + "/members":        {"csrf": {"AAAA"}, "user_id": {mia.ID}},
			"/account/console/teams/" + ops.ID + "/delete":         {"csrf": {""}},
			"/account/console/users/" + mia.ID + "/lock":           {"csrf": {""}},
			"/account/console/users/" + mia.ID + "/delete":         {"csrf": {""}},
			"/account/console/users/" + mia.ID + "/move":           {"csrf": {""}, "account_id": {acme.ID}},
			"/account/console/users/" + mia.ID + "/reset-2fa":      {"csrf": {""}},
			"/account/console/roles/" + gusRole.ID + "/delete":     {"csrf": {""}},
			"/account/console/teams/" + ops.ID + "/members/remove": {"csrf": {""}, "user_id": {mia.ID}},
		} {
			r := admin.post(path, form)
			assert.Equal(t, http.StatusForbidden, r.Status, path)
			assert.Contains(t, r.Body, "could not be verified", path)
		}
		unchanged(t)
		_, err := s.Kit.Teams.Get(s.System(), ops.ID)
		require.NoError(t, err, "the team is still there")
	})
	t.Run("MemberWithValidToken", func(t *testing.T) {
		member := s.signedInClient(t, "mia")
		m := csrfField.FindStringSubmatch(member.get("/account/profile").Body)
		require.NotNil(t, m)
		acmeEvents = len(s.Events(t, acme.ID)) // the sign-in is audited
		for path, form := range map[string]url.Values{
			"/account/console/roles/new":                    {"csrf": {m[1]}, "name": {"Mine"}, "permissions": {}},
			"/account/console/teams/new":                    {"csrf": {m[1]}, "name": {"Mine"}},
			"/account/console/teams/" + ops.ID + "/members": {"csrf": {m[1]}, "user_id": {mia.ID}},
			"/account/console/teams/" + ops.ID + "/delete":  {"csrf": {m[1]}},
			"/account/console/users/" + mia.ID + "/unlock":  {"csrf": {m[1]}},
		} {
			r := member.post(path, form)
			assert.Equal(t, http.StatusForbidden, r.Status, path)
			assert.Contains(t, r.Body, "You do not have access to this page", path)
		}
		unchanged(t)
		page, err := s.Kit.Teams.Members(s.System(), ops.ID, teams.MembersInput{})
		require.NoError(t, err)
		assert.Empty(t, page.Users)
	})
	t.Run("OtherTenant", func(t *testing.T) {
		m := csrfField.FindStringSubmatch(admin.get("/account/console/users").Body)
		require.NotNil(t, m)
		for path, form := range map[string]url.Values{
			"/account/console/roles/" + gusRole.ID:              {"csrf": {m[1]}, "name": {"Taken"}, "permissions": {"audit.read"}},
			"/account/console/roles/" + gusRole.ID + "/delete":  {"csrf": {m[1]}},
			"/account/console/teams/" + gusTeam.ID:              {"csrf": {m[1]}, "name": {"Taken"}},
			"/account/console/teams/" + gusTeam.ID + "/delete":  {"csrf": {m[1]}},
			"/account/console/teams/" + gusTeam.ID + "/members": {"csrf": {m[1]}, "user_id": {gus.ID}},
			"/account/console/users/" + gus.ID + "/lock":        {"csrf": {m[1]}},
			"/account/console/users/" + gus.ID + "/reset-2fa":   {"csrf": {m[1]}},
			"/account/console/users/" + gus.ID + "/move":        {"csrf": {m[1]}, "account_id": {acme.ID}},
			"/account/console/users/" + gus.ID + "/delete":      {"csrf": {m[1]}},
		} {
			r := admin.post(path, form)
			assert.Equal(t, http.StatusNotFound, r.Status, path)
			assert.Contains(t, r.Body, "Page not found", path)
		}
		for _, path := range []string{"/account/console/users/" + gus.ID + "/move", "/account/console/users/" + gus.ID + "/delete",
			"/account/console/users?account=" + globex.ID} {
			r := admin.get(path)
			assert.Equal(t, http.StatusNotFound, r.Status, path)
		}
		// A member of the own account added to the own team is fine, but
		// another tenant's user is refused by the service (no such user).
		r := admin.post("/account/console/teams/"+ops.ID+"/members", url.Values{"csrf": {m[1]}, "user_id": {gus.ID}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
		assert.NotContains(t, r.Body, "gus")
		role, err := s.Kit.Users.Roles(s.System(), globex.ID)
		require.NoError(t, err)
		assert.Contains(t, roleNames(role), "Globex auditor")
		_, err = s.Kit.Users.Get(s.System(), gus.ID)
		require.NoError(t, err, "not deleted")
		u, _ := s.Kit.Users.Get(s.System(), gus.ID)
		assert.False(t, u.Locked)
		assert.Len(t, s.Events(t, globex.ID), globexEvents, "globex saw nothing")
	})
}

func roleNames(list []users.RoleView) []string {
	out := make([]string, len(list))
	for i, r := range list {
		out[i] = r.Name
	}
	return out
}
