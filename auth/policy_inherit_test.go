package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/users"
)

// inheritTree builds main → sub → subsub (the sub-accounts exist before
// any policy is set on the main account) with one active user in the
// sub-sub-account, and returns the main account's manager context.
func inheritTree(t *testing.T, username string) (*kittest.Env, *account.Account, *account.Account, *users.User, context.Context) {
	t.Helper()
	env, main, _, ctx := setup(t)
	sub := env.SubAccount(t, main, "acme-eu")
	subsub := env.SubAccount(t, sub, "acme-eu-de")
	u := env.ActiveUser(t, subsub, username)
	return env, main, subsub, u, ctx
}

func enforce(t *testing.T, env *kittest.Env, ctx context.Context, accountID string, u account.SecurityUpdate, g account.PolicyGroup) {
	t.Helper()
	_, err := env.Kit.Accounts.UpdateSecuritySettings(ctx, accountID, u)
	require.NoError(t, err)
	_, err = env.Kit.Accounts.Enforce(ctx, accountID, g)
	require.NoError(t, err)
}

// TestInherited_Lockout: the main account's enforced lockout locks a user
// of a sub-sub-account at its number of attempts, and a later change on
// the main account applies at the next sign-in.
func TestInherited_Lockout(t *testing.T) {
	t.Parallel()
	env, main, subsub, u, ctx := inheritTree(t, "lena")
	login := func(pw string) error {
		_, err := env.Kit.Auth.Login(context.Background(), auth.LoginInput{Identifier: "lena", Password: pw})
		return err
	}
	enforce(t, env, ctx, main.ID, account.SecurityUpdate{MaxLoginAttempts: ptr(3)}, account.GroupLockout)
	own, err := env.Store.GetSecuritySettings(context.Background(), subsub.ID)
	if err == nil {
		require.Equal(t, account.DefaultMaxLoginAttempts, own.MaxLoginAttempts, "the sub-sub-account's own value is untouched")
	}
	for range 2 {
		require.Error(t, login("nope"))
	}
	n, locked := failedLogins(t, env, u.ID)
	require.Equal(t, 2, n)
	require.False(t, locked)
	// Tightened on the main account now: the third failure locks at 2.
	_, err = env.Kit.Accounts.UpdateSecuritySettings(ctx, main.ID, account.SecurityUpdate{MaxLoginAttempts: ptr(2)})
	require.NoError(t, err)
	require.Error(t, login("nope"))
	_, locked = failedLogins(t, env, u.ID)
	assert.True(t, locked, "locked by the inherited limit")
	assert.Equal(t, accountkit.Unauthenticated, code(login(kittest.Password)))

	// Not enforced: the sub-sub-account's own (default 5) applies again.
	_, err = env.Kit.Accounts.Unenforce(ctx, main.ID, account.GroupLockout)
	require.NoError(t, err)
	v := env.ActiveUser(t, subsub, "vera")
	for range 4 {
		_, _ = env.Kit.Auth.Login(context.Background(), auth.LoginInput{Identifier: "vera", Password: "nope"})
	}
	_, locked = failedLogins(t, env, v.ID)
	assert.False(t, locked, "own limit of 5")
}

// TestInherited_TwoFactor: turning on and enforcing 2FA on the main account
// after the sub-accounts exist makes a sub-sub-account user enroll at the
// next sign-in; lifting it lets them in with a password again.
func TestInherited_TwoFactor(t *testing.T) {
	t.Parallel()
	env, main, _, _, ctx := inheritTree(t, "mona")
	env.Login(t, "mona", kittest.Password)
	enforce(t, env, ctx, main.ID, account.SecurityUpdate{TwoFactorRequired: ptr(true)}, account.GroupTwoFactor)
	passwordStep(t, env, "mona", auth.LoginTwoFactorEnrollmentRequired)
	_, err := env.Kit.Accounts.Unenforce(ctx, main.ID, account.GroupTwoFactor)
	require.NoError(t, err)
	env.Login(t, "mona", kittest.Password)
}

