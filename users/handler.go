package users

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/internal/httpx"
	"github.com/accountkit/accountkit/security"
)

// Routes served by Handler. The sign-in routes (/api/v1/auth/...) are the
// auth package's, but for the signed-in user's phone verification, which
// belongs to their profile.
const (
	RoutePhoneCode   = "POST /api/v1/auth/phone/code"
	RoutePhoneVerify = "POST /api/v1/auth/phone/verify"

	RouteList       = "GET /api/v1/users"
	RouteCreate     = "POST /api/v1/users"
	RouteExport     = "GET /api/v1/users/export"
	RouteGet        = "GET /api/v1/users/{id}"
	RouteUpdate     = "PATCH /api/v1/users/{id}"
	RouteDisable    = "POST /api/v1/users/{id}/disable"
	RouteEnable     = "POST /api/v1/users/{id}/enable"
	RouteLock       = "POST /api/v1/users/{id}/lock"
	RouteUnlock     = "POST /api/v1/users/{id}/unlock"
	RouteInvitation = "POST /api/v1/users/{id}/invitation"
	RouteDelete     = "DELETE /api/v1/users/{id}"
	RouteMove       = "POST /api/v1/users/{id}/move"

	RouteRoles       = "GET /api/v1/roles"
	RouteCreateRole  = "POST /api/v1/roles"
	RouteUpdateRole  = "PUT /api/v1/roles/{id}"
	RouteDeleteRole  = "DELETE /api/v1/roles/{id}"
	RoutePermissions = "GET /api/v1/permissions"
)

// Handler serves the users and roles API. It calls only the Service.
type Handler struct {
	httpx.Mux
	svc *Service
}

// NewHandler returns the users API handler.
func NewHandler(svc *Service, logger *slog.Logger) *Handler {
	h := &Handler{svc: svc}
	h.Mux = httpx.NewMux(logger, []httpx.Route{
		{Pattern: RoutePhoneCode, Serve: h.phoneCode},
		{Pattern: RoutePhoneVerify, Serve: h.phoneVerify},
		{Pattern: RouteList, Serve: h.list},
		{Pattern: RouteCreate, Serve: h.create},
		{Pattern: RouteExport, Serve: h.export},
		{Pattern: RouteGet, Serve: h.get},
		{Pattern: RouteUpdate, Serve: h.update},
		{Pattern: RouteDisable, Serve: h.action(svc.Disable)},
		{Pattern: RouteEnable, Serve: h.action(svc.Enable)},
		{Pattern: RouteLock, Serve: h.action(svc.Lock)},
		{Pattern: RouteUnlock, Serve: h.action(svc.Unlock)},
		{Pattern: RouteInvitation, Serve: h.invitation},
		{Pattern: RouteDelete, Serve: h.delete},
		{Pattern: RouteMove, Serve: h.move},
		{Pattern: RouteRoles, Serve: h.roles},
		{Pattern: RouteCreateRole, Serve: h.createRole},
		{Pattern: RouteUpdateRole, Serve: h.updateRole},
		{Pattern: RouteDeleteRole, Serve: h.deleteRole},
		{Pattern: RoutePermissions, Serve: h.permissions},
	}...)
	return h
}

