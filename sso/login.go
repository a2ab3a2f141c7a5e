package sso

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/sso/saml"
	"github.com/accountkit/accountkit/users"
)

// The reason codes of refused sign-ins that are not SAML protocol checks
// (those are saml.Reason values). Like them they are stable and carry no
// input data.
const (
	// ReasonNotConfigured: no account with the slug, or SSO not enabled.
	ReasonNotConfigured = "sso_not_configured"
	// ReasonRequestBinding: the response answers a request that this
	// browser did not start (login CSRF), or the browser lost the cookie.
	ReasonRequestBinding = "request_binding_mismatch"
	// ReasonNameIDNotEmail: the NameID is not an email address.
	ReasonNameIDNotEmail = "name_id_not_email"
	// ReasonUserNotFound: no user matches and auto-create users is off.
	ReasonUserNotFound = "user_not_found"
	// ReasonEmailElsewhere: the email belongs to a user of another account
	// of the tree; the IdP of one account never signs in another's users.
	ReasonEmailElsewhere = "email_in_other_account"
	// ReasonUserCreate: the user could not be created (for example a
	// concurrent sign-in took the username; trying again works).
	ReasonUserCreate = "user_create_failed"
	// ReasonUserDisabled, ReasonUserLocked: the user may not sign in.
	ReasonUserDisabled = "user_disabled"
	ReasonUserLocked   = "user_locked"
	// ReasonAccountDisabled: the account or an account above it is disabled.
	ReasonAccountDisabled = "account_disabled"
	// ReasonGroupSync: syncing the user's teams failed.
	ReasonGroupSync = "group_sync_failed"
	// ReasonTwoFactorUnavailable: the account asks for the local second
	// factor but the installation has no page for it
	// (Options.TwoFactorPath); the sign-in is refused rather than the
	// factor skipped.
	ReasonTwoFactorUnavailable = "two_factor_unavailable"
	// ReasonDomainNotVerified: no user matches, and the NameID's domain is
	// not one the account verified while it has verified some: users are
	// created only in the account's own domains.
	ReasonDomainNotVerified = "email_domain_not_verified"
	// ReasonTooManyRequests: the client posted too many responses to the
	// ACS in a short time (Options.ACSPerIP).
	ReasonTooManyRequests = "too_many_requests"
	// ReasonInternal: a store or other internal failure.
	ReasonInternal = "internal_error"
)

// LoginError is a refused sign-in. Reason is a stable code safe to show
// and to log; Code is the kind of failure, which handlers map to a status.
type LoginError struct {
	Reason string
	Code   accountkit.Code
	cause  error
}

// Error returns "sso: login failed: " and the reason code.
func (e *LoginError) Error() string { return "sso: login failed: " + e.Reason }

// Unwrap returns the cause, for logs only.
func (e *LoginError) Unwrap() error { return e.cause }

func refuse(reason string, code accountkit.Code) *LoginError {
	return &LoginError{Reason: reason, Code: code}
}

// ReasonOf returns the reason code of a sign-in error: the LoginError's
// Reason, or ReasonInternal.
func ReasonOf(err error) string {
	var le *LoginError
	if errors.As(err, &le) {
		return le.Reason
	}
	return ReasonInternal
}

// enabledConfig returns the account with the slug and its enabled
// configuration.
func (s *Service) enabledConfig(ctx context.Context, slug string) (*account.Account, *Config, error) {
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
	c, err := s.store.GetSSOConfig(ctx, acc.ID)
	if err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			return acc, nil, refuse(ReasonNotConfigured, accountkit.NotFound)
		}
		return nil, nil, &LoginError{Reason: ReasonInternal, Code: accountkit.Internal, cause: err}
	}
	if !c.Enabled {
		return acc, c, refuse(ReasonNotConfigured, accountkit.NotFound)
	}
	return acc, c, nil
}

// Enabled reports whether the account with the slug has single sign-on
// enabled, so a sign-in page can offer it (the initiation route is
// RoutePath(slug, "")). It needs no principal and tells no more than the
// initiation route does; unknown slugs, accounts without a saved or
// enabled configuration and installations without Options.BaseURL answer
// false. Errors: Internal only.
func (s *Service) Enabled(ctx context.Context, slug string) (bool, error) {
	_, _, err := s.enabledConfig(ctx, slug)
	var le *LoginError
	if errors.As(err, &le) && le.Code == accountkit.NotFound {
		return false, nil
	}
	return err == nil, err
}

