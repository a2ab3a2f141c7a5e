package web

import (
	"bytes"
	"html/template"
	"image/png"
	"net/http"
	"strings"

	"github.com/pquerna/otp"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/internal/httpx"
)

// twoFactorPage serves GET routeTwoFactor: the code of the second factor.
// It is also sso.Options.TwoFactorPath (see TwoFactorPath): the SSO flow
// arrives with ?status=...&return_to=.... The challenge is read on POST
// only (its Strict cookie does not come along with the redirect from an
// identity provider).
func (h *Handler) twoFactorPage(w http.ResponseWriter, r *http.Request) {
	rq, ok := h.begin(w, r, "")
	if !ok {
		return
	}
	returnTo := h.safeReturn(r.URL.Query().Get("return_to"))
	if r.URL.Query().Get("status") == string(auth.LoginTwoFactorEnrollmentRequired) {
		rq.redirect(withReturn(h.base+routeSetup, returnTo))
		return
	}
	p := rq.newPage("twofactor.title")
	p.ReturnTo = returnTo
	rq.render(http.StatusOK, "twofactor", p)
}

// twoFactor serves POST routeTwoFactor.
func (h *Handler) twoFactor(w http.ResponseWriter, r *http.Request) {
	h.verifyStep(w, r, "code", "twofactor", "twofactor.title")
}

// recoveryPage serves GET routeRecovery: a recovery code instead.
func (h *Handler) recoveryPage(w http.ResponseWriter, r *http.Request) {
	rq, ok := h.begin(w, r, "")
	if !ok {
		return
	}
	p := rq.newPage("recovery.title")
	p.ReturnTo = h.safeReturn(r.URL.Query().Get("return_to"))
	rq.render(http.StatusOK, "recovery", p)
}

// recovery serves POST routeRecovery.
func (h *Handler) recovery(w http.ResponseWriter, r *http.Request) {
	h.verifyStep(w, r, "recovery_code", "recovery", "recovery.title")
}

// verifyStep answers the second-factor form with a TOTP code (field
// "code") or a recovery code (field "recovery_code").
func (h *Handler) verifyStep(w http.ResponseWriter, r *http.Request, field, tmpl, title string) {
	rq, ok := h.begin(w, r, "")
	if !ok {
		return
	}
	f := h.parseForm(w, rq)
	p := rq.newPage(title)
	p.ReturnTo = h.safeReturn(f.get("return_to"))
	if f.bad() {
		rq.render(rq.formProblem(p, f), tmpl, p)
		return
	}
	challenge := stepValue(r, auth.TwoFactorCookie)
	if challenge == "" {
		h.stepExpired(rq, p.ReturnTo)
		return
	}
	code := strings.TrimSpace(f.get(field))
	if code == "" {
		p.FieldErrors[field] = rq.tr.T("error.required")
		p.Error = rq.tr.T("error.summary")
		rq.render(http.StatusUnprocessableEntity, tmpl, p)
		return
	}
	in := auth.VerifyInput{ChallengeToken: challenge, IP: httpx.ClientIP(r), UserAgent: clipUA(r.UserAgent())}
	if field == "code" {
		in.Code = code
	} else {
		in.RecoveryCode = code
	}
	res, err := h.svc.SignIn.VerifyTwoFactor(r.Context(), in)
	if err != nil {
		if e, ok := err.(*accountkit.Error); ok && e.Code == accountkit.Unauthenticated && strings.Contains(e.Message, "sign in again") {
			h.stepExpired(rq, p.ReturnTo)
			return
		}
		status := rq.applyError(p, err)
		if status == 0 {
			rq.fail(err)
			return
		}
		if len(p.FieldErrors) == 0 { // a wrong code: name the field
			p.FieldErrors[field] = p.Error
			p.Error = rq.tr.T("error.summary")
		}
		rq.render(status, tmpl, p)
		return
	}
	h.continueSignIn(rq, res, p.ReturnTo)
}

// setupView is the enrolment page: QR code, secret, and where to post.
type setupView struct {
	QR     []byte
	Secret string
	URI    string
	Action string
	// Grouped is the secret in groups of four, easier to type.
	Grouped string
}

