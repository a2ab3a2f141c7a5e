package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/internal/kittest"
)

// TestSessions_TwoPendingChallenges: two browsers signing in at once both
// finish; and someone who knows the password cannot cancel the user's
// second step by signing in again.
func TestSessions_TwoPendingChallenges(t *testing.T) {
	t.Parallel()
	env, main, _, _ := setup(t)
	u := env.ActiveUser(t, main, "sam")
	secret, _ := enroll(t, env, u)
	login := func() string {
		res, err := env.Kit.Auth.Login(context.Background(), auth.LoginInput{Identifier: "sam", Password: kittest.Password})
		require.NoError(t, err)
		require.Equal(t, auth.LoginTwoFactorRequired, res.Status)
		return res.ChallengeToken
	}
	laptop, phone := login(), login()
	attacker := login()
	_ = attacker
	env.Clock.Advance(step)
	res, err := env.Kit.Auth.VerifyTwoFactor(context.Background(), auth.VerifyInput{ChallengeToken: laptop, Code: codeAt(t, secret, env.Clock.Now())})
	require.NoError(t, err, "the first browser's step survived two later sign-ins")
	require.Equal(t, auth.LoginOK, res.Status)
	env.Clock.Advance(step)
	res, err = env.Kit.Auth.VerifyTwoFactor(context.Background(), auth.VerifyInput{ChallengeToken: phone, Code: codeAt(t, secret, env.Clock.Now())})
	require.NoError(t, err, "the second one too")
	require.Equal(t, auth.LoginOK, res.Status)
	env.Clock.Advance(step)
	_, err = env.Kit.Auth.VerifyTwoFactor(context.Background(), auth.VerifyInput{ChallengeToken: laptop, Code: codeAt(t, secret, env.Clock.Now())})
	assert.Equal(t, accountkit.Unauthenticated, accountkit.ErrorCode(err), "each step works once")
	env.Clock.Advance(5 * time.Minute)
	_, err = env.Kit.Auth.VerifyTwoFactor(context.Background(), auth.VerifyInput{ChallengeToken: attacker, Code: codeAt(t, secret, env.Clock.Now())})
	assert.Equal(t, accountkit.Unauthenticated, accountkit.ErrorCode(err), "and lives five minutes")
}

// TestSessions_DisabledAccountEndsThem: disabling an account ends its
// users' sessions (and those of accounts below it); enabling it again
// revives none.
func TestSessions_DisabledAccountEndsThem(t *testing.T) {
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := kittest.NewWithStore(t, open(t))
			main := env.MainAccount(t, "acme")
			sub := env.SubAccount(t, main, "acme-eu")
			subsub := env.SubAccount(t, sub, "acme-eu-de")
			boss := env.ActiveUser(t, main, "boss")
			env.ActiveUser(t, sub, "ella")
			env.ActiveUser(t, subsub, "dirk")
			tokens := map[string]string{}
			for _, n := range []string{"boss", "ella", "dirk"} {
				tokens[n] = env.Login(t, n, kittest.Password)
			}
			_, err := env.Kit.Accounts.Disable(env.System(), sub.ID)
			require.NoError(t, err)
			_, err = env.Kit.Accounts.Enable(env.System(), sub.ID)
			require.NoError(t, err)
			for n, alive := range map[string]bool{"boss": true, "ella": false, "dirk": false} {
				_, _, err := env.Kit.Auth.SessionPrincipal(context.Background(), tokens[n])
				assert.Equal(t, alive, err == nil, "%s: %v", n, err)
			}
			_ = boss
		})
	}
}

// TestSessions_IdleNeverEarly: the last use of a session is written at
// most once a minute; the session still lives until its idle limit has
// passed since that use.
func TestSessions_IdleNeverEarly(t *testing.T) {
	t.Parallel()
	env, main, _, _ := setup(t)
	env.ActiveUser(t, main, "sam")
	tok := env.Login(t, "sam", kittest.Password) // idle limit: 30 minutes
	use := func() error {
		_, _, err := env.Kit.Auth.SessionPrincipal(context.Background(), tok)
		return err
	}
	env.Clock.Advance(59 * time.Second)
	require.NoError(t, use(), "used 59 s in: not written (written at most once a minute)")
	env.Clock.Advance(29*time.Minute + 30*time.Second)
	require.NoError(t, use(), "29 min 30 s after its last use: alive")
	env.Clock.Advance(31 * time.Minute)
	assert.Equal(t, accountkit.Unauthenticated, accountkit.ErrorCode(use()), "31 min idle: over")
}
