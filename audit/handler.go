package audit

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/internal/httpx"
)

// Routes served by Handler.
const (
	RouteList   = "GET /api/v1/audit/events"
	RouteExport = "GET /api/v1/audit/events/export"
	RouteVerify = "GET /api/v1/audit/verify"
	// RouteCatalogue serves the event catalogue (for filter drop-downs).
	RouteCatalogue = "GET /api/v1/audit/catalogue"
	// RouteCheckpoints lists the retention checkpoints of a chain with the
	// public keys that verify them (docs/audit-retention.md).
	RouteCheckpoints = "GET /api/v1/audit/checkpoints"
)

// Handler serves the audit log API. It calls only the Service.
type Handler struct {
	httpx.Mux
	svc *Service
}

// NewHandler returns the audit log API handler.
func NewHandler(svc *Service, logger *slog.Logger) *Handler {
	h := &Handler{svc: svc}
	h.Mux = httpx.NewMux(logger, []httpx.Route{
		{Pattern: RouteList, Serve: h.list},
		{Pattern: RouteExport, Serve: h.export},
		{Pattern: RouteVerify, Serve: h.verify},
		{Pattern: RouteCatalogue, Serve: h.catalogue},
		{Pattern: RouteCheckpoints, Serve: h.checkpoints},
	}...)
	return h
}

// list serves RouteList. Query parameters: account_id, include_subaccounts,
// range (a Range), from and to (RFC 3339, with range=custom), tz, actor_id,
// username, item, action, status, q, limit, cursor.
func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	q, err := parseQuery(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	page, err := h.svc.List(r.Context(), q)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	out := listResponse{Items: make([]eventJSON, len(page.Events)), NextCursor: page.NextCursor}
	for i, e := range page.Events {
		out.Items[i] = toJSON(e)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// export serves RouteExport: the list's filters, streamed as text/csv.
func (h *Handler) export(w http.ResponseWriter, r *http.Request) {
	q, err := parseQuery(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="audit-log.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	sw := &httpx.StartedWriter{W: w}
	if err := h.svc.Export(r.Context(), q, sw); err != nil {
		if !sw.Started { // nothing sent yet: the client gets a proper problem
			w.Header().Del("Content-Disposition")
			h.Fail(w, r, err)
			return
		}
		h.Logger().ErrorContext(r.Context(), "audit export failed mid-stream", "request_id", httpx.RequestID(r.Context()), "err", err)
	}
}

// verify serves RouteVerify: the hash chain check of the main account of
// account_id (default: the principal's).
func (h *Handler) verify(w http.ResponseWriter, r *http.Request) {
	res, err := h.svc.Verify(r.Context(), r.URL.Query().Get("account_id"))
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, res)
}

// catalogue serves RouteCatalogue: every event the installation records
// (built-in and registered by the host), and the distinct items and
// actions, sorted, for filter drop-downs.
func (h *Handler) catalogue(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.Catalogue(r.Context())
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, c)
}

func parseQuery(r *http.Request) (Query, error) {
	v := r.URL.Query()
	var val accountkit.Validation
	limit, err := httpx.QueryInt(r, "limit")
	if err != nil {
		return Query{}, err
	}
	sub, err := httpx.QueryBool(r, "include_subaccounts")
	if err != nil {
		return Query{}, err
	}
	q := Query{
		AccountID: v.Get("account_id"), IncludeSubaccounts: sub, Range: Range(v.Get("range")),
		TimeZone: v.Get("tz"), ActorID: v.Get("actor_id"), Username: v.Get("username"),
		Item: v.Get("item"), Action: v.Get("action"), Status: v.Get("status"),
		Search: v.Get("q"), Cursor: v.Get("cursor"), Limit: limit,
	}
	q.From = httpx.QueryTime(&val, r, "from")
	q.To = httpx.QueryTime(&val, r, "to")
	return q, val.Err()
}

type eventJSON struct {
	ID          string            `json:"id"`
	AccountID   string            `json:"account_id"`
	Time        time.Time         `json:"time"`
	ActorID     string            `json:"actor_id,omitempty"`
	ActorName   string            `json:"actor"`
	Item        Item              `json:"item"`
	Action      Action            `json:"action"`
	Status      Status            `json:"status"`
	Description string            `json:"description"`
	TargetType  string            `json:"target_type,omitempty"`
	TargetID    string            `json:"target_id,omitempty"`
	TargetName  string            `json:"target_name,omitempty"`
	IP          string            `json:"ip,omitempty"`
	UserAgent   string            `json:"user_agent,omitempty"`
	Details     map[string]string `json:"details,omitempty"`
	Seq         int64             `json:"seq"`
	Hash        string            `json:"hash"`
}

func toJSON(e *Event) eventJSON {
	return eventJSON{ID: e.ID, AccountID: e.AccountID, Time: e.Time, ActorID: e.ActorID, ActorName: e.ActorName,
		Item: e.Item, Action: e.Action, Status: e.Status, Description: e.Description, TargetType: e.TargetType,
		TargetID: e.TargetID, TargetName: e.TargetName, IP: e.IP, UserAgent: e.UserAgent, Details: e.Details,
		Seq: e.Seq, Hash: e.Hash}
}

type listResponse struct {
	Items      []eventJSON `json:"items"`
	NextCursor string      `json:"next_cursor,omitempty"`
}