// codesView shows new recovery codes once.
type codesView struct {
	Codes    []string
	Download template.URL
	Next     string
}

// setupIntro serves GET routeSetup: the account requires two-factor
// authentication and this sign-in must enrol first. Enrolment starts
// with a POST (it creates a secret).
func (h *Handler) setupIntro(w http.ResponseWriter, r *http.Request) {
	rq, ok := h.begin(w, r, "")
	if !ok {
		return
	}
	p := rq.newPage("setup.title")
	p.ReturnTo = h.safeReturn(r.URL.Query().Get("return_to"))
	rq.render(http.StatusOK, "setup", p)
}

// setupBegin serves POST routeSetupBegin: a new secret for the holder of
// the enrolment challenge.
func (h *Handler) setupBegin(w http.ResponseWriter, r *http.Request) {
	rq, ok := h.begin(w, r, "")
	if !ok {
		return
	}
	f := h.parseForm(w, rq)
	p := rq.newPage("setup.title")
	p.ReturnTo = h.safeReturn(f.get("return_to"))
	if f.bad() {
		rq.render(rq.formProblem(p, f), "setup", p)
		return
	}
	challenge := stepValue(r, auth.TwoFactorCookie)
	if challenge == "" {
		h.stepExpired(rq, p.ReturnTo)
		return
	}
	en, err := h.svc.SignIn.BeginTwoFactorEnrollment(r.Context(), challenge)
	if err != nil {
		if accountkit.ErrorCode(err) == accountkit.Unauthenticated {
			h.stepExpired(rq, p.ReturnTo)
			return
		}
		rq.fail(err)
		return
	}
	p.Data = newSetupView(en.QRCodePNG, en.Secret, en.URI, h.base+routeSetup)
	rq.render(http.StatusOK, "setup", p)
}

func newSetupView(qr []byte, secret, uri, action string) *setupView {
	var g []string
	for i := 0; i < len(secret); i += 4 {
		g = append(g, secret[i:min(i+4, len(secret))])
	}
	return &setupView{QR: qr, Secret: secret, URI: uri, Action: action, Grouped: strings.Join(g, " ")}
}

// resumeSetup rebuilds the enrolment view from the posted otpauth URI
// after a wrong code, so the same QR code shows again. The URI only
// redraws what this browser was shown; the service checks the code
// against the secret it stored.
func resumeSetup(uri, action string) *setupView {
	if len(uri) > 512 || !strings.HasPrefix(uri, "otpauth://totp/") {
		return nil
	}
	k, err := otp.NewKeyFromURL(uri)
	if err != nil || k.Secret() == "" {
		return nil
	}
	img, err := k.Image(256, 256)
	if err != nil {
		return nil
	}
	var buf bytes.Buffer
	if png.Encode(&buf, img) != nil {
		return nil
	}
	return newSetupView(buf.Bytes(), k.Secret(), uri, action)
}

// setupConfirm serves POST routeSetup: the first code confirms the
// enrolment and completes the sign-in; the recovery codes are shown once.
func (h *Handler) setupConfirm(w http.ResponseWriter, r *http.Request) {
	rq, ok := h.begin(w, r, "")
	if !ok {
		return
	}
	f := h.parseForm(w, rq)
	p := rq.newPage("setup.title")
	p.ReturnTo = h.safeReturn(f.get("return_to"))
	if v := resumeSetup(f.get("uri"), h.base+routeSetup); v != nil {
		p.Data = v
	}
	if f.bad() {
		rq.render(rq.formProblem(p, f), "setup", p)
		return
	}
	challenge := stepValue(r, auth.TwoFactorCookie)
	if challenge == "" {
		h.stepExpired(rq, p.ReturnTo)
		return
	}
	res, err := h.svc.SignIn.ConfirmTwoFactorEnrollment(r.Context(), auth.ConfirmInput{ChallengeToken: challenge,
		Code: f.get("code"), IP: httpx.ClientIP(r), UserAgent: clipUA(r.UserAgent())})
	if err != nil {
		if accountkit.ErrorCode(err) == accountkit.Unauthenticated {
			h.stepExpired(rq, p.ReturnTo)
			return
		}
		status := rq.applyError(p, err)
		if status == 0 {
			rq.fail(err)
			return
		}
		rq.render(status, "setup", p)
		return
	}
	next := h.after(p.ReturnTo)
	if res.Login != nil {
		switch res.Login.Status {
		case auth.LoginOK:
			h.setSession(w, res.Login)
		case auth.LoginPasswordChangeRequired:
			h.clearStep(w, auth.TwoFactorCookie)
			h.setStep(w, changeCookie, res.Login.ChangeToken, h.clock.Now().Add(stepCookieLife))
			next = withReturn(h.base+routeExpired, p.ReturnTo)
		}
	}
	h.showCodes(rq, res.RecoveryCodes, next)
}

