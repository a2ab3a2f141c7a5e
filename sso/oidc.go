package sso

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/security"
)

// OpenID Connect connections: an account may configure one OIDC
// connection beside its SAML configuration (both may be enabled during a
// migration from one to the other). Users sign in at /login/oidc/{slug}/
// with the authorization code flow (PKCE S256, state bound to the browser,
// nonce); the ID token is verified with go-oidc (signature through the
// issuer's JWKS, iss, aud, azp, exp, nonce, at_hash) and the sign-in then
// goes through the same completion path as SAML (completeSignIn).

// Defaults and limits of OIDC connections.
const (
	DefaultOIDCEmailClaim      = "email"
	DefaultOIDCGivenNameClaim  = "given_name"
	DefaultOIDCFamilyNameClaim = "family_name"
	DefaultOIDCGroupsClaim     = "groups"
	MaxOIDCClientIDLength      = 255
	MaxOIDCClientSecretLength  = 1024
	MaxOIDCScopes              = 20
	MaxOIDCScopeLength         = 64
	// MaxOIDCSubjectLength bounds the sub claim (OpenID Connect Core
	// 1.0 §2: at most 255 ASCII characters).
	MaxOIDCSubjectLength = 255
	// oidcProviderTTL is how long a discovered provider (and the JWKS it
	// caches) is reused before discovery runs again.
	oidcProviderTTL = time.Hour
	// oidcIssuedAtSkew is how far in the future an ID token's iat may lie.
	oidcIssuedAtSkew = 5 * time.Minute
)

// DefaultOIDCScopes are the scopes asked for when none are configured.
var DefaultOIDCScopes = []string{oidc.ScopeOpenID, "email", "profile"}

// The reason codes of refused OIDC sign-ins (see LoginError).
const (
	// ReasonOIDCStateUsed: the state is unknown to the server, expired or
	// already used (a replayed callback).
	ReasonOIDCStateUsed = "oidc_state_used"
	// ReasonOIDCProviderError: the provider answered with an error
	// instead of a code (the user cancelled, or the client is refused).
	ReasonOIDCProviderError = "oidc_provider_error"
	// ReasonOIDCDiscovery: the issuer's discovery document could not be
	// read.
	ReasonOIDCDiscovery = "oidc_discovery_failed"
	// ReasonOIDCExchange: the token endpoint refused the code.
	ReasonOIDCExchange = "oidc_code_exchange_failed"
	// ReasonOIDCIDTokenInvalid: the ID token is missing, badly signed, or
	// fails the iss, aud, azp, iat or at_hash check.
	ReasonOIDCIDTokenInvalid = "oidc_id_token_invalid"
	// ReasonOIDCIDTokenExpired: the ID token has expired.
	ReasonOIDCIDTokenExpired = "oidc_id_token_expired"
	// ReasonOIDCNonce: the ID token's nonce is not the one this browser's
	// sign-in sent.
	ReasonOIDCNonce = "oidc_nonce_mismatch"
	// ReasonOIDCEmailMissing: no usable email address in the claims.
	ReasonOIDCEmailMissing = "oidc_email_missing"
	// ReasonOIDCEmailNotVerified: the provider does not say the email
	// address is verified (email_verified is not true).
	ReasonOIDCEmailNotVerified = "oidc_email_not_verified"
)

