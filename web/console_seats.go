package web

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/seats"
	"github.com/accountkit/accountkit/security"
)

// The console's Seats page: the overview cards with the seats service's
// usage warning, the accounts of the tree with their limits and seat
// holders, the "Assign seat" panel, the inactive seat holders with bulk
// removal, the seat log and the report. Every figure and rule comes from
// seats.Service; the page only shows and forwards.

// Seats is what the console's Seats page does. *seats.Service implements
// it.
type Seats interface {
	Overview(ctx context.Context, accountID string) (*seats.Overview, error)
	Accounts(ctx context.Context, in seats.AccountsInput) (*seats.AccountsPage, error)
	Holders(ctx context.Context, in seats.HoldersInput) (*seats.HoldersPage, error)
	Inactive(ctx context.Context, in seats.HoldersInput) (*seats.HoldersPage, error)
	Members(ctx context.Context, accountID, search, cursor string, limit int) (*seats.MembersPage, error)
	Assign(ctx context.Context, userID string) (*seats.Seat, error)
	Unassign(ctx context.Context, userID string) error
	BulkUnassign(ctx context.Context, in seats.BulkInput) (int, error)
	SetLimit(ctx context.Context, accountID string, in seats.LimitInput) (*seats.Limit, error)
	RemoveLimit(ctx context.Context, accountID string) error
	Log(ctx context.Context, in seats.LogInput) (*seats.LogPage, error)
	Report(ctx context.Context, accountID string, w io.Writer) error
}

// The Seats page's routes.
const (
	routeSeats           = "/console/seats"
	routeSeatsAssign     = "/console/seats/assign"
	routeSeatsInactive   = "/console/seats/inactive"
	routeSeatsLog        = "/console/seats/log"
	routeSeatsReport     = "/console/seats/report"
	routeSeatsRemove     = "/console/seats/remove"
	routeSeatsLimit      = "/console/seats/accounts/{id}/limit"
	routeSeatsLimitClear = "/console/seats/accounts/{id}/limit/remove"
)

// seatsNotices are the success messages of the Seats and Notifications
// pages' redirects (kept here, beside the pages that use them).
var seatsNotices = map[string]string{
	"seat_assigned":     "console.seats_done_assigned",
	"seat_removed":      "console.seats_done_removed",
	"seats_removed":     "console.seats_done_bulk",
	"limit_set":         "console.seats_done_limit",
	"limit_removed":     "console.seats_done_limit_removed",
	"subscriptions_set": "console.notif_done_saved",
}

// seatsPageOf returns a console page of the Seats area with its notice.
func (rq *request) seatsPage(title string) *page {
	p := rq.consolePage(title, "seats")
	if k, ok := seatsNotices[rq.r.URL.Query().Get("done")]; ok {
		p.Notice = rq.tr.T(k)
	}
	return p
}

// seatsRoutes registers the Seats page's routes (consoleRoutes calls it).
func (h *Handler) seatsRoutes(c func(fn func(rq *request)) http.HandlerFunc) {
	get := func(p string, fn http.HandlerFunc) { h.mux.HandleFunc("GET "+h.base+p, fn) }
	post := func(p string, fn http.HandlerFunc) { h.mux.HandleFunc("POST "+h.base+p, fn) }
	get(routeSeats, c(h.seatsOverview))
	get(routeSeatsAssign, c(h.seatsAssignPage))
	post(routeSeatsAssign, c(h.seatsToggle))
	get(routeSeatsInactive, c(h.seatsInactive))
	get(routeSeatsLog, c(h.seatsLog))
	get(routeSeatsReport, c(h.seatsReport))
	post(routeSeatsRemove, c(h.seatsBulkRemove))
	post(routeSeatsLimit, c(h.seatsSetLimit))
	post(routeSeatsLimitClear, c(h.seatsRemoveLimit))
}

// seatsTab is one tab of the Seats area.
type seatsTab struct {
	Key, Href, Label string
	Current          bool
}

// seatsBase is what every Seats tab shows: the overview and the tabs.
type seatsBase struct {
	Overview *seats.Overview
	Tabs     []seatsTab
	// Account is the account the page looks from ("" for the principal's).
	Account string
	// Report is the report download link.
	Report string
	// Tab is what the page shows: "seats", "assign", "inactive" or "log".
	Tab string
}

