package auth

import (
	"context"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/users"
)

// Attempt is a sign-in whose first factor a method has proven: the user it
// named and how. Every sign-in method hands one to Complete.
type Attempt struct {
	// User is the user signing in, read with its row locked in the
	// transaction Complete runs in.
	User *users.User
	// Method is how the user proved who they are (users.LoginPassword,
	// users.LoginSSO, ...).
	Method users.LoginMethod
	// SecondFactor asks for the local second factor when the user has
	// TOTP or the account requires two-factor authentication: always for
	// passwords; for single sign-on when the account asks for it.
	SecondFactor bool
	// SecondFactorDone says the second factor has just been proven (a
	// verified code or a confirmed enrollment): only the steps after it
	// remain.
	SecondFactorDone bool
	IP, UserAgent    string
}

// Refusal is a sign-in refused after its first factor proved right. Reason
// is for the audit log and logs (locked, disabled, invited, account
// disabled, password sign-in not allowed); callers decide what the person
// sees. Err, when set, is the refusal of a PasswordUse reaction, whose
// message the user may see.
type Refusal struct {
	Reason string
	Err    error
}

// Error returns the reason.
func (r *Refusal) Error() string { return "auth: sign-in refused: " + r.Reason }

// Unwrap returns Err.
func (r *Refusal) Unwrap() error { return r.Err }

// refusal returns why cur may not sign in now, or "": a locked or not
// active user, or a disabled account (or one above it). It is the status
// check of every sign-in step.
func (s *Service) refusal(ctx context.Context, cur *users.User) (string, error) {
	switch {
	case cur.Locked:
		return "locked", nil
	case cur.Status != users.StatusActive:
		return string(cur.Status), nil
	}
	enabled, err := s.accountEnabled(ctx, cur.AccountID)
	if err != nil {
		return "", err
	}
	if !enabled {
		return "account disabled", nil
	}
	return "", nil
}

// Complete is the one completion path of every sign-in. It must run in
// the caller's transaction, on a.User read with its row locked, with the
// acting principal in ctx. In order it:
//
//  1. refuses a locked or not active user, or a disabled account
//     (*Refusal);
//  2. for a password, publishes PasswordUse (single sign-on enforcement
//     may refuse: *Refusal wrapping its error);
//  3. when a.SecondFactor and the second factor is not done yet, returns
//     the second-factor step (LoginTwoFactorRequired or
//     LoginTwoFactorEnrollmentRequired) if the user has TOTP or the
//     account requires it;
//  4. for a password that has expired, returns the password-change step;
//  5. otherwise resets the failed-attempt count, starts the session,
//     records the last login and audits "User logged in".
//
// Each step is audited. Errors other than *Refusal are internal.
func (s *Service) Complete(ctx context.Context, a Attempt) (*LoginResult, error) {
	cur := a.User
	reason, err := s.refusal(ctx, cur)
	if err != nil {
		return nil, err
	}
	if reason != "" {
		return nil, &Refusal{Reason: reason}
	}
	if a.Method == users.LoginPassword && !a.SecondFactorDone {
		if err := s.passwordAllowed(ctx, cur); err != nil {
			if accountkit.ErrorCode(err) == accountkit.Internal {
				return nil, err
			}
			return nil, &Refusal{Reason: "password sign-in not allowed", Err: err}
		}
	}
	policy, err := s.accounts.Policy(ctx, cur.AccountID)
	if err != nil {
		return nil, err
	}
	if a.SecondFactor && !a.SecondFactorDone {
		if res, err := s.secondFactorStep(ctx, cur, policy, a.Method); err != nil || res != nil {
			return res, err
		}
	}
	now := s.now()
	cur.FailedLogins, cur.LockCount = 0, 0
	if a.Method == users.LoginPassword && expired(cur, policy.PasswordValidityDays, now) {
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
	return s.startSession(ctx, cur, a.Method, a.IP, a.UserAgent, policy)
}

func expired(u *users.User, validityDays *int, now time.Time) bool {
	if validityDays == nil {
		return false
	}
	changed := u.CreatedAt
	if u.PasswordChangedAt != nil {
		changed = *u.PasswordChangedAt
	}
	return !now.Before(changed.AddDate(0, 0, *validityDays))
}

// startSession creates the session, records the last login and audits
// "User logged in".
func (s *Service) startSession(ctx context.Context, u *users.User, method users.LoginMethod, ip, ua string, policy *account.SecuritySettings) (*LoginResult, error) {
	token, hash, err := newSessionSecret()
	if err != nil {
		return nil, err
	}
	csrf := CSRFToken(token)
	csrfHash := security.HashSecret(csrf)
	now := s.now()
	sess := &Session{ID: s.rt.IDs.NewID(), TokenHash: hash, CSRFHash: csrfHash, UserID: u.ID, AccountID: u.AccountID,
		Method: method, CreatedAt: now, LastSeenAt: now, IdleTimeout: policy.SessionIdle(), ExpiresAt: now.Add(policy.SessionMax()),
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
