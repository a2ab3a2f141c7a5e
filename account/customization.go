package account

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"maps"
	"net"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/image/webp"
	"golang.org/x/net/idna"
	"golang.org/x/text/language"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/security"
)

// HostnameStatus is where a custom hostname stands in its DNS verification.
type HostnameStatus string

// The hostname statuses. Only a verified hostname resolves to its account.
const (
	HostnamePending  HostnameStatus = "pending"
	HostnameVerified HostnameStatus = "verified"
	HostnameFailed   HostnameStatus = "failed"
)

// Theme is an account's colour scheme.
type Theme string

// The themes. ThemeCustom uses the account's own Colors.
const (
	ThemeLight  Theme = "light"
	ThemeDark   Theme = "dark"
	ThemeCustom Theme = "custom"
)

// ColorNames are the named colours of a custom colour scheme. "primary" is
// required; the others fall back to the host's defaults when absent.
var ColorNames = []string{"primary", "secondary", "accent", "background", "text"}

// ChallengePrefix is the label under which the TXT verification record of a
// custom hostname lives: _accountkit-challenge.<hostname>.
const ChallengePrefix = "_accountkit-challenge."

// Logo limits: at most MaxLogoSide pixels wide and high and MaxLogoBytes
// long, in one of LogoContentTypes.
const (
	MaxLogoSide  = 150
	MaxLogoBytes = 5 << 20
)

// LogoContentTypes are the accepted logo formats. SVG is refused: it is a
// document that can carry scripts, not a picture.
var LogoContentTypes = []string{"image/png", "image/jpeg", "image/gif", "image/webp"}

// DefaultLanguages is the default list of supported languages (BCP 47); the
// first is the default language of an account.
var DefaultLanguages = []string{"en", "de", "fr", "es", "it", "pt", "hr", "nl", "pl", "sl", "sr", "tr", "ru", "ja", "zh"}

// Customization is an account's branding: custom hostname, logo, theme and
// language. An account that never saved any has DefaultCustomization.
type Customization struct {
	AccountID string
	// Hostname is the custom hostname, "" when none.
	Hostname       string
	HostnameStatus HostnameStatus
	// HostnameToken is the value the TXT record must hold.
	HostnameToken string
	// HostnameError says why the last verification failed.
	HostnameError      string
	HostnameCheckedAt  *time.Time
	HostnameVerifiedAt *time.Time
	Theme              Theme
	// Colors holds the custom colour scheme (ThemeCustom only): colour name
	// to lower-case "#rrggbb".
	Colors   map[string]string
	Language string
	// LogoSHA256 is the hex SHA-256 of the logo ("" when none) and
	// LogoContentType its media type.
	LogoSHA256      string
	LogoContentType string
	UpdatedAt       time.Time
}

// Logo is an account's uploaded logo.
type Logo struct {
	AccountID   string
	ContentType string
	Data        []byte
	// SHA256 is the hex SHA-256 of Data, used as a strong ETag.
	SHA256    string
	UpdatedAt time.Time
}

// DNSRecord is a record the customer creates at their DNS provider.
type DNSRecord struct {
	Type  string `json:"type"`
	Name  string `json:"name"`
	Value string `json:"value"`
}

// CustomizationStore persists customizations and logos.
type CustomizationStore interface {
	// GetCustomization returns the account's customization. Errors:
	// NotFound when it never saved one.
	GetCustomization(ctx context.Context, accountID string) (*Customization, error)
	// GetCustomizationByHostname returns the customization whose Hostname
	// is host (exact, lower-case). Errors: NotFound.
	GetCustomizationByHostname(ctx context.Context, host string) (*Customization, error)
	// PutCustomization inserts or replaces the account's customization.
	// Errors: Conflict when another account holds the same Hostname.
	PutCustomization(ctx context.Context, c *Customization) error
	// GetLogo returns the account's logo. Errors: NotFound.
	GetLogo(ctx context.Context, accountID string) (*Logo, error)
	// PutLogo inserts or replaces the account's logo.
	PutLogo(ctx context.Context, l *Logo) error
	// DeleteLogo removes the account's logo. Errors: NotFound.
	DeleteLogo(ctx context.Context, accountID string) error
}

