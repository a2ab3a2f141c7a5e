// Package seats owns seat licensing: the pool of seats a main account has
// purchased, optional seat limits per account of its tree, the assignment
// of seats to users, usage warnings, the list of inactive users holding
// seats, the accounts report and the seat log.
//
// Seats are enforced by the database: every change locks the main
// account's pool row first (SELECT ... FOR UPDATE), then counts and writes,
// so parallel assignments on PostgreSQL and MariaDB never exceed a limit.
//
// A user who leaves (users.Leaving) frees their seat: NewService
// subscribes to it. It imports the root package, security, audit, account
// and users; it must not import auth, teams, apikeys, notifications, sso,
// storage or kit.
package seats

import (
	"slices"
	"strings"
	"time"

	"github.com/accountkit/accountkit/users"
)

// MaxSeats bounds purchased seats and limits.
const MaxSeats = 1_000_000

// Pool is the seats a main account has purchased for the whole tree.
type Pool struct {
	MainAccountID string
	// Purchased is how many seats the tree may hold; 0 until the host sets
	// it. Reducing it below the assigned count is allowed: nothing is
	// taken away, new assignments are refused (over-allocation).
	Purchased int
	// Warned records that the pool's usage warning fired and has not been
	// re-armed by usage falling below the threshold.
	Warned bool
	// Assigned is how many seats the tree holds: a counter the store keeps
	// with every seat it adds or removes (CreateSeat, TakeSeat,
	// DeleteSeats, user deletion and move), so checking the pool needs no
	// count. UpdateSeatPool ignores it.
	Assigned  int
	UpdatedAt time.Time
}

// Limit is the most seats the users of one account may hold. It counts
// the seats of users of that account only, not of its sub-accounts.
type Limit struct {
	AccountID     string
	MainAccountID string
	Limit         int
	// Warned is the limit's counterpart of Pool.Warned.
	Warned bool
	// Assigned is how many seats the users of the account hold, kept by
	// the store as Pool.Assigned is: PutSeatLimit sets it from the seats
	// when it creates the limit and otherwise ignores it.
	Assigned  int
	UpdatedAt time.Time
}

// Seat is one seat held by a user. A user holds at most one.
type Seat struct {
	UserID        string
	AccountID     string
	MainAccountID string
	AssignedAt    time.Time
	// AssignedByID and AssignedByName identify who assigned it
	// (AssignedByID is "" for the system or an API key).
	AssignedByID   string
	AssignedByName string
}

// Holder is a seat with the user holding it.
type Holder struct {
	Seat *Seat
	User *users.User
	// TeamRoles are the role keys the user holds through its teams, in
	// byte order without duplicates (User.Roles holds the direct ones).
	TeamRoles []string
}

// Roles returns every role key the holder holds, directly or through a
// team, in byte order without duplicates.
func (h *Holder) Roles() []string {
	out := append(slices.Clone(h.User.Roles), h.TeamRoles...)
	slices.Sort(out)
	return slices.Compact(out)
}

// InactiveCriteria selects the seat holders matching any of its
// conditions. The seats service decides what makes a holder inactive
// (disabled, no sign-in for Options.InactiveAfter, no seat role) and
// passes it here; stores only evaluate it.
type InactiveCriteria struct {
	// Statuses: the holder's user has one of these statuses.
	Statuses []users.Status
	// ActiveBefore: the user's LastActivity lies before it.
	ActiveBefore time.Time
	// EligibleRoles: the user holds none of these roles, directly or
	// through a team (no role at all when EligibleRoles is empty).
	EligibleRoles []string
}

// HolderFilter selects seat holders, ordered by username then user ID.
type HolderFilter struct {
	// MainAccountID restricts the search to one tree (required).
	MainAccountID string
	// AccountIDs, when not nil, keeps holders whose seat is in one of them.
	AccountIDs []string
	// UserIDs, when not nil, keeps these users.
	UserIDs []string
	// Search matches username, first and last name and email, ignoring
	// case (the caller passes it lower-cased).
	Search string
	// Role keeps users holding the role key, directly or through a team.
	Role *string
	// LastLoginFrom (inclusive) and LastLoginTo (exclusive) bound the last
	// sign-in; users who never signed in do not match either bound.
	LastLoginFrom, LastLoginTo *time.Time
	// AssignedFrom (inclusive) and AssignedTo (exclusive) bound when the
	// seat was assigned.
	AssignedFrom, AssignedTo *time.Time
	// Inactive, when set, keeps inactive holders only.
	Inactive *InactiveCriteria
	// AfterUsername and AfterID continue after a previous page's last
	// holder.
	AfterUsername, AfterID string
	// Limit > 0 caps the number returned; 0 returns every match (the
	// service always sets it).
	Limit int
}

