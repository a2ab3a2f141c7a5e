// Package apikeys owns account-scoped API keys: creating them with at most
// the creator's permissions, a validity window, showing the secret once,
// updating, revoking and listing them, and the Authenticator that turns a
// key into a Principal.
//
// A key follows its creator (it holds at most what the creator holds now,
// and stops while the creator is disabled or deleted), and a user who
// leaves (users.Leaving) loses the keys they created: NewService
// subscribes to it. It imports the root package, security, audit, account
// and users; it must not import auth, teams, seats, notifications, sso,
// storage or kit.
package apikeys

import (
	"time"

	"github.com/accountkit/accountkit/security"
)

// MaxPermissions is the most permissions one key may list.
const MaxPermissions = 200

// SecretPrefix starts every API key secret; session tokens start with
// "aks_", so the two never collide.
const SecretPrefix = "akk_"

// Key is an API key. The secret itself is never stored: only its SHA-256.
type Key struct {
	ID        string
	AccountID string
	Name      string
	// Prefix is the visible start of the secret ("akk_" and 6 characters),
	// shown in lists so users can tell keys apart.
	Prefix string
	// Hash is the hex SHA-256 of the secret; never serialized.
	Hash        string `json:"-"`
	Permissions []security.Permission
	// CreatedBy is the creating user's ID ("" for the system), and
	// CreatedByName their username.
	CreatedBy     string
	CreatedByName string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	// ValidFrom and ExpiresAt bound when the key works: ValidFrom
	// inclusive, ExpiresAt exclusive.
	ValidFrom  time.Time
	ExpiresAt  time.Time
	RevokedAt  *time.Time
	LastUsedAt *time.Time
	// IdempotencyKey is the hash of the Idempotency-Key the key was
	// created with ("" when none); never serialized.
	IdempotencyKey string `json:"-"`
}

// State is where a key stands at a given time.
type State string

// The states.
const (
	StatePending State = "pending" // before ValidFrom
	StateActive  State = "active"
	StateExpired State = "expired"
	StateRevoked State = "revoked"
)

// StateAt returns k's state at now.
func (k *Key) StateAt(now time.Time) State {
	switch {
	case k.RevokedAt != nil:
		return StateRevoked
	case now.Before(k.ValidFrom):
		return StatePending
	case !now.Before(k.ExpiresAt):
		return StateExpired
	}
	return StateActive
}

// Filter selects the keys of an account, newest first.
type Filter struct {
	AccountID string
	// IncludeRevoked keeps revoked keys too.
	IncludeRevoked bool
	// Before continues after the last key of a previous page.
	BeforeCreated *time.Time
	BeforeID      string
	// Limit > 0 caps the number returned; 0 returns every match (the
	// service always sets it).
	Limit int
}

// Update changes a key; nil fields stay as they are.
type Update struct {
	Name      *string    `json:"name,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}
