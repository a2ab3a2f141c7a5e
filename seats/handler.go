package seats

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/internal/httpx"
	"github.com/accountkit/accountkit/users"
)

// Routes served by Handler. Purchased seats have no route: only the host's
// own code changes them, through Service.SetPurchased.
const (
	RouteOverview     = "GET /api/v1/seats"
	RouteAccounts     = "GET /api/v1/seats/accounts"
	RouteSetLimit     = "PUT /api/v1/seats/accounts/{id}/limit"
	RouteRemoveLimit  = "DELETE /api/v1/seats/accounts/{id}/limit"
	RouteHolders      = "GET /api/v1/seats/accounts/{id}/holders"
	RouteMembers      = "GET /api/v1/seats/accounts/{id}/users"
	RouteAssign       = "POST /api/v1/seats/users/{id}"
	RouteUnassign     = "DELETE /api/v1/seats/users/{id}"
	RouteBulkUnassign = "POST /api/v1/seats/bulk-unassign"
	RouteInactive     = "GET /api/v1/seats/inactive"
	RouteLog          = "GET /api/v1/seats/log"
	RouteReport       = "GET /api/v1/seats/report"
)

// Handler serves the seats API. It calls only the Service.
type Handler struct {
	httpx.Mux
	svc *Service
}

// NewHandler returns the seats API handler.
func NewHandler(svc *Service, logger *slog.Logger) *Handler {
	h := &Handler{svc: svc}
	h.Mux = httpx.NewMux(logger, []httpx.Route{
		{Pattern: RouteOverview, Serve: h.overview},
		{Pattern: RouteAccounts, Serve: h.accounts},
		{Pattern: RouteSetLimit, Serve: h.setLimit},
		{Pattern: RouteRemoveLimit, Serve: h.removeLimit},
		{Pattern: RouteHolders, Serve: h.holders},
		{Pattern: RouteMembers, Serve: h.members},
		{Pattern: RouteAssign, Serve: h.assign},
		{Pattern: RouteUnassign, Serve: h.unassign},
		{Pattern: RouteBulkUnassign, Serve: h.bulkUnassign},
		{Pattern: RouteInactive, Serve: h.inactive},
		{Pattern: RouteLog, Serve: h.log},
		{Pattern: RouteReport, Serve: h.report},
	}...)
	return h
}

// overview serves RouteOverview (?account_id=).
func (h *Handler) overview(w http.ResponseWriter, r *http.Request) {
	o, err := h.svc.Overview(r.Context(), r.URL.Query().Get("account_id"))
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, overviewJSON{MainAccountID: o.MainAccountID, AccountID: o.AccountID, Purchased: o.Purchased,
		Assigned: o.Assigned, Remaining: o.Remaining, OverAllocated: o.OverAllocated, InactiveWithSeats: o.Inactive,
		UsagePercent: o.UsagePercent, Warning: o.Warning, WarningPercent: o.WarningPercent})
}

// accounts serves RouteAccounts (?account_id=&q=&limited=&cursor=&limit=).
func (h *Handler) accounts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err := httpx.QueryInt(r, "limit")
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	in := AccountsInput{AccountID: q.Get("account_id"), Search: q.Get("q"), Cursor: q.Get("cursor"), Limit: limit}
	if q.Get("limited") != "" {
		b, err := httpx.QueryBool(r, "limited")
		if err != nil {
			h.Fail(w, r, err)
			return
		}
		in.Limited = &b
	}
	page, err := h.svc.Accounts(r.Context(), in)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	out := accountsJSON{Purchased: page.Purchased, Items: []accountUsageJSON{}, NextCursor: page.NextCursor}
	for _, u := range page.Accounts {
		out.Items = append(out.Items, accountUsageJSON{AccountID: u.Account.ID, Name: u.Account.Name, Slug: u.Account.Slug,
			ParentID: u.Account.ParentID, Assigned: u.Assigned, Limit: u.Limit, UsagePercent: u.UsagePercent,
			LimitPercent: u.LimitPercent, Available: u.Available, Warning: u.Warning})
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// setLimit serves RouteSetLimit: {"limit": 10}. A fraction, a string or a
// number out of range is refused with the field named.
func (h *Handler) setLimit(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var in LimitInput
	if err := httpx.DecodeJSON(w, r, 4096, &in); err != nil {
		c := newChange(audit.ActionLimit, "Seat limit set.", "Setting seat limit failed.", EventLimitSet)
		c.target(nil, id)
		c.entry.TargetType, c.entry.TargetID = "account", id
		h.svc.refused(r.Context(), c, err)
		h.Fail(w, r, err)
		return
	}
	l, err := h.svc.SetLimit(r.Context(), id, in)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, limitJSON{AccountID: l.AccountID, Limit: l.Limit, UpdatedAt: l.UpdatedAt})
}

