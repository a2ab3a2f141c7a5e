package web

import (
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/sso"
	"github.com/accountkit/accountkit/users"
)

// The console's SSO configuration page: the SAML single sign-on of the
// signed-in person's account. The IdP's metadata is imported (a file or
// pasted XML) or its fields typed; the SP addresses to give the IdP
// administrator are shown to copy; each IdP certificate is listed with
// its expiry. The service validates and decides everything (what enabling
// needs, who may be the break-glass Account Manager); the page shows its
// answer, each refusal on its field, and keeps what was typed.

// Console routes of the SSO configuration page.
const (
	routeSSOConsole  = "/console/sso"
	routeSSOMetadata = "/console/sso/metadata"
)

// maxSSOForm bounds the body of the SSO page's forms (a metadata file or
// a list of certificates): larger bodies are refused without being read.
const maxSSOForm = 1 << 20

// maxSSOField bounds the one-line fields of the SSO settings form.
const maxSSOField = 4096

// SSOConfig reads and changes an account's SAML single sign-on
// configuration for the console's SSO page. *sso.Service implements it.
type SSOConfig interface {
	Config(ctx context.Context, accountID string) (*sso.View, error)
	Update(ctx context.Context, accountID string, up sso.Update) (*sso.View, error)
	ImportMetadata(ctx context.Context, accountID string, data []byte) (*sso.View, error)
}

// conssoURL is one SP address to copy.
type conssoURL struct {
	ID, Label, Hint, Value string
}

// conssoCert is one IdP certificate as the page lists it.
type conssoCert struct {
	N           int
	Subject     string
	Key         string
	Fingerprint string
	NotAfter    time.Time
	// State is "ok", "expires_soon", "expired" or "invalid".
	State string
}

// conssoOption is one choice of the break-glass select.
type conssoOption struct {
	Value, Label string
	Selected     bool
}

// conssoView is the SSO page's data: the form's values (the saved ones,
// or what was typed when a save was refused) and what the service says.
type conssoView struct {
	Saved     bool
	Enforced  bool // the saved configuration enforces SSO
	GroupSync bool
	URLs      []conssoURL
	Certs     []conssoCert
	Managers  []conssoOption
	// NoBreakGlass warns that SSO is enforced with nobody left a password.
	NoBreakGlass bool

	Enabled, AutoCreateUsers, AutoCreateGroups, LocalTwoFactor, AllowIdPInitiated bool
	IdPEntityID, IdPLoginURL, IdPLogoutURL, IdPCertificates, GroupAttribute       string
	BreakGlassUserID                                                              string
	MetadataXML                                                                   string
}

// conssoForm is what a refused form keeps: the typed values.
type conssoForm struct {
	values map[string]string
}

// ssoNotices are the notices after a successful POST.
var ssoNotices = map[string]string{"saved": "conssso.saved", "imported": "conssso.imported"}

// ssoConsoleRoutes registers the SSO page's routes behind c.
func (h *Handler) ssoConsoleRoutes(c func(fn func(rq *request)) http.HandlerFunc) {
	h.mux.HandleFunc("GET "+h.base+routeSSOConsole, c(h.ssoConsolePage))
	h.mux.HandleFunc("POST "+h.base+routeSSOConsole, c(h.ssoSave))
	h.mux.HandleFunc("POST "+h.base+routeSSOMetadata, c(h.ssoImport))
}

