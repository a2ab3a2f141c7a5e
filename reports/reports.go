// Package reports runs large exports (users, seats, audit log) as jobs:
// a principal requests a report, a background job writes it into a
// BlobStore as the requester, and the report is listed, downloaded until
// it expires, and deleted; each step is audited. The streaming exports of
// users, seats and audit stay for small ranges; reports reuse their
// writers, so a report's content is byte for byte what the streaming
// export writes for the same filters.
//
// It sits above users, seats, audit and apikeys in the dependency order
// and imports them, the root package, account and security; it must not
// import storage, kit or web.
package reports

import (
	"time"
)

// Kind is what a report exports.
type Kind string

// The kinds of report.
const (
	KindUsers Kind = "users"
	KindSeats Kind = "seats"
	KindAudit Kind = "audit"
)

// Format is a report's content format.
type Format string

// The formats.
const (
	FormatCSV  Format = "csv"
	FormatJSON Format = "json"
)

// Status is where a report stands.
type Status string

// The statuses. Expired is shown for a done report past its ExpiresAt,
// and stored once the purge deleted its content.
const (
	StatusPending Status = "pending"
	StatusRunning Status = "running"
	StatusDone    Status = "done"
	StatusFailed  Status = "failed"
	StatusExpired Status = "expired"
)

// Params are the filters of a report: those the streaming export of its
// kind accepts. Users reports take Status, Role, TeamID, Locked, Search,
// Sort and IncludeSubaccounts (see users.ListInput); audit reports take
// IncludeSubaccounts, Range, From, To, TimeZone, ActorID, Username, Item,
// Action, Status and Search (see audit.Query); seats reports take none (a
// seat report covers the account's subtree). A filter that the kind does
// not take is refused.
type Params struct {
	IncludeSubaccounts bool       `json:"include_subaccounts,omitempty"`
	Status             string     `json:"status,omitempty"`
	Search             string     `json:"q,omitempty"`
	Role               string     `json:"role,omitempty"`
	TeamID             string     `json:"team_id,omitempty"`
	Locked             *bool      `json:"locked,omitempty"`
	Sort               string     `json:"sort,omitempty"`
	Range              string     `json:"range,omitempty"`
	From               *time.Time `json:"from,omitempty"`
	To                 *time.Time `json:"to,omitempty"`
	TimeZone           string     `json:"tz,omitempty"`
	ActorID            string     `json:"actor_id,omitempty"`
	Username           string     `json:"username,omitempty"`
	Item               string     `json:"item,omitempty"`
	Action             string     `json:"action,omitempty"`
}

// Requester is who asked for a report; the job runs as them.
type Requester struct {
	// UserID is set for a user, APIKeyID for an API key; neither for the
	// system (the host application).
	UserID   string
	APIKeyID string
	// Name is the requester's name as the audit log shows it.
	Name string
}

// Report is one requested export and its content's state.
type Report struct {
	ID        string
	AccountID string
	Kind      Kind
	Format    Format
	Params    Params
	Requester Requester
	// Status is the stored status; State tells the one to show.
	Status Status
	// Attempt counts the runs claimed; each run writes its content under
	// its own key, and only the run of the current attempt may finish.
	Attempt int
	// Rows and Size are the rows and bytes written so far.
	Rows int64
	Size int64
	// Error is the safe message of a failed report.
	Error string
	// BlobKey locates the content of a done report in the BlobStore.
	BlobKey   string
	CreatedAt time.Time
	// UpdatedAt is the last claim or progress; a running report not
	// updated for Options.Stale is claimed again.
	UpdatedAt  time.Time
	StartedAt  *time.Time
	FinishedAt *time.Time
	// ExpiresAt is set when the report is done.
	ExpiresAt *time.Time
}

// State returns the status to show at now: a done report past its
// ExpiresAt is expired.
func (r *Report) State(now time.Time) Status {
	if r.Status == StatusDone && r.ExpiresAt != nil && !now.Before(*r.ExpiresAt) {
		return StatusExpired
	}
	return r.Status
}

// FileName is the name offered for the content, e.g.
// "users-2026-12-05-0193….csv".
func (r *Report) FileName() string {
	return string(r.Kind) + "-" + r.CreatedAt.UTC().Format("2006-01-02") + "-" + r.ID + "." + string(r.Format)
}

// ContentType is the media type of the content.
func (r *Report) ContentType() string {
	if r.Format == FormatJSON {
		return "application/json"
	}
	return "text/csv; charset=utf-8"
}

// Filter selects reports for ListReports.
type Filter struct {
	// AccountID is the account whose reports are listed (required).
	AccountID string
	// Kinds, when not empty, keeps only these kinds.
	Kinds []Kind
	// Before, when set, starts after this report in the order (CreatedAt,
	// then ID, descending).
	Before *Cursor
	// Limit > 0 caps the number returned.
	Limit int
}

// Cursor is a position in the list of reports.
type Cursor struct {
	CreatedAt time.Time
	ID        string
}

// Finish is the outcome of a run, saved by FinishReport.
type Finish struct {
	ID      string
	Attempt int
	Status  Status // done or failed
	Rows    int64
	Size    int64
	Error   string
	BlobKey string
	At      time.Time
	// ExpiresAt is set for a done report.
	ExpiresAt *time.Time
}
