package users_test

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

func TestService_Create(t *testing.T) {
	t.Parallel()
	env, main, _, ctx := setup(t)

	t.Run("OK", func(t *testing.T) {
		u, err := env.Kit.Users.Create(ctx, users.CreateInput{Username: "Alice", FirstName: "Alice", LastName: "Doe",
			Email: "Alice@Example.COM", Phone: "+1 415 555 0123", Roles: []string{security.RoleMember}})
		require.NoError(t, err)
		assert.Equal(t, "alice", u.Username, "usernames are lower-cased")
		assert.Equal(t, "alice@example.com", u.Email)
		assert.Equal(t, "+14155550123", u.Phone)
		assert.Equal(t, users.StatusInvited, u.Status)
		assert.False(t, u.EmailVerified)
		assert.Empty(t, u.PasswordHash)
		m := env.Mail.Last(t, "alice@example.com", users.MailInvitation)
		assert.Equal(t, "https://app.test/account/accept-invitation?token="+m.Token, m.URL)
		assert.Len(t, m.Token, 43, "256-bit token")
		assert.True(t, m.ExpiresAt.Equal(env.Clock.Now().Add(72*time.Hour)))
		evs := env.Events(t, main.ID)
		assert.Equal(t, audit.ItemURL, evs[0].Item)
		assert.Equal(t, "Email with password sent to user.", evs[0].Description)
		assert.Equal(t, audit.ItemUser, evs[1].Item)
		assert.Equal(t, "User created.", evs[1].Description)
		for _, e := range evs {
			assert.NotContains(t, e.Description+strings.Join(mapValues(e.Details), " "), m.Token, "the secret is never logged")
		}
	})
	t.Run("ErrBadInput", func(t *testing.T) {
		before := len(env.Events(t, main.ID))
		for _, in := range []users.CreateInput{
			{Username: "", Email: "x@example.com"},
			{Username: "ab", Email: "x@example.com"},
			{Username: "has space", Email: "x@example.com"},
			{Username: strings.Repeat("u", 65), Email: "x@example.com"},
			{Username: "valid1", Email: "not-an-email"},
			{Username: "valid1", Email: "Name <x@example.com>"},
			{Username: "valid1", Email: "x@example.com\r\nBcc: y@example.com"},
			{Username: "valid1", Email: "x@example.com", Phone: "12345"},
			{Username: "valid1", Email: "x@example.com", FirstName: strings.Repeat("f", 101)},
			{Username: "valid1", Email: "x@example.com", LastName: "bad\x07bell"},
			{Username: "valid1", Email: "x@example.com", Roles: []string{"no-such-role"}},
			{Username: "valid1", Email: "x@example.com", Roles: []string{"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"}},
		} {
			_, err := env.Kit.Users.Create(ctx, in)
			assert.Equal(t, accountkit.Invalid, code(err), "%+v", in)
		}
		_, err := env.Store.GetUserByUsername(context.Background(), "valid1")
		assert.Equal(t, accountkit.NotFound, code(err), "nothing created")
		evs := env.Events(t, main.ID)
		assert.Len(t, evs, before+12, "a failure event each")
		assert.Equal(t, "User creation failed.", evs[0].Description)
	})
	t.Run("ErrDuplicates", func(t *testing.T) {
		_, err := env.Kit.Users.Create(ctx, users.CreateInput{Username: "ALICE", Email: "other@example.com"})
		assert.Equal(t, accountkit.Conflict, code(err), "username, case-insensitive")
		_, err = env.Kit.Users.Create(ctx, users.CreateInput{Username: "alice2", Email: "ALICE@example.com"})
		assert.Equal(t, accountkit.Conflict, code(err), "email within the tree")
		sub := env.SubAccount(t, main, "acme-eu")
		_, err = env.Kit.Users.Create(ctx, users.CreateInput{AccountID: sub.ID, Username: "alice3", Email: "alice@example.com"})
		assert.Equal(t, accountkit.Conflict, code(err), "email within sub-accounts too")
		other := env.MainAccount(t, "globex")
		_, err = env.Kit.Users.Create(env.System(), users.CreateInput{AccountID: other.ID, Username: "alice4", Email: "alice@example.com"})
		assert.NoError(t, err, "another main account may reuse the email")
	})
	t.Run("ErrEscalation", func(t *testing.T) {
		hr := env.ActiveUser(t, main, "hrdept", security.RoleMember)
		hrCtx := kittest.As(&security.Principal{UserID: hr.ID, Username: "hrdept", AccountID: main.ID,
			Permissions: security.NewPermissionSet(security.PermUsersManage)})
		_, err := env.Kit.Users.Create(hrCtx, users.CreateInput{Username: "mole", Email: "mole@example.com", Roles: []string{security.RoleAccountManager}})
		assert.Equal(t, accountkit.Forbidden, code(err))
		_, err = env.Kit.Users.Update(hrCtx, hr.ID, users.Update{Roles: &[]string{security.RoleAccountManager}})
		assert.Equal(t, accountkit.Forbidden, code(err), "not even to themselves")
		_, err = env.Kit.Users.Create(hrCtx, users.CreateInput{Username: "plain", Email: "plain@example.com", Roles: []string{security.RoleMember}})
		assert.NoError(t, err)
	})
	t.Run("ErrPermission", func(t *testing.T) {
		_, err := env.Kit.Users.Create(kittest.As(kittest.Member(main.ID, "clerk", security.PermUsersRead)), users.CreateInput{Username: "x-user", Email: "xu@example.com"})
		assert.Equal(t, accountkit.Forbidden, code(err))
		_, err = env.Kit.Users.Create(context.Background(), users.CreateInput{Username: "x-user", Email: "xu@example.com"})
		assert.Equal(t, accountkit.Unauthenticated, code(err))
	})
	t.Run("MailFailureKeepsUser", func(t *testing.T) {
		env.Mail.Fail = true
		defer func() { env.Mail.Fail = false }()
		u, err := env.Kit.Users.Create(ctx, users.CreateInput{Username: "unlucky", Email: "unlucky@example.com"})
		require.Error(t, err)
		require.NotNil(t, u, "the user exists; the invitation can be resent")
		assert.Equal(t, "Email with password sending failed.", env.LastEvent(t, main.ID).Description)
		assert.NotContains(t, err.Error(), "smtp", "no internals")
		env.Mail.Fail = false
		require.NoError(t, env.Kit.Users.ResendInvitation(ctx, u.ID))
		assert.Equal(t, 1, env.Mail.Count("unlucky@example.com", users.MailInvitation))
	})
}

