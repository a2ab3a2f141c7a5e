package users

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/internal/httpx"
	"github.com/accountkit/accountkit/security"
)

// Routes served by Handler.
const (
	RouteLogin          = "POST /api/v1/auth/login"
	RouteLogout         = "POST /api/v1/auth/logout"
	RouteMe             = "GET /api/v1/auth/me"
	RouteForgot         = "POST /api/v1/auth/password/forgot"
	RouteReset          = "POST /api/v1/auth/password/reset"
	RouteChangePassword = "POST /api/v1/auth/password/change"
	RouteExpired        = "POST /api/v1/auth/password/expired"
	RouteAccept         = "POST /api/v1/auth/invitation/accept"
	RouteVerifyEmail    = "POST /api/v1/auth/email/verify"
	RoutePhoneCode      = "POST /api/v1/auth/phone/code"
	RoutePhoneVerify    = "POST /api/v1/auth/phone/verify"

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

// Handler serves the users, sign-in and roles API. It calls only the
// Service.
type Handler struct {
	svc    *Service
	logger *slog.Logger
	mux    *http.ServeMux
}

// NewHandler returns the users API handler.
func NewHandler(svc *Service, logger *slog.Logger) *Handler {
	if logger == nil {
		logger = slog.Default()
	}
	h := &Handler{svc: svc, logger: logger, mux: http.NewServeMux()}
	h.Register(h.mux)
	return h
}

// ServeHTTP serves the routes on their own.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// Register adds the handler's routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc(RouteLogin, h.login)
	mux.HandleFunc(RouteLogout, h.logout)
	mux.HandleFunc(RouteMe, h.me)
	mux.HandleFunc(RouteForgot, h.forgot)
	mux.HandleFunc(RouteReset, h.reset)
	mux.HandleFunc(RouteChangePassword, h.changePassword)
	mux.HandleFunc(RouteExpired, h.expired)
	mux.HandleFunc(RouteAccept, h.accept)
	mux.HandleFunc(RouteVerifyEmail, h.verifyEmail)
	mux.HandleFunc(RoutePhoneCode, h.phoneCode)
	mux.HandleFunc(RoutePhoneVerify, h.phoneVerify)
	mux.HandleFunc(RouteList, h.list)
	mux.HandleFunc(RouteCreate, h.create)
	mux.HandleFunc(RouteExport, h.export)
	mux.HandleFunc(RouteGet, h.get)
	mux.HandleFunc(RouteUpdate, h.update)
	mux.HandleFunc(RouteDisable, h.action(h.svc.Disable))
	mux.HandleFunc(RouteEnable, h.action(h.svc.Enable))
	mux.HandleFunc(RouteLock, h.action(h.svc.Lock))
	mux.HandleFunc(RouteUnlock, h.action(h.svc.Unlock))
	mux.HandleFunc(RouteInvitation, h.invitation)
	mux.HandleFunc(RouteDelete, h.delete)
	mux.HandleFunc(RouteMove, h.move)
	mux.HandleFunc(RouteRoles, h.roles)
	mux.HandleFunc(RouteCreateRole, h.createRole)
	mux.HandleFunc(RouteUpdateRole, h.updateRole)
	mux.HandleFunc(RouteDeleteRole, h.deleteRole)
	mux.HandleFunc(RoutePermissions, h.permissions)
	h.registerTwoFactor(mux)
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	httpx.WriteError(w, r, h.logger, err)
}

func (h *Handler) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := httpx.DecodeJSON(w, r, 0, v); err != nil {
		h.fail(w, r, err)
		return false
	}
	return true
}

type loginResponse struct {
	Status LoginStatus `json:"status"`
	// ChallengeToken is the second-factor or enrollment step.
	ChallengeToken     string     `json:"challenge_token,omitempty"`
	ChallengeExpiresAt *time.Time `json:"challenge_expires_at,omitempty"`
	Token              string     `json:"token,omitempty"`
	CSRFToken          string     `json:"csrf_token,omitempty"`
	ExpiresAt          *time.Time `json:"expires_at,omitempty"`
	ChangeToken        string     `json:"change_token,omitempty"`
	User               *UserJSON  `json:"user,omitempty"`
}

