package sso

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/accountkit/accountkit/internal/httpx"
)

// The OIDC routes served by Handler.
const (
	RouteOIDCInitiate  = "GET /login/oidc/{slug}/{$}"
	RouteOIDCCallback  = "GET /login/oidc/{slug}/callback"
	RouteGetOIDCConfig = "GET /api/v1/accounts/{id}/sso/oidc"
	RoutePutOIDCConfig = "PUT /api/v1/accounts/{id}/sso/oidc"
)

// OIDCStateCookie is the name prefix of the cookies that bind an OIDC
// sign-in to the browser that started it, one per sign-in
// (OIDCStateCookieName): HttpOnly, Secure, SameSite=Lax (the provider
// sends the browser back with a top-level GET), scoped to the account's
// /login/oidc/{slug}/ path, living Options.RequestMaxAge and deleted by the
// callback. The value is sealed: it holds the state, the nonce and the
// PKCE verifier.
const OIDCStateCookie = "accountkit_oidc_state"

// OIDCStateCookieName returns the name of the cookie binding the sign-in
// with the state to the browser.
func OIDCStateCookieName(state string) string {
	sum := sha256.Sum256([]byte(state))
	return OIDCStateCookie + "_" + hex.EncodeToString(sum[:8])
}

func (h *Handler) registerOIDCAPI(mux *http.ServeMux) {
	mux.HandleFunc(RouteGetOIDCConfig, h.getOIDCConfig)
	mux.HandleFunc(RoutePutOIDCConfig, h.putOIDCConfig)
}

func (h *Handler) registerOIDCLogin(mux *http.ServeMux) {
	mux.HandleFunc(RouteOIDCInitiate, h.oidcInitiate)
	mux.HandleFunc(RouteOIDCCallback, h.oidcCallback)
}

func (h *Handler) oidcCookie(slug, state, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: OIDCStateCookieName(state), Value: value, Path: h.svc.basePath + OIDCRoutePath(slug, ""),
		MaxAge: maxAge, HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode}
}

// oidcInitiate serves RouteOIDCInitiate: 302 to the provider's
// authorization endpoint. The optional return_to query parameter (a
// relative path) is where the browser goes after the sign-in.
func (h *Handler) oidcInitiate(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	b, err := h.svc.BeginOIDCLogin(r.Context(), slug, r.URL.Query().Get("return_to"))
	if err != nil {
		h.errorPage(w, r, err)
		return
	}
	http.SetCookie(w, h.oidcCookie(slug, b.State, b.Cookie, int(h.svc.requestMaxAge()/time.Second)))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", b.RedirectURL)
	w.WriteHeader(http.StatusFound)
}

// oidcCallback serves RouteOIDCCallback: the provider sends the browser
// back with code and state (or error). On success the session cookie is
// set and the browser sent (303) to the return path, else to "/"; when
// the user owes the local second factor (OIDCConfig.LocalTwoFactor), the
// challenge cookie is set instead and the browser sent to
// Options.TwoFactorPath, exactly as after a SAML sign-in.
func (h *Handler) oidcCallback(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	q := r.URL.Query()
	in := OIDCCallbackInput{Slug: slug, State: q.Get("state"), Code: q.Get("code"), Error: q.Get("error"),
		IP: httpx.ClientIP(r), UserAgent: r.UserAgent()}
	if in.State != "" {
		if c, err := r.Cookie(OIDCStateCookieName(in.State)); err == nil {
			in.Cookie = c.Value
		}
		// The binding is single use whatever the outcome.
		http.SetCookie(w, h.oidcCookie(slug, in.State, "", -1))
	}
	out, err := h.svc.FinishOIDCLogin(r.Context(), in)
	if err != nil {
		h.errorPage(w, r, err)
		return
	}
	h.signedIn(w, out)
}

// getOIDCConfig serves RouteGetOIDCConfig.
func (h *Handler) getOIDCConfig(w http.ResponseWriter, r *http.Request) {
	v, err := h.svc.OIDCConnection(r.Context(), r.PathValue("id"))
	h.replyOIDC(w, r, v, err)
}

// putOIDCConfig serves RoutePutOIDCConfig. Fields left out keep their
// values; client_secret is write-only.
func (h *Handler) putOIDCConfig(w http.ResponseWriter, r *http.Request) {
	var up OIDCUpdate
	if err := httpx.DecodeJSON(w, r, 0, &up); err != nil {
		h.refused(w, r, err)
		return
	}
	v, err := h.svc.UpdateOIDC(r.Context(), r.PathValue("id"), up)
	h.replyOIDC(w, r, v, err)
}

func (h *Handler) replyOIDC(w http.ResponseWriter, r *http.Request, v *OIDCView, err error) {
	if err != nil {
		httpx.WriteError(w, r, h.logger, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, toOIDCJSON(v))
}

// oidcConfigJSON is the API form of an OIDCView; it has no field for the
// secret, only client_secret_set.
type oidcConfigJSON struct {
	AccountID        string     `json:"account_id"`
	Saved            bool       `json:"saved"`
	Enabled          bool       `json:"enabled"`
	IssuerURL        string     `json:"issuer_url"`
	ClientID         string     `json:"client_id"`
	ClientSecretSet  bool       `json:"client_secret_set"`
	Scopes           []string   `json:"scopes"`
	EmailClaim       string     `json:"email_claim"`
	GivenNameClaim   string     `json:"given_name_claim"`
	FamilyNameClaim  string     `json:"family_name_claim"`
	GroupsClaim      string     `json:"groups_claim"`
	AutoCreateUsers  bool       `json:"auto_create_users"`
	AutoCreateGroups bool       `json:"auto_create_groups"`
	LocalTwoFactor   bool       `json:"local_two_factor"`
	RedirectURI      string     `json:"redirect_uri"`
	InitiationURL    string     `json:"initiation_url"`
	UpdatedAt        *time.Time `json:"updated_at,omitempty"`
	Warnings         []string   `json:"warnings"`
}

func toOIDCJSON(v *OIDCView) oidcConfigJSON {
	c := v.Config
	out := oidcConfigJSON{AccountID: c.AccountID, Saved: v.Saved, Enabled: c.Enabled, IssuerURL: c.IssuerURL, ClientID: c.ClientID,
		ClientSecretSet: v.ClientSecretSet, Scopes: httpx.List(c.scopes()),
		EmailClaim: orDefault(c.EmailClaim, DefaultOIDCEmailClaim), GivenNameClaim: orDefault(c.GivenNameClaim, DefaultOIDCGivenNameClaim),
		FamilyNameClaim: orDefault(c.FamilyNameClaim, DefaultOIDCFamilyNameClaim), GroupsClaim: orDefault(c.GroupsClaim, DefaultOIDCGroupsClaim),
		AutoCreateUsers: c.AutoCreateUsers, AutoCreateGroups: c.AutoCreateGroups, LocalTwoFactor: c.LocalTwoFactor,
		RedirectURI: v.RedirectURI, InitiationURL: v.InitiationURL, Warnings: httpx.List(v.Warnings)}
	if v.Saved {
		t := c.UpdatedAt
		out.UpdatedAt = &t
	}
	return out
}
