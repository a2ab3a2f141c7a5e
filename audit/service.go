package audit

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/security"
)

// Limits of a query.
const (
	DefaultLimit = 50
	MaxLimit     = 200
	maxFilterLen = 256
	exportBatch  = 500
)

// Subtree lists an account and every account below it. The storage adapters
// implement it.
type Subtree interface {
	AccountSubtree(ctx context.Context, id string) ([]string, error)
}

// Service reads, exports and verifies the audit log. Every method requires
// security.PermAuditRead in the account it reads.
type Service struct {
	store    Store
	tree     Subtree
	authz    *security.Authorizer
	recorder *Recorder
	clock    accountkit.Clock
}

// NewService returns an audit Service.
func NewService(store Store, tree Subtree, authz *security.Authorizer, recorder *Recorder, clock accountkit.Clock) *Service {
	if clock == nil {
		clock = accountkit.SystemClock{}
	}
	return &Service{store: store, tree: tree, authz: authz, recorder: recorder, clock: clock}
}

// Query selects audit events. The zero Query is the principal's own
// account, all time, newest first.
type Query struct {
	// AccountID defaults to the principal's account.
	AccountID string
	// IncludeSubaccounts adds the events of every account below AccountID.
	IncludeSubaccounts bool
	// Range is a preset; empty means no time bound unless From/To are set,
	// which also implies RangeCustom.
	Range    Range
	From, To *time.Time
	// TimeZone is an IANA name used for the day and week presets; default UTC.
	TimeZone string
	ActorID  string
	Username string
	Item     string
	Action   string
	Status   string
	// Search matches the description, ignoring case.
	Search string
	Cursor string
	Limit  int
}

// Page is one page of events and the cursor of the next ("" at the end).
type Page struct {
	Events     []*Event
	NextCursor string
}

// List returns a page of events, newest first. Paging with NextCursor stays
// correct while new events arrive: they never appear on later pages.
// Errors: Unauthenticated, NotFound, Forbidden, Invalid.
func (s *Service) List(ctx context.Context, q Query) (*Page, error) {
	f, err := s.filter(ctx, q)
	if err != nil {
		return nil, err
	}
	f.Limit++ // one more tells whether there is a next page
	events, err := s.store.ListAuditEvents(ctx, f)
	if err != nil {
		return nil, err
	}
	page := &Page{Events: events}
	if len(events) == f.Limit {
		page.Events = events[:f.Limit-1]
		last := page.Events[len(page.Events)-1]
		page.NextCursor = accountkit.EncodeCursor(strconv.FormatInt(last.Time.UnixMicro(), 10), last.ID)
	}
	return page, nil
}

