package web

import (
	"context"
	"errors"
	"html/template"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
)

// The console's Customization page: the signed-in person's account's
// custom hostname (with the DNS records to create and the result of the
// last verification), logo, colour scheme and language. The service
// checks everything (hostname syntax and uniqueness, the logo's format,
// size and pixels, the colours, the languages); the page shows its
// answer on the field it names.

// Console routes of the Customization page.
const (
	routeCustomConsole    = "/console/customization"
	routeCustomHostname   = "/console/customization/hostname"
	routeCustomVerify     = "/console/customization/hostname/verify"
	routeCustomLogo       = "/console/customization/logo"
	routeCustomLogoDelete = "/console/customization/logo/delete"
	routeCustomTheme      = "/console/customization/theme"
	routeCustomLanguage   = "/console/customization/language"
)

// maxLogoForm bounds the body of a logo upload: the largest accepted
// image plus room for the multipart framing and the CSRF field. A larger
// body is refused as soon as the limit is passed, without reading on.
const maxLogoForm = account.MaxLogoBytes + 64<<10

// Customization reads and changes an account's branding.
// *account.Service implements it.
type Customization interface {
	Customization(ctx context.Context, accountID string) (*account.Customization, error)
	Records(c *account.Customization) []account.DNSRecord
	SetHostname(ctx context.Context, accountID, hostname string) (*account.HostnameSetup, error)
	VerifyHostname(ctx context.Context, accountID string) (*account.Customization, error)
	SetLogo(ctx context.Context, accountID, contentType string, data []byte) (*account.Customization, error)
	DeleteLogo(ctx context.Context, accountID string) (*account.Customization, error)
	SetTheme(ctx context.Context, accountID string, in account.ThemeInput) (*account.Customization, error)
	SetLanguage(ctx context.Context, accountID, lang string) (*account.Customization, error)
	Languages() []string
}

// custRecord is one DNS record to create, with the ids of its fields.
type custRecord struct {
	ID                string
	Type, Name, Value string
}

// custChoice is one radio button or select option.
type custChoice struct {
	Value, Label string
	Selected     bool
}

// custColor is one colour input of the custom theme.
type custColor struct {
	Name, Label, Value, Error string
}

// custView is the Customization page's data.
type custView struct {
	Hostname string
	// Status is "pending", "verified" or "failed" ("" without hostname).
	Status, Reason, Checked string
	Records                 []custRecord
	HasLogo                 bool
	LogoURL, LogoAlt        string
	Themes                  []custChoice
	Theme                   string
	Colors                  []custColor
	Languages               []custChoice
}

// lightColors are the colours of the light theme, the starting point of
// a custom one (they match web.css).
var lightColors = map[string]string{"primary": "#4f46e5", "secondary": "#0f172a", "accent": "#0ea5e9",
	"background": "#f4f6fb", "text": "#0f172a"}

// custCSS styles the page (in the page's nonce'd style element).
const custCSS = `.mt{margin-top:1.5rem}.records{display:grid;gap:1rem;margin:0 0 1rem}
.record{border:1px solid var(--border);border-radius:10px;padding:1rem;background:var(--surface-2)}
.record .field{margin-bottom:.5rem}.record input{font-family:var(--mono);font-size:.875rem;width:100%;min-width:0}
.copy-row{display:flex;gap:.5rem;align-items:center}.copy-row input{flex:1}
.logo-now{display:flex;align-items:center;gap:1rem;flex-wrap:wrap;margin-bottom:1rem}
.logo-now img{width:96px;height:96px;object-fit:contain;border:1px solid var(--border);border-radius:10px;background:#fff}
.theme-choices{display:flex;gap:1.25rem;flex-wrap:wrap;margin-bottom:1rem}
.theme-choices label{display:flex;gap:.4rem;align-items:center;font-weight:500}
.colors{display:grid;grid-template-columns:repeat(auto-fill,minmax(9rem,1fr));gap:.75rem 1rem}
.colors input[type=color]{width:100%;height:2.5rem;padding:.15rem;border:1px solid var(--border);border-radius:8px;background:var(--surface)}
.theme-preview{border:1px solid var(--border);border-radius:12px;padding:1rem;margin:1rem 0;background:var(--pv-background);color:var(--pv-text)}
.theme-preview[data-theme=light]{--pv-primary:#4f46e5;--pv-accent:#0369a1;--pv-background:#f4f6fb;--pv-text:#0f172a;--pv-surface:#fff;--pv-on-primary:#fff}
.theme-preview[data-theme=dark]{--pv-primary:#818cf8;--pv-accent:#7dd3fc;--pv-background:#0b1020;--pv-text:#e6e9f2;--pv-surface:#131a2e;--pv-on-primary:#0b1020}
.theme-preview[data-theme=custom]{--pv-primary:var(--pvc-primary);--pv-accent:var(--pvc-accent);--pv-background:var(--pvc-background);--pv-text:var(--pvc-text);--pv-surface:var(--pvc-background);--pv-on-primary:#fff}
.pv-card{background:var(--pv-surface);border-radius:10px;padding:1rem;max-width:22rem}
.pv-title{font-weight:650;margin:0 0 .5rem}.pv-link{color:var(--pv-text);text-decoration:underline;text-decoration-color:var(--pv-accent);text-decoration-thickness:2px}
.pv-button{display:inline-block;background:var(--pv-primary);color:var(--pv-on-primary);border-radius:8px;padding:.45rem 1rem;font-weight:600;margin-top:.5rem}
`

