// Package teams owns teams: named groups of users of one account that carry
// roles their members inherit, their memberships, and the teams that single
// sign-on manages (created and filled from the identity provider's groups).
//
// It imports the root package, security, audit, account and users. The users
// package must not import it: users reach teams through the
// users.TeamAssigner hook and users.Options.ExtraRoles, which the kit
// package wires to this package's Service.
package teams

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
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
	// Limit caps the number returned; stores treat <= 0 as 50.
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
	DefaultLimit      = 50
	MaxLimit          = 200
)

// ValidateName returns "" when name (already trimmed) is a valid team name,
// else what is wrong with it: 1 to 100 characters of valid UTF-8 without
// control characters. The SSO integration may use it to skip unusable
// group names before SetSSOMemberships.
func ValidateName(name string) string {
	switch n := utf8.RuneCountInString(name); {
	case !utf8.ValidString(name):
		return "must be valid UTF-8"
	case n == 0:
		return "must not be empty"
	case n > MaxNameLength:
		return "must be at most 100 characters"
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return "must not contain control characters"
		}
	}
	return ""
}

func validateDescription(d string) string {
	if !utf8.ValidString(d) {
		return "must be valid UTF-8"
	}
	if utf8.RuneCountInString(d) > MaxDescriptionLength {
		return "must be at most 500 characters"
	}
	for _, r := range d {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return "must not contain control characters other than newlines and tabs"
		}
	}
	return ""
}
