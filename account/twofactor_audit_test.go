package account_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/security"
)

// TestUpdateSecuritySettings_TwoFactorAudit: changing the account's 2FA
// requirement is audited under the 2FA item (Enable/Disable and "settings
// updated"), and a refused change files its failure under 2FA too, not
// only under Account.
func TestUpdateSecuritySettings_TwoFactorAudit(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	main := env.MainAccount(t, "acme")
	mgr := kittest.As(kittest.Manager(main.ID, "boss"))
	count := func(action audit.Action, status audit.Status, desc string) int {
		n := 0
		for _, ev := range env.AccountEvents(t, main.ID, audit.Item2FA, action) {
			if ev.Status == status && ev.Description == desc {
				n++
			}
		}
		return n
	}

	_, err := env.Kit.Accounts.UpdateSecuritySettings(mgr, main.ID, account.SecurityUpdate{TwoFactorRequired: ptr(true)})
	require.NoError(t, err)
	assert.Equal(t, 1, count(audit.ActionEnable, audit.StatusSuccess, "Two-factor authentication enabled for all users."))
	assert.Equal(t, 1, count(audit.ActionUpdate, audit.StatusSuccess, "Two-factor authentication settings updated."))
	ev := env.RequireEvent(t, main.ID, audit.Item2FA, audit.ActionUpdate)
	assert.Equal(t, "false -> true", ev.Details["two_factor_required"])
	assert.Equal(t, "boss", ev.ActorName)

	// Unchanged: nothing more under 2FA.
	_, err = env.Kit.Accounts.UpdateSecuritySettings(mgr, main.ID, account.SecurityUpdate{TwoFactorRequired: ptr(true)})
	require.NoError(t, err)
	assert.Len(t, env.AccountEvents(t, main.ID, audit.Item2FA, ""), 2)

	_, err = env.Kit.Accounts.UpdateSecuritySettings(mgr, main.ID, account.SecurityUpdate{TwoFactorRequired: ptr(false)})
	require.NoError(t, err)
	assert.Equal(t, 1, count(audit.ActionDisable, audit.StatusSuccess, "Two-factor authentication disabled for all users."))
	assert.Equal(t, 2, count(audit.ActionUpdate, audit.StatusSuccess, "Two-factor authentication settings updated."))

	// Refused (no permission; invalid input): filed under 2FA with the cause.
	member := kittest.As(kittest.Member(main.ID, "nina", security.PermAuditRead))
	_, err = env.Kit.Accounts.UpdateSecuritySettings(member, main.ID, account.SecurityUpdate{TwoFactorRequired: ptr(true)})
	assert.Equal(t, accountkit.Forbidden, accountkit.ErrorCode(err))
	assert.Equal(t, 1, count(audit.ActionEnable, audit.StatusFailure, "Enabling two-factor authentication failed."))
	assert.Equal(t, 1, count(audit.ActionUpdate, audit.StatusFailure, "Two-factor authentication settings update failed."),
		"the reference's failing twin of \"settings updated\"")
	fail := env.RequireEvent(t, main.ID, audit.Item2FA, audit.ActionEnable)
	assert.Equal(t, audit.StatusFailure, fail.Status)
	assert.Equal(t, "forbidden", fail.Details["error_code"])

	_, err = env.Kit.Accounts.UpdateSecuritySettings(mgr, main.ID, account.SecurityUpdate{TwoFactorRequired: ptr(false), MaxLoginAttempts: ptr(-5)})
	assert.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err))
	assert.Equal(t, 1, count(audit.ActionDisable, audit.StatusFailure, "Disabling two-factor authentication failed."))
	assert.Equal(t, 2, count(audit.ActionUpdate, audit.StatusFailure, "Two-factor authentication settings update failed."))
	st, err := env.Kit.Accounts.SecuritySettings(mgr, main.ID)
	require.NoError(t, err)
	assert.False(t, st.TwoFactorRequired, "the refused request changed nothing")

	// A refused update that does not touch 2FA files nothing under 2FA.
	before := len(env.AccountEvents(t, main.ID, audit.Item2FA, ""))
	_, err = env.Kit.Accounts.UpdateSecuritySettings(mgr, main.ID, account.SecurityUpdate{MaxLoginAttempts: ptr(-5)})
	assert.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err))
	assert.Len(t, env.AccountEvents(t, main.ID, audit.Item2FA, ""), before)
}