func (s *Service) filter(ctx context.Context, q Query) (Filter, error) {
	p := security.PrincipalFrom(ctx)
	if p == nil {
		return Filter{}, accountkit.Errorf(accountkit.Unauthenticated, "authentication required")
	}
	if q.AccountID == "" {
		q.AccountID = p.AccountID
	}
	if _, err := s.authz.Require(ctx, security.PermAuditRead, q.AccountID); err != nil {
		return Filter{}, err
	}
	var v accountkit.Validation
	f := Filter{Limit: v.Limit(q.Limit, DefaultLimit, MaxLimit), Search: q.Search}
	for name, val := range map[string]string{"actor_id": q.ActorID, "username": q.Username, "item": q.Item, "action": q.Action, "q": q.Search} {
		if len(val) > maxFilterLen || !utf8.ValidString(val) {
			v.Add(name, "must be valid UTF-8 of at most 256 bytes")
		}
	}
	loc := time.UTC
	if q.TimeZone != "" {
		l, err := time.LoadLocation(q.TimeZone)
		if err != nil || strings.Contains(q.TimeZone, "..") || q.TimeZone == "Local" {
			v.Add("tz", "unknown time zone")
		} else {
			loc = l
		}
	}
	switch {
	case q.Range == "" && q.From == nil && q.To == nil:
	case q.Range == "" || q.Range == RangeCustom:
		if q.From == nil && q.To == nil {
			v.Add("from", "a custom range needs from or to")
		}
		if q.From != nil && q.To != nil && !q.From.Before(*q.To) {
			v.Add("to", "must be after from")
		}
		if q.From != nil {
			t := q.From.UTC()
			f.From = &t
		}
		if q.To != nil {
			t := q.To.UTC()
			f.To = &t
		}
	default:
		if q.From != nil || q.To != nil {
			v.Add("range", "from and to go with range=custom only")
		}
		from, to, err := q.Range.Bounds(s.clock.Now(), loc)
		if err != nil {
			return Filter{}, err
		}
		f.From, f.To = &from, to
	}
	if q.Status != "" {
		st := Status(q.Status)
		if st != StatusSuccess && st != StatusFailure {
			v.Add("status", "must be success or failure")
		}
		f.Status = &st
	}
	if q.Cursor != "" {
		c, err := decodeCursor(q.Cursor)
		if err != nil {
			v.Add("cursor", "malformed cursor")
		}
		f.Before = c
	}
	if err := v.Err(); err != nil {
		return Filter{}, err
	}
	if q.ActorID != "" {
		f.ActorID = &q.ActorID
	}
	if q.Username != "" {
		f.ActorName = &q.Username
	}
	if q.Item != "" {
		it := Item(q.Item)
		f.Item = &it
	}
	if q.Action != "" {
		ac := Action(q.Action)
		f.Action = &ac
	}
	ids, err := s.tree.AccountSubtree(ctx, q.AccountID)
	if err != nil {
		return Filter{}, err
	}
	f.MainAccountID = s.mainOf(ctx, q.AccountID)
	if !q.IncludeSubaccounts {
		ids = []string{q.AccountID}
	}
	f.AccountIDs = ids
	return f, nil
}

func (s *Service) mainOf(ctx context.Context, accountID string) string {
	if t, ok := s.tree.(security.AccountTree); ok {
		if path, err := t.AccountAncestry(ctx, accountID); err == nil {
			return path[0]
		}
	}
	return accountID
}

// csvHeader names the export's columns.
var csvHeader = []string{"time", "account_id", "actor_id", "actor", "item", "action", "status", "description", "target_type", "target_id", "target_name", "ip", "user_agent"}

// Export writes every event matching q (ignoring Cursor and Limit) to w as
// CSV, newest first, reading the store in batches so memory stays constant.
// Times are written in q.TimeZone. Cells that a spreadsheet would run as a
// formula are prefixed with a single quote. The export itself is recorded
// ("Logs export to file completed/failed"). Errors: as List, plus write
// errors from w.
func (s *Service) Export(ctx context.Context, q Query, w io.Writer) error {
	q.Cursor, q.Limit = "", 0
	f, err := s.filter(ctx, q)
	entry := Entry{
		AccountID: q.AccountID, Item: ItemSearch, Action: ActionExport,
		Description: "Logs export to file completed.", FailureDescription: "Logs export to file failed.",
	}
	if entry.AccountID == "" {
		if p := security.PrincipalFrom(ctx); p != nil {
			entry.AccountID = p.AccountID
		}
	}
	if err != nil {
		s.recorder.RecordFailure(ctx, entry, err)
		return err
	}
	loc := time.UTC
	if q.TimeZone != "" {
		loc, _ = time.LoadLocation(q.TimeZone) // validated by filter
	}
	rows, err := s.writeCSV(ctx, f, loc, w)
	entry.Details = map[string]string{"rows": strconv.Itoa(rows)}
	if err != nil {
		s.recorder.RecordFailure(ctx, entry, err)
		return err
	}
	return s.recorder.Record(ctx, entry)
}