// ssoData fills the page from the service's view of the configuration;
// typed, when not nil, replaces the form's values.
func (h *Handler) ssoData(rq *request, p *page, typed *conssoForm) bool {
	id := rq.p.AccountID
	sv, err := h.svc.SSOConfig.Config(rq.ctx(), id)
	if err != nil {
		rq.refused(err)
		return false
	}
	c := sv.Config
	v := &conssoView{Saved: sv.Saved, Enforced: c.Enabled, GroupSync: sv.GroupSync,
		NoBreakGlass: c.Enabled && c.BreakGlassUserID == "",
		Enabled:      c.Enabled, AutoCreateUsers: c.AutoCreateUsers, AutoCreateGroups: c.AutoCreateGroups,
		LocalTwoFactor: c.LocalTwoFactor, AllowIdPInitiated: c.AllowIdPInitiated,
		IdPEntityID: c.IdPEntityID, IdPLoginURL: c.IdPLoginURL, IdPLogoutURL: c.IdPLogoutURL,
		IdPCertificates: strings.Join(c.IdPCertificates, ""), GroupAttribute: c.GroupAttribute,
		BreakGlassUserID: c.BreakGlassUserID}
	if typed != nil {
		t := typed.values
		on := func(k string) bool { return t[k] == "on" }
		v.Enabled, v.AutoCreateUsers, v.AutoCreateGroups = on("enabled"), on("auto_create_users"), on("auto_create_groups")
		v.LocalTwoFactor, v.AllowIdPInitiated = on("local_two_factor"), on("allow_idp_initiated")
		v.IdPEntityID, v.IdPLoginURL, v.IdPLogoutURL = t["idp_entity_id"], t["idp_login_url"], t["idp_logout_url"]
		v.IdPCertificates, v.GroupAttribute = t["idp_certificates"], t["group_attribute"]
		v.BreakGlassUserID, v.MetadataXML = t["break_glass_user_id"], t["metadata_xml"]
	}
	u := sv.URLs
	for _, x := range []struct{ id, val string }{{"sp_entity_id", u.SPEntityID}, {"acs_url", u.ACSURL},
		{"initiation_url", u.InitiationURL}, {"metadata_url", u.MetadataURL}, {"logout_url", u.LogoutURL}} {
		if x.val == "" {
			continue
		}
		v.URLs = append(v.URLs, conssoURL{ID: x.id, Label: rq.tr.T("conssso.url_" + x.id),
			Hint: rq.tr.T("conssso.url_" + x.id + "_hint"), Value: x.val})
	}
	for i, ci := range sv.Certificates {
		state := ci.Warning
		if state == "" {
			state = "ok"
		}
		v.Certs = append(v.Certs, conssoCert{N: i + 1, Subject: ci.Subject, Key: ci.Key, Fingerprint: ci.FingerprintSHA256,
			NotAfter: ci.NotAfter, State: state})
	}
	v.Managers = h.ssoManagers(rq, v.BreakGlassUserID)
	p.Data = v
	return true
}

// ssoManagers lists the choices of the break-glass select: none, and the
// account's active Account Managers (the service checks the choice
// again). A person who may not list users sees the saved choice only.
func (h *Handler) ssoManagers(rq *request, selected string) []conssoOption {
	out := []conssoOption{{Value: "", Label: rq.tr.T("conssso.break_glass_none"), Selected: selected == ""}}
	found := selected == ""
	if h.svc.Users != nil && may(rq.p, security.PermUsersRead, security.PermUsersManage) {
		pg, err := h.svc.Users.List(rq.ctx(), users.ListInput{AccountID: rq.p.AccountID, Role: security.RoleAccountManager,
			Status: string(users.StatusActive), Limit: 100})
		if err == nil {
			for _, u := range pg.Users {
				label := u.Username
				if name := strings.TrimSpace(u.FirstName + " " + u.LastName); name != "" {
					label = name + " (" + u.Username + ")"
				}
				out = append(out, conssoOption{Value: u.ID, Label: label, Selected: u.ID == selected})
				found = found || u.ID == selected
			}
		}
	}
	if !found {
		out = append(out, conssoOption{Value: selected, Label: selected, Selected: true})
	}
	return out
}

// ssoConsolePage serves GET routeSSOConsole.
func (h *Handler) ssoConsolePage(rq *request) {
	p := rq.consolePage("conssso.title", "sso")
	if k, ok := ssoNotices[rq.r.URL.Query().Get("done")]; ok {
		p.Notice = rq.tr.T(k)
	}
	if h.ssoData(rq, p, nil) {
		rq.render(http.StatusOK, "console_sso", p)
	}
}

