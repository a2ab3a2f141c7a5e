package storagetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/storage"
)

// errBoom is the error the suite's failing transactions return.
var errBoom = errors.New("storagetest: boom")

func testTx(t *testing.T, h Harness) {
	runAll(t, h, []subtest{
		{name: "Commit", run: testTxCommit},
		{name: "ErrorRollsBackEverything", run: testTxErrorRollsBack},
		{name: "PanicRollsBack", run: testTxPanicRollsBack},
		{name: "StoreErrorRollsBack", run: testTxStoreErrorRollsBack},
		{name: "NotFoundKeepsTxUsable", run: testTxNotFoundKeepsTxUsable},
		{name: "NestedJoins", run: testTxNestedJoins},
		{name: "NestedCommit", run: testTxNestedCommit},
		{name: "ReadsOwnWrites", run: testTxReadsOwnWrites},
		{name: "CanceledContext", run: testTxCanceledContext},
		{name: "ConcurrentChain", run: testTxConcurrentChain},
		{name: "ConcurrentSlug", run: testTxConcurrentSlug},
		{name: "ChainLocksIndependent", run: testTxChainLocksIndependent, needs: storage.CapRowLocks},
	})
}

// change is what the rollback tests write in one transaction: a new
// account, an update of an existing one, an audit event and a chain advance
// (from 1 to 2).
type change struct {
	existing, renamed, created *account.Account
	event                      *audit.Event
}

// setupChange stores the state a change starts from: an account and a
// chain at position 1.
func setupChange(t testing.TB, s storage.Store) *change {
	t.Helper()
	c := &change{existing: newMain("existing")}
	mustCreate(t, s, c.existing)
	first := newEvent(c.existing.ID, c.existing.ID, at(0))
	first.Seq = 1
	first.Hash = first.ComputeHash()
	mustInsert(t, s, first)
	inTx(t, s, func(ctx context.Context) error {
		_, _, err := s.LockAuditChain(ctx, c.existing.ID)
		require.NoError(t, err)
		return s.AdvanceAuditChain(ctx, c.existing.ID, 1, first.Hash)
	})
	c.renamed = &account.Account{}
	*c.renamed = *c.existing
	c.renamed.Name, c.renamed.Slug, c.renamed.Status, c.renamed.UpdatedAt = "Renamed", "renamed", account.StatusDisabled, at(60)
	c.created = newSub(c.existing, "created")
	c.event = newEvent(c.existing.ID, c.created.ID, at(60))
	c.event.Seq = 2
	c.event.Hash = c.event.ComputeHash()
	return c
}

// write makes the change with ctx, checking each step.
func (c *change) write(t testing.TB, ctx context.Context, s storage.Store) {
	t.Helper()
	require.NoError(t, s.CreateAccount(ctx, c.created))
	require.NoError(t, s.UpdateAccount(ctx, c.renamed))
	seq, _, err := s.LockAuditChain(ctx, c.existing.ID)
	require.NoError(t, err)
	require.Equal(t, int64(1), seq)
	require.NoError(t, s.InsertAuditEvent(ctx, c.event))
	require.NoError(t, s.AdvanceAuditChain(ctx, c.existing.ID, 2, c.event.Hash))
}

// requireAbsent fails t unless none of the change landed.
func (c *change) requireAbsent(t testing.TB, s storage.Store) {
	t.Helper()
	_, err := s.GetAccount(ctx(), c.created.ID)
	requireCode(t, accountkit.NotFound, err, "the created account must be rolled back")
	_, err = s.GetAccountBySlug(ctx(), c.created.Slug)
	requireCode(t, accountkit.NotFound, err, "the created account's slug must be free")
	got, err := s.GetAccount(ctx(), c.existing.ID)
	require.NoError(t, err)
	requireAccount(t, c.existing, got)
	_, err = s.GetAccountBySlug(ctx(), c.renamed.Slug)
	requireCode(t, accountkit.NotFound, err, "the new slug must be free again")
	got, err = s.GetAccountBySlug(ctx(), c.existing.Slug)
	require.NoError(t, err, "the old slug must be back")
	requireAccount(t, c.existing, got)
	list, err := s.ListAccounts(ctx(), account.Filter{ParentID: &c.existing.ID})
	require.NoError(t, err)
	assert.Empty(t, list)

	events := listEvents(t, s, audit.Filter{MainAccountID: c.existing.ID})
	require.Len(t, events, 1, "the audit event must be rolled back")
	assert.NotEqual(t, c.event.ID, events[0].ID)
	chain, err := s.ListAuditChain(ctx(), c.existing.ID, 1, 10)
	require.NoError(t, err)
	assert.Empty(t, chain)
	inTx(t, s, func(ctx context.Context) error {
		seq, _, err := s.LockAuditChain(ctx, c.existing.ID)
		require.NoError(t, err)
		assert.Equal(t, int64(1), seq, "the chain advance must be rolled back")
		return nil
	})

	// The store is usable afterwards and the freed keys can be taken.
	require.NoError(t, s.InTx(context.Background(), func(ctx context.Context) error {
		c.write(t, ctx, s)
		return nil
	}))
	c.requirePresent(t, s)
}

