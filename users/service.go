package users

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/security"
)

// MessageKind is the purpose of an email.
type MessageKind string

// The emails the service sends.
const (
	MailInvitation    MessageKind = "invitation"     // set your password (new user)
	MailPasswordReset MessageKind = "password_reset" // forgot password, or unlocked by an admin
	MailVerifyEmail   MessageKind = "verify_email"   // confirm a changed email address
)

// Message is an email for the host's Mailer to render and send. URL holds
// the single-use secret: never log it.
type Message struct {
	Kind        MessageKind
	To          string
	AccountID   string
	UserID      string
	Username    string
	DisplayName string
	// URL is LinkBaseURL + a path + "?token=" + Token.
	URL       string
	Token     string
	ExpiresAt time.Time
}

// Mailer delivers email. The host supplies it (SMTP, an email API, ...).
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// SMSSender delivers text messages (phone verification codes).
type SMSSender interface {
	SendSMS(ctx context.Context, to, text string) error
}

// Accounts is what the service needs from the account package.
type Accounts interface {
	GetAccount(ctx context.Context, id string) (*account.Account, error)
	AccountAncestry(ctx context.Context, id string) ([]string, error)
	AccountSubtree(ctx context.Context, id string) ([]string, error)
	// LockAccount locks the account's row until the transaction ends.
	LockAccount(ctx context.Context, id string) error
	// ListInactivitySettings lists the accounts that limit inactivity.
	ListInactivitySettings(ctx context.Context) ([]*account.SecuritySettings, error)
}

// Policies returns an account's effective security settings;
// *account.Service implements it.
type Policies interface {
	Policy(ctx context.Context, accountID string) (*account.SecuritySettings, error)
}

// Options configures the service. Zero fields take the documented defaults.
type Options struct {
	Clock  accountkit.Clock
	IDs    accountkit.IDGenerator
	Logger *slog.Logger
	// Hasher defaults to argon2id with security.DefaultArgon2.
	Hasher *security.PasswordHasher
	// Registry holds installation-wide roles; default security.NewRegistry().
	Registry *security.Registry
	// Mailer is required to create users and send reset links.
	Mailer Mailer
	// SMS is required for phone verification.
	SMS SMSSender
	// LinkBaseURL prefixes the links in emails, e.g.
	// "https://app.example.com/account"; paths /accept-invitation,
	// /reset-password and /verify-email follow it.
	LinkBaseURL string
	// Token lifetimes: invitation 72 h, password reset 1 h, email
	// verification 72 h, phone code 10 min, password-change step 10 min.
	InvitationTTL, ResetTTL, VerifyEmailTTL, PhoneCodeTTL, PasswordChangeTTL time.Duration
	// PhoneCodeMaxAttempts (5) wrong codes void a phone code;
	// PhoneResendInterval (1 min) must pass between two codes.
	PhoneCodeMaxAttempts int
	PhoneResendInterval  time.Duration
	// MinPasswordLength (8, at least 8) and MaxPasswordLength (128, at
	// least 64) bound passwords, counted in characters.
	MinPasswordLength, MaxPasswordLength int
	// PasswordBlocklist, when set, refuses passwords it reports as
	// blocked (e.g. a breached-password check).
	PasswordBlocklist func(ctx context.Context, password string) (bool, error)
	// ExtraRoles, when set, adds role keys a user holds indirectly (the
	// teams package supplies team roles through it).
	ExtraRoles func(ctx context.Context, userID string) ([]string, error)
	// Teams, when set, applies the teams asked for when a user is created
	// or edited (the teams package implements it).
	Teams TeamAssigner
	// OnUserLeaving, when set, runs inside the transaction of Delete and
	// Move, before the change, with the user as they are and
	// LeavingDeleted or LeavingMoved; an error aborts the change. The kit
	// frees the user's seat there (logged in the seat log) and revokes the
	// API keys the user created.
	OnUserLeaving func(ctx context.Context, u *User, reason string) error
	// PasswordLoginAllowed, when set, is asked whether the user may use a
	// password: in Login only after the password proved right (inside the
	// sign-in's transaction, so it may record audit events there), and in
	// ForgotPassword and ResetPassword. A non-nil error refuses; Login and
	// ResetPassword return it (its message is shown), ForgotPassword sends
	// nothing. The sso package supplies it to enforce single sign-on.
	PasswordLoginAllowed func(ctx context.Context, u *User) error
	// TOTPIssuer labels the account in authenticator apps (default
	// DefaultTOTPIssuer); the account name is the username.
	TOTPIssuer string
	// TOTPKey is the 32-byte AES-256 key that seals TOTP secrets at rest;
	// TOTPKeyID (1–255, default 1) is written into each sealed secret.
	// TOTPOldKeys maps the IDs of earlier keys to those keys, so secrets
	// sealed with them still open after a rotation; each is resealed with
	// TOTPKey at its next use. Without TOTPKey, a Production service
	// refuses two-factor enrollment and verification; otherwise a random
	// per-process key is used (secrets then do not survive a restart) and
	// a warning is logged once.
	TOTPKey     []byte
	TOTPKeyID   byte
	TOTPOldKeys map[byte][]byte
	// Production marks a production deployment: conveniences meant for
	// development only (an ephemeral TOTP key) are refused.
	Production bool
	// TwoFactorChallengeTTL (5 min) bounds the second-factor step of a
	// sign-in; TwoFactorEnrollmentTTL (15 min) the forced-enrollment step.
	TwoFactorChallengeTTL, TwoFactorEnrollmentTTL time.Duration
}

