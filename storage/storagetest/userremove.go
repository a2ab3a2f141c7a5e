package storagetest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/notifications"
	"github.com/accountkit/accountkit/sso"
	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/teams"
	"github.com/accountkit/accountkit/users"
)

// testUserRemoval runs the cases of DeleteUser and MoveUser.
func testUserRemoval(t *testing.T, h Harness) {
	runAll(t, h, []subtest{
		{name: "DeleteRemovesEverything", run: testDeleteUser},
		{name: "DeleteRollback", run: testDeleteUserRollback},
		{name: "MoveLeavesAccountData", run: testMoveUser},
		{name: "APIKeysByCreator", run: testAPIKeysByCreator},
	})
}

// removalFixture is a user with something in every domain that keeps
// per-user rows, and a bystander with the same, who must keep everything.
type removalFixture struct {
	main, sub    *account.Account
	u, other     *users.User
	team         *teams.Team
	note         *notifications.Notification
	uSession     *auth.Session
	otherSession *auth.Session
}

const removalIdP = "https://idp.example/removal"

func mustRemovalFixture(t *testing.T, s storage.Store, prefix string) removalFixture {
	t.Helper()
	f := removalFixture{main: newMain(prefix)}
	f.sub = newSub(f.main, prefix+"-sub")
	mustCreate(t, s, f.main, f.sub)
	f.u, f.other = newUser(f.main, prefix+"-u"), newUser(f.main, prefix+"-o")
	f.u.Roles, f.other.Roles = []string{"member"}, []string{"member"}
	mustCreateUser(t, s, f.u, f.other)
	f.team = newTeam(f.main, "Team")
	mustCreateTeam(t, s, f.team)
	f.note = newNotification(f.main.ID, 1, "Hello")
	require.NoError(t, s.CreateNotification(ctx(), f.note))
	for i, u := range []*users.User{f.u, f.other} {
		require.NoError(t, s.CreateToken(ctx(), newToken(u, users.TokenPasswordReset, i)))
		sess := newSession(u, u.Username)
		require.NoError(t, s.CreateSession(ctx(), sess))
		if u == f.u {
			f.uSession = sess
		} else {
			f.otherSession = sess
		}
		require.NoError(t, s.PutTwoFactor(ctx(), &auth.TwoFactor{UserID: u.ID, Secret: []byte("sealed"), CreatedAt: at(0), UpdatedAt: at(0)}))
		_, err := s.AddTeamMembers(ctx(), f.team.ID, []string{u.ID})
		require.NoError(t, err)
		require.NoError(t, s.PutSSOLink(ctx(), &sso.Link{AccountID: f.main.ID, IdPEntityID: removalIdP, NameID: u.Email, UserID: u.ID, CreatedAt: at(0)}))
		mustCreateSeat(t, s, newSeat(u, i))
		deliver(t, s, f.note, u.ID)
		require.NoError(t, s.PutOptOut(ctx(), notifications.OptOut{UserID: u.ID, AccountID: f.main.ID, Type: notifications.AccountBalance}))
	}
	require.NoError(t, s.PutSSOConfig(ctx(), &sso.Config{AccountID: f.main.ID, IdPEntityID: removalIdP, IdPCertificates: []string{},
		BreakGlassUserID: f.u.ID, CreatedAt: at(0), UpdatedAt: at(0)}))
	return f
}

// userData reports what the store still keeps for u.
type userData struct {
	user, tokens, sessions, twoFactor, team, ssoLink, seat, inbox, optOuts bool
}

func dataOf(t *testing.T, s storage.Store, f removalFixture, u *users.User, sess *auth.Session) userData {
	t.Helper()
	c := ctx()
	var d userData
	_, err := s.GetUser(c, u.ID)
	d.user = err == nil
	toks, err := s.ListTokens(c, u.ID, users.TokenPasswordReset)
	require.NoError(t, err)
	d.tokens = len(toks) > 0
	_, err = s.GetSessionByToken(c, sess.TokenHash)
	d.sessions = err == nil
	_, err = s.GetTwoFactor(c, u.ID)
	d.twoFactor = err == nil
	ids, err := s.ListUserTeams(c, u.ID)
	require.NoError(t, err)
	d.team = len(ids) > 0
	_, err = s.GetSSOLink(c, f.main.ID, removalIdP, u.Email)
	d.ssoLink = err == nil
	_, err = s.GetSeat(c, u.ID)
	d.seat = err == nil
	inbox, err := s.ListInbox(c, notifications.InboxFilter{UserID: u.ID})
	require.NoError(t, err)
	d.inbox = len(inbox) > 0
	outs, err := s.ListOptOuts(c, u.ID)
	require.NoError(t, err)
	d.optOuts = len(outs) > 0
	return d
}

var everything = userData{true, true, true, true, true, true, true, true, true}

func breakGlass(t *testing.T, s storage.Store, accountID string) string {
	t.Helper()
	c, err := s.GetSSOConfig(ctx(), accountID)
	require.NoError(t, err)
	return c.BreakGlassUserID
}

