package teams_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/teams"
	"github.com/accountkit/accountkit/users"
)

func ptr[T any](v T) *T { return &v }

func code(err error) accountkit.Code { return accountkit.ErrorCode(err) }

// fixture is a main account "acme" with a sub-account, its Account Manager
// "boss", and another tree "rival" with its own manager.
type fixture struct {
	env       *kittest.Env
	main, sub *account.Account
	rival     *account.Account
	boss      *users.User
	mgr       context.Context
	rivalMgr  context.Context
	rivalUser *users.User
	numUsers  int
	teamsSvc  *teams.Service
	rivalTeam *teams.Team
}

func newFixture(t testing.TB, env *kittest.Env) *fixture {
	t.Helper()
	f := &fixture{env: env, teamsSvc: env.Kit.Teams}
	f.main = env.MainAccount(t, "acme")
	f.sub = env.SubAccount(t, f.main, "acme-eu")
	f.rival = env.MainAccount(t, "rival")
	f.boss = env.ActiveUser(t, f.main, "boss", security.RoleAccountManager)
	f.mgr = env.UserCtx(t, f.boss)
	rivalBoss := env.ActiveUser(t, f.rival, "rivalboss", security.RoleAccountManager)
	f.rivalMgr = env.UserCtx(t, rivalBoss)
	f.rivalUser = env.ActiveUser(t, f.rival, "rivaluser", security.RoleMember)
	var err error
	f.rivalTeam, err = env.Kit.Teams.Create(f.rivalMgr, teams.CreateInput{Name: "Rival team"})
	require.NoError(t, err)
	return f
}

// user creates an active member of the account.
func (f *fixture) user(t testing.TB, acc *account.Account) *users.User {
	t.Helper()
	f.numUsers++
	return f.env.ActiveUser(t, acc, fmt.Sprintf("user%d", f.numUsers), security.RoleMember)
}

// eachStore runs fn on a fresh fixture of every store kittest offers.
func eachStore(t *testing.T, fn func(t *testing.T, f *fixture)) {
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, newFixture(t, kittest.NewWithStore(t, open(t))))
		})
	}
}

func lastEvent(t *testing.T, f *fixture) *audit.Event {
	t.Helper()
	return f.env.LastEvent(t, f.main.ID)
}

