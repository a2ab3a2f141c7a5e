package auth

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/internal/httpx"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/users"
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

	RouteTwoFactorStatus  = "GET /api/v1/auth/2fa"
	RouteTwoFactorVerify  = "POST /api/v1/auth/2fa/verify"
	RouteTwoFactorEnroll  = "POST /api/v1/auth/2fa/enroll"
	RouteTwoFactorConfirm = "POST /api/v1/auth/2fa/enroll/confirm"
	RouteTwoFactorDisable = "POST /api/v1/auth/2fa/disable"
	RouteRecoveryCodes    = "POST /api/v1/auth/2fa/recovery-codes"
	RouteTwoFactorReset   = "POST /api/v1/users/{id}/2fa/reset"

	RouteSessions         = "GET /api/v1/auth/sessions"
	RouteEndSession       = "DELETE /api/v1/auth/sessions/{id}"
	RouteEndOtherSessions = "POST /api/v1/auth/sessions/end-others"
	RouteEndUserSessions  = "POST /api/v1/users/{id}/sessions/end"
)

// TwoFactorCookie carries the challenge of a sign-in's second-factor step
// when the first factor ended in a browser redirect (a single sign-on
// whose account asks for local two-factor authentication): an HttpOnly,
// Secure, SameSite=Strict cookie scoped to the /api/v1/auth/2fa routes
// (the sso package sets a second copy scoped to its two-factor page),
// expiring with the challenge. RouteTwoFactorVerify, and
// RouteTwoFactorEnroll and RouteTwoFactorConfirm when no one is signed in,
// use it when the body gives no challenge_token. The challenge is single
// use, so the cookie is worthless once the step is done.
const TwoFactorCookie = "accountkit_2fa"

// challengeFromCookie returns the TwoFactorCookie's value, or "".
func challengeFromCookie(r *http.Request) string {
	if c, err := r.Cookie(TwoFactorCookie); err == nil && len(c.Value) <= 128 {
		return c.Value
	}
	return ""
}

// Handler serves the sign-in, session, password and two-factor API. It
// calls only the Service.
type Handler struct {
	httpx.Mux
	svc *Service
}

// NewHandler returns the auth API handler.
func NewHandler(svc *Service, logger *slog.Logger) *Handler {
	h := &Handler{svc: svc}
	h.Mux = httpx.NewMux(logger, []httpx.Route{
		{Pattern: RouteLogin, Serve: h.login},
		{Pattern: RouteLogout, Serve: h.logout},
		{Pattern: RouteMe, Serve: h.me},
		{Pattern: RouteForgot, Serve: h.forgot},
		{Pattern: RouteReset, Serve: h.reset},
		{Pattern: RouteChangePassword, Serve: h.changePassword},
		{Pattern: RouteExpired, Serve: h.expired},
		{Pattern: RouteAccept, Serve: h.accept},
		{Pattern: RouteVerifyEmail, Serve: h.verifyEmail},
		{Pattern: RouteTwoFactorStatus, Serve: h.twoFactorStatus},
		{Pattern: RouteTwoFactorVerify, Serve: h.twoFactorVerify},
		{Pattern: RouteTwoFactorEnroll, Serve: h.twoFactorEnroll},
		{Pattern: RouteTwoFactorConfirm, Serve: h.twoFactorConfirm},
		{Pattern: RouteTwoFactorDisable, Serve: h.twoFactorDisable},
		{Pattern: RouteRecoveryCodes, Serve: h.recoveryCodes},
		{Pattern: RouteTwoFactorReset, Serve: h.twoFactorReset},
		{Pattern: RouteSessions, Serve: h.sessions},
		{Pattern: RouteEndSession, Serve: h.endSession},
		{Pattern: RouteEndOtherSessions, Serve: h.endOtherSessions},
		{Pattern: RouteEndUserSessions, Serve: h.endUserSessions},
	}...)
	return h
}

