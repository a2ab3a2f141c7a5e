package saml

import (
	"context"
	"sync"
	"time"
)

// RequestStore records the AuthnRequest IDs this SP issued so a Response can
// be matched to its request on any host instance. Implementations must make
// ConsumeRequest atomic: of two concurrent calls for the same ID at most one
// may report ok.
type RequestStore interface {
	// SaveRequest records id as issued to the IdP idpEntityID, valid until
	// expiresAt.
	SaveRequest(ctx context.Context, id, idpEntityID string, expiresAt time.Time) error
	// ConsumeRequest removes id and returns the IdP it was issued to. ok is
	// false when id is unknown, already consumed, or expired at now.
	ConsumeRequest(ctx context.Context, id string, now time.Time) (idpEntityID string, ok bool, err error)
}

// ReplayCache remembers assertion IDs until they expire so a captured
// response cannot be used twice. MarkUsed must be an atomic "insert if
// absent": of two concurrent calls with the same key at most one may report
// firstUse.
type ReplayCache interface {
	// MarkUsed records key until expiresAt. firstUse is false when key is
	// already recorded and has not expired at now.
	MarkUsed(ctx context.Context, key string, expiresAt, now time.Time) (firstUse bool, err error)
}

// MemoryStore is an in-process RequestStore and ReplayCache (a mutex and two
// maps with expiry). It suits tests and single-instance hosts; hosts running
// several instances need a shared store. Entries expire but the number of
// pending requests is not capped, so hosts should rate-limit login starts.
// The zero value is not usable; use NewMemoryStore.
type MemoryStore struct {
	mu        sync.Mutex
	requests  map[string]pendingRequest
	used      map[string]time.Time
	nextSweep time.Time
}

type pendingRequest struct {
	idp       string
	expiresAt time.Time
}

var (
	_ RequestStore = (*MemoryStore)(nil)
	_ ReplayCache  = (*MemoryStore)(nil)
)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		requests: make(map[string]pendingRequest),
		used:     make(map[string]time.Time),
	}
}

// SaveRequest implements RequestStore.
func (s *MemoryStore) SaveRequest(ctx context.Context, id, idpEntityID string, expiresAt time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[id] = pendingRequest{idp: idpEntityID, expiresAt: expiresAt}
	return nil
}

// ConsumeRequest implements RequestStore.
func (s *MemoryStore) ConsumeRequest(ctx context.Context, id string, now time.Time) (string, bool, error) {
	if err := ctx.Err(); err != nil {
		return "", false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep(now)
	r, ok := s.requests[id]
	if !ok {
		return "", false, nil
	}
	delete(s.requests, id)
	if !now.Before(r.expiresAt) {
		return "", false, nil
	}
	return r.idp, true, nil
}

// MarkUsed implements ReplayCache.
func (s *MemoryStore) MarkUsed(ctx context.Context, key string, expiresAt, now time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep(now)
	if exp, ok := s.used[key]; ok && now.Before(exp) {
		return false, nil
	}
	s.used[key] = expiresAt
	return true, nil
}

// sweep drops expired entries at most once a minute. The caller holds mu.
func (s *MemoryStore) sweep(now time.Time) {
	if now.Before(s.nextSweep) {
		return
	}
	s.nextSweep = now.Add(time.Minute)
	for id, r := range s.requests {
		if !now.Before(r.expiresAt) {
			delete(s.requests, id)
		}
	}
	for k, exp := range s.used {
		if !now.Before(exp) {
			delete(s.used, k)
		}
	}
}