// requirePresent fails t unless all of the change landed.
func (c *change) requirePresent(t testing.TB, s storage.Store) {
	t.Helper()
	got, err := s.GetAccount(ctx(), c.created.ID)
	require.NoError(t, err)
	requireAccount(t, c.created, got)
	got, err = s.GetAccountBySlug(ctx(), c.renamed.Slug)
	require.NoError(t, err)
	requireAccount(t, c.renamed, got)
	_, err = s.GetAccountBySlug(ctx(), c.existing.Slug)
	requireCode(t, accountkit.NotFound, err)
	events := listEvents(t, s, audit.Filter{MainAccountID: c.existing.ID})
	require.Len(t, events, 2)
	requireEvent(t, c.event, events[0])
	inTx(t, s, func(ctx context.Context) error {
		seq, hash, err := s.LockAuditChain(ctx, c.existing.ID)
		require.NoError(t, err)
		assert.Equal(t, int64(2), seq)
		assert.Equal(t, c.event.Hash, hash)
		return nil
	})
}

func testTxCommit(t *testing.T, s storage.Store) {
	c := setupChange(t, s)
	require.NoError(t, s.InTx(context.Background(), func(ctx context.Context) error {
		c.write(t, ctx, s)
		return nil
	}))
	c.requirePresent(t, s)
}

// testTxErrorRollsBack checks the project's promise: a failing InTx leaves
// neither the change nor its audit event, on every adapter.
func testTxErrorRollsBack(t *testing.T, s storage.Store) {
	c := setupChange(t, s)
	err := s.InTx(context.Background(), func(ctx context.Context) error {
		c.write(t, ctx, s)
		return fmt.Errorf("wrapped: %w", errBoom)
	})
	require.ErrorIs(t, err, errBoom, "InTx returns fn's error")
	c.requireAbsent(t, s)
}

func testTxPanicRollsBack(t *testing.T, s storage.Store) {
	c := setupChange(t, s)
	require.PanicsWithValue(t, "storagetest: panic in fn", func() {
		_ = s.InTx(context.Background(), func(ctx context.Context) error {
			c.write(t, ctx, s)
			panic("storagetest: panic in fn")
		})
	}, "InTx re-panics with fn's value")
	c.requireAbsent(t, s)
}

// testTxStoreErrorRollsBack checks that a store error inside a transaction
// (here a Conflict) passed on by fn rolls back the writes made before it.
func testTxStoreErrorRollsBack(t *testing.T, s storage.Store) {
	c := setupChange(t, s)
	err := s.InTx(context.Background(), func(ctx context.Context) error {
		c.write(t, ctx, s)
		return s.CreateAccount(ctx, newMain(c.created.Slug))
	})
	requireCode(t, accountkit.Conflict, err)
	c.requireAbsent(t, s)
}

// testTxNotFoundKeepsTxUsable checks that a NotFound answer inside a
// transaction is an answer, not a failure: services look things up, find
// nothing and carry on writing in the same transaction.
func testTxNotFoundKeepsTxUsable(t *testing.T, s storage.Store) {
	c := setupChange(t, s)
	require.NoError(t, s.InTx(context.Background(), func(ctx context.Context) error {
		_, err := s.GetAccount(ctx, newID())
		requireCode(t, accountkit.NotFound, err)
		_, err = s.GetAccountBySlug(ctx, "missing")
		requireCode(t, accountkit.NotFound, err)
		requireCode(t, accountkit.NotFound, s.UpdateAccount(ctx, newMain("missing")))
		_, err = s.AccountAncestry(ctx, newID())
		requireCode(t, accountkit.NotFound, err)
		_, err = s.AccountSubtree(ctx, newID())
		requireCode(t, accountkit.NotFound, err)
		requireCode(t, accountkit.NotFound, s.AdvanceAuditChain(ctx, newID(), 1, hashN(1)))
		c.write(t, ctx, s)
		return nil
	}))
	c.requirePresent(t, s)
}