type loginResponse struct {
	Status LoginStatus `json:"status"`
	// ChallengeToken is the second-factor or enrollment step.
	ChallengeToken     string          `json:"challenge_token,omitempty"`
	ChallengeExpiresAt *time.Time      `json:"challenge_expires_at,omitempty"`
	Token              string          `json:"token,omitempty"`
	CSRFToken          string          `json:"csrf_token,omitempty"`
	ExpiresAt          *time.Time      `json:"expires_at,omitempty"`
	ChangeToken        string          `json:"change_token,omitempty"`
	User               *users.UserJSON `json:"user,omitempty"`
}

func (h *Handler) writeLogin(w http.ResponseWriter, res *LoginResult) {
	httpx.WriteJSON(w, http.StatusOK, h.loginBody(w, res))
}

// loginBody sets the session cookie of res, if any, and returns its body.
func (h *Handler) loginBody(w http.ResponseWriter, res *LoginResult) loginResponse {
	out := loginResponse{Status: res.Status, ChangeToken: res.ChangeToken,
		ChallengeToken: res.ChallengeToken, ChallengeExpiresAt: res.ChallengeExpiresAt}
	if res.Session != nil {
		h.svc.SetCookie(w, res.Token, res.Session.ExpiresAt)
		u := users.ToJSON(res.User)
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
	if !h.Decode(w, r, &in) {
		return
	}
	in.IP, in.UserAgent = httpx.ClientIP(r), r.UserAgent()
	res, err := h.svc.Login(r.Context(), in)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	h.writeLogin(w, res)
}

// logout serves RouteLogout.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	token := security.BearerToken(r)
	if token == "" {
		token = h.svc.SessionCookieValue(r)
	}
	if security.PrincipalFrom(r.Context()) == nil || token == "" {
		h.Fail(w, r, accountkit.Errorf(accountkit.Unauthenticated, "not signed in"))
		return
	}
	if err := h.svc.Logout(r.Context(), token); err != nil {
		h.Fail(w, r, err)
		return
	}
	h.svc.ClearCookie(w)
	w.WriteHeader(http.StatusNoContent)
}

type meResponse struct {
	User        users.UserJSON        `json:"user"`
	Permissions []security.Permission `json:"permissions"`
	// CSRFToken is the session's CSRF token, for callers authenticated by
	// the session cookie: the token cookie-authenticated mutations carry in
	// X-CSRF-Token, whatever way the session started.
	CSRFToken string `json:"csrf_token,omitempty"`
	// Seat tells whether the user holds a seat (absent when the service
	// was built without seats).
	Seat *bool `json:"seat,omitempty"`
}

