package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/notifications"
	"github.com/accountkit/accountkit/users"
)

// accountPage returns a page of the "My account" area with its nav item.
func (rq *request) accountPage(title, nav string) *page {
	p := rq.newPage(title)
	p.Nav = nav
	rq.notice(p)
	return p
}

// profilePage serves GET routeHome and routeProfile.
func (h *Handler) profilePage(rq *request) {
	p := rq.accountPage("profile.title", "profile")
	u := rq.user
	p.Values["first_name"], p.Values["last_name"], p.Values["phone"] = u.FirstName, u.LastName, u.Phone
	rq.render(http.StatusOK, "profile", p)
}

// profile serves POST routeProfile: names and phone.
func (h *Handler) profile(rq *request) {
	f := h.parseForm(rq.w, rq)
	p := rq.accountPage("profile.title", "profile")
	for _, k := range []string{"first_name", "last_name", "phone"} {
		if f.fields[k] == "" {
			p.Values[k] = f.get(k)
		}
	}
	if f.bad() {
		rq.render(rq.formProblem(p, f), "profile", p)
		return
	}
	first, last, phone := f.get("first_name"), f.get("last_name"), strings.TrimSpace(f.get("phone"))
	_, err := h.svc.Self.UpdateProfile(rq.ctx(), users.ProfileUpdate{FirstName: &first, LastName: &last, Phone: &phone})
	if err != nil {
		status := rq.applyError(p, err)
		if status == 0 {
			rq.fail(err)
			return
		}
		rq.render(status, "profile", p)
		return
	}
	rq.redirect(h.base + routeProfile + "?done=saved")
}

// phoneSend serves POST routePhoneSend: a code by text message.
func (h *Handler) phoneSend(rq *request) {
	f := h.parseForm(rq.w, rq)
	p := rq.accountPage("phone.title", "profile")
	if f.bad() {
		rq.render(rq.formProblem(p, f), "phone", p)
		return
	}
	if err := h.svc.Self.SendPhoneCode(rq.ctx()); err != nil {
		status := rq.applyError(p, err)
		if status == 0 {
			rq.fail(err)
			return
		}
		rq.render(status, "phone", p)
		return
	}
	rq.redirect(h.base + routePhone + "?done=code_sent")
}

// phonePage serves GET routePhone: enter the texted code.
func (h *Handler) phonePage(rq *request) {
	p := rq.accountPage("phone.title", "profile")
	if rq.user.PhoneVerified || rq.user.Phone == "" {
		rq.redirect(h.base + routeProfile)
		return
	}
	rq.render(http.StatusOK, "phone", p)
}

// phoneVerify serves POST routePhone.
func (h *Handler) phoneVerify(rq *request) {
	f := h.parseForm(rq.w, rq)
	p := rq.accountPage("phone.title", "profile")
	if f.bad() {
		rq.render(rq.formProblem(p, f), "phone", p)
		return
	}
	code := strings.ReplaceAll(strings.TrimSpace(f.get("code")), " ", "")
	if code == "" {
		p.FieldErrors["code"] = rq.tr.T("error.required")
		p.Error = rq.tr.T("error.summary")
		rq.render(http.StatusUnprocessableEntity, "phone", p)
		return
	}
	if err := h.svc.Self.VerifyPhone(rq.ctx(), code); err != nil {
		status := rq.applyError(p, err)
		if status == 0 {
			rq.fail(err)
			return
		}
		if len(p.FieldErrors) == 0 {
			p.FieldErrors["code"] = p.Error
		}
		rq.render(status, "phone", p)
		return
	}
	rq.redirect(h.base + routeProfile + "?done=phone_verified")
}

// securityView is the security page's data.
type securityView struct {
	TwoFactor *auth.TwoFactorStatus
}

func (h *Handler) securityData(rq *request, p *page) bool {
	st, err := h.svc.Security.TwoFactorStatus(rq.ctx())
	if err != nil {
		rq.fail(err)
		return false
	}
	p.Data = &securityView{TwoFactor: st}
	return true
}

// securityPage serves GET routeSecurity: password and 2FA.
func (h *Handler) securityPage(rq *request) {
	p := rq.accountPage("security.title", "security")
	if h.securityData(rq, p) {
		rq.render(http.StatusOK, "security", p)
	}
}

// securityForm parses a form of the security page and, when it cannot be
// used, renders the page with the problem.
func (h *Handler) securityForm(rq *request) (*form, *page, bool) {
	f := h.parseForm(rq.w, rq)
	p := rq.accountPage("security.title", "security")
	if !h.securityData(rq, p) {
		return nil, nil, false
	}
	if f.bad() {
		rq.render(rq.formProblem(p, f), "security", p)
		return nil, nil, false
	}
	return f, p, true
}