// OIDCConfig is the OpenID Connect connection of one account.
type OIDCConfig struct {
	AccountID string
	// Enabled turns the connection's sign-in route on and, exactly as
	// Config.Enabled of the SAML configuration does, password sign-in off
	// for the account's users (except the break-glass Account Manager
	// named in the SAML configuration; see Service.Enforcement and
	// docs/oidc.md).
	Enabled bool
	// IssuerURL is the provider's issuer; its discovery document is
	// IssuerURL + "/.well-known/openid-configuration" and ID tokens must
	// carry it as iss exactly.
	IssuerURL string
	// ClientID is the client registered at the provider; ID tokens must
	// name it in aud.
	ClientID string
	// ClientSecretSealed is the client secret sealed with the keys of the
	// TOTP secrets (auth.Service.SealSecret); empty when unset. It is
	// never returned by the API.
	ClientSecretSealed []byte `json:"-"`
	// Scopes are asked for at the authorization endpoint; openid is
	// always among them.
	Scopes []string
	// EmailClaim, GivenNameClaim, FamilyNameClaim and GroupsClaim name the
	// claims read; "" means the defaults (email, given_name, family_name,
	// groups).
	EmailClaim      string
	GivenNameClaim  string
	FamilyNameClaim string
	GroupsClaim     string
	// AutoCreateUsers creates unknown users at their first sign-in (in
	// the account's verified domains, when it has verified any).
	AutoCreateUsers bool
	// AutoCreateGroups syncs the user's SSO teams from the groups claim at
	// every sign-in.
	AutoCreateGroups bool
	// LocalTwoFactor asks users who have local two-factor authentication
	// (TOTP) for a code after the provider signed them in, and makes users
	// of an account that requires two-factor authentication enroll, as
	// Config.LocalTwoFactor does for SAML. It needs
	// sso.Options.TwoFactorPath.
	LocalTwoFactor bool
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (c *OIDCConfig) scopes() []string {
	if len(c.Scopes) == 0 {
		return slices.Clone(DefaultOIDCScopes)
	}
	return c.Scopes
}

// OIDCUpdate changes an OIDC connection; nil fields stay as they are.
type OIDCUpdate struct {
	Enabled   *bool   `json:"enabled,omitempty"`
	IssuerURL *string `json:"issuer_url,omitempty"`
	ClientID  *string `json:"client_id,omitempty"`
	// ClientSecret is write-only: it is sealed and never shown again; ""
	// removes it.
	ClientSecret     *string   `json:"client_secret,omitempty"`
	Scopes           *[]string `json:"scopes,omitempty"`
	EmailClaim       *string   `json:"email_claim,omitempty"`
	GivenNameClaim   *string   `json:"given_name_claim,omitempty"`
	FamilyNameClaim  *string   `json:"family_name_claim,omitempty"`
	GroupsClaim      *string   `json:"groups_claim,omitempty"`
	AutoCreateUsers  *bool     `json:"auto_create_users,omitempty"`
	AutoCreateGroups *bool     `json:"auto_create_groups,omitempty"`
	LocalTwoFactor   *bool     `json:"local_two_factor,omitempty"`
}

// changed lists the JSON names of the fields u sets, for the audit log.
func (u *OIDCUpdate) changed() []string {
	var out []string
	add := func(set bool, name string) {
		if set {
			out = append(out, "oidc."+name)
		}
	}
	add(u.Enabled != nil, "enabled")
	add(u.IssuerURL != nil, "issuer_url")
	add(u.ClientID != nil, "client_id")
	add(u.ClientSecret != nil, "client_secret")
	add(u.Scopes != nil, "scopes")
	add(u.EmailClaim != nil, "email_claim")
	add(u.GivenNameClaim != nil, "given_name_claim")
	add(u.FamilyNameClaim != nil, "family_name_claim")
	add(u.GroupsClaim != nil, "groups_claim")
	add(u.AutoCreateUsers != nil, "auto_create_users")
	add(u.AutoCreateGroups != nil, "auto_create_groups")
	add(u.LocalTwoFactor != nil, "local_two_factor")
	return out
}

// OIDCView is an OIDC connection as the API shows it: never the secret,
// only whether one is set, and the URLs to give the provider's
// administrator.
type OIDCView struct {
	Config *OIDCConfig
	Saved  bool
	// ClientSecretSet tells whether a client secret is stored.
	ClientSecretSet bool
	// RedirectURI is the callback to register at the provider;
	// InitiationURL is where users start a sign-in. Both are "" without
	// Options.BaseURL.
	RedirectURI   string
	InitiationURL string
	// Warnings are human-readable notes: no break-glass Account Manager
	// while the connection enforces single sign-on.
	Warnings []string
}

// OIDCRoutePath returns the path of an OIDC route of the account with the
// slug: "/login/oidc/{slug}/" + suffix.
func OIDCRoutePath(slug, suffix string) string { return "/login/oidc/" + slug + "/" + suffix }

func (s *Service) oidcView(ctx context.Context, acc *account.Account, c *OIDCConfig, saved bool) (*OIDCView, error) {
	v := &OIDCView{Config: c, Saved: saved, ClientSecretSet: len(c.ClientSecretSealed) > 0, Warnings: []string{}}
	if s.base != "" {
		v.RedirectURI = s.base + OIDCRoutePath(acc.Slug, "callback")
		v.InitiationURL = s.base + OIDCRoutePath(acc.Slug, "")
	}
	if c.Enabled {
		saml, _, err := s.load(ctx, acc.ID)
		if err != nil {
			return nil, err
		}
		if saml.BreakGlassUserID == "" {
			v.Warnings = append(v.Warnings, noBreakGlassWarning)
		}
	}
	return v, nil
}

func (s *Service) loadOIDC(ctx context.Context, accountID string) (*OIDCConfig, bool, error) {
	c, err := s.store.GetOIDCConfig(ctx, accountID)
	switch {
	case err == nil:
		return c, true, nil
	case accountkit.ErrorCode(err) == accountkit.NotFound:
		return &OIDCConfig{AccountID: accountID, Scopes: slices.Clone(DefaultOIDCScopes), ClientSecretSealed: []byte{}}, false, nil
	}
	return nil, false, err
}

// OIDCConnection returns the account's OIDC connection with the redirect
// URI to register at the provider. It requires PermSSOManage in the
// account. Errors: Unauthenticated, NotFound (also for accounts outside
// the principal's tree), Forbidden.
func (s *Service) OIDCConnection(ctx context.Context, accountID string) (_ *OIDCView, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	if _, err := s.authz.Require(ctx, security.PermSSOManage, accountID); err != nil {
		return nil, err
	}
	acc, err := s.store.GetAccount(ctx, accountID)
	if err != nil {
		return nil, err
	}
	c, saved, err := s.loadOIDC(ctx, accountID)
	if err != nil {
		return nil, err
	}
	return s.oidcView(ctx, acc, c, saved)
}

// oidcSecretBinding is what a client secret is sealed for: another
// account's sealed secret copied into this account's row does not open.
func oidcSecretBinding(accountID string) string { return "sso-oidc-client-secret:" + accountID }

// UpdateOIDC changes the account's OIDC connection; nil fields stay as
// they are. It requires PermSSOManage in the account. Every field is
// validated (issuer https, scopes, claim names) and a refused change
// changes nothing. Enabling requires the issuer, the client ID and the
// client secret. The secret is sealed (auth.Service.SealSecret) before it
// is stored. Audited ("Account login options updated.") with the names of
// the changed fields, never their values. Errors: Unauthenticated,
// NotFound, Forbidden, Invalid.
func (s *Service) UpdateOIDC(ctx context.Context, accountID string, up OIDCUpdate) (*OIDCView, error) {
	var out *OIDCView
	err := s.audit.Run(ctx, updateEntry(accountID, up.changed()), func(ctx context.Context) error {
		if _, err := s.authz.Require(ctx, security.PermSSOManage, accountID); err != nil {
			return err
		}
		acc, err := s.store.GetAccount(ctx, accountID)
		if err != nil {
			return err
		}
		cur, saved, err := s.loadOIDC(ctx, accountID)
		if err != nil {
			return err
		}
		next, err := s.applyOIDC(ctx, cur, up)
		if err != nil {
			return err
		}
		now := s.now()
		if !saved {
			next.CreatedAt = now
		}
		next.UpdatedAt = now
		if err := s.store.PutOIDCConfig(ctx, next); err != nil {
			return err
		}
		out, err = s.oidcView(ctx, acc, next, true)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// validScope reports whether s is a scope token (RFC 6749 §3.3).
func validScope(s string) bool {
	if s == "" || len(s) > MaxOIDCScopeLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

func (s *Service) applyOIDC(ctx context.Context, cur *OIDCConfig, up OIDCUpdate) (*OIDCConfig, error) {
	next := *cur
	next.Scopes = slices.Clone(cur.Scopes)
	var v accountkit.Validation
	if up.IssuerURL != nil {
		next.IssuerURL = strings.TrimSpace(*up.IssuerURL)
		if next.IssuerURL != "" {
			if msg := validateURL(next.IssuerURL, s.opts.OIDCAllowLocalIssuers); msg != "" {
				v.Add("issuer_url", msg)
			} else if strings.Contains(next.IssuerURL, "?") {
				v.Add("issuer_url", "must not have a query")
			} else if msg := issuerAddressProblem(next.IssuerURL); msg != "" && !s.opts.OIDCAllowLocalIssuers {
				v.Add("issuer_url", msg)
			}
		}
	}
	if up.ClientID != nil {
		next.ClientID = strings.TrimSpace(*up.ClientID)
		if len(next.ClientID) > MaxOIDCClientIDLength {
			v.Add("client_id", "must be at most "+strconv.Itoa(MaxOIDCClientIDLength)+" characters")
		} else if msg := plainText(next.ClientID); msg != "" {
			v.Add("client_id", msg)
		}
	}
	var secret *string
	if up.ClientSecret != nil {
		switch {
		case len(*up.ClientSecret) > MaxOIDCClientSecretLength:
			v.Add("client_secret", "must be at most "+strconv.Itoa(MaxOIDCClientSecretLength)+" characters")
		case plainText(*up.ClientSecret) != "":
			v.Add("client_secret", "must be printable text")
		default:
			secret = up.ClientSecret
		}
	}
	if up.Scopes != nil {
		next.Scopes = []string{}
		if len(*up.Scopes) > MaxOIDCScopes {
			v.Add("scopes", "at most "+strconv.Itoa(MaxOIDCScopes)+" scopes")
		} else {
			for i, sc := range *up.Scopes {
				if !validScope(sc) {
					v.Add("scopes["+strconv.Itoa(i)+"]", "must be a scope token (printable ASCII without spaces, quotes or backslashes, at most "+strconv.Itoa(MaxOIDCScopeLength)+" characters)")
					continue
				}
				if !slices.Contains(next.Scopes, sc) {
					next.Scopes = append(next.Scopes, sc)
				}
			}
			if !slices.Contains(next.Scopes, oidc.ScopeOpenID) {
				next.Scopes = append([]string{oidc.ScopeOpenID}, next.Scopes...)
			}
		}
	}
	claim := func(field string, p *string, dst *string) {
		if p == nil {
			return
		}
		*dst = strings.TrimSpace(*p)
		if len(*dst) > MaxAttributeNameLength {
			v.Add(field, "must be at most "+strconv.Itoa(MaxAttributeNameLength)+" characters")
		} else if msg := plainText(*dst); msg != "" {
			v.Add(field, msg)
		}
	}
	claim("email_claim", up.EmailClaim, &next.EmailClaim)
	claim("given_name_claim", up.GivenNameClaim, &next.GivenNameClaim)
	claim("family_name_claim", up.FamilyNameClaim, &next.FamilyNameClaim)
	claim("groups_claim", up.GroupsClaim, &next.GroupsClaim)
	if up.AutoCreateUsers != nil {
		next.AutoCreateUsers = *up.AutoCreateUsers
	}
	if up.AutoCreateGroups != nil {
		if *up.AutoCreateGroups && s.groups == nil {
			v.Add("auto_create_groups", "group sync is not available in this installation")
		}
		next.AutoCreateGroups = *up.AutoCreateGroups
	}
	if up.LocalTwoFactor != nil {
		next.LocalTwoFactor = *up.LocalTwoFactor
		if next.LocalTwoFactor && s.opts.TwoFactorPath == "" {
			v.Add("local_two_factor", "this installation has no two-factor page for single sign-on (sso.Options.TwoFactorPath)")
		}
	}
	if up.Enabled != nil {
		next.Enabled = *up.Enabled
	}
	if next.Enabled {
		if s.base == "" {
			v.Add("enabled", "single sign-on needs the installation's base URL (sso.Options.BaseURL)")
		}
		if next.IssuerURL == "" {
			v.Add("issuer_url", "is required to enable the connection")
		}
		if next.ClientID == "" {
			v.Add("client_id", "is required to enable the connection")
		}
		hasSecret := len(next.ClientSecretSealed) > 0
		if secret != nil {
			hasSecret = *secret != ""
		}
		if !hasSecret {
			v.Add("client_secret", "is required to enable the connection")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if secret != nil {
		if *secret == "" {
			next.ClientSecretSealed = []byte{}
		} else {
			sealed, err := s.auth.SealSecret(ctx, []byte(*secret), oidcSecretBinding(next.AccountID))
			if err != nil {
				return nil, err
			}
			next.ClientSecretSealed = sealed
		}
	}
	return &next, nil
}

// enabledOIDC returns the account with the slug and its enabled OIDC
// connection.
func (s *Service) enabledOIDC(ctx context.Context, slug string) (*account.Account, *OIDCConfig, error) {
	if s.base == "" || account.ValidateSlug(slug) != "" {
		return nil, nil, refuse(ReasonNotConfigured, accountkit.NotFound)
	}
	acc, err := s.store.GetAccountBySlug(ctx, slug)
	if err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			return nil, nil, refuse(ReasonNotConfigured, accountkit.NotFound)
		}
		return nil, nil, &LoginError{Reason: ReasonInternal, Code: accountkit.Internal, cause: err}
	}
	c, err := s.store.GetOIDCConfig(ctx, acc.ID)
	if err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			return nil, nil, refuse(ReasonNotConfigured, accountkit.NotFound)
		}
		return nil, nil, &LoginError{Reason: ReasonInternal, Code: accountkit.Internal, cause: err}
	}
	if !c.Enabled || c.IssuerURL == "" || c.ClientID == "" {
		return nil, nil, refuse(ReasonNotConfigured, accountkit.NotFound)
	}
	return acc, c, nil
}

// oidcProviders caches discovered providers by issuer: go-oidc's key set
// keeps the JWKS and fetches it again when a token names an unknown key
// (rotation).
type oidcProviders struct {
	mu sync.Mutex
	m  map[string]oidcProviderEntry
}

type oidcProviderEntry struct {
	p  *oidc.Provider
	at time.Time
}

func (s *Service) oidcClient() *http.Client { return s.oidcHTTP }

// oidcProvider returns the provider of the issuer, discovering it at most
// once per oidcProviderTTL.
func (s *Service) oidcProvider(ctx context.Context, issuer string) (*oidc.Provider, error) {
	now := s.rt.Now()
	s.providers.mu.Lock()
	e, ok := s.providers.m[issuer]
	s.providers.mu.Unlock()
	if ok && now.Sub(e.at) < oidcProviderTTL {
		return e.p, nil
	}
	p, err := oidc.NewProvider(oidc.ClientContext(context.WithoutCancel(ctx), s.oidcClient()), issuer)
	if err != nil {
		return nil, err
	}
	s.providers.mu.Lock()
	if s.providers.m == nil {
		s.providers.m = map[string]oidcProviderEntry{}
	}
	s.providers.m[issuer] = oidcProviderEntry{p: p, at: now}
	s.providers.mu.Unlock()
	return p, nil
}

func (s *Service) oauth2Config(acc *account.Account, c *OIDCConfig, p *oidc.Provider, secret string) *oauth2.Config {
	return &oauth2.Config{ClientID: c.ClientID, ClientSecret: secret, Endpoint: p.Endpoint(),
		RedirectURL: s.base + OIDCRoutePath(acc.Slug, "callback"), Scopes: c.scopes()}
}

// oidcState is what the browser-binding cookie carries, sealed: the state
// sent to the provider, the nonce the ID token must carry, the PKCE
// verifier and the path to return to.
type oidcState struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	ReturnTo string `json:"r,omitempty"`
}

func oidcStateBinding(accountID string) string { return "sso-oidc-state:" + accountID }

// oidcRequestIDP is what the store records beside an issued state (in the
// table of issued request IDs, shared with SAML).
func oidcRequestIDP(accountID string) string { return "oidc:" + accountID }

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", accountkit.Wrap(err, "random source failed")
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// OIDCBegin is a started OIDC sign-in.
type OIDCBegin struct {
	// RedirectURL is the provider's authorization endpoint with the
	// request.
	RedirectURL string
	// State is the state parameter; Cookie the sealed value that binds it
	// to the browser (OIDCStateCookieName(State)).
	State  string
	Cookie string
}

// BeginOIDCLogin starts a sign-in at the account with the slug through its
// OIDC connection: authorization code flow with PKCE (S256), a fresh state
// recorded in the Store until Options.RequestMaxAge (single use) and a
// fresh nonce. The state, nonce and verifier go into a sealed value that
// the handler sets as an HttpOnly cookie: the callback accepts the state
// only from the browser that started the sign-in. returnTo is kept when
// SafeReturnPath accepts it. Errors: *LoginError (ReasonNotConfigured,
// ReasonOIDCDiscovery, ReasonInternal).
func (s *Service) BeginOIDCLogin(ctx context.Context, slug, returnTo string) (*OIDCBegin, error) {
	acc, c, err := s.enabledOIDC(ctx, slug)
	if err != nil {
		return nil, err
	}
	s.maybePurge(ctx)
	if !SafeReturnPath(returnTo) {
		returnTo = ""
	}
	p, err := s.oidcProvider(ctx, c.IssuerURL)
	if err != nil {
		return nil, &LoginError{Reason: ReasonOIDCDiscovery, Code: accountkit.Unavailable, cause: err}
	}
	st := oidcState{Verifier: oauth2.GenerateVerifier(), ReturnTo: returnTo}
	if st.State, err = randomToken(); err != nil {
		return nil, err
	}
	if st.Nonce, err = randomToken(); err != nil {
		return nil, err
	}
	plain, _ := json.Marshal(st)
	sealed, err := s.auth.SealSecret(ctx, plain, oidcStateBinding(acc.ID))
	if err != nil {
		return nil, &LoginError{Reason: ReasonInternal, Code: accountkit.Internal, cause: err}
	}
	if err := s.store.SaveSAMLRequest(ctx, st.State, oidcRequestIDP(acc.ID), s.now().Add(s.requestMaxAge())); err != nil {
		return nil, &LoginError{Reason: ReasonInternal, Code: accountkit.Internal, cause: err}
	}
	cfg := s.oauth2Config(acc, c, p, "")
	to := cfg.AuthCodeURL(st.State, oauth2.S256ChallengeOption(st.Verifier), oidc.Nonce(st.Nonce))
	return &OIDCBegin{RedirectURL: to, State: st.State, Cookie: base64.RawURLEncoding.EncodeToString(sealed)}, nil
}

// OIDCCallbackInput is a request to the OIDC callback.
type OIDCCallbackInput struct {
	Slug string
	// State, Code and Error are the query parameters set by the provider
	// (Error instead of Code when it refused).
	State, Code, Error string
	// Cookie is the value of the state cookie of this browser for State
	// (OIDCStateCookieName(State)); "" when it has none.
	Cookie    string
	IP        string
	UserAgent string
}

// FinishOIDCLogin completes an OIDC sign-in: the state must be the one
// bound to this browser and unused (it is spent here, so a replayed
// callback is refused); the code is exchanged with the PKCE verifier and
// the client secret; the ID token is verified (signature with the
// issuer's JWKS, iss, aud, azp when several audiences, exp, iat not in the
// future, nonce, at_hash when present); the email claim (or the userinfo
// endpoint's, when the ID token carries none) must be present and
// email_verified true. The user is then signed in through the completion
// path SAML uses (completeSignIn): the link is keyed by issuer and sub, an
// existing user is otherwise matched only by the verified email, JIT
// creation follows the verified-domain rule, teams follow the groups
// claim. Every refusal after the account is known is audited ("SSO login
// failed." with details reason=<code>). Errors: *LoginError.
func (s *Service) FinishOIDCLogin(ctx context.Context, in OIDCCallbackInput) (*LoginOutcome, error) {
	if err := s.throttle.Take(ctx, scopeACSIP, in.IP, s.opts.ACSPerIP); err != nil {
		return nil, err
	}
	acc, c, err := s.enabledOIDC(ctx, in.Slug)
	if err != nil {
		return nil, err
	}
	ain := ACSInput{Slug: in.Slug, IP: in.IP, UserAgent: in.UserAgent, protocol: "oidc"}
	fail := func(le *LoginError) (*LoginOutcome, error) {
		s.recordFailure(ctx, acc.ID, ain, nil, le)
		return nil, le
	}
	st, le := s.openOIDCState(ctx, acc.ID, in)
	if le != nil {
		return fail(le)
	}
	// The state is spent before anything else: a callback refused below
	// cannot be replayed.
	idp, ok, err := s.store.ConsumeSAMLRequest(ctx, st.State, s.now())
	if err != nil {
		return fail(&LoginError{Reason: ReasonInternal, Code: accountkit.Internal, cause: err})
	}
	if !ok || idp != oidcRequestIDP(acc.ID) {
		return fail(refuse(ReasonOIDCStateUsed, accountkit.Forbidden))
	}
	if in.Error != "" || in.Code == "" {
		return fail(refuse(ReasonOIDCProviderError, accountkit.Forbidden))
	}
	si, le := s.verifyOIDC(ctx, acc, c, st, in.Code)
	if le != nil {
		return fail(le)
	}
	pol := signInPolicy{autoCreateUsers: c.AutoCreateUsers, autoCreateGroups: c.AutoCreateGroups, localTwoFactor: c.LocalTwoFactor}
	out, err := s.completeSignIn(ctx, acc, pol, si, ain, st.ReturnTo, "")
	if err != nil {
		return nil, err
	}
	return out, nil
}

// openOIDCState opens the browser's state cookie and checks it holds the
// state of the callback.
func (s *Service) openOIDCState(ctx context.Context, accountID string, in OIDCCallbackInput) (*oidcState, *LoginError) {
	binding := refuse(ReasonRequestBinding, accountkit.Forbidden)
	if in.State == "" || in.Cookie == "" || len(in.Cookie) > 4096 {
		return nil, binding
	}
	sealed, err := base64.RawURLEncoding.DecodeString(in.Cookie)
	if err != nil {
		return nil, binding
	}
	plain, err := s.auth.OpenSecret(ctx, sealed, oidcStateBinding(accountID))
	if err != nil {
		return nil, binding
	}
	var st oidcState
	if json.Unmarshal(plain, &st) != nil || st.State == "" || subtle.ConstantTimeCompare([]byte(st.State), []byte(in.State)) != 1 {
		return nil, binding
	}
	return &st, nil
}

// verifyOIDC exchanges the code and verifies the ID token, and returns
// what it asserts.
func (s *Service) verifyOIDC(ctx context.Context, acc *account.Account, c *OIDCConfig, st *oidcState, code string) (*signIn, *LoginError) {
	invalid := func(reason string, cause error) *LoginError {
		return &LoginError{Reason: reason, Code: accountkit.Forbidden, cause: cause}
	}
	p, err := s.oidcProvider(ctx, c.IssuerURL)
	if err != nil {
		return nil, &LoginError{Reason: ReasonOIDCDiscovery, Code: accountkit.Unavailable, cause: err}
	}
	var secret []byte
	if len(c.ClientSecretSealed) > 0 {
		if secret, err = s.auth.OpenSecret(ctx, c.ClientSecretSealed, oidcSecretBinding(acc.ID)); err != nil {
			return nil, &LoginError{Reason: ReasonInternal, Code: accountkit.Internal, cause: err}
		}
	}
	hctx := oidc.ClientContext(ctx, s.oidcClient())
	hctx = context.WithValue(hctx, oauth2.HTTPClient, s.oidcClient())
	cfg := s.oauth2Config(acc, c, p, string(secret))
	tok, err := cfg.Exchange(hctx, code, oauth2.VerifierOption(st.Verifier))
	if err != nil {
		return nil, &LoginError{Reason: ReasonOIDCExchange, Code: accountkit.Invalid, cause: err}
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, invalid(ReasonOIDCIDTokenInvalid, errors.New("no id_token in the token response"))
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: c.ClientID, Now: s.rt.Now}).Verify(hctx, raw)
	if err != nil {
		var exp *oidc.TokenExpiredError
		if errors.As(err, &exp) {
			return nil, invalid(ReasonOIDCIDTokenExpired, err)
		}
		return nil, invalid(ReasonOIDCIDTokenInvalid, err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(st.Nonce)) != 1 {
		return nil, invalid(ReasonOIDCNonce, nil)
	}
	if idt.IssuedAt.After(s.rt.Now().Add(oidcIssuedAtSkew)) {
		return nil, invalid(ReasonOIDCIDTokenInvalid, errors.New("iat is in the future"))
	}
	if idt.Subject == "" || len(idt.Subject) > MaxOIDCSubjectLength {
		return nil, invalid(ReasonOIDCIDTokenInvalid, errors.New("sub is empty or too long"))
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return nil, invalid(ReasonOIDCIDTokenInvalid, err)
		}
	}
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		return nil, invalid(ReasonOIDCIDTokenInvalid, err)
	}
	if len(idt.Audience) > 1 {
		if azp, _ := claims["azp"].(string); azp != c.ClientID {
			return nil, invalid(ReasonOIDCIDTokenInvalid, errors.New("azp is not the client"))
		}
	}
	emailClaim := orDefault(c.EmailClaim, DefaultOIDCEmailClaim)
	if _, ok := claims[emailClaim]; !ok && p.UserInfoEndpoint() != "" {
		// The claims may live only at the userinfo endpoint; its answer
		// counts only for the same subject (OpenID Connect Core §5.3.2).
		ui, err := p.UserInfo(hctx, oauth2.StaticTokenSource(tok))
		if err == nil && ui.Subject == idt.Subject {
			extra := map[string]any{}
			if ui.Claims(&extra) == nil {
				for k, v := range extra {
					if _, ok := claims[k]; !ok {
						claims[k] = v
					}
				}
			}
		}
	}
	email, _ := claims[emailClaim].(string)
	email = normalizeNameID(email)
	if email == "" {
		return nil, invalid(ReasonOIDCEmailMissing, nil)
	}
	if !claimTrue(claims["email_verified"]) {
		return nil, invalid(ReasonOIDCEmailNotVerified, nil)
	}
	str := func(name string) string { v, _ := claims[name].(string); return clipText(v) }
	return &signIn{issuer: idt.Issuer, subject: idt.Subject, email: email,
		firstName: str(orDefault(c.GivenNameClaim, DefaultOIDCGivenNameClaim)),
		lastName:  str(orDefault(c.FamilyNameClaim, DefaultOIDCFamilyNameClaim)),
		groups:    claimStrings(claims[orDefault(c.GroupsClaim, DefaultOIDCGroupsClaim)])}, nil
}

// claimTrue reports whether a boolean claim is true (some providers send
// the string "true").
func claimTrue(v any) bool {
	switch b := v.(type) {
	case bool:
		return b
	case string:
		return b == "true"
	}
	return false
}

// claimStrings returns the string values of a claim that is a string or a
// list; other values are skipped.
func claimStrings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if e, ok := e.(string); ok {
				out = append(out, e)
			}
		}
		return out
	}
	return nil
}
