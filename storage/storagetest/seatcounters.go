package storagetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/seats"
	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/users"
)

// requireSeatCounters checks that the pool's Assigned and each limit's
// Assigned equal the seats counted in the seats themselves.
func requireSeatCounters(t testing.TB, s storage.Store, mainID string) {
	t.Helper()
	p, err := s.GetSeatPool(ctx(), mainID)
	require.NoError(t, err)
	n, err := s.CountSeats(ctx(), mainID, "")
	require.NoError(t, err)
	require.Equal(t, n, p.Assigned, "pool counter = COUNT(*)")
	limits, err := s.ListSeatLimits(ctx(), mainID)
	require.NoError(t, err)
	for _, l := range limits {
		n, err := s.CountSeats(ctx(), mainID, l.AccountID)
		require.NoError(t, err)
		require.Equal(t, n, l.Assigned, "limit counter of %s = COUNT(*)", l.AccountID)
		got, err := s.GetSeatLimit(ctx(), l.AccountID)
		require.NoError(t, err)
		require.Equal(t, n, got.Assigned)
	}
}

// takeSeat runs TakeSeat in a transaction with the pool and limit read
// just before, as the service does.
func takeSeat(t testing.TB, s storage.Store, st *seats.Seat) (bool, *seats.Pool, *seats.Limit) {
	t.Helper()
	pool, err := s.GetSeatPool(ctx(), st.MainAccountID)
	require.NoError(t, err)
	lim, err := s.GetSeatLimit(ctx(), st.AccountID)
	if accountkit.ErrorCode(err) == accountkit.NotFound {
		lim, err = nil, nil
	}
	require.NoError(t, err)
	var taken bool
	inTx(t, s, func(ctx context.Context) error {
		taken, err = s.TakeSeat(ctx, st, pool, lim)
		return err
	})
	return taken, pool, lim
}