func testTxNestedJoins(t *testing.T, s storage.Store) {
	c := setupChange(t, s)
	inner := newSub(c.existing, "inner")
	err := s.InTx(context.Background(), func(ctx context.Context) error {
		c.write(t, ctx, s)
		require.NoError(t, s.InTx(ctx, func(ctx context.Context) error {
			// The inner transaction sees the outer one's writes.
			got, err := s.GetAccount(ctx, c.created.ID)
			require.NoError(t, err)
			requireAccount(t, c.created, got)
			return s.CreateAccount(ctx, inner)
		}))
		// The inner one's writes are the outer one's.
		_, err := s.GetAccount(ctx, inner.ID)
		require.NoError(t, err)
		innerErr := s.InTx(ctx, func(ctx context.Context) error { return errBoom })
		require.ErrorIs(t, innerErr, errBoom, "the inner InTx returns its fn's error")
		return innerErr
	})
	require.ErrorIs(t, err, errBoom)
	_, err = s.GetAccount(ctx(), inner.ID)
	requireCode(t, accountkit.NotFound, err, "the inner transaction's writes roll back with the outer one")
	c.requireAbsent(t, s)
}

func testTxNestedCommit(t *testing.T, s storage.Store) {
	c := setupChange(t, s)
	require.NoError(t, s.InTx(context.Background(), func(ctx context.Context) error {
		return s.InTx(ctx, func(ctx context.Context) error {
			return s.InTx(ctx, func(ctx context.Context) error {
				c.write(t, ctx, s)
				return nil
			})
		})
	}))
	c.requirePresent(t, s)
}

// testTxReadsOwnWrites checks that every read inside a transaction sees the
// transaction's writes (and that reads inside a transaction do not block on
// it).
func testTxReadsOwnWrites(t *testing.T, s storage.Store) {
	c := setupChange(t, s)
	require.ErrorIs(t, s.InTx(context.Background(), func(ctx context.Context) error {
		c.write(t, ctx, s)
		got, err := s.GetAccount(ctx, c.created.ID)
		require.NoError(t, err)
		requireAccount(t, c.created, got)
		got, err = s.GetAccountBySlug(ctx, c.renamed.Slug)
		require.NoError(t, err)
		requireAccount(t, c.renamed, got)
		_, err = s.GetAccountBySlug(ctx, c.existing.Slug)
		requireCode(t, accountkit.NotFound, err)
		list, err := s.ListAccounts(ctx, account.Filter{DescendantOf: &c.existing.ID})
		require.NoError(t, err)
		assert.Equal(t, []string{c.created.Slug}, slugsOf(list))
		anc, err := s.AccountAncestry(ctx, c.created.ID)
		require.NoError(t, err)
		assert.Equal(t, c.created.Ancestry, anc)
		sub, err := s.AccountSubtree(ctx, c.existing.ID)
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{c.existing.ID, c.created.ID}, sub)
		events, err := s.ListAuditEvents(ctx, audit.Filter{MainAccountID: c.existing.ID})
		require.NoError(t, err)
		require.Len(t, events, 2)
		requireEvent(t, c.event, events[0])
		chain, err := s.ListAuditChain(ctx, c.existing.ID, 1, 10)
		require.NoError(t, err)
		require.Len(t, chain, 1)
		requireEvent(t, c.event, chain[0])
		seq, hash, err := s.LockAuditChain(ctx, c.existing.ID)
		require.NoError(t, err)
		assert.Equal(t, int64(2), seq)
		assert.Equal(t, c.event.Hash, hash)
		return errBoom
	}), errBoom)
	c.requireAbsent(t, s)
}

func testTxCanceledContext(t *testing.T, s storage.Store) {
	cctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	err := s.InTx(cctx, func(ctx context.Context) error {
		called = true
		return nil
	})
	require.ErrorIs(t, err, context.Canceled)
	assert.False(t, called, "fn must not run when ctx is done before the transaction starts")

	// The store still works.
	mustCreate(t, s, newMain("after-cancel"))
}

// concurrency is how many goroutines the concurrency tests start.
const concurrency = 20

