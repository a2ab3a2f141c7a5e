package account_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/security"
)

func newPolicyTree(t *testing.T) (*kittest.Env, *account.Account, *account.Account, *account.Account) {
	t.Helper()
	env := kittest.New(t)
	main := env.MainAccount(t, "acme")
	sub := env.SubAccount(t, main, "acme-eu")
	subsub := env.SubAccount(t, sub, "acme-eu-de")
	return env, main, sub, subsub
}

// TestEnforce_ReachesExistingSubtree: enforcing a group on the main account
// after the sub-accounts exist changes their effective values at once, at
// every depth, and a later change on the main account reaches them too.
func TestEnforce_ReachesExistingSubtree(t *testing.T) {
	t.Parallel()
	env, main, sub, subsub := newPolicyTree(t)
	mgr := kittest.As(kittest.Manager(main.ID, "boss"))

	// Before: the sub-accounts keep their own (default) values.
	_, err := env.Kit.Accounts.UpdateSecuritySettings(mgr, main.ID, account.SecurityUpdate{TwoFactorRequired: ptr(true), MaxLoginAttempts: ptr(3)})
	require.NoError(t, err)
	st, err := env.Kit.Accounts.Policy(mgr, subsub.ID)
	require.NoError(t, err)
	assert.False(t, st.TwoFactorRequired, "not enforced: the sub-sub-account keeps its own")

	_, err = env.Kit.Accounts.Enforce(mgr, main.ID, account.GroupTwoFactor)
	require.NoError(t, err)
	_, err = env.Kit.Accounts.Enforce(mgr, main.ID, account.GroupLockout)
	require.NoError(t, err)
	for _, id := range []string{sub.ID, subsub.ID} {
		ep, err := env.Kit.Accounts.EffectivePolicy(mgr, id)
		require.NoError(t, err)
		assert.True(t, ep.Settings.TwoFactorRequired, id)
		assert.Equal(t, 3, ep.Settings.MaxLoginAttempts, id)
		assert.False(t, ep.Own.TwoFactorRequired, "own values are kept")
		assert.Equal(t, main.ID, ep.EnforcedBy[account.GroupTwoFactor])
		assert.Equal(t, main.ID, ep.InheritedFrom["two_factor_required"])
		assert.Equal(t, main.ID, ep.InheritedFrom["max_login_attempts"])
		assert.Equal(t, main.ID, ep.InheritedFrom["lockout_minutes"], "a tie is shown as inherited")
		assert.NotContains(t, ep.EnforcedBy, account.GroupPassword)
		assert.Empty(t, ep.Settings.Enforced, "the sub-account enforces nothing itself")
	}
	ep, err := env.Kit.Accounts.EffectivePolicy(mgr, main.ID)
	require.NoError(t, err)
	assert.Equal(t, []account.PolicyGroup{account.GroupTwoFactor, account.GroupLockout}, ep.Settings.Enforced)
	assert.Empty(t, ep.EnforcedBy, "a main account inherits nothing")

	// A later change on the main account reaches the subtree at once.
	_, err = env.Kit.Accounts.UpdateSecuritySettings(mgr, main.ID, account.SecurityUpdate{MaxLoginAttempts: ptr(2)})
	require.NoError(t, err)
	st, err = env.Kit.Accounts.Policy(mgr, subsub.ID)
	require.NoError(t, err)
	assert.Equal(t, 2, st.MaxLoginAttempts)

	// A sub-account created afterwards inherits too.
	late := env.SubAccount(t, subsub, "acme-eu-de-x")
	st, err = env.Kit.Accounts.Policy(mgr, late.ID)
	require.NoError(t, err)
	assert.True(t, st.TwoFactorRequired)
	assert.Equal(t, 2, st.MaxLoginAttempts)

	// Lifted: the subtree is back to its own values.
	_, err = env.Kit.Accounts.Unenforce(mgr, main.ID, account.GroupTwoFactor)
	require.NoError(t, err)
	st, err = env.Kit.Accounts.Policy(mgr, subsub.ID)
	require.NoError(t, err)
	assert.False(t, st.TwoFactorRequired)
	assert.Equal(t, 2, st.MaxLoginAttempts, "lockout still enforced")
}