// TestInherited_PasswordExpiry: an enforced password validity on the main
// account expires a sub-sub-account user's password; a later shortening
// on the main account applies at once.
func TestInherited_PasswordExpiry(t *testing.T) {
	t.Parallel()
	env, main, _, _, ctx := inheritTree(t, "nora")
	enforce(t, env, ctx, main.ID, account.SecurityUpdate{PasswordValidityDays: ptr(90)}, account.GroupPassword)
	env.Clock.Advance(60 * 24 * time.Hour)
	env.Login(t, "nora", kittest.Password)
	_, err := env.Kit.Accounts.UpdateSecuritySettings(ctx, main.ID, account.SecurityUpdate{PasswordValidityDays: ptr(30)})
	require.NoError(t, err)
	res, err := env.Kit.Auth.Login(context.Background(), auth.LoginInput{Identifier: "nora", Password: kittest.Password})
	require.NoError(t, err)
	assert.Equal(t, auth.LoginPasswordChangeRequired, res.Status)

	// The enforced minimum length applies to the new password.
	_, err = env.Kit.Accounts.UpdateSecuritySettings(ctx, main.ID, account.SecurityUpdate{PasswordMinLength: ptr(20)})
	require.NoError(t, err)
	_, err = env.Kit.Auth.ChangeExpiredPassword(context.Background(), res.ChangeToken, "only-16-chars-xx", "", "")
	assert.Equal(t, accountkit.Invalid, code(err), "shorter than the inherited 20")
	_, err = env.Kit.Auth.ChangeExpiredPassword(context.Background(), res.ChangeToken, "a-long-enough-password-2026", "", "")
	require.NoError(t, err)
}

// TestInherited_Sessions: an enforced idle timeout on the main account ends
// a sub-sub-account user's idle session. Session limits are fixed when a
// session starts (as for the account's own setting), so the session
// started before the change keeps the default 30 minutes.
func TestInherited_Sessions(t *testing.T) {
	t.Parallel()
	env, main, _, _, ctx := inheritTree(t, "olga")
	before := env.Login(t, "olga", kittest.Password)
	enforce(t, env, ctx, main.ID, account.SecurityUpdate{SessionIdleMinutes: ptr(10)}, account.GroupSessions)
	token := env.Login(t, "olga", kittest.Password)
	env.Clock.Advance(11 * time.Minute)
	_, _, err := env.Kit.Auth.SessionPrincipal(context.Background(), before)
	require.NoError(t, err, "started under the default 30 minutes")
	_, _, err = env.Kit.Auth.SessionPrincipal(context.Background(), token)
	assert.Equal(t, accountkit.Unauthenticated, code(err), "the inherited 10-minute idle timeout")
}

// TestInherited_Inactivity: the inactivity job disables a sub-sub-account
// user under the main account's enforced maximum inactivity, though the
// sub-accounts never saved one, and uses the effective (stricter) value.
func TestInherited_Inactivity(t *testing.T) {
	t.Parallel()
	env, main, subsub, u, ctx := inheritTree(t, "pia")
	_, err := env.Kit.Accounts.UpdateSecuritySettings(ctx, main.ID, account.SecurityUpdate{MaxInactivityDays: ptr(60)})
	require.NoError(t, err)
	env.Clock.Advance(40 * 24 * time.Hour)
	n, err := env.Kit.Users.DisableInactive(env.System())
	require.NoError(t, err)
	assert.Zero(t, n)

	_, err = env.Kit.Accounts.Enforce(ctx, main.ID, account.GroupInactivity)
	require.NoError(t, err)
	n, err = env.Kit.Users.DisableInactive(env.System())
	require.NoError(t, err)
	assert.Zero(t, n, "40 days < 60")
	_, err = env.Kit.Accounts.UpdateSecuritySettings(ctx, main.ID, account.SecurityUpdate{MaxInactivityDays: ptr(30)})
	require.NoError(t, err)
	n, err = env.Kit.Users.DisableInactive(env.System())
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	got, err := env.Store.GetUser(context.Background(), u.ID)
	require.NoError(t, err)
	assert.Equal(t, users.StatusDisabled, got.Status)
	assert.Contains(t, env.RequireEvent(t, subsub.ID, "User", "Disable").Details["reason"], "30 days")
}