// TwoFactorPagePath returns the path of Options.TwoFactorPath without its
// query, "" when unset: the cookie path of the challenge's page copy.
func (s *Service) TwoFactorPagePath() string {
	p, _, _ := strings.Cut(s.opts.TwoFactorPath, "?")
	return p
}

// BeginLogin starts an SP-initiated sign-in at the account with the slug:
// it returns the IdP URL to redirect the browser to (an AuthnRequest over
// the HTTP-Redirect binding) and the request ID, which the handler binds to
// the browser. returnTo becomes the RelayState when SafeReturnPath accepts
// it, and is dropped otherwise. Errors: *LoginError (ReasonNotConfigured,
// or a saml reason).
func (s *Service) BeginLogin(ctx context.Context, slug, returnTo string) (redirectURL, requestID string, err error) {
	acc, c, err := s.enabledConfig(ctx, slug)
	if err != nil {
		return "", "", err
	}
	s.maybePurge(ctx)
	if !SafeReturnPath(returnTo) {
		returnTo = ""
	}
	sp, idp := s.provider(acc, c)
	redirectURL, requestID, err = sp.AuthnRequestURL(ctx, idp, returnTo)
	if err != nil {
		code := accountkit.Invalid
		if r := saml.ReasonOf(err); r == saml.ReasonStore || r == saml.ReasonConfig {
			code = accountkit.Internal
		}
		return "", "", &LoginError{Reason: string(saml.ReasonOf(err)), Code: code, cause: err}
	}
	return redirectURL, requestID, nil
}

// ACSInput is a response posted to the Assertion Consumer Service.
type ACSInput struct {
	Slug string
	// SAMLResponse and RelayState are the form values posted by the IdP.
	SAMLResponse string
	RelayState   string
	// BoundRequestIDs are the IDs of the requests bound to the browser
	// (one per sign-in it started and has not completed; none when it
	// holds no binding cookie). A response to a request must answer one
	// of them.
	BoundRequestIDs []string
	IP              string
	UserAgent       string
	// protocol is "oidc" for OIDC sign-ins ("" for SAML): the failure
	// audit names it.
	protocol string
}

// LoginOutcome is a successful sign-in, or a sign-in that continues with
// the local second-factor step.
type LoginOutcome struct {
	// Result holds the session and its token (shown once), or, when
	// Result.Session is nil, the second-factor challenge
	// (Config.LocalTwoFactor).
	Result *auth.LoginResult
	// Redirect is where the browser goes next: the RelayState when
	// SafeReturnPath accepts it, else "/"; for a second-factor step,
	// Options.TwoFactorPath with the status and return_to parameters.
	Redirect string
	// RequestID is the ID of the request the response answered ("" for
	// an IdP-initiated sign-in): its browser binding can go.
	RequestID string
}

