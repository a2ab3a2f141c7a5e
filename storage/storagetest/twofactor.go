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
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/users"
)

func testTwoFactor(t *testing.T, h Harness) {
	runAll(t, h, []subtest{
		{name: "NotFound", run: testTwoFactorNotFound},
		{name: "PutGet", run: testTwoFactorPutGet},
		{name: "Overwrite", run: testTwoFactorOverwrite},
		{name: "ReturnsCopies", run: testTwoFactorReturnsCopies},
		{name: "Advance", run: testTwoFactorAdvance},
		{name: "AdvanceConcurrent", run: testTwoFactorAdvanceConcurrent},
		{name: "Delete", run: testTwoFactorDelete},
		{name: "Rollback", run: testTwoFactorRollback},
	})
}

// newTwoFactor returns a pending enrollment of u created at(0) whose
// sealed secret holds every byte value a column could mangle.
func newTwoFactor(u *users.User) *auth.TwoFactor {
	secret := make([]byte, 0, 64)
	for i := 0; i < 50; i++ {
		secret = append(secret, byte(i*37))
	}
	secret = append(secret, 0, 0xff, '\'', '\\', 0x80)
	return &auth.TwoFactor{UserID: u.ID, Secret: secret, CreatedAt: at(0), UpdatedAt: at(0)}
}

// requireTwoFactor fails t unless got holds every field of want.
func requireTwoFactor(t testing.TB, want, got *auth.TwoFactor) {
	t.Helper()
	require.NotNil(t, got)
	requireUTC(t, want.CreatedAt.UTC().Truncate(time.Microsecond), got.CreatedAt, "CreatedAt")
	requireUTC(t, want.UpdatedAt.UTC().Truncate(time.Microsecond), got.UpdatedAt, "UpdatedAt")
	requireTimePtr(t, want.EnabledAt, got.EnabledAt, "EnabledAt")
	w, g := *want, *got
	w.CreatedAt, w.UpdatedAt, w.EnabledAt, g.CreatedAt, g.UpdatedAt, g.EnabledAt = base, base, nil, base, base, nil
	require.Equal(t, w, g)
}

func testTwoFactorNotFound(t *testing.T, s storage.Store) {
	u := tokenUser(t, s, "tf-nf")
	_, err := s.GetTwoFactor(ctx(), u.ID)
	requireCode(t, accountkit.NotFound, err)
	_, err = s.AdvanceTwoFactorStep(ctx(), u.ID, 5, at(1))
	requireCode(t, accountkit.NotFound, err)
	requireCode(t, accountkit.NotFound, s.DeleteTwoFactor(ctx(), u.ID))
	inTx(t, s, func(ctx context.Context) error {
		_, err := s.GetTwoFactor(ctx, u.ID)
		requireCode(t, accountkit.NotFound, err)
		_, err = s.AdvanceTwoFactorStep(ctx, u.ID, 5, at(1))
		requireCode(t, accountkit.NotFound, err)
		return s.PutTwoFactor(ctx, newTwoFactor(u)) // the transaction goes on
	})
	_, err = s.GetTwoFactor(ctx(), u.ID)
	require.NoError(t, err)
}

func testTwoFactorPutGet(t *testing.T, s storage.Store) {
	u := tokenUser(t, s, "tf-put")
	v := tokenUser(t, s, "tf-put-other")
	pending := newTwoFactor(u)
	enabled := newTwoFactor(v)
	enabled.Enabled, enabled.LastStep = true, 59_000_000_123
	enabled.UpdatedAt = at(20).In(time.FixedZone("X", 3600)).Add(7 * time.Nanosecond)
	enabled.EnabledAt = ptr(at(10))
	require.NoError(t, s.PutTwoFactor(ctx(), pending))
	require.NoError(t, s.PutTwoFactor(ctx(), enabled))
	got, err := s.GetTwoFactor(ctx(), u.ID)
	require.NoError(t, err)
	requireTwoFactor(t, pending, got)
	assert.Nil(t, got.EnabledAt)
	got, err = s.GetTwoFactor(ctx(), v.ID)
	require.NoError(t, err)
	requireTwoFactor(t, enabled, got)
}

func testTwoFactorOverwrite(t *testing.T, s storage.Store) {
	u := tokenUser(t, s, "tf-overwrite")
	first := newTwoFactor(u)
	first.Enabled, first.LastStep, first.EnabledAt = true, 100, ptr(at(1))
	require.NoError(t, s.PutTwoFactor(ctx(), first))
	second := &auth.TwoFactor{UserID: u.ID, Secret: []byte("other sealed bytes"), CreatedAt: at(5), UpdatedAt: at(6)}
	require.NoError(t, s.PutTwoFactor(ctx(), second))
	got, err := s.GetTwoFactor(ctx(), u.ID)
	require.NoError(t, err)
	requireTwoFactor(t, second, got)
}

