package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/internal/httpx"
	"github.com/accountkit/accountkit/sso"
)

// notices are the success messages a redirect may ask a page to show.
var notices = map[string]string{
	"signed_out":          "notice.signed_out",
	"password_reset":      "notice.password_reset",
	"invitation_accepted": "notice.invitation_accepted",
	"saved":               "notice.saved",
	"password_changed":    "notice.password_changed",
	"phone_verified":      "notice.phone_verified",
	"code_sent":           "notice.code_sent",
	"twofactor_disabled":  "notice.twofactor_disabled",
	"sessions_ended":      "notice.sessions_ended",
	"subscriptions_saved": "notice.subscriptions_saved",
	"marked_read":         "notice.marked_read",
	"email_sent":          "notice.email_sent",
	"user_invited":        "notice.user_invited",
	"user_created_unsent": "notice.user_created_unsent",
	"user_disabled":       "notice.user_disabled",
	"user_enabled":        "notice.user_enabled",
	"invitation_sent":     "notice.invitation_sent",
	"key_revoked":         "notice.key_revoked",
}

func (rq *request) notice(p *page) {
	if k, ok := notices[rq.r.URL.Query().Get("done")]; ok {
		p.Notice = rq.tr.T(k)
	}
}

func urlQuery(s string) string { return url.QueryEscape(s) }

// withReturn adds return_to to a page path when set.
func withReturn(path, returnTo string) string {
	if returnTo == "" {
		return path
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "return_to=" + url.QueryEscape(returnTo)
}

// stepCookieLife bounds a step cookie whose step gives no expiry; the
// service's own expiry of the step is what counts.
const stepCookieLife = 15 * time.Minute

// signInView is the sign-in page's own data.
type signInView struct {
	// Action is where the form posts (the branded path keeps the brand).
	Action string
	// SSOURL is the account's single sign-on initiation path, "" when it
	// offers none.
	SSOURL string
	// SSORequired: the password was right but the account signs in with
	// SSO only.
	SSORequired bool
	FindSSO     string
	Forgot      string
}

// signInContext returns the request and the branded slug ("" for the
// plain sign-in path).
func (h *Handler) signInContext(w http.ResponseWriter, r *http.Request) (*request, string, bool) {
	slug := r.PathValue("slug")
	rq, ok := h.begin(w, r, slug)
	return rq, slug, ok
}

func (h *Handler) signInPageData(rq *request, slug, returnTo string) (*page, *signInView) {
	p := rq.newPage("signin.title")
	p.ReturnTo = returnTo
	v := &signInView{Action: h.base + routeSignIn, FindSSO: withReturn(h.base+routeSSO, returnTo), Forgot: h.base + routeForgot}
	if slug != "" {
		v.Action = h.base + "/" + slug
	}
	if rq.brand.Slug != "" && h.svc.SSO != nil {
		if on, err := h.svc.SSO.Enabled(rq.ctx(), rq.brand.Slug); err == nil && on {
			v.SSOURL = h.ssoURL(rq.brand.Slug, returnTo)
		}
	}
	p.Data = v
	return p, v
}

// ssoURL is the SAML initiation path of the account, with return_to.
func (h *Handler) ssoURL(slug, returnTo string) string {
	return withReturn(h.opts.KitPath+sso.RoutePath(slug, ""), returnTo)
}

// signInPage serves GET routeSignIn and GET routeBranded.
func (h *Handler) signInPage(w http.ResponseWriter, r *http.Request) {
	rq, slug, ok := h.signInContext(w, r)
	if !ok {
		return
	}
	returnTo := h.safeReturn(r.URL.Query().Get("return_to"))
	if rq.p != nil { // already signed in
		rq.redirect(h.after(returnTo))
		return
	}
	p, _ := h.signInPageData(rq, slug, returnTo)
	rq.notice(p)
	if r.URL.Query().Get("expired") == "1" {
		p.Error = rq.tr.T("error.step_expired")
	}
	rq.render(http.StatusOK, "signin", p)
}

// after is where a finished sign-in goes.
func (h *Handler) after(returnTo string) string {
	if returnTo != "" {
		return returnTo
	}
	return h.opts.AfterSignIn
}

// signIn serves POST routeSignIn and POST routeBranded: every failed
// sign-in — unknown user, wrong password, locked, disabled — answers the
// same page, status and words, as the service does.
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	rq, slug, ok := h.signInContext(w, r)
	if !ok {
		return
	}
	f := h.parseForm(w, rq)
	returnTo := h.safeReturn(f.get("return_to"))
	p, v := h.signInPageData(rq, slug, returnTo)
	if f.fields["identifier"] == "" {
		p.Values["identifier"] = f.get("identifier")
	}
	if f.bad() {
		rq.render(rq.formProblem(p, f), "signin", p)
		return
	}
	id := strings.TrimSpace(f.get("identifier"))
	if id == "" || f.get("password") == "" {
		if id == "" {
			p.FieldErrors["identifier"] = rq.tr.T("error.required")
		}
		if f.get("password") == "" {
			p.FieldErrors["password"] = rq.tr.T("error.required")
		}
		p.Error = rq.tr.T("error.summary")
		rq.render(http.StatusUnprocessableEntity, "signin", p)
		return
	}
	res, err := h.svc.SignIn.Login(r.Context(), auth.LoginInput{Identifier: id, Password: f.get("password"),
		IP: httpx.ClientIP(r), UserAgent: clipUA(r.UserAgent())})
	if err != nil {
		switch accountkit.ErrorCode(err) {
		case accountkit.Unauthenticated:
			p.Error = rq.tr.T("signin.failed")
			rq.render(http.StatusUnauthorized, "signin", p)
		case accountkit.Forbidden: // the right password, but the account signs in with SSO only
			v.SSORequired = true
			p.Error = rq.tr.T("signin.sso_required")
			rq.render(http.StatusForbidden, "signin", p)
		default:
			rq.fail(err)
		}
		return
	}
	h.continueSignIn(rq, res, returnTo)
}

