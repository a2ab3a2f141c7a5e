package sso

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/publicsuffix"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/security"
)

// DomainStatus is where a claimed email domain stands in its DNS
// verification.
type DomainStatus string

// The domain statuses. Only a verified domain routes sign-ins (Discover).
const (
	DomainPending  DomainStatus = "pending"
	DomainVerified DomainStatus = "verified"
	DomainFailed   DomainStatus = "failed"
)

// DomainChallengePrefix is the label under which a domain's TXT
// verification record lives: _accountkit-domain.<domain>.
const DomainChallengePrefix = "_accountkit-domain."

// MaxDomains is how many email domains one account may claim.
const MaxDomains = 50

// Domain is an email domain an account claims ("acme.com"). Any number of
// accounts may claim one domain, but at most one account of the whole
// installation holds it verified: the store's unique constraint on
// verified domains enforces it.
type Domain struct {
	ID        string
	AccountID string
	// Domain is the lower-case domain name, without a trailing dot.
	Domain string
	Status DomainStatus
	// Token is the value the TXT record must hold. It is not a secret:
	// the customer publishes it in DNS.
	Token string
	// Error says why the last verification failed, in words safe to show
	// the customer.
	Error      string
	CheckedAt  *time.Time
	VerifiedAt *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// DomainStore persists claimed email domains.
type DomainStore interface {
	// CreateSSODomain stores d. Errors: Conflict when the account claims
	// the domain already, or when d is verified and another claim of the
	// domain is verified.
	CreateSSODomain(ctx context.Context, d *Domain) error
	// GetSSODomain returns the claim with the ID. Errors: NotFound.
	GetSSODomain(ctx context.Context, id string) (*Domain, error)
	// ListSSODomains returns the account's claims ordered by domain.
	ListSSODomains(ctx context.Context, accountID string) ([]*Domain, error)
	// GetVerifiedSSODomain returns the verified claim of the domain.
	// Errors: NotFound.
	GetVerifiedSSODomain(ctx context.Context, domain string) (*Domain, error)
	// UpdateSSODomain saves d's Status, Token, Error, CheckedAt,
	// VerifiedAt and UpdatedAt. Errors: NotFound, Conflict when d is
	// verified and another claim of the domain is verified.
	UpdateSSODomain(ctx context.Context, d *Domain) error
	// DeleteSSODomain removes the claim. Errors: NotFound.
	DeleteSSODomain(ctx context.Context, id string) error
}

// NormalizeDomain returns the canonical form of an email domain (lower
// case, no trailing dot) and "" or, when it is not acceptable, "" and what
// is wrong. A domain must be a DNS name of at least two labels, in
// punycode, and not a public suffix (such as "com" or "co.uk").
func NormalizeDomain(s string) (string, string) {
	d := strings.ToLower(strings.TrimSpace(s))
	d = strings.TrimSuffix(d, ".")
	if d == "" {
		return "", "must not be empty"
	}
	if _, msg := account.NormalizeHostname(d); msg != "" {
		return "", strings.Replace(msg, "login.example.com", "example.com", 1)
	}
	if suffix, icann := publicsuffix.PublicSuffix(d); suffix == d && (icann || strings.Contains(d, ".")) {
		return "", "is a public suffix; claim a domain below it"
	}
	return d, ""
}

// domainEntry returns the audit entry of a change of a claimed domain.
func domainEntry(accountID string, action audit.Action, desc, fail, domain string) *audit.Entry {
	e := &audit.Entry{AccountID: accountID, Item: audit.ItemSSO, Action: action,
		Description: desc, FailureDescription: fail, TargetType: "account", TargetID: accountID}
	if domain != "" {
		e.Details = map[string]string{"domain": domain}
	}
	return e
}

// DomainRecord returns the DNS record that verifies the claim.
func DomainRecord(d *Domain) account.DNSRecord {
	return account.DNSRecord{Type: "TXT", Name: DomainChallengePrefix + d.Domain, Value: d.Token}
}

// Domains returns the account's claimed email domains ordered by domain.
// It requires PermSSOManage in the account. Errors: Unauthenticated,
// NotFound, Forbidden.
func (s *Service) Domains(ctx context.Context, accountID string) (_ []*Domain, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	if _, err := s.authz.Require(ctx, security.PermSSOManage, accountID); err != nil {
		return nil, err
	}
	return s.store.ListSSODomains(ctx, accountID)
}

// Domain returns one claimed domain of the account. It requires
// PermSSOManage in the account; a claim of another account answers
// NotFound. Errors: Unauthenticated, NotFound, Forbidden.
func (s *Service) Domain(ctx context.Context, accountID, id string) (_ *Domain, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	if _, err := s.authz.Require(ctx, security.PermSSOManage, accountID); err != nil {
		return nil, err
	}
	return s.accountDomain(ctx, accountID, id)
}

// accountDomain returns the claim when it belongs to the account, else
// NotFound exactly as for an unknown ID.
func (s *Service) accountDomain(ctx context.Context, accountID, id string) (*Domain, error) {
	d, err := s.store.GetSSODomain(ctx, id)
	if err != nil {
		return nil, err
	}
	if d.AccountID != accountID {
		return nil, accountkit.Errorf(accountkit.NotFound, "domain not found")
	}
	return d, nil
}

// AddDomain claims an email domain for the account. It requires
// PermSSOManage in the account. The domain (see NormalizeDomain) starts
// pending, with a new random TXT challenge (DomainRecord), until
// VerifyDomain finds the record. Audited as "SSO domain added." Errors:
// Unauthenticated, NotFound, Forbidden, Invalid, Conflict (the account
// claims it already), LimitExceeded (MaxDomains).
func (s *Service) AddDomain(ctx context.Context, accountID, domain string) (*Domain, error) {
	d, msg := NormalizeDomain(domain)
	e := domainEntry(accountID, audit.ActionCreate, "SSO domain added.", "Adding SSO domain failed.", d)
	var out *Domain
	err := s.audit.Run(ctx, e, func(ctx context.Context) error {
		if _, err := s.authz.Require(ctx, security.PermSSOManage, accountID); err != nil {
			return err
		}
		if msg != "" {
			return accountkit.InvalidField("domain", msg)
		}
		if err := s.store.LockAccount(ctx, accountID); err != nil {
			return err
		}
		have, err := s.store.ListSSODomains(ctx, accountID)
		if err != nil {
			return err
		}
		for _, h := range have {
			if h.Domain == d {
				return &accountkit.Error{Code: accountkit.Conflict, Message: "domain: the account claims it already",
					Fields: []accountkit.FieldError{{Field: "domain", Message: "the account claims it already"}}}
			}
		}
		if len(have) >= MaxDomains {
			return accountkit.Errorf(accountkit.LimitExceeded, "an account may claim at most %d domains", MaxDomains)
		}
		token, err := domainToken()
		if err != nil {
			return err
		}
		now := s.now()
		out = &Domain{ID: s.rt.IDs.NewID(), AccountID: accountID, Domain: d, Status: DomainPending, Token: token,
			CreatedAt: now, UpdatedAt: now}
		return s.store.CreateSSODomain(ctx, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func domainToken() (string, error) {
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", accountkit.Wrap(err, "random source failed")
	}
	return "accountkit-domain-verification=" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])), nil
}

// RemoveDomain removes the account's claim of a domain; a verified
// domain stops routing sign-ins at once. It requires PermSSOManage in the
// account. Audited as "SSO domain removed." Errors: Unauthenticated,
// NotFound, Forbidden.
func (s *Service) RemoveDomain(ctx context.Context, accountID, id string) error {
	e := domainEntry(accountID, audit.ActionDelete, "SSO domain removed.", "Removing SSO domain failed.", "")
	return s.audit.Run(ctx, e, func(ctx context.Context) error {
		if _, err := s.authz.Require(ctx, security.PermSSOManage, accountID); err != nil {
			return err
		}
		d, err := s.accountDomain(ctx, accountID, id)
		if err != nil {
			return err
		}
		e.Details = map[string]string{"domain": d.Domain}
		return s.store.DeleteSSODomain(ctx, id)
	})
}

// VerifyDomain looks up the TXT record of the claim through the Resolver
// (Options.Resolver) and records the outcome with the time: verified when
// a TXT record at DomainRecord's name holds the token and no other
// account holds the domain verified, failed (with the reason in Error)
// otherwise. It may be called again at any time: a verified domain whose
// record has gone turns failed and stops routing sign-ins. A failed check
// is not an error: it is recorded, with a failure audit event, and
// returned. It requires PermSSOManage in the account. Errors:
// Unauthenticated, NotFound, Forbidden, Conflict (the claim changed, or
// another account verified the domain, during the check).
func (s *Service) VerifyDomain(ctx context.Context, accountID, id string) (*Domain, error) {
	e := domainEntry(accountID, audit.ActionVerify, "SSO domain verified.", "SSO domain verification failed.", "")
	if _, err := s.authz.Require(ctx, security.PermSSOManage, accountID); err != nil {
		s.audit.RecordFailure(ctx, *e, err)
		return nil, err
	}
	cur, err := s.accountDomain(ctx, accountID, id)
	if err != nil {
		s.audit.RecordFailure(ctx, *e, err)
		return nil, err
	}
	e.Details = map[string]string{"domain": cur.Domain}
	reason := s.checkDomainDNS(ctx, cur)
	var out *Domain
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		d, err := s.accountDomain(ctx, accountID, id)
		if err != nil {
			return err
		}
		if d.Token != cur.Token {
			return accountkit.Errorf(accountkit.Conflict, "the domain changed during verification; try again")
		}
		if reason == "" {
			other, err := s.store.GetVerifiedSSODomain(ctx, d.Domain)
			switch {
			case err == nil && other.ID != d.ID:
				reason = "the domain is verified by another account"
			case err != nil && accountkit.ErrorCode(err) != accountkit.NotFound:
				return err
			}
		}
		now := s.now()
		d.CheckedAt, d.UpdatedAt = &now, now
		if reason == "" {
			if d.Status != DomainVerified {
				d.VerifiedAt = &now
			}
			d.Status, d.Error = DomainVerified, ""
		} else {
			d.Status, d.Error, d.VerifiedAt = DomainFailed, reason, nil
		}
		if err := s.store.UpdateSSODomain(ctx, d); err != nil {
			return err
		}
		out = d
		if reason != "" {
			return s.audit.RecordFailureTx(ctx, *e, accountkit.InvalidField("domain", reason))
		}
		return s.audit.Record(ctx, *e)
	})
	if err != nil {
		s.audit.RecordFailure(ctx, *e, err)
		return nil, err
	}
	return out, nil
}

