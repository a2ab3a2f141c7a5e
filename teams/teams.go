// Package teams owns teams: named groups of users of one account that carry
// roles their members inherit, their memberships, and the teams that single
// sign-on manages (created and filled from the identity provider's groups).
//
// It imports the root package, security, audit, account and users, and
// must not import auth, seats, apikeys, notifications, sso or kit. The
// users package cannot import it: teams react to users.TeamsRequested
// (subscribed by NewService), and the roles users hold through teams are
// read by users from the store (users.Store.UserTeamRoles).
package teams

import (
	"strings"
	"time"

	"github.com/accountkit/accountkit"
)

// Source tells who manages a team's memberships.
type Source string

// The sources. Members of a manual team are managed through the API; those
// of an SSO team only by the single sign-on group sync.
const (
	SourceManual Source = "manual"
	SourceSSO    Source = "sso"
)

// Team is a named group of users of one account. Its members inherit its
// roles.
type Team struct {
	ID        string
	AccountID string
	// Name is unique within the account, ignoring case.
	Name        string
	Description string
	Source      Source
	// ExternalKey is the identity provider's group identifier of a team
	// the SSO sync created (NameKey of the group name), "" for teams
	// created by administrators. It never changes, not even when the team
	// is renamed or converted to manual, and is unique within the account:
	// the sync finds a group's team by it before matching names, so a
	// renamed SSO team keeps its members and roles.
	ExternalKey string
	// Roles are role keys, as on users.User: built-in and host roles by
	// key, custom roles by ID.
	Roles     []string
	CreatedAt time.Time
	UpdatedAt time.Time
	// MemberCount is the number of members; stores fill it in when they
	// read a team and ignore it when they write one.
	MemberCount int
}

// NameKey returns the form in which names are compared and ordered: the
// lower-cased name.
func NameKey(name string) string { return strings.ToLower(name) }

// Filter selects the teams of one account. Results are ordered by the
// lower-cased name (byte order), then ID.
type Filter struct {
	// AccountID is the account whose teams are listed (required).
	AccountID string
	// Search keeps teams whose lower-cased name contains it (it must be
	// lower-cased already).
	Search string
	Source *Source
	// AfterName (a lower-cased name) and AfterID continue after the last
	// team of a previous page.
	AfterName string
	AfterID   string
	// Limit > 0 caps the number returned; 0 returns every match (the
	// service always sets it).
	Limit int
}

// Update changes a team; nil fields stay as they are. Memberships change
// through AddMembers and RemoveMembers.
type Update struct {
	Name        *string   `json:"name,omitempty"`
	Description *string   `json:"description,omitempty"`
	Roles       *[]string `json:"roles,omitempty"`
}

// Limits on teams.
const (
	MaxNameLength        = 100
	MaxDescriptionLength = 500
	// MaxMembersPerCall caps the user IDs of one AddMembers or
	// RemoveMembers call, and the teams or groups of one assignment.
	MaxMembersPerCall = 500
)

// ValidateName returns "" when name (already trimmed) is a valid team name,
// else what is wrong with it: 1 to 100 characters of valid UTF-8 without
// control characters. The SSO integration may use it to skip unusable
// group names before SetSSOMemberships.
func ValidateName(name string) string {
	return accountkit.TextProblem(name, 1, MaxNameLength, false)
}

func validateDescription(d string) string {
	return accountkit.TextProblem(d, 0, MaxDescriptionLength, true)
}
