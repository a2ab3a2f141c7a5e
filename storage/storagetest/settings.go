package storagetest

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/storage"
)

func testSettings(t *testing.T, h Harness) {
	runAll(t, h, []subtest{
		{name: "NotFound", run: testSettingsNotFound},
		{name: "PutGet", run: testSettingsPutGet},
		{name: "Overwrite", run: testSettingsOverwrite},
		{name: "ReturnsCopies", run: testSettingsReturnsCopies},
		{name: "ListInactivity", run: testSettingsListInactivity},
		{name: "List", run: testSettingsList},
		{name: "Enforced", run: testSettingsEnforced},
		{name: "Rollback", run: testSettingsRollback},
		{name: "LockAccount", run: testLockAccount},
		{name: "LockAccountConcurrent", run: testLockAccountConcurrent},
	})
}

// newSettings returns the default settings of the account with UpdatedAt
// at(0), not yet stored.
func newSettings(accountID string) *account.SecuritySettings {
	st := account.DefaultSecuritySettings(accountID)
	st.UpdatedAt = at(0)
	return st
}

// requireSettings fails t unless got holds every field of want.
func requireSettings(t testing.TB, want, got *account.SecuritySettings) {
	t.Helper()
	require.NotNil(t, got)
	requireUTC(t, want.UpdatedAt.UTC().Truncate(time.Microsecond), got.UpdatedAt, "UpdatedAt")
	w, g := *want, *got
	w.UpdatedAt, g.UpdatedAt = base, base
	require.Equal(t, w, g)
}

func testSettingsNotFound(t *testing.T, s storage.Store) {
	main := newMain("settings-nf")
	mustCreate(t, s, main)
	require.NoError(t, s.PutSecuritySettings(ctx(), newSettings(newID())))
	_, err := s.GetSecuritySettings(ctx(), main.ID)
	requireCode(t, accountkit.NotFound, err, "an account that never saved settings")
	inTx(t, s, func(ctx context.Context) error {
		_, err := s.GetSecuritySettings(ctx, main.ID)
		requireCode(t, accountkit.NotFound, err)
		return s.PutSecuritySettings(ctx, newSettings(main.ID)) // the transaction goes on
	})
	_, err = s.GetSecuritySettings(ctx(), main.ID)
	require.NoError(t, err)
}

func testSettingsPutGet(t *testing.T, s storage.Store) {
	main := newMain("settings-put")
	sub := newSub(main, "settings-put-sub")
	mustCreate(t, s, main, sub)
	plain := newSettings(main.ID)
	full := &account.SecuritySettings{AccountID: sub.ID, Enforced: []account.PolicyGroup{account.GroupTwoFactor, account.GroupPassword}, TwoFactorRequired: true, MaxInactivityDays: ptr(90),
		MaxLoginAttempts: 3, PasswordValidityDays: ptr(365), SessionIdleMinutes: 15, SessionMaxHours: 8,
		PasswordMinLength: 14, PasswordHistory: 5, LockoutMinutes: 15,
		UpdatedAt: at(30).In(time.FixedZone("X", -7200)).Add(42 * time.Nanosecond)}
	require.NoError(t, s.PutSecuritySettings(ctx(), plain))
	require.NoError(t, s.PutSecuritySettings(ctx(), full))
	got, err := s.GetSecuritySettings(ctx(), main.ID)
	require.NoError(t, err)
	requireSettings(t, plain, got)
	assert.Nil(t, got.MaxInactivityDays)
	assert.Nil(t, got.PasswordValidityDays)
	got, err = s.GetSecuritySettings(ctx(), sub.ID)
	require.NoError(t, err)
	requireSettings(t, full, got)
}

func testSettingsOverwrite(t *testing.T, s storage.Store) {
	main := newMain("settings-overwrite")
	mustCreate(t, s, main)
	st := newSettings(main.ID)
	require.NoError(t, s.PutSecuritySettings(ctx(), st))
	steps := []*account.SecuritySettings{
		{AccountID: main.ID, TwoFactorRequired: true, MaxInactivityDays: ptr(30), MaxLoginAttempts: 10,
			PasswordValidityDays: ptr(90), SessionIdleMinutes: 60, SessionMaxHours: 24, PasswordMinLength: 20,
			PasswordHistory: 24, LockoutMinutes: 1440, UpdatedAt: at(10)},
		{AccountID: main.ID, TwoFactorRequired: false, MaxInactivityDays: nil, MaxLoginAttempts: 1,
			PasswordValidityDays: nil, SessionIdleMinutes: 5, SessionMaxHours: 1, UpdatedAt: at(20)},
		{AccountID: main.ID, TwoFactorRequired: false, MaxInactivityDays: nil, MaxLoginAttempts: 1,
			PasswordValidityDays: nil, SessionIdleMinutes: 5, SessionMaxHours: 1, UpdatedAt: at(20)}, // unchanged
		{AccountID: main.ID, MaxInactivityDays: ptr(365), MaxLoginAttempts: 100,
			PasswordValidityDays: ptr(3650), SessionIdleMinutes: 1440, SessionMaxHours: 720, UpdatedAt: at(30)},
	}
	for i, want := range steps {
		require.NoError(t, s.PutSecuritySettings(ctx(), want), "step %d", i)
		got, err := s.GetSecuritySettings(ctx(), main.ID)
		require.NoError(t, err)
		requireSettings(t, want, got)
	}
	list, err := s.ListInactivitySettings(ctx())
	require.NoError(t, err)
	require.Len(t, list, 1, "one row per account")
}