func TestService_Create(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, f *fixture) {
		svc := f.teamsSvc
		t.Run("OK", func(t *testing.T) {
			tm, err := svc.Create(f.mgr, teams.CreateInput{Name: "  Support  ", Description: "Helps\ncustomers", Roles: []string{security.RoleMember, security.RoleMember}})
			require.NoError(t, err)
			assert.Equal(t, "Support", tm.Name, "trimmed")
			assert.Equal(t, f.main.ID, tm.AccountID, "defaults to the principal's account")
			assert.Equal(t, teams.SourceManual, tm.Source)
			assert.Equal(t, []string{security.RoleMember}, tm.Roles)
			got, err := svc.Get(f.mgr, tm.ID)
			require.NoError(t, err)
			assert.Equal(t, tm.ID, got.ID)
			assert.Zero(t, got.MemberCount)
			ev := lastEvent(t, f)
			assert.Equal(t, audit.ItemTeam, ev.Item)
			assert.Equal(t, audit.ActionCreate, ev.Action)
			assert.Equal(t, audit.StatusSuccess, ev.Status)
			assert.Equal(t, "Group created.", ev.Description)
			assert.Equal(t, tm.ID, ev.TargetID)

			inSub, err := svc.Create(f.mgr, teams.CreateInput{AccountID: f.sub.ID, Name: "Support"})
			require.NoError(t, err, "a sub-account is another account")
			assert.Equal(t, f.sub.ID, inSub.AccountID)
		})
		t.Run("ErrBadInput", func(t *testing.T) {
			before := len(f.env.Events(t, f.main.ID))
			cases := []struct {
				in    teams.CreateInput
				field string
			}{
				{teams.CreateInput{Name: ""}, "name"},
				{teams.CreateInput{Name: "   "}, "name"},
				{teams.CreateInput{Name: strings.Repeat("n", 101)}, "name"},
				{teams.CreateInput{Name: "bell\x07"}, "name"},
				{teams.CreateInput{Name: "bad\xffutf8"}, "name"},
				{teams.CreateInput{Name: "ok", Description: strings.Repeat("d", 501)}, "description"},
				{teams.CreateInput{Name: "ok", Roles: []string{"no-such-role"}}, "roles"},
				{teams.CreateInput{Name: "ok", Roles: []string{"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"}}, "roles"},
			}
			for _, c := range cases {
				_, err := svc.Create(f.mgr, c.in)
				require.Equal(t, accountkit.Invalid, code(err), "%+v", c.in)
				var e *accountkit.Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, c.field, e.Fields[0].Field)
			}
			_, err := svc.Create(f.mgr, teams.CreateInput{Name: strings.Repeat("n", 100)})
			require.NoError(t, err, "100 characters are fine")
			evs := f.env.Events(t, f.main.ID)
			require.Len(t, evs, before+len(cases)+1, "a failure event each")
			assert.Equal(t, "Group creation failed.", evs[1].Description)
			assert.Equal(t, audit.StatusFailure, evs[1].Status)
			page, err := svc.List(f.mgr, teams.ListInput{Search: "ok"})
			require.NoError(t, err)
			assert.Empty(t, page.Teams, "nothing created")
		})
		t.Run("ErrDuplicate", func(t *testing.T) {
			_, err := svc.Create(f.mgr, teams.CreateInput{Name: "Billing"})
			require.NoError(t, err)
			for _, n := range []string{"Billing", "BILLING", " billing "} {
				_, err = svc.Create(f.mgr, teams.CreateInput{Name: n})
				assert.Equal(t, accountkit.Conflict, code(err), n)
			}
			assert.Equal(t, "Group creation failed.", lastEvent(t, f).Description)
			_, err = svc.Create(f.rivalMgr, teams.CreateInput{Name: "Billing"})
			assert.NoError(t, err, "another tree may use the name")
		})
		t.Run("ErrEscalation", func(t *testing.T) {
			limited := kittest.As(kittest.Member(f.main.ID, "teamlead", security.PermTeamsManage, security.PermUsersRead))
			_, err := svc.Create(limited, teams.CreateInput{Name: "Admins", Roles: []string{security.RoleAccountManager}})
			assert.Equal(t, accountkit.Forbidden, code(err))
			_, err = svc.Create(limited, teams.CreateInput{Name: "Members", Roles: []string{security.RoleMember}})
			assert.NoError(t, err)
		})
		t.Run("ErrPermission", func(t *testing.T) {
			_, err := svc.Create(kittest.As(kittest.Member(f.main.ID, "reader", security.PermUsersRead)), teams.CreateInput{Name: "Nope"})
			assert.Equal(t, accountkit.Forbidden, code(err))
			_, err = svc.Create(context.Background(), teams.CreateInput{Name: "Nope"})
			assert.Equal(t, accountkit.Unauthenticated, code(err))
		})
	})
}