// testTxConcurrentChain checks that LockAuditChain serializes recorders:
// every goroutine reads the head and appends after it, and no position is
// lost or taken twice. Memory serializes whole transactions; SQL adapters
// lock the chain head row.
func testTxConcurrentChain(t *testing.T, s storage.Store) {
	main := newID()
	var wg sync.WaitGroup
	errs := make([]error, concurrency)
	for g := range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[g] = s.InTx(context.Background(), func(ctx context.Context) error {
				seq, prev, err := s.LockAuditChain(ctx, main)
				if err != nil {
					return err
				}
				e := newEvent(main, main, at(g))
				e.Seq, e.PrevHash = seq+1, prev
				e.Hash = e.ComputeHash()
				if err := s.InsertAuditEvent(ctx, e); err != nil {
					return err
				}
				return s.AdvanceAuditChain(ctx, main, e.Seq, e.Hash)
			})
		}()
	}
	// Readers outside transactions run alongside the writers.
	readErrs := make([]error, 4)
	for r := range readErrs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				list, err := s.ListAuditEvents(context.Background(), audit.Filter{MainAccountID: main})
				if err == nil {
					_, err = s.ListAuditChain(context.Background(), main, 0, 100)
				}
				if err == nil && len(list) > concurrency {
					err = fmt.Errorf("%d events listed", len(list))
				}
				if err != nil {
					readErrs[r] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for g, err := range errs {
		require.NoError(t, err, "goroutine %d", g)
	}
	for r, err := range readErrs {
		require.NoError(t, err, "reader %d", r)
	}
	inTx(t, s, func(ctx context.Context) error {
		seq, _, err := s.LockAuditChain(ctx, main)
		require.NoError(t, err)
		assert.Equal(t, int64(concurrency), seq)
		return nil
	})
	chain, err := s.ListAuditChain(ctx(), main, 0, 100)
	require.NoError(t, err)
	require.Len(t, chain, concurrency)
	prev := ""
	for i, e := range chain {
		require.Equal(t, int64(i+1), e.Seq)
		require.Equal(t, prev, e.PrevHash, "event %d links to the one before", e.Seq)
		require.Equal(t, e.ComputeHash(), e.Hash)
		prev = e.Hash
	}
}

// testTxConcurrentSlug checks that the database, not luck, keeps slugs
// unique: of many transactions creating the same slug at once exactly one
// succeeds and the rest get Conflict.
func testTxConcurrentSlug(t *testing.T, s storage.Store) {
	var wg sync.WaitGroup
	errs := make([]error, concurrency)
	accounts := make([]*account.Account, concurrency)
	for g := range concurrency {
		accounts[g] = newMain("contested")
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[g] = s.InTx(context.Background(), func(ctx context.Context) error {
				return s.CreateAccount(ctx, accounts[g])
			})
		}()
	}
	wg.Wait()
	winner := -1
	for g, err := range errs {
		if err == nil {
			require.Equal(t, -1, winner, "two creates of one slug succeeded")
			winner = g
			continue
		}
		requireCode(t, accountkit.Conflict, err, "goroutine %d", g)
	}
	require.NotEqual(t, -1, winner, "one create must succeed")
	got, err := s.GetAccountBySlug(ctx(), "contested")
	require.NoError(t, err)
	requireAccount(t, accounts[winner], got)
	list, err := s.ListAccounts(ctx(), account.Filter{Search: "contested", Limit: 100})
	require.NoError(t, err)
	assert.Len(t, list, 1)
}

// testTxChainLocksIndependent checks, on adapters with row locks, that the
// chain lock of one main account does not hold up another's: a transaction
// holding one chain waits for a transaction that locks another chain (new
// or existing) and commits.
func testTxChainLocksIndependent(t *testing.T, s storage.Store) {
	held, existing := newID(), newID()
	inTx(t, s, func(ctx context.Context) error {
		_, _, err := s.LockAuditChain(ctx, existing)
		require.NoError(t, err)
		return s.AdvanceAuditChain(ctx, existing, 1, hashN(1))
	})
	for _, other := range []string{existing, newID()} {
		locked := make(chan struct{})
		done := make(chan error, 1)
		go func() {
			<-locked
			done <- s.InTx(context.Background(), func(ctx context.Context) error {
				seq, _, err := s.LockAuditChain(ctx, other)
				if err != nil {
					return err
				}
				return s.AdvanceAuditChain(ctx, other, seq+1, hashN(seq+1))
			})
		}()
		err := s.InTx(context.Background(), func(ctx context.Context) error {
			if _, _, err := s.LockAuditChain(ctx, held); err != nil {
				return err
			}
			close(locked)
			select {
			case err := <-done:
				return err
			case <-time.After(10 * time.Second):
				return errors.New("another main account's chain stayed locked while this one was held")
			}
		})
		require.NoError(t, err)
	}
}
