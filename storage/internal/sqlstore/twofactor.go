package sqlstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountkit/accountkit/auth"
)

// twoFactorRow is a user's TOTP enrollment as stored in
// accountkit_two_factor. Secret holds the sealed bytes only.
type twoFactorRow struct {
	bun.BaseModel `bun:"table:accountkit_two_factor"`

	UserID    string     `bun:"user_id,pk"`
	Secret    []byte     `bun:"secret,notnull"`
	Enabled   bool       `bun:"enabled,notnull"`
	LastStep  int64      `bun:"last_step,notnull"`
	CreatedAt time.Time  `bun:"created_at,notnull"`
	UpdatedAt time.Time  `bun:"updated_at,notnull"`
	EnabledAt *time.Time `bun:"enabled_at"`
}

func toTwoFactorRow(tf *auth.TwoFactor) *twoFactorRow {
	return &twoFactorRow{
		UserID:    tf.UserID,
		Secret:    append([]byte(nil), tf.Secret...),
		Enabled:   tf.Enabled,
		LastStep:  tf.LastStep,
		CreatedAt: tf.CreatedAt.UTC(),
		UpdatedAt: tf.UpdatedAt.UTC(),
		EnabledAt: utcPtr(tf.EnabledAt),
	}
}

func (r *twoFactorRow) twoFactor() *auth.TwoFactor {
	return &auth.TwoFactor{
		UserID:    r.UserID,
		Secret:    r.Secret,
		Enabled:   r.Enabled,
		LastStep:  r.LastStep,
		CreatedAt: r.CreatedAt.UTC(),
		UpdatedAt: r.UpdatedAt.UTC(),
		EnabledAt: utcPtr(r.EnabledAt),
	}
}

// GetTwoFactor returns the user's enrollment. Errors: NotFound.
func (s *Store) GetTwoFactor(ctx context.Context, userID string) (*auth.TwoFactor, error) {
	r := new(twoFactorRow)
	if err := s.idb(ctx).NewSelect().Model(r).Where("user_id = ?", userID).Scan(ctx); err != nil {
		return nil, translate(err, "two-factor enrollment")
	}
	return r.twoFactor(), nil
}

// PutTwoFactor inserts or replaces the user's enrollment with one upsert:
// INSERT ... ON CONFLICT (user_id) DO UPDATE on PostgreSQL and SQLite,
// INSERT ... ON DUPLICATE KEY UPDATE on MySQL.
func (s *Store) PutTwoFactor(ctx context.Context, tf *auth.TwoFactor) error {
	q := s.idb(ctx).NewInsert().Model(toTwoFactorRow(tf))
	if s.dialect == MySQL {
		q = q.On("DUPLICATE KEY UPDATE")
	} else {
		q = q.On("CONFLICT (user_id) DO UPDATE")
	}
	_, err := q.Exec(ctx)
	return translate(err, "two-factor enrollment")
}

// AdvanceTwoFactorStep sets last_step with UPDATE ... WHERE user_id = ?
// AND last_step < ? and reports whether a row changed: the database lets
// exactly one of concurrent updates with the same step match. The row
// always changes when it matches, so MySQL's changed-rows count is exact.
// Errors: NotFound.
func (s *Store) AdvanceTwoFactorStep(ctx context.Context, userID string, step int64, at time.Time) (bool, error) {
	res, err := s.idb(ctx).NewUpdate().Model((*twoFactorRow)(nil)).
		Set("last_step = ?", step).
		Set("updated_at = ?", at.UTC()).
		Where("user_id = ?", userID).
		Where("last_step < ?", step).
		Exec(ctx)
	if err != nil {
		return false, translate(err, "two-factor enrollment")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, translate(err, "two-factor enrollment")
	}
	if n == 1 {
		return true, nil
	}
	exists, err := s.idb(ctx).NewSelect().Model((*twoFactorRow)(nil)).Where("user_id = ?", userID).Exists(ctx)
	if err != nil {
		return false, translate(err, "two-factor enrollment")
	}
	if !exists {
		return false, notFound("two-factor enrollment")
	}
	return false, nil
}

// DeleteTwoFactor removes the user's enrollment. Errors: NotFound.
func (s *Store) DeleteTwoFactor(ctx context.Context, userID string) error {
	res, err := s.idb(ctx).NewDelete().Model((*twoFactorRow)(nil)).Where("user_id = ?", userID).Exec(ctx)
	if err != nil {
		return translate(err, "two-factor enrollment")
	}
	if n, err := res.RowsAffected(); err != nil {
		return translate(err, "two-factor enrollment")
	} else if n == 0 {
		return notFound("two-factor enrollment")
	}
	return nil
}