// FinishLogin validates a posted SAML response with the account's
// configuration and signs the user in. The response must pass every check
// of the saml engine (signature, audience, destination, validity window,
// one-time use of the assertion and of the request, shared by every host
// instance through the Store) and answer the request bound to this browser
// (IdP-initiated responses, when allowed, carry none). The NameID must be
// an email address. The user is found through the link remembered from an
// earlier sign-in, else by that email (the NameID, then the emailaddress
// attribute) among the users of this very account, else created when the
// account auto-creates users. Invited users are activated; disabled and
// locked users and users of disabled accounts are refused. With
// auto-create groups the user's SSO teams become exactly the received
// groups. The session starts in the same transaction ("User logged in"
// with method sso) — unless the account asks for the local second factor
// (Config.LocalTwoFactor) and the user owes one: then the outcome carries
// the challenge instead, and VerifyTwoFactor or the enrollment completes
// the sign-in with method sso. Every refusal is audited ("SSO login
// failed." with details reason=<code>) and returned as a *LoginError.
func (s *Service) FinishLogin(ctx context.Context, in ACSInput) (*LoginOutcome, error) {
	// The ACS is anonymous: bound what one client can make it do (parse,
	// verify, write failures) before anything else.
	if err := s.throttle.Take(ctx, scopeACSIP, in.IP, s.opts.ACSPerIP); err != nil {
		return nil, err
	}
	acc, c, err := s.enabledConfig(ctx, in.Slug)
	if err != nil {
		// No SSO here: nothing of the account's to report, and nothing
		// written to its audit log on an anonymous post.
		return nil, err
	}
	sp, idp := s.provider(acc, c)
	a, err := sp.ValidateResponse(ctx, idp, in.SAMLResponse)
	if err != nil {
		reason := saml.ReasonOf(err)
		code := accountkit.Invalid
		switch reason {
		case saml.ReasonStore, saml.ReasonConfig:
			code = accountkit.Internal
		case saml.ReasonReplayed, saml.ReasonInResponseToUnknown, saml.ReasonUnsolicited:
			code = accountkit.Forbidden
		}
		le := &LoginError{Reason: string(reason), Code: code, cause: err}
		s.recordFailure(ctx, acc.ID, in, nil, le)
		return nil, le
	}
	// The assertion and the request are used up now, in their own
	// statements: a sign-in refused below cannot be retried with them.
	if a.InResponseTo != "" && !slices.Contains(in.BoundRequestIDs, a.InResponseTo) {
		le := refuse(ReasonRequestBinding, accountkit.Forbidden)
		s.recordFailure(ctx, acc.ID, in, nil, le)
		return nil, le
	}
	nameID := normalizeNameID(a.NameID)
	if nameID == "" {
		le := refuse(ReasonNameIDNotEmail, accountkit.Invalid)
		s.recordFailure(ctx, acc.ID, in, nil, le)
		return nil, le
	}
	si := &signIn{issuer: idp.EntityID, subject: nameID, email: nameID, linkEmail: first(a.Attributes[AttrEmailAddress]),
		firstName: first(a.Attributes[AttrGivenName]), lastName: first(a.Attributes[AttrSurname]), groups: a.Attributes[c.groupAttribute()]}
	pol := signInPolicy{autoCreateUsers: c.AutoCreateUsers, autoCreateGroups: c.AutoCreateGroups,
		localTwoFactor: c.LocalTwoFactor, linkByEmail: c.LinkByEmailAttribute}
	return s.completeSignIn(ctx, acc, pol, si, in, in.RelayState, a.InResponseTo)
}

// signIn is what a validated sign-in of either protocol (SAML or OpenID
// Connect) asserts about the user.
type signIn struct {
	// issuer and subject key the remembered link: the SAML IdP entity ID
	// and NameID, or the OIDC issuer and sub.
	issuer, subject string
	// email is the address that identifies the user when no link matches
	// (the NameID; a verified email claim) and that a new user gets.
	email string
	// linkEmail is the SAML email attribute (Config.LinkByEmailAttribute).
	linkEmail           string
	firstName, lastName string
	// groups are the raw group values received.
	groups []string
}

// signInPolicy is what the account's connection allows a sign-in.
type signInPolicy struct {
	autoCreateUsers, autoCreateGroups, localTwoFactor, linkByEmail bool
}