// securityRefused renders the security page with a service error.
func (h *Handler) securityRefused(rq *request, p *page, err error, field string) {
	status := rq.applyError(p, err)
	if status == 0 {
		rq.fail(err)
		return
	}
	if field != "" && len(p.FieldErrors) == 0 {
		p.FieldErrors[field] = p.Error
		p.Error = rq.tr.T("error.summary")
	}
	rq.render(status, "security", p)
}

// changePassword serves POST routePassword.
func (h *Handler) changePassword(rq *request) {
	f, p, ok := h.securityForm(rq)
	if !ok {
		return
	}
	if f.get("current") == "" {
		p.FieldErrors["current"] = rq.tr.T("error.required")
		p.Error = rq.tr.T("error.summary")
		rq.render(http.StatusUnprocessableEntity, "security", p)
		return
	}
	if !h.checkNewPassword(rq, p, f) {
		rq.render(http.StatusUnprocessableEntity, "security", p)
		return
	}
	if err := h.svc.Security.ChangePassword(rq.ctx(), f.get("current"), f.get("password")); err != nil {
		h.securityRefused(rq, p, err, "")
		return
	}
	rq.redirect(h.base + routeSecurity + "?done=password_changed")
}

// ownSetupBegin serves POST route2FABegin: enrolment of the signed-in
// user.
func (h *Handler) ownSetupBegin(rq *request) {
	_, p, ok := h.securityForm(rq)
	if !ok {
		return
	}
	en, err := h.svc.SignIn.BeginTwoFactorEnrollment(rq.ctx(), "")
	if err != nil {
		h.securityRefused(rq, p, err, "")
		return
	}
	sp := rq.accountPage("setup.title", "security")
	sp.Data = newSetupView(en.QRCodePNG, en.Secret, en.URI, h.base+route2FAConfirm)
	rq.render(http.StatusOK, "setup", sp)
}

// ownSetupConfirm serves POST route2FAConfirm.
func (h *Handler) ownSetupConfirm(rq *request) {
	f := h.parseForm(rq.w, rq)
	p := rq.accountPage("setup.title", "security")
	if v := resumeSetup(f.get("uri"), h.base+route2FAConfirm); v != nil {
		p.Data = v
	}
	if f.bad() {
		rq.render(rq.formProblem(p, f), "setup", p)
		return
	}
	res, err := h.svc.SignIn.ConfirmTwoFactorEnrollment(rq.ctx(), auth.ConfirmInput{Code: f.get("code")})
	if err != nil {
		status := rq.applyError(p, err)
		if status == 0 {
			rq.fail(err)
			return
		}
		if p.Data == nil { // nothing to show the code against: back to the start
			rq.redirect(h.base + routeSecurity)
			return
		}
		rq.render(status, "setup", p)
		return
	}
	h.showCodes(rq, res.RecoveryCodes, h.base+routeSecurity)
}

// disable2FA serves POST route2FADisable: confirmed by a current code.
func (h *Handler) disable2FA(rq *request) {
	f, p, ok := h.securityForm(rq)
	if !ok {
		return
	}
	if err := h.svc.Security.DisableTwoFactor(rq.ctx(), f.get("disable_code")); err != nil {
		renameField(err, "code", "disable_code")
		h.securityRefused(rq, p, err, "disable_code")
		return
	}
	rq.redirect(h.base + routeSecurity + "?done=twofactor_disabled")
}

// newRecoveryCodes serves POST routeRecoveryCodes: confirmed by a current
// code; the new codes are shown once.
func (h *Handler) newRecoveryCodes(rq *request) {
	f, p, ok := h.securityForm(rq)
	if !ok {
		return
	}
	codes, err := h.svc.Security.RegenerateRecoveryCodes(rq.ctx(), f.get("codes_code"))
	if err != nil {
		renameField(err, "code", "codes_code")
		h.securityRefused(rq, p, err, "codes_code")
		return
	}
	h.showCodes(rq, codes, h.base+routeSecurity)
}

// renameField renames a field of a service error: two forms on one page
// both ask for a "code".
func renameField(err error, from, to string) {
	if e, ok := err.(*accountkit.Error); ok {
		for i := range e.Fields {
			if e.Fields[i].Field == from {
				e.Fields = slices.Clone(e.Fields)
				e.Fields[i].Field = to
			}
		}
	}
}

// sessionView is one session as the sessions page lists it.
type sessionView struct {
	*auth.Session
	Current bool
	Device  string
}

// sessionsPage serves GET routeSessions.
func (h *Handler) sessionsPage(rq *request) {
	p := rq.accountPage("sessions.title", "sessions")
	ss, err := h.svc.Security.Sessions(rq.ctx())
	if err != nil {
		rq.fail(err)
		return
	}
	out := make([]sessionView, len(ss))
	for i, s := range ss {
		out[i] = sessionView{Session: s, Current: s.ID == rq.p.SessionID, Device: device(s.UserAgent)}
	}
	p.Data = out
	rq.render(http.StatusOK, "sessions", p)
}

