package account_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/security"
)

// BenchmarkResolvePolicy measures what every sign-in check pays for the
// effective policy: Baseline is the one settings read Policy did before
// inheritance; Main and Depth3 are ResolvePolicy on a main account and on a
// sub-sub-sub-account whose three ancestors each enforce a group.
func BenchmarkResolvePolicy(b *testing.B) {
	for name, open := range kittest.Stores() {
		b.Run(name, func(b *testing.B) {
			store := open(b)
			k, err := kit.New(kit.Options{Store: store})
			require.NoError(b, err)
			sys := security.AsSystem(context.Background())
			main, err := k.Accounts.CreateMain(sys, account.CreateInput{Name: "Acme", Slug: "acme-bench"})
			require.NoError(b, err)
			leaf := main
			groups := []account.PolicyGroup{account.GroupTwoFactor, account.GroupLockout, account.GroupPassword}
			for i, slug := range []string{"bench-a", "bench-b", "bench-c"} {
				_, err = k.Accounts.UpdateSecuritySettings(sys, leaf.ID, account.SecurityUpdate{MaxLoginAttempts: ptr(10 - i)})
				require.NoError(b, err)
				_, err = k.Accounts.Enforce(sys, leaf.ID, groups[i])
				require.NoError(b, err)
				leaf, err = k.Accounts.CreateSub(sys, leaf.ID, account.CreateInput{Name: slug, Slug: slug})
				require.NoError(b, err)
			}
			ctx := context.Background()
			b.Run("Baseline", func(b *testing.B) {
				for b.Loop() {
					if _, err := store.GetSecuritySettings(ctx, leaf.ID); err != nil {
						b.Fatal(err)
					}
				}
			})
			for _, c := range []struct {
				name string
				id   string
			}{{"Main", main.ID}, {"Depth3", leaf.ID}} {
				b.Run(c.name, func(b *testing.B) {
					for b.Loop() {
						if _, err := account.ResolvePolicy(ctx, store, c.id); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