// Percent formats a usage percentage with one decimal.
func (b *seatsBase) Percent(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// LimitPercent formats a limit percentage, "" without a limit.
func (b *seatsBase) LimitPercent(f *float64) string {
	if f == nil {
		return ""
	}
	return b.Percent(*f)
}

func (h *Handler) seatsBase(rq *request, tab string) (*seatsBase, bool) {
	acc := clipID(rq.r.URL.Query().Get("account"))
	o, err := h.svc.Seats.Overview(rq.ctx(), acc)
	if err != nil {
		rq.refused(err)
		return nil, false
	}
	b := &seatsBase{Overview: o, Account: acc, Report: withQuery(h.base+routeSeatsReport, "account", acc), Tab: tab}
	for _, t := range []struct{ key, path string }{{"seats", routeSeats}, {"inactive", routeSeatsInactive}, {"log", routeSeatsLog}} {
		b.Tabs = append(b.Tabs, seatsTab{Key: t.key, Href: withQuery(h.base+t.path, "account", acc),
			Label: rq.tr.T("console.seats_tab_" + t.key), Current: t.key == tab || tab == "assign" && t.key == "seats"})
	}
	return b, true
}

// clipID keeps an ID-sized query value (the services check it).
func clipID(s string) string { return clipToken(strings.TrimSpace(s)) }

// seatAccount is one account of the Seats tab with its seat holders.
type seatAccount struct {
	*seats.AccountUsage
	Holders []*seats.HolderView
	// MoreHolders tells that the account has more holders than shown.
	MoreHolders bool
	// Open tells the page to show the account expanded (after an error).
	Open bool
}

// LimitValue is the account's limit (0 without one; the page checks
// Limit first).
func (a *seatAccount) LimitValue() int {
	if a.Limit == nil {
		return 0
	}
	return *a.Limit
}

// seatsView is the Seats tab's data.
type seatsView struct {
	*seatsBase
	Accounts []*seatAccount
	Q        string
	Next     string
	First    string
	Here     string
}

func (h *Handler) seatsData(rq *request, p *page, open string) (*seatsView, bool) {
	b, ok := h.seatsBase(rq, "seats")
	if !ok {
		return nil, false
	}
	q := rq.r.URL.Query()
	v := &seatsView{seatsBase: b, Q: clipQuery(q.Get("q"))}
	in := seats.AccountsInput{AccountID: b.Account, Search: v.Q, Cursor: clipToken(q.Get("cursor")), Limit: 20}
	page, err := h.svc.Seats.Accounts(rq.ctx(), in)
	if accountkit.ErrorCode(err) == accountkit.Invalid && in.Cursor != "" {
		in.Cursor = ""
		page, err = h.svc.Seats.Accounts(rq.ctx(), in)
	}
	if accountkit.ErrorCode(err) == accountkit.Invalid {
		rq.applyError(p, err)
		in.Search, v.Q = "", ""
		page, err = h.svc.Seats.Accounts(rq.ctx(), in)
	}
	if err != nil {
		rq.refused(err)
		return nil, false
	}
	v.Here = withQuery(h.base+routeSeats, "account", b.Account, "q", v.Q, "cursor", in.Cursor)
	for _, a := range page.Accounts {
		sa := &seatAccount{AccountUsage: a, Open: a.Account.ID == open}
		if a.Assigned > 0 {
			hp, err := h.svc.Seats.Holders(rq.ctx(), seats.HoldersInput{AccountID: a.Account.ID, Limit: 50})
			if err != nil {
				rq.refused(err)
				return nil, false
			}
			sa.Holders = hp.Holders
			sa.MoreHolders = hp.NextCursor != ""
		}
		v.Accounts = append(v.Accounts, sa)
	}
	if page.NextCursor != "" {
		v.Next = withQuery(h.base+routeSeats, "account", b.Account, "q", v.Q, "cursor", page.NextCursor)
	}
	if in.Cursor != "" {
		v.First = withQuery(h.base+routeSeats, "account", b.Account, "q", v.Q)
	}
	p.Data = v
	return v, true
}

// seatsOverview serves GET routeSeats.
func (h *Handler) seatsOverview(rq *request) {
	p := rq.seatsPage("console.seats_title")
	if _, ok := h.seatsData(rq, p, ""); ok {
		rq.render(http.StatusOK, "seats", p)
	}
}

// clipQuery keeps a search text of a sensible size (the services
// validate it).
func clipQuery(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// seatsReport serves GET routeSeatsReport: the seats report as CSV,
// streamed and audited by the service.
func (h *Handler) seatsReport(rq *request) {
	w := rq.w
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="seats.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	sw := &startedWriter{w: w}
	if err := h.svc.Seats.Report(rq.ctx(), clipID(rq.r.URL.Query().Get("account")), sw); err != nil {
		if !sw.started {
			w.Header().Del("Content-Disposition")
			w.Header().Del("Content-Type")
			rq.refused(err)
			return
		}
		h.logger.ErrorContext(rq.ctx(), "web: seats report failed mid-stream", "err", err)
	}
}

// seatsBack returns the safe return path of a Seats form, or def.
func (h *Handler) seatsBack(f *form, def string) string {
	back := h.safeReturn(f.get("return_to"))
	if back == "" || !strings.HasPrefix(back, h.base+routeSeats) {
		return def
	}
	return back
}

// withDone adds done=<key> to a path.
func withDone(path, done string) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "done=" + done
}

// seatsFormRefused answers a Seats form that cannot be used (bad CSRF
// token, too big): a message page leading back.
func (h *Handler) seatsFormRefused(rq *request, f *form, back string) {
	p := rq.seatsPage("console.seats_title")
	text := f.problem
	if text == "" {
		text = "error.form_bad"
	}
	p.Data = messageView{Heading: "error.form_title", Text: text, Link: back, LinkText: "common.back", Tone: "error"}
	rq.render(rq.formProblem(p, f), "message", p)
}

// seatsSetLimit serves POST routeSeatsLimit.
func (h *Handler) seatsSetLimit(rq *request) {
	h.seatsLimit(rq, false)
}

// seatsRemoveLimit serves POST routeSeatsLimitClear.
func (h *Handler) seatsRemoveLimit(rq *request) {
	h.seatsLimit(rq, true)
}

func (h *Handler) seatsLimit(rq *request, remove bool) {
	f := h.parseForm(rq.w, rq)
	id := rq.r.PathValue("id")
	back := h.seatsBack(f, h.base+routeSeats)
	if f.bad() {
		h.seatsFormRefused(rq, f, back)
		return
	}
	var err error
	done := "limit_removed"
	field := "limit_" + id
	raw := strings.TrimSpace(f.get("limit"))
	if remove {
		err = h.svc.Seats.RemoveLimit(rq.ctx(), id)
	} else {
		done = "limit_set"
		n, perr := strconv.Atoi(raw)
		if perr != nil || len(raw) > 8 {
			err = accountkit.InvalidField("limit", "must be a whole number")
		} else {
			_, err = h.svc.Seats.SetLimit(rq.ctx(), id, seats.LimitInput{Limit: &n})
		}
	}
	if err != nil {
		h.seatsLimitRefused(rq, err, id, field, raw)
		return
	}
	rq.redirect(withDone(back, done))
}

// seatsLimitRefused shows the Seats tab with the service's refusal on the
// account's limit field (NotFound and Forbidden get their pages).
func (h *Handler) seatsLimitRefused(rq *request, err error, id, field, typed string) {
	switch accountkit.ErrorCode(err) {
	case accountkit.NotFound, accountkit.Internal, accountkit.Unauthenticated:
		rq.refused(err)
		return
	}
	p := rq.seatsPage("console.seats_title")
	status := rq.applyError(p, err)
	if status == 0 {
		rq.fail(err)
		return
	}
	if typed != "" && len(typed) <= 8 {
		p.Values[field] = typed // the person sees what they typed
	}
	if msg, ok := p.FieldErrors["limit"]; ok {
		p.FieldErrors[field] = msg
		delete(p.FieldErrors, "limit")
	} else if p.Error != "" {
		p.FieldErrors[field] = p.Error
	}
	if _, ok := h.seatsData(rq, p, id); ok {
		rq.render(status, "seats", p)
	}
}

// seatsBulkRemove serves POST routeSeatsRemove: the seats of the ticked
// users removed at once (seats.Service.BulkUnassign, all or nothing).
func (h *Handler) seatsBulkRemove(rq *request) {
	f := h.parseForm(rq.w, rq)
	back := h.seatsBack(f, h.base+routeSeatsInactive)
	if f.bad() {
		h.seatsFormRefused(rq, f, back)
		return
	}
	ids := rq.r.PostForm["user_id"]
	if len(ids) > seats.MaxBulk {
		ids = ids[:seats.MaxBulk+1] // the service names the excess
	}
	n, err := h.svc.Seats.BulkUnassign(rq.ctx(), seats.BulkInput{UserIDs: ids})
	if err != nil {
		switch accountkit.ErrorCode(err) {
		case accountkit.NotFound, accountkit.Forbidden, accountkit.Internal, accountkit.Unauthenticated:
			rq.refused(err)
			return
		}
		p := rq.seatsPage("console.seats_title")
		msg := "console.seats_bulk_invalid"
		if len(ids) == 0 {
			msg = "console.seats_bulk_none"
		}
		p.Data = messageView{Heading: "error.form_title", Text: msg, Link: back, LinkText: "common.back", Tone: "error"}
		rq.render(http.StatusUnprocessableEntity, "message", p)
		return
	}
	_ = n
	rq.redirect(withDone(back, "seats_removed"))
}

// assignView is the "Assign seat" panel's data.
type assignView struct {
	*seatsBase
	// Choices are the accounts a seat can be assigned in.
	Choices []*seats.AccountUsage
	// Picked is the chosen account, nil before one is chosen.
	Picked  *seats.AccountUsage
	Members []*seats.Member
	Q       string
	Next    string
	First   string
	Here    string
}

// seatsAssignPage serves GET routeSeatsAssign: the panel. Without
// JavaScript it is a page of forms: pick an account, search its users,
// switch a user's seat on or off (one POST each).
func (h *Handler) seatsAssignPage(rq *request) {
	p := rq.seatsPage("console.seats_assign_title")
	if h.assignData(rq, p) {
		rq.render(http.StatusOK, "seats", p)
	}
}

func (h *Handler) assignData(rq *request, p *page) bool {
	b, ok := h.seatsBase(rq, "assign")
	if !ok {
		return false
	}
	q := rq.r.URL.Query()
	v := &assignView{seatsBase: b, Q: clipQuery(q.Get("q"))}
	accs, err := h.svc.Seats.Accounts(rq.ctx(), seats.AccountsInput{AccountID: b.Account, Limit: 200})
	if err != nil {
		rq.refused(err)
		return false
	}
	v.Choices = accs.Accounts
	pick := clipID(q.Get("pick"))
	if pick != "" {
		for _, a := range v.Choices {
			if a.Account.ID == pick {
				v.Picked = a
			}
		}
		cursor := clipToken(q.Get("cursor"))
		mp, err := h.svc.Seats.Members(rq.ctx(), pick, v.Q, cursor, 25)
		if accountkit.ErrorCode(err) == accountkit.Invalid {
			rq.applyError(p, err)
			v.Q, cursor = "", ""
			mp, err = h.svc.Seats.Members(rq.ctx(), pick, "", "", 25)
		}
		if err != nil {
			rq.refused(err)
			return false
		}
		if v.Picked == nil { // an account further down the list: the service vouched for it
			accs, err := h.svc.Seats.Accounts(rq.ctx(), seats.AccountsInput{AccountID: pick, Limit: 1})
			if err != nil {
				rq.refused(err)
				return false
			}
			if len(accs.Accounts) > 0 {
				v.Picked = accs.Accounts[0]
			}
		}
		v.Members = mp.Members
		v.Here = withQuery(h.base+routeSeatsAssign, "account", b.Account, "pick", pick, "q", v.Q, "cursor", cursor)
		if mp.NextCursor != "" {
			v.Next = withQuery(h.base+routeSeatsAssign, "account", b.Account, "pick", pick, "q", v.Q, "cursor", mp.NextCursor)
		}
		if cursor != "" {
			v.First = withQuery(h.base+routeSeatsAssign, "account", b.Account, "pick", pick, "q", v.Q)
		}
	}
	p.Data = v
	return true
}

// seatsToggle serves POST routeSeatsAssign: switch one user's seat on
// (seats.Service.Assign) or off (Unassign), then back to the panel.
func (h *Handler) seatsToggle(rq *request) {
	f := h.parseForm(rq.w, rq)
	back := h.seatsBack(f, h.base+routeSeatsAssign)
	if f.bad() {
		h.seatsFormRefused(rq, f, back)
		return
	}
	user := f.get("user_id")
	var err error
	done := "seat_removed"
	if f.get("seat") == "on" {
		done = "seat_assigned"
		_, err = h.svc.Seats.Assign(rq.ctx(), user)
	} else {
		err = h.svc.Seats.Unassign(rq.ctx(), user)
	}
	if err != nil {
		switch accountkit.ErrorCode(err) {
		case accountkit.NotFound, accountkit.Forbidden, accountkit.Internal, accountkit.Unauthenticated:
			rq.refused(err)
			return
		}
		// Refused by a rule (no seat left, a limit reached, already
		// held): the panel again, saying why.
		p := rq.seatsPage("console.seats_assign_title")
		status := rq.applyError(p, err)
		if u, perr := url.Parse(back); perr == nil {
			rq.r.URL.RawQuery = u.RawQuery
		}
		if h.assignData(rq, p) {
			rq.render(status, "seats", p)
		}
		return
	}
	rq.redirect(withDone(back, done))
}

// holdersFilter is the Inactive users tab's filter, from the query.
type holdersFilter struct {
	Q, Account, Role                             string
	LoginFrom, LoginTo, AssignedFrom, AssignedTo string
	Cursor                                       string
}

func holdersFilterOf(r *http.Request) holdersFilter {
	q := r.URL.Query()
	day := func(k string) string {
		s := strings.TrimSpace(q.Get(k))
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return ""
		}
		return s
	}
	return holdersFilter{Q: clipQuery(q.Get("q")), Account: clipID(q.Get("in")), Role: clipQuery(q.Get("role")),
		LoginFrom: day("login_from"), LoginTo: day("login_to"), AssignedFrom: day("assigned_from"), AssignedTo: day("assigned_to"),
		Cursor: clipToken(q.Get("cursor"))}
}

