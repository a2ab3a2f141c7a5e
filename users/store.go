package users

import (
	"context"
	"time"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/security"
)

// TokenStore persists single-use tokens: emailed links, phone codes and
// the auth package's sign-in steps and recovery codes. It is part of
// Store.
type TokenStore interface {
	// CreateToken stores t. Errors: Conflict when the hash exists.
	CreateToken(ctx context.Context, t *Token) error
	// GetToken returns a token by hash. Errors: NotFound.
	GetToken(ctx context.Context, hash string) (*Token, error)
	// ConsumeToken deletes the token with the hash and kind if it has not
	// expired at now, and returns it. Exactly one of any number of
	// concurrent calls succeeds. Errors: NotFound (unknown, used, expired or
	// of another kind).
	ConsumeToken(ctx context.Context, hash string, kind TokenKind, now time.Time) (*Token, error)
	// AddTokenAttempt increments the token's Attempts and returns the new
	// count. Errors: NotFound.
	AddTokenAttempt(ctx context.Context, hash string) (int, error)
	// DeleteTokens removes the user's tokens of the kind.
	DeleteTokens(ctx context.Context, userID string, kind TokenKind) error
	// ListTokens returns the user's tokens of the kind, newest first.
	ListTokens(ctx context.Context, userID string, kind TokenKind) ([]*Token, error)
	// PurgeTokens deletes the tokens of every kind expired at now
	// (ExpiresAt at or before now) and returns how many it deleted.
	PurgeTokens(ctx context.Context, now time.Time) (int, error)
}

// Store is what the users package needs from storage: users, custom roles
// and tokens, the accounts they belong to (account.Store, which brings the
// audit log) and two things other packages own — the roles a user holds
// through teams, and the removal of a user's sessions when they can no
// longer sign in. Adapters implement it; storagetest checks them.
type Store interface {
	account.Store
	TokenStore
	// BucketStore keeps the rate limits of invitations and phone codes
	// (and, for the packages above, of sign-ins).
	security.BucketStore

	// CreateUser stores u with its roles. Errors: Conflict when the ID, the
	// username, or the email within u.MainAccountID exists.
	CreateUser(ctx context.Context, u *User) error
	// GetUser returns a user with its roles. Errors: NotFound.
	GetUser(ctx context.Context, id string) (*User, error)
	// GetUserForUpdate is GetUser that also locks the user's row until the
	// transaction in ctx ends (a plain read on adapters that serialize whole
	// transactions). Errors: NotFound.
	GetUserForUpdate(ctx context.Context, id string) (*User, error)
	// GetUserByUsername finds a user by (lower-case) username. Errors: NotFound.
	GetUserByUsername(ctx context.Context, username string) (*User, error)
	// FindUsersByEmail returns the users with the (lower-case) email, in any
	// tree, ordered by ID.
	FindUsersByEmail(ctx context.Context, email string) ([]*User, error)
	// UpdateUser saves every field of u but ID, AccountID, MainAccountID,
	// Username and CreatedAt, and replaces its roles.
	// Errors: NotFound, Conflict (email taken in the tree).
	UpdateUser(ctx context.Context, u *User) error
	// DeleteUser removes the user and everything kept for them: role
	// grants, tokens, sessions, TOTP enrollment, team memberships, SSO
	// identity links (and the break-glass designation), the seat and
	// notification deliveries and opt-outs. Audit events and the seat log
	// stay. Errors: NotFound.
	DeleteUser(ctx context.Context, id string) error
	// MoveUser sets the user's account (in the same tree) and removes what
	// belonged to the old account: team memberships, SSO identity links
	// (and the break-glass designation), sessions and the seat. Roles are
	// saved separately with UpdateUser. Errors: NotFound.
	MoveUser(ctx context.Context, id, accountID string) error
	// ListUsers returns the users matching f in f.Sort order (default
	// username), ties broken by ID.
	ListUsers(ctx context.Context, f Filter) ([]*User, error)
	// CountUsers counts the users matching f (ignoring paging).
	CountUsers(ctx context.Context, f Filter) (int, error)

	// CreateRole stores r. Errors: Conflict when the ID or the name (ignoring
	// case) within the account exists.
	CreateRole(ctx context.Context, r *Role) error
	// GetRole returns a custom role. Errors: NotFound.
	GetRole(ctx context.Context, id string) (*Role, error)
	// UpdateRole saves r's Name, Description, Permissions and UpdatedAt.
	// Errors: NotFound, Conflict.
	UpdateRole(ctx context.Context, r *Role) error
	// DeleteRole removes a role and every grant of it. Errors: NotFound.
	DeleteRole(ctx context.Context, id string) error
	// ListRoles returns the custom roles of the accounts, ordered by name
	// (byte order of the lower-cased name), then ID.
	ListRoles(ctx context.Context, accountIDs []string) ([]*Role, error)

	// DeleteUserSessions removes every session of the user but the one
	// whose ID is except ("" for none) and returns how many it removed.
	DeleteUserSessions(ctx context.Context, userID, except string) (int, error)

	// UserTeamRoles returns the role keys the user holds through the teams
	// it belongs to (the teams package writes them), sorted, without
	// duplicates.
	UserTeamRoles(ctx context.Context, userID string) ([]string, error)
	// UsersTeams returns the teams each of the users belongs to, ordered
	// by lower-cased name (byte order), then ID; users without a team are
	// absent from the map. Lists ask it once per page, so adapters answer
	// it with one query, never one per user.
	UsersTeams(ctx context.Context, userIDs []string) (map[string][]TeamRef, error)
}
