package scim

import (
	"context"

	"github.com/accountkit/accountkit/teams"
	"github.com/accountkit/accountkit/users"
)

// Store is what the scim package needs from storage: the users and teams
// (teams.Store, which brings users.Store) and the external IDs clients
// give resources. Adapters implement it; storagetest checks them.
type Store interface {
	teams.Store

	// SetSCIMExternalID stores x, replacing the external ID the resource
	// (x.Kind, x.ResourceID) had. Errors: Conflict when another resource
	// of x.AccountID and x.Kind has x.ExternalID (nothing changes).
	SetSCIMExternalID(ctx context.Context, x *ExternalID) error
	// DeleteSCIMExternalID removes the external ID of the resource, if it
	// has one.
	DeleteSCIMExternalID(ctx context.Context, kind Kind, resourceID string) error
	// SCIMExternalIDs returns the external IDs of those of the resources
	// that have one, by resource ID.
	SCIMExternalIDs(ctx context.Context, kind Kind, resourceIDs []string) (map[string]string, error)
	// FindSCIMExternalID returns the link of the account's resource of the
	// kind with the external ID (compared byte for byte). Errors: NotFound.
	FindSCIMExternalID(ctx context.Context, accountID string, kind Kind, externalID string) (*ExternalID, error)

	// SetSCIMEnterprise stores the user's enterprise attributes, replacing
	// those it had.
	SetSCIMEnterprise(ctx context.Context, e *Enterprise) error
	// DeleteSCIMEnterprise removes the user's enterprise attributes, if
	// any.
	DeleteSCIMEnterprise(ctx context.Context, userID string) error
	// SCIMEnterprise returns the enterprise attributes of those of the
	// users that have some, by user ID.
	SCIMEnterprise(ctx context.Context, userIDs []string) (map[string]*Enterprise, error)
	// ListSCIMUsers returns the users q selects, in q's order, from
	// q.Offset, at most q.Limit of them.
	ListSCIMUsers(ctx context.Context, q UserQuery) ([]*users.User, error)
	// AccountSubtree returns the IDs of the account and every account
	// below it (account.Store).
	AccountSubtree(ctx context.Context, id string) ([]string, error)
	// SCIMSettings returns the account's settings. Errors: NotFound (none
	// set yet).
	SCIMSettings(ctx context.Context, accountID string) (*Settings, error)
	// SetSCIMSettings stores the account's settings, replacing them.
	SetSCIMSettings(ctx context.Context, st *Settings) error
}