func (o *Options) defaults() {
	if o.Clock == nil {
		o.Clock = accountkit.SystemClock{}
	}
	if o.IDs == nil {
		o.IDs = &accountkit.UUIDv7{}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Hasher == nil {
		o.Hasher = security.NewPasswordHasher(security.DefaultArgon2, 0)
	}
	if o.Registry == nil {
		o.Registry = security.NewRegistry()
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.InvitationTTL, 72*time.Hour)
	def(&o.ResetTTL, time.Hour)
	def(&o.VerifyEmailTTL, 72*time.Hour)
	def(&o.PhoneCodeTTL, 10*time.Minute)
	def(&o.PasswordChangeTTL, 10*time.Minute)
	def(&o.PhoneResendInterval, time.Minute)
	if o.PhoneCodeMaxAttempts <= 0 {
		o.PhoneCodeMaxAttempts = 5
	}
	if o.MinPasswordLength < 8 {
		o.MinPasswordLength = 8
	}
	if o.MaxPasswordLength < 64 {
		o.MaxPasswordLength = 128
	}
	o.LinkBaseURL = strings.TrimRight(o.LinkBaseURL, "/")
}

// Service manages users and signs them in. All rules about users live here.
type Service struct {
	store    Store
	accounts Accounts
	policies Policies
	tx       accountkit.Transactor
	authz    *security.Authorizer
	audit    *audit.Recorder
	opts     Options
	bg       sync.WaitGroup // background mail sends

	twoFactor twoFactorState // TOTP sealer, built on first use
}

// NewService returns a users Service.
func NewService(store Store, accounts Accounts, policies Policies, tx accountkit.Transactor, authz *security.Authorizer, rec *audit.Recorder, opts Options) *Service {
	opts.defaults()
	return &Service{store: store, accounts: accounts, policies: policies, tx: tx, authz: authz, audit: rec, opts: opts}
}

// Registry returns the installation-wide role registry.
func (s *Service) Registry() *security.Registry { return s.opts.Registry }

// Wait blocks until background work (emails sent after answering) is done.
// Call it on shutdown.
func (s *Service) Wait() { s.bg.Wait() }

func (s *Service) now() time.Time { return s.opts.Clock.Now() }

func principal(ctx context.Context) (*security.Principal, error) {
	p := security.PrincipalFrom(ctx)
	if p == nil {
		return nil, accountkit.Errorf(accountkit.Unauthenticated, "authentication required")
	}
	return p, nil
}

var errUserNotFound = accountkit.Errorf(accountkit.NotFound, "user not found")

// userInTree loads a user and checks the principal may act on it with
// perm. A user outside the principal's tree is NotFound.
func (s *Service) userInTree(ctx context.Context, perm security.Permission, id string, forUpdate bool) (*User, *security.Principal, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, nil, err
	}
	if !accountkit.ValidID(id) {
		return nil, nil, errUserNotFound
	}
	get := s.store.GetUser
	if forUpdate {
		get = s.store.GetUserForUpdate
	}
	u, err := get(ctx, id)
	if err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			return nil, nil, errUserNotFound
		}
		return nil, nil, err
	}
	if _, err := s.authz.Require(ctx, perm, u.AccountID); err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			return nil, nil, errUserNotFound
		}
		return nil, nil, err
	}
	return u, p, nil
}

