package kit

import (
	"net/http"
	"strings"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/internal/httpx"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/sso"
	"github.com/accountkit/accountkit/web"
)

// Prefixes are the path prefixes Handler serves: the JSON API, the SAML
// and OpenID Connect sign-in routes and SCIM. Register mounts Handler under
// each of them.
var Prefixes = []string{"/api/v1/", "/login/saml/", "/login/oidc/", "/scim/v2/"}

// mountMethods are the methods Mount registers a prefix for. GET covers
// HEAD.
var mountMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions}

// Mount registers h on the host's mux for every request whose path starts
// with prefix (which must end in "/"), with one method pattern per common
// method ("GET /api/v1/", "POST /api/v1/", …). Method patterns never
// conflict with the host's own, such as "GET /" or "/": a bare "/api/v1/"
// next to "GET /" makes ServeMux panic, since neither is more specific.
// Mount panics, like ServeMux.Handle, when a pattern conflicts.
func Mount(mux *http.ServeMux, prefix string, h http.Handler) {
	if !strings.HasPrefix(prefix, "/") || !strings.HasSuffix(prefix, "/") {
		panic("kit.Mount: prefix must start and end with /: " + prefix)
	}
	for _, m := range mountMethods {
		mux.Handle(m+" "+prefix, h)
	}
}

// Register mounts Handler on the host's mux under each of Prefixes (see
// Mount), beside the host's own routes.
func (k *Kit) Register(mux *http.ServeMux) {
	for _, p := range Prefixes {
		Mount(mux, p, k.handler)
	}
}

// Middleware authenticates requests for the host's own routes the way
// Handler does: a session (bearer token or cookie, with the CSRF check on
// cookie-authenticated mutations), an API key or Options.Authenticators.
// The principal is in the request's context (security.PrincipalFrom);
// a request without credentials passes on without one, and bad
// credentials are refused with a 401 problem. Wrap the host's mux with it,
// or single routes; RequireSignedIn and RequirePermission refuse requests
// that lack a principal or a permission.
func (k *Kit) Middleware(next http.Handler) http.Handler {
	return httpx.Clients(k.trusted, httpx.Authenticate(k.Runtime.Logger, k.auths, next))
}

// RequireSignedIn serves next only to an authenticated principal (a user
// or an API key) put in the context by Middleware; others get a 401
// problem.
func (k *Kit) RequireSignedIn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if security.PrincipalFrom(r.Context()) == nil {
			httpx.WriteError(w, r, k.Runtime.Logger, accountkit.Errorf(accountkit.Unauthenticated, "authentication required"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// RequirePermission serves next only to a principal (put in the context
// by Middleware) holding perm in its own account: 401 without one, 403
// without the permission. It checks no tenant tree: a handler acting on
// another account checks it with Authorizer.Require.
func (k *Kit) RequirePermission(perm security.Permission, next http.Handler) http.Handler {
	return k.RequireSignedIn(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := security.PrincipalFrom(r.Context())
		if !p.System && !p.Permissions.Has(perm) {
			httpx.WriteError(w, r, k.Runtime.Logger, accountkit.Errorf(accountkit.Forbidden, "permission %s required", perm))
			return
		}
		next.ServeHTTP(w, r)
	}))
}

// Pages returns the web pages (sign-in, self-service) over the kit's
// services, sharing the kit's session cookie (name, path, domain,
// SameSite, Secure from Options.Auth.Cookie) and development mode. The
// Services, Logger and Clock of opts are filled in when empty; mount the
// handler with Mount(mux, opts.Path+"/", pages) (default "/account/").
func (k *Kit) Pages(opts web.Options) (*web.Handler, error) {
	s := &opts.Services
	if s.SignIn == nil {
		s.SignIn = k.Auth
	}
	if s.Links == nil {
		s.Links = k.Auth
	}
	if s.Self == nil {
		s.Self = k.Users
	}
	if s.Security == nil {
		s.Security = k.Auth
	}
	if s.Branding == nil {
		s.Branding = k.Accounts
	}
	if s.SSO == nil {
		s.SSO = k.SSO
	}
	if s.Notifications == nil {
		s.Notifications = k.Notifications
	}
	// The console pages (Users & Teams, API keys, audit log).
	if s.Users == nil {
		s.Users = k.Users
	}
	if s.Teams == nil {
		s.Teams = k.Teams
	}
	if s.APIKeys == nil {
		s.APIKeys = k.APIKeys
	}
	if s.Audit == nil {
		s.Audit = k.Audit
	}
	// Console part 2: Roles, reset 2FA, the account tree, seats.
	if s.Roles == nil {
		s.Roles = k.Users
	}
	if s.TwoFactorReset == nil {
		s.TwoFactorReset = k.Auth
	}
	if s.AccountTree == nil {
		s.AccountTree = k.Accounts
	}
	if s.SeatHolder == nil {
		s.SeatHolder = k.Seats
	}
	// The console's Seats and Notifications pages.
	if s.Seats == nil {
		s.Seats = k.Seats
	}
	if s.ManagedNotifications == nil {
		s.ManagedNotifications = k.Notifications
	}
	if s.SubAccounts == nil {
		s.SubAccounts = k.Accounts
	}
	// The console's Security page.
	if s.Policies == nil {
		s.Policies = k.Accounts
	}
	// The console's SSO configuration page.
	if s.SSOConfig == nil {
		s.SSOConfig = k.SSO
	}
	// The console's Customization page.
	if s.Customization == nil {
		s.Customization = k.Accounts
	}
	// The console's Accounts page.
	if s.Accounts == nil {
		s.Accounts = k.Accounts
	}
	c := k.Auth.Cookie()
	wc := &opts.Cookies
	if wc.Session == "" {
		wc.Session = c.Name
	}
	if wc.Path == "" {
		wc.Path = c.Path
	}
	if wc.Domain == "" {
		wc.Domain = c.Domain
	}
	if wc.SameSite == 0 {
		wc.SameSite = c.SameSite
	}
	if opts.FindSSOByEmail == nil {
		// "Find your organization" takes a work email too: the verified
		// domains say which account it belongs to (sso.Service.Discover,
		// with its per-IP limit and its same answer for every domain
		// that does not use SSO).
		opts.FindSSOByEmail = func(r *http.Request, email string) (string, error) {
			d, err := k.SSO.Discover(r.Context(), email)
			if accountkit.ErrorCode(err) == accountkit.Invalid {
				return "", nil
			}
			if err != nil || d.Method != sso.DiscoverSSO {
				return "", err
			}
			return d.Slug, nil
		}
	}
	opts.Development = opts.Development || k.development
	wc.Insecure = wc.Insecure || c.Insecure
	if opts.Logger == nil {
		opts.Logger = k.Runtime.Logger
	}
	if opts.Clock == nil {
		opts.Clock = k.Runtime.Clock
	}
	return web.New(opts)
}

// allowed returns the methods (comma-separated, for the Allow header) the
// mux serves r's path with, or "" when no route has that path.
func allowed(mux *http.ServeMux, r *http.Request) string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := &http.Request{Method: m, URL: r.URL, Host: r.Host, Header: http.Header{}}
		if _, pattern := mux.Handler(probe); pattern != "" && !strings.HasSuffix(pattern, "/api/") {
			out = append(out, m)
		}
	}
	return strings.Join(out, ", ")
}
