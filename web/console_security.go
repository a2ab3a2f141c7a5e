package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/accountkit/accountkit/account"
)

// The console's Security page: two-factor authentication for all users
// and the user account security settings of the signed-in person's
// account, with the ranges the service enforces and the values an account
// above enforces shown read-only with the reason. The service decides
// everything; the page shows its answer.

// Console routes of the Security page.
const (
	routeSecurityConsole   = "/console/security"
	routeSecurityTwoFactor = "/console/security/two-factor"
)

// Policies reads and changes an account's security settings.
// *account.Service implements it.
type Policies interface {
	EffectivePolicy(ctx context.Context, accountID string) (*account.EffectivePolicy, error)
	PolicyNames(ctx context.Context, accountID string, ep *account.EffectivePolicy) (map[string]string, error)
	UpdateSecuritySettings(ctx context.Context, accountID string, u account.SecurityUpdate) (*account.SecuritySettings, error)
}

// consecSetting is one numeric setting as the form shows it.
type consecSetting struct {
	Name  string
	Label string
	Value string
	// Range is the allowed range, as the page says it.
	Range string
	// Inherited is the reason the value is read-only ("" when editable).
	Inherited string
	Error     string
}

// consecView is the Security page's data.
type consecView struct {
	TwoFactor          bool
	TwoFactorInherited string
	Settings           []consecSetting
	// Enforced lists the policy groups accounts above enforce, with why.
	Enforced []string
	// ShowEnforce shows the "Enforce on sub-accounts" section with the
	// Groups (console_security_enforce.go).
	ShowEnforce bool
	Groups      []consecGroup
}

// securitySetting is one numeric setting of the page: its name (the
// service's JSON name, the key of account.SecurityRanges), how to read its
// value and how to put a typed value in an update.
type securitySetting struct {
	name string
	get  func(*account.SecuritySettings) int
	set  func(*account.SecurityUpdate, *int)
}

// securitySettings are the settings the page shows, in order; an off
// (nil) optional setting reads as 0.
var securitySettings = []securitySetting{
	{"max_login_attempts", func(s *account.SecuritySettings) int { return s.MaxLoginAttempts },
		func(u *account.SecurityUpdate, n *int) { u.MaxLoginAttempts = n }},
	{"lockout_minutes", func(s *account.SecuritySettings) int { return s.LockoutMinutes },
		func(u *account.SecurityUpdate, n *int) { u.LockoutMinutes = n }},
	{"max_inactivity_days", func(s *account.SecuritySettings) int { return orZero(s.MaxInactivityDays) },
		func(u *account.SecurityUpdate, n *int) { u.MaxInactivityDays = n }},
	{"password_validity_days", func(s *account.SecuritySettings) int { return orZero(s.PasswordValidityDays) },
		func(u *account.SecurityUpdate, n *int) { u.PasswordValidityDays = n }},
	{"password_min_length", func(s *account.SecuritySettings) int { return s.PasswordMinLength },
		func(u *account.SecurityUpdate, n *int) { u.PasswordMinLength = n }},
	{"password_history", func(s *account.SecuritySettings) int { return s.PasswordHistory },
		func(u *account.SecurityUpdate, n *int) { u.PasswordHistory = n }},
	{"session_idle_minutes", func(s *account.SecuritySettings) int { return s.SessionIdleMinutes },
		func(u *account.SecurityUpdate, n *int) { u.SessionIdleMinutes = n }},
	{"session_max_hours", func(s *account.SecuritySettings) int { return s.SessionMaxHours },
		func(u *account.SecurityUpdate, n *int) { u.SessionMaxHours = n }},
}

