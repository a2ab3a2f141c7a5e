package notifications

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/accountkit/accountkit/internal/httpx"
)

// Routes served by Handler. The inbox and subscription routes act on the
// signed-in user; the account route is the Account Manager's view.
const (
	RouteInbox                = "GET /api/v1/notifications"
	RouteMarkRead             = "POST /api/v1/notifications/{id}/read"
	RouteMarkAllRead          = "POST /api/v1/notifications/read"
	RouteSubscriptions        = "GET /api/v1/notifications/subscriptions"
	RouteSetSubscriptions     = "PUT /api/v1/notifications/subscriptions"
	RouteAccountNotifications = "GET /api/v1/accounts/{id}/notifications"
)

// Handler serves the notifications API. It calls only the Service.
type Handler struct {
	httpx.Mux
	svc *Service
}

// NewHandler returns the notifications API handler.
func NewHandler(svc *Service, logger *slog.Logger) *Handler {
	h := &Handler{svc: svc}
	h.Mux = httpx.NewMux(logger, []httpx.Route{
		{Pattern: RouteInbox, Serve: h.inbox},
		{Pattern: RouteMarkRead, Serve: h.markRead},
		{Pattern: RouteMarkAllRead, Serve: h.markAllRead},
		{Pattern: RouteSubscriptions, Serve: h.subscriptions},
		{Pattern: RouteSetSubscriptions, Serve: h.setSubscriptions},
		{Pattern: RouteAccountNotifications, Serve: h.account},
	}...)
	return h
}

// inbox serves RouteInbox: ?unread=true&limit=&cursor=.
func (h *Handler) inbox(w http.ResponseWriter, r *http.Request) {
	limit, err := httpx.QueryInt(r, "limit")
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	unread, err := httpx.QueryBool(r, "unread")
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	page, err := h.svc.Inbox(r.Context(), InboxInput{UnreadOnly: unread, Cursor: r.URL.Query().Get("cursor"), Limit: limit})
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	out := inboxOut{Items: make([]inboxItemOut, len(page.Items)), UnreadCount: page.UnreadCount, NextCursor: page.NextCursor}
	for i, it := range page.Items {
		out.Items[i] = inboxItemOut{notificationOut: toJSON(&it.Notification), Read: it.ReadAt != nil, ReadAt: it.ReadAt}
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// markRead serves RouteMarkRead.
func (h *Handler) markRead(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.MarkRead(r.Context(), r.PathValue("id")); err != nil {
		h.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// markAllRead serves RouteMarkAllRead.
func (h *Handler) markAllRead(w http.ResponseWriter, r *http.Request) {
	n, err := h.svc.MarkAllRead(r.Context())
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]int{"marked": n})
}

// subscriptions serves RouteSubscriptions.
func (h *Handler) subscriptions(w http.ResponseWriter, r *http.Request) {
	subs, err := h.svc.Subscriptions(r.Context())
	h.replySubs(w, r, subs, err)
}

// setSubscriptions serves RouteSetSubscriptions:
// {"subscriptions": {"campaign_events": false}}.
func (h *Handler) setSubscriptions(w http.ResponseWriter, r *http.Request) {
	var in subscriptionsIn
	if err := httpx.DecodeJSON(w, r, 0, &in); err != nil {
		h.Fail(w, r, err)
		return
	}
	subs, err := h.svc.SetSubscriptions(r.Context(), in.Subscriptions)
	h.replySubs(w, r, subs, err)
}

func (h *Handler) replySubs(w http.ResponseWriter, r *http.Request, subs []Subscription, err error) {
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, subscriptionsOut{Items: httpx.List(subs)})
}

// account serves RouteAccountNotifications.
func (h *Handler) account(w http.ResponseWriter, r *http.Request) {
	limit, err := httpx.QueryInt(r, "limit")
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	page, err := h.svc.AccountNotifications(r.Context(), AccountInput{AccountID: r.PathValue("id"), Cursor: r.URL.Query().Get("cursor"), Limit: limit})
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	out := accountOut{Items: make([]notificationOut, len(page.Notifications)), NextCursor: page.NextCursor}
	for i, n := range page.Notifications {
		out.Items[i] = toJSON(n)
		out.Items[i].Recipients = &page.Notifications[i].Recipients
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

type notificationOut struct {
	ID         string    `json:"id"`
	AccountID  string    `json:"account_id"`
	Type       Type      `json:"type"`
	Title      string    `json:"title"`
	Body       string    `json:"body,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	Recipients *int      `json:"recipients,omitempty"`
}

func toJSON(n *Notification) notificationOut {
	return notificationOut{ID: n.ID, AccountID: n.AccountID, Type: n.Type, Title: n.Title, Body: n.Body, CreatedAt: n.CreatedAt}
}

type inboxItemOut struct {
	notificationOut
	Read   bool       `json:"read"`
	ReadAt *time.Time `json:"read_at,omitempty"`
}

type inboxOut struct {
	Items       []inboxItemOut `json:"items"`
	UnreadCount int            `json:"unread_count"`
	NextCursor  string         `json:"next_cursor,omitempty"`
}

type accountOut struct {
	Items      []notificationOut `json:"items"`
	NextCursor string            `json:"next_cursor,omitempty"`
}

type subscriptionsIn struct {
	Subscriptions map[Type]bool `json:"subscriptions"`
}

type subscriptionsOut struct {
	Items []Subscription `json:"items"`
}
