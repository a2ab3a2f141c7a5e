// Package users owns the people of an account and their roles: users'
// lifecycle (invite, provision, edit, disable, lock, delete, move),
// custom roles and role grants, effective permissions, the single-use
// links emailed to users, phone verification and inactivity.
//
// Signing in — passwords, sessions, second factors — is the auth
// package's; users only keeps the data (a user's password hash, lock and
// failed-attempt count) and ends a user's sessions when they may no longer
// sign in. Rules that other packages add when a user leaves or is given
// teams travel as events (Leaving, TeamsRequested) on the installation's
// accountkit.Events.
//
// It imports the root package, security, audit and account, and must not
// import auth, teams, seats, apikeys, notifications, sso or kit.
package users

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/accountkit/accountkit"
)

// Status is a user's lifecycle status.
type Status string

// The statuses. An invited user has not set a password yet.
const (
	StatusInvited  Status = "invited"
	StatusActive   Status = "active"
	StatusDisabled Status = "disabled"
)

// LoginMethod tells how a user signed in.
type LoginMethod string

// The sign-in methods.
const (
	LoginPassword LoginMethod = "password"
	LoginSSO      LoginMethod = "sso"
)

// User is a person who signs in to an account.
type User struct {
	ID        string
	AccountID string
	// MainAccountID is the main account of AccountID's tree; emails are
	// unique within it.
	MainAccountID string
	// Username is lower-case, unique across the installation and never
	// changes.
	Username      string
	FirstName     string
	LastName      string
	Email         string // lower-case
	EmailVerified bool
	Phone         string // E.164, "" when none
	PhoneVerified bool
	Status        Status
	Locked        bool
	LockedAt      *time.Time
	// FailedLogins counts consecutive failed sign-ins since the last success.
	FailedLogins int
	// LockCount counts the lockouts by failed sign-ins since the last
	// success (the timed lockout's backoff).
	LockCount int
	// Roles are role keys: built-in and host roles by key, custom roles by ID.
	Roles     []string
	CreatedAt time.Time
	UpdatedAt time.Time
	// ActivatedAt is when the user first set a password (accepted).
	ActivatedAt *time.Time
	// PasswordHash is an argon2id PHC string; never serialized.
	PasswordHash      string `json:"-"`
	PasswordChangedAt *time.Time
	LastLoginAt       *time.Time
	LastLoginIP       string
	LastLoginAgent    string
	LastLoginMethod   LoginMethod
}

// TeamRef names a team a user belongs to, as lists and exports show it.
// Teams are the teams package's; users only reads the memberships.
type TeamRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Source is "manual" or "sso" (an SSO-managed team, read-only).
	Source string `json:"source"`
}

// DisplayName returns "First Last", or the username when both are empty.
func (u *User) DisplayName() string {
	switch {
	case u.FirstName == "" && u.LastName == "":
		return u.Username
	case u.LastName == "":
		return u.FirstName
	case u.FirstName == "":
		return u.LastName
	}
	return u.FirstName + " " + u.LastName
}

// SearchText returns the lower-cased text that Filter.Search matches: the
// username, first and last name and email, one a line. Stores keep it so
// every adapter searches the same way.
func (u *User) SearchText() string {
	return strings.ToLower(u.Username + "\n" + u.FirstName + "\n" + u.LastName + "\n" + u.Email)
}

// SearchWords returns the words that Filter.Search matches (see
// accountkit.SearchWords): those of the username, first and last name and
// email. Stores index them so every adapter searches the same way.
func (u *User) SearchWords() []string {
	return accountkit.SearchWords(u.Username + " " + u.FirstName + " " + u.LastName + " " + u.Email)
}

// LastActivity is the last sign-in, else the activation, else creation:
// the one definition of a user's last activity. Stores keep it with the
// user (written from this method), so filters on it compare a plain
// value.
func (u *User) LastActivity() time.Time {
	switch {
	case u.LastLoginAt != nil:
		return *u.LastLoginAt
	case u.ActivatedAt != nil:
		return *u.ActivatedAt
	}
	return u.CreatedAt
}

// Sort orders a user list.
type Sort string