// completeSignIn is the one completion path of SAML and OIDC sign-ins
// after the protocol checks: it finds the user (remembered link, then the
// identifying email among the account's users, then the optional email
// attribute link), creates one just in time when the policy allows and the
// domain rule (mayCreateIn) does, activates invited users, remembers the
// link, syncs the SSO teams and completes through auth.Service.Complete,
// all in one transaction. Refusals are audited and returned as a
// *LoginError. returnTo becomes the redirect when SafeReturnPath accepts
// it; requestID is handed back in the outcome.
func (s *Service) completeSignIn(ctx context.Context, acc *account.Account, pol signInPolicy, si *signIn, in ACSInput, returnTo, requestID string) (*LoginOutcome, error) {
	var res *auth.LoginResult
	var who *users.User
	// The sign-in completes even if the browser goes away mid-way (a
	// half-done JIT creation would otherwise roll back after the IdP's
	// assertion or code was spent), but within the runtime's bound: a
	// frozen database cannot hold the request forever.
	actx, cancel := s.rt.Detach(security.WithPrincipal(ctx, &security.Principal{AccountID: acc.ID, IP: in.IP, UserAgent: in.UserAgent}))
	defer cancel()
	err := s.store.InTx(actx, func(ctx context.Context) error {
		res, who = nil, nil
		if ok, err := s.accountEnabled(ctx, acc.ID); err != nil {
			return err
		} else if !ok {
			return refuse(ReasonAccountDisabled, accountkit.Forbidden)
		}
		u, err := s.findUser(ctx, acc, pol, si)
		if err != nil {
			return err
		}
		if u != nil {
			who = u
			switch {
			case u.Locked:
				return refuse(ReasonUserLocked, accountkit.Forbidden)
			case u.Status == users.StatusDisabled:
				return refuse(ReasonUserDisabled, accountkit.Forbidden)
			}
		}
		if u == nil {
			if !pol.autoCreateUsers {
				return refuse(ReasonUserNotFound, accountkit.Forbidden)
			}
			if ok, err := s.mayCreateIn(ctx, acc, si.email); err != nil {
				return err
			} else if !ok {
				return refuse(ReasonDomainNotVerified, accountkit.Forbidden)
			}
			// The user's address is the identifying email (the NameID),
			// not the email attribute (see findUser).
			u, err = s.users.Provision(ctx, users.ProvisionInput{AccountID: acc.ID, Email: si.email, Source: string(users.LoginSSO),
				FirstName: si.firstName, LastName: si.lastName})
			if err != nil {
				if code := accountkit.ErrorCode(err); code == accountkit.Conflict || code == accountkit.Invalid {
					return &LoginError{Reason: ReasonUserCreate, Code: accountkit.Conflict, cause: err}
				}
				return err
			}
			who = u
		} else if u.Status == users.StatusInvited {
			if u, err = s.users.Activate(security.WithPrincipal(ctx, userPrincipal(u, in)), u.ID, string(users.LoginSSO)); err != nil {
				return err
			}
		}
		ctx = security.WithPrincipal(ctx, userPrincipal(u, in))
		if err := s.store.PutSSOLink(ctx, &Link{AccountID: acc.ID, IdPEntityID: si.issuer, NameID: si.subject, UserID: u.ID, CreatedAt: s.now()}); err != nil {
			return err
		}
		if pol.autoCreateGroups && s.groups != nil {
			names := groupNames(si.groups)
			if err := s.groups.SetSSOMemberships(ctx, u.ID, acc.ID, names); err != nil {
				if accountkit.ErrorCode(err) == accountkit.Internal {
					return err
				}
				return &LoginError{Reason: ReasonGroupSync, Code: accountkit.Invalid, cause: err}
			}
		}
		if pol.localTwoFactor && s.opts.TwoFactorPath == "" { // fail closed: never skip a factor the account asked for
			return refuse(ReasonTwoFactorUnavailable, accountkit.Internal)
		}
		res, err = s.auth.Complete(ctx, auth.Attempt{User: u, Method: users.LoginSSO, SecondFactor: pol.localTwoFactor, IP: in.IP, UserAgent: in.UserAgent})
		var refused *auth.Refusal
		if errors.As(err, &refused) {
			return refusalError(refused)
		}
		return err
	})
	if err != nil {
		var le *LoginError
		if !errors.As(err, &le) {
			le = &LoginError{Reason: ReasonInternal, Code: accountkit.Internal, cause: err}
		}
		s.recordFailure(ctx, acc.ID, in, who, le)
		return nil, le
	}
	redirect := "/"
	if SafeReturnPath(returnTo) {
		redirect = returnTo
	}
	if res.Session == nil {
		q := url.Values{"status": {string(res.Status)}}
		if redirect != "/" {
			q.Set("return_to", redirect)
		}
		redirect = s.opts.TwoFactorPath + "?" + q.Encode()
	}
	return &LoginOutcome{Result: res, Redirect: redirect, RequestID: requestID}, nil
}

