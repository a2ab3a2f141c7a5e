package auth_test

import (
	"bytes"
	"context"
	"encoding/base32"
	"encoding/base64"
	"image/png"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/users"
)

const step = 30 * time.Second

// codeAt returns the TOTP code of secret at t, as an authenticator app
// would show it.
func codeAt(t testing.TB, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	require.NoError(t, err)
	return c
}

// enroll enrolls u through the signed-in flow and moves the clock one
// step on, so the next code is fresh. It returns the secret and the
// recovery codes.
func enroll(t testing.TB, env *kittest.Env, u *users.User) (string, []string) {
	t.Helper()
	ctx := env.UserCtx(t, u)
	en, err := env.Kit.Auth.BeginTwoFactorEnrollment(ctx, "")
	require.NoError(t, err)
	res, err := env.Kit.Auth.ConfirmTwoFactorEnrollment(ctx, auth.ConfirmInput{Code: codeAt(t, en.Secret, env.Clock.Now())})
	require.NoError(t, err)
	require.Len(t, res.RecoveryCodes, auth.RecoveryCodeCount)
	env.Clock.Advance(step)
	return en.Secret, res.RecoveryCodes
}

// passwordStep signs in with the password and expects a second-factor
// challenge of the status.
func passwordStep(t testing.TB, env *kittest.Env, username string, want auth.LoginStatus) string {
	t.Helper()
	res, err := env.Kit.Auth.Login(context.Background(), auth.LoginInput{Identifier: username, Password: kittest.Password, IP: "192.0.2.9"})
	require.NoError(t, err)
	require.Equal(t, want, res.Status)
	require.Nil(t, res.Session, "no session before the second factor")
	require.Empty(t, res.Token)
	require.NotEmpty(t, res.ChallengeToken)
	return res.ChallengeToken
}

func verify(env *kittest.Env, challenge, code string) (*auth.LoginResult, error) {
	return env.Kit.Auth.VerifyTwoFactor(context.Background(), auth.VerifyInput{ChallengeToken: challenge, Code: code, IP: "192.0.2.9"})
}

func failedLogins(t testing.TB, env *kittest.Env, id string) (int, bool) {
	t.Helper()
	u, err := env.Store.GetUser(context.Background(), id)
	require.NoError(t, err)
	return u.FailedLogins, u.Locked
}

func hasEvent(evs []*audit.Event, desc string, status audit.Status) *audit.Event {
	for _, e := range evs {
		if e.Description == desc && e.Status == status {
			return e
		}
	}
	return nil
}

// requireNoSecret fails t when any audit event of the main account holds
// one of the secrets.
func requireNoSecret(t testing.TB, env *kittest.Env, mainID string, secrets ...string) {
	t.Helper()
	for _, e := range env.Events(t, mainID) {
		text := strings.Join([]string{e.Description, e.TargetName, e.ActorName, e.UserAgent, strings.Join(mapValues(e.Details), " ")}, "\n")
		for _, s := range secrets {
			require.NotContains(t, text, s, "secret in audit event %q", e.Description)
		}
	}
}