func mapValues(m map[string]string) []string {
	var out []string
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
	_, err = env.Kit.Users.AcceptInvitation(context.Background(), first, kittest.Password)
	assert.Equal(t, accountkit.Invalid, code(err), "resending voids the previous link")

	for _, pw := range []string{"short", "carol", "carol@example.com", strings.Repeat("x", 129)} {
		_, err = env.Kit.Users.AcceptInvitation(context.Background(), second, pw)
		assert.Equal(t, accountkit.Invalid, code(err), pw)
	}
	got, err := env.Kit.Users.AcceptInvitation(context.Background(), second, kittest.Password)
	require.NoError(t, err, "a refused password leaves the link usable")
	assert.Equal(t, users.StatusActive, got.Status)
	assert.True(t, got.EmailVerified)
	assert.NotNil(t, got.ActivatedAt)
	assert.True(t, strings.HasPrefix(got.PasswordHash, "$argon2id$"))
	ev := env.LastEvent(t, main.ID)
	assert.Equal(t, audit.ActionAccept, ev.Action)
	assert.Equal(t, "User accepted.", ev.Description)

	_, err = env.Kit.Users.AcceptInvitation(context.Background(), second, kittest.Password)
	assert.Equal(t, accountkit.Invalid, code(err), "single use")
	_, err = env.Kit.Users.AcceptInvitation(context.Background(), "forged-token", kittest.Password)
	assert.Equal(t, accountkit.Invalid, code(err))
	_, err = env.Kit.Users.AcceptInvitation(context.Background(), strings.Repeat("A", 10000), kittest.Password)
	assert.Equal(t, accountkit.Invalid, code(err))

	late, err := env.Kit.Users.Create(ctx, users.CreateInput{Username: "late", Email: "late@example.com"})
	require.NoError(t, err)
	tok := env.Mail.Last(t, late.Email, users.MailInvitation).Token
	env.Clock.Advance(72*time.Hour + time.Second)
	_, err = env.Kit.Users.AcceptInvitation(context.Background(), tok, kittest.Password)
	assert.Equal(t, accountkit.Invalid, code(err), "expired")
	reset := env.Kit.Users.ResetPassword(context.Background(), tok, kittest.Password)
	assert.Equal(t, accountkit.Invalid, code(reset), "an invitation is not a reset link")
}

