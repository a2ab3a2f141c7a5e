package audit

import (
	"context"
	"crypto/ed25519"
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
	// ExportBatch is how many events an export writes between two
	// flushes and progress reports, and how many a chain verification
	// reads per query (500). Exports read their events through one
	// cursor where the store can (Store.StreamAuditEvents).
	ExportBatch int
	// CheckpointKey signs the checkpoints the retention purge leaves in
	// place of the events it deletes (see PurgeRetention and
	// docs/audit-retention.md). Without it no event is ever deleted: the
	// purge refuses and says why. Its public key is trusted by Verify.
	CheckpointKey ed25519.PrivateKey
	// TrustedCheckpointKeys are further public keys whose checkpoints
	// Verify accepts: those of earlier CheckpointKeys, after a rotation.
	// A checkpoint names its key by ID (KeyID).
	TrustedCheckpointKeys []ed25519.PublicKey
	// RetentionBatch is how many events one purge transaction deletes at
	// most (1000); each batch leaves one checkpoint and one audit event.
	RetentionBatch int
}

// Service reads, exports and verifies the audit log. Every method requires
// security.PermAuditRead in the account it reads.
type Service struct {
	store    Store
	authz    *security.Authorizer
	recorder *Recorder
	rt       accountkit.Runtime
	opts     Options
	keys     *keyring
}

// NewService returns an audit Service. It fails when deps lack the Store
// or the Runtime's Events, or when a checkpoint key is not an Ed25519 key.
func NewService(deps Deps, opts Options) (*Service, error) {
	rec, err := NewRecorder(deps.Store, deps.Runtime)
	if err != nil {
		return nil, err
	}
	if opts.ExportBatch <= 0 {
		opts.ExportBatch = exportBatch
	}
	if opts.RetentionBatch <= 0 {
		opts.RetentionBatch = retentionBatch
	}
	keys, err := newKeyring(opts.CheckpointKey, opts.TrustedCheckpointKeys)
	if err != nil {
		return nil, err
	}
	return &Service{store: deps.Store, authz: security.NewAuthorizer(deps.Store), recorder: rec, rt: rec.rt, opts: opts, keys: keys}, nil
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
func (s *Service) List(ctx context.Context, q Query) (_ *Page, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
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
// CSV, newest first, as the store streams them, so memory stays constant.
// Times are written in q.TimeZone. Cells that a spreadsheet would run as a
// formula are prefixed with a single quote. The export itself is recorded
// ("Logs export to file completed/failed"). Errors: as List, plus write
// errors from w.
func (s *Service) Export(ctx context.Context, q Query, w io.Writer) (err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
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
	f.Brief = true // the CSV has no details or chain fields
	rows := 0
	rec := make([]string, len(csvHeader))
	var tbuf []byte
	flush := func() error {
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		if progress != nil {
			progress(rows)
		}
		return nil
	}
	err := s.store.StreamAuditEvents(ctx, f, func(e *Event) error {
		tbuf = e.Time.In(loc).AppendFormat(tbuf[:0], time.RFC3339Nano)
		rec[0] = string(tbuf)
		rec[1], rec[2], rec[3] = e.AccountID, e.ActorID, e.ActorName
		rec[4], rec[5], rec[6], rec[7] = string(e.Item), string(e.Action), string(e.Status), e.Description
		rec[8], rec[9], rec[10], rec[11], rec[12] = e.TargetType, e.TargetID, e.TargetName, e.IP, e.UserAgent
		for i := range rec {
			rec[i] = SafeCSVCell(rec[i])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
		rows++
		if rows%s.opts.ExportBatch == 0 {
			return flush()
		}
		return nil
	})
	if err != nil {
		return rows, err
	}
	return rows, flush()
}

// SafeCSVCell defuses CSV formula injection: a cell starting with =, +, -,
// @, tab or carriage return is prefixed with a single quote.
func SafeCSVCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// Catalogue returns the event catalogue (see View) for filter drop-downs.
// It requires PermAuditRead on the principal's account. Errors:
// Unauthenticated, Forbidden.
func (s *Service) Catalogue(ctx context.Context) (_ *CatalogueView, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
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