func (s *Service) writeCSV(ctx context.Context, f Filter, loc *time.Location, w io.Writer) (int, error) {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return 0, err
	}
	f.Limit = exportBatch
	rows := 0
	for {
		events, err := s.store.ListAuditEvents(ctx, f)
		if err != nil {
			return rows, err
		}
		for _, e := range events {
			rec := []string{
				e.Time.In(loc).Format(time.RFC3339Nano), e.AccountID, e.ActorID, e.ActorName,
				string(e.Item), string(e.Action), string(e.Status), e.Description,
				e.TargetType, e.TargetID, e.TargetName, e.IP, e.UserAgent,
			}
			for i := range rec {
				rec[i] = SafeCSVCell(rec[i])
			}
			if err := cw.Write(rec); err != nil {
				return rows, err
			}
			rows++
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return rows, err
		}
		if len(events) < f.Limit {
			return rows, nil
		}
		last := events[len(events)-1]
		f.Before = &Cursor{Time: last.Time, ID: last.ID}
	}
}

// SafeCSVCell defuses CSV formula injection: a cell starting with =, +, -,
// @, tab or carriage return is prefixed with a single quote.
func SafeCSVCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// VerifyResult reports the outcome of Verify.
type VerifyResult struct {
	// Events is how many events were checked.
	Events int64 `json:"events"`
	// OK is false when the chain is broken; BrokenAt then names the first
	// sequence number that does not match and Reason says how.
	OK       bool   `json:"ok"`
	BrokenAt int64  `json:"broken_at,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// Verify recomputes the hash chain of the main account that accountID
// belongs to and reports the first event that was altered, removed or
// inserted out of band. It requires PermAuditRead in the main account.
// Errors: Unauthenticated, NotFound, Forbidden.
func (s *Service) Verify(ctx context.Context, accountID string) (*VerifyResult, error) {
	p := security.PrincipalFrom(ctx)
	if p == nil {
		return nil, accountkit.Errorf(accountkit.Unauthenticated, "authentication required")
	}
	if accountID == "" {
		accountID = p.AccountID
	}
	if err := s.authz.InTree(ctx, accountID); err != nil {
		return nil, err
	}
	main := s.mainOf(ctx, accountID)
	if _, err := s.authz.Require(ctx, security.PermAuditRead, main); err != nil {
		return nil, err
	}
	// Read the head first: events appended while we verify lie beyond it.
	var headSeq int64
	var headHash string
	err := s.recorder.tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		headSeq, headHash, err = s.store.LockAuditChain(ctx, main)
		return err
	})
	if err != nil {
		return nil, err
	}
	res := &VerifyResult{OK: true}
	var seq int64
	prev := ""
	for seq < headSeq {
		events, err := s.store.ListAuditChain(ctx, main, seq, exportBatch)
		if err != nil {
			return nil, err
		}
		if len(events) == 0 {
			break
		}
		for _, e := range events {
			if e.Seq > headSeq {
				break
			}
			switch {
			case e.Seq != seq+1:
				return &VerifyResult{Events: res.Events, BrokenAt: seq + 1, Reason: "event missing from the chain"}, nil
			case e.PrevHash != prev:
				return &VerifyResult{Events: res.Events, BrokenAt: e.Seq, Reason: "previous hash does not match"}, nil
			case e.ComputeHash() != e.Hash:
				return &VerifyResult{Events: res.Events, BrokenAt: e.Seq, Reason: "event content does not match its hash"}, nil
			}
			seq, prev = e.Seq, e.Hash
			res.Events++
		}
	}
	if seq != headSeq || prev != headHash {
		return &VerifyResult{Events: res.Events, BrokenAt: seq + 1, Reason: "events missing at the end of the chain"}, nil
	}
	return res, nil
}

func decodeCursor(s string) (*Cursor, error) {
	parts, err := accountkit.DecodeCursor(s, 2)
	if err != nil {
		return nil, err
	}
	us, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil || !accountkit.ValidID(parts[1]) {
		return nil, accountkit.InvalidField("cursor", "malformed cursor")
	}
	return &Cursor{Time: time.UnixMicro(us).UTC(), ID: parts[1]}, nil
}