// showCodes renders new recovery codes, shown once, with a download.
func (h *Handler) showCodes(rq *request, codes []string, next string) {
	p := rq.newPage("codes.title")
	text := rq.tr.T("codes.file_header") + "\n\n" + strings.Join(codes, "\n") + "\n"
	p.Data = codesView{Codes: codes, Download: template.URL("data:text/plain;charset=utf-8," + urlPathEscape(text)), Next: next}
	rq.render(http.StatusOK, "codes", p)
}

// urlPathEscape percent-encodes text for a data: URL.
func urlPathEscape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// expiredPage serves GET routeExpired: the password expired and must be
// changed before the sign-in completes.
func (h *Handler) expiredPage(w http.ResponseWriter, r *http.Request) {
	rq, ok := h.begin(w, r, "")
	if !ok {
		return
	}
	p := rq.newPage("expired.title")
	p.ReturnTo = h.safeReturn(r.URL.Query().Get("return_to"))
	if stepValue(r, changeCookie) == "" {
		h.stepExpired(rq, p.ReturnTo)
		return
	}
	rq.render(http.StatusOK, "expired", p)
}

// expired serves POST routeExpired.
func (h *Handler) expired(w http.ResponseWriter, r *http.Request) {
	rq, ok := h.begin(w, r, "")
	if !ok {
		return
	}
	f := h.parseForm(w, rq)
	p := rq.newPage("expired.title")
	p.ReturnTo = h.safeReturn(f.get("return_to"))
	if f.bad() {
		rq.render(rq.formProblem(p, f), "expired", p)
		return
	}
	token := stepValue(r, changeCookie)
	if token == "" {
		h.stepExpired(rq, p.ReturnTo)
		return
	}
	if !h.checkNewPassword(rq, p, f) {
		rq.render(http.StatusUnprocessableEntity, "expired", p)
		return
	}
	res, err := h.svc.SignIn.ChangeExpiredPassword(r.Context(), token, f.get("password"), httpx.ClientIP(r), clipUA(r.UserAgent()))
	if err != nil {
		var e *accountkit.Error
		if ae, ok := err.(*accountkit.Error); ok {
			e = ae
		}
		if e != nil && (e.Code == accountkit.Unauthenticated || len(e.Fields) == 1 && e.Fields[0].Field == "token") {
			h.stepExpired(rq, p.ReturnTo)
			return
		}
		status := rq.applyError(p, err)
		if status == 0 {
			rq.fail(err)
			return
		}
		rq.render(status, "expired", p)
		return
	}
	h.clearStep(w, changeCookie)
	h.continueSignIn(rq, res, p.ReturnTo)
}

// checkNewPassword checks that the new password was typed twice alike;
// the rules themselves are the service's.
func (h *Handler) checkNewPassword(rq *request, p *page, f *form) bool {
	pw, again := f.get("password"), f.get("password_again")
	switch {
	case pw == "":
		p.FieldErrors["password"] = rq.tr.T("error.required")
	case pw != again:
		p.FieldErrors["password_again"] = rq.tr.T("error.password_mismatch")
	default:
		return true
	}
	p.Error = rq.tr.T("error.summary")
	return false
}