func (f holdersFilter) query(path, account string, extra ...string) string {
	kv := append([]string{"account", account, "q", f.Q, "in", f.Account, "role", f.Role, "login_from", f.LoginFrom,
		"login_to", f.LoginTo, "assigned_from", f.AssignedFrom, "assigned_to", f.AssignedTo}, extra...)
	return withQuery(path, kv...)
}

// dayStart parses a yyyy-mm-dd day as the start of that day in UTC;
// toEnd gives the start of the next day (an exclusive bound that keeps
// the whole day).
func dayStart(s string, toEnd bool) *time.Time {
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return nil
	}
	if toEnd {
		t = t.AddDate(0, 0, 1)
	}
	return &t
}

// inactiveView is the Inactive users tab's data.
type inactiveView struct {
	*seatsBase
	Filter   holdersFilter
	Accounts []*seats.AccountUsage
	Holders  []*seats.HolderView
	Next     string
	First    string
	Here     string
}

// AccountName names an account of the tree by its ID.
func (v *inactiveView) AccountName(id string) string {
	for _, a := range v.Accounts {
		if a.Account.ID == id {
			return a.Account.Name
		}
	}
	return id
}

// seatsInactive serves GET routeSeatsInactive: the inactive seat holders
// (as the seats service defines inactivity) with their reasons, filters
// and the bulk removal form.
func (h *Handler) seatsInactive(rq *request) {
	p := rq.seatsPage("console.seats_inactive_title")
	b, ok := h.seatsBase(rq, "inactive")
	if !ok {
		return
	}
	f := holdersFilterOf(rq.r)
	v := &inactiveView{seatsBase: b, Filter: f}
	accs, err := h.svc.Seats.Accounts(rq.ctx(), seats.AccountsInput{AccountID: b.Account, Limit: 200})
	if err != nil {
		rq.refused(err)
		return
	}
	v.Accounts = accs.Accounts
	in := seats.HoldersInput{AccountID: b.Account, Account: f.Account, Search: f.Q, Role: f.Role,
		LastLoginFrom: dayStart(f.LoginFrom, false), LastLoginTo: dayStart(f.LoginTo, true),
		AssignedFrom: dayStart(f.AssignedFrom, false), AssignedTo: dayStart(f.AssignedTo, true),
		Cursor: f.Cursor, Limit: 50}
	hp, err := h.svc.Seats.Inactive(rq.ctx(), in)
	status := http.StatusOK
	if accountkit.ErrorCode(err) == accountkit.Invalid {
		status = rq.applyError(p, err)
		hp, err = h.svc.Seats.Inactive(rq.ctx(), seats.HoldersInput{AccountID: b.Account, Limit: 50})
	}
	if err != nil {
		rq.refused(err)
		return
	}
	v.Holders = hp.Holders
	v.Here = f.query(h.base+routeSeatsInactive, b.Account, "cursor", f.Cursor)
	if hp.NextCursor != "" {
		v.Next = f.query(h.base+routeSeatsInactive, b.Account, "cursor", hp.NextCursor)
	}
	if f.Cursor != "" {
		v.First = f.query(h.base+routeSeatsInactive, b.Account)
	}
	p.Data = v
	rq.render(status, "seats", p)
}

