package users_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/users"
)

// benchKit wires a kit with the production argon2id parameters.
func benchKit(b *testing.B, open kittest.Opener) (*kit.Kit, *kittest.Outbox) {
	mail := &kittest.Outbox{}
	k, err := kit.New(kit.Options{Store: open(b), Users: users.Options{Mailer: mail}})
	require.NoError(b, err)
	return k, mail
}

func benchUser(b *testing.B, k *kit.Kit, mail *kittest.Outbox) {
	sys := security.AsSystem(context.Background())
	main, err := k.Accounts.CreateMain(sys, account.CreateInput{Name: "Acme", Slug: "acme"})
	require.NoError(b, err)
	u, err := k.Users.Create(sys, users.CreateInput{AccountID: main.ID, Username: "bench", Email: "bench@example.com", Roles: []string{security.RoleAccountManager}})
	require.NoError(b, err)
	_, err = k.Users.AcceptInvitation(context.Background(), mail.Last(b, u.Email, users.MailInvitation).Token, kittest.Password)
	require.NoError(b, err)
}

// BenchmarkLogin is a full password sign-in (argon2id m=19 MiB, t=2, p=1,
// then the row lock, session and audit writes). Compare with
// security.BenchmarkHash_Default for the share of the hash.
func BenchmarkLogin(b *testing.B) {
	for name, open := range kittest.Stores() {
		b.Run(name, func(b *testing.B) {
			k, mail := benchKit(b, open)
			benchUser(b, k, mail)
			for b.Loop() {
				if _, err := k.Users.Login(context.Background(), users.LoginInput{Identifier: "bench", Password: kittest.Password}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAuthenticatedRequest is what every API call pays before its
// handler: session lookup, user and account checks, effective permissions
// and the permission-and-tree check.
func BenchmarkAuthenticatedRequest(b *testing.B) {
	for name, open := range kittest.Stores() {
		b.Run(name, func(b *testing.B) {
			k, mail := benchKit(b, open)
			benchUser(b, k, mail)
			res, err := k.Users.Login(context.Background(), users.LoginInput{Identifier: "bench", Password: kittest.Password})
			require.NoError(b, err)
			req := httptest.NewRequest("GET", "/api/v1/users", nil)
			req.Header.Set("Authorization", "Bearer "+res.Token)
			for b.Loop() {
				p, err := k.Users.Authenticate(req)
				if err != nil || p == nil {
					b.Fatal(err)
				}
				ctx := security.WithPrincipal(context.Background(), p)
				if _, err := k.Authorizer.Require(ctx, security.PermUsersRead, p.AccountID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