// rolePermissions returns the permissions of a role key usable in the
// account: an installation role, or a custom role of the account or an
// account above it. Errors: Invalid (unknown role).
func (s *Service) rolePermissions(ctx context.Context, accountID, key string) ([]security.Permission, error) {
	if r, ok := s.opts.Registry.Role(key); ok {
		return r.Permissions, nil
	}
	unknown := accountkit.InvalidField("roles", "unknown role "+clipForMessage(key))
	if !accountkit.ValidID(key) {
		return nil, unknown
	}
	r, err := s.store.GetRole(ctx, key)
	if err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			return nil, unknown
		}
		return nil, err
	}
	path, err := s.accounts.AccountAncestry(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(path, r.AccountID) {
		return nil, unknown
	}
	out := make([]security.Permission, len(r.Permissions))
	for i, p := range r.Permissions {
		out[i] = security.Permission(p)
	}
	return out, nil
}

func clipForMessage(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}

// checkGrants validates role keys for a user of accountID and refuses any
// role holding a permission the principal lacks (no escalation).
func (s *Service) checkGrants(ctx context.Context, p *security.Principal, accountID string, roles []string) ([]string, error) {
	if len(roles) > 50 {
		return nil, accountkit.InvalidField("roles", "at most 50 roles")
	}
	seen := map[string]bool{}
	var out []string
	for _, key := range roles {
		if seen[key] {
			continue
		}
		seen[key] = true
		perms, err := s.rolePermissions(ctx, accountID, key)
		if err != nil {
			return nil, err
		}
		if !p.System {
			for _, perm := range perms {
				if !p.Permissions.Has(perm) {
					return nil, accountkit.Errorf(accountkit.Forbidden, "you cannot grant role %s: it holds %q, which you do not", clipForMessage(key), perm)
				}
			}
		}
		out = append(out, key)
	}
	slices.Sort(out)
	return out, nil
}

// EffectivePermissions returns the union of the permissions of every role
// the user holds, directly or through ExtraRoles (teams). Unknown or
// deleted roles grant nothing.
func (s *Service) EffectivePermissions(ctx context.Context, u *User) (security.PermissionSet, error) {
	keys := slices.Clone(u.Roles)
	if s.opts.ExtraRoles != nil {
		extra, err := s.opts.ExtraRoles(ctx, u.ID)
		if err != nil {
			return security.PermissionSet{}, err
		}
		keys = append(keys, extra...)
	}
	var perms []security.Permission
	for _, k := range keys {
		ps, err := s.rolePermissions(ctx, u.AccountID, k)
		if err != nil {
			if accountkit.ErrorCode(err) == accountkit.Invalid {
				continue
			}
			return security.PermissionSet{}, err
		}
		perms = append(perms, ps...)
	}
	return security.NewPermissionSet(perms...), nil
}

// guardLastManager refuses a change that would leave the main account of
// u without an active, unlocked Account Manager of its own (after is u as
// the change leaves it, possibly in another account). Managers of
// sub-accounts are not counted, nor guarded. The caller holds the main
// account's row lock, so two such changes cannot both pass.
func (s *Service) guardLastManager(ctx context.Context, u *User, after *User) error {
	if u.AccountID != u.MainAccountID || !holdsManager(u) || u.Status != StatusActive || u.Locked {
		return nil // u is not an active manager of the main account: nothing to lose
	}
	if after.AccountID == u.MainAccountID && holdsManager(after) && after.Status == StatusActive && !after.Locked {
		return nil
	}
	if err := s.accounts.LockAccount(ctx, u.MainAccountID); err != nil {
		return err
	}
	role, active, locked := security.RoleAccountManager, StatusActive, false
	n, err := s.store.CountUsers(ctx, Filter{AccountIDs: []string{u.MainAccountID}, Role: &role, Status: &active, Locked: &locked})
	if err != nil {
		return err
	}
	if n <= 1 {
		return accountkit.Errorf(accountkit.Forbidden, "the last active Account Manager of the main account must keep the role and stay enabled and unlocked")
	}
	return nil
}

