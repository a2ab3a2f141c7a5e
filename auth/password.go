package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/users"
)

// errBadLogin is the one answer to every failed sign-in: unknown user,
// wrong password, disabled, locked or invited users, disabled accounts.
var errBadLogin = accountkit.Errorf(accountkit.Unauthenticated, "invalid username or password")

// Login signs a user in with a password. Every failure answers the same
// Unauthenticated error after one password hash and the same database
// work, whether the user is unknown, disabled, locked or the password
// wrong. Consecutive failures count toward the account's MaxLoginAttempts
// atomically (the user's row is locked while counting) and lock the user
// at the threshold; attempts while locked do not count and never succeed.
// A success resets the count, records the last login and starts a session
// — or, when the password has expired, returns only a password-change
// step.
//
// Rate limits (Options.Limits) come first: the client's IP before any
// hash, the identifier before anything counts toward the lockout; a
// request over either is answered TooManyRequests and counts nowhere.
// Errors: Unauthenticated, TooManyRequests, Forbidden (single sign-on
// enforced, after a right password only), Unavailable or Internal (the
// store failed: a sign-in is never refused as "wrong password" because the
// database is down).
func (s *Service) Login(ctx context.Context, in LoginInput) (*LoginResult, error) {
	start := time.Now()
	if err := s.throttle.Take(ctx, scopeLoginIP, clientIP(ctx, in.IP), s.opts.Limits.LoginPerIP); err != nil {
		return nil, err
	}
	ident := clip(users.NormalizeUsername(in.Identifier), accountkit.MaxEmailLength+1)
	u, err := s.findForLogin(ctx, in.Identifier)
	if err != nil {
		s.opts.Hasher.Spend(ctx, in.Password)
		return nil, err
	}
	if u == nil {
		s.opts.Hasher.Spend(ctx, in.Password)
		// The identifier's bucket, in a transaction of its own: the work a
		// known user's failed attempt does too, so the two take alike.
		if err := s.throttle.Take(ctx, scopeLoginID, ident, s.opts.Limits.LoginPerIdentifier); err != nil {
			return nil, err
		}
		s.pad.hold(ctx, start)
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
	// The outcome is recorded even if the client goes away (an attempt must
	// not escape the lockout count by disconnecting after the hash), within
	// the Runtime's DetachTimeout (a frozen database cannot hold it).
	dctx, cancel := s.rt.Detach(ctx)
	defer cancel()
	ctx = security.WithPrincipal(dctx, &security.Principal{UserID: u.ID, Username: u.Username, AccountID: u.AccountID, IP: in.IP, UserAgent: in.UserAgent})
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		res, loginErr = nil, nil
		// Over the identifier's limit, nothing counts: an attacker cannot
		// lock the user out faster than the limit lets them try.
		if err := s.throttle.Take(ctx, scopeLoginID, ident, s.opts.Limits.LoginPerIdentifier); err != nil {
			return err
		}
		cur, err := s.store.GetUserForUpdate(ctx, u.ID)
		if err != nil {
			return err
		}
		policy, err := s.accounts.Policy(ctx, cur.AccountID)
		if err != nil {
			return err
		}
		if err := s.expireLock(ctx, cur, policy); err != nil {
			return err
		}
		fail := func(reason string, shown error) error {
			loginErr = shown
			return s.audit.RecordFailureTx(ctx, audit.Entry{AccountID: cur.AccountID, Item: audit.ItemUser, Action: audit.ActionLogin,
				FailureDescription: "User login failed.", TargetType: "user", TargetID: cur.ID, TargetName: cur.Username,
				Details: map[string]string{"reason": reason, "method": string(users.LoginPassword)}}, shown)
		}
		reason, err := s.refusal(ctx, cur)
		switch {
		case err != nil:
			return err
		case reason != "":
			return fail(reason, errBadLogin) // does not count: the user cannot sign in anyway
		case cur.PasswordHash != u.PasswordHash && ok:
			// The password changed while we were hashing: decide on the new one next time.
			return fail("password changed concurrently", errBadLogin)
		case !ok:
			if err := fail("wrong password", errBadLogin); err != nil {
				return err
			}
			return s.countFailure(ctx, cur, policy.MaxLoginAttempts)
		}
		if newHash != "" {
			cur.PasswordHash, cur.UpdatedAt = newHash, s.now()
			if err := s.store.UpdateUser(ctx, cur); err != nil {
				return err
			}
		}
		res, err = s.Complete(ctx, Attempt{User: cur, Method: users.LoginPassword, SecondFactor: true, IP: in.IP, UserAgent: in.UserAgent})
		var refused *Refusal
		if errors.As(err, &refused) {
			res = nil
			shown := refused.Err // only now, after the right password: no enumeration
			if shown == nil {
				shown = errBadLogin
			}
			return fail(refused.Reason, shown)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if loginErr != nil {
		if accountkit.ErrorCode(loginErr) == accountkit.Unauthenticated {
			s.pad.observe(time.Since(start))
			s.pad.hold(ctx, start)
		}
		return nil, loginErr
	}
	return res, nil
}

// countFailure adds a failed attempt to cur (whose row the caller has
// locked) and locks the user at the threshold.
func (s *Service) countFailure(ctx context.Context, cur *users.User, max int) error {
	now := s.now()
	cur.FailedLogins++
	locked := cur.FailedLogins >= max
	if locked {
		cur.Locked, cur.LockedAt = true, &now
		cur.LockCount++
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

// expireLock ends, on cur's locked row, a lockout by failed sign-ins
// whose time (the account's LockoutMinutes, doubled for each lockout in a
// row) has passed. With LockoutMinutes 0 a lockout lasts until an Account
// Manager unlocks. Audited ("User unlocked.", reason lockout expired).
func (s *Service) expireLock(ctx context.Context, cur *users.User, policy *account.SecuritySettings) error {
	d := policy.Lockout(cur.LockCount)
	if !cur.Locked || cur.LockedAt == nil || cur.LockCount == 0 || d == 0 || s.now().Before(cur.LockedAt.Add(d)) {
		return nil
	}
	cur.Locked, cur.LockedAt, cur.FailedLogins, cur.UpdatedAt = false, nil, 0, s.now()
	if err := s.store.UpdateUser(ctx, cur); err != nil {
		return err
	}
	return s.audit.Record(ctx, audit.Entry{AccountID: cur.AccountID, Item: audit.ItemUser, Action: audit.ActionUnlock,
		Description: "User unlocked.", TargetType: "user", TargetID: cur.ID, TargetName: cur.Username,
		Details: map[string]string{"reason": "lockout expired", "lockout": d.String()}})
}

// findForLogin finds an active-or-not user by username or, failing that,
// by an email that is unique across the installation; nil when none. It
// always asks both, so a hit and a miss cost the same. Store failures are
// returned, never read as "no such user".
func (s *Service) findForLogin(ctx context.Context, identifier string) (*users.User, error) {
	id := users.NormalizeUsername(identifier)
	if id == "" || len(id) > accountkit.MaxEmailLength || !accountkit.ValidText(id, false) {
		return nil, nil
	}
	byName, err := s.store.GetUserByUsername(ctx, id)
	if err != nil && accountkit.ErrorCode(err) != accountkit.NotFound {
		return nil, err
	}
	byEmail, err := s.store.FindUsersByEmail(ctx, accountkit.NormalizeEmail(identifier))
	if err != nil {
		return nil, err
	}
	switch {
	case byName != nil:
		return byName, nil
	case len(byEmail) == 1:
		return byEmail[0], nil
	}
	return nil, nil // an email shared by users of several main accounts must sign in by username
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
	return s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.DeleteSession(ctx, sess.ID); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{AccountID: u.AccountID, Item: audit.ItemUser, Action: audit.ActionLogout,
			Description: "User logged out (" + u.DisplayName() + ", " + u.Email + ").", TargetType: "user", TargetID: u.ID, TargetName: u.Username})
	})
}

// ForgotPassword emails a single-use reset link (users.Service.SendLink)
// when the identifier names an active, unlocked user of an enabled account
// who may use a password; it returns nil whatever the identifier, after
// the same work: the client's rate limit and the lookup answer now, and
// everything that depends on who the user is — the user's limit, the
// checks, the email — happens in the background (Wait drains it).
// Errors: TooManyRequests (the client's limit), Unavailable or Internal
// (the lookup failed).
func (s *Service) ForgotPassword(ctx context.Context, identifier string) error {
	if err := s.throttle.Take(ctx, scopeForgotIP, clientIP(ctx, ""), s.opts.Limits.ForgotPerIP); err != nil {
		return err
	}
	u, err := s.findForLogin(ctx, identifier)
	if err != nil || u == nil {
		return err
	}
	actx, cancel := s.rt.Detach(userPrincipal(ctx, u, "", ""))
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		defer cancel()
		if err := s.sendReset(actx, u); err != nil {
			s.rt.Logger.ErrorContext(actx, "auth: sending a reset link failed", "user_id", u.ID, "err", err)
		}
	}()
	return nil
}

