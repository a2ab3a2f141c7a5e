package storagetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/teams"
	"github.com/accountkit/accountkit/users"
)

func testTeams(t *testing.T, h Harness) {
	runAll(t, h, []subtest{
		{name: "CreateGet", run: testTeamCreateGet},
		{name: "Conflict", run: testTeamConflict},
		{name: "ConcurrentCreateSameName", run: testTeamConcurrentCreate},
		{name: "Ensure", run: testTeamEnsure},
		{name: "EnsureConcurrent", run: testTeamEnsureConcurrent},
		{name: "ExternalKey", run: testTeamExternalKey},
		{name: "GetByName", run: testTeamGetByName},
		{name: "Update", run: testTeamUpdate},
		{name: "Members", run: testTeamMembers},
		{name: "DeleteCascades", run: testTeamDelete},
		{name: "ListPaginationSearch", run: testTeamList},
		{name: "UserTeams", run: testTeamUserTeams},
		{name: "DeleteRoleRemovesTeamGrants", run: testTeamDeleteRole},
		{name: "AccountUserIDs", run: testTeamAccountUserIDs},
		{name: "UsersByTeam", run: testTeamUsersFilter},
		{name: "RollbackLeavesNothing", run: testTeamRollback},
		{name: "AnotherAccountSeesNothing", run: testTeamAnotherAccount},
	})
}

// newTeam returns a manual team of a with the name, not yet stored.
func newTeam(a *account.Account, name string) *teams.Team {
	return &teams.Team{ID: newID(), AccountID: a.ID, Name: name, Description: "Team " + name,
		Source: teams.SourceManual, CreatedAt: at(0), UpdatedAt: at(0)}
}

func mustCreateTeam(t testing.TB, s storage.Store, list ...*teams.Team) {
	t.Helper()
	for _, tm := range list {
		require.NoError(t, s.CreateTeam(ctx(), tm), "create team %s", tm.Name)
	}
}

// requireTeam fails t unless got holds every field of want, roles sorted,
// with the member count.
func requireTeam(t testing.TB, want *teams.Team, members int, got *teams.Team) {
	t.Helper()
	require.NotNil(t, got)
	requireUTC(t, want.CreatedAt.UTC().Truncate(time.Microsecond), got.CreatedAt, "CreatedAt")
	requireUTC(t, want.UpdatedAt.UTC().Truncate(time.Microsecond), got.UpdatedAt, "UpdatedAt")
	w, g := *want, *got
	w.Roles = sortedRoles(w.Roles)
	w.MemberCount = members
	w.CreatedAt, w.UpdatedAt, g.CreatedAt, g.UpdatedAt = base, base, base, base
	require.Equal(t, w, g)
}

func teamNamesOf(list []*teams.Team) []string {
	out := []string{}
	for _, tm := range list {
		out = append(out, tm.Name)
	}
	return out
}

func testTeamCreateGet(t *testing.T, s storage.Store) {
	main := newMain("teams-get")
	mustCreate(t, s, main)
	tm := newTeam(main, "Support — Ünïcode")
	tm.Roles = []string{"viewer", "account_manager", newID()}
	tm.Source = teams.SourceSSO
	tm.CreatedAt = at(-10).In(time.FixedZone("X", 3600)).Add(999 * time.Nanosecond)
	tm.MemberCount = 42 // ignored
	empty := newTeam(main, "Empty")
	empty.Description = ""
	mustCreateTeam(t, s, tm, empty)

	got, err := s.GetTeam(ctx(), tm.ID)
	require.NoError(t, err)
	requireTeam(t, tm, 0, got)
	got, err = s.GetTeam(ctx(), empty.ID)
	require.NoError(t, err)
	requireTeam(t, empty, 0, got)
	assert.Nil(t, got.Roles, "no roles is nil")

	got.Roles = append(got.Roles, "x")
	again, err := s.GetTeam(ctx(), empty.ID)
	require.NoError(t, err)
	assert.Nil(t, again.Roles, "returned teams are copies")

	_, err = s.GetTeam(ctx(), newID())
	requireCode(t, accountkit.NotFound, err)
}