// phoneCode serves RoutePhoneCode.
func (h *Handler) phoneCode(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.SendPhoneCode(r.Context()); err != nil {
		h.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// phoneVerify serves RoutePhoneVerify.
func (h *Handler) phoneVerify(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Code string `json:"code"`
	}
	if !h.Decode(w, r, &in) {
		return
	}
	if err := h.svc.VerifyPhone(r.Context(), in.Code); err != nil {
		h.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func listInput(r *http.Request) (ListInput, error) {
	q := r.URL.Query()
	limit, err := httpx.QueryInt(r, "limit")
	if err != nil {
		return ListInput{}, err
	}
	sub, err := httpx.QueryBool(r, "include_subaccounts")
	if err != nil {
		return ListInput{}, err
	}
	in := ListInput{AccountID: q.Get("account_id"), IncludeSubaccounts: sub, Status: q.Get("status"), Role: q.Get("role"), Team: q.Get("team_id"),
		Search: q.Get("q"), Sort: q.Get("sort"), Cursor: q.Get("cursor"), Limit: limit}
	if q.Has("locked") {
		b, err := httpx.QueryBool(r, "locked")
		if err != nil {
			return ListInput{}, err
		}
		in.Locked = &b
	}
	if q.Has("never_signed_in") {
		b, err := httpx.QueryBool(r, "never_signed_in")
		if err != nil {
			return ListInput{}, err
		}
		in.NeverSignedIn = &b
	}
	return in, nil
}

type listResponse struct {
	Items      []UserJSON `json:"items"`
	NextCursor string     `json:"next_cursor,omitempty"`
}

// list serves RouteList.
func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	in, err := listInput(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	page, err := h.svc.List(r.Context(), in)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	out := listResponse{Items: make([]UserJSON, len(page.Users)), NextCursor: page.NextCursor}
	for i, u := range page.Users {
		out.Items[i] = WithTeams(ToJSON(u), page.Teams[u.ID])
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// export serves RouteExport: the list's filters plus format=csv|json,
// streamed.
func (h *Handler) export(w http.ResponseWriter, r *http.Request) {
	in, err := listInput(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	format := ExportFormat(r.URL.Query().Get("format"))
	if format == "" {
		format = ExportCSV
	}
	ct := "text/csv; charset=utf-8"
	if format == ExportJSON {
		ct = "application/json"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", `attachment; filename="users.`+string(format)+`"`)
	w.Header().Set("Cache-Control", "no-store")
	sw := &httpx.StartedWriter{W: w}
	if err := h.svc.Export(r.Context(), in, format, sw); err != nil {
		if !sw.Started {
			w.Header().Del("Content-Disposition")
			h.Fail(w, r, err)
			return
		}
		h.Logger().ErrorContext(r.Context(), "users export failed mid-stream", "err", err)
	}
}

// create serves RouteCreate.
func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	var in CreateInput
	if !h.Decode(w, r, &in) {
		return
	}
	u, err := h.svc.Create(r.Context(), in)
	if err != nil && u == nil {
		h.Fail(w, r, err)
		return
	}
	// A user whose invitation email failed exists: 201, and the admin resends.
	httpx.WriteJSON(w, http.StatusCreated, ToJSON(u))
}

// get serves RouteGet.
func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	u, err := h.svc.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	teams, err := h.svc.Teams(r.Context(), u.ID)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, WithTeams(ToJSON(u), teams))
}

// update serves RouteUpdate.
func (h *Handler) update(w http.ResponseWriter, r *http.Request) {
	var up Update
	if !h.Decode(w, r, &up) {
		return
	}
	u, err := h.svc.Update(r.Context(), r.PathValue("id"), up)
	h.reply(w, r, u, err)
}

func (h *Handler) action(fn func(ctx context.Context, id string) (*User, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, err := fn(r.Context(), r.PathValue("id"))
		h.reply(w, r, u, err)
	}
}

// delete serves RouteDelete: 204.
func (h *Handler) delete(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.Delete(r.Context(), r.PathValue("id")); err != nil {
		h.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// move serves RouteMove: {"account_id": "..."} → the moved user.
func (h *Handler) move(w http.ResponseWriter, r *http.Request) {
	var in struct {
		AccountID string `json:"account_id"`
	}
	if !h.Decode(w, r, &in) {
		return
	}
	u, err := h.svc.Move(r.Context(), r.PathValue("id"), in.AccountID)
	h.reply(w, r, u, err)
}

// invitation serves RouteInvitation: resend the invitation email.
func (h *Handler) invitation(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.ResendInvitation(r.Context(), r.PathValue("id")); err != nil {
		h.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func (h *Handler) reply(w http.ResponseWriter, r *http.Request, u *User, err error) {
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, ToJSON(u))
}

// roles serves RouteRoles.
func (h *Handler) roles(w http.ResponseWriter, r *http.Request) {
	roles, err := h.svc.Roles(r.Context(), r.URL.Query().Get("account_id"))
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	for i := range roles {
		roles[i].Permissions = httpx.List(roles[i].Permissions)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": httpx.List(roles)})
}

type roleJSON struct {
	ID          string    `json:"id"`
	AccountID   string    `json:"account_id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Permissions []string  `json:"permissions"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func roleOut(r *Role) roleJSON {
	return roleJSON{ID: r.ID, AccountID: r.AccountID, Name: r.Name, Description: r.Description, Permissions: httpx.List(r.Permissions), CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// createRole serves RouteCreateRole.
func (h *Handler) createRole(w http.ResponseWriter, r *http.Request) {
	var in RoleInput
	if !h.Decode(w, r, &in) {
		return
	}
	role, err := h.svc.CreateRole(r.Context(), in)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, roleOut(role))
}

// updateRole serves RouteUpdateRole.
func (h *Handler) updateRole(w http.ResponseWriter, r *http.Request) {
	var in RoleInput
	if !h.Decode(w, r, &in) {
		return
	}
	role, err := h.svc.UpdateRole(r.Context(), r.PathValue("id"), in)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, roleOut(role))
}

// deleteRole serves RouteDeleteRole.
func (h *Handler) deleteRole(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.DeleteRole(r.Context(), r.PathValue("id")); err != nil {
		h.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// permissions serves RoutePermissions: every registered permission.
func (h *Handler) permissions(w http.ResponseWriter, r *http.Request) {
	if security.PrincipalFrom(r.Context()) == nil {
		h.Fail(w, r, accountkit.Errorf(accountkit.Unauthenticated, "authentication required"))
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": httpx.List(h.svc.Registry().Permissions())})
}