// Resolver looks up DNS records; *net.Resolver implements it.
type Resolver interface {
	LookupCNAME(ctx context.Context, host string) (string, error)
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// CustomizationOptions configures customization. Zero fields take defaults.
type CustomizationOptions struct {
	// HostnameTarget is the host name custom hostnames point their CNAME
	// at, e.g. "custom.example-saas.com". Without it hostnames cannot be set.
	HostnameTarget string
	// Resolver verifies hostnames; default net.DefaultResolver.
	Resolver Resolver
	// DNSTimeout bounds one verification (default 10 s).
	DNSTimeout time.Duration
	// Languages lists the supported BCP 47 tags; default DefaultLanguages.
	// The first is the default language.
	Languages []string
}

type customization struct {
	target    string
	resolver  Resolver
	timeout   time.Duration
	languages []string // canonical
}

func newCustomization(o CustomizationOptions) (customization, error) {
	c := customization{target: strings.TrimSuffix(strings.ToLower(o.HostnameTarget), "."), resolver: o.Resolver, timeout: o.DNSTimeout}
	if c.resolver == nil {
		c.resolver = net.DefaultResolver
	}
	if c.timeout <= 0 {
		c.timeout = 10 * time.Second
	}
	langs := o.Languages
	if len(langs) == 0 {
		langs = DefaultLanguages
	}
	for _, l := range langs {
		tag, err := language.Parse(l)
		if err != nil {
			return c, fmt.Errorf("account: CustomizationOptions.Languages: %q is not a BCP 47 tag", l)
		}
		if s := tag.String(); !slices.Contains(c.languages, s) {
			c.languages = append(c.languages, s)
		}
	}
	return c, nil
}

// Languages returns the supported languages, the default first.
func (s *Service) Languages() []string { return slices.Clone(s.custom.languages) }

// DefaultCustomization returns the customization of an account that never
// saved one: light theme, the default language, no hostname, no logo.
func (s *Service) DefaultCustomization(accountID string) *Customization {
	return &Customization{AccountID: accountID, Theme: ThemeLight, Language: s.custom.languages[0]}
}

func (s *Service) loadCustomization(ctx context.Context, accountID string) (*Customization, error) {
	c, err := s.store.GetCustomization(ctx, accountID)
	if accountkit.ErrorCode(err) == accountkit.NotFound {
		return s.DefaultCustomization(accountID), nil
	}
	return c, err
}

// Customization returns an account's customization. It requires
// PermAccountSettings. Errors: Unauthenticated, NotFound, Forbidden.
func (s *Service) Customization(ctx context.Context, accountID string) (_ *Customization, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	if _, err := s.authz.Require(ctx, security.PermAccountSettings, accountID); err != nil {
		return nil, err
	}
	return s.loadCustomization(ctx, accountID)
}

func customEntry(accountID, desc, fail string) *audit.Entry {
	return &audit.Entry{AccountID: accountID, Item: audit.ItemAccount, Action: audit.ActionUpdate,
		Description: desc, FailureDescription: fail, TargetType: "account", TargetID: accountID}
}

func hostnameEntry(id string) *audit.Entry {
	return customEntry(id, "Host name set.", "Setting host name failed.")
}
func logoEntry(id string) *audit.Entry {
	return customEntry(id, "Logo updated.", "Logo update failed.")
}
func themeEntry(id string) *audit.Entry {
	return customEntry(id, "Color scheme set.", "Setting color scheme failed.")
}
func languageEntry(id string) *audit.Entry {
	return customEntry(id, "Language successfully changed.", "Language change failed.")
}

// change runs fn on the account's customization inside an audited
// transaction and saves the result.
func (s *Service) change(ctx context.Context, accountID string, e *audit.Entry, validate func() error, fn func(ctx context.Context, c *Customization) error) (*Customization, error) {
	var out *Customization
	err := s.audit.Run(ctx, e, func(ctx context.Context) error {
		if _, err := s.authz.Require(ctx, security.PermAccountSettings, accountID); err != nil {
			return err
		}
		if err := validate(); err != nil {
			return err
		}
		if err := s.store.LockAccount(ctx, accountID); err != nil {
			return err
		}
		c, err := s.loadCustomization(ctx, accountID)
		if err != nil {
			return err
		}
		if err := fn(ctx, c); err != nil {
			return err
		}
		c.UpdatedAt = s.rt.Now()
		if err := s.store.PutCustomization(ctx, c); err != nil {
			if accountkit.ErrorCode(err) == accountkit.Conflict {
				return &accountkit.Error{Code: accountkit.Conflict, Message: "hostname: already used by another account",
					Fields: []accountkit.FieldError{{Field: "hostname", Message: "already used by another account"}}}
			}
			return err
		}
		out = c
		return nil
	})
	return out, err
}

// HostnameSetup is the answer to SetHostname: the customization and the
// DNS records the customer must create before verifying.
type HostnameSetup struct {
	Customization *Customization
	Records       []DNSRecord
}

// Records returns the DNS records a customization's hostname needs, or
// nil when it has none.
func (s *Service) Records(c *Customization) []DNSRecord {
	if c.Hostname == "" {
		return nil
	}
	return []DNSRecord{
		{Type: "CNAME", Name: c.Hostname, Value: s.custom.target},
		{Type: "TXT", Name: ChallengePrefix + c.Hostname, Value: c.HostnameToken},
	}
}

// SetHostname sets (or, with "", removes) the account's custom hostname. It
// requires PermAccountSettings. The hostname must be a valid DNS name (see
// NormalizeHostname) not used by another account; it starts pending, with
// a new random TXT challenge, until VerifyHostname finds the records
// returned. Setting the current hostname again keeps its state. Audited as
// "Host name set." Errors: Unauthenticated, NotFound, Forbidden, Invalid,
// Conflict.
func (s *Service) SetHostname(ctx context.Context, accountID, hostname string) (*HostnameSetup, error) {
	host, msg := NormalizeHostname(hostname)
	e := hostnameEntry(accountID)
	e.Details = map[string]string{"hostname": hostname}
	c, err := s.change(ctx, accountID, e, func() error {
		if hostname == "" {
			return nil
		}
		if msg != "" {
			return accountkit.InvalidField("hostname", msg)
		}
		if s.custom.target == "" {
			return accountkit.Errorf(accountkit.Invalid, "custom hostnames are not enabled on this installation")
		}
		if host == s.custom.target || strings.HasSuffix(host, "."+s.custom.target) {
			return accountkit.InvalidField("hostname", "must not be the installation's own host name")
		}
		return nil
	}, func(_ context.Context, c *Customization) error {
		if hostname == "" {
			c.Hostname, c.HostnameStatus, c.HostnameToken, c.HostnameError = "", "", "", ""
			c.HostnameCheckedAt, c.HostnameVerifiedAt = nil, nil
			return nil
		}
		if c.Hostname == host {
			return nil
		}
		token, err := challengeToken()
		if err != nil {
			return err
		}
		c.Hostname, c.HostnameStatus, c.HostnameToken, c.HostnameError = host, HostnamePending, token, ""
		c.HostnameCheckedAt, c.HostnameVerifiedAt = nil, nil
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &HostnameSetup{Customization: c, Records: s.Records(c)}, nil
}

func challengeToken() (string, error) {
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", accountkit.Wrap(err, "random source failed")
	}
	return "accountkit-verification=" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])), nil
}

