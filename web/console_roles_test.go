package web_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/teams"
	"github.com/accountkit/accountkit/users"
)

// TestBrowser_ConsoleRolesTeams is the second slice of the console, in
// Chromium, on the memory store and PostgreSQL: a custom role created,
// refused with a field error, edited and deleted; a team created with a
// role, a member added and removed, an SSO team read-only with its
// reason; every quick action of the users menu (lock, unlock, reset 2FA,
// move to a sub-account, delete after its confirmation page) with its
// effect read back from the services; the new filters and order; the
// seat on the user card. A plain member gets the 403 page on the Roles
// and Teams pages; another tenant's team and role IDs answer the same
// not-found page as random IDs. The memory run checks every new page
// with axe-core and, with -screenshots, photographs it.
func TestBrowser_ConsoleRolesTeams(t *testing.T) {
	for name, open := range kittest.Stores() {
		if name == "mysql" || name == "sqlite" {
			continue // the pages are store-agnostic; memory and PostgreSQL cover them
		}
		t.Run(name, func(t *testing.T) {
			rolesTeamsJourney(t, newSite(t, open(t)), name == "memory")
		})
	}
}

func rolesTeamsJourney(t *testing.T, s *site, look bool) {
	acme := s.MainAccount(t, "acme")
	branch := s.SubAccount(t, acme, "acme-branch")
	s.ActiveUser(t, acme, "boss", security.RoleAccountManager)
	mia := s.ActiveUser(t, acme, "mia", security.RoleMember)
	zoe := s.ActiveUser(t, acme, "zoe", security.RoleMember)
	globex := s.MainAccount(t, "globex")
	gusTeam := s.Team(t, globex, "Globex Ops")
	gusRole, err := s.Kit.Users.CreateRole(s.System(), users.RoleInput{AccountID: globex.ID, Name: "Globex auditor", Permissions: []string{"audit.read"}})
	require.NoError(t, err)
	sso, err := s.Kit.Teams.FindOrCreateSSOTeam(s.System(), acme.ID, "Domain_Users")
	require.NoError(t, err)
	require.NoError(t, s.Kit.Teams.SetSSOMemberships(s.System(), mia.ID, acme.ID, []string{"Domain_Users"}))
	s.Seats(t, acme, 5)
	s.AssignSeat(t, zoe)

	b := s.newTab(t, look)
	check := func(name string) {
		if look {
			b.fitsNarrow(name)
			b.check(name)
		}
	}
	b.signIn("boss")
	nav := textOf(b, "nav.side")
	assert.Contains(t, nav, "Teams")
	assert.Contains(t, nav, "Roles")

	// Roles: built-in read-only, a custom role created, refused, edited, deleted.
	b.click(`nav.side a[href="/account/console/roles"]`)
	assert.Contains(t, textOf(b, "#builtin-roles"), "Account Manager")
	assert.Equal(t, "<missing>", b.attr(`#builtin-roles a`, "href"), "built-in roles have no edit link")
	check("console-roles")
	b.click(`a[href="/account/console/roles/new"]`)
	check("console-role-new")
	b.run(chromedp.Click(`input[name="permissions"][value="audit.read"]`, chromedp.ByQuery))
	b.submit("name") // no name: the service's field error, next to the field
	assert.Equal(t, "true", b.attr(`#f-name`, "aria-invalid"))
	assert.NotEmpty(t, textOf(b, "#f-name-error"))
	assert.NotEqual(t, "<missing>", b.attr(`input[name="permissions"][value="audit.read"]:checked`, "value"), "the ticks stay")
	b.fill("name", "Auditor")
	b.submit("name")
	assert.Contains(t, b.text(), "The role was created.")
	roleID := strings.TrimPrefix(strings.Split(b.path(), "?")[0], "/account/console/roles/")
	role := customRole(t, s, acme.ID, roleID)
	require.NotNil(t, role)
	assert.Equal(t, []string{"audit.read"}, role.Permissions)
	check("console-role")
	b.fill("name", "Auditors")
	b.run(chromedp.Click(`input[name="permissions"][value="users.read"]`, chromedp.ByQuery))
	b.submit("name")
	assert.Contains(t, b.text(), "The role was saved.")
	role = customRole(t, s, acme.ID, roleID)
	assert.Equal(t, "Auditors", role.Name)
	assert.Equal(t, []string{"audit.read", "users.read"}, role.Permissions)
	b.click(`form[action="/account/console/roles/` + roleID + `/delete"] button`)
	assert.Contains(t, b.text(), "The role was deleted.")
	assert.Nil(t, customRole(t, s, acme.ID, roleID))

	// Teams: create with a role, add a member, remove; the SSO team is read-only.
	b.click(`nav.side a[href="/account/console/teams"]`)
	assert.Contains(t, textOf(b, "tbody"), "Domain_Users")
	check("console-teams")
	b.click(`a[href="/account/console/teams/new"]`)
	b.fill("name", "Ops")
	b.run(chromedp.Click(`input[name="roles"][value="`+security.RoleAccountManager+`"]`, chromedp.ByQuery))
	b.submit("name")
	assert.Contains(t, b.text(), "The team was created.")
	teamID := strings.TrimPrefix(strings.Split(b.path(), "?")[0], "/account/console/teams/")
	b.open("/account/console/teams/" + teamID + "?find=zoe")
	b.click(`#candidates form button`)
	assert.Contains(t, b.text(), "The member was added.")
	assert.Contains(t, textOf(b, "#members"), "zoe")
	check("console-team")
	members, err := s.Kit.Teams.Members(s.System(), teamID, teams.MembersInput{})
	require.NoError(t, err)
	require.Len(t, members.Users, 1)
	assert.Equal(t, zoe.ID, members.Users[0].ID)
	tm, err := s.Kit.Teams.Get(s.System(), teamID)
	require.NoError(t, err)
	assert.Equal(t, []string{security.RoleAccountManager}, tm.Roles, "the team carries its role")
	b.click(`#members form button`)
	assert.Contains(t, b.text(), "The member was removed.")
	members, err = s.Kit.Teams.Members(s.System(), teamID, teams.MembersInput{})
	require.NoError(t, err)
	assert.Empty(t, members.Users)
	b.open("/account/console/teams/" + sso.ID)
	assert.Contains(t, textOf(b, "#sso-note"), "managed by your identity provider; changes are overwritten at next sign-in")
	assert.Contains(t, textOf(b, "#members"), "mia")
	assert.Equal(t, "<missing>", b.attr(`#members form`, "action"), "no remove button on an SSO team")
	assert.Equal(t, "<missing>", b.attr(`#candidates`, "id"), "no add form on an SSO team")
	check("console-team-sso")
	b.open("/account/console/teams/" + teamID)
	b.click(`form[action="/account/console/teams/` + teamID + `/delete"] button`)
	assert.Contains(t, b.text(), "The team was deleted.")
	_, err = s.Kit.Teams.Get(s.System(), teamID)
	assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err))

	// The users menu: each quick action, its effect read from the service.
	get := func(id string) *users.User {
		u, err := s.Kit.Users.Get(s.System(), id)
		require.NoError(t, err)
		return u
	}
	menu := func(action string) {
		b.open("/account/console/users?q=zoe")
		b.run(chromedp.Click(`tbody tr details.menu summary`, chromedp.ByQuery))
		b.click(`form[action="/account/console/users/` + zoe.ID + `/` + action + `"] button`)
	}
	b.open("/account/console/users?q=zoe")
	b.run(chromedp.Click(`tbody tr details.menu summary`, chromedp.ByQuery))
	check("console-users-menu")
	menu("lock")
	assert.Contains(t, b.text(), "The user is locked.")
	assert.True(t, get(zoe.ID).Locked)
	b.open("/account/console/users?locked=yes")
	assert.Contains(t, textOf(b, "tbody"), "zoe")
	assert.NotContains(t, textOf(b, "tbody"), "mia")
	menu("unlock")
	assert.Contains(t, b.text(), "The user is unlocked.")
	assert.False(t, get(zoe.ID).Locked)
	s.EnrollTOTP(t, get(zoe.ID))
	menu("reset-2fa")
	assert.Contains(t, b.text(), "Two-factor authentication was reset.")
	err = s.Kit.Auth.ResetTwoFactor(s.System(), zoe.ID)
	assert.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err), "no 2FA left to reset")

	// The card: verified checkmark, seat.
	b.open("/account/console/users/" + zoe.ID)
	assert.Contains(t, textOf(b, "#seat"), "Holds a seat")
	b.open("/account/console/users/" + mia.ID)
	assert.Contains(t, textOf(b, "#seat"), "No seat")

	// Filters and order: newest first, inactive for more than 30 days.
	b.open("/account/console/users?sort=-created")
	rows := textOf(b, "tbody")
	assert.Less(t, strings.Index(rows, "zoe"), strings.Index(rows, "boss"), "newest first")
	b.open("/account/console/users?inactive=30")
	assert.Contains(t, textOf(b, "tbody"), "No user matches.")
	b.open("/account/console/users?inactive=abc")
	assert.Equal(t, "true", b.attr(`#f-inactive`, "aria-invalid"), "a bad filter is named")
	assert.Contains(t, textOf(b, "#f-inactive-error"), "3650")

	// Move to the sub-account, then the account filter finds her there.
	b.open("/account/console/users/" + zoe.ID)
	b.run(chromedp.Click(`details.menu summary`, chromedp.ByQuery))
	b.click(`a[href="/account/console/users/` + zoe.ID + `/move"]`)
	check("console-user-move")
	b.run(chromedp.SetValue(`#f-account_id`, branch.ID, chromedp.ByQuery))
	b.click(`form[action$="/move"] button[type=submit]`)
	assert.Contains(t, b.text(), "The user was moved.")
	assert.Equal(t, branch.ID, get(zoe.ID).AccountID)
	b.open("/account/console/users?account=" + branch.ID)
	assert.Contains(t, textOf(b, "tbody"), "zoe")
	assert.NotContains(t, textOf(b, "tbody"), "mia")
	b.open("/account/console/users?sub=1")
	assert.Contains(t, textOf(b, "tbody"), "zoe", "sub-accounts included")

	// Delete, after its confirmation page.
	b.open("/account/console/users/" + zoe.ID + "/delete")
	assert.Contains(t, b.main(), "zoe (zoe@acme.test) is removed")
	check("console-user-delete")
	b.click(`form[action$="/delete"] button[type=submit]`)
	assert.Contains(t, b.text(), "The user was deleted.")
	_, err = s.Kit.Users.Get(s.System(), zoe.ID)
	assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err))

	// Another tenant's team and role answer like random IDs.
	for _, pair := range [][2]string{{"/account/console/teams/" + gusTeam.ID, "/account/console/teams/" + uuid.NewString()},
		{"/account/console/roles/" + gusRole.ID, "/account/console/roles/" + uuid.NewString()}} {
		assert.Equal(t, http.StatusNotFound, b.openStatus(pair[0]), pair[0])
		foreign := b.main()
		assert.Equal(t, http.StatusNotFound, b.openStatus(pair[1]), pair[1])
		assert.Equal(t, foreign, b.main())
		assert.NotContains(t, foreign, "Globex")
	}

	// A plain member: the 403 page on Roles and Teams.
	m := s.newTab(t, false)
	m.signIn("mia")
	for _, path := range []string{"/account/console/roles", "/account/console/roles/new", "/account/console/teams",
		"/account/console/teams/new", "/account/console/teams/" + sso.ID, "/account/console/users/" + mia.ID + "/delete",
		"/account/console/users/" + mia.ID + "/move"} {
		assert.Equal(t, http.StatusForbidden, m.openStatus(path), path)
		assert.Contains(t, m.main(), "You do not have access to this page", path)
	}
}

// customRole reads a custom role of the account through the service, or
// nil.
func customRole(t *testing.T, s *site, accountID, id string) *users.RoleView {
	t.Helper()
	list, err := s.Kit.Users.Roles(s.System(), accountID)
	require.NoError(t, err)
	if i := slices.IndexFunc(list, func(r users.RoleView) bool { return r.Key == id }); i >= 0 {
		return &list[i]
	}
	return nil
}