// custPreviewCSS sets the custom colours of the preview box (each value
// is checked to be #rrggbb; missing ones take the light theme's).
func custPreviewCSS(colors map[string]string) string {
	var b strings.Builder
	b.WriteString(".theme-preview{")
	for _, name := range account.ColorNames {
		c := strings.ToLower(colors[name])
		if !hexColor.MatchString(c) {
			c = lightColors[name]
		}
		b.WriteString("--pvc-" + name + ":" + c + ";")
	}
	b.WriteString("}")
	return b.String()
}

// custData fills the page from the account's customization; what the
// person typed in a refused form (p.Values) stays.
func (h *Handler) custData(rq *request, p *page) bool {
	c, err := h.svc.Customization.Customization(rq.ctx(), rq.p.AccountID)
	if err != nil {
		rq.refused(err)
		return false
	}
	v := &custView{Hostname: c.Hostname, Status: string(c.HostnameStatus), Reason: c.HostnameError, Theme: string(c.Theme)}
	if _, ok := p.Values["hostname"]; ok {
		v.Hostname = p.Values["hostname"]
	}
	if c.HostnameCheckedAt != nil {
		v.Checked = rq.tr.Date(c.HostnameCheckedAt)
	}
	if v.Reason != "" {
		v.Reason = sentence(rq.tr.T(v.Reason))
	}
	for i, r := range h.svc.Customization.Records(c) {
		v.Records = append(v.Records, custRecord{ID: "record-" + strconv.Itoa(i+1), Type: r.Type, Name: r.Name, Value: r.Value})
	}
	if c.LogoSHA256 != "" && rq.brand.Slug != "" {
		v.HasLogo = true
		v.LogoURL = h.base + "/logo/" + rq.brand.Slug + "?v=" + c.LogoSHA256[:12]
		v.LogoAlt = rq.tr.T("concust.logo_alt", rq.brand.Name)
	}
	if t, ok := p.Values["theme"]; ok && (t == "light" || t == "dark" || t == "custom") {
		v.Theme = t
	}
	if v.Theme == "" {
		v.Theme = string(account.ThemeLight)
	}
	for _, t := range []string{"light", "dark", "custom"} {
		v.Themes = append(v.Themes, custChoice{Value: t, Label: rq.tr.T("concust.theme_" + t), Selected: t == v.Theme})
	}
	shown := map[string]string{}
	for _, name := range account.ColorNames {
		val := c.Colors[name]
		if val == "" {
			val = lightColors[name]
		}
		if typed, ok := p.Values["color_"+name]; ok {
			val = typed
		}
		if hexColor.MatchString(val) {
			shown[name] = val
		}
		input := strings.ToLower(val)
		if !hexColor.MatchString(input) {
			input = lightColors[name] // a colour input holds only #rrggbb
		}
		v.Colors = append(v.Colors, custColor{Name: name, Label: rq.tr.T("concust.color_" + name), Value: input,
			Error: p.FieldErrors["color_"+name]})
	}
	lang := c.Language
	if l, ok := p.Values["language"]; ok {
		lang = l
	}
	for _, tag := range h.svc.Customization.Languages() {
		v.Languages = append(v.Languages, custChoice{Value: tag, Label: languageName(tag), Selected: tag == lang})
	}
	p.CSS += template.CSS(custCSS + custPreviewCSS(shown))
	p.Data = v
	return true
}

// languageName is a language's name in itself ("Deutsch"), with its tag.
func languageName(tag string) string {
	t, err := language.Parse(tag)
	if err != nil {
		return tag
	}
	if n := display.Self.Name(t); n != "" {
		return n + " (" + tag + ")"
	}
	return tag
}

// custDone are the notices after a saved form.
var custDone = map[string]string{"hostname_saved": "concust.hostname_saved", "hostname_removed": "concust.hostname_removed",
	"verified": "concust.verified_done", "logo_saved": "concust.logo_saved", "logo_deleted": "concust.logo_deleted",
	"theme_saved": "concust.theme_saved", "language_saved": "concust.language_saved"}