// VerifyHostname looks up the CNAME and TXT records of the account's
// pending (or failed, or verified) hostname through the Resolver and
// records the outcome with the time: verified when the CNAME points at the
// installation's HostnameTarget and the TXT record holds the challenge,
// failed (with the reason in HostnameError) otherwise. A failed check is
// not an error: it is recorded, with a failure audit event, and returned.
// It requires PermAccountSettings. Errors: Unauthenticated, NotFound,
// Forbidden, Invalid (no hostname set).
func (s *Service) VerifyHostname(ctx context.Context, accountID string) (*Customization, error) {
	e := &audit.Entry{AccountID: accountID, Item: audit.ItemAccount, Action: audit.ActionVerify,
		Description: "Host name verified.", FailureDescription: "Host name verification failed.", TargetType: "account", TargetID: accountID}
	if _, err := s.authz.Require(ctx, security.PermAccountSettings, accountID); err != nil {
		s.audit.RecordFailure(ctx, *e, err)
		return nil, err
	}
	cur, err := s.loadCustomization(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if cur.Hostname == "" {
		err := accountkit.InvalidField("hostname", "no hostname is set")
		s.audit.RecordFailure(ctx, *e, err)
		return nil, err
	}
	reason := s.checkDNS(ctx, cur)
	var out *Customization
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		c, err := s.loadCustomization(ctx, accountID)
		if err != nil {
			return err
		}
		if c.Hostname != cur.Hostname || c.HostnameToken != cur.HostnameToken {
			return accountkit.Errorf(accountkit.Conflict, "the hostname changed during verification; try again")
		}
		now := s.rt.Now()
		c.HostnameCheckedAt, c.UpdatedAt = &now, now
		e.Details = map[string]string{"hostname": c.Hostname}
		if reason == "" {
			c.HostnameStatus, c.HostnameError, c.HostnameVerifiedAt = HostnameVerified, "", &now
		} else {
			c.HostnameStatus, c.HostnameError, c.HostnameVerifiedAt = HostnameFailed, reason, nil
		}
		if err := s.store.PutCustomization(ctx, c); err != nil {
			return err
		}
		out = c
		if reason != "" {
			return s.audit.RecordFailureTx(ctx, *e, accountkit.InvalidField("hostname", reason))
		}
		return s.audit.Record(ctx, *e)
	})
	if err != nil {
		s.audit.RecordFailure(ctx, *e, err)
		return nil, err
	}
	return out, nil
}

