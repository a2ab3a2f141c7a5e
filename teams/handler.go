package teams

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/accountkit/accountkit/internal/httpx"
	"github.com/accountkit/accountkit/users"
)

// Routes served by Handler. Member changes take {"user_ids": [...]};
// RouteRemoveMembersPost is RouteRemoveMembers for clients that cannot send
// a body with DELETE.
const (
	RouteList              = "GET /api/v1/teams"
	RouteCreate            = "POST /api/v1/teams"
	RouteGet               = "GET /api/v1/teams/{id}"
	RouteUpdate            = "PATCH /api/v1/teams/{id}"
	RouteDelete            = "DELETE /api/v1/teams/{id}"
	RouteMembers           = "GET /api/v1/teams/{id}/members"
	RouteAddMembers        = "POST /api/v1/teams/{id}/members"
	RouteRemoveMembers     = "DELETE /api/v1/teams/{id}/members"
	RouteRemoveMembersPost = "POST /api/v1/teams/{id}/members/remove"
)

// maxBody bounds request bodies: 500 IDs of 36 characters fit easily.
const maxBody = 64 << 10

// Handler serves the teams API. It calls only the Service.
type Handler struct {
	httpx.Mux
	svc *Service
}

// NewHandler returns the teams API handler.
func NewHandler(svc *Service, logger *slog.Logger) *Handler {
	h := &Handler{svc: svc}
	h.Mux = httpx.NewMux(logger, []httpx.Route{
		{Pattern: RouteList, Serve: h.list},
		{Pattern: RouteCreate, Serve: h.create},
		{Pattern: RouteGet, Serve: h.get},
		{Pattern: RouteUpdate, Serve: h.update},
		{Pattern: RouteDelete, Serve: h.delete},
		{Pattern: RouteMembers, Serve: h.members},
		{Pattern: RouteAddMembers, Serve: h.changeMembers(true)},
		{Pattern: RouteRemoveMembers, Serve: h.changeMembers(false)},
		{Pattern: RouteRemoveMembersPost, Serve: h.changeMembers(false)},
	}...)
	return h
}

func (h *Handler) reply(w http.ResponseWriter, r *http.Request, status int, t *Team, err error) {
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, status, ToJSON(t))
}

// list serves RouteList: ?account_id=&q=&source=&cursor=&limit=.
func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	limit, err := httpx.QueryInt(r, "limit")
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	q := r.URL.Query()
	page, err := h.svc.List(r.Context(), ListInput{AccountID: q.Get("account_id"), Search: q.Get("q"),
		Source: q.Get("source"), Cursor: q.Get("cursor"), Limit: limit})
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	out := listResponse{Items: make([]TeamJSON, len(page.Teams)), NextCursor: page.NextCursor}
	for i, t := range page.Teams {
		out.Items[i] = ToJSON(t)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// create serves RouteCreate.
func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	var in CreateInput
	if err := httpx.DecodeJSON(w, r, maxBody, &in); err != nil {
		h.svc.refused(r.Context(), createEntry(r.URL.Query().Get("account_id"), ""), err)
		h.Fail(w, r, err)
		return
	}
	t, err := h.svc.Create(r.Context(), in)
	h.reply(w, r, http.StatusCreated, t, err)
}

// get serves RouteGet.
func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	t, err := h.svc.Get(r.Context(), r.PathValue("id"))
	h.reply(w, r, http.StatusOK, t, err)
}

// update serves RouteUpdate.
func (h *Handler) update(w http.ResponseWriter, r *http.Request) {
	var up Update
	if err := httpx.DecodeJSON(w, r, maxBody, &up); err != nil {
		h.svc.refused(r.Context(), updateEntry(r.PathValue("id")), err)
		h.Fail(w, r, err)
		return
	}
	t, err := h.svc.Update(r.Context(), r.PathValue("id"), up)
	h.reply(w, r, http.StatusOK, t, err)
}

// delete serves RouteDelete.
func (h *Handler) delete(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.Delete(r.Context(), r.PathValue("id")); err != nil {
		h.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// members serves RouteMembers: ?q=&cursor=&limit=.
func (h *Handler) members(w http.ResponseWriter, r *http.Request) {
	limit, err := httpx.QueryInt(r, "limit")
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	q := r.URL.Query()
	page, err := h.svc.Members(r.Context(), r.PathValue("id"), MembersInput{Search: q.Get("q"), Cursor: q.Get("cursor"), Limit: limit})
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	out := membersResponse{Items: make([]users.UserJSON, len(page.Users)), NextCursor: page.NextCursor}
	for i, u := range page.Users {
		out.Items[i] = users.ToJSON(u)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// changeMembers serves RouteAddMembers, RouteRemoveMembers and
// RouteRemoveMembersPost.
func (h *Handler) changeMembers(add bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in membersRequest
		if err := httpx.DecodeJSON(w, r, maxBody, &in); err != nil {
			h.svc.refused(r.Context(), updateEntry(r.PathValue("id")), err)
			h.Fail(w, r, err)
			return
		}
		fn := h.svc.RemoveMembers
		if add {
			fn = h.svc.AddMembers
		}
		t, err := fn(r.Context(), r.PathValue("id"), in.UserIDs)
		h.reply(w, r, http.StatusOK, t, err)
	}
}

// TeamJSON is the API representation of a team.
type TeamJSON struct {
	ID          string    `json:"id"`
	AccountID   string    `json:"account_id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Source      Source    `json:"source"`
	Roles       []string  `json:"roles"`
	MemberCount int       `json:"member_count"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// ToJSON returns the API representation of t.
func ToJSON(t *Team) TeamJSON {
	j := TeamJSON{ID: t.ID, AccountID: t.AccountID, Name: t.Name, Description: t.Description, Source: t.Source,
		Roles: httpx.List(t.Roles), MemberCount: t.MemberCount, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
	if j.Roles == nil {
		j.Roles = []string{}
	}
	return j
}

type listResponse struct {
	Items      []TeamJSON `json:"items"`
	NextCursor string     `json:"next_cursor,omitempty"`
}

type membersResponse struct {
	Items      []users.UserJSON `json:"items"`
	NextCursor string           `json:"next_cursor,omitempty"`
}

type membersRequest struct {
	UserIDs []string `json:"user_ids"`
}
