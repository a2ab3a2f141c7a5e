package sso

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"html/template"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/internal/httpx"
	"github.com/accountkit/accountkit/sso/saml"
)

// Routes served by Handler. The sign-in routes are browser routes (HTML
// errors, redirects); the API routes answer JSON.
const (
	RouteInitiate       = "GET /login/saml/{slug}/{$}"
	RouteInitiateBare   = "GET /login/saml/{slug}"
	RouteACS            = "POST /login/saml/{slug}/acs"
	RouteMetadata       = "GET /login/saml/{slug}/metadata"
	RouteLogout         = "POST /login/saml/{slug}/logout"
	RouteGetConfig      = "GET /api/v1/accounts/{id}/sso"
	RouteUpdateConfig   = "PUT /api/v1/accounts/{id}/sso"
	RouteImportMetadata = "POST /api/v1/accounts/{id}/sso/metadata"
)

// RequestCookie is the name prefix of the cookies that bind a sign-in to
// the browser that started it: each holds one AuthnRequest ID, and the ACS
// refuses a response to a request the browser did not start (login CSRF).
// There is one cookie per outstanding request (RequestCookieName), so two
// sign-ins started in one browser — two tabs, a retry — both complete.
// They are SameSite=None so that the IdP's cross-site POST carries them,
// live only as long as a sign-in may take, and the one of a completed
// sign-in is deleted.
const RequestCookie = "accountkit_saml_request"

// RequestCookieName returns the name of the cookie binding the request
// with the ID to the browser: RequestCookie, "_" and a digest of the ID.
func RequestCookieName(requestID string) string {
	sum := sha256.Sum256([]byte(requestID))
	return RequestCookie + "_" + hex.EncodeToString(sum[:8])
}

// maxBoundRequests bounds the binding cookies one ACS post is checked
// against.
const maxBoundRequests = 16

// maxACSBody bounds the posted form: the SAMLResponse limit plus room for
// the RelayState and encoding.
const maxACSBody = saml.DefaultMaxResponseSize + 64<<10

// Handler serves the SSO routes. It calls only the Service.
type Handler struct {
	svc    *Service
	logger *slog.Logger
}

// NewHandler returns the SSO handler.
func NewHandler(svc *Service, logger *slog.Logger) *Handler {
	if logger == nil {
		logger = slog.Default()
	}
	return &Handler{svc: svc, logger: logger}
}

// RegisterAPI adds the configuration API routes to mux, with the claimed
// domains and discovery (domains_handler.go). They need an authenticated
// principal but for RouteDiscover, which needs none (mount them behind the
// authentication middleware).
func (h *Handler) RegisterAPI(mux *http.ServeMux) {
	mux.HandleFunc(RouteGetConfig, h.getConfig)
	mux.HandleFunc(RouteUpdateConfig, h.updateConfig)
	mux.HandleFunc(RouteImportMetadata, h.importMetadata)
	h.registerDomains(mux)
	h.registerOIDCAPI(mux)
}

// RegisterLogin adds the browser sign-in routes to mux. They authenticate
// on their own (the IdP's POST carries no CSRF token), so mount them
// outside the session middleware.
func (h *Handler) RegisterLogin(mux *http.ServeMux) {
	mux.HandleFunc(RouteInitiate, h.initiate)
	mux.HandleFunc(RouteInitiateBare, h.initiate)
	mux.HandleFunc(RouteACS, h.acs)
	mux.HandleFunc(RouteMetadata, h.metadata)
	mux.HandleFunc(RouteLogout, h.logout)
	h.registerOIDCLogin(mux)
}