func TestTwoFactor_Enroll(t *testing.T) {
	t.Parallel()
	env, main, _, _ := setup(t)
	alice := env.ActiveUser(t, main, "alice")
	ctx := env.UserCtx(t, alice)

	en, err := env.Kit.Auth.BeginTwoFactorEnrollment(ctx, "")
	require.NoError(t, err)
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(en.Secret)
	require.NoError(t, err)
	assert.Len(t, raw, 20, "160-bit secret")
	uri, err := url.Parse(en.URI)
	require.NoError(t, err)
	assert.Equal(t, "otpauth", uri.Scheme)
	assert.Equal(t, "totp", uri.Host)
	assert.Equal(t, "/accountkit:alice", uri.Path)
	q := uri.Query()
	assert.Equal(t, en.Secret, q.Get("secret"))
	assert.Equal(t, "accountkit", q.Get("issuer"))
	assert.Equal(t, "SHA1", q.Get("algorithm"))
	assert.Equal(t, "6", q.Get("digits"))
	assert.Equal(t, "30", q.Get("period"))
	img, err := png.Decode(bytes.NewReader(en.QRCodePNG))
	require.NoError(t, err, "the QR code is a PNG")
	assert.Equal(t, 256, img.Bounds().Dx())

	// Stored sealed, never in clear.
	tf, err := env.Store.GetTwoFactor(context.Background(), alice.ID)
	require.NoError(t, err)
	assert.False(t, tf.Enabled, "pending until confirmed")
	assert.NotContains(t, string(tf.Secret), en.Secret)
	assert.NotContains(t, strings.ToUpper(string(tf.Secret)), en.Secret)
	assert.False(t, bytes.Contains(tf.Secret, raw), "the raw secret is not in the sealed bytes")
	st, err := env.Kit.Auth.TwoFactorStatus(ctx)
	require.NoError(t, err)
	assert.Equal(t, &auth.TwoFactorStatus{Pending: true}, st)

	// Pending is not enabled: a sign-in still gives a session.
	env.Login(t, "alice", kittest.Password)

	t.Run("ErrBadCode", func(t *testing.T) {
		now := env.Clock.Now()
		for _, c := range []string{"", "12345", "1234567", "12a456", "１２３４５６", codeAt(t, en.Secret, now.Add(-2*step)), codeAt(t, en.Secret, now.Add(2*step))} {
			_, err := env.Kit.Auth.ConfirmTwoFactorEnrollment(ctx, auth.ConfirmInput{Code: c})
			var e *accountkit.Error
			require.ErrorAs(t, err, &e, c)
			assert.Equal(t, accountkit.Invalid, e.Code, c)
			require.Len(t, e.Fields, 1, c)
			assert.Equal(t, "code", e.Fields[0].Field, c)
			assert.NotContains(t, e.Error(), en.Secret)
		}
		tf, err := env.Store.GetTwoFactor(context.Background(), alice.ID)
		require.NoError(t, err)
		assert.False(t, tf.Enabled, "nothing changed")
		n, _ := failedLogins(t, env, alice.ID)
		assert.Zero(t, n, "a signed-in confirmation is not a sign-in attempt")
		assert.NotNil(t, hasEvent(env.Events(t, main.ID), "Enabling two-factor authentication failed.", audit.StatusFailure))
	})

	t.Run("OK", func(t *testing.T) {
		res, err := env.Kit.Auth.ConfirmTwoFactorEnrollment(ctx, auth.ConfirmInput{Code: " " + codeAt(t, en.Secret, env.Clock.Now().Add(-step)) + " "})
		require.NoError(t, err)
		require.Len(t, res.RecoveryCodes, 10)
		seen := map[string]bool{}
		for _, c := range res.RecoveryCodes {
			assert.Regexp(t, `^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$`, c)
			assert.False(t, seen[c])
			seen[c] = true
		}
		assert.Nil(t, res.Login)
		st, err := env.Kit.Auth.TwoFactorStatus(ctx)
		require.NoError(t, err)
		assert.True(t, st.Enabled)
		assert.Equal(t, 10, st.RecoveryCodesLeft)
		ev := env.LastEvent(t, main.ID)
		assert.Equal(t, audit.Item2FA, ev.Item)
		assert.Equal(t, audit.ActionEnable, ev.Action)
		assert.Equal(t, "Two-factor authentication enabled for user.", ev.Description)
		assert.Equal(t, alice.ID, ev.TargetID)
		requireNoSecret(t, env, main.ID, append([]string{en.Secret}, res.RecoveryCodes...)...)

		_, err = env.Kit.Auth.BeginTwoFactorEnrollment(ctx, "")
		assert.Equal(t, accountkit.Conflict, code(err), "re-enrolling needs a disable first")
		_, err = env.Kit.Auth.ConfirmTwoFactorEnrollment(ctx, auth.ConfirmInput{Code: codeAt(t, en.Secret, env.Clock.Now().Add(step))})
		assert.Equal(t, accountkit.Conflict, code(err))
	})

	t.Run("ErrNoPending", func(t *testing.T) {
		bob := env.ActiveUser(t, main, "bob")
		before := len(env.Events(t, main.ID))
		_, err := env.Kit.Auth.ConfirmTwoFactorEnrollment(env.UserCtx(t, bob), auth.ConfirmInput{Code: "123456"})
		assert.Equal(t, accountkit.Invalid, code(err))
		_, err = env.Store.GetTwoFactor(context.Background(), bob.ID)
		assert.Equal(t, accountkit.NotFound, code(err))
		assert.Len(t, env.Events(t, main.ID), before+1, "only the failure event")
	})

	t.Run("ErrNoUser", func(t *testing.T) {
		_, err := env.Kit.Auth.BeginTwoFactorEnrollment(context.Background(), "")
		assert.Equal(t, accountkit.Unauthenticated, code(err))
		_, err = env.Kit.Auth.BeginTwoFactorEnrollment(env.System(), "")
		assert.Equal(t, accountkit.Forbidden, code(err))
	})
}

// TestTwoFactor_Window: the current step ±1 is accepted, ±2 refused; a
// code of the last used step or an earlier one is refused.
func TestTwoFactor_Window(t *testing.T) {
	t.Parallel()
	env, main, _, _ := setup(t)
	carol := env.ActiveUser(t, main, "carol")
	secret, _ := enroll(t, env, carol)
	env.Clock.Advance(10 * step)
	now := env.Clock.Now()
	at := func(k int) string { return codeAt(t, secret, now.Add(time.Duration(k)*step)) }

	ch := passwordStep(t, env, "carol", auth.LoginTwoFactorRequired)
	_, err := verify(env, ch, at(-2))
	assert.Equal(t, accountkit.Unauthenticated, code(err), "-2 steps")
	_, err = verify(env, ch, at(+2))
	assert.Equal(t, accountkit.Unauthenticated, code(err), "+2 steps")
	n, _ := failedLogins(t, env, carol.ID)
	assert.Equal(t, 2, n, "refused codes count")

	res, err := verify(env, ch, at(-1))
	require.NoError(t, err, "-1 step")
	assert.Equal(t, auth.LoginOK, res.Status)
	assert.True(t, strings.HasPrefix(res.Token, "aks_"))
	n, _ = failedLogins(t, env, carol.ID)
	assert.Zero(t, n, "a completed sign-in resets the count")
	ev := env.LastEvent(t, main.ID)
	assert.Equal(t, "User logged in (First Last, carol@acme.test).", ev.Description)
	u, _ := env.Store.GetUser(context.Background(), carol.ID)
	require.NotNil(t, u.LastLoginAt)
	assert.Equal(t, "192.0.2.9", u.LastLoginIP)

	_, err = verify(env, ch, at(0))
	assert.Equal(t, accountkit.Unauthenticated, code(err), "the challenge is single-use")

	ch = passwordStep(t, env, "carol", auth.LoginTwoFactorRequired)
	_, err = verify(env, ch, at(-1))
	assert.Equal(t, accountkit.Unauthenticated, code(err), "the same step again")
	_, err = verify(env, ch, at(0))
	require.NoError(t, err, "0 steps")

	ch = passwordStep(t, env, "carol", auth.LoginTwoFactorRequired)
	_, err = verify(env, ch, at(+1))
	require.NoError(t, err, "+1 step")

	ch = passwordStep(t, env, "carol", auth.LoginTwoFactorRequired)
	_, err = verify(env, ch, at(0))
	assert.Equal(t, accountkit.Unauthenticated, code(err), "an earlier step after a later one")
	_, err = verify(env, ch, at(+1))
	assert.Equal(t, accountkit.Unauthenticated, code(err), "the same step")
	env.Clock.Advance(step)
	_, err = verify(env, ch, at(+2))
	require.NoError(t, err, "the next step, once the clock reaches it")
	assert.NotNil(t, hasEvent(env.Events(t, main.ID), "User login failed.", audit.StatusFailure))
	requireNoSecret(t, env, main.ID, secret, ch)
}

