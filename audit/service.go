package audit

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/security"
)

// exportBatch is the default Options.ExportBatch.
const exportBatch = 500

// Subtree lists an account and every account below it. The storage adapters
// implement it.
type Subtree interface {
	AccountSubtree(ctx context.Context, id string) ([]string, error)
}

// Deps is what the service needs from the installation.
type Deps struct {
	accountkit.Runtime
	Store Store
}

// Options configures the service. Zero fields take the defaults.
type Options struct {
	// ExportBatch is how many events an export reads per query (500).
	ExportBatch int
}

// Service reads, exports and verifies the audit log. Every method requires
// security.PermAuditRead in the account it reads.
type Service struct {
	store    Store
	authz    *security.Authorizer
	recorder *Recorder
	rt       accountkit.Runtime
	opts     Options
}

// NewService returns an audit Service. It fails when deps lack the Store
// or the Runtime's Events.
func NewService(deps Deps, opts Options) (*Service, error) {
	rec, err := NewRecorder(deps.Store, deps.Runtime)
	if err != nil {
		return nil, err
	}
	if opts.ExportBatch <= 0 {
		opts.ExportBatch = exportBatch
	}
	return &Service{store: deps.Store, authz: security.NewAuthorizer(deps.Store), recorder: rec, rt: rec.rt, opts: opts}, nil
}

// Recorder returns the service's Recorder.
func (s *Service) Recorder() *Recorder { return s.recorder }

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
	// Search is a word search over the description (see
	// accountkit.SearchWords and Validation.WordSearch): each of its words
	// must start a word of the description, ignoring case.
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
	limit := f.Limit
	f.Limit++ // one more tells whether there is a next page
	events, err := s.store.ListAuditEvents(ctx, f)
	if err != nil {
		return nil, err
	}
	page := &Page{}
	page.Events, page.NextCursor = accountkit.NextPage(events, limit, func(e *Event) accountkit.Cursor {
		return accountkit.Cursor{Key: accountkit.TimeKey(e.Time.UnixMicro()), ID: e.ID}
	})
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
	limit, after := v.Page(accountkit.PageRequest{Limit: q.Limit, Cursor: q.Cursor})
	f := Filter{Limit: limit, Search: v.WordSearch("q", q.Search)}
	v.Filter("actor_id", q.ActorID)
	v.Filter("username", q.Username)
	v.Filter("item", q.Item)
	v.Filter("action", q.Action)
	v.Time("from", q.From)
	v.Time("to", q.To)
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
		from, to, err := q.Range.Bounds(s.rt.Now(), loc)
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
	if after != nil {
		us, ok := accountkit.ParseTimeKey(after.Key)
		if !ok {
			v.BadCursor()
		}
		f.Before = &Cursor{Time: time.UnixMicro(us).UTC(), ID: after.ID}
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
	ids, err := s.store.AccountSubtree(ctx, q.AccountID)
	if err != nil {
		return Filter{}, err
	}
	if f.MainAccountID, err = s.mainOf(ctx, q.AccountID); err != nil {
		return Filter{}, err
	}
	if !q.IncludeSubaccounts {
		ids = []string{q.AccountID}
	}
	f.AccountIDs = ids
	return f, nil
}

// mainOf returns the main account of accountID's tree. A store error is
// returned as it is: guessing would read the wrong chain.
func (s *Service) mainOf(ctx context.Context, accountID string) (string, error) {
	path, err := s.store.AccountAncestry(ctx, accountID)
	if err != nil {
		return "", err
	}
	return path[0], nil
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
	rows, err := s.writeCSV(ctx, f, loc, w, nil)
	entry.Details = map[string]string{"rows": strconv.Itoa(rows)}
	if err != nil {
		s.recorder.RecordFailure(ctx, entry, err)
		return err
	}
	return s.recorder.Record(ctx, entry)
}

// writeCSV writes the events matching f to w; progress, when not nil, is
// told the rows written after each batch.
func (s *Service) writeCSV(ctx context.Context, f Filter, loc *time.Location, w io.Writer, progress func(rows int)) (int, error) {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return 0, err
	}
	f.Limit = s.opts.ExportBatch
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
		if progress != nil {
			progress(rows)
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
	main, err := s.mainOf(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if _, err := s.authz.Require(ctx, security.PermAuditRead, main); err != nil {
		return nil, err
	}
	// Read the head first: events appended while we verify lie beyond it.
	var headSeq int64
	var headHash string
	err = s.store.InTx(ctx, func(ctx context.Context) error {
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
		events, err := s.store.ListAuditChain(ctx, main, seq, s.opts.ExportBatch)
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

// Catalogue returns the event catalogue (see View) for filter drop-downs.
// It requires PermAuditRead on the principal's account. Errors:
// Unauthenticated, Forbidden.
func (s *Service) Catalogue(ctx context.Context) (*CatalogueView, error) {
	p := security.PrincipalFrom(ctx)
	if p == nil {
		return nil, accountkit.Errorf(accountkit.Unauthenticated, "authentication required")
	}
	if !p.System {
		if _, err := s.authz.Require(ctx, security.PermAuditRead, p.AccountID); err != nil {
			return nil, err
		}
	}
	return View(), nil
}