func (h *Handler) writeLogin(w http.ResponseWriter, res *LoginResult) {
	httpx.WriteJSON(w, http.StatusOK, loginBody(w, res))
}

// loginBody sets the session cookie of res, if any, and returns its body.
func loginBody(w http.ResponseWriter, res *LoginResult) loginResponse {
	out := loginResponse{Status: res.Status, ChangeToken: res.ChangeToken,
		ChallengeToken: res.ChallengeToken, ChallengeExpiresAt: res.ChallengeExpiresAt}
	if res.Session != nil {
		SetSessionCookie(w, res.Token, res.Session.ExpiresAt)
		u := ToJSON(res.User)
		out.Token, out.CSRFToken, out.ExpiresAt, out.User = res.Token, res.CSRFToken, &res.Session.ExpiresAt, &u
	}
	return out
}

// login serves RouteLogin: {"username": "...", "password": "..."}; the
// username may be an email. The session token comes back in the body (for
// bearer use) and as an HttpOnly cookie (for browsers, with csrf_token for
// mutations).
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	var in LoginInput
	if !h.decode(w, r, &in) {
		return
	}
	in.IP, in.UserAgent = httpx.ClientIP(r), r.UserAgent()
	res, err := h.svc.Login(r.Context(), in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeLogin(w, res)
}

// logout serves RouteLogout.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	token := security.BearerToken(r)
	if token == "" {
		if c, err := r.Cookie(SessionCookie); err == nil {
			token = c.Value
		}
	}
	if security.PrincipalFrom(r.Context()) == nil || token == "" {
		h.fail(w, r, accountkit.Errorf(accountkit.Unauthenticated, "not signed in"))
		return
	}
	if err := h.svc.Logout(r.Context(), token); err != nil {
		h.fail(w, r, err)
		return
	}
	ClearSessionCookie(w)
	w.WriteHeader(http.StatusNoContent)
}

type meResponse struct {
	User        UserJSON              `json:"user"`
	Permissions []security.Permission `json:"permissions"`
}

// me serves RouteMe: the signed-in user and their effective permissions.
func (h *Handler) me(w http.ResponseWriter, r *http.Request) {
	p := security.PrincipalFrom(r.Context())
	if p == nil || p.UserID == "" {
		h.fail(w, r, accountkit.Errorf(accountkit.Unauthenticated, "not signed in"))
		return
	}
	u, err := h.svc.Get(r.Context(), p.UserID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, meResponse{User: ToJSON(u), Permissions: httpx.List(p.Permissions.List())})
}

// forgot serves RouteForgot: always 202.
func (h *Handler) forgot(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Username string `json:"username"`
	}
	if !h.decode(w, r, &in) {
		return
	}
	// A missing username is malformed input, not an unknown user: refusing
	// it tells nothing about who exists.
	if strings.TrimSpace(in.Username) == "" {
		h.fail(w, r, accountkit.InvalidField("username", "is required"))
		return
	}
	_ = h.svc.ForgotPassword(r.Context(), in.Username)
	w.WriteHeader(http.StatusAccepted)
}

type tokenPassword struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

// reset serves RouteReset.
func (h *Handler) reset(w http.ResponseWriter, r *http.Request) {
	var in tokenPassword
	if !h.decode(w, r, &in) {
		return
	}
	if err := h.svc.ResetPassword(r.Context(), in.Token, in.Password); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// accept serves RouteAccept.
func (h *Handler) accept(w http.ResponseWriter, r *http.Request) {
	var in tokenPassword
	if !h.decode(w, r, &in) {
		return
	}
	if _, err := h.svc.AcceptInvitation(r.Context(), in.Token, in.Password); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// verifyEmail serves RouteVerifyEmail.
func (h *Handler) verifyEmail(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Token string `json:"token"`
	}
	if !h.decode(w, r, &in) {
		return
	}
	if err := h.svc.VerifyEmail(r.Context(), in.Token); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// changePassword serves RouteChangePassword.
func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Current  string `json:"current_password"`
		Password string `json:"new_password"`
	}
	if !h.decode(w, r, &in) {
		return
	}
	if err := h.svc.ChangePassword(r.Context(), in.Current, in.Password); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// expired serves RouteExpired: {"change_token", "new_password"} → a login.
func (h *Handler) expired(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Token    string `json:"change_token"`
		Password string `json:"new_password"`
	}
	if !h.decode(w, r, &in) {
		return
	}
	res, err := h.svc.ChangeExpiredPassword(r.Context(), in.Token, in.Password, httpx.ClientIP(r), r.UserAgent())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeLogin(w, res)
}