// TestEnforce_WeakerRefused: under an enforced group a sub-account cannot
// save a weaker value (the error names the setting and the enforcing
// account, and nothing changes); an equal or stricter value is saved and
// applies; settings of groups nobody enforces stay free.
func TestEnforce_WeakerRefused(t *testing.T) {
	t.Parallel()
	env, main, sub, subsub := newPolicyTree(t)
	mgr := kittest.As(kittest.Manager(main.ID, "boss"))
	subMgr := kittest.As(kittest.Manager(sub.ID, "eve"))
	_, err := env.Kit.Accounts.UpdateSecuritySettings(mgr, main.ID, account.SecurityUpdate{
		TwoFactorRequired: ptr(true), MaxLoginAttempts: ptr(4), PasswordMinLength: ptr(12), MaxInactivityDays: ptr(60)})
	require.NoError(t, err)
	for _, g := range []account.PolicyGroup{account.GroupTwoFactor, account.GroupLockout, account.GroupPassword, account.GroupInactivity} {
		_, err = env.Kit.Accounts.Enforce(mgr, main.ID, g)
		require.NoError(t, err)
	}

	cases := []struct {
		name  string
		field string
		u     account.SecurityUpdate
	}{
		{"2FA off", "two_factor_required", account.SecurityUpdate{TwoFactorRequired: ptr(false)}},
		{"more attempts", "max_login_attempts", account.SecurityUpdate{MaxLoginAttempts: ptr(5)}},
		{"shorter passwords", "password_min_length", account.SecurityUpdate{PasswordMinLength: ptr(10)}},
		{"longer inactivity", "max_inactivity_days", account.SecurityUpdate{MaxInactivityDays: ptr(90)}},
		{"inactivity off", "max_inactivity_days", account.SecurityUpdate{MaxInactivityDays: ptr(0)}},
		{"timed lockout instead of until unlocked", "lockout_minutes", account.SecurityUpdate{LockoutMinutes: ptr(15)}},
	}
	for _, tc := range cases {
		for _, target := range []string{sub.ID, subsub.ID} {
			before, err := env.Kit.Accounts.EffectivePolicy(mgr, target)
			require.NoError(t, err)
			_, err = env.Kit.Accounts.UpdateSecuritySettings(subMgr, target, tc.u)
			require.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err), tc.name)
			fields := fieldErrors(err)
			require.Contains(t, fields, tc.field, tc.name)
			assert.Contains(t, fields[tc.field], `enforced by account "`+main.Name+`" (`+main.ID+`)`, tc.name)
			after, err := env.Kit.Accounts.EffectivePolicy(mgr, target)
			require.NoError(t, err)
			assert.Equal(t, before.Own, after.Own, "%s: nothing changed", tc.name)
		}
	}
	// The refusal is audited as a failure, and 2FA's under 2FA.
	fail := env.RequireEvent(t, subsub.ID, audit.ItemAccount, audit.ActionUpdate)
	assert.Equal(t, audit.StatusFailure, fail.Status)
	assert.NotEmpty(t, env.AccountEvents(t, sub.ID, audit.Item2FA, audit.ActionDisable))

	// Equal and stricter values are saved; the stricter one applies.
	_, err = env.Kit.Accounts.UpdateSecuritySettings(subMgr, sub.ID, account.SecurityUpdate{
		TwoFactorRequired: ptr(true), MaxLoginAttempts: ptr(3), PasswordMinLength: ptr(12), MaxInactivityDays: ptr(30)})
	require.NoError(t, err)
	ep, err := env.Kit.Accounts.EffectivePolicy(mgr, sub.ID)
	require.NoError(t, err)
	assert.Equal(t, 3, ep.Settings.MaxLoginAttempts)
	assert.Equal(t, 30, *ep.Settings.MaxInactivityDays)
	assert.NotContains(t, ep.InheritedFrom, "max_login_attempts", "the own, stricter value applies")
	assert.Equal(t, main.ID, ep.InheritedFrom["password_min_length"], "equal: inherited")
	assert.Equal(t, main.ID, ep.EnforcedBy[account.GroupLockout], "the group stays inherited")

	// The main account relaxing its value does not weaken the sub's own
	// stricter one; tightening beyond it wins.
	_, err = env.Kit.Accounts.UpdateSecuritySettings(mgr, main.ID, account.SecurityUpdate{MaxLoginAttempts: ptr(8)})
	require.NoError(t, err)
	st, err := env.Kit.Accounts.Policy(mgr, sub.ID)
	require.NoError(t, err)
	assert.Equal(t, 3, st.MaxLoginAttempts)
	_, err = env.Kit.Accounts.UpdateSecuritySettings(mgr, main.ID, account.SecurityUpdate{MaxLoginAttempts: ptr(1)})
	require.NoError(t, err)
	st, err = env.Kit.Accounts.Policy(mgr, sub.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, st.MaxLoginAttempts)

	// Groups not enforced: free, in both directions.
	_, err = env.Kit.Accounts.UpdateSecuritySettings(subMgr, sub.ID, account.SecurityUpdate{SessionIdleMinutes: ptr(1440), SessionMaxHours: ptr(720)})
	require.NoError(t, err)
}

