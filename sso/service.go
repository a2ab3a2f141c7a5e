package sso

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/sso/saml"
	"github.com/accountkit/accountkit/teams"
	"github.com/accountkit/accountkit/users"
)

// GroupSync maps IdP groups to SSO-managed teams; *teams.Service
// implements it.
type GroupSync interface {
	// SetSSOMemberships makes the teams named groupNames (created as SSO
	// teams when missing) exactly the SSO teams the user belongs to in
	// the account; manual teams are untouched. It runs in the caller's
	// transaction.
	SetSSOMemberships(ctx context.Context, userID, accountID string, groupNames []string) error
	// ConvertSSOTeamsToManual turns every SSO team of the account into a
	// manual team, keeping its members. It runs in the caller's
	// transaction.
	ConvertSSOTeamsToManual(ctx context.Context, accountID string) error
}

// Options configures the service. Zero fields take defaults.
type Options struct {
	// BaseURL is the public URL where the host mounts accountkit's
	// handler, e.g. "https://app.example.com" (https, or http to
	// localhost). The SP URLs are BaseURL + "/login/saml/{slug}/...".
	// Without it SSO cannot be enabled and the sign-in routes answer 404.
	BaseURL string
	// Production refuses http URLs to localhost, allowed for development.
	Production bool
	// SPKey, if set, signs AuthnRequests and decrypts encrypted
	// assertions; SPCertificate is its certificate, published in the SP
	// metadata.
	SPKey         *rsa.PrivateKey
	SPCertificate *x509.Certificate
	// Groups, when set, syncs IdP groups instead of Deps.Teams (a host's
	// own team model, or a test double).
	Groups GroupSync
	// TwoFactorPath is the host's page, a path on this host (see
	// SafeReturnPath), where a user enters a two-factor code after a
	// single sign-on, for accounts that turn Config.LocalTwoFactor on. The
	// ACS sends the browser there (303) with the query parameters status
	// ("two_factor_required" or "two_factor_enrollment_required") and,
	// when the sign-in had one, return_to; the challenge travels in the
	// users.TwoFactorCookie, never in the URL (scoped to the 2FA API and,
	// in a second copy, to this page's path, so a server-rendered page
	// such as the web package's reads it). A page may post the code to
	// POST /api/v1/auth/2fa/verify (or enrolls through
	// /api/v1/auth/2fa/enroll and /enroll/confirm) without a
	// challenge_token, then goes to return_to. Without it
	// Config.LocalTwoFactor cannot be turned on.
	TwoFactorPath string
	// RequestMaxAge is how long a sign-in started at the IdP may take
	// (default saml.DefaultRequestMaxAge, 10 minutes).
	RequestMaxAge time.Duration
	// ACSPerIP bounds the responses one client IP may post to the ACS
	// (default 30 at once, then one every 2 s); over it the ACS answers
	// 429 with Retry-After before reading the response.
	ACSPerIP security.RateLimit
	// FailureAuditPerAccount bounds the "SSO login failed." events written
	// to an account's audit log for failures that name no user (a bad
	// signature, junk, a replay), which anyone can cause (default 30 at
	// once, then one every 10 s); the others are logged only. Failures of
	// a known user (locked, disabled, …) are always written. A negative
	// Burst turns either limit off.
	FailureAuditPerAccount security.RateLimit
	// Resolver verifies claimed email domains (domains.go); default
	// net.DefaultResolver. kit passes the customization's Resolver.
	Resolver account.Resolver
	// DNSTimeout bounds one domain verification (default 10 s).
	DNSTimeout time.Duration
	// DiscoverPerIP bounds Discover requests from one client IP (default
	// 30 at once, then one every 2 s; a negative Burst turns it off).
	DiscoverPerIP security.RateLimit
	// OIDCHTTPClient makes the requests to OpenID providers (discovery,
	// JWKS, token and userinfo endpoints). The default client fetches only
	// https URLs at public addresses, checked at every dial after DNS
	// resolution (PublicAddressControl; redirects included), with a 10 s
	// timeout and no proxy. A client given here replaces that guard: dial
	// with PublicAddressControl to keep it.
	OIDCHTTPClient *http.Client
	// OIDCAllowLocalIssuers lets OIDC issuers be plain http to loopback
	// and lets the default client fetch from loopback, private and other
	// non-public addresses: for tests and local development with a
	// provider on this machine (accountkittest turns it on), never in
	// production — NewService refuses it together with Production.
	OIDCAllowLocalIssuers bool
}