// checkDNS returns "" when the hostname's records are in place, else what
// is wrong, in words safe to show the customer.
func (s *Service) checkDNS(ctx context.Context, c *Customization) string {
	ctx, cancel := context.WithTimeout(ctx, s.custom.timeout)
	defer cancel()
	txts, err := s.custom.resolver.LookupTXT(ctx, ChallengePrefix+c.Hostname)
	if err != nil {
		return "the TXT record " + ChallengePrefix + c.Hostname + " was not found"
	}
	found := false
	for _, t := range txts {
		if strings.TrimSpace(t) == c.HostnameToken {
			found = true
		}
	}
	if !found {
		return "the TXT record " + ChallengePrefix + c.Hostname + " does not hold the verification value"
	}
	cname, err := s.custom.resolver.LookupCNAME(ctx, c.Hostname)
	if err != nil {
		return "the CNAME record of " + c.Hostname + " was not found"
	}
	if !strings.EqualFold(strings.TrimSuffix(cname, "."), s.custom.target) {
		return "the CNAME record of " + c.Hostname + " must point at " + s.custom.target
	}
	return ""
}

// ResolveHost returns the enabled account whose verified custom hostname
// is the host of an incoming Host header (case-insensitive, port and one
// trailing dot ignored). No principal is needed: the host application calls
// it to brand its login page. Errors: NotFound (unknown, unverified or
// disabled).
func (s *Service) ResolveHost(ctx context.Context, hostHeader string) (*Account, error) {
	notFound := accountkit.Errorf(accountkit.NotFound, "no account has this hostname")
	host := hostHeader
	if h, _, err := net.SplitHostPort(hostHeader); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if _, msg := NormalizeHostname(host); msg != "" {
		return nil, notFound
	}
	c, err := s.store.GetCustomizationByHostname(ctx, host)
	if err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			return nil, notFound
		}
		return nil, err
	}
	if c.HostnameStatus != HostnameVerified {
		return nil, notFound
	}
	return s.enabledAccount(ctx, c.AccountID)
}

// enabledAccount returns the account when it and every account above it
// are enabled, NotFound otherwise.
func (s *Service) enabledAccount(ctx context.Context, id string) (*Account, error) {
	notFound := accountkit.Errorf(accountkit.NotFound, "account not found")
	a, err := s.store.GetAccount(ctx, id)
	if err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			return nil, notFound
		}
		return nil, err
	}
	for _, aid := range a.Ancestry {
		b := a
		if aid != a.ID {
			if b, err = s.store.GetAccount(ctx, aid); err != nil {
				return nil, err
			}
		}
		if b.Status != StatusEnabled {
			return nil, notFound
		}
	}
	return a, nil
}