func testSettingsReturnsCopies(t *testing.T, s storage.Store) {
	main := newMain("settings-copies")
	mustCreate(t, s, main)
	st := newSettings(main.ID)
	st.MaxInactivityDays = ptr(30)
	require.NoError(t, s.PutSecuritySettings(ctx(), st))
	*st.MaxInactivityDays = 99
	got, err := s.GetSecuritySettings(ctx(), main.ID)
	require.NoError(t, err)
	assert.Equal(t, 30, *got.MaxInactivityDays)
	*got.MaxInactivityDays = 77
	got, err = s.GetSecuritySettings(ctx(), main.ID)
	require.NoError(t, err)
	assert.Equal(t, 30, *got.MaxInactivityDays)
}

func testSettingsListInactivity(t *testing.T, s storage.Store) {
	list, err := s.ListInactivitySettings(ctx())
	require.NoError(t, err)
	assert.Empty(t, list)

	var want []*account.SecuritySettings
	for i := range 5 {
		st := newSettings(newID())
		if i%2 == 0 {
			st.MaxInactivityDays = ptr(15 + i)
			want = append(want, st)
		}
		require.NoError(t, s.PutSecuritySettings(ctx(), st))
	}
	// IDs are time-ordered; put them in reverse to check the order.
	late := newSettings("00000000-0000-7000-8000-000000000000")
	late.MaxInactivityDays = ptr(200)
	require.NoError(t, s.PutSecuritySettings(ctx(), late))
	want = append([]*account.SecuritySettings{late}, want...)

	list, err = s.ListInactivitySettings(ctx())
	require.NoError(t, err)
	require.Len(t, list, len(want))
	for i := range want {
		requireSettings(t, want[i], list[i])
	}

	// Turning the limit off drops the account from the list.
	late.MaxInactivityDays = nil
	require.NoError(t, s.PutSecuritySettings(ctx(), late))
	list, err = s.ListInactivitySettings(ctx())
	require.NoError(t, err)
	require.Len(t, list, len(want)-1)
	assert.NotEqual(t, late.AccountID, list[0].AccountID)
}

func testSettingsRollback(t *testing.T, s storage.Store) {
	main, other := newMain("settings-rollback"), newMain("settings-rollback-other")
	mustCreate(t, s, main, other)
	before := newSettings(main.ID)
	require.NoError(t, s.PutSecuritySettings(ctx(), before))
	require.ErrorIs(t, s.InTx(context.Background(), func(ctx context.Context) error {
		changed := *before
		changed.MaxInactivityDays, changed.UpdatedAt = ptr(20), at(50)
		require.NoError(t, s.PutSecuritySettings(ctx, &changed))
		require.NoError(t, s.PutSecuritySettings(ctx, newSettings(other.ID)))
		got, err := s.GetSecuritySettings(ctx, main.ID)
		require.NoError(t, err)
		requireSettings(t, &changed, got)
		return errBoom
	}), errBoom)
	got, err := s.GetSecuritySettings(ctx(), main.ID)
	require.NoError(t, err)
	requireSettings(t, before, got)
	_, err = s.GetSecuritySettings(ctx(), other.ID)
	requireCode(t, accountkit.NotFound, err)
	list, err := s.ListInactivitySettings(ctx())
	require.NoError(t, err)
	assert.Empty(t, list)
}