// sendReset sends u a reset link if u may have one now and u's own limit
// allows it.
func (s *Service) sendReset(ctx context.Context, u *users.User) error {
	if u.Status != users.StatusActive || u.Locked {
		return nil
	}
	if enabled, err := s.accountEnabled(ctx, u.AccountID); err != nil || !enabled {
		return err
	}
	if err := s.passwordAllowed(ctx, u); err != nil {
		if accountkit.ErrorCode(err) == accountkit.Internal {
			return err
		}
		return nil
	}
	if err := s.throttle.Take(ctx, scopeForgotID, u.ID, s.opts.Limits.ForgotPerIdentifier); err != nil {
		if accountkit.ErrorCode(err) == accountkit.TooManyRequests {
			s.rt.Logger.DebugContext(ctx, "auth: reset link not sent: too many requests for the user", "user_id", u.ID)
			return nil
		}
		return err
	}
	return s.users.SendLink(ctx, u, users.MailPasswordReset)
}

// redeem checks a token's password against the rules before consuming it,
// so a refused password leaves the link usable.
func (s *Service) redeem(ctx context.Context, secret string, kind users.TokenKind, password string) (*users.Token, *users.User, error) {
	bad := accountkit.InvalidField("token", "the link is invalid or has expired")
	if secret == "" || len(secret) > 128 {
		return nil, nil, bad
	}
	hash := security.HashSecret(secret)
	t, err := s.store.GetToken(ctx, hash)
	if err != nil {
		return nil, nil, accountkit.Answer(err, bad)
	}
	if t.Kind != kind || !s.now().Before(t.ExpiresAt) {
		return nil, nil, bad
	}
	u, err := s.store.GetUser(ctx, t.UserID)
	if err != nil {
		return nil, nil, accountkit.Answer(err, bad)
	}
	if kind != users.TokenEmailVerify {
		if err := s.checkPassword(ctx, u, password); err != nil {
			// The link is valid: the caller may audit the refusal for u.
			return nil, u, err
		}
	}
	return t, u, nil
}