func TestTwoFactor_BadInput(t *testing.T) {
	t.Parallel()
	env, main, _, _ := setup(t)
	dan := env.ActiveUser(t, main, "dan")
	secret, codes := enroll(t, env, dan)
	ch := passwordStep(t, env, "dan", auth.LoginTwoFactorRequired)
	good := codeAt(t, secret, env.Clock.Now())

	t.Run("ErrChallenge", func(t *testing.T) {
		forged, _, err := security.NewSecret("")
		require.NoError(t, err)
		for name, c := range map[string]string{
			"empty":     "",
			"forged":    forged,
			"huge":      strings.Repeat("a", 100000),
			"truncated": ch[:len(ch)-1],
			"session":   "aks_" + ch,
		} {
			_, err := verify(env, c, good)
			var e *accountkit.Error
			require.ErrorAs(t, err, &e, name)
			assert.Equal(t, accountkit.Unauthenticated, e.Code, name)
			assert.Equal(t, "the sign-in step is invalid or has expired; sign in again", e.Message, name)
		}
		n, _ := failedLogins(t, env, dan.ID)
		assert.Zero(t, n, "nothing to attribute, nothing counted")
	})

	t.Run("ErrShape", func(t *testing.T) {
		for name, in := range map[string]auth.VerifyInput{
			"neither": {ChallengeToken: ch},
			"both":    {ChallengeToken: ch, Code: good, RecoveryCode: codes[0]},
		} {
			_, err := env.Kit.Auth.VerifyTwoFactor(context.Background(), in)
			var e *accountkit.Error
			require.ErrorAs(t, err, &e, name)
			assert.Equal(t, accountkit.Invalid, e.Code, name)
			require.Len(t, e.Fields, 1)
		}
		n, _ := failedLogins(t, env, dan.ID)
		assert.Zero(t, n)
	})

	t.Run("ErrMalformedCodeCounts", func(t *testing.T) {
		for _, c := range []string{"12345", "abcdef", "1234567", strings.Repeat("9", 5000)} {
			_, err := verify(env, ch, c)
			var e *accountkit.Error
			require.ErrorAs(t, err, &e, c)
			assert.Equal(t, accountkit.Invalid, e.Code)
			assert.Equal(t, "code", e.Fields[0].Field)
		}
		_, err := env.Kit.Auth.VerifyTwoFactor(context.Background(), auth.VerifyInput{ChallengeToken: ch, RecoveryCode: "not-a-code"})
		var e *accountkit.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, "recovery_code", e.Fields[0].Field)
		n, _ := failedLogins(t, env, dan.ID)
		assert.Equal(t, 5, n, "malformed codes at a live challenge count")
	})

	t.Run("ErrExpired", func(t *testing.T) {
		_, err := env.Kit.Users.Unlock(env.System(), dan.ID)
		require.NoError(t, err)
		ch := passwordStep(t, env, "dan", auth.LoginTwoFactorRequired)
		env.Clock.Advance(5 * time.Minute)
		_, err = verify(env, ch, codeAt(t, secret, env.Clock.Now()))
		assert.Equal(t, accountkit.Unauthenticated, code(err), "the challenge lives 5 minutes")
		n, _ := failedLogins(t, env, dan.ID)
		assert.Zero(t, n)
	})
}