// customizationPage serves GET routeCustomConsole.
func (h *Handler) customizationPage(rq *request) {
	p := rq.consolePage("concust.title", "customization")
	done := rq.r.URL.Query().Get("done")
	if k, ok := custDone[done]; ok {
		p.Notice = rq.tr.T(k)
	}
	if done == "verify_failed" {
		p.Error = rq.tr.T("concust.verify_failed_done")
	}
	if h.custData(rq, p) {
		rq.render(http.StatusOK, "console_custom", p)
	}
}

// custForm parses a urlencoded form of the page; on a refused form it
// renders the page and returns nil.
func (h *Handler) custForm(rq *request, p *page) *form {
	f := h.parseForm(rq.w, rq)
	if f.bad() {
		if h.custData(rq, p) {
			rq.render(rq.formProblem(p, f), "console_custom", p)
		}
		return nil
	}
	return f
}

// customHostname serves POST routeCustomHostname: set ("" removes) the
// custom hostname.
func (h *Handler) customHostname(rq *request) {
	p := rq.consolePage("concust.title", "customization")
	f := h.custForm(rq, p)
	if f == nil {
		return
	}
	host := strings.TrimSpace(f.get("hostname"))
	p.Values["hostname"] = host
	if _, err := h.svc.Customization.SetHostname(rq.ctx(), rq.p.AccountID, host); err != nil {
		h.custRefused(rq, p, err)
		return
	}
	done := "hostname_saved"
	if host == "" {
		done = "hostname_removed"
	}
	rq.redirect(h.base + routeCustomConsole + "?done=" + done + "#hostname")
}

// customVerify serves POST routeCustomVerify: check the DNS records now;
// the outcome (verified, or failed with the reason) is recorded by the
// service and shown on the page.
func (h *Handler) customVerify(rq *request) {
	p := rq.consolePage("concust.title", "customization")
	if h.custForm(rq, p) == nil {
		return
	}
	c, err := h.svc.Customization.VerifyHostname(rq.ctx(), rq.p.AccountID)
	if err != nil {
		h.custRefused(rq, p, err)
		return
	}
	done := "verified"
	if c.HostnameStatus != account.HostnameVerified {
		done = "verify_failed"
	}
	rq.redirect(h.base + routeCustomConsole + "?done=" + done + "#hostname")
}

// logoUpload is a parsed logo form.
type logoUpload struct {
	csrf        string
	contentType string
	data        []byte
	// chosen is false when no file was sent; tooBig when the file or the
	// body passed the limit.
	chosen, tooBig bool
}

// readLogoForm reads the multipart logo form as a stream under
// maxLogoForm: the CSRF field and the "logo" file, stopping one byte past
// account.MaxLogoBytes. It returns a form problem key ("" when fine).
func readLogoForm(w http.ResponseWriter, r *http.Request) (*logoUpload, string) {
	up := &logoUpload{}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return up, "error.form_bad"
	}
	mr := multipart.NewReader(http.MaxBytesReader(w, r.Body, maxLogoForm), params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return up, ""
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				up.tooBig = true
				return up, ""
			}
			return up, "error.form_bad"
		}
		switch part.FormName() {
		case "csrf":
			b, err := io.ReadAll(io.LimitReader(part, 512))
			if err != nil {
				return up, "error.form_bad"
			}
			up.csrf = string(b)
		case "logo":
			b, err := io.ReadAll(io.LimitReader(part, account.MaxLogoBytes+1))
			var mbe *http.MaxBytesError
			switch {
			case errors.As(err, &mbe):
				up.tooBig = true
				return up, ""
			case err != nil:
				return up, "error.form_bad"
			case len(b) > account.MaxLogoBytes:
				up.tooBig = true
				return up, "" // refused without reading the rest
			}
			up.chosen = len(b) > 0 || part.FileName() != ""
			up.contentType, up.data = part.Header.Get("Content-Type"), b
		}
	}
}

