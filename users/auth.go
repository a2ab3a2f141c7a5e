package users

import (
	"context"
	"crypto/subtle"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/security"
)

// errBadLogin is the one answer to every failed sign-in: unknown user,
// wrong password, disabled, locked or invited users, disabled accounts.
var errBadLogin = accountkit.Errorf(accountkit.Unauthenticated, "invalid username or password")

// LoginStatus tells what a successful password check leads to.
type LoginStatus string

// The outcomes of Login.
const (
	// LoginOK: a session was created.
	LoginOK LoginStatus = "ok"
	// LoginPasswordChangeRequired: the password expired; ChangeToken allows
	// only ChangeExpiredPassword.
	LoginPasswordChangeRequired LoginStatus = "password_change_required"
)

// LoginInput is a password sign-in.
type LoginInput struct {
	// Identifier is a username or an email address.
	Identifier string `json:"username"`
	Password   string `json:"password"`
	IP         string `json:"-"`
	UserAgent  string `json:"-"`
}

// LoginResult is the outcome of a sign-in. Token and CSRFToken are shown
// once; only their hashes are stored.
type LoginResult struct {
	Status      LoginStatus
	User        *User
	Session     *Session
	Token       string
	CSRFToken   string
	ChangeToken string
	// ChallengeToken is the second-factor (or forced-enrollment) step
	// of a sign-in, valid until ChallengeExpiresAt.
	ChallengeToken     string
	ChallengeExpiresAt *time.Time
}

// Login signs a user in with a password. Every failure answers the same
// Unauthenticated error after one password hash, whether the user is
// unknown, disabled, locked or the password wrong. Consecutive failures
// count toward the account's MaxLoginAttempts atomically (the user's row is
// locked while counting) and lock the user at the threshold; attempts while
// locked do not count and never succeed. A success resets the count,
// records the last login and starts a session — or, when the password has
// expired, returns only a password-change step.
func (s *Service) Login(ctx context.Context, in LoginInput) (*LoginResult, error) {
	u := s.findForLogin(ctx, in.Identifier)
	if u == nil {
		s.opts.Hasher.Spend(ctx, in.Password)
		return nil, errBadLogin
	}
	var ok, rehash bool
	if u.PasswordHash == "" {
		s.opts.Hasher.Spend(ctx, in.Password)
	} else {
		var err error
		if ok, rehash, err = s.opts.Hasher.Verify(ctx, in.Password, u.PasswordHash); err != nil {
			return nil, err
		}
	}
	newHash := ""
	if ok && rehash {
		newHash, _ = s.opts.Hasher.Hash(ctx, in.Password) // best effort: the old hash still works
	}
	var res *LoginResult
	var loginErr error
	// The outcome is recorded even if the client goes away: an attempt must
	// not escape the lockout count by disconnecting after the hash.
	ctx = security.WithPrincipal(context.WithoutCancel(ctx), &security.Principal{UserID: u.ID, Username: u.Username, AccountID: u.AccountID, IP: in.IP, UserAgent: in.UserAgent})
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		res, loginErr = nil, nil
		cur, err := s.store.GetUserForUpdate(ctx, u.ID)
		if err != nil {
			return err
		}
		policy, err := s.policies.Policy(ctx, cur.AccountID)
		if err != nil {
			return err
		}
		fail := func(reason string) error {
			loginErr = errBadLogin
			return s.audit.RecordFailureTx(ctx, audit.Entry{AccountID: cur.AccountID, Item: audit.ItemUser, Action: audit.ActionLogin,
				FailureDescription: "User login failed.", TargetType: "user", TargetID: cur.ID, TargetName: cur.Username,
				Details: map[string]string{"reason": reason, "method": string(LoginPassword)}}, errBadLogin)
		}
		switch {
		case cur.Locked:
			return fail("locked") // does not count
		case cur.Status != StatusActive:
			return fail(string(cur.Status))
		case cur.PasswordHash != u.PasswordHash && ok:
			// The password changed while we were hashing: decide on the new one next time.
			return fail("password changed concurrently")
		}
		if enabled, err := s.accountEnabled(ctx, cur.AccountID); err != nil {
			return err
		} else if !enabled {
			return fail("account disabled")
		}
		if !ok {
			if err := fail("wrong password"); err != nil {
				return err
			}
			return s.countFailure(ctx, cur, policy.MaxLoginAttempts)
		}
		if err := s.passwordAllowed(ctx, cur); err != nil {
			if accountkit.ErrorCode(err) == accountkit.Internal {
				return err
			}
			loginErr = err // only now, after the right password: no enumeration
			return s.audit.RecordFailureTx(ctx, audit.Entry{AccountID: cur.AccountID, Item: audit.ItemUser, Action: audit.ActionLogin,
				FailureDescription: "User login failed.", TargetType: "user", TargetID: cur.ID, TargetName: cur.Username,
				Details: map[string]string{"reason": "password sign-in not allowed", "method": string(LoginPassword)}}, err)
		}
		if newHash != "" {
			cur.PasswordHash = newHash
		}
		// A user with 2FA, or in an account requiring it, gets a challenge.
		if res, err = s.secondFactorStep(ctx, cur, policy, newHash != "", LoginPassword); err != nil || res != nil {
			return err
		}
		res, err = s.finishLogin(ctx, cur, policy, LoginPassword, in.IP, in.UserAgent)
		return err
	})
	if err != nil {
		return nil, err
	}
	if loginErr != nil {
		return nil, loginErr
	}
	return res, nil
}