func orZero(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// consecData fills the page from the service's effective policy.
func (h *Handler) consecData(rq *request, p *page) bool {
	id := rq.p.AccountID
	ep, err := h.svc.Policies.EffectivePolicy(rq.ctx(), id)
	if err != nil {
		rq.refused(err)
		return false
	}
	names, err := h.svc.Policies.PolicyNames(rq.ctx(), id, ep)
	if err != nil {
		rq.refused(err)
		return false
	}
	reason := func(setting string) string {
		if src, ok := ep.InheritedFrom[setting]; ok {
			return rq.tr.T("consec.inherited", names[src])
		}
		return ""
	}
	v := &consecView{TwoFactor: ep.Settings.TwoFactorRequired, TwoFactorInherited: reason("two_factor_required")}
	for _, g := range account.PolicyGroups {
		if src, ok := ep.EnforcedBy[g]; ok {
			v.Enforced = append(v.Enforced, rq.tr.T("consec.enforced_group", rq.tr.T("consec.group_"+string(g)), names[src]))
		}
	}
	for _, st := range securitySettings {
		name := st.name
		r := account.SecurityRanges[name]
		rng := rq.tr.T("consec.range", r.Min, r.Max)
		if r.ZeroOff {
			rng = rq.tr.T("consec.range_off", r.Min, r.Max)
		}
		val := strconv.Itoa(st.get(ep.Settings))
		if typed, ok := p.Values[name]; ok {
			val = typed
		}
		v.Settings = append(v.Settings, consecSetting{Name: name, Label: rq.tr.T("consec.setting_" + name), Value: val,
			Range: rng, Inherited: reason(name), Error: p.FieldErrors[name]})
	}
	if !h.consecGroups(rq, v, ep, names) {
		return false
	}
	p.Data = v
	return true
}

// securityConsolePage serves GET routeSecurityConsole.
func (h *Handler) securityConsolePage(rq *request) {
	p := rq.consolePage("consec.title", "security")
	if k, ok := map[string]string{"security_saved": "consec.saved", "two_factor_on": "consec.two_factor_on_done",
		"two_factor_off": "consec.two_factor_off_done"}[rq.r.URL.Query().Get("done")]; ok {
		p.Notice = rq.tr.T(k)
	}
	if n := enforceNotice(rq); n != "" {
		p.Notice = n
	}
	if h.consecData(rq, p) {
		rq.render(http.StatusOK, "console_security", p)
	}
}

// securitySave serves POST routeSecurityConsole: the user account
// security settings. Every field is sent to the service, which refuses
// an out-of-range value naming the field and changes nothing.
func (h *Handler) securitySave(rq *request) {
	f := h.parseForm(rq.w, rq)
	p := rq.consolePage("consec.title", "security")
	if f.bad() {
		if h.consecData(rq, p) {
			rq.render(rq.formProblem(p, f), "console_security", p)
		}
		return
	}
	var u account.SecurityUpdate
	for _, st := range securitySettings {
		name := st.name
		raw, ok := f.values[name]
		if !ok {
			continue // read-only (inherited) settings are not sent
		}
		raw = strings.TrimSpace(raw)
		p.Values[name] = raw
		if raw == "" {
			raw = "0"
		}
		n, err := strconv.Atoi(raw)
		if err != nil || len(raw) > 9 {
			p.FieldErrors[name] = rq.tr.T("consec.not_number")
			continue
		}
		st.set(&u, &n)
	}
	if len(p.FieldErrors) > 0 {
		p.Error = rq.tr.T("error.summary")
		if h.consecData(rq, p) {
			rq.render(http.StatusUnprocessableEntity, "console_security", p)
		}
		return
	}
	if _, err := h.svc.Policies.UpdateSecuritySettings(rq.ctx(), rq.p.AccountID, u); err != nil {
		h.consecRefused(rq, p, err)
		return
	}
	rq.redirect(h.base + routeSecurityConsole + "?done=security_saved")
}

// securityTwoFactor serves POST routeSecurityTwoFactor: two-factor
// authentication required (or not) for every user of the account.
func (h *Handler) securityTwoFactor(rq *request) {
	f := h.parseForm(rq.w, rq)
	p := rq.consolePage("consec.title", "security")
	if f.bad() {
		if h.consecData(rq, p) {
			rq.render(rq.formProblem(p, f), "console_security", p)
		}
		return
	}
	on := f.get("two_factor_required") == "on"
	if _, err := h.svc.Policies.UpdateSecuritySettings(rq.ctx(), rq.p.AccountID, account.SecurityUpdate{TwoFactorRequired: &on}); err != nil {
		h.consecRefused(rq, p, err)
		return
	}
	done := "two_factor_off"
	if on {
		done = "two_factor_on"
	}
	rq.redirect(h.base + routeSecurityConsole + "?done=" + done)
}

// consecRefused shows the service's refusal on the page, each message
// on its field.
func (h *Handler) consecRefused(rq *request, p *page, err error) {
	status, ok := rq.formRefusal(p, err)
	if !ok {
		return
	}
	if h.consecData(rq, p) {
		rq.render(status, "console_security", p)
	}
}
