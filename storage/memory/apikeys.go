package memory

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/accountkit/accountkit/apikeys"
)

// apiKeysState holds API keys by ID and the hash index.
type apiKeysState struct {
	byID   map[string]*apikeys.Key
	byHash map[string]string // hash -> ID
}

func newAPIKeysState() apiKeysState {
	return apiKeysState{byID: map[string]*apikeys.Key{}, byHash: map[string]string{}}
}

func copyAPIKey(k *apikeys.Key) *apikeys.Key {
	out := *k
	out.Permissions = slices.Clone(k.Permissions)
	out.CreatedAt = normTime(k.CreatedAt)
	out.UpdatedAt = normTime(k.UpdatedAt)
	out.ValidFrom = normTime(k.ValidFrom)
	out.ExpiresAt = normTime(k.ExpiresAt)
	out.RevokedAt = normTimePtr(k.RevokedAt)
	out.LastUsedAt = normTimePtr(k.LastUsedAt)
	return &out
}

// CreateAPIKey implements apikeys.Store.
func (s *Store) CreateAPIKey(ctx context.Context, k *apikeys.Key) error {
	return s.write(ctx, func(t *tx) error {
		if _, ok := s.apiKeys.byID[k.ID]; ok {
			return conflict("API key")
		}
		if _, ok := s.apiKeys.byHash[k.Hash]; ok {
			return conflict("API key")
		}
		if k.IdempotencyKey != "" {
			for _, o := range s.apiKeys.byID {
				if o.AccountID == k.AccountID && o.IdempotencyKey == k.IdempotencyKey {
					return conflict("API key")
				}
			}
		}
		s.apiKeys.byID[k.ID] = copyAPIKey(k)
		s.apiKeys.byHash[k.Hash] = k.ID
		t.onRollback(func() {
			delete(s.apiKeys.byID, k.ID)
			delete(s.apiKeys.byHash, k.Hash)
		})
		return nil
	})
}

// GetAPIKeyByIdempotencyKey implements apikeys.Store.
func (s *Store) GetAPIKeyByIdempotencyKey(ctx context.Context, accountID, idempotencyKey string) (*apikeys.Key, error) {
	var out *apikeys.Key
	err := s.read(ctx, func() error {
		for _, k := range s.apiKeys.byID {
			if idempotencyKey != "" && k.AccountID == accountID && k.IdempotencyKey == idempotencyKey {
				out = copyAPIKey(k)
				return nil
			}
		}
		return notFound("API key")
	})
	return out, err
}

// GetAPIKey implements apikeys.Store.
func (s *Store) GetAPIKey(ctx context.Context, id string) (*apikeys.Key, error) {
	var out *apikeys.Key
	err := s.read(ctx, func() error {
		k, ok := s.apiKeys.byID[id]
		if !ok {
			return notFound("API key")
		}
		out = copyAPIKey(k)
		return nil
	})
	return out, err
}

// GetAPIKeyByHash implements apikeys.Store.
func (s *Store) GetAPIKeyByHash(ctx context.Context, hash string) (*apikeys.Key, error) {
	var out *apikeys.Key
	err := s.read(ctx, func() error {
		id, ok := s.apiKeys.byHash[hash]
		if !ok {
			return notFound("API key")
		}
		out = copyAPIKey(s.apiKeys.byID[id])
		return nil
	})
	return out, err
}

// UpdateAPIKey implements apikeys.Store.
func (s *Store) UpdateAPIKey(ctx context.Context, k *apikeys.Key) error {
	return s.write(ctx, func(t *tx) error {
		prev, ok := s.apiKeys.byID[k.ID]
		if !ok {
			return notFound("API key")
		}
		next := copyAPIKey(prev)
		next.Name, next.ExpiresAt, next.RevokedAt, next.UpdatedAt = k.Name, normTime(k.ExpiresAt), normTimePtr(k.RevokedAt), normTime(k.UpdatedAt)
		s.apiKeys.byID[k.ID] = next
		t.onRollback(func() { s.apiKeys.byID[k.ID] = prev })
		return nil
	})
}

// TouchAPIKey implements apikeys.Store.
func (s *Store) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	return s.write(ctx, func(t *tx) error {
		prev, ok := s.apiKeys.byID[id]
		if !ok {
			return notFound("API key")
		}
		next := copyAPIKey(prev)
		next.LastUsedAt = normTimePtr(&at)
		s.apiKeys.byID[id] = next
		t.onRollback(func() { s.apiKeys.byID[id] = prev })
		return nil
	})
}

// ListAPIKeysByCreator implements apikeys.Store.
func (s *Store) ListAPIKeysByCreator(ctx context.Context, userID string) ([]*apikeys.Key, error) {
	out := []*apikeys.Key{}
	err := s.read(ctx, func() error {
		for _, k := range s.apiKeys.byID {
			if k.CreatedBy == userID && k.RevokedAt == nil {
				out = append(out, copyAPIKey(k))
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b *apikeys.Key) int { return strings.Compare(a.ID, b.ID) })
	return out, err
}

// ListAPIKeys implements apikeys.Store.
func (s *Store) ListAPIKeys(ctx context.Context, f apikeys.Filter) ([]*apikeys.Key, error) {
	out := []*apikeys.Key{}
	err := s.read(ctx, func() error {
		for _, k := range s.apiKeys.byID {
			if k.AccountID != f.AccountID || (!f.IncludeRevoked && k.RevokedAt != nil) {
				continue
			}
			if f.BeforeCreated != nil && !newerFirstBefore(k.CreatedAt, k.ID, normTime(*f.BeforeCreated), f.BeforeID) {
				continue
			}
			out = append(out, copyAPIKey(k))
		}
		return nil
	})
	slices.SortFunc(out, func(a, b *apikeys.Key) int { return newerFirst(a.CreatedAt, a.ID, b.CreatedAt, b.ID) })
	if n := limitOrAll(f.Limit); len(out) > n {
		out = out[:n]
	}
	return out, err
}

// newerFirst orders (time, id) pairs newest first.
func newerFirst(at time.Time, aid string, bt time.Time, bid string) int {
	if c := bt.Compare(at); c != 0 {
		return c
	}
	return strings.Compare(bid, aid)
}

// newerFirstBefore reports whether (t, id) comes after the cursor (ct,
// cid) in newest-first order.
func newerFirstBefore(t time.Time, id string, ct time.Time, cid string) bool {
	return t.Before(ct) || (t.Equal(ct) && id < cid)
}