// finishLogin completes a sign-in on the locked row of cur once every
// factor is proven: it resets the failed-attempt count and starts a
// session — or, for a password sign-in whose password has expired,
// returns only a password-change step (a single sign-on uses no password,
// so its expiry does not apply).
func (s *Service) finishLogin(ctx context.Context, cur *User, policy *account.SecuritySettings, method LoginMethod, ip, ua string) (*LoginResult, error) {
	now := s.now()
	cur.FailedLogins = 0
	if method == LoginPassword && expired(cur, policy.PasswordValidityDays, now) {
		cur.UpdatedAt = now
		if err := s.store.UpdateUser(ctx, cur); err != nil {
			return nil, err
		}
		secret, _, err := s.issueToken(ctx, cur, TokenPasswordChange, s.opts.PasswordChangeTTL, "")
		if err != nil {
			return nil, err
		}
		err = s.audit.Record(ctx, audit.Entry{AccountID: cur.AccountID, Item: audit.ItemUser, Action: audit.ActionLogin,
			Description: "User password expired: change required.", TargetType: "user", TargetID: cur.ID, TargetName: cur.Username})
		if err != nil {
			return nil, err
		}
		return &LoginResult{Status: LoginPasswordChangeRequired, User: cur, ChangeToken: secret}, nil
	}
	return s.startSession(ctx, cur, method, ip, ua, policy.SessionIdle(), policy.SessionMax())
}

// countFailure adds a failed attempt to cur (whose row the caller has
// locked) and locks the user at the threshold.
func (s *Service) countFailure(ctx context.Context, cur *User, max int) error {
	now := s.now()
	cur.FailedLogins++
	locked := cur.FailedLogins >= max
	if locked {
		cur.Locked, cur.LockedAt = true, &now
	}
	cur.UpdatedAt = now
	if err := s.store.UpdateUser(ctx, cur); err != nil {
		return err
	}
	if !locked {
		return nil
	}
	return s.audit.Record(ctx, audit.Entry{AccountID: cur.AccountID, Item: audit.ItemUser, Action: audit.ActionLock,
		Description: "User locked.", TargetType: "user", TargetID: cur.ID, TargetName: cur.Username,
		Details: map[string]string{"reason": "too many failed sign-in attempts"}})
}

func expired(u *User, validityDays *int, now time.Time) bool {
	if validityDays == nil {
		return false
	}
	changed := u.CreatedAt
	if u.PasswordChangedAt != nil {
		changed = *u.PasswordChangedAt
	}
	return !now.Before(changed.AddDate(0, 0, *validityDays))
}

// findForLogin finds an active-or-not user by username or, failing that,
// by an email that is unique across the installation. nil when none.
func (s *Service) findForLogin(ctx context.Context, identifier string) *User {
	id := NormalizeUsername(identifier)
	if id == "" || len(id) > MaxEmailLength {
		return nil
	}
	if u, err := s.store.GetUserByUsername(ctx, id); err == nil {
		return u
	}
	us, err := s.store.FindUsersByEmail(ctx, NormalizeEmail(identifier))
	if err != nil || len(us) != 1 {
		return nil // an email shared by users of several main accounts must sign in by username
	}
	return us[0]
}

