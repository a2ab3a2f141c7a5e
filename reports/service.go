package reports

import (
	"context"
	"errors"
	"io"
	"strconv"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/apikeys"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/seats"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/users"
)

// Defaults of Options.
const (
	DefaultExpiry = 7 * 24 * time.Hour
	DefaultStale  = 15 * time.Minute
	defaultBatch  = 10
	purgeBatch    = 100
)

// Options configures a Service. Zero fields take defaults.
type Options struct {
	// Blobs keeps the reports' content (default: StoreBlobs on the Store,
	// in chunks of DefaultChunkSize).
	Blobs BlobStore
	// Expiry is how long a done report can be downloaded (default 7
	// days); then it answers NotFound and the purge deletes its content.
	Expiry time.Duration
	// Stale is how long a running report may go without progress before
	// another runner claims it again (its runner is taken for dead;
	// default 15 min). Progress is saved after each batch of rows.
	Stale time.Duration
	// Batch is how many reports one pass of RunPending runs at most
	// (default 10).
	Batch int
}

// Deps is what the service needs from the installation.
type Deps struct {
	accountkit.Runtime
	Store Store
	// Users, Seats and Audit write the reports of their kind; APIKeys
	// rebuilds the principal of a report requested with an API key.
	Users   *users.Service
	Seats   *seats.Service
	Audit   *audit.Service
	APIKeys *apikeys.Service
}

// Service requests, runs, lists, serves and deletes reports. All the
// rules about reports live here.
//
// A report runs as its requester: the requester's identity (user, API
// key or the system) is stored with the report, and the job rebuilds the
// requester's principal from the store when it runs — current status and
// permissions, as a new sign-in or API request would get — and runs the
// kind's export writer with it. So the report holds what the requester
// may see when it runs; a requester who was disabled, deleted or lost the
// permission in between gets a failed report, not data.
type Service struct {
	store   Store
	users   *users.Service
	seats   *seats.Service
	audit   *audit.Service
	apikeys *apikeys.Service
	rec     *audit.Recorder
	authz   *security.Authorizer
	rt      accountkit.Runtime
	opts    Options
}

// NewService returns a reports Service. It fails when deps lack the
// Store, Users, Seats, Audit or the Runtime's Events.
func NewService(deps Deps, opts Options) (*Service, error) {
	if deps.Store == nil || deps.Users == nil || deps.Seats == nil || deps.Audit == nil {
		return nil, errors.New("reports: Deps.Store, Users, Seats and Audit are required")
	}
	rec, err := audit.NewRecorder(deps.Store, deps.Runtime)
	if err != nil {
		return nil, err
	}
	rt, _ := deps.Runtime.WithDefaults()
	if opts.Blobs == nil {
		opts.Blobs = StoreBlobs(deps.Store, 0)
	}
	if opts.Expiry <= 0 {
		opts.Expiry = DefaultExpiry
	}
	if opts.Stale <= 0 {
		opts.Stale = DefaultStale
	}
	if opts.Batch <= 0 {
		opts.Batch = defaultBatch
	}
	return &Service{store: deps.Store, users: deps.Users, seats: deps.Seats, audit: deps.Audit, apikeys: deps.APIKeys,
		rec: rec, authz: security.NewAuthorizer(deps.Store), rt: rt, opts: opts}, nil
}

// Now returns the service's clock time.
func (s *Service) Now() time.Time { return s.rt.Now() }

func principal(ctx context.Context) (*security.Principal, error) {
	p := security.PrincipalFrom(ctx)
	if p == nil {
		return nil, accountkit.Errorf(accountkit.Unauthenticated, "authentication required")
	}
	return p, nil
}

func entry(accountID string, action audit.Action, r *Report) audit.Entry {
	e := audit.Entry{AccountID: accountID, Item: audit.ItemReport, Action: action, TargetType: "report"}
	switch action {
	case audit.ActionRequest:
		e.Description, e.FailureDescription = "Report requested.", "Report request failed."
	case audit.ActionCreate:
		e.Description, e.FailureDescription = "Report generated (name/type).", "Report generation failed (name/type)."
	case audit.ActionDownload:
		e.Description, e.FailureDescription = "Report downloaded.", "Report download failed."
	case audit.ActionDelete:
		e.Description, e.FailureDescription = "Report deleted.", "Report deletion failed."
	}
	if r != nil {
		e.TargetID, e.TargetName = r.ID, string(r.Kind)+"."+string(r.Format)
	}
	return e
}