// findUser returns the (row-locked) user the sign-in is for, or nil when
// none matches and one may be created.
func (s *Service) findUser(ctx context.Context, acc *account.Account, pol signInPolicy, si *signIn) (*users.User, error) {
	nameID := si.email
	if l, err := s.store.GetSSOLink(ctx, acc.ID, si.issuer, si.subject); err == nil {
		u, err := s.store.GetUserForUpdate(ctx, l.UserID)
		switch {
		case err == nil && u.AccountID == acc.ID:
			return u, nil
		case err != nil && accountkit.ErrorCode(err) != accountkit.NotFound:
			return nil, err
		}
	} else if accountkit.ErrorCode(err) != accountkit.NotFound {
		return nil, err
	}
	// Only the NameID identifies (for OIDC: the email claim the provider
	// says is verified): it is the subject the IdP asserts. An email
	// attribute is a claim about the subject, which a user may be able to
	// edit at the IdP (their profile's "email"), so it never selects an
	// existing user: that would let anyone sign in as the account's
	// administrator by naming the administrator's address.
	found, err := s.store.FindUsersByEmail(ctx, nameID)
	if err != nil {
		return nil, err
	}
	elsewhere := false
	for _, u := range found {
		if u.AccountID == acc.ID {
			return s.store.GetUserForUpdate(ctx, u.ID)
		}
		if u.MainAccountID == acc.MainID() {
			elsewhere = true
		}
	}
	if elsewhere {
		return nil, refuse(ReasonEmailElsewhere, accountkit.Forbidden)
	}
	if pol.linkByEmail {
		return s.linkByEmail(ctx, acc, si.linkEmail, nameID)
	}
	return nil, nil
}

// linkByEmail finds the account's user whose email is the assertion's
// email attribute, when the account opted in (Config.LinkByEmailAttribute)
// and the address lies in a domain the account verified; the link the
// sign-in then stores is audited here.
func (s *Service) linkByEmail(ctx context.Context, acc *account.Account, attr, nameID string) (*users.User, error) {
	email := normalizeNameID(attr)
	if email == "" || email == nameID {
		return nil, nil
	}
	domain, msg := emailDomain(email)
	if msg != "" || domain == "" {
		return nil, nil
	}
	if ok, err := s.verifiedFor(ctx, acc, domain); err != nil || !ok {
		return nil, err
	}
	found, err := s.store.FindUsersByEmail(ctx, email)
	if err != nil {
		return nil, err
	}
	for _, u := range found {
		if u.AccountID != acc.ID {
			continue
		}
		u, err := s.store.GetUserForUpdate(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		e := audit.Entry{AccountID: acc.ID, Item: audit.ItemSSO, Action: audit.ActionCreate,
			Description: "SSO link created from the email attribute.", TargetType: "user", TargetID: u.ID, TargetName: u.Username,
			Details: map[string]string{"name_id": clipText(nameID), "email": clipText(email), "domain": domain}}
		if err := s.audit.Record(ctx, e); err != nil {
			return nil, err
		}
		return u, nil
	}
	return nil, nil
}

// verifiedFor reports whether the domain is verified by the account or
// by its main account.
func (s *Service) verifiedFor(ctx context.Context, acc *account.Account, domain string) (bool, error) {
	d, err := s.store.GetVerifiedSSODomain(ctx, domain)
	if err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			return false, nil
		}
		return false, err
	}
	return d.AccountID == acc.ID || d.AccountID == acc.MainID(), nil
}

// mayCreateIn reports whether a user with the email may be created just
// in time in the account: always while neither the account nor its main
// account has verified a domain (verify domains to restrict it), else
// only in a verified domain.
func (s *Service) mayCreateIn(ctx context.Context, acc *account.Account, email string) (bool, error) {
	verified := false
	for _, id := range []string{acc.ID, acc.MainID()} {
		ds, err := s.store.ListSSODomains(ctx, id)
		if err != nil {
			return false, err
		}
		for _, d := range ds {
			verified = verified || d.Status == DomainVerified
		}
		if id == acc.MainID() {
			break
		}
	}
	if !verified {
		return true, nil
	}
	domain, msg := emailDomain(email)
	if msg != "" || domain == "" {
		return false, nil
	}
	return s.verifiedFor(ctx, acc, domain)
}

func clipText(s string) string { return accountkit.Clip(s, 255) }

// refusalError maps a refusal of the completion path to its reason code.
func refusalError(r *auth.Refusal) *LoginError {
	switch r.Reason {
	case "locked":
		return refuse(ReasonUserLocked, accountkit.Forbidden)
	case "account disabled":
		return refuse(ReasonAccountDisabled, accountkit.Forbidden)
	}
	return refuse(ReasonUserDisabled, accountkit.Forbidden)
}