func TestService_Login(t *testing.T) {
	t.Parallel()
	env, main, boss, ctx := setup(t)
	dave := env.ActiveUser(t, main, "dave", security.RoleMember)
	login := func(id, pw string) (*users.LoginResult, error) {
		return env.Kit.Users.Login(context.Background(), users.LoginInput{Identifier: id, Password: pw, IP: "198.51.100.7", UserAgent: "test"})
	}

	res, err := login("DAVE", kittest.Password)
	require.NoError(t, err)
	assert.Equal(t, users.LoginOK, res.Status)
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
		_, err := env.Kit.Users.Login(context.Background(), users.LoginInput{Identifier: "erin", Password: pw})
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
	_, _ = env.Kit.Users.Login(context.Background(), users.LoginInput{Identifier: "frank", Password: "x"})
	_, _ = env.Kit.Users.Login(context.Background(), users.LoginInput{Identifier: "frank", Password: "x"})
	u, _ = env.Store.GetUser(context.Background(), frank.ID)
	assert.True(t, u.Locked, "locked after 2")

	// Unlock: the admin clears it and the user gets a reset link.
	_, err = env.Kit.Users.Unlock(ctx, erin.ID)
	require.NoError(t, err)
	assert.Equal(t, "User unlocked.", env.Events(t, main.ID)[1].Description)
	m := env.Mail.Last(t, "erin@acme.test", users.MailPasswordReset)
	require.NoError(t, env.Kit.Users.ResetPassword(context.Background(), m.Token, "brand-new-pass-1"))
	require.NoError(t, login("brand-new-pass-1"))
}

func TestService_ForgotAndReset(t *testing.T) {
	t.Parallel()
	env, main, _, _ := setup(t)
	gina := env.ActiveUser(t, main, "gina")
	token := env.Login(t, "gina", kittest.Password)

	require.NoError(t, env.Kit.Users.ForgotPassword(context.Background(), "nobody-here"))
	require.NoError(t, env.Kit.Users.ForgotPassword(context.Background(), "gina@acme.test"))
	env.Kit.Users.Wait()
	m := env.Mail.Last(t, "gina@acme.test", users.MailPasswordReset)
	assert.True(t, m.ExpiresAt.Equal(env.Clock.Now().Add(time.Hour)))
	assert.Equal(t, "Reset forgot password email sent.", env.LastEvent(t, main.ID).Description)

	assert.Equal(t, accountkit.Invalid, code(env.Kit.Users.ResetPassword(context.Background(), m.Token, "short")))
	require.NoError(t, env.Kit.Users.ResetPassword(context.Background(), m.Token, "another-good-pass"))
	assert.Equal(t, "Password updated.", env.LastEvent(t, main.ID).Description)
	assert.Equal(t, accountkit.Invalid, code(env.Kit.Users.ResetPassword(context.Background(), m.Token, "another-good-pass2")), "single use")
	_, _, err := env.Kit.Users.SessionPrincipal(context.Background(), token)
	assert.Equal(t, accountkit.Unauthenticated, code(err), "a reset ends every session")

	require.NoError(t, env.Kit.Users.ForgotPassword(context.Background(), "gina"))
	env.Kit.Users.Wait()
	m2 := env.Mail.Last(t, "gina@acme.test", users.MailPasswordReset)
	env.Clock.Advance(time.Hour + time.Second)
	assert.Equal(t, accountkit.Invalid, code(env.Kit.Users.ResetPassword(context.Background(), m2.Token, "yet-another-pass")), "expired")

	_, err = env.Kit.Users.Disable(env.System(), gina.ID)
	require.NoError(t, err)
	n := env.Mail.Count("gina@acme.test", users.MailPasswordReset)
	require.NoError(t, env.Kit.Users.ForgotPassword(context.Background(), "gina"))
	env.Kit.Users.Wait()
	assert.Equal(t, n, env.Mail.Count("gina@acme.test", users.MailPasswordReset), "no link for disabled users")
}