func testTeamConflict(t *testing.T, s storage.Store) {
	main, other := newMain("teams-conflict"), newMain("teams-conflict-other")
	sub := newSub(main, "teams-conflict-sub")
	mustCreate(t, s, main, other, sub)
	tm := newTeam(main, "Support")
	mustCreateTeam(t, s, tm)
	dupID := newTeam(main, "Other")
	dupID.ID = tm.ID
	requireCode(t, accountkit.Conflict, s.CreateTeam(ctx(), dupID))
	for _, name := range []string{"Support", "SUPPORT", "support"} {
		dup := newTeam(main, name)
		requireCode(t, accountkit.Conflict, s.CreateTeam(ctx(), dup), "name %q", name)
		_, err := s.GetTeam(ctx(), dup.ID)
		requireCode(t, accountkit.NotFound, err)
	}
	mustCreateTeam(t, s, newTeam(other, "support"), newTeam(sub, "SUPPORT"), newTeam(main, "Support "))
	list, err := s.ListTeams(ctx(), teams.Filter{AccountID: main.ID})
	require.NoError(t, err)
	assert.Equal(t, []string{"Support", "Support "}, teamNamesOf(list))
}

// testTeamConcurrentCreate checks that the database, not a Go check, keeps
// names unique: of many parallel creations of one name exactly one wins.
func testTeamConcurrentCreate(t *testing.T, s storage.Store) {
	main := newMain("teams-race")
	mustCreate(t, s, main)
	var wg sync.WaitGroup
	errs := make([]error, concurrency)
	for g := range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := "Race"
			if g%2 == 1 {
				name = "RACE"
			}
			errs[g] = s.InTx(context.Background(), func(ctx context.Context) error {
				return s.CreateTeam(ctx, newTeam(main, name))
			})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else {
			requireCode(t, accountkit.Conflict, err)
		}
	}
	assert.Equal(t, 1, ok)
	list, err := s.ListTeams(ctx(), teams.Filter{AccountID: main.ID})
	require.NoError(t, err)
	assert.Len(t, list, 1)
}

func testTeamEnsure(t *testing.T, s storage.Store) {
	main := newMain("teams-ensure")
	mustCreate(t, s, main)
	manual := newTeam(main, "Finance")
	mustCreateTeam(t, s, manual)
	u := newUser(main, "ensure-u")
	mustCreateUser(t, s, u)
	_, err := s.AddTeamMembers(ctx(), manual.ID, []string{u.ID})
	require.NoError(t, err)

	sso := newTeam(main, "FINANCE")
	sso.Source = teams.SourceSSO
	got, created, err := s.EnsureTeam(ctx(), sso)
	require.NoError(t, err)
	assert.False(t, created)
	requireTeam(t, manual, 1, got)

	fresh := newTeam(main, "Engineering")
	fresh.Source = teams.SourceSSO
	got, created, err = s.EnsureTeam(ctx(), fresh)
	require.NoError(t, err)
	assert.True(t, created)
	requireTeam(t, fresh, 0, got)

	// Inside a transaction whose other statements must still work (no
	// aborted PostgreSQL transaction after a name clash).
	inTx(t, s, func(ctx context.Context) error {
		again := newTeam(main, "engineering")
		got, created, err := s.EnsureTeam(ctx, again)
		require.NoError(t, err)
		assert.False(t, created)
		assert.Equal(t, fresh.ID, got.ID)
		_, err = s.GetTeam(ctx, fresh.ID)
		return err
	})
}

