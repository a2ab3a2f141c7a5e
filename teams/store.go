package teams

import (
	"context"

	"github.com/accountkit/accountkit/users"
)

// Store is what the teams package needs from storage: teams and
// memberships, and through users.Store the users, the accounts and the
// audit log. Adapters implement it; storagetest checks them.
type Store interface {
	users.Store

	// CreateTeam stores t (MemberCount is ignored). Errors: Conflict when
	// the ID, the name ignoring case, or a non-empty ExternalKey within
	// t.AccountID exists.
	CreateTeam(ctx context.Context, t *Team) error
	// EnsureTeam stores t unless the account already has a team of t's
	// non-empty ExternalKey or, failing that, of t's name (ignoring case),
	// and returns the stored team and whether it was created. Concurrent calls for one name create one team and never
	// fail with Conflict, nor leave the transaction unusable.
	EnsureTeam(ctx context.Context, t *Team) (*Team, bool, error)
	// GetTeam returns a team with its member count. Errors: NotFound.
	GetTeam(ctx context.Context, id string) (*Team, error)
	// GetTeamByName returns the account's team whose lower-cased name is
	// NameKey(name). Errors: NotFound.
	GetTeamByName(ctx context.Context, accountID, name string) (*Team, error)
	// UpdateTeam saves t's Name, Description, Source, Roles and UpdatedAt
	// (never ExternalKey).
	// Errors: NotFound, Conflict (name taken in the account).
	UpdateTeam(ctx context.Context, t *Team) error
	// DeleteTeam removes a team and all its memberships (the users stay).
	// Errors: NotFound.
	DeleteTeam(ctx context.Context, id string) error
	// ListTeams returns the teams matching f with their member counts,
	// ordered by lower-cased name (byte order), then ID.
	ListTeams(ctx context.Context, f Filter) ([]*Team, error)
	// ListUserTeams returns the teams the user belongs to, with their
	// member counts, ordered as ListTeams.
	ListUserTeams(ctx context.Context, userID string) ([]*Team, error)
	// UserTeamRoles returns the role keys the user's teams grant, in byte
	// order without duplicates (nil when none). Every authenticated request
	// asks for it, so adapters answer it with one query.
	UserTeamRoles(ctx context.Context, userID string) ([]string, error)
	// AddTeamMembers makes the users members of the team, skipping those
	// who are, and returns how many it added. It does not check that the
	// users exist. Errors: NotFound (no such team).
	AddTeamMembers(ctx context.Context, teamID string, userIDs []string) (int, error)
	// RemoveTeamMembers removes the users from the team, skipping those
	// who are not members, and returns how many it removed.
	// Errors: NotFound (no such team).
	RemoveTeamMembers(ctx context.Context, teamID string, userIDs []string) (int, error)
	// AccountUserIDs returns, in byte order, those of userIDs that are
	// users of the account (exactly that account, not its sub-accounts).
	AccountUserIDs(ctx context.Context, accountID string, userIDs []string) ([]string, error)
}
