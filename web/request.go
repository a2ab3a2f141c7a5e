package web

import (
	"context"
	"errors"
	"net/http"
	"unicode"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/internal/httpx"
	"github.com/accountkit/accountkit/security"
)

// begin starts a request to a public page: the signed-in session if any,
// and the branding — of the account named by slug when given, else of
// the account whose verified custom hostname the request came to, else
// the installation's. ok is false when slug names no account (the 404
// page is then written).
func (h *Handler) begin(w http.ResponseWriter, r *http.Request, slug string) (*request, bool) {
	rq := &request{w: w, r: r, h: h, nonce: newNonce()}
	if c, err := r.Cookie(h.opts.Cookies.Form); err == nil && len(c.Value) <= 64 {
		rq.formCookie = c.Value
	}
	ctx := r.Context()
	if c, err := r.Cookie(h.opts.Cookies.Session); err == nil && c.Value != "" && len(c.Value) <= 128 {
		p, _, err := h.svc.SignIn.SessionPrincipal(ctx, c.Value)
		switch {
		case err == nil:
			p.IP, p.UserAgent = httpx.ClientIP(r), clipUA(r.UserAgent())
			rq.session, rq.p = c.Value, p
			rq.r = r.WithContext(security.WithPrincipal(ctx, p))
			if u, err := h.svc.Self.Get(rq.r.Context(), p.UserID); err == nil {
				rq.user = u
			}
		case accountkit.ErrorCode(err) == accountkit.Unauthenticated:
			h.clearSession(w) // expired or ended: forget it
		default:
			h.logger.ErrorContext(ctx, "web: reading the session failed", "err", err)
		}
	}
	var b *account.Branding
	var err error
	switch {
	case slug != "":
		if b, err = h.svc.Branding.BrandingBySlug(ctx, slug); err != nil {
			rq.brand, rq.tr = h.brandOf(nil), newTranslator(pickLanguage("", r))
			if accountkit.ErrorCode(err) != accountkit.NotFound {
				h.logger.ErrorContext(ctx, "web: branding failed", "err", err)
			}
			h.notFoundPage(rq)
			return nil, false
		}
	case rq.p != nil:
		if acc, err := h.svc.Branding.Current(rq.r.Context()); err == nil {
			b, _ = h.svc.Branding.BrandingBySlug(ctx, acc.Slug)
		}
	default:
		b, _ = h.svc.Branding.BrandingByHost(ctx, r.Host)
	}
	rq.brand = h.brandOf(b)
	lang := ""
	if b != nil {
		lang = b.Language
	}
	rq.tr = newTranslator(pickLanguage(lang, r))
	return rq, true
}

func clipUA(s string) string {
	if len(s) > 512 {
		return s[:512]
	}
	return s
}

// ctx is the request's context: with the principal when signed in.
func (rq *request) ctx() context.Context { return rq.r.Context() }

// signedIn wraps a page that needs a session: without one the browser
// goes to the sign-in page and comes back after.
func (h *Handler) signedIn(fn func(rq *request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rq, ok := h.begin(w, r, "")
		if !ok {
			return
		}
		if rq.p == nil || rq.user == nil {
			to := h.base + routeSignIn
			if r.Method == http.MethodGet {
				if back := h.safeReturn(r.URL.RequestURI()); back != "" {
					to += "?return_to=" + urlQuery(back)
				}
			}
			rq.redirect(to)
			return
		}
		fn(rq)
	}
}

// public wraps a page anyone may open.
func (h *Handler) public(fn func(rq *request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if rq, ok := h.begin(w, r, ""); ok {
			fn(rq)
		}
	}
}

// notFound serves every unknown path under the mount path.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	if rq, ok := h.begin(w, r, ""); ok {
		h.notFoundPage(rq)
	}
}

func (h *Handler) notFoundPage(rq *request) {
	p := rq.newPage("notfound.title")
	p.Data = messageView{Heading: "notfound.title", Text: "notfound.text", Link: h.base + routeSignIn, LinkText: "common.to_signin"}
	rq.render(http.StatusNotFound, "message", p)
}

// messageView is a page that only says something, with one link.
type messageView struct {
	Heading, Text, Link, LinkText string
	Tone                          string
}

// fail renders an internal error.
func (rq *request) fail(err error) {
	rq.h.logger.ErrorContext(rq.ctx(), "web: request failed", "path", rq.r.URL.Path, "err", err)
	p := rq.newPage("error.internal_title")
	p.Data = messageView{Heading: "error.internal_title", Text: "error.internal", Link: rq.h.base + "/", LinkText: "common.back", Tone: "error"}
	rq.render(http.StatusInternalServerError, "message", p)
}

// fieldNames maps the services' field names to the forms'.
var fieldNames = map[string]string{"new_password": "password", "current_password": "current"}

// formRefusal answers a service error of a console form: NotFound and
// Forbidden get their pages and an internal error the error page (ok is
// false: the answer is written); any other error is put on p by
// applyError and ok is true, with the status to render p with.
func (rq *request) formRefusal(p *page, err error) (status int, ok bool) {
	switch accountkit.ErrorCode(err) {
	case accountkit.NotFound, accountkit.Forbidden:
		rq.refused(err)
		return 0, false
	}
	if status = rq.applyError(p, err); status == 0 {
		rq.fail(err)
		return 0, false
	}
	return status, true
}

// applyError puts a service error on the page: each named field gets its
// translated message, the summary says what to do. It returns the HTTP
// status to answer with, or 0 for an internal error (the caller fails).
func (rq *request) applyError(p *page, err error) int {
	var e *accountkit.Error
	if !errors.As(err, &e) || e.Code == accountkit.Internal {
		return 0
	}
	for _, f := range e.Fields {
		name := f.Field
		if n, ok := fieldNames[name]; ok {
			name = n
		}
		p.FieldErrors[name] = sentence(rq.tr.T(f.Message))
	}
	if len(e.Fields) > 0 {
		p.Error = rq.tr.T("error.summary")
	} else {
		p.Error = sentence(rq.tr.T(e.Message))
	}
	switch e.Code {
	case accountkit.Unauthenticated:
		return http.StatusUnauthorized
	case accountkit.Forbidden:
		return http.StatusForbidden
	case accountkit.LimitExceeded:
		return http.StatusTooManyRequests
	case accountkit.Conflict:
		return http.StatusConflict
	case accountkit.NotFound:
		return http.StatusNotFound
	}
	return http.StatusUnprocessableEntity
}

// formProblem puts a refused form on the page: the summary and the
// fields that are too long or not UTF-8. It returns the status.
func (rq *request) formProblem(p *page, f *form) int {
	status := http.StatusBadRequest
	if f.problem != "" {
		p.Error = rq.tr.T(f.problem)
		if f.problem == "error.form_forged" || f.problem == "error.form_expired" {
			status = http.StatusForbidden
		}
		if f.problem == "error.form_too_big" {
			status = http.StatusRequestEntityTooLarge
		}
	} else {
		p.Error = rq.tr.T("error.summary")
	}
	for name, key := range f.fields {
		p.FieldErrors[name] = rq.tr.T(key)
	}
	return status
}

// bad reports whether the form cannot be used (it carries a problem or
// a bad field).
func (f *form) bad() bool { return f.problem != "" || len(f.fields) > 0 }

// sentence capitalizes a message and ends it with a full stop, for the
// services' lower-case English messages.
func sentence(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	if last := r[len(r)-1]; last != '.' && last != '!' && last != '?' {
		r = append(r, '.')
	}
	return string(r)
}