func TestService_Sessions(t *testing.T) {
	t.Parallel()
	env, main, _, ctx := setup(t)
	hank := env.ActiveUser(t, main, "hank", security.RoleMember)
	token := env.Login(t, "hank", kittest.Password)
	p, _, err := env.Kit.Users.SessionPrincipal(context.Background(), token)
	require.NoError(t, err)
	assert.Equal(t, hank.ID, p.UserID)
	assert.False(t, p.Permissions.Has(security.PermUsersManage))

	env.Clock.Advance(29 * time.Minute)
	_, _, err = env.Kit.Users.SessionPrincipal(context.Background(), token)
	require.NoError(t, err, "used within the idle timeout")
	env.Clock.Advance(29 * time.Minute)
	_, _, err = env.Kit.Users.SessionPrincipal(context.Background(), token)
	require.NoError(t, err, "the previous use refreshed it")
	env.Clock.Advance(31 * time.Minute)
	_, _, err = env.Kit.Users.SessionPrincipal(context.Background(), token)
	assert.Equal(t, accountkit.Unauthenticated, code(err), "idle timeout")

	token = env.Login(t, "hank", kittest.Password)
	for i := 0; i < 25; i++ {
		env.Clock.Advance(29 * time.Minute)
		if _, _, err = env.Kit.Users.SessionPrincipal(context.Background(), token); err != nil {
			break
		}
	}
	assert.Equal(t, accountkit.Unauthenticated, code(err), "absolute lifetime (12 h)")

	token = env.Login(t, "hank", kittest.Password)
	_, err = env.Kit.Users.Disable(ctx, hank.ID)
	require.NoError(t, err)
	_, _, err = env.Kit.Users.SessionPrincipal(context.Background(), token)
	assert.Equal(t, accountkit.Unauthenticated, code(err), "disabling ends sessions")
	_, _, err = env.Kit.Users.SessionPrincipal(context.Background(), "aks_forged")
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
	res, err := env.Kit.Users.Login(context.Background(), users.LoginInput{Identifier: "ida", Password: kittest.Password})
	require.NoError(t, err)
	assert.Equal(t, users.LoginPasswordChangeRequired, res.Status)
	assert.Nil(t, res.Session, "no full session")
	assert.Empty(t, res.Token)
	_, _, err = env.Kit.Users.SessionPrincipal(context.Background(), res.ChangeToken)
	assert.Error(t, err, "the change token is no session")

	_, err = env.Kit.Users.ChangeExpiredPassword(context.Background(), res.ChangeToken, kittest.Password, "", "")
	assert.Equal(t, accountkit.Invalid, code(err), "must differ")
	done, err := env.Kit.Users.ChangeExpiredPassword(context.Background(), res.ChangeToken, "fresh-password-42", "", "")
	require.NoError(t, err)
	assert.Equal(t, users.LoginOK, done.Status)
	assert.NotEmpty(t, done.Token)
	_, err = env.Kit.Users.ChangeExpiredPassword(context.Background(), res.ChangeToken, "fresh-password-43", "", "")
	assert.Equal(t, accountkit.Invalid, code(err), "single use")
	env.Login(t, "ida", "fresh-password-42")
}