// testSettingsList checks ListSecuritySettings: the saved rows of the IDs
// asked for, once each, ordered by account ID, copies; unsaved and unknown
// IDs are left out.
func testSettingsList(t *testing.T, s storage.Store) {
	main := newMain("settings-list")
	sub := newSub(main, "settings-list-sub")
	subsub := newSub(sub, "settings-list-subsub")
	other := newMain("settings-list-other")
	mustCreate(t, s, main, sub, subsub, other)
	list, err := s.ListSecuritySettings(ctx(), nil)
	require.NoError(t, err)
	assert.Empty(t, list)

	a, b, o := newSettings(main.ID), newSettings(subsub.ID), newSettings(other.ID)
	a.Enforced, a.MaxLoginAttempts = []account.PolicyGroup{account.GroupLockout}, 3
	b.PasswordValidityDays = ptr(30)
	for _, st := range []*account.SecuritySettings{a, b, o} {
		require.NoError(t, s.PutSecuritySettings(ctx(), st))
	}
	want := []*account.SecuritySettings{a, b}
	slices.SortFunc(want, func(x, y *account.SecuritySettings) int { return strings.Compare(x.AccountID, y.AccountID) })
	list, err = s.ListSecuritySettings(ctx(), []string{subsub.ID, sub.ID, newID(), main.ID, subsub.ID})
	require.NoError(t, err)
	require.Len(t, list, 2, "sub never saved settings; unknown IDs and the other account are left out; no duplicates")
	for i := range want {
		requireSettings(t, want[i], list[i])
	}
	list[0].Enforced = append(list[0].Enforced, account.GroupSessions)
	*list[1].PasswordValidityDays = 99
	inTx(t, s, func(ctx context.Context) error {
		again, err := s.ListSecuritySettings(ctx, []string{main.ID, subsub.ID})
		require.NoError(t, err)
		require.Len(t, again, 2)
		for i := range want {
			requireSettings(t, want[i], again[i])
		}
		return nil
	})
}

// testSettingsEnforced checks the round trip of the enforced policy groups:
// set, changed, emptied (read back as nil), and rolled back.
func testSettingsEnforced(t *testing.T, s storage.Store) {
	main := newMain("settings-enforced")
	mustCreate(t, s, main)
	st := newSettings(main.ID)
	for i, groups := range [][]account.PolicyGroup{
		account.PolicyGroups,
		{account.GroupInactivity},
		nil,
		{account.GroupTwoFactor, account.GroupSessions},
		{},
	} {
		st.Enforced = groups
		require.NoError(t, s.PutSecuritySettings(ctx(), st), "step %d", i)
		got, err := s.GetSecuritySettings(ctx(), main.ID)
		require.NoError(t, err)
		if len(groups) == 0 {
			assert.Nil(t, got.Enforced, "step %d: no groups read back as nil", i)
			continue
		}
		requireSettings(t, st, got)
		assert.True(t, got.Enforces(groups[0]), "step %d", i)
	}
	st.Enforced = []account.PolicyGroup{account.GroupPassword}
	require.NoError(t, s.PutSecuritySettings(ctx(), st))
	require.ErrorIs(t, s.InTx(context.Background(), func(ctx context.Context) error {
		changed := *st
		changed.Enforced = nil
		require.NoError(t, s.PutSecuritySettings(ctx, &changed))
		return errBoom
	}), errBoom)
	got, err := s.GetSecuritySettings(ctx(), main.ID)
	require.NoError(t, err)
	assert.Equal(t, []account.PolicyGroup{account.GroupPassword}, got.Enforced, "rolled back")
}

func testLockAccount(t *testing.T, s storage.Store) {
	main := newMain("lock-account")
	mustCreate(t, s, main)
	requireCode(t, accountkit.NotFound, s.LockAccount(ctx(), newID()))
	require.NoError(t, s.LockAccount(ctx(), main.ID), "outside a transaction it only checks the account")
	sub := newSub(main, "lock-account-sub")
	inTx(t, s, func(ctx context.Context) error {
		requireCode(t, accountkit.NotFound, s.LockAccount(ctx, newID()))
		require.NoError(t, s.LockAccount(ctx, main.ID))
		require.NoError(t, s.LockAccount(ctx, main.ID), "locking twice is fine")
		return s.CreateAccount(ctx, sub) // the transaction goes on
	})
	_, err := s.GetAccount(ctx(), sub.ID)
	require.NoError(t, err)
}

// testLockAccountConcurrent checks that LockAccount serializes
// read-modify-write cycles on an account's data: every goroutine locks the
// account, reads its settings and writes them back changed, and no change
// is lost.
func testLockAccountConcurrent(t *testing.T, s storage.Store) {
	main := newMain("lock-account-race")
	mustCreate(t, s, main)
	require.NoError(t, s.PutSecuritySettings(ctx(), newSettings(main.ID)))
	var wg sync.WaitGroup
	errs := make([]error, concurrency)
	for g := range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[g] = s.InTx(context.Background(), func(ctx context.Context) error {
				if err := s.LockAccount(ctx, main.ID); err != nil {
					return err
				}
				st, err := s.GetSecuritySettings(ctx, main.ID)
				if err != nil {
					return err
				}
				st.MaxLoginAttempts++
				return s.PutSecuritySettings(ctx, st)
			})
		}()
	}
	wg.Wait()
	for g, err := range errs {
		require.NoError(t, err, "goroutine %d", g)
	}
	got, err := s.GetSecuritySettings(ctx(), main.ID)
	require.NoError(t, err)
	assert.Equal(t, account.DefaultMaxLoginAttempts+concurrency, got.MaxLoginAttempts)
}