func TestTwoFactor_Lockout(t *testing.T) {
	t.Parallel()
	env, main, _, _ := setup(t)
	erin := env.ActiveUser(t, main, "erin")
	secret, codes := enroll(t, env, erin)

	// A right password does not reset the count while a factor is missing.
	for i := 0; i < 2; i++ {
		_, err := env.Kit.Auth.Login(context.Background(), auth.LoginInput{Identifier: "erin", Password: "wrong"})
		require.Error(t, err)
	}
	ch := passwordStep(t, env, "erin", auth.LoginTwoFactorRequired)
	n, _ := failedLogins(t, env, erin.ID)
	assert.Equal(t, 2, n)
	wrong := codeAt(t, secret, env.Clock.Now().Add(-5*step))
	for i := 0; i < 2; i++ {
		_, err := verify(env, ch, wrong)
		require.Equal(t, accountkit.Unauthenticated, code(err))
	}
	_, locked := failedLogins(t, env, erin.ID)
	assert.False(t, locked)
	// A new password step does not buy more guesses.
	ch = passwordStep(t, env, "erin", auth.LoginTwoFactorRequired)
	_, err := verify(env, ch, wrong)
	require.Equal(t, accountkit.Unauthenticated, code(err))
	n, locked = failedLogins(t, env, erin.ID)
	assert.Equal(t, 5, n)
	assert.True(t, locked, "locked at the threshold")
	assert.Equal(t, "User locked.", env.Events(t, main.ID)[0].Description)

	// The locked user's challenge is dead, even with the right code or a
	// recovery code, and nothing more is counted.
	_, err = verify(env, ch, codeAt(t, secret, env.Clock.Now()))
	assert.Equal(t, accountkit.Unauthenticated, code(err))
	_, err = env.Kit.Auth.VerifyTwoFactor(context.Background(), auth.VerifyInput{ChallengeToken: ch, RecoveryCode: codes[0]})
	assert.Equal(t, accountkit.Unauthenticated, code(err))
	n, _ = failedLogins(t, env, erin.ID)
	assert.Equal(t, 5, n)
	left, err := env.Store.ListTokens(context.Background(), erin.ID, auth.TokenRecoveryCode)
	require.NoError(t, err)
	assert.Len(t, left, 10, "no recovery code was spent")
	_, err = env.Kit.Auth.Login(context.Background(), auth.LoginInput{Identifier: "erin", Password: kittest.Password})
	assert.Equal(t, accountkit.Unauthenticated, code(err))
}

func TestTwoFactor_RecoveryCodes(t *testing.T) {
	t.Parallel()
	env, main, _, _ := setup(t)
	fay := env.ActiveUser(t, main, "fay")
	secret, codes := enroll(t, env, fay)

	ch := passwordStep(t, env, "fay", auth.LoginTwoFactorRequired)
	res, err := env.Kit.Auth.VerifyTwoFactor(context.Background(), auth.VerifyInput{ChallengeToken: ch, RecoveryCode: strings.ToUpper(codes[3])})
	require.NoError(t, err, "case and dashes are ignored")
	assert.Equal(t, auth.LoginOK, res.Status)
	ev := hasEvent(env.Events(t, main.ID), "Recovery code used.", audit.StatusSuccess)
	require.NotNil(t, ev)
	assert.Equal(t, audit.Item2FA, ev.Item)
	assert.Equal(t, "9", ev.Details["recovery_codes_left"])

	ch = passwordStep(t, env, "fay", auth.LoginTwoFactorRequired)
	_, err = env.Kit.Auth.VerifyTwoFactor(context.Background(), auth.VerifyInput{ChallengeToken: ch, RecoveryCode: codes[3]})
	assert.Equal(t, accountkit.Unauthenticated, code(err), "single use")
	n, _ := failedLogins(t, env, fay.ID)
	assert.Equal(t, 1, n, "a used recovery code counts as a failure")
	_, err = env.Kit.Auth.VerifyTwoFactor(context.Background(), auth.VerifyInput{ChallengeToken: ch, RecoveryCode: strings.ReplaceAll(codes[4], "-", " ")})
	require.NoError(t, err)

	// Regenerate with a current code: the old codes stop working.
	ctx := env.UserCtx(t, fay)
	fresh, err := env.Kit.Auth.RegenerateRecoveryCodes(ctx, codeAt(t, secret, env.Clock.Now()))
	require.NoError(t, err)
	require.Len(t, fresh, 10)
	assert.Equal(t, "Two-factor recovery codes regenerated.", env.LastEvent(t, main.ID).Description)
	_, err = env.Kit.Auth.RegenerateRecoveryCodes(ctx, codeAt(t, secret, env.Clock.Now()))
	assert.Equal(t, accountkit.Invalid, code(err), "the code was used")
	ch = passwordStep(t, env, "fay", auth.LoginTwoFactorRequired)
	_, err = env.Kit.Auth.VerifyTwoFactor(context.Background(), auth.VerifyInput{ChallengeToken: ch, RecoveryCode: codes[5]})
	assert.Equal(t, accountkit.Unauthenticated, code(err), "replaced")
	_, err = env.Kit.Auth.VerifyTwoFactor(context.Background(), auth.VerifyInput{ChallengeToken: ch, RecoveryCode: fresh[0]})
	require.NoError(t, err)
	requireNoSecret(t, env, main.ID, append(append([]string{secret}, codes...), fresh...)...)
}

