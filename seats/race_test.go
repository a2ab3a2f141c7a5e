package seats_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/seats"
	"github.com/accountkit/accountkit/users"
)

// TestRace_AssignLimit: 100 parallel assignments to distinct users against
// a limit of 10 give exactly 10 seats, never 11, and 90 clear refusals —
// on every store, for an account limit and for the purchased pool.
func TestRace_AssignLimit(t *testing.T) {
	t.Parallel()
	const parallel, limit = 100, 10
	for name, open := range kittest.Stores() {
		for _, kind := range []string{"account-limit", "pool"} {
			t.Run(name+"/"+kind, func(t *testing.T) {
				t.Parallel()
				env := kittest.NewWithStore(t, open(t))
				f := newFixture(t, env)
				if kind == "pool" {
					f.purchase(t, limit)
				} else {
					f.purchase(t, 1000)
					_, err := f.svc.SetLimit(f.mgr, f.sub.ID, seats.LimitInput{Limit: ptr(limit)})
					require.NoError(t, err)
				}
				list := make([]*users.User, parallel)
				for i := range list {
					list[i] = f.user(t, f.sub, agentRole)
				}
				var wg sync.WaitGroup
				var ok, refused, other atomic.Int32
				start := make(chan struct{})
				for _, u := range list {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						_, err := f.svc.Assign(f.mgr, u.ID)
						switch accountkit.ErrorCode(err) {
						case "":
							ok.Add(1)
						case accountkit.LimitExceeded:
							refused.Add(1)
						default:
							other.Add(1)
							t.Errorf("unexpected error: %v", err)
						}
					}()
				}
				close(start)
				wg.Wait()
				assert.EqualValues(t, limit, ok.Load())
				assert.EqualValues(t, parallel-limit, refused.Load())
				assert.Zero(t, other.Load())
				assert.Equal(t, limit, f.count(t, ""), "exactly the limit, never more")
				assert.Equal(t, limit, f.count(t, f.sub.ID))
				// Each success and each refusal is in the seat log.
				log := f.seatLog(t, f.main.ID)
				var assigned, failed int
				for _, e := range log {
					if e.Event == seats.EventAssigned {
						if e.Status == seats.StatusSuccess {
							assigned++
						} else {
							failed++
						}
					}
				}
				assert.Equal(t, limit, assigned)
				assert.Equal(t, parallel-limit, failed)
				// The warning fired exactly once.
				assert.Len(t, f.warns.all(), 1)
				_, err := env.Store.GetSeatPool(context.Background(), f.main.ID)
				require.NoError(t, err)
			})
		}
	}
}
