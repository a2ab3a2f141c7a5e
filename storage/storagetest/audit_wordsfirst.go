package storagetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/storage"
)

// testAuditWordsFirst checks audit.WordsFirstStore on the stores that
// implement it: words written before the chain lock and the event appended
// with the chain's advance find the event by search and move the chain
// head; a rollback removes words, event and advance; a duplicate ID is a
// Conflict.
func testAuditWordsFirst(t *testing.T, s storage.Store) {
	ws, ok := s.(audit.WordsFirstStore)
	if !ok {
		t.Skip("the store indexes words with the event")
	}
	main := newID()
	search := func(word string) []*audit.Event {
		return listEvents(t, s, audit.Filter{MainAccountID: main, Search: word, Limit: 10})
	}
	e := newEvent(main, main, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	e.Description = "Seat assigned zebracorn."
	inTx(t, s, func(ctx context.Context) error {
		require.NoError(t, ws.InsertAuditWords(ctx, e))
		_, _, err := s.LockAuditChain(ctx, main)
		require.NoError(t, err)
		return ws.AppendAuditEvent(ctx, e)
	})
	got := search("zebracorn")
	require.Len(t, got, 1)
	requireEvent(t, e, got[0])
	inTx(t, s, func(ctx context.Context) error {
		seq, hash, err := s.LockAuditChain(ctx, main)
		require.NoError(t, err)
		require.Equal(t, e.Seq, seq)
		require.Equal(t, e.Hash, hash)
		return nil
	})

	rolled := newEvent(main, main, e.Time.Add(time.Second))
	rolled.Description = "Seat assigned quokkaroo."
	boom := errors.New("boom")
	err := s.InTx(context.Background(), func(ctx context.Context) error {
		require.NoError(t, ws.InsertAuditWords(ctx, rolled))
		_, _, err := s.LockAuditChain(ctx, main)
		require.NoError(t, err)
		require.NoError(t, ws.AppendAuditEvent(ctx, rolled))
		return boom
	})
	require.ErrorIs(t, err, boom)
	require.Empty(t, search("quokkaroo"), "a rollback removes the words and the event")
	inTx(t, s, func(ctx context.Context) error {
		seq, _, err := s.LockAuditChain(ctx, main)
		require.NoError(t, err)
		require.Equal(t, e.Seq, seq, "a rollback removes the chain's advance")
		return nil
	})

	dup := newEvent(main, main, e.Time)
	dup.ID = e.ID
	err = s.InTx(context.Background(), func(ctx context.Context) error {
		_, _, err := s.LockAuditChain(ctx, main)
		require.NoError(t, err)
		return ws.AppendAuditEvent(ctx, dup)
	})
	requireCode(t, accountkit.Conflict, err)
}