func TestTwoFactor_ForcedEnrollment(t *testing.T) {
	t.Parallel()
	env, main, _, ctx := setup(t)
	gus := env.ActiveUser(t, main, "gus")
	_, err := env.Kit.Accounts.UpdateSecuritySettings(ctx, main.ID, account.SecurityUpdate{TwoFactorRequired: ptr(true)})
	require.NoError(t, err)

	ch := passwordStep(t, env, "gus", auth.LoginTwoFactorEnrollmentRequired)
	_, err = verify(env, ch, "123456")
	assert.Equal(t, accountkit.Unauthenticated, code(err), "an enrollment challenge is not a sign-in challenge")
	_, _, err = env.Kit.Auth.SessionPrincipal(context.Background(), ch)
	assert.Equal(t, accountkit.Unauthenticated, code(err), "no session before enrollment")

	_, err = env.Kit.Auth.ConfirmTwoFactorEnrollment(context.Background(), auth.ConfirmInput{ChallengeToken: ch, Code: "123456"})
	assert.Equal(t, accountkit.Invalid, code(err), "nothing to confirm yet")
	en, err := env.Kit.Auth.BeginTwoFactorEnrollment(context.Background(), ch)
	require.NoError(t, err)

	bad := codeAt(t, en.Secret, env.Clock.Now().Add(-3*step))
	_, err = env.Kit.Auth.ConfirmTwoFactorEnrollment(context.Background(), auth.ConfirmInput{ChallengeToken: ch, Code: bad})
	assert.Equal(t, accountkit.Invalid, code(err))
	n, _ := failedLogins(t, env, gus.ID)
	assert.Equal(t, 1, n, "a wrong code at a sign-in step counts")

	res, err := env.Kit.Auth.ConfirmTwoFactorEnrollment(context.Background(), auth.ConfirmInput{ChallengeToken: ch, Code: codeAt(t, en.Secret, env.Clock.Now()), IP: "192.0.2.77"})
	require.NoError(t, err)
	assert.Len(t, res.RecoveryCodes, 10)
	require.NotNil(t, res.Login)
	assert.Equal(t, auth.LoginOK, res.Login.Status)
	p, _, err := env.Kit.Auth.SessionPrincipal(context.Background(), res.Login.Token)
	require.NoError(t, err)
	assert.Equal(t, gus.ID, p.UserID)
	n, _ = failedLogins(t, env, gus.ID)
	assert.Zero(t, n)
	evs := env.Events(t, main.ID)
	assert.Equal(t, "User logged in (First Last, gus@acme.test).", evs[0].Description)
	assert.Equal(t, "Two-factor authentication enabled for user.", evs[1].Description)

	_, err = env.Kit.Auth.ConfirmTwoFactorEnrollment(context.Background(), auth.ConfirmInput{ChallengeToken: ch, Code: codeAt(t, en.Secret, env.Clock.Now().Add(step))})
	assert.Equal(t, accountkit.Unauthenticated, code(err), "the enrollment challenge is single-use")

	// Next time: a code challenge; and the user may not disable 2FA.
	env.Clock.Advance(step)
	ch = passwordStep(t, env, "gus", auth.LoginTwoFactorRequired)
	_, err = env.Kit.Auth.BeginTwoFactorEnrollment(context.Background(), ch)
	assert.Equal(t, accountkit.Unauthenticated, code(err), "a sign-in challenge does not permit enrollment")
	_, err = verify(env, ch, codeAt(t, en.Secret, env.Clock.Now()))
	require.NoError(t, err)
	err = env.Kit.Auth.DisableTwoFactor(env.UserCtx(t, gus), codeAt(t, en.Secret, env.Clock.Now().Add(step)))
	assert.Equal(t, accountkit.Forbidden, code(err), "the account requires 2FA")
	_, err = env.Store.GetTwoFactor(context.Background(), gus.ID)
	require.NoError(t, err, "nothing changed")
}

func TestTwoFactor_DisableAndReset(t *testing.T) {
	t.Parallel()
	env, main, _, bossCtx := setup(t)
	hal := env.ActiveUser(t, main, "hal")
	secret, _ := enroll(t, env, hal)
	ctx := env.UserCtx(t, hal)

	err := env.Kit.Auth.DisableTwoFactor(ctx, codeAt(t, secret, env.Clock.Now().Add(-4*step)))
	assert.Equal(t, accountkit.Invalid, code(err))
	n, _ := failedLogins(t, env, hal.ID)
	assert.Equal(t, 1, n, "a wrong code counts, as a wrong current password does")
	err = env.Kit.Auth.DisableTwoFactor(ctx, "")
	assert.Equal(t, accountkit.Invalid, code(err))
	require.NoError(t, env.Kit.Auth.DisableTwoFactor(ctx, codeAt(t, secret, env.Clock.Now())))
	assert.Equal(t, "Two-factor authentication disabled for user.", env.LastEvent(t, main.ID).Description)
	_, err = env.Store.GetTwoFactor(context.Background(), hal.ID)
	assert.Equal(t, accountkit.NotFound, code(err))
	left, _ := env.Store.ListTokens(context.Background(), hal.ID, auth.TokenRecoveryCode)
	assert.Empty(t, left)
	env.Login(t, "hal", kittest.Password)
	err = env.Kit.Auth.DisableTwoFactor(ctx, "123456")
	assert.Equal(t, accountkit.Invalid, code(err), "not enabled")

	// Reset by an Account Manager.
	secret, _ = enroll(t, env, hal)
	ch := passwordStep(t, env, "hal", auth.LoginTwoFactorRequired)
	member := env.ActiveUser(t, main, "mem", security.RoleMember)
	err = env.Kit.Auth.ResetTwoFactor(env.UserCtx(t, member), hal.ID)
	assert.Equal(t, accountkit.Forbidden, code(err))
	require.NoError(t, env.Kit.Auth.ResetTwoFactor(bossCtx, hal.ID))
	ev := env.LastEvent(t, main.ID)
	assert.Equal(t, audit.Item2FA, ev.Item)
	assert.Equal(t, "Two-factor authentication reset for user.", ev.Description)
	assert.Equal(t, "boss", ev.ActorName)
	assert.Equal(t, hal.ID, ev.TargetID)
	_, err = verify(env, ch, codeAt(t, secret, env.Clock.Now()))
	assert.Equal(t, accountkit.Unauthenticated, code(err), "pending challenges end with the reset")
	env.Login(t, "hal", kittest.Password)
	err = env.Kit.Auth.ResetTwoFactor(bossCtx, hal.ID)
	assert.Equal(t, accountkit.Invalid, code(err), "nothing to reset")

	t.Run("ErrOtherTree", func(t *testing.T) {
		other := env.MainAccount(t, "globex")
		intruder := env.ActiveUser(t, other, "intruder", security.RoleAccountManager)
		enroll(t, env, hal)
		before := len(env.Events(t, main.ID))
		for _, id := range []string{hal.ID, "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "not-an-id"} {
			err := env.Kit.Auth.ResetTwoFactor(env.UserCtx(t, intruder), id)
			assert.Equal(t, accountkit.NotFound, code(err), id)
		}
		_, err := env.Store.GetTwoFactor(context.Background(), hal.ID)
		require.NoError(t, err, "untouched")
		assert.Len(t, env.Events(t, main.ID), before, "no trace in the victim's tree")
		assert.NotNil(t, hasEvent(env.Events(t, other.ID), "Resetting two-factor authentication failed.", audit.StatusFailure))
	})
}