// initiate serves RouteInitiate: 302 to the IdP with an AuthnRequest. The
// optional return_to query parameter (a relative path) becomes the
// RelayState.
func (h *Handler) initiate(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	to, id, err := h.svc.BeginLogin(r.Context(), slug, r.URL.Query().Get("return_to"))
	if err != nil {
		h.errorPage(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: RequestCookieName(id), Value: id, Path: h.svc.basePath + RoutePath(slug, ""),
		MaxAge: int(h.svc.requestMaxAge() / time.Second), HttpOnly: true, Secure: true, SameSite: http.SameSiteNoneMode})
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", to)
	w.WriteHeader(http.StatusFound)
}

// acs serves RouteACS: the IdP posts SAMLResponse and RelayState; on
// success the session cookie is set and the browser sent (303) to the
// RelayState when it is a safe relative path, else to "/". When the user
// owes a local second factor (Config.LocalTwoFactor), the challenge is set
// in auth.TwoFactorCookie instead and the browser sent to
// Options.TwoFactorPath (a copy of the cookie is scoped to that page's
// path).
func (h *Handler) acs(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	r.Body = http.MaxBytesReader(w, r.Body, maxACSBody)
	in := ACSInput{Slug: slug, IP: httpx.ClientIP(r), UserAgent: r.UserAgent()}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/x-www-form-urlencoded" && r.ParseForm() == nil {
		in.SAMLResponse, in.RelayState = r.PostForm.Get("SAMLResponse"), r.PostForm.Get("RelayState")
	} else {
		_, _ = io.Copy(io.Discard, r.Body)
	}
	for _, c := range r.Cookies() {
		if strings.HasPrefix(c.Name, RequestCookie) && c.Value != "" && len(in.BoundRequestIDs) < maxBoundRequests {
			in.BoundRequestIDs = append(in.BoundRequestIDs, c.Value)
		}
	}
	out, err := h.svc.FinishLogin(r.Context(), in)
	if err != nil {
		h.errorPage(w, r, err)
		return
	}
	// The request is spent: its binding goes; the browser's other
	// sign-ins keep theirs.
	if out.RequestID != "" {
		http.SetCookie(w, &http.Cookie{Name: RequestCookieName(out.RequestID), Value: "", Path: h.svc.basePath + RoutePath(slug, ""),
			MaxAge: -1, HttpOnly: true, Secure: true, SameSite: http.SameSiteNoneMode})
	}
	h.signedIn(w, out)
}

