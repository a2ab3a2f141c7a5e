package auth

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/users"
)

// Options configures the service. Zero fields take the documented defaults.
type Options struct {
	// Hasher defaults to argon2id with security.DefaultArgon2 and a
	// memory budget of security.DefaultHashMemoryBudget (256 MiB) for the
	// hashes running at once, so one Hasher serves the installation.
	Hasher *security.PasswordHasher
	// MinPasswordLength (8, at least 8) and MaxPasswordLength (128, at
	// least 64) bound passwords, counted in characters.
	MinPasswordLength, MaxPasswordLength int
	// PasswordBlocklist, when set, refuses passwords it reports as
	// blocked (a host's own list).
	PasswordBlocklist func(ctx context.Context, password string) (bool, error)
	// BreachedPasswords, when set, refuses passwords found in a
	// breached-password data set, asked through the k-anonymity range
	// design (security.PwnedRange; security.HIBPRange for the public Pwned
	// Passwords API): only 5 characters of the password's SHA-1 leave the
	// process. When the range cannot be fetched the password is refused
	// with an internal error rather than accepted unchecked.
	BreachedPasswords security.PwnedRange
	// PasswordChangeTTL (10 min) bounds the password-change step of a
	// sign-in whose password expired.
	PasswordChangeTTL time.Duration
	// TwoFactorChallengeTTL (5 min) bounds the second-factor step of a
	// sign-in; TwoFactorEnrollmentTTL (15 min) the forced-enrollment step.
	TwoFactorChallengeTTL, TwoFactorEnrollmentTTL time.Duration
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
	// Cookie configures the session cookie (name, path, domain, SameSite,
	// Secure); the zero value is the secure default.
	Cookie Cookie
	// Limits are the rate limits of sign-in, forgot password and the
	// second factor (see Limits for the defaults).
	Limits Limits
}

func (o *Options) defaults() {
	if o.Hasher == nil {
		o.Hasher = security.NewPasswordHasher(security.DefaultArgon2, 0)
	}
	if o.MinPasswordLength < 8 {
		o.MinPasswordLength = 8
	}
	if o.MaxPasswordLength < 64 {
		o.MaxPasswordLength = 128
	}
	if o.PasswordChangeTTL <= 0 {
		o.PasswordChangeTTL = 10 * time.Minute
	}
	if o.TwoFactorChallengeTTL <= 0 {
		o.TwoFactorChallengeTTL = 5 * time.Minute
	}
	if o.TwoFactorEnrollmentTTL <= 0 {
		o.TwoFactorEnrollmentTTL = 15 * time.Minute
	}
	if o.TOTPIssuer == "" {
		o.TOTPIssuer = DefaultTOTPIssuer
	}
	o.Limits.defaults()
}

// Deps is what the service needs from the installation.
type Deps struct {
	accountkit.Runtime
	Store Store
	// Accounts gives each account's effective security policy.
	Accounts *account.Service
	// Users sends password-reset links and computes effective permissions.
	Users *users.Service
	// Seats, when set, tells whether the signed-in user holds a seat
	// (seats.Service): GET /api/v1/auth/me then answers "seat".
	Seats SeatHolder
}

// SeatHolder tells whether a user holds a seat; seats.Service implements
// it.
type SeatHolder interface {
	HoldsSeat(ctx context.Context, userID string) (bool, error)
}

// Service signs users in and manages their sessions, second factors and
// passwords. All sign-in rules live here.
type Service struct {
	store    Store
	accounts *account.Service
	users    *users.Service
	seats    SeatHolder
	audit    *audit.Recorder
	authz    *security.Authorizer
	rt       accountkit.Runtime
	opts     Options
	throttle *security.Throttle
	pad      failurePad     // equal time for failed sign-ins (pad.go)
	bg       sync.WaitGroup // background mail sends

	twoFactor twoFactorState // TOTP sealer, built on first use
}

// NewService returns an auth Service. It fails when deps lack a Store,
// Accounts, Users or the Runtime's Events. It declares the sso package's reaction to
// PasswordUse as required: build the sso service with the same Events.
func NewService(deps Deps, opts Options) (*Service, error) {
	rec, err := audit.NewRecorder(deps.Store, deps.Runtime)
	if err != nil {
		return nil, err
	}
	switch {
	case deps.Accounts == nil:
		return nil, errors.New("auth: Deps.Accounts is required")
	case deps.Users == nil:
		return nil, errors.New("auth: Deps.Users is required")
	}
	rt, _ := deps.Runtime.WithDefaults()
	opts.defaults()
	if opts.Cookie, err = opts.Cookie.withDefaults(opts.Production); err != nil {
		return nil, err
	}
	accountkit.Require[PasswordUse](rt.Events, ReactionSSO)
	s := &Service{store: deps.Store, accounts: deps.Accounts, users: deps.Users, seats: deps.Seats, audit: rec,
		authz: security.NewAuthorizer(deps.Store), rt: rt, opts: opts, throttle: security.NewThrottle(deps.Store, rt.Clock)}
	accountkit.Subscribe(rt.Events, account.ReactionAuth, s.endAccountSessions)
	return s, nil
}

// endAccountSessions ends the sessions of a disabled account's subtree.
func (s *Service) endAccountSessions(ctx context.Context, e account.Disabled) error {
	ids, err := s.store.AccountSubtree(ctx, e.Account.ID)
	if err != nil {
		return err
	}
	_, err = s.store.DeleteAccountSessions(ctx, ids)
	return err
}