func TestService_UpdateDelete(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, f *fixture) {
		svc := f.teamsSvc
		tm, err := svc.Create(f.mgr, teams.CreateInput{Name: "Sales", Roles: []string{security.RoleMember}})
		require.NoError(t, err)
		_, err = svc.Create(f.mgr, teams.CreateInput{Name: "Taken"})
		require.NoError(t, err)
		auditor, err := f.env.Kit.Users.CreateRole(f.mgr, users.RoleInput{Name: "Auditor", Permissions: []string{string(security.PermAuditRead)}})
		require.NoError(t, err)

		up, err := svc.Update(f.mgr, tm.ID, teams.Update{Name: ptr("Sales EMEA"), Description: ptr("Europe"), Roles: &[]string{auditor.ID}})
		require.NoError(t, err)
		assert.Equal(t, "Sales EMEA", up.Name)
		assert.Equal(t, []string{auditor.ID}, up.Roles)
		ev := lastEvent(t, f)
		assert.Equal(t, "Group updated.", ev.Description)
		assert.Equal(t, "Sales", ev.Details["old_name"])

		_, err = svc.Update(f.mgr, tm.ID, teams.Update{Name: ptr("TAKEN")})
		assert.Equal(t, accountkit.Conflict, code(err))
		assert.Equal(t, "Group update failed.", lastEvent(t, f).Description)
		_, err = svc.Update(f.mgr, tm.ID, teams.Update{})
		assert.Equal(t, accountkit.Invalid, code(err))
		_, err = svc.Update(f.mgr, tm.ID, teams.Update{Roles: &[]string{"bogus"}})
		assert.Equal(t, accountkit.Invalid, code(err))
		limited := kittest.As(kittest.Member(f.main.ID, "teamlead", security.PermTeamsManage))
		_, err = svc.Update(limited, tm.ID, teams.Update{Roles: &[]string{auditor.ID, security.RoleAccountManager}})
		assert.Equal(t, accountkit.Forbidden, code(err), "adding a role the principal could not grant")
		_, err = svc.Update(limited, tm.ID, teams.Update{Description: ptr("ok")})
		assert.NoError(t, err, "keeping roles one does not hold is fine")
		got, err := svc.Get(f.mgr, tm.ID)
		require.NoError(t, err)
		assert.Equal(t, "Sales EMEA", got.Name, "failed updates changed nothing")
		assert.Equal(t, []string{auditor.ID}, got.Roles)

		u1, u2 := f.user(t, f.main), f.user(t, f.main)
		_, err = svc.AddMembers(f.mgr, tm.ID, []string{u1.ID, u2.ID})
		require.NoError(t, err)
		require.NoError(t, svc.Delete(f.mgr, tm.ID))
		ev = lastEvent(t, f)
		assert.Equal(t, "Group deleted.", ev.Description)
		assert.Equal(t, "2", ev.Details["members"])
		_, err = svc.Get(f.mgr, tm.ID)
		assert.Equal(t, accountkit.NotFound, code(err))
		_, err = f.env.Kit.Users.Get(f.mgr, u1.ID)
		assert.NoError(t, err, "members stay users")
		roles, err := svc.UserRoles(context.Background(), u1.ID)
		require.NoError(t, err)
		assert.Empty(t, roles, "and lose the team's roles")
		assert.Equal(t, accountkit.NotFound, code(svc.Delete(f.mgr, tm.ID)))
		assert.Equal(t, "Group deletion failed.", lastEvent(t, f).Description)
	})
}