// TestEnforce_Nested: a sub-account can enforce on its own subtree, adding
// to what the main account enforces; the strictest value along the path
// applies, the topmost enforcer is shown for the group, and a sub-account
// cannot lift what an account above enforces.
func TestEnforce_Nested(t *testing.T) {
	t.Parallel()
	env, main, sub, subsub := newPolicyTree(t)
	mgr := kittest.As(kittest.Manager(main.ID, "boss"))
	subMgr := kittest.As(kittest.Manager(sub.ID, "eve"))
	_, err := env.Kit.Accounts.UpdateSecuritySettings(mgr, main.ID, account.SecurityUpdate{PasswordValidityDays: ptr(180), PasswordHistory: ptr(3)})
	require.NoError(t, err)
	_, err = env.Kit.Accounts.Enforce(mgr, main.ID, account.GroupPassword)
	require.NoError(t, err)
	// The sub-account tightens validity and enforces it further down, plus
	// its own session limits.
	_, err = env.Kit.Accounts.UpdateSecuritySettings(subMgr, sub.ID, account.SecurityUpdate{PasswordValidityDays: ptr(90), SessionIdleMinutes: ptr(10)})
	require.NoError(t, err)
	_, err = env.Kit.Accounts.Enforce(subMgr, sub.ID, account.GroupPassword)
	require.NoError(t, err)
	_, err = env.Kit.Accounts.Enforce(subMgr, sub.ID, account.GroupSessions)
	require.NoError(t, err)

	ep, err := env.Kit.Accounts.EffectivePolicy(mgr, subsub.ID)
	require.NoError(t, err)
	assert.Equal(t, 90, *ep.Settings.PasswordValidityDays, "the sub-account's stricter value")
	assert.Equal(t, sub.ID, ep.InheritedFrom["password_validity_days"])
	assert.Equal(t, 3, ep.Settings.PasswordHistory)
	assert.Equal(t, main.ID, ep.InheritedFrom["password_history"], "tie between ancestors: the topmost")
	assert.Equal(t, main.ID, ep.EnforcedBy[account.GroupPassword])
	assert.Equal(t, 10, ep.Settings.SessionIdleMinutes)
	assert.Equal(t, sub.ID, ep.EnforcedBy[account.GroupSessions])

	_, err = env.Kit.Accounts.UpdateSecuritySettings(kittest.As(kittest.Manager(subsub.ID, "dora")), subsub.ID,
		account.SecurityUpdate{PasswordValidityDays: ptr(120)})
	require.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err))
	assert.Contains(t, fieldErrors(err)["password_validity_days"], `"`+sub.Name+`" (`+sub.ID+`)`, "names the account whose value binds")
	assert.Contains(t, fieldErrors(err)["password_validity_days"], "90 or stricter")

	// The sub-account lifting its own enforcement leaves the main account's.
	_, err = env.Kit.Accounts.Unenforce(subMgr, sub.ID, account.GroupPassword)
	require.NoError(t, err)
	st, err := env.Kit.Accounts.Policy(mgr, subsub.ID)
	require.NoError(t, err)
	assert.Equal(t, 180, *st.PasswordValidityDays, "back to the main account's value")
	ep, err = env.Kit.Accounts.EffectivePolicy(mgr, sub.ID)
	require.NoError(t, err)
	assert.Equal(t, main.ID, ep.EnforcedBy[account.GroupPassword], "still inherited from the main account")

	// The sub-account's manager cannot touch the main account's enforcement.
	_, err = env.Kit.Accounts.Unenforce(subMgr, main.ID, account.GroupPassword)
	assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err))
	ep, err = env.Kit.Accounts.EffectivePolicy(mgr, main.ID)
	require.NoError(t, err)
	assert.True(t, ep.Settings.Enforces(account.GroupPassword))
}