func TestService_ChangePassword(t *testing.T) {
	t.Parallel()
	env, main, _, _ := setup(t)
	jack := env.ActiveUser(t, main, "jack")
	keep := env.Login(t, "jack", kittest.Password)
	other := env.Login(t, "jack", kittest.Password)
	p, _, err := env.Kit.Users.SessionPrincipal(context.Background(), keep)
	require.NoError(t, err)
	ctx := kittest.As(p)

	assert.Equal(t, accountkit.Invalid, code(env.Kit.Users.ChangePassword(ctx, "wrong", "new-password-99")))
	u, _ := env.Store.GetUser(context.Background(), jack.ID)
	assert.Equal(t, 1, u.FailedLogins, "a wrong current password counts")
	require.NoError(t, env.Kit.Users.ChangePassword(ctx, kittest.Password, "new-password-99"))
	_, _, err = env.Kit.Users.SessionPrincipal(context.Background(), keep)
	assert.NoError(t, err, "the current session stays")
	_, _, err = env.Kit.Users.SessionPrincipal(context.Background(), other)
	assert.Error(t, err, "other sessions end")
	env.Login(t, "jack", "new-password-99")
}

func TestService_Update(t *testing.T) {
	t.Parallel()
	env, main, _, ctx := setup(t)
	kim := env.ActiveUser(t, main, "kim")

	_, err := env.Kit.Users.Update(ctx, kim.ID, users.Update{Username: ptr("kimberly")})
	var e *accountkit.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "username", e.Fields[0].Field)
	assert.Contains(t, e.Message, "cannot be changed")

	u, err := env.Kit.Users.Update(ctx, kim.ID, users.Update{Email: ptr("KIM@new.example.com"), FirstName: ptr("Kim")})
	require.NoError(t, err)
	assert.Equal(t, "kim@new.example.com", u.Email)
	assert.False(t, u.EmailVerified)
	assert.Equal(t, "User changed email address.", env.Events(t, main.ID)[1].Description)
	m := env.Mail.Last(t, "kim@new.example.com", users.MailVerifyEmail)
	require.NoError(t, env.Kit.Users.VerifyEmail(context.Background(), m.Token))
	u, _ = env.Store.GetUser(context.Background(), kim.ID)
	assert.True(t, u.EmailVerified)
	assert.Equal(t, "User verified.", env.LastEvent(t, main.ID).Description)
	assert.Equal(t, accountkit.Invalid, code(env.Kit.Users.VerifyEmail(context.Background(), m.Token)))

	for _, up := range []users.Update{{}, {Email: ptr("bad")}, {Phone: ptr("+1")}, {FirstName: ptr(strings.Repeat("x", 101))}, {Roles: &[]string{"ghost"}}} {
		_, err := env.Kit.Users.Update(ctx, kim.ID, up)
		assert.Equal(t, accountkit.Invalid, code(err), "%+v", up)
	}
	got, _ := env.Store.GetUser(context.Background(), kim.ID)
	assert.Equal(t, "kim@new.example.com", got.Email, "unchanged")
}

func TestService_Phone(t *testing.T) {
	t.Parallel()
	env, main, _, ctx := setup(t)
	lea := env.ActiveUser(t, main, "lea")
	_, err := env.Kit.Users.Update(ctx, lea.ID, users.Update{Phone: ptr("+44 20 7946 0958")})
	require.NoError(t, err)
	leaCtx := env.UserCtx(t, lea)

	require.NoError(t, env.Kit.Users.SendPhoneCode(leaCtx))
	assert.Equal(t, accountkit.LimitExceeded, code(env.Kit.Users.SendPhoneCode(leaCtx)), "resend is rate-limited")
	code1 := env.SMS.LastCode(t, "+442079460958")
	env.Clock.Advance(time.Minute)
	require.NoError(t, env.Kit.Users.SendPhoneCode(leaCtx))
	code2 := env.SMS.LastCode(t, "+442079460958")
	if code1 != code2 {
		assert.Equal(t, accountkit.Invalid, code(env.Kit.Users.VerifyPhone(leaCtx, code1)), "the old code died")
	}
	wrong := "000000"
	if code2 == wrong {
		wrong = "111111"
	}
	for _, c := range []string{"abc", "1234567"} {
		assert.Equal(t, accountkit.Invalid, code(env.Kit.Users.VerifyPhone(leaCtx, c)))
	}
	require.NoError(t, env.Kit.Users.VerifyPhone(leaCtx, code2))
	u, _ := env.Store.GetUser(context.Background(), lea.ID)
	assert.True(t, u.PhoneVerified)
	assert.Equal(t, "Mobile number verified for user.", env.LastEvent(t, main.ID).Description)

	// Five wrong codes void the code.
	_, err = env.Kit.Users.Update(ctx, lea.ID, users.Update{Phone: ptr("+1 415 555 0123")})
	require.NoError(t, err)
	env.Clock.Advance(time.Minute)
	require.NoError(t, env.Kit.Users.SendPhoneCode(leaCtx))
	good := env.SMS.LastCode(t, "+14155550123")
	bad := "000000"
	if good == bad {
		bad = "111111"
	}
	for i := 0; i < 4; i++ {
		assert.Equal(t, accountkit.Invalid, code(env.Kit.Users.VerifyPhone(leaCtx, bad)))
	}
	assert.Equal(t, accountkit.LimitExceeded, code(env.Kit.Users.VerifyPhone(leaCtx, bad)))
	assert.Equal(t, accountkit.LimitExceeded, code(env.Kit.Users.VerifyPhone(leaCtx, good)), "even the right code is refused now")
	assert.Equal(t, "Mobile number verification for user failed.", env.LastEvent(t, main.ID).Description)

	env.Clock.Advance(time.Minute)
	require.NoError(t, env.Kit.Users.SendPhoneCode(leaCtx))
	good = env.SMS.LastCode(t, "+14155550123")
	env.Clock.Advance(10*time.Minute + time.Second)
	assert.Equal(t, accountkit.Invalid, code(env.Kit.Users.VerifyPhone(leaCtx, good)), "expired")
}

