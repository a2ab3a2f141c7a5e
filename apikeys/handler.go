package apikeys

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/accountkit/accountkit/internal/httpx"
	"github.com/accountkit/accountkit/security"
)

// Routes served by Handler.
const (
	RouteList   = "GET /api/v1/accounts/{id}/api-keys"
	RouteCreate = "POST /api/v1/accounts/{id}/api-keys"
	RouteGet    = "GET /api/v1/api-keys/{id}"
	RouteUpdate = "PATCH /api/v1/api-keys/{id}"
	RouteRevoke = "POST /api/v1/api-keys/{id}/revoke"
)

// Handler serves the API keys API. It calls only the Service.
type Handler struct {
	httpx.Mux
	svc *Service
}

// NewHandler returns the API keys API handler.
func NewHandler(svc *Service, logger *slog.Logger) *Handler {
	h := &Handler{svc: svc}
	h.Mux = httpx.NewMux(logger, []httpx.Route{
		{Pattern: RouteList, Serve: h.list},
		{Pattern: RouteCreate, Serve: h.create},
		{Pattern: RouteGet, Serve: h.get},
		{Pattern: RouteUpdate, Serve: h.update},
		{Pattern: RouteRevoke, Serve: h.revoke},
	}...)
	return h
}

// list serves RouteList: ?revoked=true&limit=&cursor=.
func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	limit, err := httpx.QueryInt(r, "limit")
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	revoked, err := httpx.QueryBool(r, "revoked")
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	page, err := h.svc.List(r.Context(), ListInput{AccountID: r.PathValue("id"), IncludeRevoked: revoked,
		Cursor: r.URL.Query().Get("cursor"), Limit: limit})
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	now := h.svc.Now()
	out := listOut{Items: make([]keyOut, len(page.Keys)), NextCursor: page.NextCursor}
	for i, k := range page.Keys {
		out.Items[i] = toJSON(k, now)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// create serves RouteCreate. The answer is the only place the secret
// ever appears.
func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	var in CreateInput
	if err := httpx.DecodeJSON(w, r, 0, &in); err != nil {
		h.svc.audit.RecordFailure(r.Context(), *GenerateEntry(r.PathValue("id"), ""), err)
		h.Fail(w, r, err)
		return
	}
	if vs := r.Header.Values("Idempotency-Key"); len(vs) > 0 {
		in.IdempotencyKey = vs[0]
		if len(vs) > 1 || vs[0] == "" {
			in.IdempotencyKey = "\x00" // refused by the validation, naming the header
		}
	}
	c, err := h.svc.Create(r.Context(), r.PathValue("id"), in)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, createdOut{keyOut: toJSON(c.Key, h.svc.Now()), Secret: c.Secret})
}

// get serves RouteGet.
func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	k, err := h.svc.Get(r.Context(), r.PathValue("id"))
	h.reply(w, r, k, err)
}

// update serves RouteUpdate: {"name": ..., "expires_at": ...}.
func (h *Handler) update(w http.ResponseWriter, r *http.Request) {
	var u Update
	if err := httpx.DecodeJSON(w, r, 0, &u); err != nil {
		h.svc.audit.RecordFailure(r.Context(), *UpdateEntry(r.PathValue("id")), err)
		h.Fail(w, r, err)
		return
	}
	k, err := h.svc.Update(r.Context(), r.PathValue("id"), u)
	h.reply(w, r, k, err)
}

// revoke serves RouteRevoke.
func (h *Handler) revoke(w http.ResponseWriter, r *http.Request) {
	k, err := h.svc.Revoke(r.Context(), r.PathValue("id"))
	h.reply(w, r, k, err)
}

func (h *Handler) reply(w http.ResponseWriter, r *http.Request, k *Key, err error) {
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, toJSON(k, h.svc.Now()))
}

type keyOut struct {
	ID            string                `json:"id"`
	AccountID     string                `json:"account_id"`
	Name          string                `json:"name"`
	Prefix        string                `json:"prefix"`
	Permissions   []security.Permission `json:"permissions"`
	State         State                 `json:"state"`
	CreatedBy     string                `json:"created_by,omitempty"`
	CreatedByName string                `json:"created_by_name"`
	CreatedAt     time.Time             `json:"created_at"`
	UpdatedAt     time.Time             `json:"updated_at"`
	ValidFrom     time.Time             `json:"valid_from"`
	ExpiresAt     time.Time             `json:"expires_at"`
	RevokedAt     *time.Time            `json:"revoked_at,omitempty"`
	LastUsedAt    *time.Time            `json:"last_used_at,omitempty"`
}

func toJSON(k *Key, now time.Time) keyOut {
	return keyOut{ID: k.ID, AccountID: k.AccountID, Name: k.Name, Prefix: k.Prefix, Permissions: httpx.List(k.Permissions),
		State: k.StateAt(now), CreatedBy: k.CreatedBy, CreatedByName: k.CreatedByName, CreatedAt: k.CreatedAt,
		UpdatedAt: k.UpdatedAt, ValidFrom: k.ValidFrom, ExpiresAt: k.ExpiresAt, RevokedAt: k.RevokedAt, LastUsedAt: k.LastUsedAt}
}

type createdOut struct {
	keyOut
	// Secret is shown once, here only.
	Secret string `json:"secret"`
}

type listOut struct {
	Items      []keyOut `json:"items"`
	NextCursor string   `json:"next_cursor,omitempty"`
}
