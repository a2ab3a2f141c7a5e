// Package auth signs users in and keeps them signed in: password sign-in
// with lockout, the second factor (TOTP and recovery codes), sessions
// (cookie with CSRF protection, or bearer), the password flows (forgot,
// reset, change, expired) and the links that set or confirm credentials
// (accept an invitation, verify an email).
//
// Every sign-in method ends in one completion path, Service.Complete:
// the user's and account's status, single sign-on enforcement for
// passwords, the second-factor step, the password-expiry step, the
// session, the last-login record and the audit event. Password sign-in
// here and single sign-on in the sso package both go through it; a new
// method adds only how it proves who the user is.
//
// The package owns the sessions and two-factor enrollments; the users
// package owns the users themselves. Single sign-on enforcement reaches
// it as the PasswordUse event, to which the sso package subscribes.
//
// It imports the root package, security, audit, account and users, and
// must not import teams, seats, apikeys, notifications, sso or kit.
package auth

import (
	"time"

	"github.com/accountkit/accountkit/users"
)

// LoginStatus tells what a sign-in step leads to.
type LoginStatus string

// The outcomes of a sign-in step.
const (
	// LoginOK: a session was created.
	LoginOK LoginStatus = "ok"
	// LoginPasswordChangeRequired: the password expired; ChangeToken allows
	// only ChangeExpiredPassword.
	LoginPasswordChangeRequired LoginStatus = "password_change_required"
	// LoginTwoFactorRequired: the first factor was right; ChallengeToken
	// must be sent with a TOTP or recovery code to VerifyTwoFactor.
	LoginTwoFactorRequired LoginStatus = "two_factor_required"
	// LoginTwoFactorEnrollmentRequired: the account requires 2FA and the
	// user has none; ChallengeToken permits only BeginTwoFactorEnrollment
	// and ConfirmTwoFactorEnrollment, which then completes the sign-in.
	LoginTwoFactorEnrollmentRequired LoginStatus = "two_factor_enrollment_required"
)

// The token kinds of sign-in steps (stored with the users' tokens).
const (
	// TokenPasswordChange is the password-change step of a sign-in whose
	// password expired.
	TokenPasswordChange users.TokenKind = "password_change"
	// TokenTwoFactorChallenge is the second-factor step of a sign-in.
	TokenTwoFactorChallenge users.TokenKind = "two_factor_challenge"
	// TokenTwoFactorEnroll is the forced-enrollment step of a sign-in in an
	// account that requires 2FA: it permits only enrollment.
	TokenTwoFactorEnroll users.TokenKind = "two_factor_enroll"
	// TokenRecoveryCode is one single-use recovery code. Recovery codes do
	// not expire; their ExpiresAt lies recoveryCodeLife ahead.
	TokenRecoveryCode users.TokenKind = "recovery_code"
)

// LoginInput is a password sign-in.
type LoginInput struct {
	// Identifier is a username or an email address.
	Identifier string `json:"username"`
	Password   string `json:"password"`
	IP         string `json:"-"`
	UserAgent  string `json:"-"`
}

// LoginResult is the outcome of a sign-in step. Token and CSRFToken are
// shown once; only their hashes are stored.
type LoginResult struct {
	Status      LoginStatus
	User        *users.User
	Session     *Session
	Token       string
	CSRFToken   string
	ChangeToken string
	// ChallengeToken is the second-factor (or forced-enrollment) step
	// of a sign-in, valid until ChallengeExpiresAt.
	ChallengeToken     string
	ChallengeExpiresAt *time.Time
}

// Session is a signed-in browser or client.
type Session struct {
	ID        string
	TokenHash string // hex SHA-256 of the bearer/cookie token
	// CSRFHash is the hex SHA-256 of the CSRF token given at sign-in.
	CSRFHash   string
	UserID     string
	AccountID  string
	Method     users.LoginMethod
	CreatedAt  time.Time
	LastSeenAt time.Time
	// IdleTimeout ends the session when LastSeenAt is older; ExpiresAt ends
	// it regardless.
	IdleTimeout time.Duration
	ExpiresAt   time.Time
	IP          string
	UserAgent   string
}

// TwoFactor is a user's TOTP enrollment: pending until a first code
// confirms it, then enabled.
type TwoFactor struct {
	UserID string
	// Secret is the TOTP secret sealed with security.Sealer for UserID;
	// never serialized, never in clear.
	Secret []byte `json:"-"`
	// Enabled is false while the enrollment waits for its first code.
	Enabled bool
	// LastStep is the TOTP time step of the last accepted code (0: none);
	// a code of that step or an earlier one is refused.
	LastStep  int64
	CreatedAt time.Time
	UpdatedAt time.Time
	EnabledAt *time.Time
}

// PasswordUse is published on the installation's Events when a user is
// about to use a password: inside a password sign-in's transaction once
// the password proved right (so nothing is enumerated), and before a
// password reset is sent or applied. A reaction refuses by returning an
// error, whose message the user sees. Required reaction: the sso package
// refuses while the user's account enforces single sign-on, except for
// its break-glass Account Manager.
type PasswordUse struct {
	User *users.User
}

// ReactionSSO names the sso package's reaction to PasswordUse.
const ReactionSSO = "sso"