func TestService_Members(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, f *fixture) {
		svc := f.teamsSvc
		tm, err := svc.Create(f.mgr, teams.CreateInput{Name: "Crew"})
		require.NoError(t, err)
		var ids []string
		for range 5 {
			ids = append(ids, f.user(t, f.main).ID)
		}

		t.Run("AddRemove", func(t *testing.T) {
			got, err := svc.AddMembers(f.mgr, tm.ID, ids[:3])
			require.NoError(t, err)
			assert.Equal(t, 3, got.MemberCount)
			ev := lastEvent(t, f)
			assert.Equal(t, "Group updated.", ev.Description)
			assert.Equal(t, "3", ev.Details["added"])
			got, err = svc.AddMembers(f.mgr, tm.ID, ids)
			require.NoError(t, err)
			assert.Equal(t, 5, got.MemberCount)
			assert.Equal(t, "2", lastEvent(t, f).Details["added"])
			got, err = svc.RemoveMembers(f.mgr, tm.ID, ids[4:])
			require.NoError(t, err)
			assert.Equal(t, 4, got.MemberCount)
			assert.Equal(t, "1", lastEvent(t, f).Details["removed"])
		})
		t.Run("ListMembers", func(t *testing.T) {
			reader := kittest.As(kittest.Member(f.main.ID, "reader", security.PermUsersRead))
			var names []string
			in := teams.MembersInput{Limit: 3}
			for range 5 {
				page, err := svc.Members(reader, tm.ID, in)
				require.NoError(t, err)
				for _, u := range page.Users {
					names = append(names, u.Username)
				}
				if page.NextCursor == "" {
					break
				}
				in.Cursor = page.NextCursor
			}
			assert.Equal(t, []string{"user1", "user2", "user3", "user4"}, names)
			page, err := svc.Members(reader, tm.ID, teams.MembersInput{Search: "USER3"})
			require.NoError(t, err)
			require.Len(t, page.Users, 1)
			_, err = svc.Members(reader, tm.ID, teams.MembersInput{Cursor: "garbage!"})
			assert.Equal(t, accountkit.Invalid, code(err))
			_, err = svc.AddMembers(reader, tm.ID, ids[:1])
			assert.Equal(t, accountkit.Forbidden, code(err), "reading is not managing")

			users, err := f.env.Kit.Users.List(reader, users.ListInput{Team: tm.ID})
			require.NoError(t, err)
			assert.Len(t, users.Users, 4, "the users list filters by team")
			_, err = f.env.Kit.Users.List(reader, usersInput("not-an-id"))
			assert.Equal(t, accountkit.Invalid, code(err))
		})
		t.Run("ErrBadMembers", func(t *testing.T) {
			before := len(f.env.Events(t, f.main.ID))
			subUser := f.user(t, f.sub)
			many := make([]string, teams.MaxMembersPerCall+1)
			for i := range many {
				many[i] = ids[0]
			}
			for name, list := range map[string][]string{
				"empty":        nil,
				"too many":     many,
				"malformed":    {ids[4], "nope"},
				"unknown":      {ids[4], "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"},
				"other tree":   {ids[4], f.rivalUser.ID},
				"sub-account":  {ids[4], subUser.ID},
				"team account": {f.rivalTeam.ID},
			} {
				_, err := svc.AddMembers(f.mgr, tm.ID, list)
				require.Equal(t, accountkit.Invalid, code(err), name)
				var e *accountkit.Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, "user_ids", e.Fields[0].Field, name)
			}
			// Unknown and foreign users get the same answer: nothing leaks.
			_, errUnknown := svc.AddMembers(f.mgr, tm.ID, []string{"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"})
			_, errRival := svc.AddMembers(f.mgr, tm.ID, []string{f.rivalUser.ID})
			assert.Equal(t, strings.ReplaceAll(errUnknown.Error(), "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "X"),
				strings.ReplaceAll(errRival.Error(), f.rivalUser.ID, "X"))
			got, err := svc.Get(f.mgr, tm.ID)
			require.NoError(t, err)
			assert.Equal(t, 4, got.MemberCount, "nothing changed")
			evs := f.env.Events(t, f.main.ID)
			assert.Len(t, evs, before+3+7+2, "a failure event each (after the sub-account user's three)")
			assert.Equal(t, "Group update failed.", evs[0].Description)
		})
		t.Run("ErrEscalation", func(t *testing.T) {
			admins, err := svc.Create(f.mgr, teams.CreateInput{Name: "Admins", Roles: []string{security.RoleAccountManager}})
			require.NoError(t, err)
			lead := f.user(t, f.main)
			leadCtx := kittest.As(&security.Principal{UserID: lead.ID, Username: lead.Username, AccountID: f.main.ID,
				Permissions: security.NewPermissionSet(security.PermTeamsManage, security.PermUsersRead)})
			_, err = svc.AddMembers(leadCtx, admins.ID, []string{lead.ID})
			assert.Equal(t, accountkit.Forbidden, code(err), "joining a team grants its roles")
			_, err = svc.AddMembers(leadCtx, tm.ID, []string{lead.ID})
			assert.NoError(t, err)
		})
	})
}

func usersInput(team string) users.ListInput { return users.ListInput{Team: team} }

func TestService_List(t *testing.T) {
	t.Parallel()
	f := newFixture(t, kittest.New(t))
	svc := f.teamsSvc
	for _, n := range []string{"delta", "Alpha", "charlie", "Bravo", "echo"} {
		_, err := svc.Create(f.mgr, teams.CreateInput{Name: n})
		require.NoError(t, err)
	}
	_, err := svc.FindOrCreateSSOTeam(f.env.System(), f.main.ID, "Foxtrot")
	require.NoError(t, err)
	var names []string
	in := teams.ListInput{Limit: 2}
	for range 10 {
		page, err := svc.List(f.mgr, in)
		require.NoError(t, err)
		for _, tm := range page.Teams {
			names = append(names, tm.Name)
		}
		if page.NextCursor == "" {
			break
		}
		in.Cursor = page.NextCursor
	}
	assert.Equal(t, []string{"Alpha", "Bravo", "charlie", "delta", "echo", "Foxtrot"}, names)
	page, err := svc.List(kittest.As(kittest.Member(f.main.ID, "reader", security.PermUsersRead)), teams.ListInput{Search: "HA", Source: "manual"})
	require.NoError(t, err)
	assert.Len(t, page.Teams, 2, "alpha and charlie")
	page, err = svc.List(f.mgr, teams.ListInput{Source: "sso"})
	require.NoError(t, err)
	require.Len(t, page.Teams, 1)
	for _, in := range []teams.ListInput{{Source: "ldap"}, {Cursor: "x"}, {Limit: 201}, {Limit: -1}, {Search: strings.Repeat("q", 257)}} {
		_, err := svc.List(f.mgr, in)
		assert.Equal(t, accountkit.Invalid, code(err), "%+v", in)
	}
	_, err = svc.List(kittest.As(kittest.Member(f.main.ID, "nobody")), teams.ListInput{})
	assert.Equal(t, accountkit.Forbidden, code(err))
}

