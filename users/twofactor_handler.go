package users

import (
	"net/http"

	"github.com/accountkit/accountkit/internal/httpx"
	"github.com/accountkit/accountkit/security"
)

// TwoFactorCookie carries the challenge of a sign-in's second-factor step
// when the first factor ended in a browser redirect (a single sign-on
// whose account asks for local two-factor authentication): an HttpOnly,
// Secure, SameSite=Strict cookie scoped to the /api/v1/auth/2fa routes,
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

// Two-factor routes served by Handler.
const (
	RouteTwoFactorStatus  = "GET /api/v1/auth/2fa"
	RouteTwoFactorVerify  = "POST /api/v1/auth/2fa/verify"
	RouteTwoFactorEnroll  = "POST /api/v1/auth/2fa/enroll"
	RouteTwoFactorConfirm = "POST /api/v1/auth/2fa/enroll/confirm"
	RouteTwoFactorDisable = "POST /api/v1/auth/2fa/disable"
	RouteRecoveryCodes    = "POST /api/v1/auth/2fa/recovery-codes"
	RouteTwoFactorReset   = "POST /api/v1/users/{id}/2fa/reset"
)

// registerTwoFactor adds the two-factor routes to mux.
func (h *Handler) registerTwoFactor(mux *http.ServeMux) {
	mux.HandleFunc(RouteTwoFactorStatus, h.twoFactorStatus)
	mux.HandleFunc(RouteTwoFactorVerify, h.twoFactorVerify)
	mux.HandleFunc(RouteTwoFactorEnroll, h.twoFactorEnroll)
	mux.HandleFunc(RouteTwoFactorConfirm, h.twoFactorConfirm)
	mux.HandleFunc(RouteTwoFactorDisable, h.twoFactorDisable)
	mux.HandleFunc(RouteRecoveryCodes, h.recoveryCodes)
	mux.HandleFunc(RouteTwoFactorReset, h.twoFactorReset)
}

// twoFactorStatus serves RouteTwoFactorStatus: the signed-in user's 2FA.
func (h *Handler) twoFactorStatus(w http.ResponseWriter, r *http.Request) {
	st, err := h.svc.TwoFactorStatus(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, st)
}

// twoFactorVerify serves RouteTwoFactorVerify: {"challenge_token", "code"
// | "recovery_code"} → a sign-in answer, as RouteLogin's. Without
// challenge_token the TwoFactorCookie's challenge is used.
func (h *Handler) twoFactorVerify(w http.ResponseWriter, r *http.Request) {
	var in VerifyInput
	if !h.decode(w, r, &in) {
		return
	}
	if in.ChallengeToken == "" {
		in.ChallengeToken = challengeFromCookie(r)
	}
	in.IP, in.UserAgent = httpx.ClientIP(r), r.UserAgent()
	res, err := h.svc.VerifyTwoFactor(r.Context(), in)
	if err != nil {
		h.fail(w, r, err)
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
	if r.ContentLength != 0 && !h.decode(w, r, &in) {
		return
	}
	if in.ChallengeToken == "" && security.PrincipalFrom(r.Context()) == nil {
		in.ChallengeToken = challengeFromCookie(r)
	}
	en, err := h.svc.BeginTwoFactorEnrollment(r.Context(), in.ChallengeToken)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, enrollmentResponse{Secret: en.Secret, URI: en.URI, QRCodePNG: en.QRCodePNG})
}

// twoFactorConfirm serves RouteTwoFactorConfirm: {"code"[,
// "challenge_token"]} → the recovery codes (shown once) and, with a
// challenge, the completed sign-in.
func (h *Handler) twoFactorConfirm(w http.ResponseWriter, r *http.Request) {
	var in ConfirmInput
	if !h.decode(w, r, &in) {
		return
	}
	if in.ChallengeToken == "" && security.PrincipalFrom(r.Context()) == nil {
		in.ChallengeToken = challengeFromCookie(r)
	}
	in.IP, in.UserAgent = httpx.ClientIP(r), r.UserAgent()
	res, err := h.svc.ConfirmTwoFactorEnrollment(r.Context(), in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := confirmResponse{RecoveryCodes: httpx.List(res.RecoveryCodes)}
	if res.Login != nil {
		body := loginBody(w, res.Login)
		out.Login = &body
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// twoFactorDisable serves RouteTwoFactorDisable: {"code"}.
func (h *Handler) twoFactorDisable(w http.ResponseWriter, r *http.Request) {
	var in codeRequest
	if !h.decode(w, r, &in) {
		return
	}
	if err := h.svc.DisableTwoFactor(r.Context(), in.Code); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// recoveryCodes serves RouteRecoveryCodes: {"code"} → new recovery codes.
func (h *Handler) recoveryCodes(w http.ResponseWriter, r *http.Request) {
	var in codeRequest
	if !h.decode(w, r, &in) {
		return
	}
	codes, err := h.svc.RegenerateRecoveryCodes(r.Context(), in.Code)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, confirmResponse{RecoveryCodes: httpx.List(codes)})
}

// twoFactorReset serves RouteTwoFactorReset (PermSecurityManage).
func (h *Handler) twoFactorReset(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.ResetTwoFactor(r.Context(), r.PathValue("id")); err != nil {
		h.fail(w, r, err)
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