// accountEnabled reports whether the account and every account above it
// are enabled.
func (s *Service) accountEnabled(ctx context.Context, accountID string) (bool, error) {
	return account.PathEnabled(ctx, s.store, accountID)
}

func userPrincipal(u *users.User, in ACSInput) *security.Principal {
	return &security.Principal{UserID: u.ID, Username: u.Username, AccountID: u.AccountID, IP: in.IP, UserAgent: in.UserAgent}
}

// recordFailure audits a refused sign-in in a transaction of its own:
// "SSO login failed." with the reason code, never the response itself.
func (s *Service) recordFailure(ctx context.Context, accountID string, in ACSInput, u *users.User, le *LoginError) {
	p := &security.Principal{AccountID: accountID, IP: in.IP, UserAgent: in.UserAgent}
	e := audit.Entry{AccountID: accountID, Item: audit.ItemUser, Action: audit.ActionLogin,
		FailureDescription: "SSO login failed.", Details: map[string]string{"method": string(users.LoginSSO), "reason": le.Reason}}
	if in.protocol != "" {
		e.Details["protocol"] = in.protocol
	}
	if u != nil {
		p = userPrincipal(u, in)
		e.TargetType, e.TargetID, e.TargetName = "user", u.ID, u.Username
	}
	cause := accountkit.Errorf(le.Code, "single sign-on failed (%s)", le.Reason)
	if u == nil {
		// Anyone can post junk to an account's ACS: the failures that
		// name no user are written at the rate Options.FailureAuditPerAccount
		// allows, the rest only logged, so that a flood cannot bury the
		// account's audit log.
		if err := s.throttle.Take(ctx, scopeFailureAudit, accountID, s.opts.FailureAuditPerAccount); err != nil {
			s.rt.Logger.WarnContext(ctx, "sso: failed sign-in not audited (too many)", "account_id", accountID, "reason", le.Reason)
			return
		}
	}
	actx, cancel := s.rt.Detach(security.WithPrincipal(ctx, p))
	defer cancel()
	err := s.store.InTx(actx, func(ctx context.Context) error { return s.audit.RecordFailureTx(ctx, e, cause) })
	if err != nil {
		s.rt.Logger.ErrorContext(ctx, "sso: recording a failed sign-in failed", "reason", le.Reason, "err", err)
	}
	if le.Code == accountkit.Internal {
		s.rt.Logger.ErrorContext(ctx, "sso: sign-in failed", "account_id", accountID, "reason", le.Reason, "err", le.cause)
	}
}

// Metadata returns the SP metadata of the account with the slug, once the
// account has saved an SSO configuration (enabled or not).
// Errors: NotFound.
func (s *Service) Metadata(ctx context.Context, slug string) (_ []byte, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	notFound := accountkit.Errorf(accountkit.NotFound, "single sign-on is not configured")
	if s.base == "" || account.ValidateSlug(slug) != "" {
		return nil, notFound
	}
	acc, err := s.store.GetAccountBySlug(ctx, slug)
	if err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			return nil, notFound
		}
		return nil, err
	}
	c, err := s.store.GetSSOConfig(ctx, acc.ID)
	if err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			return nil, notFound
		}
		return nil, err
	}
	sp, _ := s.provider(acc, c)
	return sp.Metadata()
}

// Logout ends the session of the token, if any, and returns where to send
// the browser: the account's IdP logout URL when one is configured, else
// "/". The end of the session is audited by the users service.
func (s *Service) Logout(ctx context.Context, slug, sessionToken string) string {
	if sessionToken != "" {
		if p, _, err := s.auth.SessionPrincipal(ctx, sessionToken); err == nil {
			ctx = security.WithPrincipal(ctx, p)
		}
		if err := s.auth.Logout(ctx, sessionToken); err != nil && accountkit.ErrorCode(err) == accountkit.Internal {
			s.rt.Logger.ErrorContext(ctx, "sso: ending the session failed", "err", err)
		}
	}
	if account.ValidateSlug(slug) != "" {
		return "/"
	}
	acc, err := s.store.GetAccountBySlug(ctx, slug)
	if err != nil {
		return "/"
	}
	c, err := s.store.GetSSOConfig(ctx, acc.ID)
	if err != nil || c.IdPLogoutURL == "" {
		return "/"
	}
	return c.IdPLogoutURL
}

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}
