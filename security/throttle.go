package security

import (
	"context"
	"math"
	"time"

	"github.com/accountkit/accountkit"
)

// RateLimit is a token bucket: Burst requests at once, then one more
// every Every. A Burst below zero means no limit; the zero RateLimit
// refuses nothing either (an unset option).
type RateLimit struct {
	Burst int
	Every time.Duration
}

// Off reports whether the limit refuses nothing.
func (l RateLimit) Off() bool { return l.Burst <= 0 || l.Every <= 0 }

// Bucket is the stored state of one token bucket: how many tokens it held
// at UpdatedAt.
type Bucket struct {
	// Key identifies the bucket: a hash of the scope and the limited
	// value (an IP, an identifier), never the value in clear.
	Key       string
	Tokens    float64
	UpdatedAt time.Time
}

// BucketStore persists token buckets, so limits hold across host
// instances. Stores only persist: the arithmetic is Throttle's.
type BucketStore interface {
	accountkit.Transactor
	// LockBucket returns the bucket with the key, locking its row until the
	// transaction in ctx ends; a bucket that does not exist is returned
	// new (Tokens -1, which Throttle reads as full) and created by
	// PutBucket.
	LockBucket(ctx context.Context, key string) (*Bucket, error)
	// PutBucket inserts or replaces the bucket.
	PutBucket(ctx context.Context, b *Bucket) error
	// PurgeBuckets deletes the buckets last updated before t and returns
	// how many it deleted (a full bucket carries no information).
	PurgeBuckets(ctx context.Context, before time.Time) (int, error)
}

// Throttle applies rate limits with buckets kept in a BucketStore.
type Throttle struct {
	store BucketStore
	clock accountkit.Clock
}

// NewThrottle returns a Throttle on store.
func NewThrottle(store BucketStore, clock accountkit.Clock) *Throttle {
	if clock == nil {
		clock = accountkit.SystemClock{}
	}
	return &Throttle{store: store, clock: clock}
}

// ThrottleKey returns the bucket key of a value under a scope (e.g. scope
// "login:ip", value the client's IP): a hash, so stored keys reveal no
// identifier.
func ThrottleKey(scope, value string) string { return HashSecret("throttle:" + scope + "\x00" + value) }

// Take takes a token from the bucket of value under scope. When the
// bucket is empty it refuses with TooManyRequests, whose RetryAfter says
// when the next token comes, and changes nothing. An empty value or an
// Off limit takes nothing. It runs in the transaction carried by ctx, or
// in one of its own, which commits even if the caller's work then fails.
func (t *Throttle) Take(ctx context.Context, scope, value string, lim RateLimit) error {
	if value == "" || lim.Off() {
		return nil
	}
	key := ThrottleKey(scope, value)
	var wait time.Duration
	err := t.store.InTx(ctx, func(ctx context.Context) error {
		wait = 0
		b, err := t.store.LockBucket(ctx, key)
		if err != nil {
			return err
		}
		now := t.clock.Now()
		tokens := float64(lim.Burst)
		if b.Tokens >= 0 && !b.UpdatedAt.IsZero() {
			elapsed := now.Sub(b.UpdatedAt)
			tokens = math.Min(float64(lim.Burst), b.Tokens+float64(elapsed)/float64(lim.Every))
		}
		if tokens < 1 {
			wait = time.Duration((1 - tokens) * float64(lim.Every))
			return nil
		}
		b.Key, b.Tokens, b.UpdatedAt = key, tokens-1, now
		return t.store.PutBucket(ctx, b)
	})
	if err != nil {
		return err
	}
	if wait > 0 {
		return &accountkit.Error{Code: accountkit.TooManyRequests, Message: "too many attempts; try again later",
			RetryAfter: max(wait, time.Second)}
	}
	return nil
}

// Purge deletes the buckets idle for longer than idle, which are full
// again for any limit refilling a token at least that often.
func (t *Throttle) Purge(ctx context.Context, idle time.Duration) (int, error) {
	return t.store.PurgeBuckets(ctx, t.clock.Now().Add(-idle))
}