func TestService_SSOTeams(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, f *fixture) {
		svc := f.teamsSvc
		sys := f.env.System()
		manual, err := svc.Create(f.mgr, teams.CreateInput{Name: "Finance"})
		require.NoError(t, err)
		alice, bob := f.user(t, f.main), f.user(t, f.main)
		_, err = svc.AddMembers(f.mgr, manual.ID, []string{bob.ID})
		require.NoError(t, err)

		t.Run("FindOrCreate", func(t *testing.T) {
			got, err := svc.FindOrCreateSSOTeam(sys, f.main.ID, "FINANCE")
			require.NoError(t, err)
			assert.Equal(t, manual.ID, got.ID, "a manual team of the name is used")
			assert.Equal(t, teams.SourceManual, got.Source, "and stays manual")
			eng, err := svc.FindOrCreateSSOTeam(sys, f.main.ID, " Engineering ")
			require.NoError(t, err)
			assert.Equal(t, teams.SourceSSO, eng.Source)
			assert.Equal(t, "Engineering", eng.Name)
			ev := lastEvent(t, f)
			assert.Equal(t, "Group created.", ev.Description)
			assert.Equal(t, "sso", ev.Details["source"])
			again, err := svc.FindOrCreateSSOTeam(sys, f.main.ID, "engineering")
			require.NoError(t, err)
			assert.Equal(t, eng.ID, again.ID)
			_, err = svc.FindOrCreateSSOTeam(sys, f.main.ID, "")
			assert.Equal(t, accountkit.Invalid, code(err))
			_, err = svc.FindOrCreateSSOTeam(f.rivalMgr, f.main.ID, "Spy")
			assert.Equal(t, accountkit.NotFound, code(err))
		})
		t.Run("SetMemberships", func(t *testing.T) {
			// As the sign-in flow does: acting as the signing-in user.
			asAlice := f.env.UserCtx(t, alice)
			require.NoError(t, svc.SetSSOMemberships(asAlice, alice.ID, f.main.ID, []string{"Engineering", "Domain_Users", "finance", "domain_users"}))
			names := func(u *users.User) []string {
				list, err := f.env.Store.ListUserTeams(context.Background(), u.ID)
				require.NoError(t, err)
				var out []string
				for _, tm := range list {
					out = append(out, tm.Name+":"+string(tm.Source))
				}
				return out
			}
			assert.Equal(t, []string{"Domain_Users:sso", "Engineering:sso"}, names(alice), "manual Finance untouched")
			require.NoError(t, svc.SetSSOMemberships(sys, bob.ID, f.main.ID, []string{"Domain_Users"}))
			assert.Equal(t, []string{"Domain_Users:sso", "Finance:manual"}, names(bob))
			require.NoError(t, svc.SetSSOMemberships(asAlice, alice.ID, f.main.ID, []string{"Ops"}))
			assert.Equal(t, []string{"Ops:sso"}, names(alice), "exactly the given SSO teams")
			require.NoError(t, svc.SetSSOMemberships(sys, bob.ID, f.main.ID, nil))
			assert.Equal(t, []string{"Finance:manual"}, names(bob))

			assert.Equal(t, accountkit.Invalid, code(svc.SetSSOMemberships(sys, bob.ID, f.main.ID, []string{"ok", strings.Repeat("g", 101)})))
			assert.Equal(t, []string{"Finance:manual"}, names(bob), "nothing changed")
			assert.Equal(t, accountkit.NotFound, code(svc.SetSSOMemberships(sys, f.rivalUser.ID, f.main.ID, []string{"x"})))
			assert.Equal(t, accountkit.NotFound, code(svc.SetSSOMemberships(f.rivalMgr, bob.ID, f.main.ID, []string{"x"})))
		})
		t.Run("MembershipsLocked", func(t *testing.T) {
			ops, err := f.env.Store.GetTeamByName(context.Background(), f.main.ID, "ops")
			require.NoError(t, err)
			before := ops.MemberCount
			_, err = svc.AddMembers(f.mgr, ops.ID, []string{bob.ID})
			require.Equal(t, accountkit.Forbidden, code(err))
			assert.Contains(t, err.Error(), "the team is managed by single sign-on")
			_, err = svc.RemoveMembers(f.mgr, ops.ID, []string{alice.ID})
			assert.Equal(t, accountkit.Forbidden, code(err))
			assert.Equal(t, "Group update failed.", lastEvent(t, f).Description)
			_, err = f.env.Kit.Users.Update(f.mgr, bob.ID, users.Update{Teams: &[]string{ops.ID}})
			assert.Equal(t, accountkit.Forbidden, code(err), "nor through the user")
			got, err := svc.Get(f.mgr, ops.ID)
			require.NoError(t, err)
			assert.Equal(t, before, got.MemberCount)

			got, err = svc.Update(f.mgr, ops.ID, teams.Update{Name: ptr("Operations"), Roles: &[]string{security.RoleMember}, Description: ptr("from the IdP")})
			require.NoError(t, err, "name, roles and description may change")
			assert.Equal(t, teams.SourceSSO, got.Source)
			// Alice keeps her SSO team when her manual teams are edited.
			_, err = f.env.Kit.Users.Update(f.mgr, alice.ID, users.Update{Teams: &[]string{manual.ID, ops.ID}})
			require.NoError(t, err, "an SSO team the user is in may be sent back")
			list, err := f.env.Store.ListUserTeams(context.Background(), alice.ID)
			require.NoError(t, err)
			assert.Len(t, list, 2)
		})
		t.Run("RenameKeepsSync", func(t *testing.T) {
			// Ops was renamed Operations (with a role) above; the IdP still
			// sends "Ops": the same team, its roles and members stay.
			ops, err := f.env.Store.GetTeamByName(context.Background(), f.main.ID, "Operations")
			require.NoError(t, err)
			assert.Equal(t, "ops", ops.ExternalKey)
			require.NoError(t, svc.SetSSOMemberships(f.env.UserCtx(t, alice), alice.ID, f.main.ID, []string{"Ops"}))
			_, err = f.env.Store.GetTeamByName(context.Background(), f.main.ID, "Ops")
			assert.Equal(t, accountkit.NotFound, code(err), "no new team of the IdP's name")
			got, err := svc.Get(f.mgr, ops.ID)
			require.NoError(t, err)
			assert.Equal(t, "Operations", got.Name)
			assert.Equal(t, []string{security.RoleMember}, got.Roles)
			assert.Equal(t, 1, got.MemberCount, "alice stays a member")
			require.NoError(t, svc.SetSSOMemberships(sys, bob.ID, f.main.ID, []string{"ops"}))
			got, err = svc.Get(f.mgr, ops.ID)
			require.NoError(t, err)
			assert.Equal(t, 2, got.MemberCount, "the group joins the renamed team")
			require.NoError(t, svc.SetSSOMemberships(sys, bob.ID, f.main.ID, nil))
		})
		t.Run("ConvertToManual", func(t *testing.T) {
			assert.Equal(t, accountkit.Forbidden, code(svc.ConvertSSOTeamsToManual(kittest.As(kittest.Member(f.main.ID, "x", security.PermTeamsManage)), f.main.ID)))
			assert.Equal(t, accountkit.NotFound, code(svc.ConvertSSOTeamsToManual(f.rivalMgr, f.main.ID)))
			require.NoError(t, svc.ConvertSSOTeamsToManual(f.mgr, f.main.ID))
			page, err := svc.List(f.mgr, teams.ListInput{Source: "sso"})
			require.NoError(t, err)
			assert.Empty(t, page.Teams)
			ops, err := f.env.Store.GetTeamByName(context.Background(), f.main.ID, "Operations")
			require.NoError(t, err)
			assert.Equal(t, teams.SourceManual, ops.Source)
			assert.Equal(t, 1, ops.MemberCount, "members are kept")
			assert.Equal(t, "sso→manual", lastEvent(t, f).Details["source"])
			_, err = svc.AddMembers(f.mgr, ops.ID, []string{bob.ID})
			assert.NoError(t, err, "a converted team is managed by hand")
		})
	})
}