// customLogo serves POST routeCustomLogo: a multipart upload of the
// logo. The CSRF token is checked before anything else is looked at; a
// body over the limit is refused on the field without being read to its
// end; the service checks format, declared type, size and pixels.
func (h *Handler) customLogo(rq *request) {
	p := rq.consolePage("concust.title", "customization")
	up, problem := readLogoForm(rq.w, rq.r)
	if problem == "" {
		switch err := h.checkCSRF(up.csrf, rq.binding()); {
		case errors.Is(err, errFormExpired):
			problem = "error.form_expired"
		case err != nil:
			problem = "error.form_forged"
		}
	}
	if problem != "" {
		if up.tooBig && problem == "error.form_forged" && up.csrf == "" {
			problem = "error.form_too_big" // the token never arrived: the body was cut off first
		}
		if h.custData(rq, p) {
			rq.render(rq.formProblem(p, &form{problem: problem, fields: map[string]string{}}), "console_custom", p)
		}
		return
	}
	status := 0
	switch {
	case up.tooBig:
		p.FieldErrors["logo"], status = rq.tr.T("concust.logo_too_big"), http.StatusRequestEntityTooLarge
	case !up.chosen:
		p.FieldErrors["logo"], status = rq.tr.T("concust.logo_none"), http.StatusUnprocessableEntity
	}
	if status != 0 {
		p.Error = rq.tr.T("error.summary")
		if h.custData(rq, p) {
			rq.render(status, "console_custom", p)
		}
		return
	}
	if _, err := h.svc.Customization.SetLogo(rq.ctx(), rq.p.AccountID, up.contentType, up.data); err != nil {
		h.custRefused(rq, p, err)
		return
	}
	rq.redirect(h.base + routeCustomConsole + "?done=logo_saved#logo")
}

// customLogoDelete serves POST routeCustomLogoDelete.
func (h *Handler) customLogoDelete(rq *request) {
	p := rq.consolePage("concust.title", "customization")
	if h.custForm(rq, p) == nil {
		return
	}
	if _, err := h.svc.Customization.DeleteLogo(rq.ctx(), rq.p.AccountID); err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			rq.redirect(h.base + routeCustomConsole + "?done=logo_deleted#logo") // already gone
			return
		}
		h.custRefused(rq, p, err)
		return
	}
	rq.redirect(h.base + routeCustomConsole + "?done=logo_deleted#logo")
}

// customTheme serves POST routeCustomTheme: light, dark, or custom with
// the colour inputs (sent only for the custom theme).
func (h *Handler) customTheme(rq *request) {
	p := rq.consolePage("concust.title", "customization")
	f := h.custForm(rq, p)
	if f == nil {
		return
	}
	in := account.ThemeInput{Theme: account.Theme(f.get("theme"))}
	p.Values["theme"] = f.get("theme")
	if in.Theme == account.ThemeCustom {
		in.Colors = map[string]string{}
		for _, name := range account.ColorNames {
			if v := strings.TrimSpace(f.get("color_" + name)); v != "" {
				in.Colors[name] = v
				p.Values["color_"+name] = v
			}
		}
	}
	if _, err := h.svc.Customization.SetTheme(rq.ctx(), rq.p.AccountID, in); err != nil {
		h.custRefused(rq, p, err)
		return
	}
	rq.redirect(h.base + routeCustomConsole + "?done=theme_saved#theme")
}

// customLanguage serves POST routeCustomLanguage.
func (h *Handler) customLanguage(rq *request) {
	p := rq.consolePage("concust.title", "customization")
	f := h.custForm(rq, p)
	if f == nil {
		return
	}
	p.Values["language"] = f.get("language")
	if _, err := h.svc.Customization.SetLanguage(rq.ctx(), rq.p.AccountID, f.get("language")); err != nil {
		h.custRefused(rq, p, err)
		return
	}
	rq.redirect(h.base + routeCustomConsole + "?done=language_saved#language")
}

// custRefused shows the service's refusal on the page, each message on
// its field ("colors.primary" is the input "color_primary").
func (h *Handler) custRefused(rq *request, p *page, err error) {
	status, ok := rq.formRefusal(p, err)
	if !ok {
		return
	}
	for name, msg := range p.FieldErrors {
		if c, ok := strings.CutPrefix(name, "colors."); ok {
			delete(p.FieldErrors, name)
			p.FieldErrors["color_"+c] = msg
		}
	}
	if accountkit.ErrorCode(err) == accountkit.LimitExceeded && p.FieldErrors["logo"] != "" {
		status = http.StatusRequestEntityTooLarge
	}
	if h.custData(rq, p) {
		rq.render(status, "console_custom", p)
	}
}

// customRoutes registers the Customization page's routes.
func (h *Handler) customRoutes(c func(fn func(rq *request)) http.HandlerFunc) {
	h.mux.HandleFunc("GET "+h.base+routeCustomConsole, c(h.customizationPage))
	for path, fn := range map[string]func(rq *request){routeCustomHostname: h.customHostname, routeCustomVerify: h.customVerify,
		routeCustomLogo: h.customLogo, routeCustomLogoDelete: h.customLogoDelete, routeCustomTheme: h.customTheme,
		routeCustomLanguage: h.customLanguage} {
		h.mux.HandleFunc("POST "+h.base+path, c(fn))
	}
}
