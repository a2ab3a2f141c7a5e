package users_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/users"
)

// TestService_ListInactiveDays: the list keeps the users whose last
// activity is more than InactiveDays ago; out-of-range values are refused
// with the field named.
func TestService_ListInactiveDays(t *testing.T) {
	t.Parallel()
	env, main, _, ctx := setup(t)
	t.Run("ErrRange", func(t *testing.T) {
		for _, days := range []int{-1, 3651} {
			_, err := env.Kit.Users.List(ctx, users.ListInput{InactiveDays: days})
			require.Equal(t, accountkit.Invalid, code(err), days)
			assert.Contains(t, err.Error(), "inactive_days")
		}
	})
	t.Run("OK", func(t *testing.T) {
		env.ActiveUser(t, main, "old")
		env.Clock.Advance(40 * 24 * time.Hour)
		env.ActiveUser(t, main, "fresh")
		env.Login(t, "boss", kittest.Password)
		names := func(days int) []string {
			page, err := env.Kit.Users.List(ctx, users.ListInput{InactiveDays: days})
			require.NoError(t, err)
			var out []string
			for _, u := range page.Users {
				out = append(out, u.Username)
			}
			return out
		}
		assert.Equal(t, []string{"old"}, names(30))
		assert.Empty(t, names(60))
		assert.Equal(t, []string{"boss", "fresh", "old"}, names(0), "0 does not filter")
	})
}
