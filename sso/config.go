// Package sso is the account-level SAML 2.0 single sign-on of accountkit:
// each account (main or sub-account) may configure its own identity
// provider; users sign in through the SP-initiated flow at
// /login/saml/{slug}/, are matched by email (or by the link remembered from
// an earlier sign-in), created just in time when the account allows it, and
// have their SSO-managed team memberships synced from the IdP's groups.
// While SSO is enabled — the SAML configuration or the OpenID Connect
// connection (oidc.go), either decides (Service.Enforcement) — password
// sign-in and password reset are refused for the account's users (except
// one optional break-glass Account Manager).
//
// The SAML protocol itself (request, response validation, metadata) lives in
// the sso/saml engine; this package maps accounts to its ServiceProvider and
// IdentityProvider values, persists request IDs and used assertion IDs in
// the Store so several host instances share them, and owns the HTTP routes.
//
// Every SAML sign-in ends in auth.Service.Complete, the completion path all
// sign-in methods share; users are provisioned through users.Service
// (Provision, Activate); password refusal while SSO is enforced is the
// package's reaction to auth.PasswordUse. It imports the root package,
// security, audit, account, users, auth, teams and sso/saml, and must not
// import storage, web or kit.
package sso

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Group attribute names.
const (
	// DefaultGroupAttribute is the attribute read for group names when
	// Config.GroupAttribute is empty (AD FS and most IdPs).
	DefaultGroupAttribute = "http://schemas.xmlsoap.org/claims/Group"
	// AzureADGroupAttribute is the attribute Azure AD / Entra ID sends.
	AzureADGroupAttribute = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"
)

// The user attributes read from an assertion when a user is created. The
// email attribute (AttrEmailAddress) is deliberately not used: a user's
// address, and the match with an existing user, come from the NameID.
const (
	AttrGivenName = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname"
	AttrSurname   = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname"
	// AttrEmailAddress is the email claim many IdPs send beside the
	// NameID. accountkit ignores it for identity (see the package doc).
	AttrEmailAddress = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
)

// Limits on configuration fields.
const (
	MaxEntityIDLength       = 1024
	MaxURLLength            = 2048
	MaxCertificates         = 10
	MaxCertificatePEMLength = 16 << 10
	MaxAttributeNameLength  = 256
	DefaultClockSkewSeconds = 180
	MaxClockSkewSeconds     = 600
	// CertificateWarningPeriod is how long before expiry a certificate is
	// flagged as expiring soon.
	CertificateWarningPeriod = 30 * 24 * time.Hour
	// MaxGroups caps the group values of one sign-in that are synced.
	MaxGroups = 200
)

