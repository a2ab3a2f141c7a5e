package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/security"
)

// sessionCtx returns a context acting as the holder of the session token.
func sessionCtx(t *testing.T, env *kittest.Env, token string) context.Context {
	t.Helper()
	p, _, err := env.Kit.Auth.SessionPrincipal(context.Background(), token)
	require.NoError(t, err)
	return security.WithPrincipal(context.Background(), p)
}

func TestService_OwnSessions(t *testing.T) {
	t.Parallel()
	env, main, _, _ := setup(t)
	u := env.ActiveUser(t, main, "sam")
	first := env.Login(t, "sam", kittest.Password)
	env.Clock.Advance(time.Minute)
	second := env.Login(t, "sam", kittest.Password)
	env.Login(t, "boss", kittest.Password) // another user's session

	t.Run("OK", func(t *testing.T) {
		ctx := sessionCtx(t, env, second)
		got, err := env.Kit.Auth.Sessions(ctx)
		require.NoError(t, err)
		require.Len(t, got, 2)
		assert.Equal(t, security.PrincipalFrom(ctx).SessionID, got[0].ID, "newest first")
		for _, s := range got {
			assert.Equal(t, u.ID, s.UserID)
		}
	})
	t.Run("ExpiredLeftOut", func(t *testing.T) {
		env.Clock.Advance(20 * time.Minute)
		ctx := sessionCtx(t, env, second) // touches the second one only
		env.Clock.Advance(15 * time.Minute)
		got, err := env.Kit.Auth.Sessions(ctx)
		require.NoError(t, err)
		require.Len(t, got, 1, "the first session is idle for 36 minutes")
		_ = first
	})
	t.Run("ErrNotUser", func(t *testing.T) {
		_, err := env.Kit.Auth.Sessions(env.System())
		assert.Equal(t, accountkit.Forbidden, code(err))
		_, err = env.Kit.Auth.Sessions(context.Background())
		assert.Equal(t, accountkit.Unauthenticated, code(err))
	})
}

func TestService_EndOtherSessions(t *testing.T) {
	t.Parallel()
	env, main, _, _ := setup(t)
	env.ActiveUser(t, main, "sam")
	a := env.Login(t, "sam", kittest.Password)
	b := env.Login(t, "sam", kittest.Password)
	c := env.Login(t, "sam", kittest.Password)
	boss := env.Login(t, "boss", kittest.Password)

	n, err := env.Kit.Auth.EndOtherSessions(sessionCtx(t, env, b))
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	for tok, alive := range map[string]bool{a: false, b: true, c: false, boss: true} {
		_, _, err := env.Kit.Auth.SessionPrincipal(context.Background(), tok)
		assert.Equal(t, alive, err == nil)
	}
	ev := env.LastEvent(t, main.ID)
	assert.Equal(t, "User logged out (First Last, sam@acme.test) of other sessions.", ev.Description)
	assert.Equal(t, "2", ev.Details["sessions"])

	_, err = env.Kit.Auth.EndOtherSessions(env.System())
	assert.Equal(t, accountkit.Forbidden, code(err))
}
