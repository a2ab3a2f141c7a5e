package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/security"
)

// Cookies the pages keep for a sign-in in progress: the expired-password
// step's change token; the second-factor challenge travels in
// auth.TwoFactorCookie like the SSO flow's.
const changeCookie = "accountkit_pwchange"

// maxForm bounds a posted form; maxField bounds any one field.
const (
	maxForm  = 64 << 10
	maxField = 1024
)

// newNonce returns a fresh CSP nonce.
func newNonce() string {
	var b [18]byte
	_, _ = rand.Read(b[:])
	return base64.RawStdEncoding.EncodeToString(b[:])
}

// csp is the Content-Security-Policy of a page with the nonce: nothing
// but our own stylesheet, nonce'd scripts and styles, our images and
// inline PNG data (the QR code); forms post to this origin only; no
// framing.
func csp(nonce string) string {
	return "default-src 'none'; script-src 'nonce-" + nonce + "'; style-src 'self' 'nonce-" + nonce + "'; " +
		"img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
}

// formBinding returns what a form's CSRF token is bound to: the browser's
// form cookie and, when signed in, the session. A token from before a
// sign-in (or of another session) does not fit after it.
func formBinding(formCookie, sessionToken string) string {
	b := "f:" + formCookie
	if sessionToken != "" {
		b += "|s:" + security.HashSecret(sessionToken)
	}
	return b
}

// csrfToken returns a token for the binding, issued now: the issue time
// and an HMAC of it and the binding.
func (h *Handler) csrfToken(binding string) string {
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], uint64(h.clock.Now().Unix()))
	m := hmac.New(sha256.New, h.key)
	m.Write(ts[:])
	m.Write([]byte(binding))
	return base64.RawURLEncoding.EncodeToString(append(ts[:], m.Sum(nil)...))
}

var (
	errFormExpired = errors.New("form expired")
	errFormForged  = errors.New("form token wrong")
)

// checkCSRF verifies a posted token against the binding and its age.
func (h *Handler) checkCSRF(token, binding string) error {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != 8+sha256.Size || binding == "" {
		return errFormForged
	}
	m := hmac.New(sha256.New, h.key)
	m.Write(raw[:8])
	m.Write([]byte(binding))
	if subtle.ConstantTimeCompare(m.Sum(nil), raw[8:]) != 1 {
		return errFormForged
	}
	issued := time.Unix(int64(binary.BigEndian.Uint64(raw[:8])), 0)
	now := h.clock.Now()
	if now.Sub(issued) > h.opts.FormTTL || issued.After(now.Add(time.Minute)) {
		return errFormExpired
	}
	return nil
}

// form is a parsed, checked form: values by name; problems are set when
// it cannot be used at all.
type form struct {
	values map[string]string
	// problem is the message key saying why nothing was done, or "".
	problem string
	// fields names the fields that are too long or not UTF-8.
	fields map[string]string
}

func (f *form) get(name string) string { return f.values[name] }

// parseForm reads an application/x-www-form-urlencoded body of at most
// maxForm bytes, keeps the first value of each field, and refuses fields
// longer than maxField bytes or not valid UTF-8 (the field is named), an
// oversized or malformed body, and a missing, wrong or expired CSRF token
// (nothing is named: the whole form is refused).
func (h *Handler) parseForm(w http.ResponseWriter, rq *request) *form {
	return h.parseFormLimited(w, rq, formLimits{body: maxForm, field: maxField})
}

// formLimits are the bounds of a form that parseFormLimited reads.
type formLimits struct {
	// body bounds the whole body (a larger Content-Length is refused
	// before anything is read), field each value not named in long.
	body  int64
	field int
	long  map[string]bool
	// files, when set, also accepts multipart/form-data and is called with
	// the uploaded files before they are removed; it returns a problem
	// key, or "".
	files func(*multipart.Form) string
}

// parseFormLimited is parseForm with the bounds of l: the same checks in
// the same order, the CSRF token last.
func (h *Handler) parseFormLimited(w http.ResponseWriter, rq *request, l formLimits) *form {
	r := rq.r
	f := &form{values: map[string]string{}, fields: map[string]string{}}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	multi := ct == "multipart/form-data" && l.files != nil
	if ct != "application/x-www-form-urlencoded" && !multi {
		f.problem = "error.form_bad"
		return f
	}
	if r.ContentLength > l.body {
		f.problem = "error.form_too_big"
		return f
	}
	r.Body = http.MaxBytesReader(w, r.Body, l.body)
	var err error
	if multi {
		// Everything is kept in memory: the body is at most l.body.
		err = r.ParseMultipartForm(2 * l.body)
		if r.MultipartForm != nil {
			defer func() { _ = r.MultipartForm.RemoveAll() }()
		}
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) || multi && strings.Contains(err.Error(), "too large") {
			f.problem = "error.form_too_big"
		} else {
			f.problem = "error.form_bad"
		}
		return f
	}
	for name, vs := range r.PostForm {
		if len(vs) == 0 || len(name) > 64 {
			continue
		}
		v := vs[0]
		switch {
		case !l.long[name] && len(v) > l.field:
			f.fields[name] = "error.field_too_long"
		case !utf8.ValidString(v) || strings.ContainsRune(v, 0):
			f.fields[name] = "error.field_encoding"
		}
		f.values[name] = v
	}
	if multi && r.MultipartForm != nil {
		if f.problem = l.files(r.MultipartForm); f.problem != "" {
			return f
		}
	}
	switch err := h.checkCSRF(f.values["csrf"], rq.binding()); {
	case errors.Is(err, errFormExpired):
		f.problem = "error.form_expired"
	case err != nil:
		f.problem = "error.form_forged"
	}
	return f
}

