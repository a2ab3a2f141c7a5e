package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"strings"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/notifications"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/sso"
	"github.com/accountkit/accountkit/users"
)

//go:embed templates/*.html
var embeddedTemplates embed.FS

//go:embed static/*
var embeddedStatic embed.FS

// overlay reads a file from top when it has it, else from bottom.
func overlay(top, bottom fs.FS, name string) ([]byte, error) {
	if top != nil {
		if b, err := fs.ReadFile(top, name); err == nil {
			return b, nil
		}
	}
	return fs.ReadFile(bottom, name)
}

// pageNames are the page templates; each is parsed with the layout.
var pageNames = []string{"signin", "sso", "expired", "twofactor", "recovery", "setup", "codes", "forgot", "token",
	"verifyemail", "message", "profile", "phone", "security", "sessions", "notifications",
	"users", "user", "usernew", "apikeys", "audit",
	// Console part 2.
	"roles", "role", "teams", "team", "usermove", "userdelete",
	"seats", "notifications_console",
	"console_security",
	"console_sso",
	"console_custom",
	"console_accounts", "console_account", "console_account_new"}

type pageSet struct{ m map[string]*template.Template }

// loadPages parses the layout and every page, each from the host's
// templates when given there.
func loadPages(top fs.FS) (*pageSet, error) {
	read := func(name string) (string, error) {
		b, err := overlay(top, embeddedTemplates, "templates/"+name+".html")
		if err != nil {
			return "", fmt.Errorf("web: template %s: %w", name, err)
		}
		return string(b), nil
	}
	layout, err := read("layout")
	if err != nil {
		return nil, err
	}
	base, err := template.New("layout").Funcs(template.FuncMap{"dataURI": dataURI, "dict": dict, "list": list}).Parse(layout)
	if err != nil {
		return nil, fmt.Errorf("web: template layout: %w", err)
	}
	ps := &pageSet{m: map[string]*template.Template{}}
	for _, name := range pageNames {
		src, err := read(name)
		if err != nil {
			return nil, err
		}
		t, err := template.Must(base.Clone()).Parse(src)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		ps.m[name] = t
	}
	return ps, nil
}