// accountEnabled reports whether the account and every account above it
// are enabled: disabling an account disables sign-in for its whole subtree.
func (s *Service) accountEnabled(ctx context.Context, accountID string) (bool, error) {
	return account.PathEnabled(ctx, s.accounts, accountID)
}

// StartSession creates a session for a user who has proven who they are
// (the sso package calls it after a SAML sign-in). It records the last
// login and audits "User logged in". It must run inside a transaction.
func (s *Service) StartSession(ctx context.Context, u *User, method LoginMethod, ip, userAgent string) (*LoginResult, error) {
	policy, err := s.policies.Policy(ctx, u.AccountID)
	if err != nil {
		return nil, err
	}
	return s.startSession(ctx, u, method, ip, userAgent, policy.SessionIdle(), policy.SessionMax())
}

func (s *Service) startSession(ctx context.Context, u *User, method LoginMethod, ip, ua string, idle, max time.Duration) (*LoginResult, error) {
	token, hash, err := security.NewSecret("aks_")
	if err != nil {
		return nil, err
	}
	csrf, csrfHash, err := security.NewSecret("")
	if err != nil {
		return nil, err
	}
	now := s.now()
	sess := &Session{ID: s.opts.IDs.NewID(), TokenHash: hash, CSRFHash: csrfHash, UserID: u.ID, AccountID: u.AccountID,
		Method: method, CreatedAt: now, LastSeenAt: now, IdleTimeout: idle, ExpiresAt: now.Add(max),
		IP: clip(ip, 64), UserAgent: clip(ua, 512)}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return nil, err
	}
	u.LastLoginAt, u.LastLoginIP, u.LastLoginAgent, u.LastLoginMethod = &now, sess.IP, sess.UserAgent, method
	u.UpdatedAt = now
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return nil, err
	}
	err = s.audit.Record(ctx, audit.Entry{AccountID: u.AccountID, Item: audit.ItemUser, Action: audit.ActionLogin,
		Description: "User logged in (" + u.DisplayName() + ", " + u.Email + ").", TargetType: "user", TargetID: u.ID,
		TargetName: u.Username, Details: map[string]string{"method": string(method)}})
	if err != nil {
		return nil, err
	}
	return &LoginResult{Status: LoginOK, User: u, Session: sess, Token: token, CSRFToken: csrf}, nil
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Logout ends the session the principal signed in with. Audited ("User
// logged out").
func (s *Service) Logout(ctx context.Context, sessionToken string) error {
	sess, err := s.store.GetSessionByToken(ctx, security.HashSecret(sessionToken))
	if err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			return accountkit.Errorf(accountkit.Unauthenticated, "not signed in")
		}
		return err
	}
	u, err := s.store.GetUser(ctx, sess.UserID)
	if err != nil {
		return err
	}
	return s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.DeleteSession(ctx, sess.ID); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{AccountID: u.AccountID, Item: audit.ItemUser, Action: audit.ActionLogout,
			Description: "User logged out (" + u.DisplayName() + ", " + u.Email + ").", TargetType: "user", TargetID: u.ID, TargetName: u.Username})
	})
}

// ForgotPassword emails a single-use reset link (valid ResetTTL) when the
// identifier names an active, unlocked user; it always returns nil so the
// answer reveals nothing. The email is sent in the background; Wait drains
// it.
func (s *Service) ForgotPassword(ctx context.Context, identifier string) error {
	u := s.findForLogin(ctx, identifier)
	if u == nil || u.Status != StatusActive || u.Locked {
		return nil
	}
	if enabled, err := s.accountEnabled(ctx, u.AccountID); err != nil || !enabled {
		return nil
	}
	if s.passwordAllowed(ctx, u) != nil {
		return nil
	}
	actx := security.WithPrincipal(context.WithoutCancel(ctx), &security.Principal{UserID: u.ID, Username: u.Username, AccountID: u.AccountID})
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		var secret string
		err := s.tx.InTx(actx, func(ctx context.Context) error {
			var err error
			secret, _, err = s.issueToken(ctx, u, TokenPasswordReset, s.opts.ResetTTL, u.Email)
			return err
		})
		if err != nil {
			s.opts.Logger.ErrorContext(actx, "users: issuing reset token failed", "user_id", u.ID, "err", err)
			return
		}
		_ = s.sendMail(actx, u, Message{Kind: MailPasswordReset, Token: secret,
			URL: s.link("/reset-password", secret), ExpiresAt: s.now().Add(s.opts.ResetTTL)})
	}()
	return nil
}