// testSeatCounters: the pool's and the limits' Assigned counters equal
// COUNT(*) of the seats after every kind of change: CreateSeat, TakeSeat
// (taken and refused), DeleteSeats over several accounts, a rollback, a
// new and a replaced limit, a pool created over existing seats, and the
// user deleted or moved.
func testSeatCounters(t *testing.T, s storage.Store) {
	main := newMain("seat-counters")
	sub := newSub(main, "seat-counters-sub")
	mustCreate(t, s, main, sub)
	var list []*users.User
	for i := range 9 {
		acc := main
		if i%2 == 1 {
			acc = sub
		}
		u := newUser(acc, fmt.Sprintf("counter%d", i))
		list = append(list, u)
	}
	mustCreateUser(t, s, list...)

	// A seat stored before the pool exists is counted when the pool is
	// created, and a limit created over existing seats counts them.
	mustCreateSeat(t, s, newSeat(list[1], 1))
	p := lockPool(t, s, main.ID)
	assert.Equal(t, 1, p.Assigned)
	p.Purchased = 5
	require.NoError(t, s.UpdateSeatPool(ctx(), p))
	require.NoError(t, s.PutSeatLimit(ctx(), &seats.Limit{AccountID: sub.ID, MainAccountID: main.ID, Limit: 2, UpdatedAt: at(1)}))
	requireSeatCounters(t, s, main.ID)
	l, err := s.GetSeatLimit(ctx(), sub.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, l.Assigned)

	// CreateSeat counts.
	mustCreateSeat(t, s, newSeat(list[0], 2))
	requireSeatCounters(t, s, main.ID)

	// TakeSeat takes and returns the counters after the change.
	taken, pool, lim := takeSeat(t, s, newSeat(list[3], 3))
	require.True(t, taken)
	assert.Equal(t, 3, pool.Assigned)
	require.NotNil(t, lim)
	assert.Equal(t, 2, lim.Assigned)
	requireSeatCounters(t, s, main.ID)

	// The limit is reached: refused, nothing changed.
	taken, _, _ = takeSeat(t, s, newSeat(list[5], 4))
	assert.False(t, taken, "limit reached")
	_, err = s.GetSeat(ctx(), list[5].ID)
	requireCode(t, accountkit.NotFound, err)
	requireSeatCounters(t, s, main.ID)

	// A user already holding a seat: Conflict.
	pool, err = s.GetSeatPool(ctx(), main.ID)
	require.NoError(t, err)
	err = s.InTx(ctx(), func(ctx context.Context) error {
		_, err := s.TakeSeat(ctx, newSeat(list[0], 5), pool, nil)
		return err
	})
	requireCode(t, accountkit.Conflict, err)
	requireSeatCounters(t, s, main.ID)

	// What the caller read changed: the limit, the pool's warning, the
	// purchased seats, the user's status or account. Refused each time.
	inTx(t, s, func(ctx context.Context) error {
		taken, err := s.TakeSeat(ctx, newSeat(list[2], 6), pool, &seats.Limit{AccountID: main.ID, Limit: 9})
		assert.False(t, taken, "a limit the account does not have")
		return err
	})
	inTx(t, s, func(ctx context.Context) error {
		stale := *pool
		stale.Warned = !stale.Warned
		taken, err := s.TakeSeat(ctx, newSeat(list[2], 6), &stale, nil)
		assert.False(t, taken, "warned changed")
		return err
	})
	inTx(t, s, func(ctx context.Context) error {
		stale := *pool
		stale.Purchased++
		taken, err := s.TakeSeat(ctx, newSeat(list[2], 6), &stale, nil)
		assert.False(t, taken, "purchased changed")
		return err
	})
	moved := newSeat(list[2], 6)
	moved.AccountID = sub.ID
	inTx(t, s, func(ctx context.Context) error {
		l, err := s.GetSeatLimit(ctx, sub.ID)
		if err != nil {
			return err
		}
		l.Limit = 9 // as if read before a change of the limit to 2
		taken, err := s.TakeSeat(ctx, moved, pool, l)
		assert.False(t, taken, "the user is not in that account, and the limit changed")
		return err
	})
	disabled := list[4]
	disabled.Status = users.StatusDisabled
	require.NoError(t, s.UpdateUser(ctx(), disabled))
	inTx(t, s, func(ctx context.Context) error {
		taken, err := s.TakeSeat(ctx, newSeat(disabled, 7), pool, nil)
		assert.False(t, taken, "disabled user")
		return err
	})
	requireSeatCounters(t, s, main.ID)

	// The pool is full: refused.
	taken, _, _ = takeSeat(t, s, newSeat(list[2], 8))
	require.True(t, taken)
	taken, _, _ = takeSeat(t, s, newSeat(list[6], 9))
	require.True(t, taken)
	taken, _, _ = takeSeat(t, s, newSeat(list[8], 10))
	assert.False(t, taken, "no seat left")
	p, err = s.GetSeatPool(ctx(), main.ID)
	require.NoError(t, err)
	assert.Equal(t, 5, p.Assigned)
	requireSeatCounters(t, s, main.ID)

	// A rolled back change leaves the counters.
	boom := errors.New("boom")
	err = s.InTx(ctx(), func(ctx context.Context) error {
		if _, err := s.DeleteSeats(ctx, []string{list[0].ID, list[1].ID}); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	requireSeatCounters(t, s, main.ID)

	// A replaced limit keeps its counter.
	require.NoError(t, s.PutSeatLimit(ctx(), &seats.Limit{AccountID: sub.ID, MainAccountID: main.ID, Limit: 4, Assigned: 99, UpdatedAt: at(2)}))
	requireSeatCounters(t, s, main.ID)

	// DeleteSeats over two accounts, unknown and seatless users ignored.
	n, err := s.DeleteSeats(ctx(), []string{list[0].ID, list[1].ID, newID(), list[7].ID})
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	requireSeatCounters(t, s, main.ID)

	// A deleted user's and a moved user's seats are uncounted.
	require.NoError(t, s.DeleteUser(ctx(), list[3].ID))
	requireSeatCounters(t, s, main.ID)
	require.NoError(t, s.MoveUser(ctx(), list[2].ID, sub.ID))
	requireSeatCounters(t, s, main.ID)
	p, err = s.GetSeatPool(ctx(), main.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, p.Assigned, "list[6] only")
}

// testSeatCountersRace: 64 goroutines assign (TakeSeat) and unassign
// (DeleteSeats) seats of one tree at once, with a pool of 10 and a limit
// of 4 on the sub-account. No take ever reports a counter above its
// capacity, and at the end the counters equal COUNT(*) and the capacities
// hold.
func testSeatCountersRace(t *testing.T, s storage.Store) {
	const goroutines, rounds, purchased, limit = 64, 4, 10, 4
	main := newMain("seat-race")
	sub := newSub(main, "seat-race-sub")
	mustCreate(t, s, main, sub)
	list := make([]*users.User, goroutines)
	for i := range list {
		acc := main
		if i%2 == 1 {
			acc = sub
		}
		list[i] = newUser(acc, fmt.Sprintf("race%02d", i))
	}
	mustCreateUser(t, s, list...)
	p := lockPool(t, s, main.ID)
	p.Purchased = purchased
	require.NoError(t, s.UpdateSeatPool(ctx(), p))
	require.NoError(t, s.PutSeatLimit(ctx(), &seats.Limit{AccountID: sub.ID, MainAccountID: main.ID, Limit: limit, UpdatedAt: at(1)}))
	var wg sync.WaitGroup
	errs := make([]error, goroutines)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := list[g]
			for r := range rounds {
				if r%2 == 1 {
					if _, err := s.DeleteSeats(context.Background(), []string{u.ID}); err != nil {
						errs[g] = err
						return
					}
					continue
				}
				pool, err := s.GetSeatPool(context.Background(), main.ID)
				if err != nil {
					errs[g] = err
					return
				}
				lim, err := s.GetSeatLimit(context.Background(), u.AccountID)
				if accountkit.ErrorCode(err) == accountkit.NotFound {
					lim, err = nil, nil
				}
				if err != nil {
					errs[g] = err
					return
				}
				err = s.InTx(context.Background(), func(ctx context.Context) error {
					taken, err := s.TakeSeat(ctx, newSeat(u, g), pool, lim)
					if err != nil || !taken {
						return err
					}
					if pool.Assigned > purchased || (lim != nil && lim.Assigned > limit) {
						return fmt.Errorf("over-allocated: pool %d, limit %v", pool.Assigned, lim)
					}
					return nil
				})
				if err != nil {
					errs[g] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for g, err := range errs {
		require.NoError(t, err, "goroutine %d", g)
	}
	requireSeatCounters(t, s, main.ID)
	n, err := s.CountSeats(ctx(), main.ID, "")
	require.NoError(t, err)
	assert.LessOrEqual(t, n, purchased)
	n, err = s.CountSeats(ctx(), main.ID, sub.ID)
	require.NoError(t, err)
	assert.LessOrEqual(t, n, limit)
}
