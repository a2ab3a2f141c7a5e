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
	require.NoError(t, env.Kit.Auth.VerifyEmail(context.Background(), m.Token))
	u, _ = env.Store.GetUser(context.Background(), kim.ID)
	assert.True(t, u.EmailVerified)
	assert.Equal(t, "User verified.", env.LastEvent(t, main.ID).Description)
	assert.Equal(t, accountkit.Invalid, code(env.Kit.Auth.VerifyEmail(context.Background(), m.Token)))

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
	assert.Equal(t, 1, count(users.ListInput{Search: "example vera"}), "words in any order")
	assert.Equal(t, 0, count(users.ListInput{Search: "era"}), "not inside a word")
	for _, in := range []users.ListInput{{Limit: 500}, {Sort: "phone"}, {Status: "zombie"}, {Cursor: "x"},
		{Search: "v"}, {Search: "vera x"}, {Search: "@@"}, {Search: strings.Repeat("v", 65)}, {Search: "aa bb cc dd ee"}} {
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
	_, err = env.Kit.Users.CreateRole(ctx, users.RoleInput{Name: "auditor", Permissions: []string{}})
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