func TestService_LastAccountManager(t *testing.T) {
	t.Parallel()
	env, main, boss, ctx := setup(t)
	helper := env.ActiveUser(t, main, "helper", security.RoleMember)
	helperCtx := kittest.As(&security.Principal{UserID: helper.ID, Username: "helper", AccountID: main.ID,
		Permissions: security.NewPermissionSet(security.AccountSettingsPermissions...)})

	_, err := env.Kit.Users.Disable(ctx, boss.ID)
	assert.Equal(t, accountkit.Forbidden, code(err), "nobody disables themselves")
	_, err = env.Kit.Users.Disable(helperCtx, boss.ID)
	assert.Equal(t, accountkit.Forbidden, code(err), "last Account Manager")
	_, err = env.Kit.Users.Lock(helperCtx, boss.ID)
	assert.Equal(t, accountkit.Forbidden, code(err))
	_, err = env.Kit.Users.Update(helperCtx, boss.ID, users.Update{Roles: &[]string{security.RoleMember}})
	assert.Equal(t, accountkit.Forbidden, code(err))

	second := env.ActiveUser(t, main, "second", security.RoleAccountManager)
	_, err = env.Kit.Users.Disable(ctx, second.ID)
	require.NoError(t, err, "with two managers one may go")
	_, err = env.Kit.Users.Enable(ctx, second.ID)
	require.NoError(t, err)
	_, err = env.Kit.Users.Update(helperCtx, boss.ID, users.Update{Roles: &[]string{security.RoleMember}})
	require.NoError(t, err)
	got, _ := env.Store.GetUser(context.Background(), boss.ID)
	assert.Equal(t, []string{security.RoleMember}, got.Roles)
}