// TestService_SessionInheritsTeamRoles signs a user in and checks the
// session's principal holds the permissions of its teams' roles, and loses
// them with the membership.
func TestService_SessionInheritsTeamRoles(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, f *fixture) {
		svc := f.teamsSvc
		auditor, err := f.env.Kit.Users.CreateRole(f.mgr, users.RoleInput{Name: "Auditor", Permissions: []string{string(security.PermAuditRead)}})
		require.NoError(t, err)
		tm, err := svc.Create(f.mgr, teams.CreateInput{Name: "Auditors", Roles: []string{auditor.ID}})
		require.NoError(t, err)
		u := f.user(t, f.main)
		token := f.env.Login(t, u.Username, kittest.Password)
		p, _, err := f.env.Kit.Auth.SessionPrincipal(context.Background(), token)
		require.NoError(t, err)
		assert.False(t, p.Permissions.Has(security.PermAuditRead))

		_, err = svc.AddMembers(f.mgr, tm.ID, []string{u.ID})
		require.NoError(t, err)
		p, _, err = f.env.Kit.Auth.SessionPrincipal(context.Background(), token)
		require.NoError(t, err)
		assert.True(t, p.Permissions.Has(security.PermAuditRead), "team roles are inherited")
		assert.False(t, p.Permissions.Has(security.PermUsersManage))

		_, err = svc.RemoveMembers(f.mgr, tm.ID, []string{u.ID})
		require.NoError(t, err)
		p, _, err = f.env.Kit.Auth.SessionPrincipal(context.Background(), token)
		require.NoError(t, err)
		assert.False(t, p.Permissions.Has(security.PermAuditRead), "and lost with the membership")
	})
}

