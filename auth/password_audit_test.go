package auth_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/users"
)

// TestPasswordAudit_Filing checks the reference's two password events and
// where their failures go: a reset through a link is "Password for user
// restored." (Password / Update) on success and "Password for user failed."
// when the password is refused with a valid link; a user changing their own
// password is "Password updated." (Password / Updated), and a wrong current
// or refused new password is that event's failure, not the reset's.
func TestPasswordAudit_Filing(t *testing.T) {
	t.Parallel()
	env, main, _, _ := setup(t)
	u := env.ActiveUser(t, main, "rosa")
	events := func(action audit.Action, status audit.Status) []*audit.Event {
		var out []*audit.Event
		for _, ev := range env.AccountEvents(t, main.ID, audit.ItemPassword, action) {
			if ev.Status == status && ev.TargetID == u.ID {
				out = append(out, ev)
			}
		}
		return out
	}

	// Own change: wrong current, then a refused new password.
	ctx := env.UserCtx(t, u)
	assert.Equal(t, accountkit.Invalid, code(env.Kit.Auth.ChangePassword(ctx, "not-my-password", "a-fine-new-password")))
	assert.Equal(t, accountkit.Invalid, code(env.Kit.Auth.ChangePassword(ctx, kittest.Password, "short")))
	fails := events(audit.ActionUpdated, audit.StatusFailure)
	require.Len(t, fails, 2)
	for _, ev := range fails {
		assert.Equal(t, "Password update failed.", ev.Description)
	}
	assert.Empty(t, events(audit.ActionUpdate, audit.StatusFailure), "not filed as the reset's failure")

	// Reset through a link: a refused password with a valid link is the
	// reset's failure, and the link stays usable; success is "restored".
	require.NoError(t, env.Kit.Auth.ForgotPassword(context.Background(), "rosa"))
	env.Kit.Auth.Wait()
	m := env.Mail.Last(t, u.Email, users.MailPasswordReset)
	assert.Equal(t, accountkit.Invalid, code(env.Kit.Auth.ResetPassword(context.Background(), m.Token, "short")))
	fail := events(audit.ActionUpdate, audit.StatusFailure)
	require.Len(t, fail, 1)
	assert.Equal(t, "Password for user failed.", fail[0].Description)
	assert.Equal(t, "invalid", fail[0].Details["error_code"])
	assert.Equal(t, accountkit.Invalid, code(env.Kit.Auth.ResetPassword(context.Background(), "forged-link", "a-fine-new-password")))
	assert.Len(t, events(audit.ActionUpdate, audit.StatusFailure), 1, "an invalid link names nobody: nothing to file")

	require.NoError(t, env.Kit.Auth.ResetPassword(context.Background(), m.Token, "a-fine-new-password"))
	ok := events(audit.ActionUpdate, audit.StatusSuccess)
	require.Len(t, ok, 1)
	assert.Equal(t, "Password for user restored.", ok[0].Description)
	assert.Empty(t, events(audit.ActionUpdated, audit.StatusSuccess), "a reset is not filed as an own change")
}