// logView is the Logs tab's data.
type logView struct {
	*seatsBase
	Entries  []*seats.LogEntry
	Accounts []*seats.AccountUsage
	names    map[string]string
	Q, In    string
	Event    string
	From, To string
	Events   []seats.Event
	Next     string
	First    string
}

// AccountName names an account of the log by its ID.
func (v *logView) AccountName(id string) string {
	if n, ok := v.names[id]; ok {
		return n
	}
	return id
}

// Val is the value of a logged count (0 for none; the page checks first).
func (v *logView) Val(n *int) int {
	if n == nil {
		return 0
	}
	return *n
}

// seatsLog serves GET routeSeatsLog: the seat log, newest first, with
// its filters and pager.
func (h *Handler) seatsLog(rq *request) {
	p := rq.seatsPage("console.seats_log_title")
	b, ok := h.seatsBase(rq, "log")
	if !ok {
		return
	}
	q := rq.r.URL.Query()
	f := holdersFilterOf(rq.r)
	v := &logView{seatsBase: b, Q: f.Q, In: f.Account, Event: clipQuery(q.Get("event")), From: f.LoginFrom, To: f.LoginTo,
		names: map[string]string{},
		Events: []seats.Event{seats.EventAssigned, seats.EventUnassigned, seats.EventBulkUnassigned, seats.EventReleased,
			seats.EventLimitSet, seats.EventLimitRemoved, seats.EventPurchasedChanged}}
	// The filter's dates reuse the login_from/login_to parsing: from and to.
	v.From, v.To = dayOf(q.Get("from")), dayOf(q.Get("to"))
	accs, err := h.svc.Seats.Accounts(rq.ctx(), seats.AccountsInput{AccountID: b.Account, Limit: 200})
	if err != nil {
		rq.refused(err)
		return
	}
	v.Accounts = accs.Accounts
	for _, a := range accs.Accounts {
		v.names[a.Account.ID] = a.Account.Name
	}
	cursor := clipToken(q.Get("cursor"))
	in := seats.LogInput{AccountID: b.Account, Account: v.In, Event: v.Event, Search: v.Q,
		From: dayStart(v.From, false), To: dayStart(v.To, true), Cursor: cursor, Limit: 25}
	lp, err := h.svc.Seats.Log(rq.ctx(), in)
	status := http.StatusOK
	if accountkit.ErrorCode(err) == accountkit.Invalid {
		status = rq.applyError(p, err)
		lp, err = h.svc.Seats.Log(rq.ctx(), seats.LogInput{AccountID: b.Account, Limit: 25})
	}
	if err != nil {
		rq.refused(err)
		return
	}
	v.Entries = lp.Entries
	query := func(extra ...string) string {
		return withQuery(h.base+routeSeatsLog, append([]string{"account", b.Account, "q", v.Q, "in", v.In, "event", v.Event,
			"from", v.From, "to", v.To}, extra...)...)
	}
	if lp.NextCursor != "" {
		v.Next = query("cursor", lp.NextCursor)
	}
	if cursor != "" {
		v.First = query()
	}
	p.Data = v
	rq.render(status, "seats", p)
}

// dayOf keeps a yyyy-mm-dd day, "" for anything else.
func dayOf(s string) string {
	s = strings.TrimSpace(s)
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return ""
	}
	return s
}

// seatsPerms is who sees the Seats page.
var seatsPerms = []security.Permission{security.PermSeatsManage}