// Request records a request for a report of kind in format with the
// filters params, for accountID (default: the principal's account), and
// returns it pending; a background job (RunPending) writes it. The
// principal must hold the permission the kind's export needs in
// accountID: users.read or users.manage for users, seats.manage for
// seats, audit.read for audit; params are validated as the streaming
// export validates them. A relative audit range (range=today, ...) is
// fixed to its bounds now. Audited ("Report requested." / "Report request
// failed."). Errors: Unauthenticated, NotFound (an account outside the
// principal's tree), Forbidden, Invalid naming the field.
func (s *Service) Request(ctx context.Context, accountID string, kind Kind, format Format, params Params) (*Report, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if accountID == "" {
		accountID = p.AccountID
	}
	e := entry(accountID, audit.ActionRequest, nil)
	e.TargetName = string(kind) + "." + string(format)
	r, err := s.newReport(ctx, p, accountID, kind, format, params)
	if err != nil {
		s.rec.RecordFailure(ctx, e, err)
		return nil, err
	}
	e = entry(accountID, audit.ActionRequest, r)
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateReport(ctx, r); err != nil {
			return err
		}
		return s.rec.Record(ctx, e)
	})
	if err != nil {
		s.rec.RecordFailure(ctx, e, err)
		return nil, err
	}
	return r, nil
}