// testTeamExternalKey: an SSO team's external key survives a rename and
// is what EnsureTeam matches first; it is unique within the account.
func testTeamExternalKey(t *testing.T, s storage.Store) {
	main := newMain("teams-extkey")
	mustCreate(t, s, main)
	other := newMain("teams-extkey-other")
	mustCreate(t, s, other)

	eng := newTeam(main, "Eng")
	eng.Source, eng.ExternalKey = teams.SourceSSO, "eng"
	got, created, err := s.EnsureTeam(ctx(), eng)
	require.NoError(t, err)
	require.True(t, created)
	requireTeam(t, eng, 0, got)

	renamed := *got
	renamed.Name, renamed.ExternalKey = "Engineering", "changed"
	require.NoError(t, s.UpdateTeam(ctx(), &renamed))
	got, err = s.GetTeam(ctx(), eng.ID)
	require.NoError(t, err)
	assert.Equal(t, "Engineering", got.Name)
	assert.Equal(t, "eng", got.ExternalKey, "the external key never changes")

	// A manual team now holds the old name; the key still wins.
	manual := newTeam(main, "Eng")
	mustCreateTeam(t, s, manual)
	again := newTeam(main, "Eng")
	again.Source, again.ExternalKey = teams.SourceSSO, "eng"
	inTx(t, s, func(ctx context.Context) error {
		got, created, err := s.EnsureTeam(ctx, again)
		require.NoError(t, err)
		assert.False(t, created)
		assert.Equal(t, eng.ID, got.ID, "found by external key, not by name")
		assert.Equal(t, "Engineering", got.Name)
		return nil
	})

	dup := newTeam(main, "Another")
	dup.Source, dup.ExternalKey = teams.SourceSSO, "eng"
	requireCode(t, accountkit.Conflict, s.CreateTeam(ctx(), dup), "external key unique in the account")

	// The same key in another account is another team.
	theirs := newTeam(other, "Eng")
	theirs.Source, theirs.ExternalKey = teams.SourceSSO, "eng"
	got, created, err = s.EnsureTeam(ctx(), theirs)
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, theirs.ID, got.ID)
}

func testTeamEnsureConcurrent(t *testing.T, s storage.Store) {
	main := newMain("teams-ensure-race")
	mustCreate(t, s, main)
	u := newUser(main, "ensure-race")
	mustCreateUser(t, s, u)
	var wg sync.WaitGroup
	errs := make([]error, concurrency)
	got := make([]string, concurrency)
	created := make([]bool, concurrency)
	for g := range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[g] = s.InTx(context.Background(), func(ctx context.Context) error {
				// A read first fixes MySQL's snapshot before the insert.
				if _, err := s.AccountUserIDs(ctx, main.ID, []string{u.ID}); err != nil {
					return err
				}
				tm := newTeam(main, "Domain_Users")
				tm.Source, tm.ExternalKey = teams.SourceSSO, "domain_users"
				out, c, err := s.EnsureTeam(ctx, tm)
				if err != nil {
					return err
				}
				got[g], created[g] = out.ID, c
				_, err = s.AddTeamMembers(ctx, out.ID, []string{u.ID})
				return err
			})
		}()
	}
	wg.Wait()
	n := 0
	for g, err := range errs {
		require.NoError(t, err, "goroutine %d: %v", g, errors.Unwrap(err))
		assert.Equal(t, got[0], got[g])
		if created[g] {
			n++
		}
	}
	assert.Equal(t, 1, n, "exactly one creates the team")
	tm, err := s.GetTeam(ctx(), got[0])
	require.NoError(t, err)
	assert.Equal(t, 1, tm.MemberCount)
}

func testTeamGetByName(t *testing.T, s storage.Store) {
	main, other := newMain("teams-byname"), newMain("teams-byname-other")
	mustCreate(t, s, main, other)
	tm := newTeam(main, "Ärger Team")
	mustCreateTeam(t, s, tm)
	for _, name := range []string{"Ärger Team", "ärger team", "ÄRGER TEAM"} {
		got, err := s.GetTeamByName(ctx(), main.ID, name)
		require.NoError(t, err, name)
		assert.Equal(t, tm.ID, got.ID)
	}
	_, err := s.GetTeamByName(ctx(), other.ID, "Ärger Team")
	requireCode(t, accountkit.NotFound, err)
	_, err = s.GetTeamByName(ctx(), main.ID, "Ärger")
	requireCode(t, accountkit.NotFound, err)
}

