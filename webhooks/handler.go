package webhooks

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/internal/httpx"
)

// Routes served by Handler.
const (
	RouteList       = "GET /api/v1/accounts/{id}/webhooks"
	RouteCreate     = "POST /api/v1/accounts/{id}/webhooks"
	RouteGet        = "GET /api/v1/webhooks/{id}"
	RouteUpdate     = "PATCH /api/v1/webhooks/{id}"
	RouteDelete     = "DELETE /api/v1/webhooks/{id}"
	RouteRotate     = "POST /api/v1/webhooks/{id}/rotate-secret"
	RouteDeliveries = "GET /api/v1/webhooks/{id}/deliveries"
	RouteRedeliver  = "POST /api/v1/webhook-deliveries/{id}/redeliver"
)

// Handler serves the webhooks API. It calls only the Service.
type Handler struct {
	httpx.Mux
	svc *Service
}

// NewHandler returns the webhooks API handler.
func NewHandler(svc *Service, logger *slog.Logger) *Handler {
	h := &Handler{svc: svc}
	h.Mux = httpx.NewMux(logger, []httpx.Route{
		{Pattern: RouteList, Serve: h.list},
		{Pattern: RouteCreate, Serve: h.create},
		{Pattern: RouteGet, Serve: h.get},
		{Pattern: RouteUpdate, Serve: h.update},
		{Pattern: RouteDelete, Serve: h.delete},
		{Pattern: RouteRotate, Serve: h.rotate},
		{Pattern: RouteDeliveries, Serve: h.deliveries},
		{Pattern: RouteRedeliver, Serve: h.redeliver},
	}...)
	return h
}

// list serves RouteList.
func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	list, err := h.svc.List(r.Context(), r.PathValue("id"))
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	out := endpointList{Items: make([]endpointOut, len(list))}
	for i, e := range list {
		out.Items[i] = toJSON(e)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// create serves RouteCreate. The answer is the only place the secret
// ever appears.
func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	var in CreateInput
	if err := httpx.DecodeJSON(w, r, 0, &in); err != nil {
		h.svc.audit.RecordFailure(r.Context(), *CreateEntry(r.PathValue("id")), err)
		h.Fail(w, r, err)
		return
	}
	c, err := h.svc.Create(r.Context(), r.PathValue("id"), in)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, createdOut{endpointOut: toJSON(c.Endpoint), Secret: c.Secret})
}

// get serves RouteGet.
func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	e, err := h.svc.Get(r.Context(), r.PathValue("id"))
	h.reply(w, r, e, err)
}

// update serves RouteUpdate.
func (h *Handler) update(w http.ResponseWriter, r *http.Request) {
	var u Update
	if err := httpx.DecodeJSON(w, r, 0, &u); err != nil {
		h.svc.audit.RecordFailure(r.Context(), *UpdateEntry(r.PathValue("id")), err)
		h.Fail(w, r, err)
		return
	}
	e, err := h.svc.Update(r.Context(), r.PathValue("id"), u)
	h.reply(w, r, e, err)
}

// delete serves RouteDelete.
func (h *Handler) delete(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.Delete(r.Context(), r.PathValue("id")); err != nil {
		h.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// rotate serves RouteRotate: the new secret is shown once, here.
func (h *Handler) rotate(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.RotateSecret(r.Context(), r.PathValue("id"))
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, createdOut{endpointOut: toJSON(c.Endpoint), Secret: c.Secret})
}

// deliveries serves RouteDeliveries: ?status=&limit=&cursor=.
func (h *Handler) deliveries(w http.ResponseWriter, r *http.Request) {
	limit, err := httpx.QueryInt(r, "limit")
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	page, err := h.svc.Deliveries(r.Context(), DeliveriesInput{EndpointID: r.PathValue("id"), Status: Status(r.URL.Query().Get("status")),
		PageRequest: accountkit.PageRequest{Limit: limit, Cursor: r.URL.Query().Get("cursor")}})
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	out := deliveryList{Items: make([]deliveryOut, len(page.Deliveries)), NextCursor: page.NextCursor}
	for i, d := range page.Deliveries {
		out.Items[i] = toDeliveryJSON(d)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// redeliver serves RouteRedeliver.
func (h *Handler) redeliver(w http.ResponseWriter, r *http.Request) {
	d, err := h.svc.Redeliver(r.Context(), r.PathValue("id"))
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, toDeliveryJSON(d))
}

func (h *Handler) reply(w http.ResponseWriter, r *http.Request, e *Endpoint, err error) {
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, toJSON(e))
}

type endpointOut struct {
	ID                    string     `json:"id"`
	AccountID             string     `json:"account_id"`
	Kind                  Kind       `json:"kind"`
	URL                   string     `json:"url,omitempty"`
	Sink                  string     `json:"sink,omitempty"`
	Description           string     `json:"description"`
	EventTypes            []string   `json:"event_types"`
	Enabled               bool       `json:"enabled"`
	PreviousSecretExpires *time.Time `json:"previous_secret_expires_at,omitempty"`
	CreatedAt             time.Time  `json:"created_at"`
	UpdatedAt             time.Time  `json:"updated_at"`
}

func toJSON(e *Endpoint) endpointOut {
	return endpointOut{ID: e.ID, AccountID: e.AccountID, Kind: e.Kind, URL: e.URL, Sink: e.Sink, Description: e.Description,
		EventTypes: httpx.List(e.EventTypes), Enabled: e.Enabled, PreviousSecretExpires: e.PreviousUntil,
		CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
}

type createdOut struct {
	endpointOut
	// Secret is shown once, here only.
	Secret string `json:"secret"`
}

type endpointList struct {
	Items []endpointOut `json:"items"`
}

type deliveryOut struct {
	ID            string     `json:"id"`
	EndpointID    string     `json:"endpoint_id"`
	MessageID     string     `json:"message_id"`
	AccountID     string     `json:"account_id"`
	Status        Status     `json:"status"`
	Attempts      int        `json:"attempts"`
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
	LastAttemptAt *time.Time `json:"last_attempt_at,omitempty"`
	LastResult    string     `json:"last_result,omitempty"`
	DeliveredAt   *time.Time `json:"delivered_at,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
}

func toDeliveryJSON(d *Delivery) deliveryOut {
	out := deliveryOut{ID: d.ID, EndpointID: d.EndpointID, MessageID: d.MessageID, AccountID: d.AccountID, Status: d.Status,
		Attempts: d.Attempts, LastAttemptAt: d.LastAttemptAt, LastResult: d.LastResult, DeliveredAt: d.DeliveredAt, CreatedAt: d.CreatedAt}
	if d.Status == StatusPending {
		next := d.NextAttemptAt
		out.NextAttemptAt = &next
	}
	return out
}

type deliveryList struct {
	Items      []deliveryOut `json:"items"`
	NextCursor string        `json:"next_cursor,omitempty"`
}
