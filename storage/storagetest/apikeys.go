package storagetest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/apikeys"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/storage"
)

func testAPIKeys(t *testing.T, h Harness) {
	runAll(t, h, []subtest{
		{name: "CreateGet", run: testAPIKeyCreateGet},
		{name: "Conflict", run: testAPIKeyConflict},
		{name: "IdempotencyKey", run: testAPIKeyIdempotency},
		{name: "Update", run: testAPIKeyUpdate},
		{name: "Touch", run: testAPIKeyTouch},
		{name: "List", run: testAPIKeyList},
		{name: "Rollback", run: testAPIKeyRollback},
	})
}

func newAPIKey(accountID, name string, sec int) *apikeys.Key {
	id := newID()
	return &apikeys.Key{ID: id, AccountID: accountID, Name: name, Prefix: "akk_abcdef", Hash: "hash-" + id,
		Permissions: []security.Permission{security.PermAuditRead, security.PermUsersRead},
		CreatedBy:   newID(), CreatedByName: "boss", CreatedAt: at(sec), UpdatedAt: at(sec),
		ValidFrom: at(sec), ExpiresAt: at(sec + 3600)}
}

func requireAPIKey(t testing.TB, want, got *apikeys.Key) {
	t.Helper()
	require.NotNil(t, got)
	for _, f := range []struct {
		name string
		w, g time.Time
	}{{"CreatedAt", want.CreatedAt, got.CreatedAt}, {"UpdatedAt", want.UpdatedAt, got.UpdatedAt},
		{"ValidFrom", want.ValidFrom, got.ValidFrom}, {"ExpiresAt", want.ExpiresAt, got.ExpiresAt}} {
		requireUTC(t, f.w.UTC().Truncate(time.Microsecond), f.g, f.name)
	}
	requireTimePtr(t, want.RevokedAt, got.RevokedAt, "RevokedAt")
	requireTimePtr(t, want.LastUsedAt, got.LastUsedAt, "LastUsedAt")
	w, g := *want, *got
	w.CreatedAt, w.UpdatedAt, w.ValidFrom, w.ExpiresAt, w.RevokedAt, w.LastUsedAt = base, base, base, base, nil, nil
	g.CreatedAt, g.UpdatedAt, g.ValidFrom, g.ExpiresAt, g.RevokedAt, g.LastUsedAt = base, base, base, base, nil, nil
	require.Equal(t, w, g)
}

func testAPIKeyCreateGet(t *testing.T, s storage.Store) {
	a := newMain("keys-get")
	mustCreate(t, s, a)
	k := newAPIKey(a.ID, "CI ünïcode 'key'", 1)
	k.CreatedAt = at(1).In(time.FixedZone("X", 3600)).Add(5 * time.Nanosecond)
	k.LastUsedAt, k.RevokedAt = ptr(at(2)), ptr(at(3))
	require.NoError(t, s.CreateAPIKey(ctx(), k))
	got, err := s.GetAPIKey(ctx(), k.ID)
	require.NoError(t, err)
	requireAPIKey(t, k, got)
	got, err = s.GetAPIKeyByHash(ctx(), k.Hash)
	require.NoError(t, err)
	requireAPIKey(t, k, got)
	got.Permissions[0] = "x"
	again, err := s.GetAPIKey(ctx(), k.ID)
	require.NoError(t, err)
	assert.Equal(t, security.PermAuditRead, again.Permissions[0], "callers get copies")
	_, err = s.GetAPIKey(ctx(), newID())
	requireCode(t, accountkit.NotFound, err)
	_, err = s.GetAPIKeyByHash(ctx(), "nope")
	requireCode(t, accountkit.NotFound, err)
}

func testAPIKeyConflict(t *testing.T, s storage.Store) {
	a := newMain("keys-dup")
	mustCreate(t, s, a)
	k := newAPIKey(a.ID, "one", 1)
	require.NoError(t, s.CreateAPIKey(ctx(), k))
	sameHash := newAPIKey(a.ID, "two", 2)
	sameHash.Hash = k.Hash
	requireCode(t, accountkit.Conflict, s.CreateAPIKey(ctx(), sameHash))
	sameID := newAPIKey(a.ID, "three", 3)
	sameID.ID = k.ID
	requireCode(t, accountkit.Conflict, s.CreateAPIKey(ctx(), sameID))
	_, err := s.GetAPIKeyByHash(ctx(), sameID.Hash)
	requireCode(t, accountkit.NotFound, err)
}

// testAPIKeyIdempotency: an idempotency key is unique within its
// account, not across accounts, and keys without one never collide.
func testAPIKeyIdempotency(t *testing.T, s storage.Store) {
	a, b := newMain("keys-idem-a"), newMain("keys-idem-b")
	mustCreate(t, s, a)
	mustCreate(t, s, b)
	idem := strings.Repeat("f", 64)
	k := newAPIKey(a.ID, "one", 1)
	k.IdempotencyKey = idem
	require.NoError(t, s.CreateAPIKey(ctx(), k))
	got, err := s.GetAPIKeyByIdempotencyKey(ctx(), a.ID, idem)
	require.NoError(t, err)
	requireAPIKey(t, k, got)

	again := newAPIKey(a.ID, "two", 2)
	again.IdempotencyKey = idem
	requireCode(t, accountkit.Conflict, s.CreateAPIKey(ctx(), again))
	_, err = s.GetAPIKey(ctx(), again.ID)
	requireCode(t, accountkit.NotFound, err)

	other := newAPIKey(b.ID, "three", 3)
	other.IdempotencyKey = idem
	require.NoError(t, s.CreateAPIKey(ctx(), other), "another account may use the same value")
	_, err = s.GetAPIKeyByIdempotencyKey(ctx(), b.ID, strings.Repeat("e", 64))
	requireCode(t, accountkit.NotFound, err)
	for i := 0; i < 2; i++ {
		require.NoError(t, s.CreateAPIKey(ctx(), newAPIKey(a.ID, "plain", 4+i)), "keys without one never collide")
	}
	_, err = s.GetAPIKeyByIdempotencyKey(ctx(), a.ID, "")
	requireCode(t, accountkit.NotFound, err)
}