func testTeamUpdate(t *testing.T, s storage.Store) {
	main, sub := newMain("teams-update"), newMain("teams-update-x")
	mustCreate(t, s, main, sub)
	tm, taken := newTeam(main, "Support"), newTeam(main, "Billing")
	mustCreateTeam(t, s, tm, taken)
	next := &teams.Team{ID: tm.ID, AccountID: sub.ID, Name: "Helpdesk", Description: "new", Source: teams.SourceSSO,
		Roles: []string{"b", "a"}, CreatedAt: at(500), UpdatedAt: at(60), MemberCount: 9}
	require.NoError(t, s.UpdateTeam(ctx(), next))
	want := *next
	want.AccountID, want.CreatedAt = tm.AccountID, tm.CreatedAt
	got, err := s.GetTeam(ctx(), tm.ID)
	require.NoError(t, err)
	requireTeam(t, &want, 0, got)

	mustCreateTeam(t, s, newTeam(main, "support")) // the old name is free
	want.Name = "HELPDESK"
	require.NoError(t, s.UpdateTeam(ctx(), &want), "a case change of one's own name")
	want.Name = "billing"
	requireCode(t, accountkit.Conflict, s.UpdateTeam(ctx(), &want))
	got, err = s.GetTeam(ctx(), tm.ID)
	require.NoError(t, err)
	assert.Equal(t, "HELPDESK", got.Name)
	require.NoError(t, s.UpdateTeam(ctx(), got), "an update with the same values succeeds")
	requireCode(t, accountkit.NotFound, s.UpdateTeam(ctx(), newTeam(main, "Ghost")))
}

func testTeamMembers(t *testing.T, s storage.Store) {
	main := newMain("teams-members")
	mustCreate(t, s, main)
	tm := newTeam(main, "Crew")
	mustCreateTeam(t, s, tm)
	a, b, c := newUser(main, "mem-a"), newUser(main, "mem-b"), newUser(main, "mem-c")
	mustCreateUser(t, s, a, b, c)

	n, err := s.AddTeamMembers(ctx(), tm.ID, []string{a.ID, b.ID, a.ID})
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	n, err = s.AddTeamMembers(ctx(), tm.ID, []string{a.ID, c.ID})
	require.NoError(t, err)
	assert.Equal(t, 1, n, "present members are skipped")
	got, err := s.GetTeam(ctx(), tm.ID)
	require.NoError(t, err)
	assert.Equal(t, 3, got.MemberCount)

	n, err = s.RemoveTeamMembers(ctx(), tm.ID, []string{a.ID, newID()})
	require.NoError(t, err)
	assert.Equal(t, 1, n, "non-members are skipped")
	n, err = s.RemoveTeamMembers(ctx(), tm.ID, []string{a.ID})
	require.NoError(t, err)
	assert.Zero(t, n)
	got, err = s.GetTeam(ctx(), tm.ID)
	require.NoError(t, err)
	assert.Equal(t, 2, got.MemberCount)

	_, err = s.AddTeamMembers(ctx(), newID(), []string{a.ID})
	requireCode(t, accountkit.NotFound, err)
	_, err = s.RemoveTeamMembers(ctx(), newID(), []string{a.ID})
	requireCode(t, accountkit.NotFound, err)
}

func testTeamDelete(t *testing.T, s storage.Store) {
	main := newMain("teams-delete")
	mustCreate(t, s, main)
	doomed, kept := newTeam(main, "Doomed"), newTeam(main, "Kept")
	mustCreateTeam(t, s, doomed, kept)
	a, b := newUser(main, "del-a"), newUser(main, "del-b")
	mustCreateUser(t, s, a, b)
	_, err := s.AddTeamMembers(ctx(), doomed.ID, []string{a.ID, b.ID})
	require.NoError(t, err)
	_, err = s.AddTeamMembers(ctx(), kept.ID, []string{a.ID})
	require.NoError(t, err)

	require.NoError(t, s.DeleteTeam(ctx(), doomed.ID))
	_, err = s.GetTeam(ctx(), doomed.ID)
	requireCode(t, accountkit.NotFound, err)
	requireCode(t, accountkit.NotFound, s.DeleteTeam(ctx(), doomed.ID))
	list, err := s.ListUserTeams(ctx(), b.ID)
	require.NoError(t, err)
	assert.Empty(t, list, "memberships go with the team")
	assert.Empty(t, listUsernames(t, s, users.Filter{AccountIDs: []string{main.ID}, TeamID: &doomed.ID}))
	_, err = s.GetUser(ctx(), b.ID)
	require.NoError(t, err, "users stay")
	got, err := s.GetTeam(ctx(), kept.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, got.MemberCount)
	mustCreateTeam(t, s, newTeam(main, "doomed")) // the name is free

	// A recreated team with the old ID would not inherit memberships.
	again := newTeam(main, "Phoenix")
	again.ID = doomed.ID
	mustCreateTeam(t, s, again)
	got, err = s.GetTeam(ctx(), doomed.ID)
	require.NoError(t, err)
	assert.Zero(t, got.MemberCount)
}

