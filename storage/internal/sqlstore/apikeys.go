package sqlstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountkit/accountkit/apikeys"
	"github.com/accountkit/accountkit/security"
)

// apiKeyRow is an API key as stored in accountkit_api_keys; Permissions is
// a JSON array.
type apiKeyRow struct {
	bun.BaseModel `bun:"table:accountkit_api_keys"`

	ID            string     `bun:"id,pk"`
	AccountID     string     `bun:"account_id,notnull"`
	Name          string     `bun:"name,notnull"`
	Prefix        string     `bun:"prefix,notnull"`
	Hash          string     `bun:"hash,notnull"`
	Permissions   string     `bun:"permissions,notnull"`
	CreatedBy     string     `bun:"created_by,notnull"`
	CreatedByName string     `bun:"created_by_name,notnull"`
	CreatedAt     time.Time  `bun:"created_at,notnull"`
	UpdatedAt     time.Time  `bun:"updated_at,notnull"`
	ValidFrom     time.Time  `bun:"valid_from,notnull"`
	ExpiresAt     time.Time  `bun:"expires_at,notnull"`
	RevokedAt     *time.Time `bun:"revoked_at"`
	LastUsedAt    *time.Time `bun:"last_used_at"`
	// IdempotencyKey is NULL when the key was created without one, so the
	// unique index (account_id, idempotency_key) holds only the set ones.
	IdempotencyKey *string `bun:"idempotency_key"`
}

func toAPIKeyRow(k *apikeys.Key) (*apiKeyRow, error) {
	perms := k.Permissions
	if perms == nil {
		perms = []security.Permission{}
	}
	b, err := json.Marshal(perms)
	if err != nil {
		return nil, translate(err, "API key")
	}
	return &apiKeyRow{ID: k.ID, AccountID: k.AccountID, Name: k.Name, Prefix: k.Prefix, Hash: k.Hash, Permissions: string(b),
		CreatedBy: k.CreatedBy, CreatedByName: k.CreatedByName, CreatedAt: k.CreatedAt.UTC(), UpdatedAt: k.UpdatedAt.UTC(),
		ValidFrom: k.ValidFrom.UTC(), ExpiresAt: k.ExpiresAt.UTC(), RevokedAt: utcPtr(k.RevokedAt), LastUsedAt: utcPtr(k.LastUsedAt),
		IdempotencyKey: nullString(k.IdempotencyKey)}, nil
}

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (r *apiKeyRow) key() (*apikeys.Key, error) {
	k := &apikeys.Key{ID: r.ID, AccountID: r.AccountID, Name: r.Name, Prefix: r.Prefix, Hash: r.Hash,
		CreatedBy: r.CreatedBy, CreatedByName: r.CreatedByName, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		ValidFrom: r.ValidFrom.UTC(), ExpiresAt: r.ExpiresAt.UTC(), RevokedAt: utcPtr(r.RevokedAt), LastUsedAt: utcPtr(r.LastUsedAt)}
	if r.IdempotencyKey != nil {
		k.IdempotencyKey = *r.IdempotencyKey
	}
	if err := json.Unmarshal([]byte(r.Permissions), &k.Permissions); err != nil {
		return nil, translate(err, "API key")
	}
	return k, nil
}

// CreateAPIKey stores k. Errors: Conflict when the ID or hash exists.
func (s *Store) CreateAPIKey(ctx context.Context, k *apikeys.Key) error {
	r, err := toAPIKeyRow(k)
	if err != nil {
		return err
	}
	_, err = s.idb(ctx).NewInsert().Model(r).Exec(ctx)
	return translate(err, "API key")
}

func (s *Store) getAPIKey(ctx context.Context, where string, arg any) (*apikeys.Key, error) {
	r := new(apiKeyRow)
	if err := s.idb(ctx).NewSelect().Model(r).Where(where, arg).Scan(ctx); err != nil {
		return nil, translate(err, "API key")
	}
	return r.key()
}