// The orders. A leading "-" means descending.
const (
	SortUsername     Sort = "username"
	SortUsernameDesc Sort = "-username"
	SortCreated      Sort = "created"
	SortCreatedDesc  Sort = "-created"
	// SortName orders by User.NameKey: last name, first name, username,
	// ignoring case and spaces.
	SortName     Sort = "name"
	SortNameDesc Sort = "-name"
	// SortEmail orders by the (lower-case) email, byte-wise.
	SortEmail     Sort = "email"
	SortEmailDesc Sort = "-email"
	// SortLastLogin orders by the last sign-in, oldest first;
	// SortLastLoginDesc newest first. Users who never signed in come last
	// in both, ordered by ID in the list's direction.
	SortLastLogin     Sort = "last_login"
	SortLastLoginDesc Sort = "-last_login"
)

// maxNameKeyPart bounds each name in NameKey, in bytes, so the key fits a
// cursor (accountkit's 512-byte cursor key) and a MariaDB index.
const (
	maxNameKeyPart = 200
	maxNameKey     = 480
)

// NameKey is the key SortName orders by: the lower-cased last name (or,
// without one, the first name, or without both the username), the
// lower-cased first name and the username, joined by single spaces.
// Spaces and control characters inside the names are dropped, so the
// separator sorts before every character they hold and "Smith" comes
// before "Smithson" whatever the first names; each name is cut to 200
// bytes and the key to 480 (at a character boundary). Stores keep it with
// the user (written from this method) and compare it byte-wise, so every
// adapter orders the same way.
func (u *User) NameKey() string {
	last, first := nameKeyPart(u.LastName), nameKeyPart(u.FirstName)
	primary := last
	switch {
	case primary == "" && first != "":
		primary = first
	case primary == "":
		primary = nameKeyPart(u.Username)
	}
	return cutUTF8(primary+" "+first+" "+u.Username, maxNameKey)
}

// nameKeyPart lower-cases s, drops spaces and control characters and cuts
// it to maxNameKeyPart bytes.
func nameKeyPart(s string) string {
	s = strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f || r == utf8.RuneError {
			return -1
		}
		return r
	}, strings.ToLower(s))
	return cutUTF8(s, maxNameKeyPart)
}

// cutUTF8 cuts s to at most n bytes without splitting a character.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Filter selects users.
type Filter struct {
	// AccountIDs keeps users of these accounts (required, non-empty).
	AccountIDs []string
	Status     *Status
	// Role keeps users holding the role key directly.
	Role *string
	// TeamID keeps the members of the team.
	TeamID *string
	// Search is a word search (accountkit.SearchWords) over username,
	// first and last name and email: each of its words starts a word of
	// one of them, ignoring case.
	Search string
	// Locked keeps locked (true) or unlocked (false) users.
	Locked *bool
	// ActiveBefore keeps users whose LastActivity is before the time.
	ActiveBefore *time.Time
	// NeverSignedIn keeps users who never signed in (LastLoginAt nil) when
	// true, and those who did when false.
	NeverSignedIn *bool
	// Sort is the order (the service validates it; stores read an unknown
	// one as SortUsername).
	Sort Sort
	// AfterID, when set, continues after a previous page's last user: its
	// ID and its username, NameKey or email (AfterKey), creation time
	// (AfterCreated) or last sign-in (AfterLastLogin, nil when that user
	// never signed in), whichever Sort orders by.
	AfterKey       string
	AfterCreated   time.Time
	AfterLastLogin *time.Time
	AfterID        string
	// Limit > 0 caps the number returned; 0 returns every match. The
	// service always sets it.
	Limit int
}

// Role is a custom role of an account.
type Role struct {
	ID          string
	AccountID   string
	Name        string
	Description string
	Permissions []string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// TokenKind is what a single-use token is for.
type TokenKind string

// The token kinds.
const (
	TokenInvitation    TokenKind = "invitation"
	TokenPasswordReset TokenKind = "password_reset"
	TokenEmailVerify   TokenKind = "email_verify"
	TokenPhoneCode     TokenKind = "phone_code"
)

// Token is a single-use secret: only its SHA-256 is stored.
type Token struct {
	Hash      string // hex SHA-256 of the secret
	Kind      TokenKind
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
	// Attempts counts wrong guesses (phone codes).
	Attempts int
	// Target is what the token confirms, e.g. the email or phone it was sent
	// to; for a sign-in challenge, the first factor's LoginMethod.
	Target string
}
