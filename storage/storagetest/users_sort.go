package storagetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/users"
)

// afterFor sets f to continue after u in f.Sort, as the users service does
// with its cursor: the username, name key or email, the creation time, or
// the last sign-in (nil when u never signed in).
func afterFor(f *users.Filter, u *users.User) {
	f.AfterID, f.AfterCreated, f.AfterLastLogin = u.ID, u.CreatedAt, nil
	switch f.Sort {
	case users.SortName, users.SortNameDesc:
		f.AfterKey = u.NameKey()
	case users.SortEmail, users.SortEmailDesc:
		f.AfterKey = u.Email
	case users.SortLastLogin, users.SortLastLoginDesc:
		if u.LastLoginAt != nil {
			t := *u.LastLoginAt
			f.AfterLastLogin = &t
		}
	default:
		f.AfterKey = u.Username
	}
}

// traverse lists f page by page (pages of size) through the cursor and
// returns the usernames in the order seen.
func traverse(t *testing.T, s storage.Store, f users.Filter, size int) []string {
	t.Helper()
	f.Limit = size
	var seen []string
	for page := 0; ; page++ {
		require.Less(t, page, 100, "paging does not end")
		list, err := s.ListUsers(ctx(), f)
		require.NoError(t, err)
		require.LessOrEqual(t, len(list), size)
		if len(list) == 0 {
			return seen
		}
		seen = append(seen, usernamesOf(list)...)
		afterFor(&f, list[len(list)-1])
	}
}

// sortFixture stores users of a main account and its sub-account with
// names, emails and last sign-ins that trap a wrong order: names equal but
// for case, "Smith" before "Smithson" whatever the first names, spaces
// inside a name ignored, a user without names (filed under the username),
// one with a first name only, a non-ASCII name (byte order of the
// lower-cased text), equal last sign-in times and several users who never
// signed in.
func sortFixture(t *testing.T, s storage.Store) (accountIDs []string, byName map[string]*users.User) {
	main := newMain("users-order")
	sub := newSub(main, "users-order-sub")
	mustCreate(t, s, main, sub)
	login := func(n int) *time.Time { tm := at(n); return &tm }
	specs := []struct {
		username, first, last, email string
		lastLogin                    *time.Time
	}{
		{"so-smith-zed", "Zed", "Smith", "zed.smith@example.com", login(3)},
		{"so-smithson-al", "Al", "Smithson", "al@example.com", login(3)},
		{"so-smith-anna", "anna", "smith", "anna@b.example", login(1)},
		{"so-van-der", "Jan", "van der Berg", "jan@x.example", login(5)},
		{"so-vander", "JAN", "Vanderberg", "jan@example.com", nil},
		{"so-nonames", "", "", "nonames@example.com", nil},
		{"so-aerger", "Ö", "Ärger", "ärger@example.com", nil},
		{"so-first-only", "Bob", "", "bob@example.com", login(1)},
		{"so-jr", "Al", "Smith Jr", "jr@example.com", nil},
	}
	byName = map[string]*users.User{}
	// Create in an order unrelated to the expected orders.
	for i, sp := range specs {
		a := main
		if i%2 == 0 {
			a = sub
		}
		u := newUser(a, sp.username)
		u.FirstName, u.LastName, u.Email = sp.first, sp.last, sp.email
		if sp.lastLogin != nil {
			t := sp.lastLogin.In(time.FixedZone("UTC-5", -5*3600))
			u.LastLoginAt, u.LastLoginMethod = &t, users.LoginPassword
		}
		byName[sp.username] = u
	}
	for _, i := range []int{4, 1, 7, 0, 8, 2, 6, 3, 5} {
		mustCreateUser(t, s, byName[specs[i].username])
	}
	return []string{main.ID, sub.ID}, byName
}

// byID orders the named users by ID, descending when desc.
func byID(m map[string]*users.User, desc bool, names ...string) []string {
	out := slices.Clone(names)
	slices.SortFunc(out, func(a, b string) int {
		c := strings.Compare(m[a].ID, m[b].ID)
		if desc {
			c = -c
		}
		return c
	})
	return out
}

