package auth

import (
	"errors"
	"net/http"
	"strings"
	"time"
)

// Cookie configures the session cookie the API and the single sign-on
// routes set (and the pages share: see kit.(*Kit).Pages). The zero value
// is the secure production default: SessionCookie, Path "/", no Domain,
// SameSite=Lax, Secure, HttpOnly.
type Cookie struct {
	// Name is the cookie's name (default SessionCookie).
	Name string
	// Path scopes the cookie (default "/", so every route of the host,
	// including its own behind kit.(*Kit).Middleware, receives it).
	Path string
	// Domain, when set, shares the cookie with subdomains. Leave it empty
	// unless the pages and the API live on different subdomains.
	Domain string
	// SameSite defaults to Lax, which lets a link from an email open a
	// signed-in page. None requires Secure.
	SameSite http.SameSite
	// Insecure turns off the Secure flag, so the cookie works on plain
	// HTTP (a development host other than localhost). Never set it in
	// production: kit.Options.Development sets it, and a Production
	// service refuses it.
	Insecure bool
}

// withDefaults fills the zero fields and checks the rest.
func (c Cookie) withDefaults(production bool) (Cookie, error) {
	if c.Name == "" {
		c.Name = SessionCookie
	}
	if c.Path == "" {
		c.Path = "/"
	}
	if c.SameSite == 0 || c.SameSite == http.SameSiteDefaultMode {
		c.SameSite = http.SameSiteLaxMode
	}
	switch {
	case !validCookieName(c.Name):
		return c, errors.New("auth: Options.Cookie.Name must be a cookie name (letters, digits, '-', '_', '.')")
	case !strings.HasPrefix(c.Path, "/") || strings.ContainsAny(c.Path, "; \t\r\n"):
		return c, errors.New("auth: Options.Cookie.Path must be a path starting with /")
	case strings.ContainsAny(c.Domain, "; \t\r\n/:"):
		return c, errors.New("auth: Options.Cookie.Domain must be a host name")
	case c.SameSite != http.SameSiteLaxMode && c.SameSite != http.SameSiteStrictMode && c.SameSite != http.SameSiteNoneMode:
		return c, errors.New("auth: Options.Cookie.SameSite must be Lax, Strict or None")
	case c.SameSite == http.SameSiteNoneMode && c.Insecure:
		return c, errors.New("auth: Options.Cookie.SameSite None requires a Secure cookie (Insecure unset)")
	case c.Insecure && production:
		return c, errors.New("auth: Options.Cookie.Insecure is refused in production (Options.Production)")
	}
	return c, nil
}

func validCookieName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
		if !ok {
			return false
		}
	}
	return true
}

// Cookie returns the session cookie's settings, defaults filled in.
func (s *Service) Cookie() Cookie { return s.opts.Cookie }

// SetCookie writes the session cookie carrying token, expiring with the
// session, under the service's Cookie settings (HttpOnly always).
func (s *Service) SetCookie(w http.ResponseWriter, token string, expires time.Time) {
	c := s.opts.Cookie
	http.SetCookie(w, &http.Cookie{Name: c.Name, Value: token, Path: c.Path, Domain: c.Domain, Expires: expires,
		HttpOnly: true, Secure: !c.Insecure, SameSite: c.SameSite})
}

// ClearCookie removes the session cookie.
func (s *Service) ClearCookie(w http.ResponseWriter) {
	c := s.opts.Cookie
	http.SetCookie(w, &http.Cookie{Name: c.Name, Value: "", Path: c.Path, Domain: c.Domain, MaxAge: -1,
		HttpOnly: true, Secure: !c.Insecure, SameSite: c.SameSite})
}

// SessionCookieValue returns the session token the request's session
// cookie carries (under the configured name), or "".
func (s *Service) SessionCookieValue(r *http.Request) string {
	if c, err := r.Cookie(s.opts.Cookie.Name); err == nil {
		return c.Value
	}
	return ""
}