// signedIn answers a completed sign-in of either protocol: the session
// cookie, or for the second-factor step (Config.LocalTwoFactor,
// OIDCConfig.LocalTwoFactor) the challenge cookie, then 303 to
// out.Redirect.
func (h *Handler) signedIn(w http.ResponseWriter, out *LoginOutcome) {
	if res := out.Result; res.Session != nil {
		h.svc.auth.SetCookie(w, res.Token, res.Session.ExpiresAt)
	} else if res.ChallengeExpiresAt != nil {
		// The second-factor step: the challenge goes to the 2FA API and to
		// the two-factor page (a server-rendered page reads it there, so
		// the step works without JavaScript), nowhere else.
		for _, path := range []string{h.svc.basePath + "/api/v1/auth/2fa", h.svc.TwoFactorPagePath()} {
			if path == "" {
				continue
			}
			http.SetCookie(w, &http.Cookie{Name: auth.TwoFactorCookie, Value: res.ChallengeToken,
				Path: path, Expires: *res.ChallengeExpiresAt,
				HttpOnly: true, Secure: !h.svc.auth.Cookie().Insecure, SameSite: http.SameSiteStrictMode})
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", out.Redirect)
	w.WriteHeader(http.StatusSeeOther)
}

// metadata serves RouteMetadata: the SP metadata XML.
func (h *Handler) metadata(w http.ResponseWriter, r *http.Request) {
	b, err := h.svc.Metadata(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.errorPage(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(b)
}

// logout serves RouteLogout: ends the browser's session and redirects to
// the IdP logout URL when one is configured, else to "/". It is a POST
// that carries the session's CSRF token (form field csrf_token or the
// X-CSRF-Token header; GET /api/v1/auth/me tells it), so that another site
// cannot sign a user out with a link or an image: a GET answers 405, a
// missing or wrong token 403 and the session stays. Without a session
// cookie there is nothing to end and no token is asked for.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "" && ct != "application/x-www-form-urlencoded" {
		h.errorPage(w, r, accountkit.InvalidField("csrf_token", "post the sign-out form (application/x-www-form-urlencoded)"))
		return
	}
	token := h.svc.auth.SessionCookieValue(r)
	if token != "" {
		got := r.Header.Get(auth.CSRFHeader)
		if got == "" && ct != "" && r.ParseForm() == nil {
			got = r.PostForm.Get("csrf_token")
		}
		if !auth.ValidCSRF(token, got) {
			h.errorPage(w, r, accountkit.Errorf(accountkit.Forbidden, "missing or wrong CSRF token: sign out from the application's own page"))
			return
		}
	}
	to := h.svc.Logout(r.Context(), r.PathValue("slug"), token)
	h.svc.auth.ClearCookie(w)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", to)
	w.WriteHeader(http.StatusFound)
}

// getConfig serves RouteGetConfig.
func (h *Handler) getConfig(w http.ResponseWriter, r *http.Request) {
	v, err := h.svc.Config(r.Context(), r.PathValue("id"))
	h.reply(w, r, v, err)
}

// updateConfig serves RouteUpdateConfig. Fields left out keep their
// values.
func (h *Handler) updateConfig(w http.ResponseWriter, r *http.Request) {
	var up Update
	if err := httpx.DecodeJSON(w, r, 0, &up); err != nil {
		h.refused(w, r, err)
		return
	}
	v, err := h.svc.Update(r.Context(), r.PathValue("id"), up)
	h.reply(w, r, v, err)
}

// importMetadata serves RouteImportMetadata: the body is the IdP's SAML
// metadata XML (application/samlmetadata+xml, application/xml or
// text/xml), at most saml.MaxMetadataSize bytes.
func (h *Handler) importMetadata(w http.ResponseWriter, r *http.Request) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/samlmetadata+xml", "application/xml", "text/xml":
	default:
		h.refused(w, r, accountkit.InvalidField("metadata", "send the IdP metadata XML as application/samlmetadata+xml, application/xml or text/xml"))
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, saml.MaxMetadataSize))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			err = &accountkit.Error{Code: accountkit.LimitExceeded, Message: "the metadata is larger than 1 MiB", Err: err}
		} else {
			err = accountkit.InvalidField("metadata", "could not be read")
		}
		h.refused(w, r, err)
		return
	}
	v, err := h.svc.ImportMetadata(r.Context(), r.PathValue("id"), data)
	h.reply(w, r, v, err)
}

// refused answers a request refused before it reached the service and
// records the failure.
func (h *Handler) refused(w http.ResponseWriter, r *http.Request, err error) {
	h.svc.Refused(r.Context(), r.PathValue("id"), err)
	httpx.WriteError(w, r, h.logger, err)
}

func (h *Handler) reply(w http.ResponseWriter, r *http.Request, v *View, err error) {
	if err != nil {
		httpx.WriteError(w, r, h.logger, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, toJSON(v))
}

// errorPage answers a browser route with an HTML page holding the generic
// message and the reason code, never details of the response.
func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, err error) {
	reason, code := ReasonInternal, accountkit.ErrorCode(err)
	var le *LoginError
	if errors.As(err, &le) {
		reason, code = le.Reason, le.Code
	} else if code == accountkit.NotFound {
		reason = ReasonNotConfigured
	}
	status := http.StatusBadRequest
	switch code {
	case accountkit.NotFound:
		status = http.StatusNotFound
	case accountkit.Forbidden:
		status = http.StatusForbidden
	case accountkit.Conflict:
		status = http.StatusConflict
	case accountkit.TooManyRequests:
		status = http.StatusTooManyRequests
		reason = ReasonTooManyRequests
		var e *accountkit.Error
		if errors.As(err, &e) && e.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int((e.RetryAfter+time.Second-1)/time.Second)))
		}
	case accountkit.Unavailable:
		status = http.StatusServiceUnavailable
		w.Header().Set("Retry-After", "2")
	case accountkit.Internal:
		status = http.StatusInternalServerError
		h.logger.ErrorContext(r.Context(), "sso: request failed", "path", r.URL.Path, "reason", reason, "err", err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_ = errorTemplate.Execute(w, struct{ Message, Reason, RequestID string }{saml.UserMessage, reason, httpx.RequestID(r.Context())})
}