func TestService_OtherTree(t *testing.T) {
	t.Parallel()
	env, main, boss, _ := setup(t)
	victim := env.ActiveUser(t, main, "victim")
	other := env.MainAccount(t, "evil")
	mallory := env.ActiveUser(t, other, "mallory", security.RoleAccountManager)
	ctx := env.UserCtx(t, mallory)
	before := len(env.Events(t, main.ID))

	for _, id := range []string{victim.ID, boss.ID, "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "../x"} {
		_, err := env.Kit.Users.Get(ctx, id)
		assert.Equal(t, accountkit.NotFound, code(err))
		_, err = env.Kit.Users.Update(ctx, id, users.Update{FirstName: ptr("pwned")})
		assert.Equal(t, accountkit.NotFound, code(err))
		for _, op := range []func(context.Context, string) (*users.User, error){env.Kit.Users.Disable, env.Kit.Users.Enable, env.Kit.Users.Lock, env.Kit.Users.Unlock} {
			_, err = op(ctx, id)
			assert.Equal(t, accountkit.NotFound, code(err))
		}
		assert.Equal(t, accountkit.NotFound, code(env.Kit.Users.ResendInvitation(ctx, id)))
	}
	_, err := env.Kit.Users.Create(ctx, users.CreateInput{AccountID: main.ID, Username: "plant", Email: "plant@example.com"})
	assert.Equal(t, accountkit.NotFound, code(err))
	_, err = env.Kit.Users.List(ctx, users.ListInput{AccountID: main.ID})
	assert.Equal(t, accountkit.NotFound, code(err))
	page, err := env.Kit.Users.List(ctx, users.ListInput{Search: "victim"})
	require.NoError(t, err)
	assert.Empty(t, page.Users)
	_, err = env.Kit.Users.CreateRole(ctx, users.RoleInput{AccountID: main.ID, Name: "x"})
	assert.Equal(t, accountkit.NotFound, code(err))

	got, _ := env.Store.GetUser(context.Background(), victim.ID)
	assert.Equal(t, "First", got.FirstName)
	assert.Equal(t, users.StatusActive, got.Status)
	assert.Len(t, env.Events(t, main.ID), before, "nothing in the victim's log")
}