// Config is the SSO configuration of one account.
type Config struct {
	AccountID string
	// Enabled turns SSO sign-in on and password sign-in off for the
	// account's users.
	Enabled bool
	// SPEntityID overrides the default SP entity ID (BaseURL +
	// /login/saml/{slug}/metadata); "" means the default.
	SPEntityID string
	// IdPEntityID is the IdP entity ID; assertions must be issued by it.
	IdPEntityID string
	// IdPCertificates are the IdP signing certificates as PEM, one
	// certificate each; several may be given during a key rotation.
	IdPCertificates []string
	// IdPLoginURL is the IdP's HTTP-Redirect SSO endpoint.
	IdPLoginURL string
	// IdPLogoutURL is where users go after signing out; "" sends them to "/".
	IdPLogoutURL string
	// AutoCreateUsers creates unknown users at their first sign-in.
	AutoCreateUsers bool
	// AutoCreateGroups syncs the user's SSO teams from the IdP's groups at
	// every sign-in.
	AutoCreateGroups bool
	// GroupAttribute is the attribute holding group names; "" means
	// DefaultGroupAttribute.
	GroupAttribute string
	// ClockSkewSeconds is the tolerated clock difference with the IdP.
	ClockSkewSeconds int
	// AllowIdPInitiated accepts unsolicited responses (off by default:
	// they cannot be bound to the browser and so allow login CSRF).
	AllowIdPInitiated bool
	// LocalTwoFactor asks users who have local two-factor authentication
	// (TOTP) for a code after the IdP signed them in, and makes users of an
	// account that requires two-factor authentication enroll. Off by
	// default: the IdP is trusted to enforce its own factors, as most IdPs
	// do. It needs sso.Options.TwoFactorPath.
	LocalTwoFactor bool
	// LinkByEmailAttribute lets a sign-in whose NameID matches no user
	// link to the account's user whose email equals the assertion's
	// email attribute (AttrEmailAddress) — for IdPs whose NameID is not
	// the address users were invited with. Off by default, because the
	// attribute is a claim a user may be able to edit at the IdP; when on,
	// only addresses in a domain the account (or its main account) has
	// verified link, each link is audited ("SSO link created from the
	// email attribute."), and once made the link is what matches.
	LinkByEmailAttribute bool
	// BreakGlassUserID names one Account Manager of the account who may
	// keep signing in with a password while SSO is enabled; "" for none.
	BreakGlassUserID string
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// groupAttribute returns the effective group attribute name.
func (c *Config) groupAttribute() string {
	if c.GroupAttribute == "" {
		return DefaultGroupAttribute
	}
	return c.GroupAttribute
}

// Update changes a configuration; nil fields stay as they are.
type Update struct {
	Enabled           *bool     `json:"enabled,omitempty"`
	SPEntityID        *string   `json:"sp_entity_id,omitempty"`
	IdPEntityID       *string   `json:"idp_entity_id,omitempty"`
	IdPCertificates   *[]string `json:"idp_certificates,omitempty"`
	IdPLoginURL       *string   `json:"idp_login_url,omitempty"`
	IdPLogoutURL      *string   `json:"idp_logout_url,omitempty"`
	AutoCreateUsers   *bool     `json:"auto_create_users,omitempty"`
	AutoCreateGroups  *bool     `json:"auto_create_groups,omitempty"`
	GroupAttribute    *string   `json:"group_attribute,omitempty"`
	ClockSkewSeconds  *int      `json:"clock_skew_seconds,omitempty"`
	AllowIdPInitiated *bool     `json:"allow_idp_initiated,omitempty"`
	LocalTwoFactor    *bool     `json:"local_two_factor,omitempty"`
	// LinkByEmailAttribute sets Config.LinkByEmailAttribute.
	LinkByEmailAttribute *bool   `json:"link_by_email_attribute,omitempty"`
	BreakGlassUserID     *string `json:"break_glass_user_id,omitempty"`
}

// changed lists the JSON names of the fields u sets, for the audit log.
func (u *Update) changed() []string {
	var out []string
	add := func(set bool, name string) {
		if set {
			out = append(out, name)
		}
	}
	add(u.Enabled != nil, "enabled")
	add(u.SPEntityID != nil, "sp_entity_id")
	add(u.IdPEntityID != nil, "idp_entity_id")
	add(u.IdPCertificates != nil, "idp_certificates")
	add(u.IdPLoginURL != nil, "idp_login_url")
	add(u.IdPLogoutURL != nil, "idp_logout_url")
	add(u.AutoCreateUsers != nil, "auto_create_users")
	add(u.AutoCreateGroups != nil, "auto_create_groups")
	add(u.GroupAttribute != nil, "group_attribute")
	add(u.ClockSkewSeconds != nil, "clock_skew_seconds")
	add(u.AllowIdPInitiated != nil, "allow_idp_initiated")
	add(u.LocalTwoFactor != nil, "local_two_factor")
	add(u.LinkByEmailAttribute != nil, "link_by_email_attribute")
	add(u.BreakGlassUserID != nil, "break_glass_user_id")
	return out
}

// Link remembers which user an IdP's NameID signed in as, so later sign-ins
// find the same user even after the user's email changed.
type Link struct {
	AccountID   string
	IdPEntityID string
	// NameID is the normalized (lower-case) NameID.
	NameID    string
	UserID    string
	CreatedAt time.Time
}

// CertificateInfo describes one configured IdP certificate.
type CertificateInfo struct {
	PEM               string    `json:"pem"`
	Subject           string    `json:"subject"`
	Issuer            string    `json:"issuer"`
	SerialNumber      string    `json:"serial_number"`
	NotBefore         time.Time `json:"not_before"`
	NotAfter          time.Time `json:"not_after"`
	FingerprintSHA256 string    `json:"fingerprint_sha256"`
	// Key is the public key type and size, e.g. "RSA-2048" or "ECDSA-P256".
	Key string `json:"key"`
	// Warning is "expired", "expires_soon" (within 30 days) or "".
	Warning string `json:"warning,omitempty"`
}

// The certificate warnings.
const (
	WarningExpired     = "expired"
	WarningExpiresSoon = "expires_soon"
)

// parseCertificate parses one certificate given as PEM (or as the bare
// base64 DER that IdP consoles often show) and checks its key: RSA of at
// least 2048 bits or ECDSA on P-256, P-384 or P-521. It returns the
// certificate, its canonical PEM and what is wrong ("" when nothing).
func parseCertificate(s string) (*x509.Certificate, string, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, "", "must not be empty"
	}
	if len(s) > MaxCertificatePEMLength {
		return nil, "", fmt.Sprintf("must be at most %d bytes", MaxCertificatePEMLength)
	}
	var der []byte
	if strings.HasPrefix(s, "-----BEGIN") {
		block, rest := pem.Decode([]byte(s))
		if block == nil || block.Type != "CERTIFICATE" {
			return nil, "", "must be a PEM CERTIFICATE block"
		}
		if len(bytes.TrimSpace(rest)) != 0 {
			return nil, "", "must hold exactly one certificate"
		}
		der = block.Bytes
	} else {
		compact := strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return r
		}, s)
		b, err := base64.StdEncoding.DecodeString(compact)
		if err != nil {
			return nil, "", "must be a PEM certificate"
		}
		der = b
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, "", "is not a valid X.509 certificate"
	}
	if _, msg := keyDescription(cert); msg != "" {
		return nil, "", msg
	}
	return cert, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})), ""
}