func holdsManager(u *User) bool { return slices.Contains(u.Roles, security.RoleAccountManager) }

func (s *Service) entry(u *User, item audit.Item, action audit.Action, desc, fail string) *audit.Entry {
	e := &audit.Entry{Item: item, Action: action, Description: desc, FailureDescription: fail, TargetType: "user"}
	if u != nil {
		e.AccountID, e.TargetID, e.TargetName = u.AccountID, u.ID, u.Username
	}
	return e
}

func (s *Service) link(path, token string) string {
	return s.opts.LinkBaseURL + path + "?token=" + token
}

// issueToken replaces the user's tokens of the kind with a new one and
// returns its secret.
func (s *Service) issueToken(ctx context.Context, u *User, kind TokenKind, ttl time.Duration, target string) (string, time.Time, error) {
	secret, hash, err := security.NewSecret("")
	if err != nil {
		return "", time.Time{}, err
	}
	if err := s.store.DeleteTokens(ctx, u.ID, kind); err != nil {
		return "", time.Time{}, err
	}
	now := s.now()
	exp := now.Add(ttl)
	err = s.store.CreateToken(ctx, &Token{Hash: hash, Kind: kind, UserID: u.ID, CreatedAt: now, ExpiresAt: exp, Target: target})
	return secret, exp, err
}

// sendMail sends m and records the outcome with the URL item ("Email with
// password sent to user" / "...sending failed") for invitations.
func (s *Service) sendMail(ctx context.Context, u *User, m Message) error {
	if s.opts.Mailer == nil {
		return accountkit.Errorf(accountkit.Internal, "no Mailer configured")
	}
	m.To, m.AccountID, m.UserID, m.Username, m.DisplayName = u.Email, u.AccountID, u.ID, u.Username, u.DisplayName()
	err := s.opts.Mailer.Send(ctx, m)
	var e *audit.Entry
	switch m.Kind {
	case MailInvitation:
		e = s.entry(u, audit.ItemURL, audit.ActionSent, "Email with password sent to user.", "Email with password sending failed.")
	case MailPasswordReset:
		e = s.entry(u, audit.ItemPassword, audit.ActionRestore, "Reset forgot password email sent.", "Reset forgot password email sending failed.")
	default:
		e = s.entry(u, audit.ItemUser, audit.ActionUpdate, "Email verification sent to user.", "Email verification sending failed.")
	}
	if err != nil {
		s.opts.Logger.WarnContext(ctx, "users: sending email failed", "kind", m.Kind, "user_id", u.ID, "err", err)
		s.audit.RecordFailure(ctx, *e, accountkit.Errorf(accountkit.Internal, "email delivery failed"))
		return accountkit.Errorf(accountkit.Internal, "the email could not be sent")
	}
	return s.audit.Record(ctx, *e)
}

// checkPassword applies the password rules: length, not the username or
// email, not blocklisted.
func (s *Service) checkPassword(ctx context.Context, u *User, pw string) error {
	n := len([]rune(pw))
	switch {
	case n < s.opts.MinPasswordLength:
		return accountkit.InvalidField("password", "must be at least "+strconv.Itoa(s.opts.MinPasswordLength)+" characters")
	case n > s.opts.MaxPasswordLength || len(pw) > security.MaxPasswordBytes:
		return accountkit.InvalidField("password", "must be at most "+strconv.Itoa(s.opts.MaxPasswordLength)+" characters")
	case strings.EqualFold(pw, u.Username) || strings.EqualFold(pw, u.Email):
		return accountkit.InvalidField("password", "must not be your username or email")
	}
	if s.opts.PasswordBlocklist != nil {
		blocked, err := s.opts.PasswordBlocklist(ctx, pw)
		if err != nil {
			return accountkit.Wrap(err, "password check failed")
		}
		if blocked {
			return accountkit.InvalidField("password", "is too common or known to be breached; choose another")
		}
	}
	return nil
}
