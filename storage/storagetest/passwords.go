package storagetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/storage"
)

func testPasswordHistory(t *testing.T, h Harness) {
	runAll(t, h, []subtest{
		{name: "AddListTrim", run: testPasswordHistoryAddListTrim},
		{name: "GoesWithUser", run: testPasswordHistoryGoesWithUser},
	})
}

func testPasswordHistoryAddListTrim(t *testing.T, s storage.Store) {
	main := newMain("pw-history")
	mustCreate(t, s, main)
	u := newUser(main, "hist")
	mustCreateUser(t, s, u)
	other := newUser(main, "other")
	mustCreateUser(t, s, other)
	for i := range 5 {
		require.NoError(t, s.AddPasswordHistory(ctx(), u.ID, fmt.Sprintf("hash-%d", i), at(i)))
	}
	require.NoError(t, s.AddPasswordHistory(ctx(), other.ID, "other-hash", at(9)))
	got, err := s.ListPasswordHistory(ctx(), u.ID, 3)
	require.NoError(t, err)
	assert.Equal(t, []string{"hash-4", "hash-3", "hash-2"}, got, "newest first, at most limit")
	require.NoError(t, s.TrimPasswordHistory(ctx(), u.ID, 2))
	got, err = s.ListPasswordHistory(ctx(), u.ID, 10)
	require.NoError(t, err)
	assert.Equal(t, []string{"hash-4", "hash-3"}, got)
	got, err = s.ListPasswordHistory(ctx(), other.ID, 10)
	require.NoError(t, err)
	assert.Equal(t, []string{"other-hash"}, got, "another user's history is untouched")
	require.NoError(t, s.TrimPasswordHistory(ctx(), u.ID, 5), "keeping more than there is changes nothing")
}

func testPasswordHistoryGoesWithUser(t *testing.T, s storage.Store) {
	main := newMain("pw-history-del")
	mustCreate(t, s, main)
	u := newUser(main, "gone")
	mustCreateUser(t, s, u)
	inTx(t, s, func(ctx context.Context) error { return s.AddPasswordHistory(ctx, u.ID, "h", at(1)) })
	require.NoError(t, s.DeleteUser(ctx(), u.ID))
	got, err := s.ListPasswordHistory(ctx(), u.ID, 10)
	require.NoError(t, err)
	assert.Empty(t, got)
}