func TestService_UserTeams(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, f *fixture) {
		svc := f.teamsSvc
		a, err := svc.Create(f.mgr, teams.CreateInput{Name: "A"})
		require.NoError(t, err)
		b, err := svc.Create(f.mgr, teams.CreateInput{Name: "B", Roles: []string{security.RoleMember}})
		require.NoError(t, err)
		admins, err := svc.Create(f.mgr, teams.CreateInput{Name: "Admins", Roles: []string{security.RoleAccountManager}})
		require.NoError(t, err)
		subTeam, err := svc.Create(f.mgr, teams.CreateInput{AccountID: f.sub.ID, Name: "Sub"})
		require.NoError(t, err)
		sso, err := svc.FindOrCreateSSOTeam(f.env.System(), f.main.ID, "IdP")
		require.NoError(t, err)

		u, err := f.env.Kit.Users.Create(f.mgr, users.CreateInput{Username: "newbie", Email: "newbie@acme.test", Teams: []string{a.ID, b.ID, a.ID}})
		require.NoError(t, err)
		list, err := f.env.Store.ListUserTeams(context.Background(), u.ID)
		require.NoError(t, err)
		require.Len(t, list, 2)
		page, err := f.env.Kit.Users.List(f.mgr, users.ListInput{Team: b.ID})
		require.NoError(t, err)
		require.Len(t, page.Users, 1)
		assert.Equal(t, "newbie", page.Users[0].Username)

		_, err = f.env.Kit.Users.Update(f.mgr, u.ID, users.Update{Teams: &[]string{b.ID}})
		require.NoError(t, err)
		list, err = f.env.Store.ListUserTeams(context.Background(), u.ID)
		require.NoError(t, err)
		require.Len(t, list, 1)
		assert.Equal(t, "B", list[0].Name)
		ev := f.env.Events(t, f.main.ID)
		assert.Equal(t, "User updated.", ev[0].Description)
		assert.Equal(t, "Group updated.", ev[1].Description)
		assert.Equal(t, "1", ev[1].Details["removed"])

		for name, c := range map[string]struct {
			teams []string
			code  accountkit.Code
		}{
			"sub-account team": {[]string{subTeam.ID}, accountkit.Invalid},
			"other tree":       {[]string{f.rivalTeam.ID}, accountkit.Invalid},
			"unknown":          {[]string{"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"}, accountkit.Invalid},
			"malformed":        {[]string{"x"}, accountkit.Invalid},
			"sso":              {[]string{sso.ID}, accountkit.Forbidden},
		} {
			_, err := f.env.Kit.Users.Create(f.mgr, users.CreateInput{Username: "bad-" + strings.ReplaceAll(name, " ", "-"), Email: "bad@acme.test", Teams: c.teams})
			assert.Equal(t, c.code, code(err), name)
			_, err = f.env.Store.GetUserByUsername(context.Background(), "bad-"+strings.ReplaceAll(name, " ", "-"))
			assert.Equal(t, accountkit.NotFound, code(err), "%s: the user is not created", name)
			_, err = f.env.Kit.Users.Update(f.mgr, u.ID, users.Update{Teams: &c.teams})
			assert.Equal(t, c.code, code(err), name)
		}
		list, err = f.env.Store.ListUserTeams(context.Background(), u.ID)
		require.NoError(t, err)
		assert.Len(t, list, 1, "failed updates changed nothing")

		hr := kittest.As(kittest.Member(f.main.ID, "hr", security.PermUsersManage, security.PermUsersRead))
		_, err = f.env.Kit.Users.Update(hr, u.ID, users.Update{Teams: &[]string{admins.ID}})
		assert.Equal(t, accountkit.Forbidden, code(err), "joining a team grants its roles: no escalation")
		_, err = f.env.Kit.Users.Update(hr, u.ID, users.Update{Teams: &[]string{}})
		assert.NoError(t, err, "leaving teams needs no role")
	})
}