// ssoSave serves POST routeSSOConsole: the settings form. Every field is
// sent to the service in one change, which refuses it whole when one
// field is wrong.
func (h *Handler) ssoSave(rq *request) {
	f := h.parseSSOForm(rq)
	p := rq.consolePage("conssso.title", "sso")
	typed := &conssoForm{values: f.values}
	if f.bad() {
		if h.ssoData(rq, p, typed) {
			rq.render(rq.formProblem(p, &f.form), "console_sso", p)
		}
		return
	}
	on := func(k string) *bool { b := f.values[k] == "on"; return &b }
	text := func(k string) *string { s := strings.TrimSpace(f.values[k]); return &s }
	certs := splitCertificates(f.values["idp_certificates"])
	up := sso.Update{Enabled: on("enabled"), AutoCreateUsers: on("auto_create_users"), LocalTwoFactor: on("local_two_factor"),
		AllowIdPInitiated: on("allow_idp_initiated"), IdPEntityID: text("idp_entity_id"), IdPLoginURL: text("idp_login_url"),
		IdPLogoutURL: text("idp_logout_url"), GroupAttribute: text("group_attribute"), BreakGlassUserID: text("break_glass_user_id"),
		IdPCertificates: &certs}
	// Always sent: turning it off is always allowed; turning it on where
	// the installation has no team sync is refused on its field.
	up.AutoCreateGroups = on("auto_create_groups")
	if _, err := h.svc.SSOConfig.Update(rq.ctx(), rq.p.AccountID, up); err != nil {
		h.ssoRefused(rq, p, typed, err)
		return
	}
	rq.redirect(h.base + routeSSOConsole + "?done=saved")
}

// ssoImport serves POST routeSSOMetadata: the IdP's metadata, uploaded
// as a file (field "metadata") or pasted (field "metadata_xml").
func (h *Handler) ssoImport(rq *request) {
	f := h.parseSSOForm(rq)
	p := rq.consolePage("conssso.title", "sso")
	typed := &conssoForm{values: map[string]string{"metadata_xml": f.values["metadata_xml"]}}
	if f.bad() {
		status := rq.formProblem(p, &f.form)
		if f.problem == "error.form_too_big" {
			p.FieldErrors["metadata"] = rq.tr.T("conssso.metadata_too_big")
		}
		if h.ssoData(rq, p, nil) {
			p.Data.(*conssoView).MetadataXML = typed.values["metadata_xml"]
			rq.render(status, "console_sso", p)
		}
		return
	}
	data := f.file
	if !f.fileSent {
		data = []byte(strings.TrimSpace(f.values["metadata_xml"]))
	}
	if len(data) == 0 {
		p.Error = rq.tr.T("error.summary")
		p.FieldErrors["metadata"] = rq.tr.T("conssso.metadata_missing")
		if h.ssoData(rq, p, nil) {
			rq.render(http.StatusUnprocessableEntity, "console_sso", p)
		}
		return
	}
	if _, err := h.svc.SSOConfig.ImportMetadata(rq.ctx(), rq.p.AccountID, data); err != nil {
		status, ok := rq.formRefusal(p, err)
		if !ok {
			return
		}
		ssoFoldCertErrors(rq, p, "metadata")
		if h.ssoData(rq, p, nil) {
			p.Data.(*conssoView).MetadataXML = typed.values["metadata_xml"]
			rq.render(status, "console_sso", p)
		}
		return
	}
	rq.redirect(h.base + routeSSOConsole + "?done=imported")
}