// GetAPIKey returns a key by ID. Errors: NotFound.
func (s *Store) GetAPIKey(ctx context.Context, id string) (*apikeys.Key, error) {
	return s.getAPIKey(ctx, "id = ?", id)
}

// GetAPIKeyByIdempotencyKey returns the account's key created with the
// idempotency key. Errors: NotFound.
func (s *Store) GetAPIKeyByIdempotencyKey(ctx context.Context, accountID, idempotencyKey string) (*apikeys.Key, error) {
	r := new(apiKeyRow)
	if err := s.idb(ctx).NewSelect().Model(r).Where("account_id = ?", accountID).Where("idempotency_key = ?", idempotencyKey).Scan(ctx); err != nil {
		return nil, translate(err, "API key")
	}
	return r.key()
}

// GetAPIKeyByHash returns the key with the secret hash. Errors: NotFound.
func (s *Store) GetAPIKeyByHash(ctx context.Context, hash string) (*apikeys.Key, error) {
	return s.getAPIKey(ctx, "hash = ?", hash)
}

// UpdateAPIKey saves k's Name, ExpiresAt, RevokedAt and UpdatedAt.
// Errors: NotFound.
func (s *Store) UpdateAPIKey(ctx context.Context, k *apikeys.Key) error {
	res, err := s.idb(ctx).NewUpdate().Model((*apiKeyRow)(nil)).
		Set("name = ?", k.Name).
		Set("expires_at = ?", k.ExpiresAt.UTC()).
		Set("revoked_at = ?", utcPtr(k.RevokedAt)).
		Set("updated_at = ?", k.UpdatedAt.UTC()).
		Where("id = ?", k.ID).
		Exec(ctx)
	if err != nil {
		return translate(err, "API key")
	}
	return s.affectedOne(ctx, res, (*apiKeyRow)(nil), "id = ?", k.ID, "API key")
}

// TouchAPIKey sets LastUsedAt. Errors: NotFound.
func (s *Store) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	res, err := s.idb(ctx).NewUpdate().Model((*apiKeyRow)(nil)).
		Set("last_used_at = ?", at.UTC()).
		Where("id = ?", id).
		Exec(ctx)
	if err != nil {
		return translate(err, "API key")
	}
	return s.affectedOne(ctx, res, (*apiKeyRow)(nil), "id = ?", id, "API key")
}

// ListAPIKeysByCreator returns the user's unrevoked keys ordered by ID.
func (s *Store) ListAPIKeysByCreator(ctx context.Context, userID string) ([]*apikeys.Key, error) {
	q := s.idb(ctx).NewSelect().Model((*apiKeyRow)(nil)).Where("created_by = ?", userID).Where("revoked_at IS NULL")
	return scanAPIKeys(ctx, q.OrderExpr("id ASC"))
}

// ListAPIKeys returns the account's keys newest first, with the portable
// keyset form of the Before cursor (see ListAuditEvents).
func (s *Store) ListAPIKeys(ctx context.Context, f apikeys.Filter) ([]*apikeys.Key, error) {
	q := s.idb(ctx).NewSelect().Model((*apiKeyRow)(nil)).Where("account_id = ?", f.AccountID)
	if !f.IncludeRevoked {
		q = q.Where("revoked_at IS NULL")
	}
	if f.BeforeCreated != nil {
		t := f.BeforeCreated.UTC()
		q = q.Where("created_at <= ?", t).Where("(created_at < ? OR (created_at = ? AND id < ?))", t, t, f.BeforeID)
	}
	return scanAPIKeys(ctx, q.OrderExpr("created_at DESC, id DESC").Limit(limit(f.Limit)))
}

// scanAPIKeys runs q and converts the rows.
func scanAPIKeys(ctx context.Context, q *bun.SelectQuery) ([]*apikeys.Key, error) {
	var rows []apiKeyRow
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, translate(err, "API key")
	}
	out := make([]*apikeys.Key, len(rows))
	for i := range rows {
		k, err := rows[i].key()
		if err != nil {
			return nil, err
		}
		out[i] = k
	}
	return out, nil
}