// TestService_OtherTree has a manager of another main account try every
// operation on acme's teams: each answers NotFound, like a missing team.
func TestService_OtherTree(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, f *fixture) {
		svc := f.teamsSvc
		tm, err := svc.Create(f.mgr, teams.CreateInput{Name: "Secret"})
		require.NoError(t, err)
		member := f.user(t, f.main)
		_, err = svc.AddMembers(f.mgr, tm.ID, []string{member.ID})
		require.NoError(t, err)
		rivalEvents := len(f.env.Events(t, f.rival.ID))
		acmeEvents := len(f.env.Events(t, f.main.ID))

		x := f.rivalMgr
		ops := map[string]error{}
		_, ops["get"] = svc.Get(x, tm.ID)
		_, ops["update"] = svc.Update(x, tm.ID, teams.Update{Name: ptr("Mine")})
		ops["delete"] = svc.Delete(x, tm.ID)
		_, ops["members"] = svc.Members(x, tm.ID, teams.MembersInput{})
		_, ops["add"] = svc.AddMembers(x, tm.ID, []string{f.rivalUser.ID})
		_, ops["remove"] = svc.RemoveMembers(x, tm.ID, []string{member.ID})
		_, ops["list"] = svc.List(x, teams.ListInput{AccountID: f.main.ID})
		_, ops["create"] = svc.Create(x, teams.CreateInput{AccountID: f.main.ID, Name: "Planted"})
		_, ops["find-or-create"] = svc.FindOrCreateSSOTeam(x, f.main.ID, "Planted")
		ops["set-sso"] = svc.SetSSOMemberships(x, member.ID, f.main.ID, []string{"Planted"})
		ops["convert"] = svc.ConvertSSOTeamsToManual(x, f.main.ID)
		_, ops["users-by-team"] = f.env.Kit.Users.List(x, users.ListInput{AccountID: f.main.ID, Team: tm.ID})
		for name, err := range ops {
			assert.Equal(t, accountkit.NotFound, code(err), name)
		}
		// The rival's own listing filtered by acme's team finds nobody.
		page, err := f.env.Kit.Users.List(x, users.ListInput{Team: tm.ID})
		require.NoError(t, err)
		assert.Empty(t, page.Users)
		// And a rival member cannot be put on acme's team by acme either.
		_, err = f.env.Kit.Users.Update(f.rivalMgr, f.rivalUser.ID, users.Update{Teams: &[]string{tm.ID}})
		assert.Equal(t, accountkit.Invalid, code(err))

		got, err := svc.Get(f.mgr, tm.ID)
		require.NoError(t, err)
		assert.Equal(t, "Secret", got.Name)
		assert.Equal(t, 1, got.MemberCount)
		_, err = f.env.Store.GetTeamByName(context.Background(), f.main.ID, "Planted")
		assert.Equal(t, accountkit.NotFound, code(err))
		assert.Len(t, f.env.Events(t, f.main.ID), acmeEvents, "the probes leave no trace in acme's log")
		assert.Greater(t, len(f.env.Events(t, f.rival.ID)), rivalEvents, "they are recorded in the rival's own log")
	})
}