func testDeleteUser(t *testing.T, s storage.Store) {
	f := mustRemovalFixture(t, s, "del")
	require.Equal(t, everything, dataOf(t, s, f, f.u, f.uSession))
	require.NoError(t, s.DeleteUser(ctx(), f.u.ID))
	assert.Equal(t, userData{}, dataOf(t, s, f, f.u, f.uSession), "nothing of the user is left")
	assert.Equal(t, everything, dataOf(t, s, f, f.other, f.otherSession), "the bystander keeps everything")
	assert.Empty(t, breakGlass(t, s, f.main.ID), "no break-glass user who does not exist")
	n, err := s.CountUsers(ctx(), users.Filter{AccountIDs: []string{f.main.ID}})
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Empty(t, listUsernames(t, s, users.Filter{AccountIDs: []string{f.main.ID}, Search: f.u.Username}),
		"the word search forgets the user")
	// The username and email are free again.
	again := newUser(f.main, f.u.Username)
	again.Email = f.u.Email
	mustCreateUser(t, s, again)
	assert.Equal(t, []string{f.u.Username}, listUsernames(t, s, users.Filter{AccountIDs: []string{f.main.ID}, Search: f.u.Username}))
	requireCode(t, accountkit.NotFound, s.DeleteUser(ctx(), f.u.ID))
	requireCode(t, accountkit.NotFound, s.DeleteUser(ctx(), newID()))
}

func testDeleteUserRollback(t *testing.T, s storage.Store) {
	f := mustRemovalFixture(t, s, "delrb")
	boom := accountkit.Errorf(accountkit.Internal, "boom")
	err := s.InTx(ctx(), func(ctx context.Context) error {
		if err := s.DeleteUser(ctx, f.u.ID); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	assert.Equal(t, everything, dataOf(t, s, f, f.u, f.uSession), "a rolled-back delete leaves everything")
	assert.Equal(t, f.u.ID, breakGlass(t, s, f.main.ID))
}

func testMoveUser(t *testing.T, s storage.Store) {
	f := mustRemovalFixture(t, s, "move")
	require.NoError(t, s.MoveUser(ctx(), f.u.ID, f.sub.ID))
	got, err := s.GetUser(ctx(), f.u.ID)
	require.NoError(t, err)
	assert.Equal(t, f.sub.ID, got.AccountID)
	assert.Equal(t, f.main.ID, got.MainAccountID)
	assert.Equal(t, []string{"member"}, got.Roles, "roles are UpdateUser's business")
	assert.Equal(t, userData{user: true, tokens: true, twoFactor: true, inbox: true, optOuts: true},
		dataOf(t, s, f, f.u, f.uSession), "the account's data goes, the user's stays")
	assert.Equal(t, everything, dataOf(t, s, f, f.other, f.otherSession))
	assert.Empty(t, breakGlass(t, s, f.main.ID))
	assert.Equal(t, []string{f.other.Username}, listUsernames(t, s, users.Filter{AccountIDs: []string{f.main.ID}}))
	assert.Equal(t, []string{f.u.Username}, listUsernames(t, s, users.Filter{AccountIDs: []string{f.sub.ID}}))
	// The word search follows the user into its new account.
	assert.Equal(t, []string{f.u.Username}, listUsernames(t, s, users.Filter{AccountIDs: []string{f.sub.ID}, Search: f.u.Username}))
	assert.Empty(t, listUsernames(t, s, users.Filter{AccountIDs: []string{f.main.ID}, Search: f.u.Username}))
	n, err := s.CountSeats(ctx(), f.main.ID, "")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	requireCode(t, accountkit.NotFound, s.MoveUser(ctx(), newID(), f.sub.ID))
}

func testAPIKeysByCreator(t *testing.T, s storage.Store) {
	a := newMain("keys-by-creator")
	mustCreate(t, s, a)
	k1, k2, k3, k4 := newAPIKey(a.ID, "one", 1), newAPIKey(a.ID, "two", 2), newAPIKey(a.ID, "three", 3), newAPIKey(a.ID, "four", 4)
	alice, bob := newID(), newID()
	k1.CreatedBy, k2.CreatedBy, k3.CreatedBy, k4.CreatedBy = alice, alice, bob, alice
	revoked := at(5)
	k4.RevokedAt = &revoked
	require.NoError(t, s.CreateAPIKey(ctx(), k1))
	require.NoError(t, s.CreateAPIKey(ctx(), k2))
	require.NoError(t, s.CreateAPIKey(ctx(), k3))
	require.NoError(t, s.CreateAPIKey(ctx(), k4))
	list, err := s.ListAPIKeysByCreator(ctx(), alice)
	require.NoError(t, err)
	var names []string
	for _, k := range list {
		names = append(names, k.Name)
	}
	want := []string{"one", "two"}
	if k2.ID < k1.ID {
		want = []string{"two", "one"}
	}
	assert.Equal(t, want, names, "unrevoked, by ID")
	list, err = s.ListAPIKeysByCreator(ctx(), newID())
	require.NoError(t, err)
	assert.Empty(t, list)
}
