package storagetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/users"
)

// grantStrings renders grants as sorted "key|team|custom-account|perms"
// strings, so stores may return them in any order.
func grantStrings(gs []users.GrantedRole) []string {
	out := make([]string, 0, len(gs))
	for _, g := range gs {
		team := "direct"
		if g.ViaTeam {
			team = "team"
		}
		custom := "-"
		if g.Custom {
			custom = g.CustomAccountID
		}
		out = append(out, g.Key+"|"+team+"|"+custom+"|"+strings.Join(g.CustomPermissions, ","))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// testSessionAuth: SessionAuth answers an unknown token NotFound, and for
// a session returns it whatever its state (expired, idle: the service
// judges), the user, the account path main account first with each
// status (a disabled account above included), and the direct and team
// grants with the custom roles of the tree and of another tree.
func testSessionAuth(t *testing.T, s storage.Store) {
	_, err := s.SessionAuth(ctx(), "tok-nobody-"+newID())
	require.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err), "unknown token: %v", err)

	main := newMain("sa-main")
	sub := newSub(main, "sa-sub")
	subsub := newSub(sub, "sa-subsub")
	other := newMain("sa-other")
	mustCreate(t, s, main, sub, subsub, other)
	inTree, outside := newRole(main, "sa-in"), newRole(other, "sa-out")
	inTree.Permissions = []string{"users.read", "users.manage"}
	require.NoError(t, s.CreateRole(ctx(), inTree))
	require.NoError(t, s.CreateRole(ctx(), outside))

	u := newUser(subsub, "sa-user")
	u.Roles = []string{"account_manager", inTree.ID}
	u.Locked = true
	mustCreateUser(t, s, u)
	tm := newTeam(sub, "sa-team")
	tm.Roles = []string{outside.ID, "billing_admin"}
	mustCreateTeam(t, s, tm)
	_, err = s.AddTeamMembers(ctx(), tm.ID, []string{u.ID})
	require.NoError(t, err)

	// An expired and long idle session is returned as it is.
	sess := newSession(u, "sa")
	sess.ExpiresAt, sess.LastSeenAt = at(10), at(0)
	require.NoError(t, s.CreateSession(ctx(), sess))
	got, err := s.SessionAuth(ctx(), sess.TokenHash)
	require.NoError(t, err)
	requireSession(t, sess, got.Session)
	require.Equal(t, &auth.SessionUser{ID: u.ID, Username: u.Username, AccountID: subsub.ID, Status: users.StatusActive, Locked: true}, got.User)
	require.Equal(t, []auth.AccountState{{ID: main.ID, Status: account.StatusEnabled}, {ID: sub.ID, Status: account.StatusEnabled},
		{ID: subsub.ID, Status: account.StatusEnabled}}, got.Accounts)
	want := grantStrings([]users.GrantedRole{
		{Key: "account_manager"},
		{Key: inTree.ID, Custom: true, CustomAccountID: main.ID, CustomPermissions: inTree.Permissions},
		{Key: outside.ID, ViaTeam: true, Custom: true, CustomAccountID: other.ID, CustomPermissions: outside.Permissions},
		{Key: "billing_admin", ViaTeam: true},
	})
	assert.Equal(t, want, grantStrings(got.Grants))

	// A disabled account above the user's shows in the path.
	sub.Status, sub.UpdatedAt = account.StatusDisabled, at(20)
	require.NoError(t, s.UpdateAccount(ctx(), sub))
	got, err = s.SessionAuth(ctx(), sess.TokenHash)
	require.NoError(t, err)
	require.Len(t, got.Accounts, 3)
	assert.Equal(t, account.StatusDisabled, got.Accounts[1].Status)
	assert.Equal(t, account.StatusEnabled, got.Accounts[2].Status)

	// Answers are copies: changing one changes nothing stored.
	got.Session.CSRFHash = "changed"
	for i := range got.Grants {
		if got.Grants[i].Custom && len(got.Grants[i].CustomPermissions) > 0 {
			got.Grants[i].CustomPermissions[0] = "changed"
		}
	}
	again, err := s.SessionAuth(ctx(), sess.TokenHash)
	require.NoError(t, err)
	assert.Equal(t, sess.CSRFHash, again.Session.CSRFHash)
	assert.Equal(t, want, grantStrings(again.Grants))

	// A user of a main account with no grants at all.
	plain := newUser(other, "sa-plain")
	mustCreateUser(t, s, plain)
	ps := newSession(plain, "sa-plain")
	ps.LastSeenAt = at(30).Add(time.Microsecond)
	require.NoError(t, s.CreateSession(ctx(), ps))
	got, err = s.SessionAuth(ctx(), ps.TokenHash)
	require.NoError(t, err)
	requireSession(t, ps, got.Session)
	require.NotNil(t, got.User)
	assert.Equal(t, plain.ID, got.User.ID)
	assert.Equal(t, []auth.AccountState{{ID: other.ID, Status: account.StatusEnabled}}, got.Accounts)
	assert.Empty(t, got.Grants)
}