// keyDescription names the certificate's key, or says why it is refused.
func keyDescription(cert *x509.Certificate) (string, string) {
	switch k := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return "", "RSA keys must have at least 2048 bits"
		}
		return fmt.Sprintf("RSA-%d", k.N.BitLen()), ""
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return "ECDSA-P256", ""
		case elliptic.P384():
			return "ECDSA-P384", ""
		case elliptic.P521():
			return "ECDSA-P521", ""
		}
		return "", "ECDSA keys must use P-256, P-384 or P-521"
	}
	return "", "the key must be RSA (2048 bits or more) or ECDSA (P-256 or larger)"
}

// certificateInfo describes a stored certificate at now.
func certificateInfo(p string, now time.Time) (CertificateInfo, *x509.Certificate) {
	cert, _, msg := parseCertificate(p)
	if msg != "" {
		return CertificateInfo{PEM: p, Warning: "invalid"}, nil
	}
	key, _ := keyDescription(cert)
	sum := sha256.Sum256(cert.Raw)
	info := CertificateInfo{PEM: p, Subject: cert.Subject.String(), Issuer: cert.Issuer.String(),
		SerialNumber: cert.SerialNumber.String(), NotBefore: cert.NotBefore.UTC(), NotAfter: cert.NotAfter.UTC(),
		FingerprintSHA256: hex.EncodeToString(sum[:]), Key: key}
	switch {
	case !now.Before(cert.NotAfter):
		info.Warning = WarningExpired
	case now.Add(CertificateWarningPeriod).After(cert.NotAfter):
		info.Warning = WarningExpiresSoon
	}
	return info, cert
}

// validateURL checks an IdP or base URL: absolute https, or http to
// localhost or 127.0.0.1 when allowHTTP, without user info or fragment.
func validateURL(s string, allowHTTP bool) string {
	if s == "" {
		return "must not be empty"
	}
	if len(s) > MaxURLLength {
		return fmt.Sprintf("must be at most %d characters", MaxURLLength)
	}
	if msg := plainText(s); msg != "" {
		return msg
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "must be an absolute https URL"
	}
	if u.User != nil || u.Fragment != "" {
		return "must not contain user info or a fragment"
	}
	switch u.Scheme {
	case "https":
		return ""
	case "http":
		h := u.Hostname()
		if allowHTTP && (h == "localhost" || net.ParseIP(h).IsLoopback()) {
			return ""
		}
		return "must use https (http is allowed only for localhost in development)"
	}
	return "must be an absolute https URL"
}

// validateEntityID checks an entity ID: an absolute URI of at most 1024
// characters without spaces or control characters.
func validateEntityID(s string) string {
	if s == "" {
		return "must not be empty"
	}
	if len(s) > MaxEntityIDLength {
		return fmt.Sprintf("must be at most %d characters", MaxEntityIDLength)
	}
	if msg := plainText(s); msg != "" {
		return msg
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return "must be an absolute URI (a URL or a URN)"
	}
	return ""
}

// plainText refuses invalid UTF-8, spaces and control characters.
func plainText(s string) string {
	if !utf8.ValidString(s) {
		return "must be valid UTF-8"
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return "must not contain spaces or control characters"
		}
	}
	return ""
}

// SafeReturnPath reports whether p may be used as the RelayState and the
// redirect target after sign-in: a path on this host that starts with a
// single "/", is at most 80 bytes (the RelayState limit), holds only
// printable ASCII without backslashes, has no scheme, host or user info and
// cannot be read by a browser as a scheme-relative URL ("//", "/\").
func SafeReturnPath(p string) bool {
	if p == "" || len(p) > 80 || p[0] != '/' {
		return false
	}
	if len(p) > 1 && (p[1] == '/' || p[1] == '\\') {
		return false
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c <= 0x20 || c >= 0x7f || c == '\\' {
			return false
		}
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return false
	}
	return strings.HasPrefix(u.Path, "/") && !strings.HasPrefix(u.Path, "//")
}