func testTeamList(t *testing.T, s storage.Store) {
	main, other := newMain("teams-list"), newMain("teams-list-other")
	mustCreate(t, s, main, other)
	names := []string{"beta", "Alpha", "alpha 2", "Zeta", "Ärger", "100% done", "under_score", "Gamma"}
	for i, n := range names {
		tm := newTeam(main, n)
		if i%3 == 0 {
			tm.Source = teams.SourceSSO
		}
		mustCreateTeam(t, s, tm)
	}
	mustCreateTeam(t, s, newTeam(other, "Aardvark"))
	a := newUser(main, "list-a")
	mustCreateUser(t, s, a)
	alpha, err := s.GetTeamByName(ctx(), main.ID, "alpha")
	require.NoError(t, err)
	_, err = s.AddTeamMembers(ctx(), alpha.ID, []string{a.ID})
	require.NoError(t, err)

	want := []string{"100% done", "Alpha", "alpha 2", "beta", "Gamma", "under_score", "Zeta", "Ärger"}
	all, err := s.ListTeams(ctx(), teams.Filter{AccountID: main.ID})
	require.NoError(t, err)
	assert.Equal(t, want, teamNamesOf(all))
	assert.Equal(t, 1, all[1].MemberCount, "lists carry member counts")

	var paged []string
	f := teams.Filter{AccountID: main.ID, Limit: 3}
	for range 10 {
		page, err := s.ListTeams(ctx(), f)
		require.NoError(t, err)
		paged = append(paged, teamNamesOf(page)...)
		if len(page) < f.Limit {
			break
		}
		last := page[len(page)-1]
		f.AfterName, f.AfterID = teams.NameKey(last.Name), last.ID
	}
	assert.Equal(t, want, paged)

	for search, exp := range map[string][]string{
		"alpha": {"Alpha", "alpha 2"},
		"%":     {"100% done"},
		"_":     {"under_score"},
		"ärg":   {"Ärger"},
		"nope":  {},
	} {
		list, err := s.ListTeams(ctx(), teams.Filter{AccountID: main.ID, Search: search})
		require.NoError(t, err)
		assert.Equal(t, exp, teamNamesOf(list), "search %q", search)
	}
	src := teams.SourceSSO
	list, err := s.ListTeams(ctx(), teams.Filter{AccountID: main.ID, Source: &src})
	require.NoError(t, err)
	assert.Equal(t, []string{"beta", "under_score", "Zeta"}, teamNamesOf(list))
	list, err = s.ListTeams(ctx(), teams.Filter{AccountID: newID()})
	require.NoError(t, err)
	assert.Empty(t, list)
}

