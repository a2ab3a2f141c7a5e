package sqlstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountkit/accountkit/security"
)

// bucketRow is a rate-limit token bucket in accountkit_rate_limits.
type bucketRow struct {
	bun.BaseModel `bun:"table:accountkit_rate_limits"`

	Key       string  `bun:"key,pk"`
	Tokens    float64 `bun:"tokens,notnull"`
	UpdatedUS int64   `bun:"updated_us,notnull"`
}

// LockBucket creates the bucket when absent (Tokens -1: full) and locks
// its row: an upsert that takes the row's write lock on PostgreSQL and
// MariaDB, so two first requests never both see a new bucket; SQLite
// serializes whole transactions.
func (s *Store) LockBucket(ctx context.Context, key string) (*security.Bucket, error) {
	db := s.idb(ctx)
	q := db.NewInsert().Model(&bucketRow{Key: key, Tokens: -1})
	switch s.dialect {
	case MySQL:
		q = q.On("DUPLICATE KEY UPDATE `key` = `key`")
	default:
		q = q.On("CONFLICT (key) DO UPDATE").Set("key = EXCLUDED.key")
	}
	if _, err := q.Exec(ctx); err != nil {
		return nil, translate(err, "rate limit")
	}
	r := new(bucketRow)
	sel := db.NewSelect().Model(r).Where("? = ?", bun.Ident("key"), key)
	if s.dialect != SQLite {
		sel = sel.For("UPDATE")
	}
	if err := sel.Scan(ctx); err != nil {
		return nil, translate(err, "rate limit")
	}
	b := &security.Bucket{Key: r.Key, Tokens: r.Tokens}
	if r.UpdatedUS != 0 {
		b.UpdatedAt = time.UnixMicro(r.UpdatedUS).UTC()
	}
	return b, nil
}

// PutBucket saves the bucket.
func (s *Store) PutBucket(ctx context.Context, b *security.Bucket) error {
	_, err := s.idb(ctx).NewUpdate().Model((*bucketRow)(nil)).
		Set("tokens = ?", b.Tokens).Set("updated_us = ?", b.UpdatedAt.UnixMicro()).
		Where("? = ?", bun.Ident("key"), b.Key).Exec(ctx)
	return translate(err, "rate limit")
}

// PurgeBuckets deletes the buckets last updated before t.
func (s *Store) PurgeBuckets(ctx context.Context, before time.Time) (int, error) {
	res, err := s.idb(ctx).NewDelete().Model((*bucketRow)(nil)).Where("updated_us < ?", before.UnixMicro()).Exec(ctx)
	if err != nil {
		return 0, translate(err, "rate limit")
	}
	n, err := res.RowsAffected()
	return int(n), translate(err, "rate limit")
}
