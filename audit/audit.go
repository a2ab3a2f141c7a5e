// Package audit owns the audit log: the event model, the catalogue of items
// and actions, the Recorder services call inside their transactions, and the
// query and export service.
//
// Events of one main account (and its sub-accounts) form a hash chain: each
// event stores the SHA-256 of its canonical form and of the previous event,
// so Service.Verify detects an event that was altered, removed or inserted
// behind the library's back.
//
// Recorder.RecordFailure is the one way every service audits a refused
// attempt.
//
// The package imports the root package, security and internal/httpx only.
package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
)

// Status tells whether the audited action succeeded.
type Status string

// The statuses.
const (
	StatusSuccess Status = "success"
	StatusFailure Status = "failure"
)

// Item is what an event is about (the reference's "Item" column). Host
// applications may use their own items, e.g. Item("Chatbot").
type Item string

// Action is what happened to the item. Host applications may use their own.
type Action string

// Event is one audit log entry.
type Event struct {
	ID            string
	AccountID     string
	MainAccountID string
	Time          time.Time
	// ActorID is the acting user's ID ("" for the system or an API key);
	// ActorName is their username, "system" or "api-key:<id>".
	ActorID   string
	ActorName string
	Item      Item
	Action    Action
	Status    Status
	// Description is a human-readable sentence, e.g. "User created.".
	Description string
	// Target is what was acted on.
	TargetType string
	TargetID   string
	TargetName string
	IP         string
	UserAgent  string
	// Details holds a few extra key/value facts. Never put secrets here.
	Details map[string]string
	// Seq, PrevHash and Hash chain the events of one main account.
	Seq      int64
	PrevHash string
	Hash     string
}

// ComputeHash returns the chain hash of e: SHA-256 over a canonical JSON
// encoding of every field but Hash itself, PrevHash included.
func (e *Event) ComputeHash() string {
	canon := []any{
		e.ID, e.AccountID, e.MainAccountID, e.Time.UTC().Format(time.RFC3339Nano),
		e.ActorID, e.ActorName, string(e.Item), string(e.Action), string(e.Status),
		e.Description, e.TargetType, e.TargetID, e.TargetName, e.IP, e.UserAgent,
		e.Details, strconv.FormatInt(e.Seq, 10), e.PrevHash,
	}
	b, err := json.Marshal(canon) // map keys are sorted by encoding/json
	if err != nil {
		panic("audit: canonical encoding failed: " + err.Error())
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Cursor is a position in the newest-first order of events.
type Cursor struct {
	Time time.Time
	ID   string
}

// Filter selects events. Every field but MainAccountID is optional.
type Filter struct {
	// MainAccountID restricts the search to one tree (required).
	MainAccountID string
	// AccountIDs, when not nil, keeps only events of these accounts.
	AccountIDs []string
	// From (inclusive) and To (exclusive) bound the event time.
	From, To *time.Time
	// ActorID and ActorName match exactly.
	ActorID   *string
	ActorName *string
	Item      *Item
	Action    *Action
	Status    *Status
	// Search is a word search (accountkit.SearchWords) over the
	// description: each of its words starts a word of it, ignoring case.
	Search string
	// Before continues after the last event of a previous page.
	Before *Cursor
	// Limit > 0 caps the number of events returned; 0 returns every match
	// (the service always sets it).
	Limit int
	// Brief tells the store that the caller reads only the fields a CSV
	// export row shows: the store may leave ID, MainAccountID, Details,
	// Seq, PrevHash and Hash zero (and skip reading and decoding them).
	Brief bool
}