// cookie returns a cookie of the pages' settings.
func (h *Handler) cookie(name, value, path string, httpOnly bool, sameSite http.SameSite) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: path, Domain: h.opts.Cookies.Domain,
		HttpOnly: httpOnly, Secure: !h.opts.Cookies.Insecure, SameSite: sameSite}
}

// setStep sets a short-lived, Strict cookie for a step of a sign-in,
// scoped to the pages.
func (h *Handler) setStep(w http.ResponseWriter, name, value string, expires time.Time) {
	c := h.cookie(name, value, h.base+"/", true, http.SameSiteStrictMode)
	c.MaxAge = h.maxAge(expires)
	http.SetCookie(w, c)
}

// maxAge is the seconds until t on the service's clock: cookies carry a
// Max-Age, not an Expires, so a browser whose clock differs from the
// server's keeps them as long as the server does.
func (h *Handler) maxAge(t time.Time) int {
	if s := int(t.Sub(h.clock.Now()) / time.Second); s > 0 {
		return s
	}
	return -1
}

// clearStep removes a step cookie (and the two-factor page's copy that
// the SSO flow sets).
func (h *Handler) clearStep(w http.ResponseWriter, name string) {
	paths := []string{h.base + "/"}
	if name == auth.TwoFactorCookie {
		paths = append(paths, h.base+routeTwoFactor)
	}
	for _, p := range paths {
		c := h.cookie(name, "", p, true, http.SameSiteStrictMode)
		c.MaxAge = -1
		http.SetCookie(w, c)
	}
}

// stepValue returns the first usable value of a step cookie.
func stepValue(r *http.Request, name string) string {
	for _, c := range r.CookiesNamed(name) {
		if c.Value != "" && len(c.Value) <= 128 {
			return c.Value
		}
	}
	return ""
}

// setSession sets the session cookie (auth.SessionCookie by default, so
// the JSON API accepts it) and the API's CSRF token cookie, and renews
// the form cookie so forms shown before the sign-in cannot be replayed.
func (h *Handler) setSession(w http.ResponseWriter, res *auth.LoginResult) {
	c := h.opts.Cookies
	s := h.cookie(c.Session, res.Token, c.Path, true, c.SameSite)
	s.MaxAge = h.maxAge(res.Session.ExpiresAt)
	http.SetCookie(w, s)
	x := h.cookie(c.CSRF, res.CSRFToken, c.Path, false, http.SameSiteStrictMode)
	x.MaxAge = s.MaxAge
	http.SetCookie(w, x)
	h.newFormCookie(w)
	h.clearStep(w, auth.TwoFactorCookie)
	h.clearStep(w, changeCookie)
}

// clearSession removes the session and API CSRF cookies.
func (h *Handler) clearSession(w http.ResponseWriter) {
	c := h.opts.Cookies
	for _, name := range []string{c.Session, c.CSRF} {
		k := h.cookie(name, "", c.Path, true, c.SameSite)
		k.MaxAge = -1
		http.SetCookie(w, k)
	}
}

// newFormCookie sets a fresh form cookie and returns its value.
func (h *Handler) newFormCookie(w http.ResponseWriter) string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	v := base64.RawURLEncoding.EncodeToString(b[:])
	c := h.cookie(h.opts.Cookies.Form, v, h.base+"/", true, http.SameSiteLaxMode)
	c.MaxAge = 30 * 24 * 3600
	http.SetCookie(w, c)
	return v
}

// safeReturn returns p when it is a safe relative path (sso.SafeReturnPath)
// and not a page of the sign-in itself, else "".
func (h *Handler) safeReturn(p string) string {
	if !safePath(p) {
		return ""
	}
	for _, r := range []string{routeSignIn, routeSignOut, routeTwoFactor, routeExpired} {
		if strings.HasPrefix(p, h.base+r) {
			return ""
		}
	}
	return p
}