// redeem checks a token's password against the rules before consuming it,
// so a refused password leaves the link usable.
func (s *Service) redeem(ctx context.Context, secret string, kind TokenKind, password string) (*Token, *User, error) {
	bad := accountkit.InvalidField("token", "the link is invalid or has expired")
	if secret == "" || len(secret) > 128 {
		return nil, nil, bad
	}
	hash := security.HashSecret(secret)
	t, err := s.store.GetToken(ctx, hash)
	if err != nil || t.Kind != kind || !s.now().Before(t.ExpiresAt) {
		return nil, nil, bad
	}
	u, err := s.store.GetUser(ctx, t.UserID)
	if err != nil {
		return nil, nil, bad
	}
	if kind != TokenEmailVerify {
		if err := s.checkPassword(ctx, u, password); err != nil {
			return nil, nil, err
		}
	}
	return t, u, nil
}

// AcceptInvitation sets an invited user's password through the emailed
// link: the email becomes verified and the user active. The link works
// once. Audited ("User accepted"). Errors: Invalid (bad, used or expired
// link; password refused — the link then stays usable).
func (s *Service) AcceptInvitation(ctx context.Context, secret, password string) (*User, error) {
	t, u, err := s.redeem(ctx, secret, TokenInvitation, password)
	if err != nil {
		return nil, err
	}
	hash, err := s.opts.Hasher.Hash(ctx, password)
	if err != nil {
		return nil, err
	}
	ctx = security.WithPrincipal(ctx, &security.Principal{UserID: u.ID, Username: u.Username, AccountID: u.AccountID})
	var out *User
	err = s.audit.Run(ctx, s.entry(u, audit.ItemUser, audit.ActionAccept, "User accepted.", "User acceptance failed."), func(ctx context.Context) error {
		if _, err := s.store.ConsumeToken(ctx, t.Hash, TokenInvitation, s.now()); err != nil {
			return accountkit.InvalidField("token", "the link is invalid or has expired")
		}
		cur, err := s.store.GetUserForUpdate(ctx, u.ID)
		if err != nil {
			return err
		}
		if cur.Status != StatusInvited || cur.Email != t.Target {
			return accountkit.InvalidField("token", "the link is invalid or has expired")
		}
		now := s.now()
		cur.PasswordHash, cur.PasswordChangedAt, cur.ActivatedAt = hash, &now, &now
		cur.Status, cur.EmailVerified, cur.UpdatedAt = StatusActive, true, now
		out = cur
		return s.store.UpdateUser(ctx, cur)
	})
	return out, err
}

// ResetPassword sets a new password through a reset link (forgot password
// or unlock). The link works once; every session of the user ends.
// Audited ("Password updated"). Errors: Invalid.
func (s *Service) ResetPassword(ctx context.Context, secret, password string) error {
	t, u, err := s.redeem(ctx, secret, TokenPasswordReset, password)
	if err != nil {
		return err
	}
	if err := s.passwordAllowed(ctx, u); err != nil {
		return err
	}
	return s.setPassword(ctx, u, password, func(ctx context.Context, cur *User) error {
		if _, err := s.store.ConsumeToken(ctx, t.Hash, TokenPasswordReset, s.now()); err != nil {
			return accountkit.InvalidField("token", "the link is invalid or has expired")
		}
		if cur.Status != StatusActive || cur.Email != t.Target {
			return accountkit.InvalidField("token", "the link is invalid or has expired")
		}
		cur.FailedLogins = 0
		return nil
	}, "")
}

// ChangePassword changes the signed-in user's password; the current one
// must be given. A wrong current password counts as a failed sign-in.
// Every other session of the user ends. Audited ("Password updated").
func (s *Service) ChangePassword(ctx context.Context, current, password string) error {
	p, err := principal(ctx)
	if err != nil {
		return err
	}
	if p.UserID == "" {
		return accountkit.Errorf(accountkit.Forbidden, "only users have passwords")
	}
	u, err := s.store.GetUser(ctx, p.UserID)
	if err != nil {
		return err
	}
	if ok, _, err := s.opts.Hasher.Verify(ctx, current, u.PasswordHash); err != nil {
		return err
	} else if !ok {
		// The failed attempt must be counted even though the change fails.
		err := s.tx.InTx(ctx, func(ctx context.Context) error {
			cur, err := s.store.GetUserForUpdate(ctx, u.ID)
			if err != nil {
				return err
			}
			policy, err := s.policies.Policy(ctx, cur.AccountID)
			if err != nil {
				return err
			}
			if cur.Locked {
				return nil
			}
			return s.countFailure(ctx, cur, policy.MaxLoginAttempts)
		})
		if err != nil {
			return err
		}
		s.audit.RecordFailure(ctx, *s.entry(u, audit.ItemPassword, audit.ActionUpdate, "", "Password for user failed."), errWrongCurrent)
		return errWrongCurrent
	}
	if err := s.checkPassword(ctx, u, password); err != nil {
		return err
	}
	return s.setPassword(ctx, u, password, nil, p.SessionID)
}