// The throttle scopes of the ACS.
const (
	scopeACSIP        = "sso-acs:ip"
	scopeFailureAudit = "sso-failure-audit:account"
)

func (o *Options) limitDefaults() {
	if o.ACSPerIP.Burst == 0 && o.ACSPerIP.Every == 0 {
		o.ACSPerIP = security.RateLimit{Burst: 30, Every: 2 * time.Second}
	}
	if o.FailureAuditPerAccount.Burst == 0 && o.FailureAuditPerAccount.Every == 0 {
		o.FailureAuditPerAccount = security.RateLimit{Burst: 30, Every: 10 * time.Second}
	}
}

// Deps is what the service needs from the installation.
type Deps struct {
	accountkit.Runtime
	Store Store
	// Users provisions users just in time.
	Users *users.Service
	// Auth completes sign-ins (auth.Service.Complete) and ends sessions.
	Auth *auth.Service
	// Teams syncs IdP groups to SSO teams (unless Options.Groups is set).
	Teams *teams.Service
}

// Service configures SSO per account and signs users in through SAML.
// All SSO rules live here.
type Service struct {
	store    Store
	users    *users.Service
	auth     *auth.Service
	groups   GroupSync
	authz    *security.Authorizer
	audit    *audit.Recorder
	rt       accountkit.Runtime
	opts     Options
	base     string // BaseURL without a trailing slash; "" when unset
	basePath string // the path of base, for cookie paths

	resolver   account.Resolver
	dnsTimeout time.Duration
	throttle   *security.Throttle

	providers oidcProviders // discovered OIDC providers (oidc.go)
	oidcHTTP  *http.Client  // fetches from OIDC providers (oidc_fetch.go)

	purgeMu   sync.Mutex
	nextPurge time.Time
}

// NewService returns an SSO Service. It fails when deps lack the Store,
// Users, Auth, Teams (or Options.Groups) or the Runtime's Events, or when
// Options.BaseURL or Options.TwoFactorPath is set but invalid. It
// subscribes to auth.PasswordUse: while an account enforces single
// sign-on, its users may not use passwords (PasswordLoginAllowed),
// however the services were built.
func NewService(deps Deps, opts Options) (*Service, error) {
	rec, err := audit.NewRecorder(deps.Store, deps.Runtime)
	if err != nil {
		return nil, err
	}
	switch {
	case deps.Users == nil:
		return nil, errors.New("sso: Deps.Users is required")
	case deps.Auth == nil:
		return nil, errors.New("sso: Deps.Auth is required")
	case deps.Teams == nil && opts.Groups == nil:
		return nil, errors.New("sso: Deps.Teams (or Options.Groups) is required")
	}
	rt, _ := deps.Runtime.WithDefaults()
	opts.limitDefaults()
	s := &Service{store: deps.Store, users: deps.Users, auth: deps.Auth, groups: opts.Groups, authz: security.NewAuthorizer(deps.Store),
		audit: rec, rt: rt, opts: opts, resolver: opts.Resolver, dnsTimeout: opts.DNSTimeout,
		throttle: security.NewThrottle(deps.Store, rt.Clock)}
	if s.resolver == nil {
		s.resolver = net.DefaultResolver
	}
	if s.dnsTimeout <= 0 {
		s.dnsTimeout = 10 * time.Second
	}
	if s.opts.DiscoverPerIP.Burst == 0 && s.opts.DiscoverPerIP.Every == 0 {
		s.opts.DiscoverPerIP = security.RateLimit{Burst: 30, Every: 2 * time.Second}
	}
	if s.groups == nil {
		s.groups = deps.Teams
	}
	accountkit.Subscribe(rt.Events, auth.ReactionSSO, func(ctx context.Context, e auth.PasswordUse) error {
		return s.PasswordLoginAllowed(ctx, e.User)
	})
	if opts.BaseURL != "" {
		base := strings.TrimRight(opts.BaseURL, "/")
		if msg := validateURL(base, !opts.Production); msg != "" {
			return nil, errors.New("sso: Options.BaseURL " + msg)
		}
		u, _ := url.Parse(base)
		if u.RawQuery != "" {
			return nil, errors.New("sso: Options.BaseURL must not have a query")
		}
		s.base, s.basePath = base, strings.TrimRight(u.Path, "/")
	}
	switch {
	case opts.OIDCHTTPClient != nil:
		s.oidcHTTP = opts.OIDCHTTPClient
	case opts.OIDCAllowLocalIssuers:
		if opts.Production {
			return nil, errors.New("sso: Options.OIDCAllowLocalIssuers is for tests and development, not with Production")
		}
		s.oidcHTTP = &http.Client{Timeout: 10 * time.Second}
	default:
		s.oidcHTTP = guardedOIDCClient(PublicAddress)
	}
	if opts.TwoFactorPath != "" && !SafeReturnPath(opts.TwoFactorPath) {
		return nil, errors.New("sso: Options.TwoFactorPath must be a path on this host, such as /login/two-factor")
	}
	return s, nil
}