// checkDomainDNS returns "" when the claim's TXT record is in place, else
// what is wrong, in words safe to show the customer.
func (s *Service) checkDomainDNS(ctx context.Context, d *Domain) string {
	ctx, cancel := context.WithTimeout(ctx, s.dnsTimeout)
	defer cancel()
	name := DomainChallengePrefix + d.Domain
	txts, err := s.resolver.LookupTXT(ctx, name)
	if err != nil {
		return "the TXT record " + name + " was not found"
	}
	for _, t := range txts {
		if strings.TrimSpace(t) == d.Token {
			return ""
		}
	}
	return "the TXT record " + name + " does not hold the verification value"
}

// Discovery methods: where a sign-in page sends a user.
const (
	DiscoverSSO      = "sso"
	DiscoverPassword = "password"
)

// Discovery is the answer to Discover.
type Discovery struct {
	// Method is DiscoverSSO or DiscoverPassword.
	Method string
	// URL is the account's SSO initiation URL (DiscoverSSO only).
	URL string
	// Slug is the account's slug (DiscoverSSO only; not in the API's
	// answer), for a sign-in page that leads to the account's own page.
	Slug string `json:"-"`
}

// noAccountID is looked up in place of an account when an email's domain
// is not verified, so that every answer costs the same store reads.
const noAccountID = "00000000-0000-0000-0000-000000000000"