// dict builds a map for passing several values to a sub-template:
// (dict "P" $ "U" .User).
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, errors.New("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, errors.New("dict: keys must be strings")
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// list returns its arguments, for ranging over a few constants.
func list(v ...string) []string { return v }

// dataURI returns PNG bytes as a data: URL for an <img src>.
func dataURI(png []byte) template.URL {
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
}

// staticFiles are the stylesheet, the script and custom.css, each with a
// version (hash of its bytes) for caching.
type staticFiles struct {
	files   map[string][]byte
	version map[string]string
}

func loadStatic(top fs.FS) (*staticFiles, error) {
	s := &staticFiles{files: map[string][]byte{}, version: map[string]string{}}
	for _, name := range []string{"web.css", "web.js", "custom.css"} {
		b, err := overlay(top, embeddedStatic, "static/"+name)
		if err != nil {
			return nil, fmt.Errorf("web: static %s: %w", name, err)
		}
		sum := sha256.Sum256(b)
		s.files[name], s.version[name] = b, hex.EncodeToString(sum[:6])
	}
	return s, nil
}

// staticFile serves routeStatic.
func (h *Handler) staticFile(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	b, ok := h.static.files[name]
	if !ok {
		h.notFound(w, r)
		return
	}
	ct := "text/css; charset=utf-8"
	if path.Ext(name) == ".js" {
		ct = "text/javascript; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("ETag", `"`+h.static.version[name]+`"`)
	if r.Header.Get("If-None-Match") == `"`+h.static.version[name]+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	_, _ = w.Write(b)
}

// logo serves routeLogo: an account's public logo.
func (h *Handler) logo(w http.ResponseWriter, r *http.Request) {
	l, err := h.svc.Branding.Logo(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.notFound(w, r)
		return
	}
	etag := `"` + l.SHA256 + `"`
	w.Header().Set("Content-Type", l.ContentType)
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	_, _ = w.Write(l.Data)
}

// brand is what a page shows of the account: name, logo, theme.
type brand struct {
	Name    string
	Slug    string
	LogoURL string
	// Theme is "light", "dark" or "custom".
	Theme string
	// Colors are the custom theme's colours, checked to be #rrggbb.
	Colors map[string]string
}

var hexColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

func (h *Handler) brandOf(b *account.Branding) *brand {
	if b == nil {
		return &brand{Name: h.opts.ProductName, Theme: string(account.ThemeLight)}
	}
	out := &brand{Name: b.Name, Slug: b.Slug, Theme: string(b.Theme), Colors: map[string]string{}}
	if b.LogoSHA256 != "" {
		out.LogoURL = h.base + "/logo/" + b.Slug + "?v=" + b.LogoSHA256[:12]
	}
	if out.Theme == "" {
		out.Theme = string(account.ThemeLight)
	}
	for _, name := range account.ColorNames {
		if c := b.Colors[name]; hexColor.MatchString(c) {
			out.Colors[name] = strings.ToLower(c)
		}
	}
	return out
}

// request is one request to a page: who and where, language, nonce.
type request struct {
	w     http.ResponseWriter
	r     *http.Request
	h     *Handler
	nonce string
	// formCookie is the browser's form cookie ("" until set).
	formCookie string
	// session is the valid session token, "" when not signed in.
	session string
	p       *security.Principal
	user    *users.User
	brand   *brand
	tr      *translator
}

func (rq *request) binding() string {
	if rq.formCookie == "" {
		return ""
	}
	return formBinding(rq.formCookie, rq.session)
}

// page is what every template gets. Data holds the page's own values.
type page struct {
	*translator
	Title   string
	Nonce   string
	CSRF    string
	Base    string
	KitPath string
	Brand   *brand
	User    *users.User
	Nav     string
	// Console lists the console pages the signed-in person may open.
	Console  []navLink
	ReturnTo string
	// Notice is a translated success message; Error a translated summary
	// of what went wrong; FieldErrors the translated message of each
	// field (tied to its input with aria-describedby).
	Notice      string
	Error       string
	FieldErrors map[string]string
	Values      map[string]string
	Data        any
	CSS         template.CSS
	Static      map[string]string
}

// Field returns what a form input needs: its value, error and ids.
func (p *page) Field(name string) fieldView {
	return fieldView{Name: name, ID: "f-" + name, Value: p.Values[name], Error: p.FieldErrors[name]}
}

type fieldView struct{ Name, ID, Value, Error string }

// newPage returns the page for the request, with a CSRF token for its
// forms (setting the form cookie first when the browser has none).
func (rq *request) newPage(title string) *page {
	if rq.formCookie == "" {
		rq.formCookie = rq.h.newFormCookie(rq.w)
	}
	p := &page{translator: rq.tr, Title: rq.tr.T(title), Nonce: rq.nonce, CSRF: rq.h.csrfToken(rq.binding()),
		Base: rq.h.base, KitPath: rq.h.opts.KitPath, Brand: rq.brand, User: rq.user,
		FieldErrors: map[string]string{}, Values: map[string]string{}, Static: rq.h.static.version}
	if rq.p != nil {
		p.Console = rq.consoleNav()
	}
	if rq.brand.Theme == string(account.ThemeCustom) && len(rq.brand.Colors) > 0 {
		p.CSS = themeCSS(rq.brand.Colors)
	}
	return p
}

// themeCSS writes a custom theme's colours as CSS variables (each value
// was checked to be #rrggbb).
func themeCSS(colors map[string]string) template.CSS {
	var b strings.Builder
	b.WriteString(":root{")
	for _, name := range account.ColorNames {
		if c, ok := colors[name]; ok {
			b.WriteString("--brand-" + name + ":" + c + ";")
		}
	}
	b.WriteString("}")
	return template.CSS(b.String())
}

// render writes the page with the status, with the CSP of its nonce and
// no caching (every page is personal or holds a form token).
func (rq *request) render(status int, name string, p *page) {
	t, ok := rq.h.pages.m[name]
	if !ok {
		panic("web: no page " + name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		rq.h.logger.ErrorContext(rq.r.Context(), "web: rendering failed", "page", name, "err", err)
		http.Error(rq.w, "internal error", http.StatusInternalServerError)
		return
	}
	hd := rq.w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", csp(rq.nonce))
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Language", rq.tr.Lang())
	rq.w.WriteHeader(status)
	_, _ = rq.w.Write(buf.Bytes())
}

// redirect answers a POST (or a GET that must go elsewhere) with 303.
func (rq *request) redirect(to string) {
	rq.w.Header().Set("Cache-Control", "no-store")
	http.Redirect(rq.w, rq.r, to, http.StatusSeeOther)
}

func safePath(p string) bool { return sso.SafeReturnPath(p) }

// Initial returns the first letter of s, upper-cased, for a monogram.
func (p *page) Initial(s string) string {
	for _, r := range s {
		return strings.ToUpper(string(r))
	}
	return "?"
}

// inputView is one labelled form input (template "input").
type inputView struct {
	Name, ID, Type, Value, Label, Hint, Error, Autocomplete, Describe string
	Required, Autofocus, Numeric, Spellcheck                          bool
	MaxLength                                                         int
}

// Input returns an input of the page's form: its translated label (and
// hint, with the flag "hint:<key>"), its value (never for passwords) and
// error, tied to it with aria-describedby. Flags: "required",
// "autofocus", "numeric", "nospell", "max:<n>".
func (p *page) Input(name, typ, autocomplete, label string, flags ...string) inputView {
	v := inputView{Name: name, ID: "f-" + name, Type: typ, Label: p.T(label), Autocomplete: autocomplete,
		Error: p.FieldErrors[name]}
	if typ != "password" {
		v.Value = p.Values[name]
	}
	for _, f := range flags {
		switch {
		case f == "required":
			v.Required = true
		case f == "autofocus":
			v.Autofocus = true
		case f == "numeric":
			v.Numeric = true
		case f == "nospell":
			v.Spellcheck = true
		case strings.HasPrefix(f, "hint:"):
			v.Hint = p.T(f[5:])
		case strings.HasPrefix(f, "max:"):
			fmt.Sscan(f[4:], &v.MaxLength)
		}
	}
	// The first field with an error takes the focus.
	if len(p.FieldErrors) > 0 {
		v.Autofocus = false
		for _, k := range formOrder {
			if _, bad := p.FieldErrors[k]; bad {
				v.Autofocus = k == name
				break
			}
		}
	}
	var ids []string
	if v.Hint != "" {
		ids = append(ids, v.ID+"-hint")
	}
	if v.Error != "" {
		ids = append(ids, v.ID+"-error")
	}
	v.Describe = strings.Join(ids, " ")
	return v
}

// formOrder is the order fields appear in, to focus the first bad one.
var formOrder = []string{"identifier", "organization", "current", "first_name", "last_name", "phone", "password", "password_again",
	"code", "recovery_code", "disable_code", "codes_code", "token"}

// TypeName is a notification type's translated name; a host type
// without a translation keeps its own name.
func (p *page) TypeName(t notifications.TypeInfo) string {
	if k := "type." + string(t.Type); p.T(k) != k {
		return p.T(k)
	}
	return t.Name
}

// TypeDesc is a notification type's translated description.
func (p *page) TypeDesc(t notifications.TypeInfo) string {
	if k := "type." + string(t.Type) + ".desc"; p.T(k) != k {
		return p.T(k)
	}
	return t.Description
}
