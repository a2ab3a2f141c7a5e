package web

import (
	"crypto/rand"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/sso"
)

// DefaultPath is where the pages live when Options.Path is empty. The
// links in emails are users.Options.LinkBaseURL + "/accept-invitation",
// "/reset-password" and "/verify-email", so LinkBaseURL should be the
// public URL of this path (e.g. "https://app.example.com/account").
const DefaultPath = "/account"

// Options configures the pages. Services is required; every other field
// has a default.
type Options struct {
	// Services are the services the pages call.
	Services Services
	// Path is where the host mounts the handler, without a trailing slash
	// (default DefaultPath): mux.Handle(Path+"/", handler).
	Path string
	// KitPath is where the host mounts the kit's handler, without a
	// trailing slash ("" for the root); the single sign-on links are
	// KitPath + "/login/saml/{slug}/".
	KitPath string
	// Development turns off the Secure flag of every cookie, so the pages
	// work on http://127.0.0.1. Never set it in production.
	Development bool
	// Cookies configures the cookies the pages set.
	Cookies Cookies
	// FormKey signs the forms' CSRF tokens (32 random bytes or more;
	// instances behind one load balancer must share it). Without it a
	// random per-process key is used: forms open across a restart then
	// ask to be sent again.
	FormKey []byte
	// FormTTL is how long a form stays valid after it was shown (default
	// 2 hours).
	FormTTL time.Duration
	// ProductName names the installation on pages that belong to no
	// account (default "accountkit").
	ProductName string
	// AfterSignIn is where a sign-in leads without a return_to (default
	// Path + "/", the "My account" page). It must be a relative path.
	AfterSignIn string
	// Templates, when set, is laid over the embedded templates: a file
	// "templates/<name>.html" in it replaces the embedded one of that
	// name (see the package doc).
	Templates fs.FS
	// Static, when set, is laid over the embedded static files:
	// "static/custom.css" (empty by default, linked from every page after
	// the built-in stylesheet) is where a host adds its CSS.
	Static fs.FS
	// FindSSOByEmail, when set, finds the account slug whose single
	// sign-on serves an email address (e.g. by verified domain), for the
	// "find your organization" form. Without it the form takes the
	// account's slug only. It returns "" when no account matches.
	FindSSOByEmail func(r *http.Request, email string) (slug string, err error)
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Clock defaults to the system clock (tests pass theirs).
	Clock accountkit.Clock
}

// Cookies names and scopes the cookies the pages set. The zero value is
// the secure default.
type Cookies struct {
	// Session is the session cookie's name (default auth.SessionCookie).
	// Keep the default so the JSON API accepts the same session in the
	// same browser.
	Session string
	// CSRF is the name of the cookie that holds the JSON API's CSRF token
	// for the session, readable by the host's scripts (they send it as
	// the X-CSRF-Token header); default "accountkit_csrf".
	CSRF string
	// Form is the name of the cookie the forms' CSRF tokens are bound to
	// before sign-in (default "accountkit_form").
	Form string
	// Path scopes the session and API CSRF cookies (default "/", so the
	// API under /api/v1 receives them).
	Path string
	// Domain, when set, shares the cookies with subdomains. Leave it empty
	// unless the pages and the API live on different subdomains.
	Domain string
	// SameSite applies to the session cookie (default Lax, which lets a
	// link from an email open a signed-in page). Step cookies are always
	// Strict.
	SameSite http.SameSite
	// Insecure turns off the Secure flag (Options.Development sets it).
	Insecure bool
}

// TwoFactorPath returns the path of the two-factor page under the mount
// path (DefaultPath when ""): set sso.Options.TwoFactorPath to it so the
// local second factor after a single sign-on is asked here.
func TwoFactorPath(mountPath string) string {
	if mountPath == "" {
		mountPath = DefaultPath
	}
	return strings.TrimRight(mountPath, "/") + routeTwoFactor
}

// Handler serves the pages. Create it with New.
type Handler struct {
	opts   Options
	svc    Services
	base   string // the mount path, no trailing slash
	mux    *http.ServeMux
	pages  *pageSet
	static *staticFiles
	key    []byte
	logger *slog.Logger
	clock  accountkit.Clock
}

// New returns the pages' handler. It fails when a required service is
// missing, a path is not a relative path, or a template does not parse.
func New(opts Options) (*Handler, error) {
	s := opts.Services
	if s.SignIn == nil || s.Links == nil || s.Self == nil || s.Branding == nil {
		return nil, errors.New("web: Options.Services needs SignIn, Links, Self and Branding")
	}
	if opts.Path == "" {
		opts.Path = DefaultPath
	}
	opts.Path = strings.TrimRight(opts.Path, "/")
	if opts.Path == "" || !sso.SafeReturnPath(opts.Path) {
		return nil, errors.New("web: Options.Path must be a path such as /account")
	}
	opts.KitPath = strings.TrimRight(opts.KitPath, "/")
	if opts.KitPath != "" && !sso.SafeReturnPath(opts.KitPath) {
		return nil, errors.New("web: Options.KitPath must be a path such as /auth, or empty")
	}
	if opts.AfterSignIn == "" {
		opts.AfterSignIn = opts.Path + "/"
	}
	if !sso.SafeReturnPath(opts.AfterSignIn) {
		return nil, errors.New("web: Options.AfterSignIn must be a relative path")
	}
	if opts.Development {
		opts.Cookies.Insecure = true
	}
	c := &opts.Cookies
	if c.Session == "" {
		c.Session = auth.SessionCookie
	}
	if c.CSRF == "" {
		c.CSRF = "accountkit_csrf"
	}
	if c.Form == "" {
		c.Form = "accountkit_form"
	}
	if c.Path == "" {
		c.Path = "/"
	}
	if c.SameSite == 0 {
		c.SameSite = http.SameSiteLaxMode
	}
	if opts.FormTTL <= 0 {
		opts.FormTTL = 2 * time.Hour
	}
	if opts.ProductName == "" {
		opts.ProductName = "accountkit"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Clock == nil {
		opts.Clock = accountkit.SystemClock{}
	}
	key := opts.FormKey
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		opts.Logger.Warn("web: no Options.FormKey: forms are signed with a random per-process key; set one shared by every instance")
	} else if len(key) < 32 {
		return nil, errors.New("web: Options.FormKey must be at least 32 bytes")
	}
	pages, err := loadPages(opts.Templates)
	if err != nil {
		return nil, err
	}
	static, err := loadStatic(opts.Static)
	if err != nil {
		return nil, err
	}
	h := &Handler{opts: opts, svc: s, base: opts.Path, mux: http.NewServeMux(), pages: pages, static: static,
		key: key, logger: opts.Logger, clock: opts.Clock}
	h.routes()
	return h, nil
}

