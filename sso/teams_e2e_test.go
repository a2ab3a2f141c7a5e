package sso_test

import (
	"context"
	"net/http"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/accountkittest"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/sso"
	"github.com/accountkit/accountkit/teams"
)

// TestSSO_GroupSyncWithTeams runs group sync through the real teams service
// that kit wires: IdP groups become SSO teams, the user's SSO memberships
// follow each sign-in exactly, manual teams are untouched, SSO-team
// memberships cannot be edited by hand, team roles reach the session, and
// switching sync off turns the SSO teams into manual ones.
func TestSSO_GroupSyncWithTeams(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	f := newFixture(t, env)
	admin := env.UserCtx(t, f.admin)
	f.configure(t, map[string]any{"auto_create_groups": true}, http.StatusOK)

	ops, err := env.Kit.Teams.Create(admin, teams.CreateInput{Name: "Ops"})
	require.NoError(t, err)
	_, err = env.Kit.Teams.AddMembers(admin, ops.ID, []string{f.alice.ID})
	require.NoError(t, err)

	groups := func(names ...string) map[string][]string {
		return map[string][]string{sso.DefaultGroupAttribute: names}
	}
	memberOf := func() map[string]teams.Source {
		t.Helper()
		page, err := env.Kit.Teams.List(admin, teams.ListInput{Limit: 100})
		require.NoError(t, err)
		out := map[string]teams.Source{}
		for _, tm := range page.Teams {
			members, err := env.Kit.Teams.Members(admin, tm.ID, teams.MembersInput{Limit: 100})
			require.NoError(t, err)
			for _, u := range members.Users {
				if u.ID == f.alice.ID {
					out[tm.Name] = tm.Source
				}
			}
		}
		return out
	}

	require.Equal(t, http.StatusSeeOther, f.signIn(t, newBrowser(env), respOpts{NameID: "alice@contoso.test", Attrs: groups("Engineering", "Staff")}, "").Status)
	assert.Equal(t, map[string]teams.Source{"Ops": teams.SourceManual, "Engineering": teams.SourceSSO, "Staff": teams.SourceSSO}, memberOf())

	// Give an SSO team a role: the next session of alice carries it.
	page, err := env.Kit.Teams.List(admin, teams.ListInput{Search: "Engineering"})
	require.NoError(t, err)
	require.Len(t, page.Teams, 1)
	eng := page.Teams[0]
	roles := []string{security.RoleAccountManager}
	_, err = env.Kit.Teams.Update(admin, eng.ID, teams.Update{Roles: &roles})
	require.NoError(t, err, "an SSO team's roles stay manual")
	perms, err := env.Kit.Users.EffectivePermissions(context.Background(), f.alice)
	require.NoError(t, err)
	assert.True(t, perms.Has(security.PermUsersManage), "team roles reach the user")

	// Exactly the received set: Engineering goes, Ops (manual) stays.
	require.Equal(t, http.StatusSeeOther, f.signIn(t, newBrowser(env), respOpts{NameID: "alice@contoso.test", Attrs: groups("Staff")}, "").Status)
	assert.Equal(t, map[string]teams.Source{"Ops": teams.SourceManual, "Staff": teams.SourceSSO}, memberOf())
	perms, err = env.Kit.Users.EffectivePermissions(context.Background(), f.alice)
	require.NoError(t, err)
	assert.False(t, perms.Has(security.PermUsersManage), "leaving the group removes the role")

	// SSO-team memberships are the IdP's: manual edits are refused.
	_, err = env.Kit.Teams.AddMembers(admin, eng.ID, []string{f.admin.ID})
	assert.Error(t, err)
	r := env.Do(t, http.MethodPost, "/api/v1/teams/"+eng.ID+"/members", f.adminToken, map[string]any{"user_ids": []string{f.admin.ID}})
	assert.Equal(t, http.StatusForbidden, r.Status, string(r.Body))
	assert.Contains(t, r.Problem(t)["detail"], "single sign-on")

	// Switching group sync off turns the SSO teams into manual teams, members kept.
	f.configure(t, map[string]any{"auto_create_groups": false}, http.StatusOK)
	got := memberOf()
	names := make([]string, 0, len(got))
	for n, src := range got {
		names = append(names, n)
		assert.Equal(t, teams.SourceManual, src, n)
	}
	sort.Strings(names)
	assert.Equal(t, []string{"Ops", "Staff"}, names)
	_, err = env.Kit.Teams.AddMembers(admin, eng.ID, []string{f.admin.ID})
	assert.NoError(t, err, "now a manual team")
}

// TestOIDC_GroupSyncWithKitIssuer runs an OIDC sign-in through the public
// test kit's issuer (accountkittest.EnableOIDC), so the helper hosts use
// is exercised by the project's own tests: a configurable groups claim
// becomes SSO teams exactly, at each sign-in, and manual teams stay.
func TestOIDC_GroupSyncWithKitIssuer(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	acc := env.MainAccount(t, "contoso")
	admin := env.ActiveUser(t, acc, "admin", security.RoleAccountManager)
	alice := env.ActiveUser(t, acc, "alice")
	ctx := env.UserCtx(t, admin)
	ops, err := env.Kit.Teams.Create(ctx, teams.CreateInput{Name: "Ops"})
	require.NoError(t, err)
	_, err = env.Kit.Teams.AddMembers(ctx, ops.ID, []string{alice.ID})
	require.NoError(t, err)
	on, claim := true, "roles"
	issuer := env.EnableOIDC(t, acc, sso.OIDCUpdate{AutoCreateGroups: &on, GroupsClaim: &claim})

	teamsOf := func() []string {
		t.Helper()
		ts, err := env.Store.ListUserTeams(context.Background(), alice.ID)
		require.NoError(t, err)
		var names []string
		for _, tm := range ts {
			names = append(names, tm.Name)
		}
		sort.Strings(names)
		return names
	}
	res := issuer.SignIn(t, "", accountkittest.IDToken{Email: alice.Email, Groups: []string{"Ignored"},
		Claims: map[string]any{"roles": []string{"Engineering", "Support"}}})
	require.Equal(t, http.StatusSeeOther, res.Status, res.Body)
	assert.Equal(t, []string{"Engineering", "Ops", "Support"}, teamsOf())

	res = issuer.SignIn(t, "", accountkittest.IDToken{Email: alice.Email, Claims: map[string]any{"roles": []string{"Support"}}})
	require.Equal(t, http.StatusSeeOther, res.Status, res.Body)
	assert.Equal(t, []string{"Ops", "Support"}, teamsOf())

	res = issuer.SignIn(t, "", accountkittest.IDToken{Email: alice.Email, Expired: true})
	require.Equal(t, sso.ReasonOIDCIDTokenExpired, res.Reason)
	assert.Equal(t, []string{"Ops", "Support"}, teamsOf(), "a refused sign-in changes nothing")
}