func (s *Service) now() time.Time { return s.rt.Now().UTC() }

// URLs are the SP addresses of one account, to give to the IdP
// administrator (ACS, metadata, entity ID) and to users (initiation).
type URLs struct {
	SPEntityID    string `json:"sp_entity_id"`
	InitiationURL string `json:"initiation_url"`
	ACSURL        string `json:"acs_url"`
	MetadataURL   string `json:"metadata_url"`
	LogoutURL     string `json:"logout_url"`
}

// RoutePath returns the path of an SSO route of the account with the slug,
// relative to where the host mounts the handler: "/login/saml/{slug}/" +
// suffix.
func RoutePath(slug, suffix string) string { return "/login/saml/" + slug + "/" + suffix }

func (s *Service) urls(acc *account.Account, c *Config) URLs {
	if s.base == "" {
		return URLs{SPEntityID: c.SPEntityID}
	}
	u := URLs{
		InitiationURL: s.base + RoutePath(acc.Slug, ""),
		ACSURL:        s.base + RoutePath(acc.Slug, "acs"),
		MetadataURL:   s.base + RoutePath(acc.Slug, "metadata"),
		LogoutURL:     s.base + RoutePath(acc.Slug, "logout"),
	}
	u.SPEntityID = c.SPEntityID
	if u.SPEntityID == "" {
		u.SPEntityID = u.MetadataURL
	}
	return u
}

// View is a configuration as the API shows it: the stored fields, the
// SP URLs, the certificates' details and warnings.
type View struct {
	Config *Config
	URLs   URLs
	// Saved is false while the account has never saved a configuration
	// (Config then holds the defaults).
	Saved        bool
	Certificates []CertificateInfo
	// Warnings are human-readable notes: expired or expiring
	// certificates, no break-glass account while SSO is enabled.
	Warnings []string
	// GroupSync tells whether auto-create groups can be turned on (the
	// installation wired a GroupSync).
	GroupSync bool
}

