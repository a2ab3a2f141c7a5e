package storagetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/storage"
)

// testAuditRetention checks audit.RetentionStore: retentions, signed
// checkpoints and the deletion of a chain's oldest events.
func testAuditRetention(t *testing.T, h Harness) {
	runAll(t, h, []subtest{
		{name: "RetentionPutGet", run: testRetentionPutGet},
		{name: "RetentionList", run: testRetentionList},
		{name: "CheckpointInsertList", run: testCheckpointInsertList},
		{name: "CheckpointConflict", run: testCheckpointConflict},
		{name: "DeleteEvents", run: testDeleteAuditEvents},
		{name: "DeleteEventsRollback", run: testDeleteAuditEventsRollback},
	})
}

func testRetentionPutGet(t *testing.T, s storage.Store) {
	main := newID()
	_, err := s.GetAuditRetention(ctx(), main)
	requireCode(t, accountkit.NotFound, err)

	require.NoError(t, s.PutAuditRetention(ctx(), &audit.Retention{MainAccountID: main, Days: 90, UpdatedAt: at(1)}))
	got, err := s.GetAuditRetention(ctx(), main)
	require.NoError(t, err)
	assert.Equal(t, main, got.MainAccountID)
	assert.Equal(t, 90, got.Days)
	requireUTC(t, at(1), got.UpdatedAt, "UpdatedAt")

	// Put replaces.
	require.NoError(t, s.PutAuditRetention(ctx(), &audit.Retention{MainAccountID: main, Days: 0, UpdatedAt: at(2)}))
	got, err = s.GetAuditRetention(ctx(), main)
	require.NoError(t, err)
	assert.Equal(t, 0, got.Days)
	requireUTC(t, at(2), got.UpdatedAt, "UpdatedAt")

	// Another main account has none; a rolled back put leaves none.
	other := newID()
	require.ErrorIs(t, s.InTx(context.Background(), func(ctx context.Context) error {
		require.NoError(t, s.PutAuditRetention(ctx, &audit.Retention{MainAccountID: other, Days: 30, UpdatedAt: at(3)}))
		return errBoom
	}), errBoom)
	_, err = s.GetAuditRetention(ctx(), other)
	requireCode(t, accountkit.NotFound, err, "the put rolled back")
}

func testRetentionList(t *testing.T, s storage.Store) {
	ids := []string{newID(), newID(), newID(), newID()}
	for i, days := range []int{365, 0, 30, 3650} {
		require.NoError(t, s.PutAuditRetention(ctx(), &audit.Retention{MainAccountID: ids[i], Days: days, UpdatedAt: at(i)}))
	}
	list, err := s.ListAuditRetentions(ctx())
	require.NoError(t, err)
	var got []string
	for _, r := range list {
		got = append(got, fmt.Sprintf("%s:%d", r.MainAccountID, r.Days))
	}
	// ids are UUIDv7 made in order: ascending.
	assert.Equal(t, []string{ids[0] + ":365", ids[2] + ":30", ids[3] + ":3650"}, got, "days > 0 only, by main account ID")
}

// newCheckpoint returns a checkpoint of main at seq with a recognisable
// hash and signature.
func newCheckpoint(main string, seq, count int64, n int) *audit.Checkpoint {
	sig := make([]byte, 64)
	for i := range sig {
		sig[i] = byte(int(seq) + i)
	}
	return &audit.Checkpoint{ID: newID(), MainAccountID: main, Seq: seq, Hash: hashN(seq), Count: count,
		Time: at(n), KeyID: "0123456789abcdef", Signature: sig}
}

func testCheckpointInsertList(t *testing.T, s storage.Store) {
	a, b := newID(), newID()
	cps := []*audit.Checkpoint{newCheckpoint(a, 10, 10, 1), newCheckpoint(a, 25, 15, 2), newCheckpoint(a, 40, 15, 3)}
	// Inserted out of order: the list orders by Seq.
	for _, i := range []int{1, 2, 0} {
		require.NoError(t, s.InsertAuditCheckpoint(ctx(), cps[i]))
	}
	require.NoError(t, s.InsertAuditCheckpoint(ctx(), newCheckpoint(b, 50, 50, 4)))

	seqs := func(list []*audit.Checkpoint) []int64 {
		var out []int64
		for _, c := range list {
			out = append(out, c.Seq)
		}
		return out
	}
	list, err := s.ListAuditCheckpoints(ctx(), a, 0, 0)
	require.NoError(t, err)
	require.Equal(t, []int64{40, 25, 10}, seqs(list), "newest first; another main account's left out")
	for i, c := range list {
		want := cps[2-i]
		assert.Equal(t, want.ID, c.ID)
		assert.Equal(t, a, c.MainAccountID)
		assert.Equal(t, want.Hash, c.Hash)
		assert.Equal(t, want.Count, c.Count)
		assert.Equal(t, want.KeyID, c.KeyID)
		assert.Equal(t, want.Signature, c.Signature, "signature bytes round-trip")
		requireUTC(t, want.Time, c.Time, "Time")
	}
	list, err = s.ListAuditCheckpoints(ctx(), a, 0, 1)
	require.NoError(t, err)
	assert.Equal(t, []int64{40}, seqs(list), "limit")
	list, err = s.ListAuditCheckpoints(ctx(), a, 40, 10)
	require.NoError(t, err)
	assert.Equal(t, []int64{25, 10}, seqs(list), "before is exclusive")
	list, err = s.ListAuditCheckpoints(ctx(), a, 11, 10)
	require.NoError(t, err)
	assert.Equal(t, []int64{10}, seqs(list))
	list, err = s.ListAuditCheckpoints(ctx(), newID(), 0, 10)
	require.NoError(t, err)
	assert.Empty(t, list)
}

