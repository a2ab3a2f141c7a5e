package users_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/users"
)

func TestService_Provision(t *testing.T) {
	env := kittest.New(t)
	acc := env.MainAccount(t, "jit")
	ctx := security.WithPrincipal(context.Background(), &security.Principal{AccountID: acc.ID})
	create := func(email, first, last string) (*users.User, error) {
		var u *users.User
		err := env.Store.InTx(ctx, func(ctx context.Context) error {
			var err error
			u, err = env.Kit.Users.Provision(ctx, users.ProvisionInput{AccountID: acc.ID, Email: email, FirstName: first, LastName: last, Source: "sso"})
			return err
		})
		return u, err
	}

	t.Run("OK", func(t *testing.T) {
		u, err := create(" Jane.Doe@Example.COM ", "  Jane\u0000 ", strings.Repeat("é", 150))
		require.NoError(t, err)
		require.Equal(t, "jane.doe@example.com", u.Email)
		require.Equal(t, "jane.doe@example.com", u.Username)
		require.Equal(t, "Jane", u.FirstName)
		require.Len(t, []rune(u.LastName), users.MaxNameLength)
		require.Equal(t, users.StatusActive, u.Status)
		require.True(t, u.EmailVerified)
		require.Empty(t, u.PasswordHash)
		require.Equal(t, "User created.", env.LastEvent(t, acc.ID).Description)
		require.Equal(t, "sso", env.LastEvent(t, acc.ID).Details["method"])
	})

	t.Run("UsernamesDerivedAndUnique", func(t *testing.T) {
		for email, want := range map[string]string{
			"_x@example.com":                         "x@example.com",
			"a@example.com":                          "a@example.com",
			"o'neil@ex.com":                          "o-neil@ex.com",
			"+@example.com":                          "example.com", // "-@example.com" minus leading specials
			strings.Repeat("l", 70) + "@example.com": strings.Repeat("l", 64),
		} {
			u, err := create(email, "", "")
			require.NoError(t, err, email)
			require.Equal(t, want, u.Username, email)
		}
		u, err := create("o+neil@ex.com", "", "")
		require.NoError(t, err)
		require.Equal(t, "o-neil@ex.com-2", u.Username)
		u, err = create(strings.Repeat("l", 71)+"@example.com", "", "")
		require.NoError(t, err)
		require.Equal(t, strings.Repeat("l", 62)+"-2", u.Username)
	})

	t.Run("Refused", func(t *testing.T) {
		_, err := create("not-an-email", "", "")
		require.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err))
		_, err = create("jane.doe@example.com", "", "")
		require.Equal(t, accountkit.Conflict, accountkit.ErrorCode(err), "email taken in the tree")
		_, err = env.Kit.Users.Provision(context.Background(), users.ProvisionInput{AccountID: acc.ID, Email: "z@example.com"})
		require.Equal(t, accountkit.Unauthenticated, accountkit.ErrorCode(err))
	})
}