// newService returns an auth service on env's store with its own options.
func newService(env *kittest.Env, o auth.Options) *auth.Service {
	o.Hasher = security.NewPasswordHasher(kittest.CheapArgon2, 0)
	o.Limits = kittest.NoLimits
	s, err := auth.NewService(auth.Deps{Runtime: env.Kit.Runtime, Store: env.Store, Accounts: env.Kit.Accounts, Users: env.Kit.Users}, o)
	if err != nil {
		panic(err)
	}
	return s
}

func TestTwoFactor_SealedSecret(t *testing.T) {
	t.Parallel()
	env, main, _, _ := setup(t)

	t.Run("Tampered", func(t *testing.T) {
		ivy := env.ActiveUser(t, main, "ivy")
		secret, _ := enroll(t, env, ivy)
		tf, err := env.Store.GetTwoFactor(context.Background(), ivy.ID)
		require.NoError(t, err)
		for i := range tf.Secret {
			mod := *tf
			mod.Secret = bytes.Clone(tf.Secret)
			mod.Secret[i] ^= 0x01
			require.NoError(t, env.Store.PutTwoFactor(context.Background(), &mod))
			ch := passwordStep(t, env, "ivy", auth.LoginTwoFactorRequired)
			_, err := verify(env, ch, codeAt(t, secret, env.Clock.Now()))
			require.Equal(t, accountkit.Internal, code(err), "byte %d", i)
			assert.NotContains(t, accountkit.ErrorMessage(err), secret)
		}
		for _, blob := range [][]byte{nil, {1}, {1, 1}, tf.Secret[:20]} {
			mod := *tf
			mod.Secret = blob
			require.NoError(t, env.Store.PutTwoFactor(context.Background(), &mod))
			ch := passwordStep(t, env, "ivy", auth.LoginTwoFactorRequired)
			_, err := verify(env, ch, codeAt(t, secret, env.Clock.Now()))
			require.Equal(t, accountkit.Internal, code(err))
		}
		n, _ := failedLogins(t, env, ivy.ID)
		assert.Zero(t, n, "an unreadable secret is not the user's failure")
	})

	t.Run("MovedToAnotherUser", func(t *testing.T) {
		jay := env.ActiveUser(t, main, "jay")
		kim := env.ActiveUser(t, main, "kim")
		secret, _ := enroll(t, env, jay)
		enroll(t, env, kim)
		tf, err := env.Store.GetTwoFactor(context.Background(), jay.ID)
		require.NoError(t, err)
		tf.UserID = kim.ID
		require.NoError(t, env.Store.PutTwoFactor(context.Background(), tf))
		ch := passwordStep(t, env, "kim", auth.LoginTwoFactorRequired)
		_, err = verify(env, ch, codeAt(t, secret, env.Clock.Now()))
		assert.Equal(t, accountkit.Internal, code(err), "the user ID is the additional data")
	})

	t.Run("KeyRotation", func(t *testing.T) {
		lou := env.ActiveUser(t, main, "lou")
		secret, _ := enroll(t, env, lou) // sealed with kittest.TOTPKey, ID 1
		newKey := bytes.Repeat([]byte{7}, 32)
		rotated := newService(env, auth.Options{TOTPKey: newKey, TOTPKeyID: 2, TOTPOldKeys: map[byte][]byte{1: kittest.TOTPKey}, Production: true})
		res, err := rotated.Login(context.Background(), auth.LoginInput{Identifier: "lou", Password: kittest.Password})
		require.NoError(t, err)
		_, err = rotated.VerifyTwoFactor(context.Background(), auth.VerifyInput{ChallengeToken: res.ChallengeToken, Code: codeAt(t, secret, env.Clock.Now())})
		require.NoError(t, err, "an old key still opens")
		tf, err := env.Store.GetTwoFactor(context.Background(), lou.ID)
		require.NoError(t, err)
		assert.Equal(t, byte(2), tf.Secret[1], "resealed with the current key")

		env.Clock.Advance(step)
		only := newService(env, auth.Options{TOTPKey: newKey, TOTPKeyID: 2, Production: true})
		res, err = only.Login(context.Background(), auth.LoginInput{Identifier: "lou", Password: kittest.Password})
		require.NoError(t, err)
		_, err = only.VerifyTwoFactor(context.Background(), auth.VerifyInput{ChallengeToken: res.ChallengeToken, Code: codeAt(t, secret, env.Clock.Now())})
		require.NoError(t, err, "the resealed secret opens with the new key alone")
	})

	t.Run("ProductionWithoutKey", func(t *testing.T) {
		max := env.ActiveUser(t, main, "max")
		prod := newService(env, auth.Options{Production: true})
		_, err := prod.BeginTwoFactorEnrollment(env.UserCtx(t, max), "")
		assert.Equal(t, accountkit.Internal, code(err), "enrollment refuses to run")
		_, err = env.Store.GetTwoFactor(context.Background(), max.ID)
		assert.Equal(t, accountkit.NotFound, code(err))
		bad := newService(env, auth.Options{TOTPKey: []byte("short")})
		_, err = bad.BeginTwoFactorEnrollment(env.UserCtx(t, max), "")
		assert.Equal(t, accountkit.Internal, code(err), "a malformed key is refused")
	})

	t.Run("DevelopmentEphemeralKey", func(t *testing.T) {
		ned := env.ActiveUser(t, main, "ned")
		dev := newService(env, auth.Options{})
		ctx := env.UserCtx(t, ned)
		en, err := dev.BeginTwoFactorEnrollment(ctx, "")
		require.NoError(t, err)
		_, err = dev.ConfirmTwoFactorEnrollment(ctx, auth.ConfirmInput{Code: codeAt(t, en.Secret, env.Clock.Now())})
		require.NoError(t, err)
		tf, err := env.Store.GetTwoFactor(context.Background(), ned.ID)
		require.NoError(t, err)
		assert.Equal(t, byte(0), tf.Secret[1], "key ID 0 marks the ephemeral key")
		env.Clock.Advance(step)
		res, err := env.Kit.Auth.Login(context.Background(), auth.LoginInput{Identifier: "ned", Password: kittest.Password})
		require.NoError(t, err)
		_, err = env.Kit.Auth.VerifyTwoFactor(context.Background(), auth.VerifyInput{ChallengeToken: res.ChallengeToken, Code: codeAt(t, en.Secret, env.Clock.Now())})
		assert.Equal(t, accountkit.Internal, code(err), "another process cannot open it")
	})
}