// phoneCode serves RoutePhoneCode.
func (h *Handler) phoneCode(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.SendPhoneCode(r.Context()); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// phoneVerify serves RoutePhoneVerify.
func (h *Handler) phoneVerify(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Code string `json:"code"`
	}
	if !h.decode(w, r, &in) {
		return
	}
	if err := h.svc.VerifyPhone(r.Context(), in.Code); err != nil {
		h.fail(w, r, err)
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
		h.fail(w, r, err)
		return
	}
	page, err := h.svc.List(r.Context(), in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := listResponse{Items: make([]UserJSON, len(page.Users)), NextCursor: page.NextCursor}
	for i, u := range page.Users {
		out.Items[i] = ToJSON(u)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// export serves RouteExport: the list's filters plus format=csv|json,
// streamed.
func (h *Handler) export(w http.ResponseWriter, r *http.Request) {
	in, err := listInput(r)
	if err != nil {
		h.fail(w, r, err)
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
			h.fail(w, r, err)
			return
		}
		h.logger.ErrorContext(r.Context(), "users export failed mid-stream", "err", err)
	}
}

// create serves RouteCreate.
func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	var in CreateInput
	if !h.decode(w, r, &in) {
		return
	}
	u, err := h.svc.Create(r.Context(), in)
	if err != nil && u == nil {
		h.fail(w, r, err)
		return
	}
	// A user whose invitation email failed exists: 201, and the admin resends.
	httpx.WriteJSON(w, http.StatusCreated, ToJSON(u))
}

// get serves RouteGet.
func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	u, err := h.svc.Get(r.Context(), r.PathValue("id"))
	h.reply(w, r, u, err)
}

// update serves RouteUpdate.
func (h *Handler) update(w http.ResponseWriter, r *http.Request) {
	var up Update
	if !h.decode(w, r, &up) {
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
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// move serves RouteMove: {"account_id": "..."} → the moved user.
func (h *Handler) move(w http.ResponseWriter, r *http.Request) {
	var in struct {
		AccountID string `json:"account_id"`
	}
	if !h.decode(w, r, &in) {
		return
	}
	u, err := h.svc.Move(r.Context(), r.PathValue("id"), in.AccountID)
	h.reply(w, r, u, err)
}

// invitation serves RouteInvitation: resend the invitation email.
func (h *Handler) invitation(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.ResendInvitation(r.Context(), r.PathValue("id")); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func (h *Handler) reply(w http.ResponseWriter, r *http.Request, u *User, err error) {
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, ToJSON(u))
}

// roles serves RouteRoles.
func (h *Handler) roles(w http.ResponseWriter, r *http.Request) {
	roles, err := h.svc.Roles(r.Context(), r.URL.Query().Get("account_id"))
	if err != nil {
		h.fail(w, r, err)
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
	if !h.decode(w, r, &in) {
		return
	}
	role, err := h.svc.CreateRole(r.Context(), in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, roleOut(role))
}

// updateRole serves RouteUpdateRole.
func (h *Handler) updateRole(w http.ResponseWriter, r *http.Request) {
	var in RoleInput
	if !h.decode(w, r, &in) {
		return
	}
	role, err := h.svc.UpdateRole(r.Context(), r.PathValue("id"), in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, roleOut(role))
}

// deleteRole serves RouteDeleteRole.
func (h *Handler) deleteRole(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.DeleteRole(r.Context(), r.PathValue("id")); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// permissions serves RoutePermissions: every registered permission.
func (h *Handler) permissions(w http.ResponseWriter, r *http.Request) {
	if security.PrincipalFrom(r.Context()) == nil {
		h.fail(w, r, accountkit.Errorf(accountkit.Unauthenticated, "authentication required"))
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": httpx.List(h.svc.Registry().Permissions())})
}