// TestEnforce_AuditAndErrors: enforcing and lifting are audited with the
// group and the values; an unknown group, a principal without the
// permission and one from another main account are refused and change
// nothing.
func TestEnforce_AuditAndErrors(t *testing.T) {
	t.Parallel()
	env, main, sub, _ := newPolicyTree(t)
	mgr := kittest.As(kittest.Manager(main.ID, "boss"))
	_, err := env.Kit.Accounts.UpdateSecuritySettings(mgr, main.ID, account.SecurityUpdate{MaxInactivityDays: ptr(45)})
	require.NoError(t, err)

	_, err = env.Kit.Accounts.Enforce(mgr, main.ID, account.GroupInactivity)
	require.NoError(t, err)
	ev := env.RequireEvent(t, main.ID, audit.ItemAccount, audit.ActionEnforce)
	assert.Equal(t, audit.StatusSuccess, ev.Status)
	assert.Equal(t, "Security policy enforced on sub-accounts.", ev.Description)
	assert.Equal(t, "inactivity", ev.Details["group"])
	assert.Equal(t, "45", ev.Details["max_inactivity_days"])
	assert.Equal(t, "boss", ev.ActorName)

	_, err = env.Kit.Accounts.Enforce(mgr, main.ID, account.GroupInactivity)
	require.NoError(t, err, "enforcing twice is fine")
	ep, err := env.Kit.Accounts.EffectivePolicy(mgr, main.ID)
	require.NoError(t, err)
	assert.Equal(t, []account.PolicyGroup{account.GroupInactivity}, ep.Settings.Enforced, "once")

	_, err = env.Kit.Accounts.Unenforce(mgr, main.ID, account.GroupInactivity)
	require.NoError(t, err)
	ev = env.RequireEvent(t, main.ID, audit.ItemAccount, audit.ActionUnenforce)
	assert.Equal(t, "Security policy enforcement lifted.", ev.Description)

	_, err = env.Kit.Accounts.Enforce(mgr, main.ID, "everything")
	assert.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err))
	assert.Contains(t, fieldErrors(err), "group")
	ev = env.RequireEvent(t, main.ID, audit.ItemAccount, audit.ActionEnforce)
	assert.Equal(t, audit.StatusFailure, ev.Status)
	assert.Equal(t, "Enforcing security policy on sub-accounts failed.", ev.Description)

	member := kittest.As(kittest.Member(main.ID, "nina", security.PermAuditRead))
	_, err = env.Kit.Accounts.Enforce(member, main.ID, account.GroupTwoFactor)
	assert.Equal(t, accountkit.Forbidden, accountkit.ErrorCode(err))
	_, err = env.Kit.Accounts.EffectivePolicy(member, sub.ID)
	assert.Equal(t, accountkit.Forbidden, accountkit.ErrorCode(err))

	other := env.MainAccount(t, "rival")
	rival := kittest.As(kittest.Manager(other.ID, "mallory"))
	for _, id := range []string{main.ID, sub.ID} {
		_, err = env.Kit.Accounts.Enforce(rival, id, account.GroupTwoFactor)
		assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err), "another tree answers NotFound")
		_, err = env.Kit.Accounts.Unenforce(rival, id, account.GroupTwoFactor)
		assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err))
		_, err = env.Kit.Accounts.EffectivePolicy(rival, id)
		assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err))
	}
	// A rival main account enforcing on itself does not reach our tree.
	_, err = env.Kit.Accounts.UpdateSecuritySettings(rival, other.ID, account.SecurityUpdate{TwoFactorRequired: ptr(true)})
	require.NoError(t, err)
	_, err = env.Kit.Accounts.Enforce(rival, other.ID, account.GroupTwoFactor)
	require.NoError(t, err)
	ep, err = env.Kit.Accounts.EffectivePolicy(mgr, sub.ID)
	require.NoError(t, err)
	assert.False(t, ep.Settings.TwoFactorRequired)
	assert.Empty(t, ep.Settings.Enforced)
}

// fieldErrors returns the field errors of an Invalid error by field name.
func fieldErrors(err error) map[string]string {
	out := map[string]string{}
	var e *accountkit.Error
	if errors.As(err, &e) {
		for _, f := range e.Fields {
			out[f.Field] = f.Message
		}
	}
	return out
}
