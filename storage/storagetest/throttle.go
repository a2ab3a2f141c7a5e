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
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/storage"
)

func testThrottle(t *testing.T, h Harness) {
	runAll(t, h, []subtest{
		{name: "Bucket", run: testBucket},
		{name: "Purge", run: testBucketPurge},
		{name: "Rollback", run: testBucketRollback},
		{name: "ParallelTakes", run: testBucketParallel},
	})
}

func takeBucket(t testing.TB, s storage.Store, key string) *security.Bucket {
	t.Helper()
	var b *security.Bucket
	inTx(t, s, func(ctx context.Context) error {
		var err error
		b, err = s.LockBucket(ctx, key)
		return err
	})
	return b
}

func testBucket(t *testing.T, s storage.Store) {
	key := security.ThrottleKey("test", newID())
	b := takeBucket(t, s, key)
	assert.Equal(t, key, b.Key)
	assert.Equal(t, -1.0, b.Tokens, "a new bucket is full")
	assert.True(t, b.UpdatedAt.IsZero())
	inTx(t, s, func(ctx context.Context) error {
		b, err := s.LockBucket(ctx, key)
		if err != nil {
			return err
		}
		b.Tokens, b.UpdatedAt = 2.5, at(1)
		return s.PutBucket(ctx, b)
	})
	got := takeBucket(t, s, key)
	assert.Equal(t, 2.5, got.Tokens)
	requireUTC(t, at(1), got.UpdatedAt, "UpdatedAt")
	assert.Equal(t, -1.0, takeBucket(t, s, security.ThrottleKey("test", newID())).Tokens, "buckets are apart")
}

func testBucketPurge(t *testing.T, s storage.Store) {
	old, fresh := security.ThrottleKey("test", "old"), security.ThrottleKey("test", "fresh")
	for key, when := range map[string]time.Time{old: at(0), fresh: at(100)} {
		inTx(t, s, func(ctx context.Context) error {
			b, err := s.LockBucket(ctx, key)
			if err != nil {
				return err
			}
			b.Tokens, b.UpdatedAt = 0, when
			return s.PutBucket(ctx, b)
		})
	}
	n, err := s.PurgeBuckets(ctx(), at(50))
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Equal(t, -1.0, takeBucket(t, s, old).Tokens, "purged: full again")
	assert.Equal(t, 0.0, takeBucket(t, s, fresh).Tokens)
}

func testBucketRollback(t *testing.T, s storage.Store) {
	key := security.ThrottleKey("test", newID())
	boom := errors.New("boom")
	err := s.InTx(ctx(), func(ctx context.Context) error {
		b, err := s.LockBucket(ctx, key)
		if err != nil {
			return err
		}
		b.Tokens, b.UpdatedAt = 0, at(5)
		if err := s.PutBucket(ctx, b); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	assert.Equal(t, -1.0, takeBucket(t, s, key).Tokens, "rolled back")
}

// testBucketParallel: 40 parallel takes from one bucket of burst 10 (no
// refill within the test) let exactly 10 through, even when the bucket
// did not exist before.
func testBucketParallel(t *testing.T, s storage.Store) {
	th := security.NewThrottle(s, accountkit.NewTestClock(at(0)))
	lim := security.RateLimit{Burst: 10, Every: time.Hour}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, refused := 0, 0
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := th.Take(ctx(), "test", "one-ip", lim)
			mu.Lock()
			defer mu.Unlock()
			switch accountkit.ErrorCode(err) {
			case "":
				ok++
			case accountkit.TooManyRequests:
				refused++
			default:
				t.Errorf("take: %v", err)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, 10, ok, "exactly the burst")
	assert.Equal(t, 30, refused)
}