func (s *Service) view(acc *account.Account, c *Config, saved bool) *View {
	v := &View{Config: c, URLs: s.urls(acc, c), Saved: saved, Certificates: []CertificateInfo{}, Warnings: []string{},
		GroupSync: s.groups != nil}
	now := s.now()
	for i, p := range c.IdPCertificates {
		info, _ := certificateInfo(p, now)
		v.Certificates = append(v.Certificates, info)
		switch info.Warning {
		case WarningExpired:
			v.Warnings = append(v.Warnings, "IdP certificate "+strconv.Itoa(i+1)+" has expired: responses signed with it are refused.")
		case WarningExpiresSoon:
			v.Warnings = append(v.Warnings, "IdP certificate "+strconv.Itoa(i+1)+" expires within 30 days: add its successor.")
		}
	}
	if c.Enabled && c.BreakGlassUserID == "" {
		v.Warnings = append(v.Warnings, noBreakGlassWarning)
	}
	return v
}

// defaults returns the configuration of an account that never saved one.
func defaults(accountID string) *Config {
	return &Config{AccountID: accountID, ClockSkewSeconds: DefaultClockSkewSeconds}
}

// load returns the account's configuration, or the defaults.
func (s *Service) load(ctx context.Context, accountID string) (*Config, bool, error) {
	c, err := s.store.GetSSOConfig(ctx, accountID)
	switch {
	case err == nil:
		return c, true, nil
	case accountkit.ErrorCode(err) == accountkit.NotFound:
		return defaults(accountID), false, nil
	}
	return nil, false, err
}

// Config returns the account's SSO configuration with the URLs to give the
// IdP administrator. It requires PermSSOManage in the account.
// Errors: Unauthenticated, NotFound (also for accounts outside the
// principal's tree), Forbidden.
func (s *Service) Config(ctx context.Context, accountID string) (_ *View, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	if _, err := s.authz.Require(ctx, security.PermSSOManage, accountID); err != nil {
		return nil, err
	}
	acc, err := s.store.GetAccount(ctx, accountID)
	if err != nil {
		return nil, err
	}
	c, saved, err := s.load(ctx, accountID)
	if err != nil {
		return nil, err
	}
	return s.view(acc, c, saved), nil
}

func updateEntry(accountID string, changed []string) *audit.Entry {
	e := &audit.Entry{AccountID: accountID, Item: audit.ItemAccount, Action: audit.ActionUpdate,
		Description: "Account login options updated.", FailureDescription: "Account login options update failed.",
		TargetType: "account", TargetID: accountID}
	if len(changed) > 0 {
		e.Details = map[string]string{"changed": strings.Join(changed, ",")}
	}
	return e
}

// Refused records the failure of a configuration change refused before it
// reached the service (a malformed or oversized body).
func (s *Service) Refused(ctx context.Context, accountID string, err error) {
	s.audit.RecordFailure(ctx, *updateEntry(accountID, nil), err)
}

// Update changes the account's SSO configuration; nil fields stay as they
// are. It requires PermSSOManage in the account. Every field is validated
// (URLs https, certificates parsed with strong keys, ranges) and a refused
// change changes nothing. Enabling requires the IdP entity ID, login URL
// and at least one certificate. Turning auto-create groups off turns the
// account's SSO teams into manual teams in the same transaction. Audited
// ("Account login options updated." / "... update failed.") with the names
// of the changed fields, never their values. Errors: Unauthenticated,
// NotFound, Forbidden, Invalid.
func (s *Service) Update(ctx context.Context, accountID string, up Update) (*View, error) {
	return s.update(ctx, accountID, up, nil)
}

