package sqlstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// passwordHistoryRow is one password hash a user had.
type passwordHistoryRow struct {
	bun.BaseModel `bun:"table:accountkit_password_history"`

	UserID    string    `bun:"user_id,notnull"`
	Hash      string    `bun:"hash,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// AddPasswordHistory records a password hash the user set.
func (s *Store) AddPasswordHistory(ctx context.Context, userID, hash string, at time.Time) error {
	_, err := s.idb(ctx).NewInsert().Model(&passwordHistoryRow{UserID: userID, Hash: hash, CreatedAt: at.UTC()}).Exec(ctx)
	return translate(err, "password history")
}

// ListPasswordHistory returns the user's newest limit hashes, newest first.
func (s *Store) ListPasswordHistory(ctx context.Context, userID string, limit int) ([]string, error) {
	var out []string
	err := s.idb(ctx).NewSelect().Model((*passwordHistoryRow)(nil)).Column("hash").Where("user_id = ?", userID).
		OrderExpr("created_at DESC").Limit(int64(limit)).Scan(ctx, &out)
	return out, translate(err, "password history")
}

// TrimPasswordHistory keeps the user's newest keep hashes: it deletes the
// ones older than the keep-th newest.
func (s *Store) TrimPasswordHistory(ctx context.Context, userID string, keep int) error {
	var times []time.Time
	err := s.idb(ctx).NewSelect().Model((*passwordHistoryRow)(nil)).Column("created_at").Where("user_id = ?", userID).
		OrderExpr("created_at DESC").Offset(int64(keep)).Limit(1).Scan(ctx, &times)
	if err != nil {
		return translate(err, "password history")
	}
	if len(times) == 0 {
		return nil
	}
	_, err = s.idb(ctx).NewDelete().Model((*passwordHistoryRow)(nil)).
		Where("user_id = ?", userID).Where("created_at <= ?", times[0]).Exec(ctx)
	return translate(err, "password history")
}
