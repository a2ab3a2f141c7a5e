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
	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/users"
)

// testJobs checks what the background jobs need: the leases that elect
// one runner per job, and the purges of ended sessions and expired
// tokens.
func testJobs(t *testing.T, h Harness) {
	runAll(t, h, []subtest{
		{name: "Lease", run: testLease},
		{name: "LeaseParallel", run: testLeaseParallel},
		{name: "LeaseRollback", run: testLeaseRollback},
		{name: "PurgeSessions", run: testPurgeSessions},
		{name: "PurgeTokens", run: testPurgeTokens},
	})
}

func takeLease(t testing.TB, s storage.Store, job, holder string, now, until int) bool {
	t.Helper()
	ok, err := s.TakeLease(ctx(), job, holder, at(now), at(until))
	require.NoError(t, err)
	return ok
}

// testLease: a free lease is taken, a held one is refused to everyone
// (its holder too) until it expires, then taken again; jobs are apart.
func testLease(t *testing.T, s storage.Store) {
	_, err := s.GetLease(ctx(), "purge")
	requireCode(t, accountkit.NotFound, err)

	require.True(t, takeLease(t, s, "purge", "a", 0, 60), "no lease yet")
	l, err := s.GetLease(ctx(), "purge")
	require.NoError(t, err)
	assert.Equal(t, "purge", l.Job)
	assert.Equal(t, "a", l.Holder)
	requireUTC(t, at(60), l.ExpiresAt, "ExpiresAt")

	assert.False(t, takeLease(t, s, "purge", "b", 30, 90), "held by a")
	assert.False(t, takeLease(t, s, "purge", "a", 59, 119), "held, even by its holder")
	assert.True(t, takeLease(t, s, "other", "b", 30, 90), "another job's lease is apart")

	require.True(t, takeLease(t, s, "purge", "b", 60, 120), "expired at 60")
	l, err = s.GetLease(ctx(), "purge")
	require.NoError(t, err)
	assert.Equal(t, "b", l.Holder)
	requireUTC(t, at(120), l.ExpiresAt, "ExpiresAt")
	assert.False(t, takeLease(t, s, "purge", "a", 119, 179))
}

// testLeaseParallel: of 20 runners racing for a lease, free because new
// or because expired, exactly one takes it each period.
func testLeaseParallel(t *testing.T, s storage.Store) {
	for period := range 3 {
		now, until := period*60, period*60+60
		var wg sync.WaitGroup
		var mu sync.Mutex
		var winners []string
		for g := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				holder := fmt.Sprintf("runner-%d", g)
				ok, err := s.TakeLease(ctx(), "race", holder, at(now), at(until))
				if err != nil {
					t.Errorf("period %d, %s: %v", period, holder, err)
					return
				}
				if ok {
					mu.Lock()
					winners = append(winners, holder)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		require.Len(t, winners, 1, "period %d: exactly one runner takes the lease", period)
		l, err := s.GetLease(ctx(), "race")
		require.NoError(t, err)
		assert.Equal(t, winners[0], l.Holder)
		requireUTC(t, at(until), l.ExpiresAt, "ExpiresAt")
	}
}

// testLeaseRollback: a lease taken in a transaction that fails is not
// taken.
func testLeaseRollback(t *testing.T, s storage.Store) {
	boom := errors.New("boom")
	err := s.InTx(ctx(), func(ctx context.Context) error {
		ok, err := s.TakeLease(ctx, "rollback", "a", at(0), at(60))
		if err != nil {
			return err
		}
		require.True(t, ok)
		return boom
	})
	require.ErrorIs(t, err, boom)
	_, err = s.GetLease(ctx(), "rollback")
	requireCode(t, accountkit.NotFound, err)
	assert.True(t, takeLease(t, s, "rollback", "b", 0, 60))
}

// testPurgeSessions: sessions past ExpiresAt or idle for their
// IdleTimeout (each its own) go, in every account; live ones stay.
func testPurgeSessions(t *testing.T, s storage.Store) {
	main, other := newMain("purge-sessions"), newMain("purge-sessions-other")
	mustCreate(t, s, main, other)
	u, v := newUser(main, "u"), newUser(other, "v")
	mustCreateUser(t, s, u, v)

	mk := func(u *users.User, tag string, lastSeen, idle, expires int) sessionRef {
		sess := newSession(u, tag)
		sess.LastSeenAt, sess.IdleTimeout, sess.ExpiresAt = at(lastSeen), time.Duration(idle)*time.Second, at(expires)
		require.NoError(t, s.CreateSession(ctx(), sess))
		return sessionRef{id: sess.ID}
	}
	now := 3600
	expired := mk(u, "expired", 3500, 3600, now)       // ExpiresAt reached
	idle := mk(u, "idle", 1800, 1800, 12*3600)         // idle deadline reached
	otherIdle := mk(v, "other-idle", 0, 1800, 12*3600) // another account, same rule
	live := mk(u, "live", 1801, 1800, 12*3600)         // a second before its idle deadline
	longIdle := mk(v, "long-idle", 0, 2*3600, 12*3600) // its own, longer idle timeout
	notYet := mk(u, "not-yet", 3599, 3600, now+1)      // expires a second later

	n, err := s.PurgeSessions(ctx(), at(now))
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	for _, gone := range []sessionRef{expired, idle, otherIdle} {
		_, err := s.GetSession(ctx(), gone.id)
		requireCode(t, accountkit.NotFound, err)
	}
	for _, kept := range []sessionRef{live, longIdle, notYet} {
		_, err := s.GetSession(ctx(), kept.id)
		require.NoError(t, err)
	}
	n, err = s.PurgeSessions(ctx(), at(now))
	require.NoError(t, err)
	assert.Zero(t, n, "nothing left to purge")
}

// sessionRef names a stored session.
type sessionRef struct{ id string }

// testPurgeTokens: tokens of every kind expired at now go; the others
// stay.
func testPurgeTokens(t *testing.T, s storage.Store) {
	main := newMain("purge-tokens")
	mustCreate(t, s, main)
	u := newUser(main, "u")
	mustCreateUser(t, s, u)
	mk := func(kind users.TokenKind, expires int) *users.Token {
		tk := newToken(u, kind, 0)
		tk.ExpiresAt = at(expires)
		require.NoError(t, s.CreateToken(ctx(), tk))
		return tk
	}
	gone := []*users.Token{mk(users.TokenInvitation, 100), mk(users.TokenPasswordReset, 200), mk(users.TokenPhoneCode, 50)}
	kept := []*users.Token{mk(users.TokenInvitation, 201), mk(users.TokenEmailVerify, 3600)}

	n, err := s.PurgeTokens(ctx(), at(200))
	require.NoError(t, err)
	assert.Equal(t, len(gone), n)
	for _, tk := range gone {
		_, err := s.GetToken(ctx(), tk.Hash)
		requireCode(t, accountkit.NotFound, err)
	}
	for _, tk := range kept {
		got, err := s.GetToken(ctx(), tk.Hash)
		require.NoError(t, err)
		requireToken(t, tk, got)
	}
	n, err = s.PurgeTokens(ctx(), at(200))
	require.NoError(t, err)
	assert.Zero(t, n)
}