// NormalizeHostname lower-cases an ASCII host name and checks it: LDH
// labels of 1–63 characters not starting or ending with a hyphen, at least
// two labels, at most 253 characters, no trailing dot, no wildcard, no IP
// literal, a top-level label that is not all digits, and internationalized
// labels only in their punycode ("xn--") form. It returns the normalized
// name and "" or, when invalid, what is wrong.
func NormalizeHostname(s string) (string, string) {
	switch {
	case s == "":
		return "", "must not be empty"
	case len(s) > 253:
		return "", "must be at most 253 characters"
	case strings.HasSuffix(s, "."):
		return "", "must not end with a dot"
	case strings.Contains(s, "*"):
		return "", "wildcards are not allowed"
	case strings.ContainsAny(s, ":[]") || net.ParseIP(s) != nil:
		return "", "IP addresses are not allowed"
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return "", "internationalized names must be given in punycode (xn--)"
		}
	}
	host := strings.ToLower(s)
	labels := strings.Split(host, ".")
	if len(labels) < 2 {
		return "", "must have at least two labels, e.g. login.example.com"
	}
	for _, l := range labels {
		if msg := checkLabel(l); msg != "" {
			return "", msg
		}
	}
	tld := labels[len(labels)-1]
	if strings.Trim(tld, "0123456789") == "" {
		return "", "IP addresses are not allowed"
	}
	return host, ""
}

func checkLabel(l string) string {
	switch {
	case l == "":
		return "must not contain empty labels"
	case len(l) > 63:
		return "each label must be at most 63 characters"
	case l[0] == '-' || l[len(l)-1] == '-':
		return "labels must not start or end with a hyphen"
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return "labels may contain only letters, digits and hyphens"
		}
	}
	if len(l) >= 4 && l[2:4] == "--" {
		if l[:2] != "xn" {
			return "labels must not have hyphens in the third and fourth position"
		}
		if !validPunycode(l[4:]) {
			return "malformed punycode label"
		}
	}
	return ""
}