// AcceptInvitation sets an invited user's password through the emailed
// link: the email becomes verified and the user active. The link works
// once. Audited ("User accepted"). Errors: Invalid (bad, used or expired
// link; password refused — the link then stays usable).
func (s *Service) AcceptInvitation(ctx context.Context, secret, password string) (*users.User, error) {
	t, u, err := s.redeem(ctx, secret, users.TokenInvitation, password)
	if err != nil {
		return nil, err
	}
	hash, err := s.opts.Hasher.Hash(ctx, password)
	if err != nil {
		return nil, err
	}
	ctx = userPrincipal(ctx, u, "", "")
	var out *users.User
	err = s.audit.Run(ctx, entry(u, audit.ItemUser, audit.ActionAccept, "User accepted.", "User acceptance failed."), func(ctx context.Context) error {
		if _, err := s.store.ConsumeToken(ctx, t.Hash, users.TokenInvitation, s.now()); err != nil {
			return accountkit.InvalidField("token", "the link is invalid or has expired")
		}
		cur, err := s.store.GetUserForUpdate(ctx, u.ID)
		if err != nil {
			return err
		}
		if cur.Status != users.StatusInvited || cur.Email != t.Target {
			return accountkit.InvalidField("token", "the link is invalid or has expired")
		}
		now := s.now()
		cur.PasswordHash, cur.PasswordChangedAt, cur.ActivatedAt = hash, &now, &now
		cur.Status, cur.EmailVerified, cur.UpdatedAt = users.StatusActive, true, now
		out = cur
		if err := s.store.UpdateUser(ctx, cur); err != nil {
			return err
		}
		return s.recordPassword(ctx, cur.ID, hash)
	})
	return out, err
}

