package seats

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/users"
)

// reportBatch is how many rows a report or a subtree walk reads per query.
const reportBatch = 500

// scope checks the principal holds PermSeatsManage in accountID (default:
// the principal's account) and returns it with its main account.
func (s *Service) scope(ctx context.Context, accountID string) (*account.Account, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if accountID == "" {
		accountID = p.AccountID
	}
	if _, err := s.authz.Require(ctx, security.PermSeatsManage, accountID); err != nil {
		return nil, err
	}
	return s.store.GetAccount(ctx, accountID)
}

// subtree returns the IDs of acc and every account below it.
func (s *Service) subtree(ctx context.Context, acc *account.Account) ([]string, error) {
	ids := []string{acc.ID}
	f := account.Filter{DescendantOf: &acc.ID, Limit: reportBatch}
	for {
		list, err := s.store.ListAccounts(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, a := range list {
			ids = append(ids, a.ID)
		}
		if len(list) < f.Limit {
			return ids, nil
		}
		f.AfterSlug = list[len(list)-1].Slug
	}
}

// Overview is the seat usage of a main account's tree, seen from one
// account of it.
type Overview struct {
	MainAccountID string
	// AccountID is the account the overview was asked for; Inactive
	// counts its subtree, the other figures the whole tree.
	AccountID string
	Purchased int
	Assigned  int
	// Remaining is Purchased - Assigned, never below 0.
	Remaining int
	// OverAllocated is Assigned - Purchased when purchased seats were
	// reduced below the assigned ones, else 0. No seat can be assigned
	// while it is above 0.
	OverAllocated int
	// Inactive counts the inactive users holding seats (see Inactive).
	Inactive int
	// UsagePercent is Assigned as a percentage of Purchased.
	UsagePercent float64
	// Warning tells that usage reached WarningPercent of the purchased
	// seats.
	Warning        bool
	WarningPercent int
}

// Overview returns the seat usage of the tree of accountID (default: the
// principal's account). It requires PermSeatsManage in that account.
// Errors: Unauthenticated, NotFound, Forbidden.
func (s *Service) Overview(ctx context.Context, accountID string) (_ *Overview, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	acc, err := s.scope(ctx, accountID)
	if err != nil {
		return nil, err
	}
	main := acc.MainID()
	o := &Overview{MainAccountID: main, AccountID: acc.ID}
	pool, err := s.store.GetSeatPool(ctx, main)
	switch accountkit.ErrorCode(err) {
	case "":
		// The pool's counter is exact (the store keeps it with every seat
		// it adds or removes): no count over the tree's seats, whose cost
		// grows with them (606 ms at 1 M seats on PostgreSQL).
		o.Purchased, o.Assigned = pool.Purchased, pool.Assigned
	case accountkit.NotFound:
		if o.Assigned, err = s.store.CountSeats(ctx, main, ""); err != nil {
			return nil, err
		}
	default:
		return nil, err
	}
	f := HolderFilter{MainAccountID: main, Inactive: s.criteria()}
	if !acc.IsMain() {
		if f.AccountIDs, err = s.subtree(ctx, acc); err != nil {
			return nil, err
		}
	}
	if o.Inactive, err = s.store.CountSeatHolders(ctx, f); err != nil {
		return nil, err
	}
	o.Remaining = max(0, o.Purchased-o.Assigned)
	o.OverAllocated = max(0, o.Assigned-o.Purchased)
	o.UsagePercent = Percent(o.Assigned, o.Purchased)
	o.Warning = Warns(o.Assigned, o.Purchased)
	o.WarningPercent = WarningPercent(o.Purchased)
	return o, nil
}

// AccountUsage is the seat usage of one account.
type AccountUsage struct {
	Account *account.Account
	// Assigned counts the seats of the account's own users.
	Assigned int
	// Limit is nil when the account has no limit.
	Limit *int
	// UsagePercent is Assigned as a percentage of the purchased seats
	// (the reference's "seat usage"); LimitPercent of the limit (nil
	// without a limit).
	UsagePercent float64
	LimitPercent *float64
	// Available is how many more seats the account can assign now: what
	// is left of its limit, but never more than the pool's remaining seats.
	Available int
	// Warning tells that the account's usage reached its limit's warning
	// threshold.
	Warning bool
}

// AccountsInput selects accounts for Accounts.
type AccountsInput struct {
	// AccountID is the top of the listed subtree (default: the principal's
	// account); it is listed too.
	AccountID string
	// Search keeps accounts whose name or slug contains it.
	Search string
	// Limited keeps accounts with (true) or without (false) a limit.
	Limited *bool
	Cursor  string
	Limit   int
}

// AccountsPage is one page of Accounts.
type AccountsPage struct {
	Purchased  int
	Accounts   []*AccountUsage
	NextCursor string
}

// usageData is what computing AccountUsage needs about the tree.
type usageData struct {
	purchased, total int
	counts           map[string]int
	limits           map[string]*Limit
}

func (s *Service) usageData(ctx context.Context, main string) (*usageData, error) {
	d := &usageData{limits: map[string]*Limit{}}
	pool, err := s.store.GetSeatPool(ctx, main)
	switch accountkit.ErrorCode(err) {
	case "":
		d.purchased = pool.Purchased
	case accountkit.NotFound:
	default:
		return nil, err
	}
	if d.counts, err = s.store.CountSeatsByAccount(ctx, main); err != nil {
		return nil, err
	}
	for _, n := range d.counts {
		d.total += n
	}
	limits, err := s.store.ListSeatLimits(ctx, main)
	if err != nil {
		return nil, err
	}
	for _, l := range limits {
		d.limits[l.AccountID] = l
	}
	return d, nil
}

func (d *usageData) usage(a *account.Account) *AccountUsage {
	u := &AccountUsage{Account: a, Assigned: d.counts[a.ID], UsagePercent: Percent(d.counts[a.ID], d.purchased)}
	left := max(0, d.purchased-d.total)
	u.Available = left
	if l := d.limits[a.ID]; l != nil {
		n := l.Limit
		pct := Percent(u.Assigned, n)
		u.Limit, u.LimitPercent = &n, &pct
		u.Available = min(left, max(0, n-u.Assigned))
		u.Warning = Warns(u.Assigned, n)
	}
	return u
}

// Accounts lists the accounts of a subtree (the account itself first among
// its slug order) with their seat usage, ordered by slug. It requires
// PermSeatsManage in AccountID. Errors: Unauthenticated, NotFound,
// Forbidden, Invalid.
func (s *Service) Accounts(ctx context.Context, in AccountsInput) (_ *AccountsPage, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	top, err := s.scope(ctx, in.AccountID)
	if err != nil {
		return nil, err
	}
	var v accountkit.Validation
	limit, cur := v.Page(accountkit.PageRequest{Limit: in.Limit, Cursor: in.Cursor})
	search := v.Search("q", in.Search)
	after := ""
	if cur != nil {
		if account.ValidateSlug(cur.Key) != "" {
			v.BadCursor()
		}
		after = cur.Key
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	d, err := s.usageData(ctx, top.MainID())
	if err != nil {
		return nil, err
	}
	keep := func(a *account.Account) bool {
		if search != "" && !strings.Contains(a.SearchText(), search) {
			return false
		}
		if in.Limited != nil && (d.limits[a.ID] != nil) != *in.Limited {
			return false
		}
		return true
	}
	// Walk the subtree in slug order, merging the top account in, until a
	// page and one more account are found.
	page := &AccountsPage{Purchased: d.purchased}
	var out []*account.Account
	topPending := top.Slug > after && keep(top)
	f := account.Filter{DescendantOf: &top.ID, Search: search, AfterSlug: after, Limit: reportBatch}
	for len(out) <= limit {
		list, err := s.store.ListAccounts(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, a := range list {
			if topPending && top.Slug < a.Slug {
				out, topPending = append(out, top), false
			}
			if keep(a) {
				out = append(out, a)
			}
		}
		if len(list) < f.Limit {
			break
		}
		f.AfterSlug = list[len(list)-1].Slug
	}
	if topPending {
		out = append(out, top)
		slices.SortFunc(out, func(a, b *account.Account) int { return strings.Compare(a.Slug, b.Slug) })
	}
	out, page.NextCursor = accountkit.NextPage(out, limit, func(a *account.Account) accountkit.Cursor {
		return accountkit.Cursor{Key: a.Slug, ID: a.ID}
	})
	for _, a := range out {
		page.Accounts = append(page.Accounts, d.usage(a))
	}
	return page, nil
}

// HoldersInput selects seat holders; see Holders and Inactive.
type HoldersInput struct {
	// AccountID is the account whose holders are listed (default: the
	// principal's account).
	AccountID string
	// IncludeSubaccounts lists the holders of its whole subtree.
	IncludeSubaccounts bool
	// Account, with IncludeSubaccounts, keeps one account of the subtree.
	Account string
	Search  string
	// Role keeps holders holding the role, directly or through a team.
	Role string
	// LastLoginFrom (inclusive) and LastLoginTo (exclusive) bound the last
	// sign-in; AssignedFrom and AssignedTo when the seat was assigned.
	LastLoginFrom, LastLoginTo *time.Time
	AssignedFrom, AssignedTo   *time.Time
	Cursor                     string
	Limit                      int
}

// HolderView is a seat holder with, for Inactive, why they count as
// inactive: "disabled", "no_recent_login" or "no_seat_role".
type HolderView struct {
	*Holder
	Reasons []string
}

// HoldersPage is one page of holders.
type HoldersPage struct {
	Holders    []*HolderView
	NextCursor string
}

// Holders lists the users holding seats in an account (name, username,
// last sign-in, roles, when the seat was assigned), ordered by username.
// It requires PermSeatsManage in AccountID. Errors: Unauthenticated,
// NotFound, Forbidden, Invalid.
func (s *Service) Holders(ctx context.Context, in HoldersInput) (_ *HoldersPage, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	return s.holders(ctx, in, false)
}

// Inactive lists the inactive users holding seats in the subtree of
// AccountID (default: the principal's account; IncludeSubaccounts is
// implied): disabled users, users without a sign-in for more than
// Options.InactiveAfter (three months by default; last activity counts
// activation or creation for users who never signed in) and users holding
// none of Options.SeatRoles. Filters: account, role, search, last sign-in
// and seat assignment ranges. It requires PermSeatsManage. Errors:
// Unauthenticated, NotFound, Forbidden, Invalid.
func (s *Service) Inactive(ctx context.Context, in HoldersInput) (_ *HoldersPage, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	in.IncludeSubaccounts = true
	return s.holders(ctx, in, true)
}

func (s *Service) holders(ctx context.Context, in HoldersInput, inactive bool) (*HoldersPage, error) {
	acc, err := s.scope(ctx, in.AccountID)
	if err != nil {
		return nil, err
	}
	f, err := s.holderFilter(ctx, acc, in)
	if err != nil {
		return nil, err
	}
	if inactive {
		f.Inactive = s.criteria()
	}
	limit := f.Limit
	f.Limit++
	list, err := s.store.ListSeatHolders(ctx, f)
	if err != nil {
		return nil, err
	}
	page := &HoldersPage{}
	list, page.NextCursor = accountkit.NextPage(list, limit, func(h *Holder) accountkit.Cursor {
		return accountkit.Cursor{Key: h.User.Username, ID: h.User.ID}
	})
	cutoff := s.inactiveCutoff()
	for _, h := range list {
		page.Holders = append(page.Holders, &HolderView{Holder: h, Reasons: s.reasons(h, cutoff)})
	}
	return page, nil
}

// reasons says why h counts as inactive, empty when it does not. Roles
// held through teams count as the user's own.
func (s *Service) reasons(h *Holder, cutoff time.Time) []string {
	u, roles := h.User, h.Roles()
	var out []string
	if u.Status == users.StatusDisabled {
		out = append(out, "disabled")
	}
	if u.LastActivity().Before(cutoff) {
		out = append(out, "no_recent_login")
	}
	eligible := len(roles) > 0
	if len(s.opts.SeatRoles) > 0 {
		eligible = slices.ContainsFunc(roles, func(r string) bool { return slices.Contains(s.opts.SeatRoles, r) })
	}
	if !eligible {
		out = append(out, "no_seat_role")
	}
	return out
}

func (s *Service) holderFilter(ctx context.Context, acc *account.Account, in HoldersInput) (HolderFilter, error) {
	var v accountkit.Validation
	limit, after := v.Page(accountkit.PageRequest{Limit: in.Limit, Cursor: in.Cursor})
	f := HolderFilter{MainAccountID: acc.MainID(), Limit: limit, Search: v.Search("q", in.Search),
		LastLoginFrom: in.LastLoginFrom, LastLoginTo: in.LastLoginTo, AssignedFrom: in.AssignedFrom, AssignedTo: in.AssignedTo}
	if in.Role != "" {
		v.Filter("role", in.Role)
		f.Role = &in.Role
	}
	checkRange(&v, "last_login", in.LastLoginFrom, in.LastLoginTo)
	checkRange(&v, "assigned", in.AssignedFrom, in.AssignedTo)
	if after != nil {
		if after.Key == "" {
			v.BadCursor()
		}
		f.AfterUsername, f.AfterID = after.Key, after.ID
	}
	if in.Account != "" && !in.IncludeSubaccounts {
		v.Add("account", "needs include_subaccounts")
	}
	if err := v.Err(); err != nil {
		return HolderFilter{}, err
	}
	switch {
	case !in.IncludeSubaccounts:
		f.AccountIDs = []string{acc.ID}
	case in.Account != "":
		if in.Account != acc.ID {
			if err := s.below(ctx, in.Account, acc.ID); err != nil {
				return HolderFilter{}, err
			}
		}
		f.AccountIDs = []string{in.Account}
	case !acc.IsMain():
		ids, err := s.subtree(ctx, acc)
		if err != nil {
			return HolderFilter{}, err
		}
		f.AccountIDs = ids
	}
	return f, nil
}

// below checks that accountID lies below topID; NotFound otherwise.
func (s *Service) below(ctx context.Context, accountID, topID string) error {
	notFound := accountkit.Errorf(accountkit.NotFound, "account not found")
	if !accountkit.ValidID(accountID) {
		return notFound
	}
	path, err := s.store.AccountAncestry(ctx, accountID)
	if accountkit.ErrorCode(err) == accountkit.NotFound {
		return notFound
	}
	if err != nil {
		return err
	}
	if !slices.Contains(path, topID) {
		return notFound
	}
	return nil
}

func checkRange(v *accountkit.Validation, name string, from, to *time.Time) {
	prefix := ""
	if name != "" {
		prefix = name + "_"
	}
	if !v.Time(prefix+"from", from) || !v.Time(prefix+"to", to) {
		return
	}
	if from != nil && to != nil && !from.Before(*to) {
		if name == "" {
			v.Add("to", "must be after from")
		} else {
			v.Add(name+"_to", "must be after "+name+"_from")
		}
	}
}

// Member is a user of an account with their seat, if any: the rows of the
// "assign seats" panel.
type Member struct {
	User *users.User
	// Seat is nil when the user holds none.
	Seat *Seat
}

// MembersPage is one page of Members.
type MembersPage struct {
	Members    []*Member
	NextCursor string
}

// Members lists the users of one account, ordered by username, each with
// their seat or nil, for assigning and unassigning seats with a toggle.
// Search matches names, username and email. It requires PermSeatsManage in
// the account. Errors: Unauthenticated, NotFound, Forbidden, Invalid.
func (s *Service) Members(ctx context.Context, accountID, search, cursor string, limit int) (_ *MembersPage, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	acc, err := s.scope(ctx, accountID)
	if err != nil {
		return nil, err
	}
	list, next, err := users.AccountPage(ctx, s.store, acc.ID, search, accountkit.PageRequest{Limit: limit, Cursor: cursor})
	if err != nil {
		return nil, err
	}
	page := &MembersPage{NextCursor: next}
	if len(list) == 0 {
		return page, nil
	}
	ids := make([]string, len(list))
	for i, u := range list {
		ids[i] = u.ID
	}
	holders, err := s.store.ListSeatHolders(ctx, HolderFilter{MainAccountID: acc.MainID(), UserIDs: ids, Limit: len(ids)})
	if err != nil {
		return nil, err
	}
	seatOf := map[string]*Seat{}
	for _, h := range holders {
		seatOf[h.Seat.UserID] = h.Seat
	}
	for _, u := range list {
		page.Members = append(page.Members, &Member{User: u, Seat: seatOf[u.ID]})
	}
	return page, nil
}

// LogInput selects seat log entries; see Log.
type LogInput struct {
	// AccountID is the top of the subtree whose entries are listed
	// (default: the principal's account).
	AccountID string
	// Account keeps the entries of one account of the subtree.
	Account string
	// From (inclusive) and To (exclusive) bound the time.
	From, To *time.Time
	Event    string
	Status   string
	// UserID keeps the entries about one impacted user.
	UserID string
	// Search looks in the description, usernames and error.
	Search string
	Cursor string
	Limit  int
}

// LogPage is one page of the seat log.
type LogPage struct {
	Entries    []*LogEntry
	NextCursor string
}

// Log returns the seat log of a subtree, newest first: every assignment,
// removal, bulk removal, limit and purchased-seat change, failed attempts
// too. It requires PermSeatsManage. Errors: Unauthenticated, NotFound,
// Forbidden, Invalid.
func (s *Service) Log(ctx context.Context, in LogInput) (_ *LogPage, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	acc, err := s.scope(ctx, in.AccountID)
	if err != nil {
		return nil, err
	}
	var v accountkit.Validation
	limit, after := v.Page(accountkit.PageRequest{Limit: in.Limit, Cursor: in.Cursor})
	f := LogFilter{MainAccountID: acc.MainID(), From: in.From, To: in.To, Limit: limit + 1, Search: v.Search("q", in.Search)}
	checkRange(&v, "", in.From, in.To)
	if in.Event != "" {
		ev := Event(in.Event)
		if !ValidEvent(ev) {
			v.Add("event", "unknown event")
		}
		f.Event = &ev
	}
	if in.Status != "" {
		st := Status(in.Status)
		if st != StatusSuccess && st != StatusFailure {
			v.Add("status", "must be success or failure")
		}
		f.Status = &st
	}
	if in.UserID != "" {
		if !accountkit.ValidID(in.UserID) {
			v.Add("user_id", "must be a user ID")
		}
		f.UserID = &in.UserID
	}
	if after != nil {
		us, ok := accountkit.ParseTimeKey(after.Key)
		if !ok {
			v.BadCursor()
		}
		f.Before = &LogCursor{Time: time.UnixMicro(us).UTC(), ID: after.ID}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	switch {
	case in.Account != "":
		if in.Account != acc.ID {
			if err := s.below(ctx, in.Account, acc.ID); err != nil {
				return nil, err
			}
		}
		f.AccountIDs = []string{in.Account}
	case !acc.IsMain():
		if f.AccountIDs, err = s.subtree(ctx, acc); err != nil {
			return nil, err
		}
	}
	list, err := s.store.ListSeatLog(ctx, f)
	if err != nil {
		return nil, err
	}
	page := &LogPage{}
	page.Entries, page.NextCursor = accountkit.NextPage(list, limit, func(e *LogEntry) accountkit.Cursor {
		return accountkit.Cursor{Key: accountkit.TimeKey(e.Time.UnixMicro()), ID: e.ID}
	})
	return page, nil
}

var reportHeader = []string{"account_id", "account_name", "account_slug", "parent_id", "limit", "assigned", "available", "usage_percent", "limit_percent"}

// Report writes the current seat state of every account of the subtree of
// accountID (default: the principal's account) to w as CSV, one row per
// account in slug order: allocated (the limit, empty when none), used
// (assigned) and available seats and the usage percentages. Accounts are
// read in batches, so memory stays constant; cells are defused against
// formula injection. It requires PermSeatsManage and is audited ("Report
// downloaded." / "Report download failed.").
func (s *Service) Report(ctx context.Context, accountID string, w io.Writer) (err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	p, err := principal(ctx)
	if err != nil {
		return err
	}
	if accountID == "" {
		accountID = p.AccountID
	}
	entry := audit.Entry{AccountID: accountID, Item: audit.ItemReport, Action: audit.ActionDownload,
		Description: "Report downloaded.", FailureDescription: "Report download failed.", TargetType: "report", TargetName: "seats.csv"}
	top, err := s.scope(ctx, accountID)
	n := 0
	if err == nil {
		n, err = s.writeReport(ctx, top, false, w, nil)
	}
	entry.Details = map[string]string{"rows": strconv.Itoa(n)}
	if err != nil {
		s.audit.RecordFailure(ctx, entry, err)
		return err
	}
	return s.audit.Record(ctx, entry)
}

// reportRowJSON is one account of the report in JSON: the CSV's columns
// with their types (limit and limit_percent are null without a limit).
type reportRowJSON struct {
	AccountID    string   `json:"account_id"`
	AccountName  string   `json:"account_name"`
	AccountSlug  string   `json:"account_slug"`
	ParentID     string   `json:"parent_id"`
	Limit        *int     `json:"limit"`
	Assigned     int      `json:"assigned"`
	Available    int      `json:"available"`
	UsagePercent float64  `json:"usage_percent"`
	LimitPercent *float64 `json:"limit_percent"`
}

// writeReport writes the report of top's subtree to w, as CSV or (asJSON)
// a JSON array; progress, when not nil, is told the rows written after
// each batch.
func (s *Service) writeReport(ctx context.Context, top *account.Account, asJSON bool, w io.Writer, progress func(rows int)) (int, error) {
	d, err := s.usageData(ctx, top.MainID())
	if err != nil {
		return 0, err
	}
	cw := csv.NewWriter(w)
	enc := json.NewEncoder(w)
	if asJSON {
		if _, err := io.WriteString(w, "["); err != nil {
			return 0, err
		}
	} else if err := cw.Write(reportHeader); err != nil {
		return 0, err
	}
	rows := 0
	write := func(a *account.Account) error {
		u := d.usage(a)
		if asJSON {
			if rows > 0 {
				if _, err := io.WriteString(w, ","); err != nil {
					return err
				}
			}
			rows++
			return enc.Encode(reportRowJSON{AccountID: a.ID, AccountName: a.Name, AccountSlug: a.Slug, ParentID: a.ParentID,
				Limit: u.Limit, Assigned: u.Assigned, Available: u.Available, UsagePercent: u.UsagePercent, LimitPercent: u.LimitPercent})
		}
		rec := []string{a.ID, a.Name, a.Slug, a.ParentID, "", strconv.Itoa(u.Assigned), strconv.Itoa(u.Available),
			strconv.FormatFloat(u.UsagePercent, 'f', 1, 64), ""}
		if u.Limit != nil {
			rec[4], rec[8] = strconv.Itoa(*u.Limit), strconv.FormatFloat(*u.LimitPercent, 'f', 1, 64)
		}
		for i := range rec {
			rec[i] = audit.SafeCSVCell(rec[i])
		}
		rows++
		return cw.Write(rec)
	}
	topDone := false
	f := account.Filter{DescendantOf: &top.ID, Limit: reportBatch}
	for {
		list, err := s.store.ListAccounts(ctx, f)
		if err != nil {
			return rows, err
		}
		for _, a := range list {
			if !topDone && top.Slug < a.Slug {
				if err := write(top); err != nil {
					return rows, err
				}
				topDone = true
			}
			if err := write(a); err != nil {
				return rows, err
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return rows, err
		}
		if progress != nil {
			progress(rows)
		}
		if len(list) < f.Limit {
			break
		}
		f.AfterSlug = list[len(list)-1].Slug
	}
	if !topDone {
		if err := write(top); err != nil {
			return rows, err
		}
	}
	if asJSON {
		_, err := io.WriteString(w, "]\n")
		return rows, err
	}
	cw.Flush()
	return rows, cw.Error()
}