// Hasher returns the password hasher the service signs in with.
func (s *Service) Hasher() *security.PasswordHasher { return s.opts.Hasher }

// Wait blocks until background work (emails sent after answering) is done.
// Call it on shutdown.
func (s *Service) Wait() { s.bg.Wait() }

func (s *Service) now() time.Time { return s.rt.Now() }

func principal(ctx context.Context) (*security.Principal, error) {
	p := security.PrincipalFrom(ctx)
	if p == nil {
		return nil, accountkit.Errorf(accountkit.Unauthenticated, "authentication required")
	}
	return p, nil
}

// userPrincipal returns ctx acting as u from the client at ip, ua.
func userPrincipal(ctx context.Context, u *users.User, ip, ua string) context.Context {
	return security.WithPrincipal(ctx, &security.Principal{UserID: u.ID, Username: u.Username, AccountID: u.AccountID, IP: ip, UserAgent: ua})
}

func entry(u *users.User, item audit.Item, action audit.Action, desc, fail string) *audit.Entry {
	e := &audit.Entry{Item: item, Action: action, Description: desc, FailureDescription: fail, TargetType: "user"}
	if u != nil {
		e.AccountID, e.TargetID, e.TargetName = u.AccountID, u.ID, u.Username
	}
	return e
}

// issueToken replaces the user's tokens of the kind with a new one.
func (s *Service) issueToken(ctx context.Context, u *users.User, kind users.TokenKind, ttl time.Duration, target string) (string, time.Time, error) {
	return users.IssueToken(ctx, s.store, s.now(), u.ID, kind, ttl, target)
}

// checkPassword applies the password rules: length (the installation's
// and the account's minimum), not the username or email, not on the host's
// blocklist, not breached.
func (s *Service) checkPassword(ctx context.Context, u *users.User, pw string) error {
	policy, err := s.accounts.Policy(ctx, u.AccountID)
	if err != nil {
		return err
	}
	minLen := max(s.opts.MinPasswordLength, policy.PasswordMinLength)
	n := len([]rune(pw))
	switch {
	case n < minLen:
		return accountkit.InvalidField("password", "must be at least "+strconv.Itoa(minLen)+" characters")
	case n > s.opts.MaxPasswordLength || len(pw) > security.MaxPasswordBytes:
		return accountkit.InvalidField("password", "must be at most "+strconv.Itoa(s.opts.MaxPasswordLength)+" characters")
	case strings.EqualFold(pw, u.Username) || strings.EqualFold(pw, u.Email):
		return accountkit.InvalidField("password", "must not be your username or email")
	}
	blocked := accountkit.InvalidField("password", "is too common or known to be breached; choose another")
	if s.opts.PasswordBlocklist != nil {
		bad, err := s.opts.PasswordBlocklist(ctx, pw)
		if err != nil {
			return accountkit.Wrap(err, "password check failed")
		}
		if bad {
			return blocked
		}
	}
	if s.opts.BreachedPasswords != nil {
		bad, err := security.Breached(ctx, s.opts.BreachedPasswords, pw)
		if err != nil {
			return &accountkit.Error{Code: accountkit.Internal, Message: "the password could not be checked; try again", Err: err}
		}
		if bad {
			return blocked
		}
	}
	return nil
}

// maxPasswordHistory is how many past hashes are kept per user, the most
// an account can refuse to see reused.
const maxPasswordHistory = 24

// checkReuse refuses a password equal to one of the user's last
// PasswordHistory passwords (the account's setting; each is one hash
// verification).
func (s *Service) checkReuse(ctx context.Context, u *users.User, pw string) error {
	policy, err := s.accounts.Policy(ctx, u.AccountID)
	if err != nil || policy.PasswordHistory <= 0 {
		return err
	}
	past, err := s.store.ListPasswordHistory(ctx, u.ID, policy.PasswordHistory)
	if err != nil {
		return err
	}
	if u.PasswordHash != "" && !slices.Contains(past, u.PasswordHash) {
		past = append([]string{u.PasswordHash}, past...)[:min(len(past)+1, policy.PasswordHistory)]
	}
	for _, h := range past {
		same, _, err := s.opts.Hasher.Verify(ctx, pw, h)
		if err != nil {
			return err
		}
		if same {
			return accountkit.InvalidField("password", "must differ from your last "+strconv.Itoa(policy.PasswordHistory)+" passwords")
		}
	}
	return nil
}

// recordPassword keeps hash in the user's history, in the caller's
// transaction.
func (s *Service) recordPassword(ctx context.Context, userID, hash string) error {
	if err := s.store.AddPasswordHistory(ctx, userID, hash, s.now()); err != nil {
		return err
	}
	return s.store.TrimPasswordHistory(ctx, userID, maxPasswordHistory)
}

// passwordAllowed publishes PasswordUse: a reaction (single sign-on
// enforcement) may refuse the password.
func (s *Service) passwordAllowed(ctx context.Context, u *users.User) error {
	return accountkit.Publish(ctx, s.rt.Events, PasswordUse{User: u})
}

// accountEnabled reports whether the account and every account above it
// are enabled: disabling an account disables sign-in for its whole subtree.
func (s *Service) accountEnabled(ctx context.Context, accountID string) (bool, error) {
	return account.PathEnabled(ctx, s.store, accountID)
}

func clip(s string, n int) string { return accountkit.Clip(s, n) }
