package auth

import (
	"context"
	"crypto/rand"
	"errors"
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

// Two-factor defaults.
const (
	// DefaultTOTPIssuer labels accounts in authenticator apps when
	// Options.TOTPIssuer is empty.
	DefaultTOTPIssuer = "accountkit"
	// RecoveryCodeCount recovery codes are issued at a time.
	RecoveryCodeCount = 10
	// recoveryCodeLife stands in for "never" in the tokens' ExpiresAt.
	recoveryCodeLife = 100 * 365 * 24 * time.Hour
	// totpSkew accepts the previous and the next step besides the current.
	totpSkew = 1
)

// twoFactorState is the service's lazily built sealer.
type twoFactorState struct {
	once   sync.Once
	sealer *security.Sealer
	err    error
}

var (
	// errChallenge answers every unusable challenge: unknown, forged,
	// used, expired, of another kind, or of a user who can no longer sign
	// in.
	errChallenge = accountkit.Errorf(accountkit.Unauthenticated, "the sign-in step is invalid or has expired; sign in again")
	// errWrongCode answers a wrong, expired or already used code at a
	// sign-in step.
	errWrongCode   = accountkit.Errorf(accountkit.Unauthenticated, "invalid two-factor code")
	errCodeFormat  = accountkit.InvalidField("code", "must be 6 digits")
	errCodeWrong   = accountkit.InvalidField("code", "is wrong, expired or already used")
	errRecFormat   = accountkit.InvalidField("recovery_code", "must be a recovery code such as abcd-efgh-ijkl-mnop")
	errNoEnroll    = accountkit.Errorf(accountkit.Invalid, "no two-factor enrollment is in progress; begin enrollment first")
	errNot2FA      = accountkit.Errorf(accountkit.Invalid, "two-factor authentication is not enabled")
	errAlready2FA  = accountkit.Errorf(accountkit.Conflict, "two-factor authentication is already enabled; disable it first")
	errUserOnly2FA = accountkit.Errorf(accountkit.Forbidden, "only users have two-factor authentication")
)

// sealer returns the sealer of TOTP secrets, built on first use: from
// Options.TOTPKey; without one, an error when Options.Production is set,
// else a random per-process key (logged once as a warning).
func (s *Service) sealer(ctx context.Context) (*security.Sealer, error) {
	st := &s.twoFactor
	st.once.Do(func() {
		o := s.opts
		switch {
		case len(o.TOTPKey) > 0:
			id := o.TOTPKeyID
			if id == 0 {
				id = 1
			}
			var older []security.SealKey
			for kid, k := range o.TOTPOldKeys {
				older = append(older, security.SealKey{ID: kid, Key: k})
			}
			st.sealer, st.err = security.NewSealer(security.SealKey{ID: id, Key: o.TOTPKey}, older...)
		case o.Production:
			st.err = errors.New("auth: Options.TOTPKey is required when Options.Production is set")
		default:
			key := make([]byte, security.SealKeySize)
			if _, err := rand.Read(key); err != nil {
				st.err = err
				break
			}
			// Key ID 0 is reserved for this ephemeral key.
			st.sealer, st.err = security.NewSealer(security.SealKey{ID: 0, Key: key})
			s.rt.Logger.WarnContext(ctx, "auth: no TOTPKey configured: two-factor secrets are sealed with a random per-process key and will not open after a restart; set auth.Options.TOTPKey (32 bytes) in production")
		}
		if st.err != nil {
			s.rt.Logger.ErrorContext(ctx, "auth: two-factor authentication is not configured", "err", st.err)
		}
	})
	if st.err != nil {
		return nil, &accountkit.Error{Code: accountkit.Internal, Message: "two-factor authentication is not configured", Err: st.err}
	}
	return st.sealer, nil
}

func (s *Service) challengeTTL(kind users.TokenKind) time.Duration {
	if kind == TokenTwoFactorEnroll {
		return s.opts.TwoFactorEnrollmentTTL
	}
	return s.opts.TwoFactorChallengeTTL
}

// getTwoFactor returns the user's enrollment, or nil when there is none.
func (s *Service) getTwoFactor(ctx context.Context, userID string) (*TwoFactor, error) {
	tf, err := s.store.GetTwoFactor(ctx, userID)
	if accountkit.ErrorCode(err) == accountkit.NotFound {
		return nil, nil
	}
	return tf, err
}

// secondFactorStep is step 3 of Complete, on the locked row of cur. When
// the user has 2FA enabled, or the account requires it, it returns a
// challenge instead of a session; otherwise nil. The challenge remembers
// the first factor's method, so the session it leads to records it. The
// failed-attempt count is not reset here: it resets only when the sign-in
// completes, so a known password cannot be used to renew code guesses.
func (s *Service) secondFactorStep(ctx context.Context, cur *users.User, policy *account.SecuritySettings, method users.LoginMethod) (*LoginResult, error) {
	tf, err := s.getTwoFactor(ctx, cur.ID)
	if err != nil {
		return nil, err
	}
	enabled := tf != nil && tf.Enabled
	if !enabled && !policy.TwoFactorRequired {
		return nil, nil
	}
	first := "User password verified"
	if method == users.LoginSSO {
		first = "User authenticated by single sign-on"
	}
	kind, status, desc := TokenTwoFactorChallenge, LoginTwoFactorRequired, first+": two-factor code required."
	if !enabled {
		kind, status, desc = TokenTwoFactorEnroll, LoginTwoFactorEnrollmentRequired, first+": two-factor enrollment required."
	}
	// Several steps may be pending (two browsers signing in at once); each
	// is single-use and short-lived, and a new sign-in never cancels
	// another's step.
	secret, exp, err := users.AddToken(ctx, s.store, s.now(), cur.ID, kind, s.challengeTTL(kind), string(method))
	if err != nil {
		return nil, err
	}
	err = s.audit.Record(ctx, audit.Entry{AccountID: cur.AccountID, Item: audit.ItemUser, Action: audit.ActionLogin,
		Description: desc, TargetType: "user", TargetID: cur.ID, TargetName: cur.Username,
		Details: map[string]string{"method": string(method)}})
	if err != nil {
		return nil, err
	}
	return &LoginResult{Status: status, User: cur, ChallengeToken: secret, ChallengeExpiresAt: &exp}, nil
}

// challengeMethod returns the first factor a challenge token follows (its
// Target), users.LoginPassword for tokens that name none.
func challengeMethod(t *users.Token) users.LoginMethod {
	if t.Target != "" {
		return users.LoginMethod(t.Target)
	}
	return users.LoginPassword
}

// challenge resolves a challenge token of the kind to its token and user.
// Every problem with the token is errChallenge; a store failure is
// returned as it is.
func (s *Service) challenge(ctx context.Context, secret string, kind users.TokenKind) (*users.Token, *users.User, error) {
	if secret == "" || len(secret) > 128 {
		return nil, nil, errChallenge
	}
	t, err := s.store.GetToken(ctx, security.HashSecret(secret))
	if err != nil {
		return nil, nil, accountkit.Answer(err, errChallenge)
	}
	if t.Kind != kind || !s.now().Before(t.ExpiresAt) {
		return nil, nil, errChallenge
	}
	u, err := s.store.GetUser(ctx, t.UserID)
	if err != nil {
		return nil, nil, accountkit.Answer(err, errChallenge)
	}
	return t, u, nil
}

// challengeLive re-checks, on the locked row of cur, that the challenge
// still exists and that cur may still sign in.
func (s *Service) challengeLive(ctx context.Context, t *users.Token, cur *users.User) (bool, string, error) {
	got, err := s.store.GetToken(ctx, t.Hash)
	if err != nil || got.Kind != t.Kind || !s.now().Before(got.ExpiresAt) {
		if err != nil && accountkit.ErrorCode(err) != accountkit.NotFound {
			return false, "", err
		}
		return false, "", nil
	}
	reason, err := s.refusal(ctx, cur)
	return reason == "" && err == nil, reason, err
}

// stepFailure is a refused step whose failure event — and, when count is
// set, a failed sign-in attempt — must commit although the step fails.
type stepFailure struct {
	err    error
	reason string
	count  bool
}

func (f *stepFailure) Error() string { return f.err.Error() }

// lockedStep runs fn in a transaction on the locked row of the user. When
// fn returns a *stepFailure, the transaction commits the failure event
// (fail, with the reason in its details) and, if asked, counts a failed
// attempt toward lockout; a user locked by it, or found locked, loses every
// pending sign-in step. It returns fn's error and whether its failure was
// recorded.
func (s *Service) lockedStep(ctx context.Context, userID string, fail audit.Entry, fn func(ctx context.Context, cur *users.User, policy *account.SecuritySettings) error) (recorded bool, err error) {
	// The outcome is recorded even if the client goes away (an attempt
	// must not escape the lockout count by disconnecting), within the
	// Runtime's DetachTimeout.
	ctx, cancel := s.rt.Detach(ctx)
	defer cancel()
	var refused *stepFailure
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		refused = nil
		cur, err := s.store.GetUserForUpdate(ctx, userID)
		if err != nil {
			return err
		}
		policy, err := s.accounts.Policy(ctx, cur.AccountID)
		if err != nil {
			return err
		}
		err = fn(ctx, cur, policy)
		if !errors.As(err, &refused) {
			return err
		}
		e := fail
		e.AccountID, e.TargetType, e.TargetID, e.TargetName = cur.AccountID, "user", cur.ID, cur.Username
		e.Details = map[string]string{"reason": refused.reason}
		for k, v := range fail.Details {
			e.Details[k] = v
		}
		if err := s.audit.RecordFailureTx(ctx, e, refused.err); err != nil {
			return err
		}
		if refused.count && !cur.Locked {
			if err := s.countFailure(ctx, cur, policy.MaxLoginAttempts); err != nil {
				return err
			}
		}
		if cur.Locked {
			for _, k := range []users.TokenKind{TokenTwoFactorChallenge, TokenTwoFactorEnroll} {
				if err := s.store.DeleteTokens(ctx, cur.ID, k); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	if refused != nil {
		return true, refused.err
	}
	return false, nil
}

// useCode checks a TOTP code against tf, whose user's row the caller has
// locked. A code matching the current step ±1 and later than the last
// accepted step advances LastStep with a conditional update (of parallel
// uses of one code exactly one wins); false means wrong, outside the
// window or already used. A secret sealed with an older key is resealed
// with the current one.
func (s *Service) useCode(ctx context.Context, sealer *security.Sealer, tf *TwoFactor, code string) (bool, error) {
	secret, err := sealer.Open(tf.Secret, tf.UserID)
	if err != nil {
		return false, err
	}
	defer clear(secret)
	now := s.now()
	step, ok := security.MatchTOTP(secret, code, now, totpSkew)
	if !ok || step <= tf.LastStep {
		return false, nil
	}
	won, err := s.store.AdvanceTwoFactorStep(ctx, tf.UserID, step, now)
	if err != nil || !won {
		return false, err
	}
	tf.LastStep, tf.UpdatedAt = step, now
	if !sealer.Current(tf.Secret) {
		if tf.Secret, err = sealer.Seal(secret, tf.UserID); err != nil {
			return false, err
		}
		if err := s.store.PutTwoFactor(ctx, tf); err != nil {
			return false, err
		}
	}
	return true, nil
}

// normalizeCode removes the spaces users paste along with a code.
func normalizeCode(code string) string { return strings.ReplaceAll(strings.TrimSpace(code), " ", "") }

const recoveryAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// newRecoveryCode returns a random 80-bit code written as
// xxxx-xxxx-xxxx-xxxx in lower-case base32.
func newRecoveryCode() (string, error) {
	var b [10]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", accountkit.Wrap(err, "random source failed")
	}
	raw := strings.ToLower(security.TOTPSecretText(b[:]))
	return raw[0:4] + "-" + raw[4:8] + "-" + raw[8:12] + "-" + raw[12:16], nil
}

// normalizeRecoveryCode returns the 16 upper-case base32 characters of a
// recovery code (dashes, spaces and case ignored), or false.
func normalizeRecoveryCode(code string) (string, bool) {
	if len(code) > 64 {
		return "", false
	}
	n := strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(code))
	if len(n) != 16 {
		return "", false
	}
	for i := 0; i < len(n); i++ {
		if !strings.ContainsRune(recoveryAlphabet, rune(n[i])) {
			return "", false
		}
	}
	return n, true
}

// recoveryHash is how a recovery code is stored: SHA-256 over the code
// bound to its user, so equal codes of two users never collide.
func recoveryHash(userID, normalized string) string {
	return security.HashSecret("recovery:" + userID + ":" + normalized)
}

// replaceRecoveryCodes voids the user's recovery codes and returns
// RecoveryCodeCount new ones; only their hashes are stored.
func (s *Service) replaceRecoveryCodes(ctx context.Context, u *users.User) ([]string, error) {
	if err := s.store.DeleteTokens(ctx, u.ID, TokenRecoveryCode); err != nil {
		return nil, err
	}
	now := s.now()
	codes := make([]string, RecoveryCodeCount)
	for i := range codes {
		c, err := newRecoveryCode()
		if err != nil {
			return nil, err
		}
		n, _ := normalizeRecoveryCode(c)
		err = s.store.CreateToken(ctx, &users.Token{Hash: recoveryHash(u.ID, n), Kind: TokenRecoveryCode, UserID: u.ID,
			CreatedAt: now, ExpiresAt: now.Add(recoveryCodeLife)})
		if err != nil {
			return nil, err
		}
		codes[i] = c
	}
	return codes, nil
}

func loginFailure(method string) audit.Entry {
	return audit.Entry{Item: audit.ItemUser, Action: audit.ActionLogin, FailureDescription: "User login failed.",
		Details: map[string]string{"method": method}}
}

// VerifyInput is the second-factor step of a sign-in: the challenge from
// Login and either a TOTP code or a recovery code.
type VerifyInput struct {
	ChallengeToken string `json:"challenge_token"`
	Code           string `json:"code"`
	RecoveryCode   string `json:"recovery_code"`
	IP             string `json:"-"`
	UserAgent      string `json:"-"`
}

// VerifyTwoFactor completes a sign-in that answered LoginTwoFactorRequired:
// with a TOTP code of the current step ±1 not used before, or an unused
// recovery code, it consumes the challenge and starts the session (or, when
// the password has expired, returns the password-change step). A wrong,
// reused or malformed code counts as a failed sign-in toward the account's
// MaxLoginAttempts; at the threshold the user is locked and the challenge
// dies. Using a recovery code is audited ("Recovery code used.").
// Errors: Invalid (neither or both codes given; a malformed code, which
// counts), Unauthenticated (unusable challenge; wrong or used code),
// Internal (the stored secret does not open).
func (s *Service) VerifyTwoFactor(ctx context.Context, in VerifyInput) (*LoginResult, error) {
	in.Code = normalizeCode(in.Code)
	switch {
	case in.Code == "" && in.RecoveryCode == "":
		return nil, accountkit.InvalidField("code", "is required (or give recovery_code)")
	case in.Code != "" && in.RecoveryCode != "":
		return nil, accountkit.InvalidField("recovery_code", "give either code or recovery_code, not both")
	}
	t, u, err := s.challenge(ctx, in.ChallengeToken, TokenTwoFactorChallenge)
	if err != nil {
		return nil, err
	}
	if err := s.takeTwoFactor(ctx, u.ID, in.IP); err != nil {
		return nil, err
	}
	var sealer *security.Sealer
	method := "totp"
	if in.Code != "" {
		if sealer, err = s.sealer(ctx); err != nil {
			return nil, err
		}
	} else {
		method = "recovery_code"
	}
	ctx = userPrincipal(ctx, u, in.IP, in.UserAgent)
	var res *LoginResult
	_, err = s.lockedStep(ctx, u.ID, loginFailure(method), func(ctx context.Context, cur *users.User, policy *account.SecuritySettings) error {
		res = nil
		live, reason, err := s.challengeLive(ctx, t, cur)
		if err != nil {
			return err
		}
		if !live {
			if reason == "" {
				return errChallenge
			}
			return &stepFailure{err: errChallenge, reason: reason}
		}
		tf, err := s.getTwoFactor(ctx, cur.ID)
		if err != nil {
			return err
		}
		if tf == nil || !tf.Enabled { // reset since the password step
			return &stepFailure{err: errChallenge, reason: "two-factor authentication reset"}
		}
		if in.Code != "" {
			if !security.ValidTOTPCodeFormat(in.Code) {
				return &stepFailure{err: errCodeFormat, reason: "malformed two-factor code", count: true}
			}
			ok, err := s.useCode(ctx, sealer, tf, in.Code)
			if err != nil {
				return err
			}
			if !ok {
				return &stepFailure{err: errWrongCode, reason: "wrong, expired or reused two-factor code", count: true}
			}
		} else {
			n, ok := normalizeRecoveryCode(in.RecoveryCode)
			if !ok {
				return &stepFailure{err: errRecFormat, reason: "malformed recovery code", count: true}
			}
			if _, err := s.store.ConsumeToken(ctx, recoveryHash(cur.ID, n), TokenRecoveryCode, s.now()); err != nil {
				if accountkit.ErrorCode(err) != accountkit.NotFound {
					return err
				}
				return &stepFailure{err: errWrongCode, reason: "wrong or used recovery code", count: true}
			}
			left, err := s.store.ListTokens(ctx, cur.ID, TokenRecoveryCode)
			if err != nil {
				return err
			}
			err = s.audit.Record(ctx, audit.Entry{AccountID: cur.AccountID, Item: audit.Item2FA, Action: audit.ActionUpdate,
				Description: "Recovery code used.", TargetType: "user", TargetID: cur.ID, TargetName: cur.Username,
				Details: map[string]string{"recovery_codes_left": strconv.Itoa(len(left))}})
			if err != nil {
				return err
			}
		}
		if _, err := s.store.ConsumeToken(ctx, t.Hash, TokenTwoFactorChallenge, s.now()); err != nil {
			if accountkit.ErrorCode(err) == accountkit.NotFound {
				return errChallenge // rolls back: the code stays unused
			}
			return err
		}
		res, err = s.Complete(ctx, Attempt{User: cur, Method: challengeMethod(t), SecondFactorDone: true, IP: in.IP, UserAgent: in.UserAgent})
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// Enrollment is what the user scans into an authenticator app. It is the
// only place the TOTP secret ever appears in clear.
type Enrollment struct {
	// Secret is the base32 secret, for manual entry.
	Secret string
	// URI is the otpauth:// key URI (issuer Options.TOTPIssuer, account
	// name the username).
	URI string
	// QRCodePNG is the URI as a QR code.
	QRCodePNG []byte
}

// resolveEnrollee returns the user enrolling: the holder of the
// enrollment challenge when challengeToken is set, else the signed-in
// user.
func (s *Service) resolveEnrollee(ctx context.Context, challengeToken string) (context.Context, *users.Token, *users.User, error) {
	if challengeToken != "" {
		t, u, err := s.challenge(ctx, challengeToken, TokenTwoFactorEnroll)
		if err != nil {
			return nil, nil, nil, err
		}
		return userPrincipal(ctx, u, "", ""), t, u, nil
	}
	p, err := principal(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	if p.UserID == "" {
		return nil, nil, nil, errUserOnly2FA
	}
	u, err := s.store.GetUser(ctx, p.UserID)
	if err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			return nil, nil, nil, errSession
		}
		return nil, nil, nil, err
	}
	return ctx, nil, u, nil
}

// BeginTwoFactorEnrollment starts TOTP enrollment for the signed-in user,
// or for the holder of an enrollment challenge (challengeToken, from a
// sign-in answering LoginTwoFactorEnrollmentRequired). It stores a new
// secret, sealed, as a pending enrollment (replacing a pending one) and
// returns it with its otpauth URI and QR code; ConfirmTwoFactorEnrollment
// activates it. Audited ("Two-factor authentication enrollment started.").
// Errors: Unauthenticated (no user; unusable challenge), Forbidden (not a
// user), Conflict (2FA already enabled), Internal (no TOTPKey in
// production).
func (s *Service) BeginTwoFactorEnrollment(ctx context.Context, challengeToken string) (*Enrollment, error) {
	ctx, t, u, err := s.resolveEnrollee(ctx, challengeToken)
	if err != nil {
		return nil, err
	}
	sealer, err := s.sealer(ctx)
	if err != nil {
		return nil, err
	}
	secret, err := security.NewTOTPSecret()
	if err != nil {
		return nil, err
	}
	defer clear(secret)
	en, err := security.NewTOTPEnrollment(s.opts.TOTPIssuer, u.Username, secret, 0)
	if err != nil {
		return nil, err
	}
	sealed, err := sealer.Seal(secret, u.ID)
	if err != nil {
		return nil, err
	}
	e := entry(u, audit.Item2FA, audit.ActionUpdate, "Two-factor authentication enrollment started.", "Two-factor authentication enrollment failed.")
	err = s.audit.Run(ctx, e, func(ctx context.Context) error {
		cur, err := s.store.GetUserForUpdate(ctx, u.ID)
		if err != nil {
			return err
		}
		if t != nil {
			if live, _, err := s.challengeLive(ctx, t, cur); err != nil {
				return err
			} else if !live {
				return errChallenge
			}
		} else if !users.Active(cur) {
			return errSession
		}
		tf, err := s.getTwoFactor(ctx, cur.ID)
		if err != nil {
			return err
		}
		if tf != nil && tf.Enabled {
			return errAlready2FA
		}
		now := s.now()
		return s.store.PutTwoFactor(ctx, &TwoFactor{UserID: cur.ID, Secret: sealed, CreatedAt: now, UpdatedAt: now})
	})
	if err != nil {
		return nil, err
	}
	return &Enrollment{Secret: en.Secret, URI: en.URI, QRCodePNG: en.QRCodePNG}, nil
}

// ConfirmInput confirms a pending enrollment with a first code. With
// ChallengeToken (an enrollment challenge) it completes a sign-in too.
type ConfirmInput struct {
	ChallengeToken string `json:"challenge_token"`
	Code           string `json:"code"`
	IP             string `json:"-"`
	UserAgent      string `json:"-"`
}

// EnrollmentResult is the outcome of ConfirmTwoFactorEnrollment.
type EnrollmentResult struct {
	// RecoveryCodes are shown once; only their hashes are stored.
	RecoveryCodes []string
	// Login is the completed sign-in when confirmed with a challenge.
	Login *LoginResult
}

// ConfirmTwoFactorEnrollment activates the pending enrollment when code is
// valid for its secret (current step ±1), and issues RecoveryCodeCount
// recovery codes. Audited ("Two-factor authentication enabled for
// user."). With an enrollment challenge it then consumes the challenge and
// completes the sign-in; a wrong code there counts as a failed sign-in.
// Errors: Invalid (malformed or wrong code; no pending enrollment),
// Conflict (already enabled), Unauthenticated (no user; unusable
// challenge), Internal.
func (s *Service) ConfirmTwoFactorEnrollment(ctx context.Context, in ConfirmInput) (*EnrollmentResult, error) {
	in.Code = normalizeCode(in.Code)
	if !security.ValidTOTPCodeFormat(in.Code) && in.ChallengeToken == "" {
		return nil, errCodeFormat
	}
	ctx, t, u, err := s.resolveEnrollee(ctx, in.ChallengeToken)
	if err != nil {
		return nil, err
	}
	if err := s.takeTwoFactor(ctx, u.ID, in.IP); err != nil {
		return nil, err
	}
	if t != nil {
		ctx = userPrincipal(ctx, u, in.IP, in.UserAgent)
	}
	sealer, err := s.sealer(ctx)
	if err != nil {
		return nil, err
	}
	out := &EnrollmentResult{}
	fail := entry(u, audit.Item2FA, audit.ActionEnable, "Two-factor authentication enabled for user.", "Enabling two-factor authentication failed.")
	if t != nil {
		fail = &audit.Entry{Item: audit.ItemUser, Action: audit.ActionLogin, FailureDescription: "User login failed.",
			Details: map[string]string{"method": "totp_enrollment"}}
	}
	recorded, err := s.lockedStep(ctx, u.ID, *fail, func(ctx context.Context, cur *users.User, policy *account.SecuritySettings) error {
		out = &EnrollmentResult{}
		if t != nil {
			live, reason, err := s.challengeLive(ctx, t, cur)
			if err != nil {
				return err
			}
			if !live {
				if reason == "" {
					return errChallenge
				}
				return &stepFailure{err: errChallenge, reason: reason}
			}
		} else if !users.Active(cur) {
			return errSession
		}
		tf, err := s.getTwoFactor(ctx, cur.ID)
		if err != nil {
			return err
		}
		switch {
		case tf == nil:
			return errNoEnroll
		case tf.Enabled:
			return errAlready2FA
		}
		counted := t != nil // at a sign-in step a wrong code is a failed sign-in
		if !security.ValidTOTPCodeFormat(in.Code) {
			return &stepFailure{err: errCodeFormat, reason: "malformed two-factor code", count: counted}
		}
		ok, err := s.useCode(ctx, sealer, tf, in.Code)
		if err != nil {
			return err
		}
		if !ok {
			return &stepFailure{err: errCodeWrong, reason: "wrong two-factor code", count: counted}
		}
		now := s.now()
		tf.Enabled, tf.EnabledAt, tf.UpdatedAt = true, &now, now
		if err := s.store.PutTwoFactor(ctx, tf); err != nil {
			return err
		}
		if out.RecoveryCodes, err = s.replaceRecoveryCodes(ctx, cur); err != nil {
			return err
		}
		if err := s.audit.Record(ctx, *entry(cur, audit.Item2FA, audit.ActionEnable, "Two-factor authentication enabled for user.", "")); err != nil {
			return err
		}
		if t == nil {
			return nil
		}
		if _, err := s.store.ConsumeToken(ctx, t.Hash, TokenTwoFactorEnroll, now); err != nil {
			if accountkit.ErrorCode(err) == accountkit.NotFound {
				return errChallenge
			}
			return err
		}
		out.Login, err = s.Complete(ctx, Attempt{User: cur, Method: challengeMethod(t), SecondFactorDone: true, IP: in.IP, UserAgent: in.UserAgent})
		return err
	})
	if err != nil {
		if !recorded && t == nil {
			s.audit.RecordFailure(ctx, *entry(u, audit.Item2FA, audit.ActionEnable, "", "Enabling two-factor authentication failed."), err)
		}
		return nil, err
	}
	return out, nil
}

// signedInTwoFactor runs a change of the signed-in user's enabled 2FA that
// a current TOTP code must confirm. A wrong, reused or malformed code
// counts as a failed sign-in (as a wrong current password does), so a
// stolen session cannot guess codes without locking the user.
func (s *Service) signedInTwoFactor(ctx context.Context, code string, e *audit.Entry, check func(*account.SecuritySettings) error, fn func(ctx context.Context, cur *users.User, tf *TwoFactor) error) error {
	code = normalizeCode(code)
	if code == "" {
		return accountkit.InvalidField("code", "is required")
	}
	p, err := principal(ctx)
	if err != nil {
		return err
	}
	if p.UserID == "" {
		return errUserOnly2FA
	}
	u, err := s.store.GetUser(ctx, p.UserID)
	if err != nil {
		return err
	}
	if err := s.takeTwoFactor(ctx, u.ID, p.IP); err != nil {
		return err
	}
	sealer, err := s.sealer(ctx)
	if err != nil {
		return err
	}
	recorded, err := s.lockedStep(ctx, u.ID, *e, func(ctx context.Context, cur *users.User, policy *account.SecuritySettings) error {
		if !users.Active(cur) {
			return errSession
		}
		if check != nil {
			if err := check(policy); err != nil {
				return err
			}
		}
		tf, err := s.getTwoFactor(ctx, cur.ID)
		if err != nil {
			return err
		}
		if tf == nil || !tf.Enabled {
			return errNot2FA
		}
		if !security.ValidTOTPCodeFormat(code) {
			return &stepFailure{err: errCodeFormat, reason: "malformed two-factor code", count: true}
		}
		ok, err := s.useCode(ctx, sealer, tf, code)
		if err != nil {
			return err
		}
		if !ok {
			return &stepFailure{err: errCodeWrong, reason: "wrong, expired or reused two-factor code", count: true}
		}
		if err := fn(ctx, cur, tf); err != nil {
			return err
		}
		return s.audit.Record(ctx, *entry(cur, e.Item, e.Action, e.Description, ""))
	})
	if err != nil && !recorded {
		s.audit.RecordFailure(ctx, *entry(u, e.Item, e.Action, "", e.FailureDescription), err)
	}
	return err
}

// DisableTwoFactor turns off the signed-in user's 2FA, confirmed by a
// current TOTP code; the recovery codes are voided. It is refused while
// the user's account requires 2FA. Audited ("Two-factor authentication
// disabled for user."). Errors: Unauthenticated, Forbidden (required by
// the account; not a user), Invalid (not enabled; wrong code, which
// counts), Internal.
func (s *Service) DisableTwoFactor(ctx context.Context, code string) error {
	e := &audit.Entry{Item: audit.Item2FA, Action: audit.ActionDisable, Description: "Two-factor authentication disabled for user.",
		FailureDescription: "Disabling two-factor authentication failed."}
	return s.signedInTwoFactor(ctx, code, e, func(p *account.SecuritySettings) error {
		if p.TwoFactorRequired {
			return accountkit.Errorf(accountkit.Forbidden, "your account requires two-factor authentication")
		}
		return nil
	}, func(ctx context.Context, cur *users.User, _ *TwoFactor) error {
		if err := s.store.DeleteTwoFactor(ctx, cur.ID); err != nil {
			return err
		}
		return s.store.DeleteTokens(ctx, cur.ID, TokenRecoveryCode)
	})
}

// RegenerateRecoveryCodes replaces the signed-in user's recovery codes,
// confirmed by a current TOTP code (proof of the second factor, which a
// password alone would not give). Audited ("Two-factor recovery codes
// regenerated."). Errors: as DisableTwoFactor, without the account rule.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, code string) ([]string, error) {
	var codes []string
	e := &audit.Entry{Item: audit.Item2FA, Action: audit.ActionUpdate, Description: "Two-factor recovery codes regenerated.",
		FailureDescription: "Regenerating two-factor recovery codes failed."}
	err := s.signedInTwoFactor(ctx, code, e, nil, func(ctx context.Context, cur *users.User, _ *TwoFactor) error {
		var err error
		codes, err = s.replaceRecoveryCodes(ctx, cur)
		return err
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// ResetTwoFactor removes another user's 2FA (enabled or pending), their
// recovery codes and pending sign-in steps, e.g. after a lost phone. It
// requires PermSecurityManage on the user's account; a user outside the
// principal's tree is NotFound. If the account requires 2FA the user
// enrolls again at the next sign-in. Audited ("Two-factor authentication
// reset for user."). Errors: Unauthenticated, NotFound, Forbidden, Invalid
// (no 2FA to reset).
func (s *Service) ResetTwoFactor(ctx context.Context, userID string) error {
	e := &audit.Entry{Item: audit.Item2FA, Action: audit.ActionDisable, Description: "Two-factor authentication reset for user.",
		FailureDescription: "Resetting two-factor authentication failed.", TargetType: "user"}
	return s.audit.Run(ctx, e, func(ctx context.Context) error {
		u, err := s.userInTree(ctx, security.PermSecurityManage, userID)
		if err != nil {
			return err
		}
		e.AccountID, e.TargetID, e.TargetName = u.AccountID, u.ID, u.Username
		if err := s.store.DeleteTwoFactor(ctx, u.ID); err != nil {
			if accountkit.ErrorCode(err) == accountkit.NotFound {
				return accountkit.Errorf(accountkit.Invalid, "the user has no two-factor authentication to reset")
			}
			return err
		}
		for _, k := range []users.TokenKind{TokenRecoveryCode, TokenTwoFactorChallenge, TokenTwoFactorEnroll} {
			if err := s.store.DeleteTokens(ctx, u.ID, k); err != nil {
				return err
			}
		}
		return nil
	})
}

// TwoFactorStatus describes the signed-in user's 2FA.
type TwoFactorStatus struct {
	Enabled bool `json:"enabled"`
	// Pending is true while an enrollment waits for its first code.
	Pending bool `json:"pending"`
	// Required is true when the user's account requires 2FA.
	Required          bool       `json:"required"`
	EnabledAt         *time.Time `json:"enabled_at,omitempty"`
	RecoveryCodesLeft int        `json:"recovery_codes_left"`
}

// TwoFactorStatus returns the signed-in user's 2FA status.
// Errors: Unauthenticated, Forbidden (not a user).
func (s *Service) TwoFactorStatus(ctx context.Context) (_ *TwoFactorStatus, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if p.UserID == "" {
		return nil, errUserOnly2FA
	}
	u, err := s.store.GetUser(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	policy, err := s.accounts.Policy(ctx, u.AccountID)
	if err != nil {
		return nil, err
	}
	out := &TwoFactorStatus{Required: policy.TwoFactorRequired}
	tf, err := s.getTwoFactor(ctx, u.ID)
	if err != nil || tf == nil {
		return out, err
	}
	out.Enabled, out.Pending, out.EnabledAt = tf.Enabled, !tf.Enabled, tf.EnabledAt
	if tf.Enabled {
		left, err := s.store.ListTokens(ctx, u.ID, TokenRecoveryCode)
		if err != nil {
			return nil, err
		}
		out.RecoveryCodesLeft = len(left)
	}
	return out, nil
}

var errUserNotFound = accountkit.Errorf(accountkit.NotFound, "user not found")

// userInTree resolves a user another principal acts on (security.Resolve)
// and locks its row.
func (s *Service) userInTree(ctx context.Context, perm security.Permission, id string) (*users.User, error) {
	if _, _, err := security.Resolve(ctx, s.authz, perm, id, errUserNotFound, s.store.GetUser, func(u *users.User) string { return u.AccountID }); err != nil {
		return nil, err
	}
	u, err := s.store.GetUserForUpdate(ctx, id)
	if accountkit.ErrorCode(err) == accountkit.NotFound {
		return nil, errUserNotFound
	}
	return u, err
}

// SealSecret seals a small secret of another package (an SSO client
// secret) at rest with the keys of the TOTP secrets (Options.TOTPKey and
// its rotation), bound to bind: a sealed value opens only with the same bind
// string. Errors: Internal.
func (s *Service) SealSecret(ctx context.Context, plaintext []byte, bind string) ([]byte, error) {
	sealer, err := s.sealer(ctx)
	if err != nil {
		return nil, err
	}
	return sealer.Seal(plaintext, bind)
}

// OpenSecret opens a value sealed by SealSecret with the same bind string.
// Errors: Internal (the value does not open; the cause is never shown).
func (s *Service) OpenSecret(ctx context.Context, sealed []byte, bind string) ([]byte, error) {
	sealer, err := s.sealer(ctx)
	if err != nil {
		return nil, err
	}
	return sealer.Open(sealed, bind)
}