// TestTwoFactor_Race: parallel uses of one code, one challenge or one
// recovery code: exactly one wins on every store.
func TestTwoFactor_Race(t *testing.T) {
	t.Parallel()
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := kittest.NewWithStore(t, open(t))
			main := env.MainAccount(t, "acme")
			_, err := env.Kit.Accounts.UpdateSecuritySettings(env.System(), main.ID, account.SecurityUpdate{MaxLoginAttempts: ptr(100)})
			require.NoError(t, err)
			u := env.ActiveUser(t, main, "target")
			secret, codes := enroll(t, env, u)
			const n = 12
			parallel := func(fn func() error) int {
				var wg sync.WaitGroup
				var wins atomic.Int32
				start := make(chan struct{})
				for i := 0; i < n; i++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						if fn() == nil {
							wins.Add(1)
						}
					}()
				}
				close(start)
				wg.Wait()
				return int(wins.Load())
			}

			ch := passwordStep(t, env, "target", auth.LoginTwoFactorRequired)
			c := codeAt(t, secret, env.Clock.Now())
			assert.Equal(t, 1, parallel(func() error { _, err := verify(env, ch, c); return err }), "one challenge, one code")

			// One code, no shared challenge: the step is what is single-use.
			env.Clock.Advance(step)
			c = codeAt(t, secret, env.Clock.Now())
			ctx := env.UserCtx(t, u)
			assert.Equal(t, 1, parallel(func() error { _, err := env.Kit.Auth.RegenerateRecoveryCodes(ctx, c); return err }), "one code")
			codes2, err := env.Store.ListTokens(context.Background(), u.ID, auth.TokenRecoveryCode)
			require.NoError(t, err)
			assert.Len(t, codes2, 10, "one set of recovery codes")
			_ = codes

			// One recovery code, many challenges in a row is impossible (a
			// new password step replaces the challenge), so race one
			// challenge with one recovery code.
			fresh, err := env.Kit.Auth.RegenerateRecoveryCodes(ctx, codeAt(t, secret, env.Clock.Now().Add(step)))
			require.NoError(t, err)
			ch = passwordStep(t, env, "target", auth.LoginTwoFactorRequired)
			assert.Equal(t, 1, parallel(func() error {
				_, err := env.Kit.Auth.VerifyTwoFactor(context.Background(), auth.VerifyInput{ChallengeToken: ch, RecoveryCode: fresh[0]})
				return err
			}), "one recovery code")
			left, err := env.Store.ListTokens(context.Background(), u.ID, auth.TokenRecoveryCode)
			require.NoError(t, err)
			assert.Len(t, left, 9)
		})
	}
}