// validPunycode reports whether s decodes as RFC 3492 punycode to at least
// one non-ASCII code point (golang.org/x/net/idna decodes it).
func validPunycode(s string) bool {
	u, err := idna.Punycode.ToUnicode("xn--" + s)
	if err != nil || u == "xn--"+s {
		return false
	}
	for _, r := range u {
		if r >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// SetLogo replaces the account's logo. The declared contentType must be
// image/png, image/jpeg, image/gif or image/webp (never SVG) and match the
// data's actual format; the image must be at most MaxLogoBytes long and
// MaxLogoSide × MaxLogoSide pixels. Only the image header is decoded before
// the size is known to be within bounds, so a decompression bomb is refused
// by its declared dimensions. It requires PermAccountSettings and is
// audited as "Logo updated." Errors: Unauthenticated, NotFound, Forbidden,
// Invalid, LimitExceeded.
func (s *Service) SetLogo(ctx context.Context, accountID, contentType string, data []byte) (*Customization, error) {
	e := logoEntry(accountID)
	e.Details = map[string]string{"content_type": contentType, "bytes": fmt.Sprint(len(data))}
	// The image is checked before the transaction: decoding holds no lock.
	ct, err := CheckLogo(contentType, data)
	if err != nil {
		s.audit.RecordFailure(ctx, *e, err)
		return nil, err
	}
	sum := sha256.Sum256(data)
	logo := &Logo{AccountID: accountID, ContentType: ct, Data: data, SHA256: hex.EncodeToString(sum[:])}
	return s.change(ctx, accountID, e, func() error { return nil }, func(ctx context.Context, c *Customization) error {
		logo.UpdatedAt = s.rt.Now()
		c.LogoSHA256, c.LogoContentType = logo.SHA256, logo.ContentType
		e.Details["sha256"] = logo.SHA256
		return s.store.PutLogo(ctx, logo)
	})
}

// DeleteLogo removes the account's logo. It requires PermAccountSettings
// and is audited as "Logo updated." Errors: Unauthenticated, NotFound (also
// when there is no logo), Forbidden.
func (s *Service) DeleteLogo(ctx context.Context, accountID string) (*Customization, error) {
	e := logoEntry(accountID)
	e.Details = map[string]string{"removed": "true"}
	return s.change(ctx, accountID, e, func() error { return nil }, func(ctx context.Context, c *Customization) error {
		if err := s.store.DeleteLogo(ctx, accountID); err != nil {
			if accountkit.ErrorCode(err) == accountkit.NotFound {
				return accountkit.Errorf(accountkit.NotFound, "the account has no logo")
			}
			return err
		}
		c.LogoSHA256, c.LogoContentType = "", ""
		return nil
	})
}

type logoFormat struct {
	magic  func([]byte) bool
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}

var logoFormats = map[string]logoFormat{
	"image/png": {func(b []byte) bool { return bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) }, png.DecodeConfig, png.Decode},
	"image/jpeg": {func(b []byte) bool { return bytes.HasPrefix(b, []byte{0xff, 0xd8, 0xff}) },
		jpeg.DecodeConfig, func(r io.Reader) (image.Image, error) { return jpeg.Decode(r) }},
	"image/gif": {func(b []byte) bool {
		return bytes.HasPrefix(b, []byte("GIF87a")) || bytes.HasPrefix(b, []byte("GIF89a"))
	},
		gif.DecodeConfig, gif.Decode},
	"image/webp": {func(b []byte) bool { return len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP" },
		webp.DecodeConfig, webp.Decode},
}

// CheckLogo validates a logo and returns its normalized content type; see
// SetLogo for the rules. Errors: Invalid naming the field "logo" and the
// constraint, LimitExceeded for an oversized file.
func CheckLogo(contentType string, data []byte) (string, error) {
	ct := strings.ToLower(strings.TrimSpace(strings.SplitN(contentType, ";", 2)[0]))
	if ct == "image/jpg" {
		ct = "image/jpeg"
	}
	if strings.Contains(ct, "svg") {
		return "", accountkit.InvalidField("logo", "SVG images are not accepted; upload PNG, JPEG, GIF or WebP")
	}
	f, ok := logoFormats[ct]
	if !ok {
		return "", accountkit.InvalidField("logo", "must be PNG, JPEG, GIF or WebP")
	}
	if len(data) == 0 {
		return "", accountkit.InvalidField("logo", "the file is empty")
	}
	if len(data) > MaxLogoBytes {
		return "", &accountkit.Error{Code: accountkit.LimitExceeded, Message: "logo: must be at most 5 MB",
			Fields: []accountkit.FieldError{{Field: "logo", Message: "must be at most 5 MB"}}}
	}
	if !f.magic(data) {
		return "", accountkit.InvalidField("logo", "the file's content is not "+ct)
	}
	cfg, err := f.config(bytes.NewReader(data))
	if err != nil {
		return "", accountkit.InvalidField("logo", "the file is not a readable "+ct+" image")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxLogoSide || cfg.Height > MaxLogoSide {
		return "", accountkit.InvalidField("logo", fmt.Sprintf("must be at most %d × %d pixels (this one is %d × %d)", MaxLogoSide, MaxLogoSide, cfg.Width, cfg.Height))
	}
	if _, err := f.decode(bytes.NewReader(data)); err != nil {
		return "", accountkit.InvalidField("logo", "the file is not a readable "+ct+" image")
	}
	return ct, nil
}

// Logo returns an enabled account's logo by the account's slug, for the
// public logo route: no principal is needed. Errors: NotFound (unknown or
// disabled account, or no logo).
func (s *Service) Logo(ctx context.Context, slug string) (_ *Logo, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	a, err := s.publicAccount(ctx, slug)
	if err != nil {
		return nil, err
	}
	l, err := s.store.GetLogo(ctx, a.ID)
	if accountkit.ErrorCode(err) == accountkit.NotFound {
		return nil, accountkit.Errorf(accountkit.NotFound, "no logo")
	}
	return l, err
}

func (s *Service) publicAccount(ctx context.Context, slug string) (*Account, error) {
	if ValidateSlug(slug) != "" {
		return nil, accountkit.Errorf(accountkit.NotFound, "account not found")
	}
	a, err := s.store.GetAccountBySlug(ctx, slug)
	if err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			return nil, accountkit.Errorf(accountkit.NotFound, "account not found")
		}
		return nil, err
	}
	return s.enabledAccount(ctx, a.ID)
}

// ThemeInput sets the colour scheme: Theme light or dark with no Colors,
// or custom with Colors (at least "primary"; names from ColorNames, values
// "#rrggbb").
type ThemeInput struct {
	Theme  Theme             `json:"theme"`
	Colors map[string]string `json:"colors,omitempty"`
}

func (in ThemeInput) normalize() (map[string]string, error) {
	var v accountkit.Validation
	switch in.Theme {
	case ThemeLight, ThemeDark:
		if len(in.Colors) > 0 {
			v.Add("colors", "only a custom theme has colors")
		}
		return nil, v.Err()
	case ThemeCustom:
	default:
		v.Add("theme", "must be light, dark or custom")
		return nil, v.Err()
	}
	if in.Colors["primary"] == "" {
		v.Add("colors.primary", "a custom theme needs a primary color")
	}
	out := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(in.Colors)) {
		val := in.Colors[name]
		if !slices.Contains(ColorNames, name) {
			v.Add("colors."+clipField(name), "unknown color; use "+strings.Join(ColorNames, ", "))
			continue
		}
		if !hexColor(val) {
			v.Add("colors."+name, "must be a color in the form #RRGGBB")
			continue
		}
		out[name] = strings.ToLower(val)
	}
	return out, v.Err()
}