// continueSignIn sends the browser on after a step of a sign-in: into
// the account, to the password change, or to the second factor.
func (h *Handler) continueSignIn(rq *request, res *auth.LoginResult, returnTo string) {
	switch res.Status {
	case auth.LoginOK:
		h.setSession(rq.w, res)
		rq.redirect(h.after(returnTo))
	case auth.LoginPasswordChangeRequired:
		h.setStep(rq.w, changeCookie, res.ChangeToken, h.clock.Now().Add(stepCookieLife))
		rq.redirect(withReturn(h.base+routeExpired, returnTo))
	case auth.LoginTwoFactorRequired, auth.LoginTwoFactorEnrollmentRequired:
		h.clearStep(rq.w, auth.TwoFactorCookie)
		exp := h.clock.Now().Add(stepCookieLife)
		if res.ChallengeExpiresAt != nil {
			exp = *res.ChallengeExpiresAt
		}
		h.setStep(rq.w, auth.TwoFactorCookie, res.ChallengeToken, exp)
		to := h.base + routeTwoFactor
		if res.Status == auth.LoginTwoFactorEnrollmentRequired {
			to = h.base + routeSetup
		}
		rq.redirect(withReturn(to, returnTo))
	default:
		rq.fail(accountkit.Errorf(accountkit.Internal, "unknown sign-in status %q", res.Status))
	}
}

// stepExpired sends the browser back to the sign-in page: the step's
// cookie is gone or the service refused it.
func (h *Handler) stepExpired(rq *request, returnTo string) {
	h.clearStep(rq.w, auth.TwoFactorCookie)
	h.clearStep(rq.w, changeCookie)
	rq.redirect(withReturn(h.base+routeSignIn+"?expired=1", returnTo))
}

// signOut serves POST routeSignOut.
func (h *Handler) signOut(w http.ResponseWriter, r *http.Request) {
	rq, ok := h.begin(w, r, "")
	if !ok {
		return
	}
	f := h.parseForm(w, rq)
	if f.bad() || rq.session == "" {
		// A forged or stale sign-out changes nothing; say so where the
		// user is.
		if rq.session == "" {
			rq.redirect(h.base + routeSignIn)
			return
		}
		p := rq.newPage("error.form_title")
		p.Data = messageView{Heading: "error.form_title", Text: f.problem, Link: h.base + "/", LinkText: "common.back", Tone: "error"}
		rq.render(rq.formProblem(p, f), "message", p)
		return
	}
	if err := h.svc.SignIn.Logout(rq.ctx(), rq.session); err != nil && accountkit.ErrorCode(err) == accountkit.Internal {
		rq.fail(err)
		return
	}
	h.clearSession(w)
	h.newFormCookie(w)
	rq.redirect(h.base + routeSignIn + "?done=signed_out")
}

// ssoView is the "find your organization" page's data.
type ssoView struct {
	ByEmail bool
}

// ssoPage serves GET routeSSO.
func (h *Handler) ssoPage(w http.ResponseWriter, r *http.Request) {
	rq, ok := h.begin(w, r, "")
	if !ok {
		return
	}
	p := rq.newPage("sso.title")
	p.ReturnTo = h.safeReturn(r.URL.Query().Get("return_to"))
	p.Data = ssoView{ByEmail: h.opts.FindSSOByEmail != nil}
	rq.render(http.StatusOK, "sso", p)
}

// ssoFind serves POST routeSSO: the account's slug (or, with
// Options.FindSSOByEmail, a work email) leads to the account's sign-in
// page, which offers its single sign-on. Accounts without SSO and
// unknown ones get the same answer. (A form's redirect straight to the
// identity provider would break the pages' form-action CSP.)
func (h *Handler) ssoFind(w http.ResponseWriter, r *http.Request) {
	rq, ok := h.begin(w, r, "")
	if !ok {
		return
	}
	f := h.parseForm(w, rq)
	p := rq.newPage("sso.title")
	p.ReturnTo = h.safeReturn(f.get("return_to"))
	p.Data = ssoView{ByEmail: h.opts.FindSSOByEmail != nil}
	if f.fields["organization"] == "" {
		p.Values["organization"] = f.get("organization")
	}
	if f.bad() {
		rq.render(rq.formProblem(p, f), "sso", p)
		return
	}
	in := strings.ToLower(strings.TrimSpace(f.get("organization")))
	if in == "" {
		p.FieldErrors["organization"] = rq.tr.T("error.required")
		p.Error = rq.tr.T("error.summary")
		rq.render(http.StatusUnprocessableEntity, "sso", p)
		return
	}
	slug := in
	if strings.Contains(in, "@") {
		slug = ""
		// The seam for verified domains: the host (or, later, the
		// domains service) maps a work email to its account.
		if h.opts.FindSSOByEmail != nil {
			s, err := h.opts.FindSSOByEmail(r, in)
			if err != nil {
				rq.fail(err)
				return
			}
			slug = s
		}
	}
	on := false
	if slug != "" && h.svc.SSO != nil {
		var err error
		if on, err = h.svc.SSO.Enabled(r.Context(), slug); err != nil {
			rq.fail(err)
			return
		}
	}
	if !on {
		p.FieldErrors["organization"] = rq.tr.T("sso.not_found")
		p.Error = rq.tr.T("error.summary")
		rq.render(http.StatusUnprocessableEntity, "sso", p)
		return
	}
	rq.redirect(withReturn(h.base+"/"+slug, p.ReturnTo))
}