// Path returns the mount path: mux.Handle(h.Path()+"/", h).
func (h *Handler) Path() string { return h.base }

// ServeHTTP serves the pages with their security headers.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.mux.ServeHTTP(w, r)
}

// The routes, relative to the mount path.
const (
	routeHome          = "/{$}"
	routeSignIn        = "/sign-in"
	routeBranded       = "/{slug}"
	routeSignOut       = "/sign-out"
	routeSSO           = "/sso"
	routeExpired       = "/password-expired"
	routeTwoFactor     = "/two-factor"
	routeRecovery      = "/two-factor/recovery"
	routeSetup         = "/two-factor/setup"
	routeSetupBegin    = "/two-factor/setup/begin"
	routeForgot        = "/forgot-password"
	routeReset         = "/reset-password"
	routeAccept        = "/accept-invitation"
	routeVerifyEmail   = "/verify-email"
	routeProfile       = "/profile"
	routePhoneSend     = "/profile/phone/send"
	routePhone         = "/profile/phone"
	routeSecurity      = "/security"
	routePassword      = "/security/password"
	route2FABegin      = "/security/two-factor/begin"
	route2FAConfirm    = "/security/two-factor/confirm"
	route2FADisable    = "/security/two-factor/disable"
	routeRecoveryCodes = "/security/recovery-codes"
	routeSessions      = "/sessions"
	routeEndOthers     = "/sessions/sign-out-others"
	routeNotifications = "/notifications"
	routeMarkRead      = "/notifications/{id}/read"
	routeMarkAllRead   = "/notifications/read-all"
	routeSubscriptions = "/notifications/subscriptions"
	routeLogo          = "/logo/{slug}"
	routeStatic        = "/static/{file}"
)

func (h *Handler) routes() {
	get := func(p string, fn http.HandlerFunc) { h.mux.HandleFunc("GET "+h.base+p, fn) }
	post := func(p string, fn http.HandlerFunc) { h.mux.HandleFunc("POST "+h.base+p, fn) }
	get(routeSignIn, h.signInPage)
	post(routeSignIn, h.signIn)
	get(routeBranded, h.signInPage)
	post(routeBranded, h.signIn)
	post(routeSignOut, h.signOut)
	get(routeSSO, h.ssoPage)
	post(routeSSO, h.ssoFind)
	get(routeExpired, h.expiredPage)
	post(routeExpired, h.expired)
	get(routeTwoFactor, h.twoFactorPage)
	post(routeTwoFactor, h.twoFactor)
	get(routeRecovery, h.recoveryPage)
	post(routeRecovery, h.recovery)
	get(routeSetup, h.setupIntro)
	post(routeSetupBegin, h.setupBegin)
	post(routeSetup, h.setupConfirm)
	get(routeForgot, h.forgotPage)
	post(routeForgot, h.forgot)
	get(routeReset, h.resetPage)
	post(routeReset, h.reset)
	get(routeAccept, h.acceptPage)
	post(routeAccept, h.accept)
	get(routeVerifyEmail, h.verifyEmailPage)
	post(routeVerifyEmail, h.verifyEmail)

	get(routeHome, h.signedIn(h.profilePage))
	get(routeProfile, h.signedIn(h.profilePage))
	post(routeProfile, h.signedIn(h.profile))
	post(routePhoneSend, h.signedIn(h.phoneSend))
	get(routePhone, h.signedIn(h.phonePage))
	post(routePhone, h.signedIn(h.phoneVerify))
	get(routeSecurity, h.signedIn(h.securityPage))
	post(routePassword, h.signedIn(h.changePassword))
	post(route2FABegin, h.signedIn(h.ownSetupBegin))
	post(route2FAConfirm, h.signedIn(h.ownSetupConfirm))
	post(route2FADisable, h.signedIn(h.disable2FA))
	post(routeRecoveryCodes, h.signedIn(h.newRecoveryCodes))
	get(routeSessions, h.signedIn(h.sessionsPage))
	post(routeEndOthers, h.signedIn(h.endOthers))
	if h.svc.Notifications != nil {
		get(routeNotifications, h.signedIn(h.notificationsPage))
		post(routeMarkRead, h.signedIn(h.markRead))
		post(routeMarkAllRead, h.signedIn(h.markAllRead))
		post(routeSubscriptions, h.signedIn(h.subscriptions))
	}
	h.consoleRoutes()
	get(routeLogo, h.logo)
	get(routeStatic, h.staticFile)
	h.mux.HandleFunc(h.base+"/", h.notFound)
}
