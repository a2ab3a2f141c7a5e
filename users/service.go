package users

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/accountkit/accountkit"
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

// Options configures the service. Zero fields take the documented defaults.
type Options struct {
	// Registry holds installation-wide roles; default security.NewRegistry().
	Registry *security.Registry
	// Mailer is required to invite users and send them links.
	Mailer Mailer
	// SMS is required for phone verification.
	SMS SMSSender
	// LinkBaseURL prefixes the links in emails, e.g.
	// "https://app.example.com/account"; the path of each MessageKind
	// (LinkPath) follows it.
	LinkBaseURL string
	// Link lifetimes: invitation 72 h, password reset 1 h, email
	// verification 72 h; phone code 10 min.
	InvitationTTL, ResetTTL, VerifyEmailTTL, PhoneCodeTTL time.Duration
	// PhoneCodeMaxAttempts (5) wrong codes void a phone code;
	// PhoneResendInterval (1 min) must pass between two codes.
	PhoneCodeMaxAttempts int
	PhoneResendInterval  time.Duration
	// Limits are the rate limits of the messages users can cause to be
	// sent (see Limits for the defaults).
	Limits Limits
}

// Limits bound how many invitation emails and phone codes can be caused
// (token buckets kept in the store). A request over a limit is answered
// TooManyRequests with Retry-After and sends nothing. A zero RateLimit
// takes the default; a negative Burst turns the limit off.
type Limits struct {
	// InvitationPerUser bounds resent invitations to one user (default 5,
	// then one every 10 minutes).
	InvitationPerUser security.RateLimit
	// PhoneCodePerUser bounds the codes texted to one user (default 5,
	// then one every 10 minutes, on top of PhoneResendInterval);
	// PhoneCodePerIP the codes asked for from one client IP (default 20,
	// then one a minute).
	PhoneCodePerUser, PhoneCodePerIP security.RateLimit
}

func (l *Limits) defaults() {
	def := func(r *security.RateLimit, burst int, every time.Duration) {
		if r.Burst == 0 && r.Every == 0 {
			*r = security.RateLimit{Burst: burst, Every: every}
		}
	}
	def(&l.InvitationPerUser, 5, 10*time.Minute)
	def(&l.PhoneCodePerUser, 5, 10*time.Minute)
	def(&l.PhoneCodePerIP, 20, time.Minute)
}

func (o *Options) defaults() {
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
	def(&o.PhoneResendInterval, time.Minute)
	if o.PhoneCodeMaxAttempts <= 0 {
		o.PhoneCodeMaxAttempts = 5
	}
	o.Limits.defaults()
	o.LinkBaseURL = strings.TrimRight(o.LinkBaseURL, "/")
}

// Deps is what the service needs from the installation.
type Deps struct {
	accountkit.Runtime
	Store Store
}

// Service manages users and their roles. All rules about users live here.
type Service struct {
	store    Store
	authz    *security.Authorizer
	audit    *audit.Recorder
	throttle *security.Throttle
	rt       accountkit.Runtime
	opts     Options
}

// The reactions users' events require (see Leaving and TeamsRequested);
// the packages of those names subscribe when they are constructed.
const (
	ReactionSeats   = "seats"
	ReactionAPIKeys = "apikeys"
	ReactionTeams   = "teams"
)

// NewService returns a users Service. It fails when deps lack the Store or
// the Runtime's Events, or LinkBaseURL is not an absolute http(s) URL. It
// declares the reactions its events require (seats and apikeys to
// Leaving, teams to TeamsRequested): build those services with the same
// Events.
func NewService(deps Deps, opts Options) (*Service, error) {
	rec, err := audit.NewRecorder(deps.Store, deps.Runtime)
	if err != nil {
		return nil, err
	}
	rt, _ := deps.Runtime.WithDefaults()
	opts.defaults()
	if opts.LinkBaseURL != "" {
		if u, err := url.Parse(opts.LinkBaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, errors.New("users: Options.LinkBaseURL must be an absolute http(s) URL")
		}
	}
	accountkit.Require[Leaving](rt.Events, ReactionSeats, ReactionAPIKeys)
	accountkit.Require[TeamsRequested](rt.Events, ReactionTeams)
	return &Service{store: deps.Store, authz: security.NewAuthorizer(deps.Store), audit: rec, rt: rt, opts: opts,
		throttle: security.NewThrottle(deps.Store, rt.Clock)}, nil
}

// Registry returns the installation-wide role registry.
func (s *Service) Registry() *security.Registry { return s.opts.Registry }

// Options returns the service's options with their defaults applied.
func (s *Service) Options() Options { return s.opts }

func (s *Service) now() time.Time { return s.rt.Now() }

func principal(ctx context.Context) (*security.Principal, error) {
	p := security.PrincipalFrom(ctx)
	if p == nil {
		return nil, accountkit.Errorf(accountkit.Unauthenticated, "authentication required")
	}
	return p, nil
}

var errUserNotFound = accountkit.Errorf(accountkit.NotFound, "user not found")