// device names a browser and system from a user agent, roughly.
func device(ua string) string {
	browser, system := "", ""
	for _, b := range []struct{ key, name string }{{"Edg/", "Edge"}, {"Firefox/", "Firefox"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"}, {"curl/", "curl"}} {
		if strings.Contains(ua, b.key) {
			browser = b.name
			break
		}
	}
	for _, s := range []struct{ key, name string }{{"Windows", "Windows"}, {"Android", "Android"}, {"iPhone", "iOS"}, {"Mac OS X", "macOS"}, {"Linux", "Linux"}} {
		if strings.Contains(ua, s.key) {
			system = s.name
			break
		}
	}
	switch {
	case browser != "" && system != "":
		return browser + " · " + system
	case browser != "":
		return browser
	case system != "":
		return system
	}
	if len(ua) > 60 {
		return ua[:60] + "…"
	}
	return ua
}

// endOthers serves POST routeEndOthers.
func (h *Handler) endOthers(rq *request) {
	f := h.parseForm(rq.w, rq)
	if f.bad() {
		p := rq.accountPage("sessions.title", "sessions")
		p.Data = []sessionView{}
		rq.render(rq.formProblem(p, f), "sessions", p)
		return
	}
	if _, err := h.svc.Security.EndOtherSessions(rq.ctx()); err != nil {
		rq.fail(err)
		return
	}
	rq.redirect(h.base + routeSessions + "?done=sessions_ended")
}

// notificationsView is the notifications page's data.
type notificationsView struct {
	Inbox *notifications.InboxPage
	Subs  []notifications.Subscription
	More  string
}

func (h *Handler) notificationsData(rq *request, p *page) bool {
	in, err := h.svc.Notifications.Inbox(rq.ctx(), notifications.InboxInput{Cursor: clipToken(rq.r.URL.Query().Get("cursor")), Limit: 20})
	if accountkit.ErrorCode(err) == accountkit.Invalid { // a bad cursor: the first page
		in, err = h.svc.Notifications.Inbox(rq.ctx(), notifications.InboxInput{Limit: 20})
	}
	if err != nil {
		rq.fail(err)
		return false
	}
	subs, err := h.svc.Notifications.Subscriptions(rq.ctx())
	if err != nil {
		rq.fail(err)
		return false
	}
	v := &notificationsView{Inbox: in, Subs: subs}
	if in.NextCursor != "" {
		v.More = h.base + routeNotifications + "?cursor=" + urlQuery(in.NextCursor)
	}
	p.Data = v
	return true
}

// notificationsPage serves GET routeNotifications.
func (h *Handler) notificationsPage(rq *request) {
	p := rq.accountPage("notifications.title", "notifications")
	if h.notificationsData(rq, p) {
		rq.render(http.StatusOK, "notifications", p)
	}
}

// notificationsForm parses a notifications form; false when refused (and
// rendered).
func (h *Handler) notificationsForm(rq *request) (*form, bool) {
	f := h.parseForm(rq.w, rq)
	if !f.bad() {
		return f, true
	}
	p := rq.accountPage("notifications.title", "notifications")
	if h.notificationsData(rq, p) {
		rq.render(rq.formProblem(p, f), "notifications", p)
	}
	return nil, false
}

// markRead serves POST routeMarkRead.
func (h *Handler) markRead(rq *request) {
	if _, ok := h.notificationsForm(rq); !ok {
		return
	}
	if err := h.svc.Notifications.MarkRead(rq.ctx(), rq.r.PathValue("id")); err != nil && accountkit.ErrorCode(err) != accountkit.NotFound {
		rq.fail(err)
		return
	}
	rq.redirect(h.base + routeNotifications + "?done=marked_read")
}

// markAllRead serves POST routeMarkAllRead.
func (h *Handler) markAllRead(rq *request) {
	if _, ok := h.notificationsForm(rq); !ok {
		return
	}
	if _, err := h.svc.Notifications.MarkAllRead(rq.ctx()); err != nil {
		rq.fail(err)
		return
	}
	rq.redirect(h.base + routeNotifications + "?done=marked_read")
}

// subscriptions serves POST routeSubscriptions: a checkbox per type; an
// unchecked box is absent from the form, so every known type is set.
func (h *Handler) subscriptions(rq *request) {
	f, ok := h.notificationsForm(rq)
	if !ok {
		return
	}
	subs, err := h.svc.Notifications.Subscriptions(rq.ctx())
	if err != nil {
		rq.fail(err)
		return
	}
	set := map[notifications.Type]bool{}
	for _, s := range subs {
		set[s.Type] = f.get("sub_"+string(s.Type)) == "on"
	}
	if _, err := h.svc.Notifications.SetSubscriptions(rq.ctx(), set); err != nil {
		rq.fail(err)
		return
	}
	rq.redirect(h.base + routeNotifications + "?done=subscriptions_saved")
}