// me serves RouteMe: the signed-in user and their effective permissions;
// for a session cookie, also the session's CSRF token. Never cached.
func (h *Handler) me(w http.ResponseWriter, r *http.Request) {
	p := security.PrincipalFrom(r.Context())
	if p == nil || p.UserID == "" {
		h.Fail(w, r, accountkit.Errorf(accountkit.Unauthenticated, "not signed in"))
		return
	}
	u, err := h.svc.Me(r.Context())
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	out := meResponse{User: users.ToJSON(u), Permissions: httpx.List(p.Permissions.List())}
	held, known, err := h.svc.MySeat(r.Context())
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	if known {
		out.Seat = &held
	}
	if c := h.svc.SessionCookieValue(r); c != "" && p.SessionID != "" && security.BearerToken(r) == "" {
		out.CSRFToken = CSRFToken(c)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// forgot serves RouteForgot: always 202.
func (h *Handler) forgot(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Username string `json:"username"`
	}
	if !h.Decode(w, r, &in) {
		return
	}
	// A missing username is malformed input, not an unknown user: refusing
	// it tells nothing about who exists.
	if strings.TrimSpace(in.Username) == "" {
		h.Fail(w, r, accountkit.InvalidField("username", "is required"))
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
	if !h.Decode(w, r, &in) {
		return
	}
	if err := h.svc.ResetPassword(r.Context(), in.Token, in.Password); err != nil {
		h.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// accept serves RouteAccept.
func (h *Handler) accept(w http.ResponseWriter, r *http.Request) {
	var in tokenPassword
	if !h.Decode(w, r, &in) {
		return
	}
	if _, err := h.svc.AcceptInvitation(r.Context(), in.Token, in.Password); err != nil {
		h.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// verifyEmail serves RouteVerifyEmail.
func (h *Handler) verifyEmail(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Token string `json:"token"`
	}
	if !h.Decode(w, r, &in) {
		return
	}
	if err := h.svc.VerifyEmail(r.Context(), in.Token); err != nil {
		h.Fail(w, r, err)
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
	if !h.Decode(w, r, &in) {
		return
	}
	if err := h.svc.ChangePassword(r.Context(), in.Current, in.Password); err != nil {
		h.Fail(w, r, err)
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
	if !h.Decode(w, r, &in) {
		return
	}
	res, err := h.svc.ChangeExpiredPassword(r.Context(), in.Token, in.Password, httpx.ClientIP(r), r.UserAgent())
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	h.writeLogin(w, res)
}

// twoFactorStatus serves RouteTwoFactorStatus: the signed-in user's 2FA.
func (h *Handler) twoFactorStatus(w http.ResponseWriter, r *http.Request) {
	st, err := h.svc.TwoFactorStatus(r.Context())
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, st)
}

// twoFactorVerify serves RouteTwoFactorVerify: {"challenge_token", "code"
// | "recovery_code"} → a sign-in answer, as RouteLogin's. Without
// challenge_token the TwoFactorCookie's challenge is used.
func (h *Handler) twoFactorVerify(w http.ResponseWriter, r *http.Request) {
	var in VerifyInput
	if !h.Decode(w, r, &in) {
		return
	}
	if in.ChallengeToken == "" {
		in.ChallengeToken = challengeFromCookie(r)
	}
	in.IP, in.UserAgent = httpx.ClientIP(r), r.UserAgent()
	res, err := h.svc.VerifyTwoFactor(r.Context(), in)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	h.writeLogin(w, res)
}

// twoFactorEnroll serves RouteTwoFactorEnroll: signed in with an empty
// body, or {"challenge_token"} from a sign-in that requires enrollment (the
// TwoFactorCookie's when no one is signed in and the body gives none).
// The answer holds the secret, the otpauth URI and a QR code PNG (base64):
// the only time the secret is shown.
func (h *Handler) twoFactorEnroll(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ChallengeToken string `json:"challenge_token"`
	}
	if r.ContentLength != 0 && !h.Decode(w, r, &in) {
		return
	}
	if in.ChallengeToken == "" && security.PrincipalFrom(r.Context()) == nil {
		in.ChallengeToken = challengeFromCookie(r)
	}
	en, err := h.svc.BeginTwoFactorEnrollment(r.Context(), in.ChallengeToken)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, enrollmentResponse{Secret: en.Secret, URI: en.URI, QRCodePNG: en.QRCodePNG})
}

// twoFactorConfirm serves RouteTwoFactorConfirm: {"code"[,
// "challenge_token"]} → the recovery codes (shown once) and, with a
// challenge, the completed sign-in.
func (h *Handler) twoFactorConfirm(w http.ResponseWriter, r *http.Request) {
	var in ConfirmInput
	if !h.Decode(w, r, &in) {
		return
	}
	if in.ChallengeToken == "" && security.PrincipalFrom(r.Context()) == nil {
		in.ChallengeToken = challengeFromCookie(r)
	}
	in.IP, in.UserAgent = httpx.ClientIP(r), r.UserAgent()
	res, err := h.svc.ConfirmTwoFactorEnrollment(r.Context(), in)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	out := confirmResponse{RecoveryCodes: httpx.List(res.RecoveryCodes)}
	if res.Login != nil {
		body := h.loginBody(w, res.Login)
		out.Login = &body
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// twoFactorDisable serves RouteTwoFactorDisable: {"code"}.
func (h *Handler) twoFactorDisable(w http.ResponseWriter, r *http.Request) {
	var in codeRequest
	if !h.Decode(w, r, &in) {
		return
	}
	if err := h.svc.DisableTwoFactor(r.Context(), in.Code); err != nil {
		h.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// recoveryCodes serves RouteRecoveryCodes: {"code"} → new recovery codes.
func (h *Handler) recoveryCodes(w http.ResponseWriter, r *http.Request) {
	var in codeRequest
	if !h.Decode(w, r, &in) {
		return
	}
	codes, err := h.svc.RegenerateRecoveryCodes(r.Context(), in.Code)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, confirmResponse{RecoveryCodes: httpx.List(codes)})
}

// twoFactorReset serves RouteTwoFactorReset (PermSecurityManage).
func (h *Handler) twoFactorReset(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.ResetTwoFactor(r.Context(), r.PathValue("id")); err != nil {
		h.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type codeRequest struct {
	Code string `json:"code"`
}

type enrollmentResponse struct {
	Secret string `json:"secret"`
	URI    string `json:"otpauth_uri"`
	// QRCodePNG is encoded as base64 by encoding/json.
	QRCodePNG []byte `json:"qr_code_png"`
}

type confirmResponse struct {
	RecoveryCodes []string       `json:"recovery_codes"`
	Login         *loginResponse `json:"login,omitempty"`
}

// sessionJSON is a session as its owner sees it: never its token.
type sessionJSON struct {
	ID         string            `json:"id"`
	Method     users.LoginMethod `json:"method"`
	CreatedAt  time.Time         `json:"created_at"`
	LastSeenAt time.Time         `json:"last_seen_at"`
	ExpiresAt  time.Time         `json:"expires_at"`
	IP         string            `json:"ip"`
	UserAgent  string            `json:"user_agent"`
	// Current marks the session the request was made with.
	Current bool `json:"current"`
}

// sessions serves RouteSessions: the signed-in user's live sessions.
func (h *Handler) sessions(w http.ResponseWriter, r *http.Request) {
	list, err := h.svc.Sessions(r.Context())
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	current := ""
	if p := security.PrincipalFrom(r.Context()); p != nil {
		current = p.SessionID
	}
	out := make([]sessionJSON, len(list))
	for i, s := range list {
		out[i] = sessionJSON{ID: s.ID, Method: s.Method, CreatedAt: s.CreatedAt, LastSeenAt: s.LastSeenAt, ExpiresAt: s.ExpiresAt,
			IP: s.IP, UserAgent: s.UserAgent, Current: s.ID == current}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": httpx.List(out)})
}

// endSession serves RouteEndSession: 204; ending the current session signs
// out (the cookie is cleared).
func (h *Handler) endSession(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := h.svc.EndSession(r.Context(), id); err != nil {
		h.Fail(w, r, err)
		return
	}
	if p := security.PrincipalFrom(r.Context()); p != nil && p.SessionID == id {
		h.svc.ClearCookie(w)
	}
	w.WriteHeader(http.StatusNoContent)
}

// endOtherSessions serves RouteEndOtherSessions: {"ended": n}.
func (h *Handler) endOtherSessions(w http.ResponseWriter, r *http.Request) {
	n, err := h.svc.EndOtherSessions(r.Context())
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]int{"ended": n})
}

// endUserSessions serves RouteEndUserSessions (PermUsersManage):
// {"ended": n}.
func (h *Handler) endUserSessions(w http.ResponseWriter, r *http.Request) {
	n, err := h.svc.EndUserSessions(r.Context(), r.PathValue("id"))
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]int{"ended": n})
}