// userInTree loads a user and checks the principal may act on it with
// perm (security.Resolve). With forUpdate the user's row is then locked and
// read again.
func (s *Service) userInTree(ctx context.Context, perm security.Permission, id string, forUpdate bool) (*User, *security.Principal, error) {
	u, p, err := security.Resolve(ctx, s.authz, perm, id, errUserNotFound, s.store.GetUser, accountOf)
	if err != nil || !forUpdate {
		return u, p, err
	}
	u, err = s.store.GetUserForUpdate(ctx, id)
	if accountkit.ErrorCode(err) == accountkit.NotFound {
		return nil, nil, errUserNotFound
	}
	return u, p, err
}

func accountOf(u *User) string { return u.AccountID }

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
	path, err := s.store.AccountAncestry(ctx, accountID)
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
// the user holds, directly or through their teams. Unknown or deleted
// roles grant nothing.
func (s *Service) EffectivePermissions(ctx context.Context, u *User) (security.PermissionSet, error) {
	keys := slices.Clone(u.Roles)
	extra, err := s.store.UserTeamRoles(ctx, u.ID)
	if err != nil {
		return security.PermissionSet{}, err
	}
	keys = append(keys, extra...)
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
	if err := s.store.LockAccount(ctx, u.MainAccountID); err != nil {
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

// LinkPath returns the path, below Options.LinkBaseURL, of the page a
// message of the kind links to: the one place link targets are defined.
func LinkPath(kind MessageKind) string {
	switch kind {
	case MailInvitation:
		return "/accept-invitation"
	case MailPasswordReset:
		return "/reset-password"
	default:
		return "/verify-email"
	}
}

// linkTokens maps the kinds of emailed links to their tokens.
var linkTokens = map[MessageKind]TokenKind{
	MailInvitation:    TokenInvitation,
	MailPasswordReset: TokenPasswordReset,
	MailVerifyEmail:   TokenEmailVerify,
}

func (s *Service) linkTTL(kind MessageKind) time.Duration {
	switch kind {
	case MailInvitation:
		return s.opts.InvitationTTL
	case MailPasswordReset:
		return s.opts.ResetTTL
	default:
		return s.opts.VerifyEmailTTL
	}
}

// issueLink replaces u's link of the kind with a new one, inside the
// caller's transaction, and returns the message that carries it.
func (s *Service) issueLink(ctx context.Context, u *User, kind MessageKind) (Message, error) {
	secret, exp, err := IssueToken(ctx, s.store, s.now(), u.ID, linkTokens[kind], s.linkTTL(kind), u.Email)
	if err != nil {
		return Message{}, err
	}
	return Message{Kind: kind, Token: secret, URL: s.opts.LinkBaseURL + LinkPath(kind) + "?token=" + secret, ExpiresAt: exp}, nil
}

// SendLink emails u a new single-use link of the kind (an invitation, a
// password reset or an email verification), voiding the previous one,
// and records the sending in the audit log. The auth package sends
// password-reset links through it, so every emailed link is made, timed
// and audited here. The token is written in a transaction of its own (or
// the caller's), the mail sent after it. Errors: Internal (no Mailer, or
// the mail was not sent: the link exists and can be sent again).
func (s *Service) SendLink(ctx context.Context, u *User, kind MessageKind) error {
	if s.opts.Mailer == nil {
		return accountkit.Errorf(accountkit.Internal, "no Mailer configured")
	}
	var m Message
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		m, err = s.issueLink(ctx, u, kind)
		return err
	})
	if err != nil {
		return err
	}
	return s.sendMail(ctx, u, m)
}

// IssueToken replaces the user's tokens of the kind with a new one valid
// for ttl from now and returns its secret (only its hash is stored). It
// runs in the transaction carried by ctx. The auth package issues its
// sign-in steps with it.
func IssueToken(ctx context.Context, st TokenStore, now time.Time, userID string, kind TokenKind, ttl time.Duration, target string) (string, time.Time, error) {
	if err := st.DeleteTokens(ctx, userID, kind); err != nil {
		return "", time.Time{}, err
	}
	return AddToken(ctx, st, now, userID, kind, ttl, target)
}

// AddToken is IssueToken that keeps the user's other tokens of the kind:
// for steps several of which may be pending at once (two browsers signing
// in), each single-use and short-lived.
func AddToken(ctx context.Context, st TokenStore, now time.Time, userID string, kind TokenKind, ttl time.Duration, target string) (string, time.Time, error) {
	secret, hash, err := security.NewSecret("")
	if err != nil {
		return "", time.Time{}, err
	}
	exp := now.Add(ttl)
	err = st.CreateToken(ctx, &Token{Hash: hash, Kind: kind, UserID: userID, CreatedAt: now, ExpiresAt: exp, Target: target})
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
		s.rt.Logger.WarnContext(ctx, "users: sending email failed", "kind", m.Kind, "user_id", u.ID, "err", err)
		s.audit.RecordFailure(ctx, *e, accountkit.Errorf(accountkit.Internal, "email delivery failed"))
		return accountkit.Errorf(accountkit.Internal, "the email could not be sent")
	}
	return s.audit.Record(ctx, *e)
}
