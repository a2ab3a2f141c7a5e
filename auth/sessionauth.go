package auth

import (
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/users"
)

// SessionAuthInfo is everything turning a session into a principal
// needs, as SessionStore.SessionAuth reads it in one statement. The store
// judges nothing: expiry, user status, disabled accounts and which roles
// count are the service's rules (SessionPrincipal).
type SessionAuthInfo struct {
	// Session is the session with the token hash.
	Session *Session
	// User is the session's user, nil when it no longer exists.
	User *SessionUser
	// Accounts are the user's account and every account above it, main
	// account first and the user's account last (its Ancestry, with each
	// account's status); empty when the user or its account is missing.
	Accounts []AccountState
	// Grants are the user's role keys, direct ones and those of its
	// teams, each with the custom role of that ID if one exists; in no
	// particular order, a key possibly more than once.
	Grants []users.GrantedRole
}

// SessionUser is the part of a user a principal needs.
type SessionUser struct {
	ID        string
	Username  string
	AccountID string
	Status    users.Status
	Locked    bool
}

// AccountState is one account of a user's account path.
type AccountState struct {
	ID     string
	Status account.Status
}