func testCheckpointConflict(t *testing.T, s storage.Store) {
	a := newID()
	c := newCheckpoint(a, 10, 10, 1)
	require.NoError(t, s.InsertAuditCheckpoint(ctx(), c))
	dupID := newCheckpoint(a, 20, 10, 2)
	dupID.ID = c.ID
	requireCode(t, accountkit.Conflict, s.InsertAuditCheckpoint(ctx(), dupID), "same ID")
	requireCode(t, accountkit.Conflict, s.InsertAuditCheckpoint(ctx(), newCheckpoint(a, 10, 10, 3)), "same Seq in the chain")
	require.NoError(t, s.InsertAuditCheckpoint(ctx(), newCheckpoint(newID(), 10, 10, 4)), "same Seq in another chain")

	// A checkpoint inserted by a transaction that rolls back is gone.
	require.ErrorIs(t, s.InTx(context.Background(), func(ctx context.Context) error {
		require.NoError(t, s.InsertAuditCheckpoint(ctx, newCheckpoint(a, 30, 20, 5)))
		return errBoom
	}), errBoom)
	list, err := s.ListAuditCheckpoints(ctx(), a, 0, 0)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, c.ID, list[0].ID)
}

// chainOf inserts n linked events of main (Seq 1..n, one a second from
// start) and returns them.
func chainOf(t *testing.T, s storage.Store, main, desc string, n, start int) []*audit.Event {
	t.Helper()
	var out []*audit.Event
	prev := ""
	for i := 1; i <= n; i++ {
		e := newEvent(main, main, at(start+i))
		e.Description = fmt.Sprintf("%s number%d", desc, i)
		e.Seq, e.PrevHash = int64(i), prev
		e.Hash = e.ComputeHash()
		prev = e.Hash
		mustInsert(t, s, e)
		out = append(out, e)
	}
	return out
}

func testDeleteAuditEvents(t *testing.T, s storage.Store) {
	a, b := newID(), newID()
	chainA := chainOf(t, s, a, "Retained alpha", 6, 0)
	chainB := chainOf(t, s, b, "Retained alpha", 3, 0)

	n, err := s.DeleteAuditEvents(ctx(), a, 3)
	require.NoError(t, err)
	assert.EqualValues(t, 3, n)

	rest, err := s.ListAuditChain(ctx(), a, 0, 100)
	require.NoError(t, err)
	assert.Equal(t, idsOf(chainA[3:]), idsOf(rest), "the chain starts after the deleted prefix")
	for i, e := range rest {
		requireEvent(t, chainA[3+i], e)
	}
	listed := listEvents(t, s, audit.Filter{MainAccountID: a, Limit: 100})
	assert.Equal(t, idsOf(newestFirst(chainA[3:])), idsOf(listed), "the time order lost them too")
	found := listEvents(t, s, audit.Filter{MainAccountID: a, Search: "retained number2", Limit: 100})
	assert.Empty(t, found, "the search words of a deleted event are gone")
	found = listEvents(t, s, audit.Filter{MainAccountID: a, Search: "retained number5", Limit: 100})
	assert.Equal(t, []string{chainA[4].ID}, idsOf(found))

	// Another main account is untouched.
	restB, err := s.ListAuditChain(ctx(), b, 0, 100)
	require.NoError(t, err)
	assert.Equal(t, idsOf(chainB), idsOf(restB))
	found = listEvents(t, s, audit.Filter{MainAccountID: b, Search: "retained number2", Limit: 100})
	assert.Equal(t, []string{chainB[1].ID}, idsOf(found))

	// Deleting again deletes nothing; a later bound deletes the rest.
	n, err = s.DeleteAuditEvents(ctx(), a, 3)
	require.NoError(t, err)
	assert.EqualValues(t, 0, n)
	n, err = s.DeleteAuditEvents(ctx(), a, 100)
	require.NoError(t, err)
	assert.EqualValues(t, 3, n)
	rest, err = s.ListAuditChain(ctx(), a, 0, 100)
	require.NoError(t, err)
	assert.Empty(t, rest)
	n, err = s.DeleteAuditEvents(ctx(), newID(), 100)
	require.NoError(t, err)
	assert.EqualValues(t, 0, n, "an unknown chain")

	// The deleted IDs are free again (nothing is left behind).
	mustInsert(t, s, chainA[0])
}

func testDeleteAuditEventsRollback(t *testing.T, s storage.Store) {
	a := newID()
	chain := chainOf(t, s, a, "Kept bravo", 4, 0)
	require.ErrorIs(t, s.InTx(context.Background(), func(ctx context.Context) error {
		n, err := s.DeleteAuditEvents(ctx, a, 2)
		require.NoError(t, err)
		assert.EqualValues(t, 2, n)
		rest, err := s.ListAuditChain(ctx, a, 0, 100)
		require.NoError(t, err)
		assert.Len(t, rest, 2, "the transaction sees its delete")
		return errBoom
	}), errBoom)
	rest, err := s.ListAuditChain(ctx(), a, 0, 100)
	require.NoError(t, err)
	assert.Equal(t, idsOf(chain), idsOf(rest), "the delete rolled back")
	listed := listEvents(t, s, audit.Filter{MainAccountID: a, Limit: 100})
	assert.Equal(t, idsOf(newestFirst(chain)), idsOf(listed))
	found := listEvents(t, s, audit.Filter{MainAccountID: a, Search: "kept number1", Limit: 100})
	assert.Equal(t, []string{chain[0].ID}, idsOf(found), "and its search words")
}
