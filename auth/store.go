package auth

import (
	"context"
	"time"

	"github.com/accountkit/accountkit/users"
)

// SessionStore persists sessions. It is part of Store.
type SessionStore interface {
	// CreateSession stores s. Errors: Conflict.
	CreateSession(ctx context.Context, s *Session) error
	// GetSessionByToken returns the session with the token hash.
	// Errors: NotFound.
	GetSessionByToken(ctx context.Context, tokenHash string) (*Session, error)
	// SessionAuth returns the session with the token hash together with
	// its user, the user's account path and role grants (see
	// SessionAuthInfo), read in one statement (one lock on the memory
	// store), whatever the session's or user's state.
	// Errors: NotFound (no session with the hash).
	SessionAuth(ctx context.Context, tokenHash string) (*SessionAuthInfo, error)
	// GetSession returns the session with the ID. Errors: NotFound.
	GetSession(ctx context.Context, id string) (*Session, error)
	// ListUserSessions returns the user's sessions, newest first.
	ListUserSessions(ctx context.Context, userID string) ([]*Session, error)
	// TouchSession sets LastSeenAt. Errors: NotFound.
	TouchSession(ctx context.Context, id string, lastSeen time.Time) error
	// DeleteSession removes one session. Errors: NotFound.
	DeleteSession(ctx context.Context, id string) error
	// DeleteAccountSessions removes every session of the users of the
	// accounts and returns how many it removed.
	DeleteAccountSessions(ctx context.Context, accountIDs []string) (int, error)
	// PurgeSessions deletes the sessions ended at now — ExpiresAt at or
	// before now, or LastSeenAt + IdleTimeout at or before now — and
	// returns how many it deleted.
	PurgeSessions(ctx context.Context, now time.Time) (int, error)
}

// TwoFactorStore persists TOTP enrollments. It is part of Store.
type TwoFactorStore interface {
	// GetTwoFactor returns the user's enrollment. Errors: NotFound.
	GetTwoFactor(ctx context.Context, userID string) (*TwoFactor, error)
	// PutTwoFactor inserts or replaces the user's enrollment.
	PutTwoFactor(ctx context.Context, tf *TwoFactor) error
	// AdvanceTwoFactorStep sets LastStep to step and UpdatedAt to at, with
	// one conditional update, if the stored LastStep is below step; it
	// reports whether it did. Of any number of concurrent calls with the
	// same step exactly one returns true. Errors: NotFound.
	AdvanceTwoFactorStep(ctx context.Context, userID string, step int64, at time.Time) (bool, error)
	// DeleteTwoFactor removes the user's enrollment. Errors: NotFound.
	DeleteTwoFactor(ctx context.Context, userID string) error
}

// PasswordHistoryStore keeps the hashes of the passwords users had, to
// refuse their reuse. It is part of Store.
type PasswordHistoryStore interface {
	// AddPasswordHistory records a password hash the user set at at.
	AddPasswordHistory(ctx context.Context, userID, hash string, at time.Time) error
	// ListPasswordHistory returns the user's newest limit hashes, newest
	// first.
	ListPasswordHistory(ctx context.Context, userID string, limit int) ([]string, error)
	// TrimPasswordHistory keeps the user's newest keep hashes and deletes
	// the others.
	TrimPasswordHistory(ctx context.Context, userID string, keep int) error
}

// Store is what the auth package needs from storage: the users (whose
// password hash, lock and failed-attempt count it changes) and their
// tokens, through users.Store, and its own sessions and two-factor
// enrollments. Adapters implement it; storagetest checks them.
type Store interface {
	users.Store
	SessionStore
	TwoFactorStore
	PasswordHistoryStore
}