func clipField(s string) string {
	if len(s) > 32 {
		return s[:32]
	}
	return s
}

func hexColor(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	for i := 1; i < 7; i++ {
		c := s[i] | 0x20
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// SetTheme sets the account's colour scheme. It requires
// PermAccountSettings and is audited as "Color scheme set." Errors:
// Unauthenticated, NotFound, Forbidden, Invalid.
func (s *Service) SetTheme(ctx context.Context, accountID string, in ThemeInput) (*Customization, error) {
	e := themeEntry(accountID)
	e.Details = map[string]string{"theme": string(in.Theme)}
	var colors map[string]string
	return s.change(ctx, accountID, e, func() (err error) {
		colors, err = in.normalize()
		return err
	}, func(_ context.Context, c *Customization) error {
		c.Theme, c.Colors = in.Theme, colors
		return nil
	})
}

// SetLanguage sets the account's language, a BCP 47 tag among the
// supported Languages (matched after canonicalization, so "EN" is "en").
// It requires PermAccountSettings and is audited as "Language successfully
// changed." Errors: Unauthenticated, NotFound, Forbidden, Invalid.
func (s *Service) SetLanguage(ctx context.Context, accountID, lang string) (*Customization, error) {
	e := languageEntry(accountID)
	e.Details = map[string]string{"language": lang}
	var canon string
	return s.change(ctx, accountID, e, func() error {
		tag, err := language.Parse(lang)
		if err != nil || len(lang) > 35 {
			return accountkit.InvalidField("language", "must be a BCP 47 language tag, e.g. en or pt-BR")
		}
		canon = tag.String()
		if !slices.Contains(s.custom.languages, canon) {
			return accountkit.InvalidField("language", "is not supported; use one of "+strings.Join(s.custom.languages, ", "))
		}
		return nil
	}, func(_ context.Context, c *Customization) error {
		e.Details["old_language"] = c.Language
		c.Language = canon
		return nil
	})
}

// Branding is what the public login page of an account may show.
type Branding struct {
	Name       string
	Slug       string
	LogoSHA256 string
	Theme      Theme
	Colors     map[string]string
	Language   string
}

// BrandingBySlug returns the public branding of an enabled account. No
// principal is needed. Errors: NotFound (unknown or disabled).
func (s *Service) BrandingBySlug(ctx context.Context, slug string) (_ *Branding, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	a, err := s.publicAccount(ctx, slug)
	if err != nil {
		return nil, err
	}
	return s.branding(ctx, a)
}

// BrandingByHost returns the public branding of the enabled account whose
// verified hostname is host (see ResolveHost). Errors: NotFound.
func (s *Service) BrandingByHost(ctx context.Context, host string) (_ *Branding, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	a, err := s.ResolveHost(ctx, host)
	if err != nil {
		return nil, err
	}
	return s.branding(ctx, a)
}

func (s *Service) branding(ctx context.Context, a *Account) (*Branding, error) {
	c, err := s.loadCustomization(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	return &Branding{Name: a.Name, Slug: a.Slug, LogoSHA256: c.LogoSHA256, Theme: c.Theme, Colors: c.Colors, Language: c.Language}, nil
}
