package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

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

func ptr[T any](v T) *T { return &v }

func code(err error) accountkit.Code { return accountkit.ErrorCode(err) }

// setup returns an env with a main account "acme", its manager "boss" and a
// context acting as boss.
func setup(t *testing.T) (*kittest.Env, *account.Account, *users.User, context.Context) {
	t.Helper()
	env := kittest.New(t)
	main := env.MainAccount(t, "acme")
	boss := env.ActiveUser(t, main, "boss", security.RoleAccountManager)
	return env, main, boss, env.UserCtx(t, boss)
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func TestService_AcceptInvitation(t *testing.T) {
	t.Parallel()
	env, main, _, ctx := setup(t)
	u, err := env.Kit.Users.Create(ctx, users.CreateInput{Username: "carol", Email: "carol@example.com"})
	require.NoError(t, err)
	first := env.Mail.Last(t, u.Email, users.MailInvitation).Token

	require.NoError(t, env.Kit.Users.ResendInvitation(ctx, u.ID))
	second := env.Mail.Last(t, u.Email, users.MailInvitation).Token
	require.NotEqual(t, first, second)
	_, err = env.Kit.Auth.AcceptInvitation(context.Background(), first, kittest.Password)
	assert.Equal(t, accountkit.Invalid, code(err), "resending voids the previous link")

	for _, pw := range []string{"short", "carol", "carol@example.com", strings.Repeat("x", 129)} {
		_, err = env.Kit.Auth.AcceptInvitation(context.Background(), second, pw)
		assert.Equal(t, accountkit.Invalid, code(err), pw)
	}
	got, err := env.Kit.Auth.AcceptInvitation(context.Background(), second, kittest.Password)
	require.NoError(t, err, "a refused password leaves the link usable")
	assert.Equal(t, users.StatusActive, got.Status)
	assert.True(t, got.EmailVerified)
	assert.NotNil(t, got.ActivatedAt)
	assert.True(t, strings.HasPrefix(got.PasswordHash, "$argon2id$"))
	ev := env.LastEvent(t, main.ID)
	assert.Equal(t, audit.ActionAccept, ev.Action)
	assert.Equal(t, "User accepted.", ev.Description)

	_, err = env.Kit.Auth.AcceptInvitation(context.Background(), second, kittest.Password)
	assert.Equal(t, accountkit.Invalid, code(err), "single use")
	_, err = env.Kit.Auth.AcceptInvitation(context.Background(), "forged-token", kittest.Password)
	assert.Equal(t, accountkit.Invalid, code(err))
	_, err = env.Kit.Auth.AcceptInvitation(context.Background(), strings.Repeat("A", 10000), kittest.Password)
	assert.Equal(t, accountkit.Invalid, code(err))

	late, err := env.Kit.Users.Create(ctx, users.CreateInput{Username: "late", Email: "late@example.com"})
	require.NoError(t, err)
	tok := env.Mail.Last(t, late.Email, users.MailInvitation).Token
	env.Clock.Advance(72*time.Hour + time.Second)
	_, err = env.Kit.Auth.AcceptInvitation(context.Background(), tok, kittest.Password)
	assert.Equal(t, accountkit.Invalid, code(err), "expired")
	reset := env.Kit.Auth.ResetPassword(context.Background(), tok, kittest.Password)
	assert.Equal(t, accountkit.Invalid, code(reset), "an invitation is not a reset link")
}

func TestService_Login(t *testing.T) {
	t.Parallel()
	env, main, boss, ctx := setup(t)
	dave := env.ActiveUser(t, main, "dave", security.RoleMember)
	login := func(id, pw string) (*auth.LoginResult, error) {
		return env.Kit.Auth.Login(context.Background(), auth.LoginInput{Identifier: id, Password: pw, IP: "198.51.100.7", UserAgent: "test"})
	}

	res, err := login("DAVE", kittest.Password)
	require.NoError(t, err)
	assert.Equal(t, auth.LoginOK, res.Status)
	assert.True(t, strings.HasPrefix(res.Token, "aks_"))
	assert.NotEmpty(t, res.CSRFToken)
	u, _ := env.Store.GetUser(context.Background(), dave.ID)
	require.NotNil(t, u.LastLoginAt)
	assert.Equal(t, "198.51.100.7", u.LastLoginIP)
	assert.Equal(t, users.LoginPassword, u.LastLoginMethod)
	ev := env.LastEvent(t, main.ID)
	assert.Equal(t, audit.ActionLogin, ev.Action)
	assert.Equal(t, "User logged in (First Last, dave@acme.test).", ev.Description)

	_, err = login("dave@acme.test", kittest.Password)
	assert.NoError(t, err, "by email too")

	// Every failure is the same error.
	invited, err := env.Kit.Users.Create(ctx, users.CreateInput{Username: "ivan", Email: "ivan@example.com"})
	require.NoError(t, err)
	sub := env.SubAccount(t, main, "acme-off")
	offUser := env.ActiveUser(t, sub, "offuser")
	_, err = env.Kit.Accounts.Disable(ctx, sub.ID)
	require.NoError(t, err)
	disabled := env.ActiveUser(t, main, "dis")
	_, err = env.Kit.Users.Disable(ctx, disabled.ID)
	require.NoError(t, err)
	for name, c := range map[string][2]string{
		"unknown user":     {"nobody", kittest.Password},
		"wrong password":   {"dave", "wrong-password"},
		"empty password":   {"dave", ""},
		"invited user":     {invited.Username, kittest.Password},
		"disabled user":    {"dis", kittest.Password},
		"disabled account": {offUser.Username, kittest.Password},
		"huge password":    {"dave", strings.Repeat("p", 100000)},
		"empty identifier": {"", kittest.Password},
	} {
		_, err := login(c[0], c[1])
		var e *accountkit.Error
		require.ErrorAs(t, err, &e, name)
		assert.Equal(t, accountkit.Unauthenticated, e.Code, name)
		assert.Equal(t, "invalid username or password", e.Message, name)
	}
	_ = boss
}

func TestService_Lockout(t *testing.T) {
	t.Parallel()
	env, main, _, ctx := setup(t)
	erin := env.ActiveUser(t, main, "erin")
	login := func(pw string) error {
		_, err := env.Kit.Auth.Login(context.Background(), auth.LoginInput{Identifier: "erin", Password: pw})
		return err
	}
	for i := 0; i < 4; i++ {
		require.Error(t, login("nope"))
	}
	require.NoError(t, login(kittest.Password), "a success resets the counter")
	for i := 0; i < 4; i++ {
		require.Error(t, login("nope"))
	}
	u, _ := env.Store.GetUser(context.Background(), erin.ID)
	assert.Equal(t, 4, u.FailedLogins)
	assert.False(t, u.Locked)
	require.Error(t, login("nope"))
	u, _ = env.Store.GetUser(context.Background(), erin.ID)
	assert.True(t, u.Locked, "locked at the 5th consecutive failure")
	assert.Equal(t, "User locked.", env.Events(t, main.ID)[0].Description)

	err := login(kittest.Password)
	assert.Equal(t, accountkit.Unauthenticated, code(err), "never succeeds while locked")
	require.Error(t, login("nope"))
	u, _ = env.Store.GetUser(context.Background(), erin.ID)
	assert.Equal(t, 5, u.FailedLogins, "attempts while locked do not count")

	// The account's setting is read.
	_, err = env.Kit.Accounts.UpdateSecuritySettings(ctx, main.ID, account.SecurityUpdate{MaxLoginAttempts: ptr(2)})
	require.NoError(t, err)
	frank := env.ActiveUser(t, main, "frank")
	require.Error(t, login("x"))
	_, _ = env.Kit.Auth.Login(context.Background(), auth.LoginInput{Identifier: "frank", Password: "x"})
	_, _ = env.Kit.Auth.Login(context.Background(), auth.LoginInput{Identifier: "frank", Password: "x"})
	u, _ = env.Store.GetUser(context.Background(), frank.ID)
	assert.True(t, u.Locked, "locked after 2")

	// Unlock: the admin clears it and the user gets a reset link.
	_, err = env.Kit.Users.Unlock(ctx, erin.ID)
	require.NoError(t, err)
	assert.Equal(t, "User unlocked.", env.Events(t, main.ID)[1].Description)
	m := env.Mail.Last(t, "erin@acme.test", users.MailPasswordReset)
	require.NoError(t, env.Kit.Auth.ResetPassword(context.Background(), m.Token, "brand-new-pass-1"))
	require.NoError(t, login("brand-new-pass-1"))
}

func TestService_ForgotAndReset(t *testing.T) {
	t.Parallel()
	env, main, _, _ := setup(t)
	gina := env.ActiveUser(t, main, "gina")
	token := env.Login(t, "gina", kittest.Password)

	require.NoError(t, env.Kit.Auth.ForgotPassword(context.Background(), "nobody-here"))
	require.NoError(t, env.Kit.Auth.ForgotPassword(context.Background(), "gina@acme.test"))
	env.Kit.Auth.Wait()
	m := env.Mail.Last(t, "gina@acme.test", users.MailPasswordReset)
	assert.True(t, m.ExpiresAt.Equal(env.Clock.Now().Add(time.Hour)))
	assert.Equal(t, "Reset forgot password email sent.", env.LastEvent(t, main.ID).Description)

	assert.Equal(t, accountkit.Invalid, code(env.Kit.Auth.ResetPassword(context.Background(), m.Token, "short")))
	require.NoError(t, env.Kit.Auth.ResetPassword(context.Background(), m.Token, "another-good-pass"))
	ev := env.LastEvent(t, main.ID)
	assert.Equal(t, "Password for user restored.", ev.Description, "a reset is filed as the reference's Password Update")
	assert.Equal(t, audit.ItemPassword, ev.Item)
	assert.Equal(t, audit.ActionUpdate, ev.Action)
	assert.Equal(t, accountkit.Invalid, code(env.Kit.Auth.ResetPassword(context.Background(), m.Token, "another-good-pass2")), "single use")
	_, _, err := env.Kit.Auth.SessionPrincipal(context.Background(), token)
	assert.Equal(t, accountkit.Unauthenticated, code(err), "a reset ends every session")

	require.NoError(t, env.Kit.Auth.ForgotPassword(context.Background(), "gina"))
	env.Kit.Auth.Wait()
	m2 := env.Mail.Last(t, "gina@acme.test", users.MailPasswordReset)
	env.Clock.Advance(time.Hour + time.Second)
	assert.Equal(t, accountkit.Invalid, code(env.Kit.Auth.ResetPassword(context.Background(), m2.Token, "yet-another-pass")), "expired")

	_, err = env.Kit.Users.Disable(env.System(), gina.ID)
	require.NoError(t, err)
	n := env.Mail.Count("gina@acme.test", users.MailPasswordReset)
	require.NoError(t, env.Kit.Auth.ForgotPassword(context.Background(), "gina"))
	env.Kit.Auth.Wait()
	assert.Equal(t, n, env.Mail.Count("gina@acme.test", users.MailPasswordReset), "no link for disabled users")
}

func TestService_Sessions(t *testing.T) {
	t.Parallel()
	env, main, _, ctx := setup(t)
	hank := env.ActiveUser(t, main, "hank", security.RoleMember)
	token := env.Login(t, "hank", kittest.Password)
	p, _, err := env.Kit.Auth.SessionPrincipal(context.Background(), token)
	require.NoError(t, err)
	assert.Equal(t, hank.ID, p.UserID)
	assert.False(t, p.Permissions.Has(security.PermUsersManage))

	env.Clock.Advance(29 * time.Minute)
	_, _, err = env.Kit.Auth.SessionPrincipal(context.Background(), token)
	require.NoError(t, err, "used within the idle timeout")
	env.Clock.Advance(29 * time.Minute)
	_, _, err = env.Kit.Auth.SessionPrincipal(context.Background(), token)
	require.NoError(t, err, "the previous use refreshed it")
	env.Clock.Advance(31 * time.Minute)
	_, _, err = env.Kit.Auth.SessionPrincipal(context.Background(), token)
	assert.Equal(t, accountkit.Unauthenticated, code(err), "idle timeout")

	token = env.Login(t, "hank", kittest.Password)
	for i := 0; i < 25; i++ {
		env.Clock.Advance(29 * time.Minute)
		if _, _, err = env.Kit.Auth.SessionPrincipal(context.Background(), token); err != nil {
			break
		}
	}
	assert.Equal(t, accountkit.Unauthenticated, code(err), "absolute lifetime (12 h)")

	token = env.Login(t, "hank", kittest.Password)
	_, err = env.Kit.Users.Disable(ctx, hank.ID)
	require.NoError(t, err)
	_, _, err = env.Kit.Auth.SessionPrincipal(context.Background(), token)
	assert.Equal(t, accountkit.Unauthenticated, code(err), "disabling ends sessions")
	_, _, err = env.Kit.Auth.SessionPrincipal(context.Background(), "aks_forged")
	assert.Equal(t, accountkit.Unauthenticated, code(err))
}

func TestService_PasswordValidity(t *testing.T) {
	t.Parallel()
	env, main, _, ctx := setup(t)
	env.ActiveUser(t, main, "ida")
	_, err := env.Kit.Accounts.UpdateSecuritySettings(ctx, main.ID, account.SecurityUpdate{PasswordValidityDays: ptr(90)})
	require.NoError(t, err)
	env.Clock.Advance(89 * 24 * time.Hour)
	env.Login(t, "ida", kittest.Password)
	env.Clock.Advance(24 * time.Hour)
	res, err := env.Kit.Auth.Login(context.Background(), auth.LoginInput{Identifier: "ida", Password: kittest.Password})
	require.NoError(t, err)
	assert.Equal(t, auth.LoginPasswordChangeRequired, res.Status)
	assert.Nil(t, res.Session, "no full session")
	assert.Empty(t, res.Token)
	_, _, err = env.Kit.Auth.SessionPrincipal(context.Background(), res.ChangeToken)
	assert.Error(t, err, "the change token is no session")

	_, err = env.Kit.Auth.ChangeExpiredPassword(context.Background(), res.ChangeToken, kittest.Password, "", "")
	assert.Equal(t, accountkit.Invalid, code(err), "must differ")
	done, err := env.Kit.Auth.ChangeExpiredPassword(context.Background(), res.ChangeToken, "fresh-password-42", "", "")
	require.NoError(t, err)
	assert.Equal(t, auth.LoginOK, done.Status)
	assert.NotEmpty(t, done.Token)
	_, err = env.Kit.Auth.ChangeExpiredPassword(context.Background(), res.ChangeToken, "fresh-password-43", "", "")
	assert.Equal(t, accountkit.Invalid, code(err), "single use")
	env.Login(t, "ida", "fresh-password-42")
}

func TestService_ChangePassword(t *testing.T) {
	t.Parallel()
	env, main, _, _ := setup(t)
	jack := env.ActiveUser(t, main, "jack")
	keep := env.Login(t, "jack", kittest.Password)
	other := env.Login(t, "jack", kittest.Password)
	p, _, err := env.Kit.Auth.SessionPrincipal(context.Background(), keep)
	require.NoError(t, err)
	ctx := kittest.As(p)

	assert.Equal(t, accountkit.Invalid, code(env.Kit.Auth.ChangePassword(ctx, "wrong", "new-password-99")))
	u, _ := env.Store.GetUser(context.Background(), jack.ID)
	assert.Equal(t, 1, u.FailedLogins, "a wrong current password counts")
	require.NoError(t, env.Kit.Auth.ChangePassword(ctx, kittest.Password, "new-password-99"))
	_, _, err = env.Kit.Auth.SessionPrincipal(context.Background(), keep)
	assert.NoError(t, err, "the current session stays")
	_, _, err = env.Kit.Auth.SessionPrincipal(context.Background(), other)
	assert.Error(t, err, "other sessions end")
	env.Login(t, "jack", "new-password-99")
}

// cancelledAfterHash reports itself cancelled but never closes Done: the
// hasher (which waits on Done) runs, and anything that checks Err — a
// transaction starting — sees a client that has gone away.
type cancelledAfterHash struct{ context.Context }

func (cancelledAfterHash) Err() error { return context.Canceled }

// TestService_Login_CountsWhenClientLeaves: a client that disconnects after
// sending a wrong password is still counted toward the lockout.
func TestService_Login_CountsWhenClientLeaves(t *testing.T) {
	t.Parallel()
	env, main, _, _ := setup(t)
	u := env.ActiveUser(t, main, "leaver")
	_, err := env.Kit.Auth.Login(cancelledAfterHash{context.Background()}, auth.LoginInput{Identifier: "leaver", Password: "wrong-guess"})
	assert.Equal(t, accountkit.Unauthenticated, code(err))
	got, err := env.Store.GetUser(context.Background(), u.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, got.FailedLogins, "the attempt was counted")
}
