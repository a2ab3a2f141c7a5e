package users_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/users"
)

func TestService_UpdateProfile(t *testing.T) {
	t.Parallel()
	env, main, _, _ := setup(t)
	u := env.ActiveUser(t, main, "sam")
	ctx := env.UserCtx(t, u) // a member: no users.manage

	t.Run("OK", func(t *testing.T) {
		got, err := env.Kit.Users.UpdateProfile(ctx, users.ProfileUpdate{FirstName: ptr(" Sam "), Phone: ptr("+1 415 555 0123")})
		require.NoError(t, err)
		assert.Equal(t, "Sam", got.FirstName)
		assert.Equal(t, "Last", got.LastName, "nil stays")
		assert.Equal(t, "+14155550123", got.Phone)
		assert.False(t, got.PhoneVerified)
		ev := env.LastEvent(t, main.ID)
		assert.Equal(t, "User updated.", ev.Description)
		assert.Equal(t, "true", ev.Details["phone_changed"])
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		_, err := env.Kit.Users.UpdateProfile(ctx, users.ProfileUpdate{Phone: ptr("12")})
		assert.Equal(t, accountkit.Invalid, code(err))
		_, err = env.Kit.Users.UpdateProfile(ctx, users.ProfileUpdate{})
		assert.Equal(t, accountkit.Invalid, code(err), "nothing to update")
		got, err := env.Kit.Users.Get(ctx, u.ID)
		require.NoError(t, err)
		assert.Equal(t, "+14155550123", got.Phone, "a refused update changes nothing")
	})
	t.Run("ErrNotUser", func(t *testing.T) {
		_, err := env.Kit.Users.UpdateProfile(env.System(), users.ProfileUpdate{FirstName: ptr("x")})
		assert.Equal(t, accountkit.Forbidden, code(err))
	})
}