func testTeamUserTeams(t *testing.T, s storage.Store) {
	main := newMain("teams-user")
	mustCreate(t, s, main)
	x, y, z := newTeam(main, "Xray"), newTeam(main, "yankee"), newTeam(main, "Zulu")
	y.Roles = []string{"r1"}
	mustCreateTeam(t, s, x, y, z)
	u, v := newUser(main, "ut-u"), newUser(main, "ut-v")
	mustCreateUser(t, s, u, v)
	for _, tm := range []*teams.Team{z, y} {
		_, err := s.AddTeamMembers(ctx(), tm.ID, []string{u.ID})
		require.NoError(t, err)
	}
	_, err := s.AddTeamMembers(ctx(), z.ID, []string{v.ID})
	require.NoError(t, err)
	list, err := s.ListUserTeams(ctx(), u.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"yankee", "Zulu"}, teamNamesOf(list))
	assert.Equal(t, []string{"r1"}, list[0].Roles)
	assert.Equal(t, 2, list[1].MemberCount)
	list, err = s.ListUserTeams(ctx(), newID())
	require.NoError(t, err)
	assert.Empty(t, list)

	// UsersTeams: every user's teams in one call, ordered by name;
	// users without a team (and unknown IDs) are absent.
	w := newUser(main, "ut-w")
	mustCreateUser(t, s, w)
	byUser, err := s.UsersTeams(ctx(), []string{u.ID, v.ID, w.ID, newID()})
	require.NoError(t, err)
	assert.Equal(t, map[string][]users.TeamRef{
		u.ID: {{ID: y.ID, Name: "yankee", Source: string(y.Source)}, {ID: z.ID, Name: "Zulu", Source: string(z.Source)}},
		v.ID: {{ID: z.ID, Name: "Zulu", Source: string(z.Source)}},
	}, byUser)
	byUser, err = s.UsersTeams(ctx(), nil)
	require.NoError(t, err)
	assert.Empty(t, byUser)

	// UserTeamRoles: the union of the user's teams' roles, sorted, unique.
	z.Roles = []string{"r2", "r1"}
	require.NoError(t, s.UpdateTeam(ctx(), z))
	roles, err := s.UserTeamRoles(ctx(), u.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"r1", "r2"}, roles)
	roles, err = s.UserTeamRoles(ctx(), v.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"r1", "r2"}, roles)
	_, err = s.RemoveTeamMembers(ctx(), z.ID, []string{v.ID})
	require.NoError(t, err)
	roles, err = s.UserTeamRoles(ctx(), v.ID)
	require.NoError(t, err)
	assert.Nil(t, roles, "no team, no roles")
	roles, err = s.UserTeamRoles(ctx(), newID())
	require.NoError(t, err)
	assert.Nil(t, roles)
}

func testTeamAccountUserIDs(t *testing.T, s storage.Store) {
	main, other := newMain("teams-ids"), newMain("teams-ids-other")
	sub := newSub(main, "teams-ids-sub")
	mustCreate(t, s, main, other, sub)
	a, b := newUser(main, "ids-a"), newUser(main, "ids-b")
	c, d := newUser(sub, "ids-c"), newUser(other, "ids-d")
	mustCreateUser(t, s, a, b, c, d)
	got, err := s.AccountUserIDs(ctx(), main.ID, []string{b.ID, c.ID, d.ID, newID(), a.ID, b.ID})
	require.NoError(t, err)
	assert.Equal(t, sortedStrings([]string{a.ID, b.ID}), got, "only users of exactly that account")
	got, err = s.AccountUserIDs(ctx(), main.ID, nil)
	require.NoError(t, err)
	assert.Empty(t, got)
}

func testTeamUsersFilter(t *testing.T, s storage.Store) {
	main := newMain("teams-filter")
	mustCreate(t, s, main)
	tm, other := newTeam(main, "Filtered"), newTeam(main, "Other")
	mustCreateTeam(t, s, tm, other)
	a, b, c := newUser(main, "tf-a"), newUser(main, "tf-b"), newUser(main, "tf-c")
	c.LastName = "Cedar"
	mustCreateUser(t, s, a, b, c)
	_, err := s.AddTeamMembers(ctx(), tm.ID, []string{c.ID, a.ID})
	require.NoError(t, err)
	_, err = s.AddTeamMembers(ctx(), other.ID, []string{b.ID})
	require.NoError(t, err)
	f := users.Filter{AccountIDs: []string{main.ID}, TeamID: &tm.ID}
	assert.Equal(t, []string{"tf-a", "tf-c"}, listUsernames(t, s, f))
	f.Search = "cedar"
	assert.Equal(t, []string{"tf-c"}, listUsernames(t, s, f))
	f = users.Filter{AccountIDs: []string{main.ID}, TeamID: &tm.ID, Limit: 1}
	page, err := s.ListUsers(ctx(), f)
	require.NoError(t, err)
	require.Len(t, page, 1)
	f.AfterKey, f.AfterID = page[0].Username, page[0].ID
	page, err = s.ListUsers(ctx(), f)
	require.NoError(t, err)
	assert.Equal(t, []string{"tf-c"}, usernamesOf(page))
	ghost := newID()
	assert.Empty(t, listUsernames(t, s, users.Filter{AccountIDs: []string{main.ID}, TeamID: &ghost}))
}