func testAPIKeyUpdate(t *testing.T, s storage.Store) {
	a := newMain("keys-upd")
	mustCreate(t, s, a)
	k := newAPIKey(a.ID, "old", 1)
	require.NoError(t, s.CreateAPIKey(ctx(), k))
	upd := *k
	upd.Name, upd.ExpiresAt, upd.RevokedAt, upd.UpdatedAt = "new", at(99), ptr(at(50)), at(50)
	// Fields UpdateAPIKey does not save.
	upd.Hash, upd.Prefix, upd.Permissions, upd.AccountID = "other", "akk_zzzzzz", nil, newID()
	require.NoError(t, s.UpdateAPIKey(ctx(), &upd))
	got, err := s.GetAPIKey(ctx(), k.ID)
	require.NoError(t, err)
	want := *k
	want.Name, want.ExpiresAt, want.RevokedAt, want.UpdatedAt = "new", at(99), ptr(at(50)), at(50)
	requireAPIKey(t, &want, got)
	// The same values again: MySQL reports no changed row, yet it exists.
	require.NoError(t, s.UpdateAPIKey(ctx(), &upd))
	missing := newAPIKey(a.ID, "missing", 1)
	requireCode(t, accountkit.NotFound, s.UpdateAPIKey(ctx(), missing))
}

func testAPIKeyTouch(t *testing.T, s storage.Store) {
	a := newMain("keys-touch")
	mustCreate(t, s, a)
	k := newAPIKey(a.ID, "k", 1)
	require.NoError(t, s.CreateAPIKey(ctx(), k))
	require.NoError(t, s.TouchAPIKey(ctx(), k.ID, at(7)))
	require.NoError(t, s.TouchAPIKey(ctx(), k.ID, at(7)))
	got, err := s.GetAPIKey(ctx(), k.ID)
	require.NoError(t, err)
	requireTimePtr(t, ptr(at(7)), got.LastUsedAt, "LastUsedAt")
	requireCode(t, accountkit.NotFound, s.TouchAPIKey(ctx(), newID(), at(7)))
}

func testAPIKeyList(t *testing.T, s storage.Store) {
	a, b := newMain("keys-list-a"), newMain("keys-list-b")
	mustCreate(t, s, a, b)
	for i, sec := range []int{1, 2, 2, 3, 4} {
		k := newAPIKey(a.ID, string(rune('a'+i)), sec)
		if i == 3 {
			k.RevokedAt = ptr(at(9))
		}
		require.NoError(t, s.CreateAPIKey(ctx(), k))
	}
	require.NoError(t, s.CreateAPIKey(ctx(), newAPIKey(b.ID, "other", 5)))
	names := func(f apikeys.Filter) []string {
		var out []string
		for {
			page, err := s.ListAPIKeys(ctx(), f)
			require.NoError(t, err)
			for _, k := range page {
				out = append(out, k.Name)
			}
			if len(page) < f.Limit || f.Limit == 0 {
				return out
			}
			last := page[len(page)-1]
			f.BeforeCreated, f.BeforeID = &last.CreatedAt, last.ID
		}
	}
	assert.Equal(t, []string{"e", "c", "b", "a"}, names(apikeys.Filter{AccountID: a.ID}))
	assert.Equal(t, []string{"e", "d", "c", "b", "a"}, names(apikeys.Filter{AccountID: a.ID, IncludeRevoked: true, Limit: 2}))
	assert.Equal(t, []string{"other"}, names(apikeys.Filter{AccountID: b.ID, IncludeRevoked: true}))
	assert.Empty(t, names(apikeys.Filter{AccountID: newID()}), "another account sees nothing")
}

func testAPIKeyRollback(t *testing.T, s storage.Store) {
	a := newMain("keys-rb")
	mustCreate(t, s, a)
	kept := newAPIKey(a.ID, "kept", 1)
	require.NoError(t, s.CreateAPIKey(ctx(), kept))
	dropped := newAPIKey(a.ID, "dropped", 2)
	boom := errors.New("boom")
	err := s.InTx(ctx(), func(ctx context.Context) error {
		require.NoError(t, s.CreateAPIKey(ctx, dropped))
		upd := *kept
		upd.Name, upd.RevokedAt = "renamed", ptr(at(3))
		require.NoError(t, s.UpdateAPIKey(ctx, &upd))
		require.NoError(t, s.TouchAPIKey(ctx, kept.ID, at(4)))
		return boom
	})
	require.ErrorIs(t, err, boom)
	_, err = s.GetAPIKey(ctx(), dropped.ID)
	requireCode(t, accountkit.NotFound, err)
	_, err = s.GetAPIKeyByHash(ctx(), dropped.Hash)
	requireCode(t, accountkit.NotFound, err)
	got, err := s.GetAPIKey(ctx(), kept.ID)
	require.NoError(t, err)
	requireAPIKey(t, kept, got)
}