var errWrongCurrent = accountkit.InvalidField("current_password", "is wrong")

// ChangeExpiredPassword completes the password-change step of a sign-in
// with an expired password and starts the session. The new password must
// differ from the old one.
func (s *Service) ChangeExpiredPassword(ctx context.Context, changeToken, password, ip, userAgent string) (*LoginResult, error) {
	t, u, err := s.redeem(ctx, changeToken, TokenPasswordChange, password)
	if err != nil {
		return nil, err
	}
	if same, _, _ := s.opts.Hasher.Verify(ctx, password, u.PasswordHash); same {
		return nil, accountkit.InvalidField("password", "must differ from the expired password")
	}
	var res *LoginResult
	err = s.setPassword(ctx, u, password, func(ctx context.Context, cur *User) error {
		if _, err := s.store.ConsumeToken(ctx, t.Hash, TokenPasswordChange, s.now()); err != nil {
			return accountkit.InvalidField("token", "the link is invalid or has expired")
		}
		if cur.Status != StatusActive || cur.Locked {
			return errBadLogin
		}
		return nil
	}, "", func(ctx context.Context, cur *User) error {
		var err error
		res, err = s.StartSession(ctx, cur, LoginPassword, ip, userAgent)
		return err
	})
	return res, err
}

// setPassword hashes and stores a new password in one audited transaction:
// check runs first on the locked row, every session but keepSession ends,
// then the after hooks run.
func (s *Service) setPassword(ctx context.Context, u *User, password string, check func(context.Context, *User) error, keepSession string, after ...func(context.Context, *User) error) error {
	hash, err := s.opts.Hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	if security.PrincipalFrom(ctx) == nil {
		ctx = security.WithPrincipal(ctx, &security.Principal{UserID: u.ID, Username: u.Username, AccountID: u.AccountID})
	}
	return s.audit.Run(ctx, s.entry(u, audit.ItemPassword, audit.ActionUpdated, "Password updated.", "Password update failed."), func(ctx context.Context) error {
		cur, err := s.store.GetUserForUpdate(ctx, u.ID)
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(ctx, cur); err != nil {
				return err
			}
		}
		now := s.now()
		cur.PasswordHash, cur.PasswordChangedAt, cur.UpdatedAt = hash, &now, now
		if err := s.store.UpdateUser(ctx, cur); err != nil {
			return err
		}
		if _, err := s.store.DeleteUserSessions(ctx, cur.ID, keepSession); err != nil {
			return err
		}
		for _, fn := range after {
			if err := fn(ctx, cur); err != nil {
				return err
			}
		}
		return nil
	})
}

// VerifyEmail confirms a changed email address through the emailed link.
// Audited ("User verified").
func (s *Service) VerifyEmail(ctx context.Context, secret string) error {
	t, u, err := s.redeem(ctx, secret, TokenEmailVerify, "")
	if err != nil {
		return err
	}
	ctx = security.WithPrincipal(ctx, &security.Principal{UserID: u.ID, Username: u.Username, AccountID: u.AccountID})
	return s.audit.Run(ctx, s.entry(u, audit.ItemUser, audit.ActionVerify, "User verified.", "User verification failed."), func(ctx context.Context) error {
		if _, err := s.store.ConsumeToken(ctx, t.Hash, TokenEmailVerify, s.now()); err != nil {
			return accountkit.InvalidField("token", "the link is invalid or has expired")
		}
		cur, err := s.store.GetUserForUpdate(ctx, u.ID)
		if err != nil {
			return err
		}
		if subtle.ConstantTimeCompare([]byte(cur.Email), []byte(t.Target)) != 1 {
			return accountkit.InvalidField("token", "the link is for an address the user no longer has")
		}
		cur.EmailVerified, cur.UpdatedAt = true, s.now()
		return s.store.UpdateUser(ctx, cur)
	})
}