func testTeamRollback(t *testing.T, s storage.Store) {
	main := newMain("teams-rollback")
	mustCreate(t, s, main)
	kept := newTeam(main, "Kept")
	mustCreateTeam(t, s, kept)
	u := newUser(main, "rb-u")
	mustCreateUser(t, s, u)
	_, err := s.AddTeamMembers(ctx(), kept.ID, []string{u.ID})
	require.NoError(t, err)
	fresh := newTeam(main, "Fresh")
	require.ErrorIs(t, s.InTx(context.Background(), func(ctx context.Context) error {
		require.NoError(t, s.CreateTeam(ctx, fresh))
		_, err := s.AddTeamMembers(ctx, fresh.ID, []string{u.ID})
		require.NoError(t, err)
		renamed := *kept
		renamed.Name = "Renamed"
		require.NoError(t, s.UpdateTeam(ctx, &renamed))
		_, err = s.RemoveTeamMembers(ctx, kept.ID, []string{u.ID})
		require.NoError(t, err)
		ensured, created, err := s.EnsureTeam(ctx, newTeam(main, "Ensured"))
		require.NoError(t, err)
		require.True(t, created)
		require.NotNil(t, ensured)
		require.NoError(t, s.DeleteTeam(ctx, kept.ID))
		return errBoom
	}), errBoom)
	_, err = s.GetTeam(ctx(), fresh.ID)
	requireCode(t, accountkit.NotFound, err)
	_, err = s.GetTeamByName(ctx(), main.ID, "Ensured")
	requireCode(t, accountkit.NotFound, err)
	got, err := s.GetTeam(ctx(), kept.ID)
	require.NoError(t, err)
	requireTeam(t, kept, 1, got)
	list, err := s.ListUserTeams(ctx(), u.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"Kept"}, teamNamesOf(list))
}

func testTeamAnotherAccount(t *testing.T, s storage.Store) {
	main, other := newMain("teams-tenant"), newMain("teams-tenant-other")
	mustCreate(t, s, main, other)
	tm := newTeam(main, "Private")
	mustCreateTeam(t, s, tm)
	u := newUser(main, "tenant-u")
	mustCreateUser(t, s, u)
	_, err := s.AddTeamMembers(ctx(), tm.ID, []string{u.ID})
	require.NoError(t, err)
	list, err := s.ListTeams(ctx(), teams.Filter{AccountID: other.ID})
	require.NoError(t, err)
	assert.Empty(t, list)
	_, err = s.GetTeamByName(ctx(), other.ID, "Private")
	requireCode(t, accountkit.NotFound, err)
	ids, err := s.AccountUserIDs(ctx(), other.ID, []string{u.ID})
	require.NoError(t, err)
	assert.Empty(t, ids)
	assert.Empty(t, listUsernames(t, s, users.Filter{AccountIDs: []string{other.ID}, TeamID: &tm.ID}))
}

// testTeamDeleteRole checks that deleting a custom role removes it from
// the teams granting it, and only it.
func testTeamDeleteRole(t *testing.T, s storage.Store) {
	a := newMain("teams-delrole")
	mustCreate(t, s, a)
	r := newRole(a, "Reviewer")
	require.NoError(t, s.CreateRole(ctx(), r))
	tm := newTeam(a, "Reviewers")
	tm.Roles = []string{r.ID, "member"}
	other := newTeam(a, "Others")
	other.Roles = []string{r.ID}
	mustCreateTeam(t, s, tm, other)
	require.NoError(t, s.DeleteRole(ctx(), r.ID))
	got, err := s.GetTeam(ctx(), tm.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"member"}, got.Roles)
	got, err = s.GetTeam(ctx(), other.ID)
	require.NoError(t, err)
	assert.Nil(t, got.Roles)
}