func testTwoFactorReturnsCopies(t *testing.T, s storage.Store) {
	u := tokenUser(t, s, "tf-copies")
	tf := newTwoFactor(u)
	want := *tf
	want.Secret = append([]byte(nil), tf.Secret...)
	require.NoError(t, s.PutTwoFactor(ctx(), tf))
	tf.Secret[0] ^= 0xff
	got, err := s.GetTwoFactor(ctx(), u.ID)
	require.NoError(t, err)
	got.Secret[1] ^= 0xff
	got, err = s.GetTwoFactor(ctx(), u.ID)
	require.NoError(t, err)
	requireTwoFactor(t, &want, got)
}

func testTwoFactorAdvance(t *testing.T, s storage.Store) {
	u := tokenUser(t, s, "tf-advance")
	tf := newTwoFactor(u)
	tf.LastStep = 10
	require.NoError(t, s.PutTwoFactor(ctx(), tf))
	for _, c := range []struct {
		step int64
		won  bool
		last int64
	}{
		{10, false, 10}, // the same step again
		{9, false, 10},  // an earlier step
		{11, true, 11},
		{11, false, 11},
		{13, true, 13},
		{12, false, 13}, // earlier, after a later one
	} {
		won, err := s.AdvanceTwoFactorStep(ctx(), u.ID, c.step, at(int(c.step)))
		require.NoError(t, err)
		assert.Equal(t, c.won, won, "step %d", c.step)
		got, err := s.GetTwoFactor(ctx(), u.ID)
		require.NoError(t, err)
		assert.Equal(t, c.last, got.LastStep, "after step %d", c.step)
	}
	got, err := s.GetTwoFactor(ctx(), u.ID)
	require.NoError(t, err)
	requireUTC(t, at(13), got.UpdatedAt, "UpdatedAt follows the last advance")
	assert.Equal(t, tf.Secret, got.Secret, "the secret is untouched")
}

// testTwoFactorAdvanceConcurrent checks single use under load: of many
// concurrent transactions advancing to one step exactly one wins.
func testTwoFactorAdvanceConcurrent(t *testing.T, s storage.Store) {
	u := tokenUser(t, s, "tf-race")
	require.NoError(t, s.PutTwoFactor(ctx(), newTwoFactor(u)))
	var wg sync.WaitGroup
	wins := make([]bool, concurrency)
	errs := make([]error, concurrency)
	start := make(chan struct{})
	for g := range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[g] = s.InTx(context.Background(), func(ctx context.Context) error {
				var err error
				wins[g], err = s.AdvanceTwoFactorStep(ctx, u.ID, 42, at(1))
				return err
			})
		}()
	}
	close(start)
	wg.Wait()
	n := 0
	for g := range concurrency {
		require.NoError(t, errs[g], "goroutine %d", g)
		if wins[g] {
			n++
		}
	}
	assert.Equal(t, 1, n, "exactly one advance wins")
}

func testTwoFactorDelete(t *testing.T, s storage.Store) {
	u := tokenUser(t, s, "tf-delete")
	v := tokenUser(t, s, "tf-delete-other")
	require.NoError(t, s.PutTwoFactor(ctx(), newTwoFactor(u)))
	require.NoError(t, s.PutTwoFactor(ctx(), newTwoFactor(v)))
	require.NoError(t, s.DeleteTwoFactor(ctx(), u.ID))
	_, err := s.GetTwoFactor(ctx(), u.ID)
	requireCode(t, accountkit.NotFound, err)
	requireCode(t, accountkit.NotFound, s.DeleteTwoFactor(ctx(), u.ID))
	_, err = s.GetTwoFactor(ctx(), v.ID)
	require.NoError(t, err, "another user's enrollment stays")
}

func testTwoFactorRollback(t *testing.T, s storage.Store) {
	u := tokenUser(t, s, "tf-rollback")
	v := tokenUser(t, s, "tf-rollback-new")
	before := newTwoFactor(u)
	require.NoError(t, s.PutTwoFactor(ctx(), before))
	boom := errors.New("boom")
	require.ErrorIs(t, s.InTx(context.Background(), func(ctx context.Context) error {
		won, err := s.AdvanceTwoFactorStep(ctx, u.ID, 7, at(7))
		require.NoError(t, err)
		require.True(t, won)
		changed := *before
		changed.Enabled, changed.Secret = true, []byte("changed")
		require.NoError(t, s.PutTwoFactor(ctx, &changed))
		require.NoError(t, s.PutTwoFactor(ctx, newTwoFactor(v)))
		require.NoError(t, s.DeleteTwoFactor(ctx, u.ID))
		return boom
	}), boom)
	got, err := s.GetTwoFactor(ctx(), u.ID)
	require.NoError(t, err)
	requireTwoFactor(t, before, got)
	_, err = s.GetTwoFactor(ctx(), v.ID)
	requireCode(t, accountkit.NotFound, err)
}