// ResetPassword sets a new password through a reset link (forgot password
// or unlock). The link works once; every session of the user ends.
// Audited ("Password for user restored."; with a valid link, a refused
// password is audited as "Password for user failed."). Errors: Invalid.
func (s *Service) ResetPassword(ctx context.Context, secret, password string) error {
	t, u, err := s.redeem(ctx, secret, users.TokenPasswordReset, password)
	if err == nil {
		err = s.passwordAllowed(ctx, u)
	}
	if err != nil {
		if u != nil {
			s.audit.RecordFailure(userPrincipal(ctx, u, "", ""), *restoredEntry(u), err)
		}
		return err
	}
	return s.setPasswordAudited(ctx, restoredEntry(u), u, password, func(ctx context.Context, cur *users.User) error {
		if _, err := s.store.ConsumeToken(ctx, t.Hash, users.TokenPasswordReset, s.now()); err != nil {
			return accountkit.InvalidField("token", "the link is invalid or has expired")
		}
		if cur.Status != users.StatusActive || cur.Email != t.Target {
			return accountkit.InvalidField("token", "the link is invalid or has expired")
		}
		cur.FailedLogins = 0
		return nil
	}, "")
}

// restoredEntry is the audit entry of a password set through a reset link.
func restoredEntry(u *users.User) *audit.Entry {
	return entry(u, audit.ItemPassword, audit.ActionUpdate, "Password for user restored.", "Password for user failed.")
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
		err := s.store.InTx(ctx, func(ctx context.Context) error {
			cur, err := s.store.GetUserForUpdate(ctx, u.ID)
			if err != nil {
				return err
			}
			policy, err := s.accounts.Policy(ctx, cur.AccountID)
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
		// A failed change of one's own password, filed with its success
		// ("Password updated."), not with the reset link's event.
		s.audit.RecordFailure(ctx, *updatedEntry(u), errWrongCurrent)
		return errWrongCurrent
	}
	if err := s.checkPassword(ctx, u, password); err != nil {
		s.audit.RecordFailure(ctx, *updatedEntry(u), err)
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
	err = s.setPassword(ctx, u, password, func(ctx context.Context, cur *users.User) error {
		if _, err := s.store.ConsumeToken(ctx, t.Hash, TokenPasswordChange, s.now()); err != nil {
			return accountkit.InvalidField("token", "the link is invalid or has expired")
		}
		if cur.Status != users.StatusActive || cur.Locked {
			return errBadLogin
		}
		return nil
	}, "", func(ctx context.Context, cur *users.User) error {
		var err error
		res, err = s.Complete(ctx, Attempt{User: cur, Method: users.LoginPassword, SecondFactorDone: true, IP: ip, UserAgent: userAgent})
		return err
	})
	return res, err
}

// setPassword hashes and stores a new password in one audited transaction:
// check runs first on the locked row, every session but keepSession ends,
// then the after hooks run.
func (s *Service) setPassword(ctx context.Context, u *users.User, password string, check func(context.Context, *users.User) error, keepSession string, after ...func(context.Context, *users.User) error) error {
	return s.setPasswordAudited(ctx, updatedEntry(u), u, password, check, keepSession, after...)
}

// updatedEntry is the audit entry of a user changing their own password.
func updatedEntry(u *users.User) *audit.Entry {
	return entry(u, audit.ItemPassword, audit.ActionUpdated, "Password updated.", "Password update failed.")
}

// setPasswordAudited is setPassword audited as e.
func (s *Service) setPasswordAudited(ctx context.Context, e *audit.Entry, u *users.User, password string, check func(context.Context, *users.User) error, keepSession string, after ...func(context.Context, *users.User) error) error {
	if security.PrincipalFrom(ctx) == nil {
		ctx = userPrincipal(ctx, u, "", "")
	}
	if err := s.checkReuse(ctx, u, password); err != nil {
		s.audit.RecordFailure(ctx, *e, err)
		return err
	}
	hash, err := s.opts.Hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	return s.audit.Run(ctx, e, func(ctx context.Context) error {
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
		if err := s.recordPassword(ctx, cur.ID, hash); err != nil {
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
	t, u, err := s.redeem(ctx, secret, users.TokenEmailVerify, "")
	if err != nil {
		return err
	}
	ctx = userPrincipal(ctx, u, "", "")
	return s.audit.Run(ctx, entry(u, audit.ItemUser, audit.ActionVerify, "User verified.", "User verification failed."), func(ctx context.Context) error {
		if _, err := s.store.ConsumeToken(ctx, t.Hash, users.TokenEmailVerify, s.now()); err != nil {
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

// Bootstrap creates an active user with a password, skipping the
// invitation: the host's way to create the first administrator of a new
// main account (sign-up, installation). It requires the system principal
// (security.AsSystem); the email is taken as verified because the host
// vouches for it, and the password must follow the password rules. It is
// safe to call on every start: a second call for the same username
// answers Conflict and changes nothing. Audited ("User created", method
// bootstrap). Errors: Unauthenticated, Forbidden, NotFound (account),
// Invalid, Conflict.
func (s *Service) Bootstrap(ctx context.Context, in users.CreateInput, password string) (*users.User, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.System {
		return nil, accountkit.Errorf(accountkit.Forbidden, "only the host application bootstraps users")
	}
	e := entry(nil, audit.ItemUser, audit.ActionCreate, "User created.", "User creation failed.")
	e.AccountID, e.TargetName = in.AccountID, users.NormalizeUsername(in.Username)
	if in.Username == "" {
		s.audit.RecordFailure(ctx, *e, accountkit.InvalidField("username", "is required"))
		return nil, accountkit.InvalidField("username", "is required")
	}
	probe := &users.User{Username: users.NormalizeUsername(in.Username), Email: accountkit.NormalizeEmail(in.Email)}
	if err := s.checkPassword(ctx, probe, password); err != nil {
		s.audit.RecordFailure(ctx, *e, err)
		return nil, err
	}
	hash, err := s.opts.Hasher.Hash(ctx, password)
	if err != nil {
		return nil, err
	}
	var u *users.User
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		u, err = s.users.Provision(ctx, users.ProvisionInput{AccountID: in.AccountID, Email: in.Email, Username: in.Username,
			FirstName: in.FirstName, LastName: in.LastName, Phone: in.Phone, Roles: in.Roles, PasswordHash: hash, Source: "bootstrap"})
		if err != nil {
			return err
		}
		return s.recordPassword(ctx, u.ID, hash)
	})
	if err != nil {
		s.audit.RecordFailure(ctx, *e, err)
		return nil, err
	}
	return u, nil
}