// testUserListOrders: the name, email and last-login orders, ascending
// and descending, over an account and its sub-account, list every user
// exactly once in the expected order, whole and through the cursor in
// pages of 1 to 4, with and without the never-signed-in filter.
func testUserListOrders(t *testing.T, s storage.Store) {
	ids, m := sortFixture(t, s)
	// Name: last name (or first name, or username), first name, username,
	// lower-cased, spaces dropped, byte order ("ä" after "z"); "Smith Jr"
	// is "smithjr", after "smith" and before "smithson".
	name := []string{"so-first-only", "so-smith-anna", "so-smith-zed", "so-jr", "so-smithson-al",
		"so-nonames", "so-van-der", "so-vander", "so-aerger"}
	email := []string{"al@example.com", "anna@b.example", "bob@example.com", "jan@example.com", "jan@x.example",
		"jr@example.com", "nonames@example.com", "zed.smith@example.com", "ärger@example.com"}
	emailUsers := make([]string, len(email))
	for i, e := range email {
		for n, u := range m {
			if u.Email == e {
				emailUsers[i] = n
			}
		}
	}
	never := []string{"so-vander", "so-nonames", "so-aerger", "so-jr"}
	// Last login oldest first: at(1) ×2, at(3) ×2 (ties by ID), at(5),
	// then who never signed in, by ID; newest first mirrors the signed-in
	// part and the never part, which stays last.
	oldest := append(append(append(byID(m, false, "so-smith-anna", "so-first-only"),
		byID(m, false, "so-smith-zed", "so-smithson-al")...), "so-van-der"), byID(m, false, never...)...)
	newest := append(append(append([]string{"so-van-der"}, byID(m, true, "so-smith-zed", "so-smithson-al")...),
		byID(m, true, "so-smith-anna", "so-first-only")...), byID(m, true, never...)...)
	reversed := func(s []string) []string { r := slices.Clone(s); slices.Reverse(r); return r }
	cases := []struct {
		sort users.Sort
		want []string
	}{
		{users.SortName, name},
		{users.SortNameDesc, reversed(name)},
		{users.SortEmail, emailUsers},
		{users.SortEmailDesc, reversed(emailUsers)},
		{users.SortLastLogin, oldest},
		{users.SortLastLoginDesc, newest},
	}
	yes, no := true, false
	for _, c := range cases {
		for _, filter := range []*bool{nil, &yes, &no} {
			want := slices.DeleteFunc(slices.Clone(c.want), func(n string) bool {
				return filter != nil && (m[n].LastLoginAt == nil) != *filter
			})
			f := users.Filter{AccountIDs: ids, Sort: c.sort, NeverSignedIn: filter}
			assert.Equal(t, want, listUsernames(t, s, f), "sort %q, never signed in %v", c.sort, fmtBool(filter))
			for _, size := range []int{1, 2, 3, 4} {
				assert.Equal(t, want, traverse(t, s, f, size),
					"sort %q, never signed in %v, pages of %d: every user exactly once, in order", c.sort, fmtBool(filter), size)
			}
		}
	}
	// One account only (the sub-account's users are left out).
	f := users.Filter{AccountIDs: ids[:1], Sort: users.SortLastLoginDesc}
	var want []string
	for _, n := range newest {
		if m[n].AccountID == ids[0] {
			want = append(want, n)
		}
	}
	assert.Equal(t, want, traverse(t, s, f, 2))
}

func fmtBool(b *bool) string {
	if b == nil {
		return "any"
	}
	if *b {
		return "true"
	}
	return "false"
}

// testUserListNameKeyFollowsUpdates: the name order follows a rename.
func testUserListNameKeyFollowsUpdates(t *testing.T, s storage.Store) {
	ids, m := sortFixture(t, s)
	u := m["so-aerger"]
	u.LastName = "Aaron"
	require.NoError(t, s.UpdateUser(ctx(), u))
	got := listUsernames(t, s, users.Filter{AccountIDs: ids, Sort: users.SortName, Limit: 1})
	assert.Equal(t, []string{"so-aerger"}, got, "a renamed user moves in the name order")
	signedIn := at(7)
	u.LastLoginAt = &signedIn
	require.NoError(t, s.UpdateUser(ctx(), u))
	got = listUsernames(t, s, users.Filter{AccountIDs: ids, Sort: users.SortLastLoginDesc, Limit: 1})
	assert.Equal(t, []string{"so-aerger"}, got, "a sign-in moves the user to the top of newest first")
	yes := true
	n, err := s.CountUsers(ctx(), users.Filter{AccountIDs: ids, NeverSignedIn: &yes})
	require.NoError(t, err)
	assert.Equal(t, 3, n, "who never signed in, after one did")
}