func TestService_ListAndExport(t *testing.T) {
	t.Parallel()
	env, main, _, ctx := setup(t)
	sub := env.SubAccount(t, main, "acme-eu")
	for _, n := range []string{"zoe", "yan", "xia"} {
		env.ActiveUser(t, main, n, security.RoleMember)
	}
	env.ActiveUser(t, sub, "walt")
	_, err := env.Kit.Users.Create(ctx, users.CreateInput{Username: "vera", Email: "vera@example.com"})
	require.NoError(t, err)

	var names []string
	cursor := ""
	for {
		page, err := env.Kit.Users.List(ctx, users.ListInput{Limit: 2, Cursor: cursor})
		require.NoError(t, err)
		for _, u := range page.Users {
			names = append(names, u.Username)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	assert.Equal(t, []string{"boss", "vera", "xia", "yan", "zoe"}, names)
	count := func(in users.ListInput) int {
		page, err := env.Kit.Users.List(ctx, in)
		require.NoError(t, err)
		return len(page.Users)
	}
	assert.Equal(t, 6, count(users.ListInput{IncludeSubaccounts: true}))
	assert.Equal(t, 1, count(users.ListInput{Status: "invited"}))
	assert.Equal(t, 3, count(users.ListInput{Role: security.RoleMember}))
	assert.Equal(t, 1, count(users.ListInput{Search: "VERA@EXAMPLE"}))
	assert.Equal(t, 1, count(users.ListInput{AccountID: sub.ID}))
	for _, in := range []users.ListInput{{Limit: 500}, {Sort: "email"}, {Status: "zombie"}, {Cursor: "x"}} {
		_, err := env.Kit.Users.List(ctx, in)
		assert.Equal(t, accountkit.Invalid, code(err))
	}

	var buf strings.Builder
	require.NoError(t, env.Kit.Users.Export(ctx, users.ListInput{IncludeSubaccounts: true}, users.ExportCSV, &buf))
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	assert.Len(t, lines, 7)
	assert.NotContains(t, buf.String(), "argon2", "no password hashes")
	assert.Equal(t, "Report downloaded.", env.LastEvent(t, main.ID).Description)
	buf.Reset()
	require.NoError(t, env.Kit.Users.Export(ctx, users.ListInput{}, users.ExportJSON, &buf))
	assert.True(t, strings.HasPrefix(buf.String(), "["))
	assert.NotContains(t, buf.String(), "argon2")
	assert.Equal(t, accountkit.Invalid, code(env.Kit.Users.Export(ctx, users.ListInput{}, "xml", &buf)))
	assert.Equal(t, "Report download failed.", env.LastEvent(t, main.ID).Description)
}

func TestService_DisableInactive(t *testing.T) {
	t.Parallel()
	env, main, boss, ctx := setup(t)
	old := env.ActiveUser(t, main, "old")
	_, err := env.Kit.Accounts.UpdateSecuritySettings(ctx, main.ID, account.SecurityUpdate{MaxInactivityDays: ptr(30)})
	require.NoError(t, err)
	env.Clock.Advance(20 * 24 * time.Hour)
	fresh := env.ActiveUser(t, main, "fresh")
	env.Login(t, "old", kittest.Password)
	env.Clock.Advance(31 * 24 * time.Hour)
	env.Login(t, "fresh", kittest.Password)

	_, err = env.Kit.Users.DisableInactive(ctx)
	assert.Equal(t, accountkit.Forbidden, code(err), "system only")
	n, err := env.Kit.Users.DisableInactive(env.System())
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	got, _ := env.Store.GetUser(context.Background(), old.ID)
	assert.Equal(t, users.StatusDisabled, got.Status)
	got, _ = env.Store.GetUser(context.Background(), fresh.ID)
	assert.Equal(t, users.StatusActive, got.Status)
	got, _ = env.Store.GetUser(context.Background(), boss.ID)
	assert.Equal(t, users.StatusActive, got.Status, "the last Account Manager is kept")
	var found bool
	for _, e := range env.Events(t, main.ID) {
		if e.TargetID == old.ID && e.Action == audit.ActionDisable {
			found = true
			assert.Equal(t, "system", e.ActorName)
			assert.Contains(t, e.Details["reason"], "inactive")
		}
	}
	assert.True(t, found)

	_, err = env.Kit.Accounts.UpdateSecuritySettings(ctx, main.ID, account.SecurityUpdate{MaxInactivityDays: ptr(10)})
	assert.Equal(t, accountkit.Invalid, code(err), "15–365")
}

func TestService_Roles(t *testing.T) {
	t.Parallel()
	env, main, _, ctx := setup(t)
	sub := env.SubAccount(t, main, "acme-eu")
	r, err := env.Kit.Users.CreateRole(ctx, users.RoleInput{Name: "Auditor", Permissions: []string{string(security.PermAuditRead), string(security.PermUsersRead)}})
	require.NoError(t, err)
	_, err = env.Kit.Users.CreateRole(ctx, users.RoleInput{Name: "auditor"})
	assert.Equal(t, accountkit.Conflict, code(err))
	_, err = env.Kit.Users.CreateRole(ctx, users.RoleInput{Name: "Bad", Permissions: []string{"root.everything"}})
	assert.Equal(t, accountkit.Invalid, code(err))

	amy := env.ActiveUser(t, sub, "amy", r.ID)
	perms, err := env.Kit.Users.EffectivePermissions(context.Background(), amy)
	require.NoError(t, err)
	assert.True(t, perms.Has(security.PermAuditRead), "a main-account role works in its sub-accounts")
	assert.False(t, perms.Has(security.PermUsersManage))

	limited := kittest.As(&security.Principal{UserID: amy.ID, Username: "amy", AccountID: main.ID,
		Permissions: security.NewPermissionSet(security.PermRolesManage)})
	_, err = env.Kit.Users.CreateRole(limited, users.RoleInput{Name: "Sneaky", Permissions: []string{string(security.PermUsersManage)}})
	assert.Equal(t, accountkit.Forbidden, code(err), "no role with permissions you lack")
	assert.Equal(t, accountkit.Forbidden, code(env.Kit.Users.DeleteRole(limited, r.ID)))

	views, err := env.Kit.Users.Roles(ctx, sub.ID)
	require.NoError(t, err)
	keys := map[string]string{}
	for _, v := range views {
		keys[v.Key] = v.Kind
	}
	assert.Equal(t, "builtin", keys[security.RoleAccountManager])
	assert.Equal(t, "custom", keys[r.ID])

	require.NoError(t, env.Kit.Users.DeleteRole(ctx, r.ID))
	got, _ := env.Store.GetUser(context.Background(), amy.ID)
	assert.Empty(t, got.Roles, "grants go with the role")
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
	_, err := env.Kit.Users.Login(cancelledAfterHash{context.Background()}, users.LoginInput{Identifier: "leaver", Password: "wrong-guess"})
	assert.Equal(t, accountkit.Unauthenticated, code(err))
	got, err := env.Store.GetUser(context.Background(), u.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, got.FailedLogins, "the attempt was counted")
}