// Discover tells a sign-in page where to send the user with the email
// address: to the SSO initiation URL of the account that holds the
// email's domain verified, when that account is enabled and has single
// sign-on enabled (its SAML initiation URL, else the one of its enabled
// OIDC connection); otherwise to the password form. It needs no principal.
// Unknown domains, pending or failed claims and accounts without SSO all
// answer DiscoverPassword, with the same store reads, so the answer tells
// no more than that a verified domain uses SSO (see docs/domains.md).
// Requests are limited per client IP (Options.DiscoverPerIP). Errors:
// Invalid (email), TooManyRequests.
func (s *Service) Discover(ctx context.Context, email string) (_ *Discovery, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	if err := s.throttle.Take(ctx, scopeDiscoverIP, security.ClientFrom(ctx).IP, s.opts.DiscoverPerIP); err != nil {
		return nil, err
	}
	domain, msg := emailDomain(email)
	if msg != "" {
		return nil, accountkit.InvalidField("email", msg)
	}
	password := &Discovery{Method: DiscoverPassword}
	accountID := noAccountID
	d, err := s.store.GetVerifiedSSODomain(ctx, domain)
	switch {
	case err == nil:
		accountID = d.AccountID
	case accountkit.ErrorCode(err) != accountkit.NotFound:
		return nil, err
	}
	acc, accErr := s.store.GetAccount(ctx, accountID)
	c, cfgErr := s.store.GetSSOConfig(ctx, accountID)
	oc, oidcErr := s.store.GetOIDCConfig(ctx, accountID)
	for _, err := range []error{accErr, cfgErr, oidcErr} {
		if err != nil && accountkit.ErrorCode(err) != accountkit.NotFound {
			return nil, err
		}
	}
	if accountID == noAccountID || accErr != nil || s.base == "" || acc.Status != account.StatusEnabled {
		return password, nil
	}
	// SAML first when both connections are enabled (a migration from
	// SAML to OIDC switches when SAML is turned off).
	switch {
	case cfgErr == nil && c.Enabled:
		return &Discovery{Method: DiscoverSSO, URL: s.urls(acc, c).InitiationURL, Slug: acc.Slug}, nil
	case oidcErr == nil && oc.Enabled:
		return &Discovery{Method: DiscoverSSO, URL: s.base + OIDCRoutePath(acc.Slug, ""), Slug: acc.Slug}, nil
	}
	return password, nil
}

// scopeDiscoverIP is the throttle scope of Discover.
const scopeDiscoverIP = "sso-discover:ip"

// emailDomain returns the normalised domain of an email address, or what
// is wrong with the address.
func emailDomain(email string) (string, string) {
	email = strings.TrimSpace(email)
	switch {
	case email == "":
		return "", "must not be empty"
	case len(email) > 320:
		return "", "must be at most " + strconv.Itoa(320) + " characters"
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" {
		return "", "must be an email address such as ada@example.com"
	}
	// A domain no account can claim (a public suffix, a single label)
	// is looked up as "", which no claim holds.
	d, _ := NormalizeDomain(email[strings.LastIndexByte(email, '@')+1:])
	return d, ""
}