// Event is the kind of a seat log entry.
type Event string

// The seat log events.
const (
	EventAssigned         Event = "seat_assigned"
	EventUnassigned       Event = "seat_removed"
	EventBulkUnassigned   Event = "seat_bulk_removed"
	EventReleased         Event = "seat_released"
	EventLimitSet         Event = "limit_set"
	EventLimitRemoved     Event = "limit_removed"
	EventPurchasedChanged Event = "purchased_changed"
)

// ValidEvent reports whether e is one of the seat log events.
func ValidEvent(e Event) bool {
	switch e {
	case EventAssigned, EventUnassigned, EventBulkUnassigned, EventReleased,
		EventLimitSet, EventLimitRemoved, EventPurchasedChanged:
		return true
	}
	return false
}

// Status tells whether a logged attempt succeeded.
type Status string

// The statuses.
const (
	StatusSuccess Status = "success"
	StatusFailure Status = "failure"
)

// LogEntry is one line of the seat log: who did what to whose seat, in
// which account and when.
type LogEntry struct {
	ID            string
	MainAccountID string
	AccountID     string
	Time          time.Time
	// ActorID is the acting user ("" for the system or an API key);
	// ActorName is their username, "system" or "api-key:<id>".
	ActorID   string
	ActorName string
	Event     Event
	Status    Status
	// UserID and Username name the impacted user, "" for limit and
	// purchased-seat changes.
	UserID   string
	Username string
	// OldValue and NewValue hold the limit or purchased count before and
	// after a change (nil when not applicable, e.g. no limit).
	OldValue, NewValue *int
	// Description is a human-readable sentence, e.g. "Seat assigned.".
	Description string
	// Error is the safe message of a failed attempt.
	Error string
}

// LogCursor is a position in the newest-first order of the seat log.
type LogCursor struct {
	Time time.Time
	ID   string
}

// LogFilter selects seat log entries, newest first (Time, then ID, both
// descending).
type LogFilter struct {
	// MainAccountID restricts the search to one tree (required).
	MainAccountID string
	// AccountIDs, when not nil, keeps entries of these accounts.
	AccountIDs []string
	// From (inclusive) and To (exclusive) bound the time.
	From, To *time.Time
	Event    *Event
	Status   *Status
	// UserID keeps entries about the impacted user.
	UserID *string
	// Search keeps entries whose description, username, actor name or
	// error contains it, ignoring case (the caller lower-cases it).
	Search string
	// Before continues after the last entry of a previous page.
	Before *LogCursor
	// Limit > 0 caps the number returned; 0 returns every match (the
	// service always sets it).
	Limit int
}

// SearchText is the lower-cased text LogFilter.Search looks in.
func (e *LogEntry) SearchText() string {
	return strings.ToLower(e.Description + "\n" + e.Username + "\n" + e.ActorName + "\n" + e.Error)
}

// WarningPercent returns the usage, in percent, at which a pool or limit of
// capacity seats warns: up to 50 seats 85 %, 51 to 100 seats 95 %, more
// than 100 seats 97 %.
func WarningPercent(capacity int) int {
	switch {
	case capacity <= 50:
		return 85
	case capacity <= 100:
		return 95
	}
	return 97
}

// Warns reports whether assigned seats out of capacity reach the warning
// threshold. An empty capacity (0) warns only when seats are assigned
// anyway (after a reduction).
func Warns(assigned, capacity int) bool {
	if capacity <= 0 {
		return assigned > 0
	}
	return assigned*100 >= WarningPercent(capacity)*capacity
}

// Percent returns assigned as a percentage of capacity, rounded down to
// one decimal; 0 when capacity is 0.
func Percent(assigned, capacity int) float64 {
	if capacity <= 0 {
		return 0
	}
	return float64(assigned*1000/capacity) / 10
}
