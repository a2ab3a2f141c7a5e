package web

import (
	"net/http"
	"strings"

	"github.com/accountkit/accountkit"
)

// forgotPage serves GET routeForgot.
func (h *Handler) forgotPage(w http.ResponseWriter, r *http.Request) {
	rq, ok := h.begin(w, r, "")
	if !ok {
		return
	}
	p := rq.newPage("forgot.title")
	if r.URL.Query().Get("sent") == "1" {
		p.Notice = rq.tr.T("forgot.sent")
		p.Data = true
	}
	rq.render(http.StatusOK, "forgot", p)
}

// forgot serves POST routeForgot: always the same answer, so it tells
// nobody whether an account exists.
func (h *Handler) forgot(w http.ResponseWriter, r *http.Request) {
	rq, ok := h.begin(w, r, "")
	if !ok {
		return
	}
	f := h.parseForm(w, rq)
	p := rq.newPage("forgot.title")
	if f.bad() {
		rq.render(rq.formProblem(p, f), "forgot", p)
		return
	}
	id := strings.TrimSpace(f.get("identifier"))
	if id == "" {
		p.FieldErrors["identifier"] = rq.tr.T("error.required")
		p.Error = rq.tr.T("error.summary")
		rq.render(http.StatusUnprocessableEntity, "forgot", p)
		return
	}
	_ = h.svc.Links.ForgotPassword(r.Context(), id)
	rq.redirect(h.base + routeForgot + "?sent=1")
}

// tokenView is the set-a-password page of an emailed link.
type tokenView struct {
	Token   string
	Action  string
	Heading string
	Intro   string
	Button  string
	// Dead is set when the service refused the link itself.
	Dead bool
}

func (h *Handler) tokenView(route, token string) *tokenView {
	if route == routeAccept {
		return &tokenView{Token: token, Action: h.base + routeAccept, Heading: "accept.title", Intro: "accept.intro", Button: "accept.submit"}
	}
	return &tokenView{Token: token, Action: h.base + routeReset, Heading: "reset.title", Intro: "reset.intro", Button: "reset.submit"}
}

// resetPage serves GET routeReset (the link of a reset email).
func (h *Handler) resetPage(w http.ResponseWriter, r *http.Request) { h.tokenPage(w, r, routeReset) }

// acceptPage serves GET routeAccept (the link of an invitation).
func (h *Handler) acceptPage(w http.ResponseWriter, r *http.Request) { h.tokenPage(w, r, routeAccept) }

func (h *Handler) tokenPage(w http.ResponseWriter, r *http.Request, route string) {
	rq, ok := h.begin(w, r, "")
	if !ok {
		return
	}
	v := h.tokenView(route, clipToken(r.URL.Query().Get("token")))
	p := rq.newPage(v.Heading)
	if v.Token == "" {
		v.Dead = true
		p.Error = rq.tr.T("error.link_invalid")
	}
	p.Data = v
	rq.render(http.StatusOK, "token", p)
}

func clipToken(s string) string {
	if len(s) > 128 {
		return ""
	}
	return s
}

// reset serves POST routeReset.
func (h *Handler) reset(w http.ResponseWriter, r *http.Request) {
	h.setPassword(w, r, routeReset, func(rq *request, token, pw string) error {
		return h.svc.Links.ResetPassword(rq.ctx(), token, pw)
	}, "password_reset")
}

// accept serves POST routeAccept.
func (h *Handler) accept(w http.ResponseWriter, r *http.Request) {
	h.setPassword(w, r, routeAccept, func(rq *request, token, pw string) error {
		_, err := h.svc.Links.AcceptInvitation(rq.ctx(), token, pw)
		return err
	}, "invitation_accepted")
}

// setPassword answers a set-a-password form of an emailed link; a
// refused password leaves the link usable, a dead link says so.
func (h *Handler) setPassword(w http.ResponseWriter, r *http.Request, route string, do func(rq *request, token, pw string) error, done string) {
	rq, ok := h.begin(w, r, "")
	if !ok {
		return
	}
	f := h.parseForm(w, rq)
	v := h.tokenView(route, "")
	if f.fields["token"] == "" {
		v.Token = clipToken(f.get("token"))
	}
	p := rq.newPage(v.Heading)
	p.Data = v
	if f.bad() {
		rq.render(rq.formProblem(p, f), "token", p)
		return
	}
	if !h.checkNewPassword(rq, p, f) {
		rq.render(http.StatusUnprocessableEntity, "token", p)
		return
	}
	if err := do(rq, v.Token, f.get("password")); err != nil {
		status := rq.applyError(p, err)
		if status == 0 {
			rq.fail(err)
			return
		}
		if _, dead := p.FieldErrors["token"]; dead {
			v.Dead = true
			p.Error = rq.tr.T("error.link_invalid")
		}
		rq.render(status, "token", p)
		return
	}
	rq.redirect(h.base + routeSignIn + "?done=" + done)
}

// verifyEmailPage serves GET routeVerifyEmail: a button, because mail
// scanners open links and must not use up the token.
func (h *Handler) verifyEmailPage(w http.ResponseWriter, r *http.Request) {
	rq, ok := h.begin(w, r, "")
	if !ok {
		return
	}
	p := rq.newPage("verify.title")
	token := clipToken(r.URL.Query().Get("token"))
	if token == "" {
		p.Error = rq.tr.T("error.link_invalid")
	}
	p.Values["token"] = token
	rq.render(http.StatusOK, "verifyemail", p)
}

// verifyEmail serves POST routeVerifyEmail.
func (h *Handler) verifyEmail(w http.ResponseWriter, r *http.Request) {
	rq, ok := h.begin(w, r, "")
	if !ok {
		return
	}
	f := h.parseForm(w, rq)
	p := rq.newPage("verify.title")
	if f.bad() {
		rq.render(rq.formProblem(p, f), "verifyemail", p)
		return
	}
	if err := h.svc.Links.VerifyEmail(r.Context(), clipToken(f.get("token"))); err != nil {
		if accountkit.ErrorCode(err) != accountkit.Invalid {
			rq.fail(err)
			return
		}
		p.Error = rq.tr.T("error.link_invalid")
		rq.render(http.StatusUnprocessableEntity, "verifyemail", p)
		return
	}
	p.Data = messageView{Heading: "verify.done_title", Text: "verify.done", Link: h.base + "/", LinkText: "common.continue", Tone: "success"}
	rq.render(http.StatusOK, "message", p)
}