func (s *Service) update(ctx context.Context, accountID string, up Update, details map[string]string) (*View, error) {
	entry := updateEntry(accountID, up.changed())
	for k, v := range details {
		if entry.Details == nil {
			entry.Details = map[string]string{}
		}
		entry.Details[k] = v
	}
	var out *View
	err := s.audit.Run(ctx, entry, func(ctx context.Context) error {
		if _, err := s.authz.Require(ctx, security.PermSSOManage, accountID); err != nil {
			return err
		}
		acc, err := s.store.GetAccount(ctx, accountID)
		if err != nil {
			return err
		}
		cur, saved, err := s.load(ctx, accountID)
		if err != nil {
			return err
		}
		next, err := s.apply(ctx, cur, up)
		if err != nil {
			return err
		}
		now := s.now()
		if !saved {
			next.CreatedAt = now
		}
		next.UpdatedAt = now
		if cur.AutoCreateGroups && !next.AutoCreateGroups && s.groups != nil {
			if err := s.groups.ConvertSSOTeamsToManual(ctx, accountID); err != nil {
				return err
			}
		}
		if err := s.store.PutSSOConfig(ctx, next); err != nil {
			return err
		}
		out = s.view(acc, next, true)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// apply validates up against cur and returns the new configuration.
func (s *Service) apply(ctx context.Context, cur *Config, up Update) (*Config, error) {
	next := *cur
	next.IdPCertificates = slices.Clone(cur.IdPCertificates)
	var v accountkit.Validation
	allowHTTP := !s.opts.Production
	if up.SPEntityID != nil {
		next.SPEntityID = strings.TrimSpace(*up.SPEntityID)
		if next.SPEntityID != "" {
			if msg := validateEntityID(next.SPEntityID); msg != "" {
				v.Add("sp_entity_id", msg)
			}
		}
	}
	if up.IdPEntityID != nil {
		next.IdPEntityID = strings.TrimSpace(*up.IdPEntityID)
		if next.IdPEntityID != "" {
			if msg := validateEntityID(next.IdPEntityID); msg != "" {
				v.Add("idp_entity_id", msg)
			}
		}
	}
	if up.IdPCertificates != nil {
		certs := *up.IdPCertificates
		next.IdPCertificates = []string{}
		if len(certs) > MaxCertificates {
			v.Add("idp_certificates", "at most "+strconv.Itoa(MaxCertificates)+" certificates")
		} else {
			seen := map[string]bool{}
			for i, p := range certs {
				field := "idp_certificates[" + strconv.Itoa(i) + "]"
				cert, canon, msg := parseCertificate(p)
				if msg != "" {
					v.Add(field, msg)
					continue
				}
				if seen[string(cert.Raw)] {
					v.Add(field, "duplicates another certificate")
					continue
				}
				seen[string(cert.Raw)] = true
				next.IdPCertificates = append(next.IdPCertificates, canon)
			}
		}
	}
	if up.IdPLoginURL != nil {
		next.IdPLoginURL = strings.TrimSpace(*up.IdPLoginURL)
		if next.IdPLoginURL != "" {
			if msg := validateURL(next.IdPLoginURL, allowHTTP); msg != "" {
				v.Add("idp_login_url", msg)
			}
		}
	}
	if up.IdPLogoutURL != nil {
		next.IdPLogoutURL = strings.TrimSpace(*up.IdPLogoutURL)
		if next.IdPLogoutURL != "" {
			if msg := validateURL(next.IdPLogoutURL, allowHTTP); msg != "" {
				v.Add("idp_logout_url", msg)
			}
		}
	}
	if up.GroupAttribute != nil {
		next.GroupAttribute = strings.TrimSpace(*up.GroupAttribute)
		switch {
		case len(next.GroupAttribute) > MaxAttributeNameLength:
			v.Add("group_attribute", "must be at most "+strconv.Itoa(MaxAttributeNameLength)+" characters")
		case plainText(next.GroupAttribute) != "":
			v.Add("group_attribute", plainText(next.GroupAttribute))
		}
	}
	if up.ClockSkewSeconds != nil {
		next.ClockSkewSeconds = *up.ClockSkewSeconds
		if next.ClockSkewSeconds < 0 || next.ClockSkewSeconds > MaxClockSkewSeconds {
			v.Add("clock_skew_seconds", "must be between 0 and "+strconv.Itoa(MaxClockSkewSeconds))
		}
	}
	if up.Enabled != nil {
		next.Enabled = *up.Enabled
	}
	if up.AutoCreateUsers != nil {
		next.AutoCreateUsers = *up.AutoCreateUsers
	}
	if up.AutoCreateGroups != nil {
		next.AutoCreateGroups = *up.AutoCreateGroups
		if next.AutoCreateGroups && s.groups == nil {
			v.Add("auto_create_groups", "team sync is not available in this installation")
		}
	}
	if up.AllowIdPInitiated != nil {
		next.AllowIdPInitiated = *up.AllowIdPInitiated
	}
	if up.LinkByEmailAttribute != nil {
		next.LinkByEmailAttribute = *up.LinkByEmailAttribute
	}
	if up.LocalTwoFactor != nil {
		next.LocalTwoFactor = *up.LocalTwoFactor
		if next.LocalTwoFactor && s.opts.TwoFactorPath == "" {
			v.Add("local_two_factor", "this installation has no two-factor page for single sign-on (sso.Options.TwoFactorPath)")
		}
	}
	if up.BreakGlassUserID != nil {
		next.BreakGlassUserID = strings.TrimSpace(*up.BreakGlassUserID)
		if next.BreakGlassUserID != "" {
			msg, err := s.checkBreakGlass(ctx, cur.AccountID, next.BreakGlassUserID)
			if err != nil {
				return nil, err
			}
			if msg != "" {
				v.Add("break_glass_user_id", msg)
			}
		}
	}
	if next.Enabled {
		if s.base == "" {
			v.Add("enabled", "single sign-on needs the installation's base URL (sso.Options.BaseURL)")
		}
		if next.IdPEntityID == "" {
			v.Add("idp_entity_id", "is required to enable single sign-on")
		}
		if next.IdPLoginURL == "" {
			v.Add("idp_login_url", "is required to enable single sign-on")
		}
		if len(next.IdPCertificates) == 0 {
			v.Add("idp_certificates", "at least one certificate is required to enable single sign-on")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return &next, nil
}

// checkBreakGlass returns what is wrong with userID as the account's
// break-glass user: it must be an active Account Manager of the account.
func (s *Service) checkBreakGlass(ctx context.Context, accountID, userID string) (string, error) {
	const msg = "must be an active user of this account holding the Account Manager role"
	if !accountkit.ValidID(userID) {
		return msg, nil
	}
	u, err := s.store.GetUser(ctx, userID)
	if err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			return msg, nil
		}
		return "", err
	}
	if u.AccountID != accountID || u.Status != users.StatusActive || !slices.Contains(u.Roles, security.RoleAccountManager) {
		return msg, nil
	}
	return "", nil
}

// ImportMetadata fills the IdP fields (entity ID, login URL, logout URL
// when given, signing certificates) from the IdP's SAML metadata XML. The
// metadata must offer an HTTP-Redirect SingleSignOnService; its
// certificates pass the same checks as in Update. The other fields stay.
// It requires PermSSOManage and is audited like Update. Errors:
// Unauthenticated, NotFound, Forbidden, Invalid (field "metadata" for
// unusable XML).
func (s *Service) ImportMetadata(ctx context.Context, accountID string, data []byte) (*View, error) {
	fail := func(msg string) (*View, error) {
		var err error = accountkit.InvalidField("metadata", msg)
		if _, aerr := s.authz.Require(ctx, security.PermSSOManage, accountID); aerr != nil {
			err = aerr // outsiders learn nothing about the XML
		}
		s.Refused(ctx, accountID, err)
		return nil, err
	}
	m, err := saml.ParseIdPMetadata(data)
	if err != nil {
		return fail("is not usable SAML IdP metadata (" + string(saml.ReasonOf(err)) + ")")
	}
	if m.SSORedirectURL == "" {
		return fail("offers no HTTP-Redirect SingleSignOnService")
	}
	pems := make([]string, len(m.SigningCertificates))
	for i, c := range m.SigningCertificates {
		pems[i] = encodePEM(c)
	}
	up := Update{IdPEntityID: &m.EntityID, IdPLoginURL: &m.SSORedirectURL, IdPCertificates: &pems}
	if m.SLOURL != "" {
		up.IdPLogoutURL = &m.SLOURL
	}
	return s.update(ctx, accountID, up, map[string]string{"source": "metadata"})
}

// noBreakGlassWarning is the warning of a view whose enabled connection
// leaves nobody a password.
const noBreakGlassWarning = "No break-glass Account Manager: if the IdP fails, nobody of the account can sign in with a password."

// Enforcement is whether an account enforces single sign-on, and who may
// still use a password.
type Enforcement struct {
	// Enforced is true while the account has an enabled SSO connection of
	// either kind: its SAML configuration (Config.Enabled) or its OpenID
	// Connect connection (OIDCConfig.Enabled), or both.
	Enforced bool
	// BreakGlassUserID is the account's break-glass Account Manager
	// (Config.BreakGlassUserID of the SAML configuration, which holds it
	// for both kinds of connection); "" when none.
	BreakGlassUserID string
	// InitiationURL is where the account's users sign in instead: the
	// SAML initiation URL when SAML is enabled, else the OIDC one; ""
	// when nothing is enforced or without Options.BaseURL.
	InitiationURL string
}

// Enforcement returns whether the account enforces single sign-on. It is
// the one place that decides it: password sign-in and password reset
// (PasswordLoginAllowed) ask it, whatever kind of connection the account
// has. Errors: Internal (a store failure).
func (s *Service) Enforcement(ctx context.Context, accountID string) (*Enforcement, error) {
	samlCfg, _, err := s.load(ctx, accountID)
	if err != nil {
		return nil, err
	}
	oidcCfg, _, err := s.loadOIDC(ctx, accountID)
	if err != nil {
		return nil, err
	}
	e := &Enforcement{Enforced: samlCfg.Enabled || oidcCfg.Enabled, BreakGlassUserID: samlCfg.BreakGlassUserID}
	if !e.Enforced || s.base == "" {
		return e, nil
	}
	acc, err := s.store.GetAccount(ctx, accountID)
	if err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			return e, nil
		}
		return nil, err
	}
	if samlCfg.Enabled {
		e.InitiationURL = s.urls(acc, samlCfg).InitiationURL
	} else {
		e.InitiationURL = s.base + OIDCRoutePath(acc.Slug, "")
	}
	return e, nil
}

// PasswordLoginAllowed is the users.Options.PasswordLoginAllowed hook:
// while the user's account enforces single sign-on (Enforcement: an
// enabled SAML configuration or OpenID Connect connection) it refuses
// password sign-in and password reset with a Forbidden error naming the
// initiation URL, except for the account's break-glass Account Manager,
// whose every use is audited ("SSO break-glass password use.").
func (s *Service) PasswordLoginAllowed(ctx context.Context, u *users.User) error {
	e, err := s.Enforcement(ctx, u.AccountID)
	if err != nil {
		return err
	}
	if !e.Enforced {
		return nil
	}
	if e.BreakGlassUserID == u.ID && u.Status == users.StatusActive && slices.Contains(u.Roles, security.RoleAccountManager) {
		return s.audit.Record(ctx, audit.Entry{AccountID: u.AccountID, Item: audit.ItemSSO, Action: audit.ActionLogin,
			Description: "SSO break-glass password use.", TargetType: "user", TargetID: u.ID, TargetName: u.Username,
			Details: map[string]string{"method": string(users.LoginPassword)}})
	}
	where := "the account's single sign-on page"
	if e.InitiationURL != "" {
		where = e.InitiationURL
	}
	return accountkit.Errorf(accountkit.Forbidden, "password sign-in is disabled for this account: sign in with single sign-on at %s", where)
}

// samlState adapts the Store to saml.RequestStore and saml.ReplayCache.
// Replay keys (IdP entity ID and assertion ID) are stored as their
// SHA-256, so they have a fixed length.
type samlState struct{ store Store }

var (
	_ saml.RequestStore = samlState{}
	_ saml.ReplayCache  = samlState{}
)

// maxRequestIDLength bounds the request IDs the store is asked about.
const maxRequestIDLength = 128

func (st samlState) SaveRequest(ctx context.Context, id, idp string, expiresAt time.Time) error {
	return st.store.SaveSAMLRequest(ctx, id, idp, expiresAt)
}

func (st samlState) ConsumeRequest(ctx context.Context, id string, now time.Time) (string, bool, error) {
	if id == "" || len(id) > maxRequestIDLength || !utf8.ValidString(id) || strings.ContainsRune(id, 0) {
		return "", false, nil
	}
	return st.store.ConsumeSAMLRequest(ctx, id, now)
}

func (st samlState) MarkUsed(ctx context.Context, key string, expiresAt, now time.Time) (bool, error) {
	sum := sha256.Sum256([]byte(key))
	return st.store.MarkSAMLAssertionUsed(ctx, hex.EncodeToString(sum[:]), expiresAt, now)
}

// provider returns the SAML SP and IdP of an account's configuration.
func (s *Service) provider(acc *account.Account, c *Config) (*saml.ServiceProvider, *saml.IdentityProvider) {
	u := s.urls(acc, c)
	st := samlState{s.store}
	sp := &saml.ServiceProvider{EntityID: u.SPEntityID, ACSURL: u.ACSURL, Key: s.opts.SPKey, Certificate: s.opts.SPCertificate,
		RequestStore: st, ReplayCache: st, Clock: s.rt.Clock, RequestMaxAge: s.opts.RequestMaxAge}
	idp := &saml.IdentityProvider{EntityID: c.IdPEntityID, SSOURL: c.IdPLoginURL, SLOURL: c.IdPLogoutURL,
		AllowIdPInitiated: c.AllowIdPInitiated, ClockSkew: time.Duration(c.ClockSkewSeconds) * time.Second}
	if c.ClockSkewSeconds == 0 {
		idp.ClockSkew = -1 // none; saml reads 0 as its default
	}
	for _, p := range c.IdPCertificates {
		if cert, _, msg := parseCertificate(p); msg == "" {
			idp.Certificates = append(idp.Certificates, cert)
		}
	}
	return sp, idp
}

// PurgeExpired deletes expired SAML request IDs and replay keys and
// returns how many it deleted. The service also purges on its own, at most
// every five minutes, when sign-ins start; hosts may run it from a job.
func (s *Service) PurgeExpired(ctx context.Context) (int, error) {
	return s.store.PurgeSAMLState(ctx, s.now())
}

func (s *Service) maybePurge(ctx context.Context) {
	now := s.now()
	s.purgeMu.Lock()
	due := !now.Before(s.nextPurge)
	if due {
		s.nextPurge = now.Add(5 * time.Minute)
	}
	s.purgeMu.Unlock()
	if !due {
		return
	}
	if _, err := s.store.PurgeSAMLState(ctx, now); err != nil {
		s.rt.Logger.WarnContext(ctx, "sso: purging expired SAML state failed", "err", err)
	}
}

func encodePEM(c *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}

// normalizeNameID returns the lower-cased NameID when it is a plain email
// address (an email or a UPN in email form), else "".
func normalizeNameID(s string) string {
	s = users.NormalizeEmail(s)
	if s == "" || len(s) > users.MaxEmailLength {
		return ""
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return ""
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 {
		return ""
	}
	domain := s[at+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return ""
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= 0x20 || s[i] == 0x7f {
			return ""
		}
	}
	return s
}

// groupNames returns the usable, distinct group names of an attribute's
// values (teams.ValidateName), at most MaxGroups.
func groupNames(values []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, v := range values {
		v = strings.TrimSpace(v)
		if teams.ValidateName(v) != "" {
			continue
		}
		key := teams.NameKey(v)
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, v)
		if len(out) == MaxGroups {
			break
		}
	}
	return out
}

func (s *Service) requestMaxAge() time.Duration {
	if s.opts.RequestMaxAge <= 0 {
		return saml.DefaultRequestMaxAge
	}
	return s.opts.RequestMaxAge
}

// GroupSyncAvailable reports whether auto-create groups can be turned on.
func (s *Service) GroupSyncAvailable() bool { return s.groups != nil }