var errorTemplate = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Single sign-on failed</title></head>
<body><h1>Single sign-on failed</h1>
<p>{{.Message}}</p>
<p>Reason code: <code>{{.Reason}}</code>{{if .RequestID}} &middot; Request ID: <code>{{.RequestID}}</code>{{end}}</p>
</body></html>
`))

// configJSON is the API form of a View.
type configJSON struct {
	AccountID         string            `json:"account_id"`
	Saved             bool              `json:"saved"`
	Enabled           bool              `json:"enabled"`
	SPEntityID        string            `json:"sp_entity_id"`
	SPEntityIDDefault bool              `json:"sp_entity_id_default"`
	InitiationURL     string            `json:"initiation_url"`
	ACSURL            string            `json:"acs_url"`
	MetadataURL       string            `json:"metadata_url"`
	LogoutURL         string            `json:"logout_url"`
	IdPEntityID       string            `json:"idp_entity_id"`
	IdPCertificates   []CertificateInfo `json:"idp_certificates"`
	IdPLoginURL       string            `json:"idp_login_url"`
	IdPLogoutURL      string            `json:"idp_logout_url"`
	AutoCreateUsers   bool              `json:"auto_create_users"`
	AutoCreateGroups  bool              `json:"auto_create_groups"`
	GroupSync         bool              `json:"group_sync_available"`
	GroupAttribute    string            `json:"group_attribute"`
	ClockSkewSeconds  int               `json:"clock_skew_seconds"`
	AllowIdPInitiated bool              `json:"allow_idp_initiated"`
	LocalTwoFactor    bool              `json:"local_two_factor"`
	LinkByEmail       bool              `json:"link_by_email_attribute"`
	BreakGlassUserID  string            `json:"break_glass_user_id"`
	Warnings          []string          `json:"warnings"`
	UpdatedAt         *time.Time        `json:"updated_at,omitempty"`
}

func toJSON(v *View) configJSON {
	c := v.Config
	out := configJSON{AccountID: c.AccountID, Saved: v.Saved, Enabled: c.Enabled,
		SPEntityID: v.URLs.SPEntityID, SPEntityIDDefault: c.SPEntityID == "",
		InitiationURL: v.URLs.InitiationURL, ACSURL: v.URLs.ACSURL, MetadataURL: v.URLs.MetadataURL, LogoutURL: v.URLs.LogoutURL,
		IdPEntityID: c.IdPEntityID, IdPCertificates: httpx.List(v.Certificates), IdPLoginURL: c.IdPLoginURL, IdPLogoutURL: c.IdPLogoutURL,
		AutoCreateUsers: c.AutoCreateUsers, AutoCreateGroups: c.AutoCreateGroups, GroupSync: v.GroupSync, GroupAttribute: c.groupAttribute(),
		ClockSkewSeconds: c.ClockSkewSeconds, AllowIdPInitiated: c.AllowIdPInitiated, LocalTwoFactor: c.LocalTwoFactor, LinkByEmail: c.LinkByEmailAttribute,
		BreakGlassUserID: c.BreakGlassUserID, Warnings: httpx.List(v.Warnings)}
	if v.Saved {
		t := c.UpdatedAt
		out.UpdatedAt = &t
	}
	return out
}