// removeLimit serves RouteRemoveLimit.
func (h *Handler) removeLimit(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.RemoveLimit(r.Context(), r.PathValue("id")); err != nil {
		h.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// holders serves RouteHolders: the users holding seats in the account
// (?include_subaccounts=&account=&q=&role=&last_login_from=&last_login_to=
// &assigned_from=&assigned_to=&cursor=&limit=).
func (h *Handler) holders(w http.ResponseWriter, r *http.Request) {
	in, err := holdersInput(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	in.AccountID = r.PathValue("id")
	page, err := h.svc.Holders(r.Context(), in)
	h.writeHolders(w, r, page, err)
}

// inactive serves RouteInactive: inactive users holding seats, with the
// filters of RouteHolders and ?account_id= for the top of the subtree.
func (h *Handler) inactive(w http.ResponseWriter, r *http.Request) {
	in, err := holdersInput(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	in.AccountID = r.URL.Query().Get("account_id")
	page, err := h.svc.Inactive(r.Context(), in)
	h.writeHolders(w, r, page, err)
}

func (h *Handler) writeHolders(w http.ResponseWriter, r *http.Request, page *HoldersPage, err error) {
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	out := holdersJSON{Items: []holderJSON{}, NextCursor: page.NextCursor}
	for _, hv := range page.Holders {
		reasons := hv.Reasons
		if reasons == nil {
			reasons = []string{}
		}
		teamRoles := hv.TeamRoles
		if teamRoles == nil {
			teamRoles = []string{}
		}
		out.Items = append(out.Items, holderJSON{User: users.ToJSON(hv.User), Seat: toSeatJSON(hv.Seat),
			TeamRoles: teamRoles, InactiveReasons: reasons})
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func holdersInput(r *http.Request) (HoldersInput, error) {
	q := r.URL.Query()
	var v accountkit.Validation
	in := HoldersInput{Account: q.Get("account"), Search: q.Get("q"), Role: q.Get("role"), Cursor: q.Get("cursor")}
	var err error
	if in.Limit, err = httpx.QueryInt(r, "limit"); err != nil {
		return in, err
	}
	if in.IncludeSubaccounts, err = httpx.QueryBool(r, "include_subaccounts"); err != nil {
		return in, err
	}
	in.LastLoginFrom = httpx.QueryTime(&v, r, "last_login_from")
	in.LastLoginTo = httpx.QueryTime(&v, r, "last_login_to")
	in.AssignedFrom = httpx.QueryTime(&v, r, "assigned_from")
	in.AssignedTo = httpx.QueryTime(&v, r, "assigned_to")
	return in, v.Err()
}

// members serves RouteMembers: the account's users with their seats, for
// the assign panel (?q=&cursor=&limit=).
func (h *Handler) members(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err := httpx.QueryInt(r, "limit")
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	page, err := h.svc.Members(r.Context(), r.PathValue("id"), q.Get("q"), q.Get("cursor"), limit)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	out := membersJSON{Items: []memberJSON{}, NextCursor: page.NextCursor}
	for _, m := range page.Members {
		item := memberJSON{User: users.ToJSON(m.User)}
		if m.Seat != nil {
			sj := toSeatJSON(m.Seat)
			item.Seat = &sj
		}
		out.Items = append(out.Items, item)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// assign serves RouteAssign: gives the user a seat (no body).
func (h *Handler) assign(w http.ResponseWriter, r *http.Request) {
	seat, err := h.svc.Assign(r.Context(), r.PathValue("id"))
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, toSeatJSON(seat))
}

// unassign serves RouteUnassign.
func (h *Handler) unassign(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.Unassign(r.Context(), r.PathValue("id")); err != nil {
		h.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// bulkUnassign serves RouteBulkUnassign: {"user_ids": [...]}, at most
// MaxBulk, all or nothing.
func (h *Handler) bulkUnassign(w http.ResponseWriter, r *http.Request) {
	var in BulkInput
	if err := httpx.DecodeJSON(w, r, 64<<10, &in); err != nil {
		h.svc.refused(r.Context(), h.svc.bulkChange(r.Context()), err)
		h.Fail(w, r, err)
		return
	}
	n, err := h.svc.BulkUnassign(r.Context(), in)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, bulkJSON{Removed: n})
}

// log serves RouteLog (?account_id=&account=&from=&to=&event=&status=
// &user_id=&q=&cursor=&limit=).
func (h *Handler) log(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var v accountkit.Validation
	limit, err := httpx.QueryInt(r, "limit")
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	in := LogInput{AccountID: q.Get("account_id"), Account: q.Get("account"), Event: q.Get("event"), Status: q.Get("status"),
		UserID: q.Get("user_id"), Search: q.Get("q"), Cursor: q.Get("cursor"), Limit: limit,
		From: httpx.QueryTime(&v, r, "from"), To: httpx.QueryTime(&v, r, "to")}
	if err := v.Err(); err != nil {
		h.Fail(w, r, err)
		return
	}
	page, err := h.svc.Log(r.Context(), in)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	out := logJSON{Items: []logEntryJSON{}, NextCursor: page.NextCursor}
	for _, e := range page.Entries {
		out.Items = append(out.Items, logEntryJSON{ID: e.ID, AccountID: e.AccountID, Time: e.Time,
			DoneBy: actorJSON{ID: e.ActorID, Name: e.ActorName}, Event: e.Event, Status: e.Status,
			ImpactedUser: userRefJSON(e.UserID, e.Username), OldValue: e.OldValue, NewValue: e.NewValue,
			Description: e.Description, Error: e.Error})
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// report serves RouteReport: the CSV report of the subtree (?account_id=),
// streamed.
func (h *Handler) report(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="seats.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	sw := &httpx.StartedWriter{W: w}
	if err := h.svc.Report(r.Context(), r.URL.Query().Get("account_id"), sw); err != nil {
		if !sw.Started {
			w.Header().Del("Content-Disposition")
			h.Fail(w, r, err)
			return
		}
		h.Logger().ErrorContext(r.Context(), "seats report failed mid-stream", "err", err)
	}
}

type overviewJSON struct {
	MainAccountID     string  `json:"main_account_id"`
	AccountID         string  `json:"account_id"`
	Purchased         int     `json:"purchased"`
	Assigned          int     `json:"assigned"`
	Remaining         int     `json:"remaining"`
	OverAllocated     int     `json:"over_allocated"`
	InactiveWithSeats int     `json:"inactive_with_seats"`
	UsagePercent      float64 `json:"usage_percent"`
	Warning           bool    `json:"warning"`
	WarningPercent    int     `json:"warning_percent"`
}

type accountUsageJSON struct {
	AccountID    string   `json:"account_id"`
	Name         string   `json:"name"`
	Slug         string   `json:"slug"`
	ParentID     string   `json:"parent_id,omitempty"`
	Assigned     int      `json:"assigned"`
	Limit        *int     `json:"limit"`
	UsagePercent float64  `json:"usage_percent"`
	LimitPercent *float64 `json:"limit_percent"`
	Available    int      `json:"available"`
	Warning      bool     `json:"warning"`
}

type accountsJSON struct {
	Purchased  int                `json:"purchased"`
	Items      []accountUsageJSON `json:"items"`
	NextCursor string             `json:"next_cursor,omitempty"`
}

type limitJSON struct {
	AccountID string    `json:"account_id"`
	Limit     int       `json:"limit"`
	UpdatedAt time.Time `json:"updated_at"`
}

type seatJSON struct {
	UserID         string    `json:"user_id"`
	AccountID      string    `json:"account_id"`
	AssignedAt     time.Time `json:"assigned_at"`
	AssignedByID   string    `json:"assigned_by_id,omitempty"`
	AssignedByName string    `json:"assigned_by"`
}

func toSeatJSON(s *Seat) seatJSON {
	return seatJSON{UserID: s.UserID, AccountID: s.AccountID, AssignedAt: s.AssignedAt, AssignedByID: s.AssignedByID, AssignedByName: s.AssignedByName}
}

type holderJSON struct {
	User users.UserJSON `json:"user"`
	Seat seatJSON       `json:"seat"`
	// TeamRoles are the roles the user holds through teams (user.roles
	// holds the direct ones).
	TeamRoles       []string `json:"team_roles"`
	InactiveReasons []string `json:"inactive_reasons"`
}

type holdersJSON struct {
	Items      []holderJSON `json:"items"`
	NextCursor string       `json:"next_cursor,omitempty"`
}

type memberJSON struct {
	User users.UserJSON `json:"user"`
	Seat *seatJSON      `json:"seat"`
}

type membersJSON struct {
	Items      []memberJSON `json:"items"`
	NextCursor string       `json:"next_cursor,omitempty"`
}

type bulkJSON struct {
	Removed int `json:"removed"`
}

type actorJSON struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
}

type userRef struct {
	ID       string `json:"id"`
	Username string `json:"username"`
}

func userRefJSON(id, username string) *userRef {
	if id == "" {
		return nil
	}
	return &userRef{ID: id, Username: username}
}

type logEntryJSON struct {
	ID           string    `json:"id"`
	AccountID    string    `json:"account_id"`
	Time         time.Time `json:"time"`
	DoneBy       actorJSON `json:"done_by"`
	Event        Event     `json:"event"`
	Status       Status    `json:"status"`
	ImpactedUser *userRef  `json:"impacted_user"`
	OldValue     *int      `json:"old_value,omitempty"`
	NewValue     *int      `json:"new_value,omitempty"`
	Description  string    `json:"description"`
	Error        string    `json:"error,omitempty"`
}

type logJSON struct {
	Items      []logEntryJSON `json:"items"`
	NextCursor string         `json:"next_cursor,omitempty"`
}
