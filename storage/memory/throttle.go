package memory

import (
	"context"
	"time"

	"github.com/accountkit/accountkit/security"
)

// LockBucket implements security.BucketStore: transactions are serialized,
// so the bucket needs no lock of its own.
func (s *Store) LockBucket(ctx context.Context, key string) (*security.Bucket, error) {
	var out *security.Bucket
	err := s.read(ctx, func() error {
		if b, ok := s.buckets[key]; ok {
			c := *b
			out = &c
			return nil
		}
		out = &security.Bucket{Key: key, Tokens: -1}
		return nil
	})
	return out, err
}

// PutBucket implements security.BucketStore.
func (s *Store) PutBucket(ctx context.Context, b *security.Bucket) error {
	return s.write(ctx, func(t *tx) error {
		prev, had := s.buckets[b.Key]
		c := *b
		c.UpdatedAt = normTime(b.UpdatedAt)
		s.buckets[b.Key] = &c
		t.onRollback(func() {
			if had {
				s.buckets[b.Key] = prev
			} else {
				delete(s.buckets, b.Key)
			}
		})
		return nil
	})
}

// PurgeBuckets implements security.BucketStore.
func (s *Store) PurgeBuckets(ctx context.Context, before time.Time) (int, error) {
	n := 0
	err := s.write(ctx, func(t *tx) error {
		for k, b := range s.buckets {
			if b.UpdatedAt.Before(before) {
				delete(s.buckets, k)
				t.onRollback(func() { s.buckets[k] = b })
				n++
			}
		}
		return nil
	})
	return n, err
}