// ssoRefused shows the service's refusal of the settings form, each
// message on its field, with what was typed.
func (h *Handler) ssoRefused(rq *request, p *page, typed *conssoForm, err error) {
	status, ok := rq.formRefusal(p, err)
	if !ok {
		return
	}
	ssoFoldCertErrors(rq, p, "idp_certificates")
	if h.ssoData(rq, p, typed) {
		rq.render(status, "console_sso", p)
	}
}

// ssoFoldCertErrors puts the errors of single certificates
// ("idp_certificates[1]") on the field named into, numbered as the
// person counts them.
func ssoFoldCertErrors(rq *request, p *page, into string) {
	var msgs []string
	for i := 0; i <= sso.MaxCertificates; i++ {
		k := "idp_certificates[" + strconv.Itoa(i) + "]"
		if m, ok := p.FieldErrors[k]; ok {
			msgs = append(msgs, rq.tr.T("conssso.certificate_n", i+1, m))
			delete(p.FieldErrors, k)
		}
	}
	if into != "idp_certificates" {
		if m, ok := p.FieldErrors["idp_certificates"]; ok {
			msgs = append([]string{m}, msgs...)
			delete(p.FieldErrors, "idp_certificates")
		}
		for _, k := range []string{"idp_entity_id", "idp_login_url", "idp_logout_url"} {
			if m, ok := p.FieldErrors[k]; ok {
				msgs = append(msgs, rq.tr.T("conssso.field_"+k)+": "+m)
				delete(p.FieldErrors, k)
			}
		}
	}
	if len(msgs) == 0 {
		return
	}
	if m, ok := p.FieldErrors[into]; ok {
		msgs = append([]string{m}, msgs...)
	}
	p.FieldErrors[into] = strings.Join(msgs, " ")
}

// splitCertificates splits the certificates field into one string per
// PEM block. Text outside the blocks is kept as entries of its own, so
// the service refuses it rather than the page dropping it; a field
// without PEM markers is one certificate (the bare base64 that IdP
// consoles often show).
func splitCertificates(s string) []string {
	out := []string{}
	s = strings.TrimSpace(s)
	const begin, end = "-----BEGIN", "-----END"
	for s != "" {
		i := strings.Index(s, begin)
		if i < 0 {
			out = append(out, s)
			break
		}
		if pre := strings.TrimSpace(s[:i]); pre != "" {
			out = append(out, pre)
		}
		s = s[i:]
		j := strings.Index(s, end)
		if j < 0 {
			out = append(out, s)
			break
		}
		k := strings.Index(s[j+len(end):], "-----")
		if k < 0 {
			out = append(out, s)
			break
		}
		stop := j + len(end) + k + len("-----")
		out = append(out, s[:stop])
		s = strings.TrimSpace(s[stop:])
	}
	return out
}

// ssoForm is a parsed form of the SSO page: its text values and, for a
// multipart body, the uploaded metadata file.
type ssoForm struct {
	form
	file     []byte
	fileSent bool
}

// parseSSOForm reads a form of the SSO page, URL-encoded or multipart, of
// at most maxSSOForm bytes (a larger body is refused before it is read),
// and checks its CSRF token. The certificates and pasted metadata may be
// as long as the body; other fields at most maxSSOField bytes.
func (h *Handler) parseSSOForm(rq *request) *ssoForm {
	f := &ssoForm{}
	f.form = *h.parseFormLimited(rq.w, rq, formLimits{body: maxSSOForm, field: maxSSOField,
		long: map[string]bool{"idp_certificates": true, "metadata_xml": true},
		files: func(m *multipart.Form) string {
			fhs := m.File["metadata"]
			if len(fhs) == 0 || fhs[0].Size == 0 && fhs[0].Filename == "" {
				return ""
			}
			file, err := fhs[0].Open()
			if err != nil {
				return "error.form_bad"
			}
			defer file.Close()
			if f.file, err = io.ReadAll(io.LimitReader(file, maxSSOForm)); err != nil {
				return "error.form_bad"
			}
			f.fileSent = true
			return ""
		}})
	return f
}