// newReport validates a request and returns the report to store.
func (s *Service) newReport(ctx context.Context, p *security.Principal, accountID string, kind Kind, format Format, params Params) (*Report, error) {
	var v accountkit.Validation
	switch kind {
	case KindUsers, KindSeats, KindAudit:
	default:
		v.Add("kind", "must be users, seats or audit")
	}
	if format != FormatCSV && format != FormatJSON {
		v.Add("format", "must be csv or json")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := checkParams(kind, params); err != nil {
		return nil, err
	}
	if !p.System && p.UserID == "" && p.APIKeyID == "" {
		return nil, accountkit.Errorf(accountkit.Forbidden, "reports are requested by a user, an API key or the system")
	}
	if kind == KindAudit && params.Range != "" && audit.Range(params.Range) != audit.RangeCustom {
		if params.From != nil || params.To != nil {
			return nil, accountkit.InvalidField("range", "from and to go with range=custom only")
		}
		loc := time.UTC
		if params.TimeZone != "" {
			var err error
			if loc, err = time.LoadLocation(params.TimeZone); err != nil {
				return nil, accountkit.InvalidField("tz", "unknown time zone")
			}
		}
		from, to, err := audit.Range(params.Range).Bounds(s.rt.Now(), loc)
		if err != nil {
			return nil, err
		}
		params.Range, params.From, params.To = string(audit.RangeCustom), &from, to
	}
	now := s.rt.Now()
	r := &Report{ID: s.rt.IDs.NewID(), AccountID: accountID, Kind: kind, Format: format, Params: params, Status: StatusPending,
		Requester: Requester{UserID: p.UserID, APIKeyID: p.APIKeyID, Name: p.ActorName()}, CreatedAt: now, UpdatedAt: now}
	if _, err := s.writer(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

// checkParams refuses the filters kind does not take.
func checkParams(kind Kind, p Params) error {
	var v accountkit.Validation
	refuse := func(field string, set bool) {
		if set {
			v.Add(field, "not a filter of "+string(kind)+" reports")
		}
	}
	auditOnly := func() {
		refuse("range", p.Range != "")
		refuse("from", p.From != nil)
		refuse("to", p.To != nil)
		refuse("tz", p.TimeZone != "")
		refuse("actor_id", p.ActorID != "")
		refuse("username", p.Username != "")
		refuse("item", p.Item != "")
		refuse("action", p.Action != "")
	}
	switch kind {
	case KindUsers:
		auditOnly()
	case KindSeats:
		auditOnly()
		refuse("include_subaccounts", p.IncludeSubaccounts)
		refuse("status", p.Status != "")
		refuse("q", p.Search != "")
		refuse("role", p.Role != "")
		refuse("team_id", p.TeamID != "")
		refuse("locked", p.Locked != nil)
		refuse("sort", p.Sort != "")
	case KindAudit:
		refuse("role", p.Role != "")
		refuse("team_id", p.TeamID != "")
		refuse("locked", p.Locked != nil)
		refuse("sort", p.Sort != "")
	}
	return v.Err()
}

// writer checks, as the principal in ctx, that r's export may run and
// returns its writer.
func (s *Service) writer(ctx context.Context, r *Report) (users.ExportFunc, error) {
	p := r.Params
	switch r.Kind {
	case KindUsers:
		return s.users.ExportWriter(ctx, users.ListInput{AccountID: r.AccountID, IncludeSubaccounts: p.IncludeSubaccounts,
			Status: p.Status, Role: p.Role, Team: p.TeamID, Search: p.Search, Locked: p.Locked, Sort: p.Sort}, users.ExportFormat(r.Format))
	case KindSeats:
		return s.seats.ReportWriter(ctx, r.AccountID, string(r.Format))
	case KindAudit:
		w, err := s.audit.ExportWriter(ctx, audit.Query{AccountID: r.AccountID, IncludeSubaccounts: p.IncludeSubaccounts,
			Range: audit.Range(p.Range), From: p.From, To: p.To, TimeZone: p.TimeZone, ActorID: p.ActorID, Username: p.Username,
			Item: p.Item, Action: p.Action, Status: p.Status, Search: p.Search}, string(r.Format))
		if err != nil {
			return nil, err
		}
		return users.ExportFunc(w), nil
	}
	return nil, accountkit.InvalidField("kind", "must be users, seats or audit")
}

// permission is the permission that shows reports of kind to p.
func permission(p *security.Principal, kind Kind) security.Permission {
	switch kind {
	case KindUsers:
		if p.Permissions.Has(security.PermUsersManage) {
			return security.PermUsersManage
		}
		return security.PermUsersRead
	case KindSeats:
		return security.PermSeatsManage
	}
	return security.PermAuditRead
}

// get returns the report with id if the principal may see it: it lies in
// the principal's tree and the principal holds the permission of its
// kind there. Errors: Unauthenticated, NotFound, Forbidden.
func (s *Service) get(ctx context.Context, id string) (*Report, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if !accountkit.ValidID(id) {
		return nil, errNotFound
	}
	r, err := s.store.GetReport(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := s.authz.Require(ctx, permission(p, r.Kind), r.AccountID); err != nil {
		return nil, err
	}
	return r, nil
}

// Get returns a report. The principal needs the permission of its kind
// in its account. Errors: Unauthenticated, NotFound (also for a report
// of another tenant), Forbidden.
func (s *Service) Get(ctx context.Context, id string) (*Report, error) { return s.get(ctx, id) }

// ListInput selects reports.
type ListInput struct {
	// AccountID defaults to the principal's account.
	AccountID string
	Cursor    string
	Limit     int
}

// Page is one page of reports and the cursor of the next ("" at the end).
type Page struct {
	Reports    []*Report
	NextCursor string
}

// List returns the account's reports, newest first, of the kinds the
// principal may see there (see Get); a principal who may see none is
// refused. Errors: Unauthenticated, NotFound, Forbidden, Invalid (cursor,
// limit).
func (s *Service) List(ctx context.Context, in ListInput) (*Page, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if in.AccountID == "" {
		in.AccountID = p.AccountID
	}
	var kinds []Kind
	var refused error
	for _, k := range []Kind{KindUsers, KindSeats, KindAudit} {
		if _, err := s.authz.Require(ctx, permission(p, k), in.AccountID); err != nil {
			if accountkit.ErrorCode(err) != accountkit.Forbidden {
				return nil, err
			}
			refused = err
			continue
		}
		kinds = append(kinds, k)
	}
	if len(kinds) == 0 {
		return nil, refused
	}
	var v accountkit.Validation
	limit, after := v.Page(accountkit.PageRequest{Limit: in.Limit, Cursor: in.Cursor})
	f := Filter{AccountID: in.AccountID, Kinds: kinds, Limit: limit + 1}
	if after != nil {
		us, ok := accountkit.ParseTimeKey(after.Key)
		if !ok {
			v.BadCursor()
		}
		f.Before = &Cursor{CreatedAt: time.UnixMicro(us).UTC(), ID: after.ID}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	list, err := s.store.ListReports(ctx, f)
	if err != nil {
		return nil, err
	}
	page := &Page{}
	page.Reports, page.NextCursor = accountkit.NextPage(list, limit, func(r *Report) accountkit.Cursor {
		return accountkit.Cursor{Key: accountkit.TimeKey(r.CreatedAt.UnixMicro()), ID: r.ID}
	})
	return page, nil
}

// Open returns a done report and a reader of its content, to stream to
// the client. Audited ("Report downloaded." / "Report download failed.")
// when opened. Errors: as Get; NotFound also for an expired report (its
// content is gone or about to be; the report itself, from Get, shows
// status expired); Conflict for a report not done yet (pending, running)
// or failed.
func (s *Service) Open(ctx context.Context, id string) (*Report, io.ReadCloser, error) {
	r, err := s.get(ctx, id)
	if err != nil {
		if r == nil && accountkit.ErrorCode(err) != accountkit.NotFound {
			s.rec.RecordFailure(ctx, entry(s.principalAccount(ctx), audit.ActionDownload, nil), err)
		}
		return nil, nil, err
	}
	e := entry(r.AccountID, audit.ActionDownload, r)
	switch st := r.State(s.rt.Now()); st {
	case StatusDone:
	case StatusExpired:
		err = accountkit.Errorf(accountkit.NotFound, "report expired")
	default:
		err = accountkit.Errorf(accountkit.Conflict, "report is %s, not done", st)
	}
	var rc io.ReadCloser
	if err == nil {
		rc, err = s.opts.Blobs.Open(ctx, r.BlobKey)
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			err = accountkit.Errorf(accountkit.NotFound, "report content not found")
		}
	}
	if err == nil {
		e.Details = map[string]string{"rows": strconv.FormatInt(r.Rows, 10), "size": strconv.FormatInt(r.Size, 10)}
		if err = s.rec.Record(ctx, e); err != nil {
			rc.Close()
		}
	}
	if err != nil {
		s.rec.RecordFailure(ctx, e, err)
		return nil, nil, err
	}
	return r, rc, nil
}

func (s *Service) principalAccount(ctx context.Context) string {
	if p := security.PrincipalFrom(ctx); p != nil {
		return p.AccountID
	}
	return ""
}

// Delete deletes a report and its content; a running report's job finds
// it gone and discards what it wrote. Audited ("Report deleted." /
// "Report deletion failed."). Errors: as Get.
func (s *Service) Delete(ctx context.Context, id string) error {
	r, err := s.get(ctx, id)
	if err != nil {
		if r == nil && accountkit.ErrorCode(err) != accountkit.NotFound {
			s.rec.RecordFailure(ctx, entry(s.principalAccount(ctx), audit.ActionDelete, nil), err)
		}
		return err
	}
	e := entry(r.AccountID, audit.ActionDelete, r)
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.DeleteReport(ctx, id); err != nil {
			return err
		}
		return s.rec.Record(ctx, e)
	})
	if err != nil {
		s.rec.RecordFailure(ctx, e, err)
		return err
	}
	if r.BlobKey != "" {
		if err := s.opts.Blobs.Delete(context.WithoutCancel(ctx), r.BlobKey); err != nil {
			s.rt.Logger.ErrorContext(ctx, "reports: deleting a deleted report's content failed", "report", r.ID, "err", err)
		}
	}
	return nil
}

var errNotFound = accountkit.Errorf(accountkit.NotFound, "report not found")
