package apikeys

import (
	"context"
	"time"

	"github.com/accountkit/accountkit/users"
)

// Store is what the apikeys package needs from storage: API keys, and
// through users.Store the users (key creators), accounts and audit log.
// Adapters implement it; storagetest checks them.
type Store interface {
	users.Store

	// CreateAPIKey stores k. Errors: Conflict when the ID or hash exists,
	// or when k.IdempotencyKey is set and the account has a key with it.
	CreateAPIKey(ctx context.Context, k *Key) error
	// GetAPIKeyByIdempotencyKey returns the account's key created with the
	// idempotency key (a hash). Errors: NotFound.
	GetAPIKeyByIdempotencyKey(ctx context.Context, accountID, idempotencyKey string) (*Key, error)
	// GetAPIKey returns a key by ID. Errors: NotFound.
	GetAPIKey(ctx context.Context, id string) (*Key, error)
	// GetAPIKeyByHash returns the key whose secret has the hash.
	// Errors: NotFound.
	GetAPIKeyByHash(ctx context.Context, hash string) (*Key, error)
	// UpdateAPIKey saves k's Name, ExpiresAt, RevokedAt and UpdatedAt.
	// Errors: NotFound.
	UpdateAPIKey(ctx context.Context, k *Key) error
	// TouchAPIKey sets LastUsedAt. Errors: NotFound.
	TouchAPIKey(ctx context.Context, id string, at time.Time) error
	// ListAPIKeys returns the account's keys matching f, newest first
	// (CreatedAt, then ID, descending).
	ListAPIKeys(ctx context.Context, f Filter) ([]*Key, error)
	// ListAPIKeysByCreator returns the unrevoked keys the user created, in
	// every account, ordered by ID.
	ListAPIKeysByCreator(ctx context.Context, userID string) ([]*Key, error)
}