func TestTwoFactor_HTTP(t *testing.T) {
	t.Parallel()
	env, main, boss, _ := setup(t)
	u := env.ActiveUser(t, main, "olga")
	bossToken := env.Login(t, "boss", kittest.Password)
	token := env.Login(t, "olga", kittest.Password)

	r := env.Do(t, "POST", "/api/v1/auth/2fa/enroll", token, nil)
	require.Equal(t, 200, r.Status, string(r.Body))
	var en struct {
		Secret string `json:"secret"`
		URI    string `json:"otpauth_uri"`
		QR     string `json:"qr_code_png"`
	}
	r.JSON(t, &en)
	pngBytes, err := base64.StdEncoding.DecodeString(en.QR)
	require.NoError(t, err)
	_, err = png.Decode(bytes.NewReader(pngBytes))
	require.NoError(t, err)
	assert.Contains(t, en.URI, "secret="+en.Secret)

	r = env.Do(t, "POST", "/api/v1/auth/2fa/enroll/confirm", token, map[string]any{"code": "000000x"})
	assert.Equal(t, 400, r.Status)
	p := r.Problem(t)
	assert.Equal(t, "code", p["fields"].([]any)[0].(map[string]any)["field"])
	r = env.Do(t, "POST", "/api/v1/auth/2fa/enroll/confirm", token, map[string]any{"code": codeAt(t, en.Secret, env.Clock.Now()), "extra": 1})
	assert.Equal(t, 400, r.Status, "unknown fields are refused")
	r = env.Do(t, "POST", "/api/v1/auth/2fa/enroll/confirm", token, map[string]any{"code": codeAt(t, en.Secret, env.Clock.Now())})
	require.Equal(t, 200, r.Status, string(r.Body))
	var conf struct {
		RecoveryCodes []string `json:"recovery_codes"`
	}
	r.JSON(t, &conf)
	assert.Len(t, conf.RecoveryCodes, 10)
	env.Clock.Advance(step)

	// login → challenge → verify → /auth/me
	r = env.Do(t, "POST", "/api/v1/auth/login", "", map[string]any{"username": "olga", "password": kittest.Password})
	require.Equal(t, 200, r.Status)
	var login struct {
		Status    string `json:"status"`
		Challenge string `json:"challenge_token"`
		Token     string `json:"token"`
	}
	r.JSON(t, &login)
	assert.Equal(t, "two_factor_required", login.Status)
	assert.Empty(t, login.Token)
	assert.Empty(t, r.Header.Values("Set-Cookie"), "no session cookie before the second factor")
	r = env.Do(t, "GET", "/api/v1/auth/me", login.Challenge, nil)
	assert.Equal(t, 401, r.Status, "a challenge is not a session")

	r = env.Do(t, "POST", "/api/v1/auth/2fa/verify", "", map[string]any{"challenge_token": login.Challenge, "code": "111111"})
	assert.Equal(t, 401, r.Status)
	assert.Equal(t, "unauthenticated", r.Problem(t)["code"])
	r = env.Do(t, "POST", "/api/v1/auth/2fa/verify", "", map[string]any{"challenge_token": login.Challenge, "code": codeAt(t, en.Secret, env.Clock.Now())})
	require.Equal(t, 200, r.Status, string(r.Body))
	r.JSON(t, &login)
	assert.Equal(t, "ok", login.Status)
	assert.NotEmpty(t, r.Header.Values("Set-Cookie"))
	r = env.Do(t, "GET", "/api/v1/auth/me", login.Token, nil)
	require.Equal(t, 200, r.Status)
	assert.Contains(t, string(r.Body), `"olga"`)

	r = env.Do(t, "GET", "/api/v1/auth/2fa", login.Token, nil)
	require.Equal(t, 200, r.Status)
	assert.JSONEq(t, `{"enabled":true,"pending":false,"required":false,"enabled_at":"`+kittest.Epoch.Format(time.RFC3339)+`","recovery_codes_left":10}`, string(r.Body))

	r = env.Do(t, "POST", "/api/v1/auth/2fa/recovery-codes", login.Token, map[string]any{"code": codeAt(t, en.Secret, env.Clock.Now().Add(step))})
	require.Equal(t, 200, r.Status, string(r.Body))

	// The secret never shows again: user JSON, status, events.
	for _, path := range []string{"/api/v1/users/" + u.ID, "/api/v1/users", "/api/v1/audit/events"} {
		r = env.Do(t, "GET", path, bossToken, nil)
		require.Equal(t, 200, r.Status, path)
		assert.NotContains(t, string(r.Body), en.Secret, path)
		for _, c := range conf.RecoveryCodes {
			assert.NotContains(t, string(r.Body), c, path)
		}
	}

	r = env.Do(t, "POST", "/api/v1/users/"+u.ID+"/2fa/reset", login.Token, nil)
	assert.Equal(t, 403, r.Status, "olga is no Account Manager")
	r = env.Do(t, "POST", "/api/v1/users/"+u.ID+"/2fa/reset", bossToken, nil)
	assert.Equal(t, 204, r.Status, string(r.Body))
	r = env.Do(t, "POST", "/api/v1/auth/2fa/disable", login.Token, map[string]any{"code": "123456"})
	assert.Equal(t, 400, r.Status, "nothing left to disable")
	_ = boss
}
