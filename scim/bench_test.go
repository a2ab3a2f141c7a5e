package scim_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/users"
)

// BenchmarkListUsers lists users with a filter over an account of
// ACCOUNTKIT_BENCH_SCIM_USERS users (default 10,000) on every store of
// kittest.Stores(): an equality the service answers through an index
// (userName eq), a text filter narrowed by the users' search text
// (userName sw) and one it evaluates on every user of the account
// (active eq false).
// The users are written straight to the store (setup, not measured).
func BenchmarkListUsers(b *testing.B) {
	n := 10000
	if v := os.Getenv("ACCOUNTKIT_BENCH_SCIM_USERS"); v != "" {
		var err error
		n, err = strconv.Atoi(v)
		require.NoError(b, err)
	}
	for name, open := range kittest.Stores() {
		b.Run(name, func(b *testing.B) {
			f := setup(b, open)
			ctx := context.Background()
			ids := accountkit.UUIDv7{}
			now := kittest.Epoch
			const batch = 1000
			for i := 0; i < n; i += batch {
				err := f.env.Store.InTx(ctx, func(ctx context.Context) error {
					for j := i; j < min(i+batch, n); j++ {
						name := fmt.Sprintf("user%06d@acme.test", j)
						t := now.Add(time.Duration(j) * time.Millisecond)
						if err := f.env.Store.CreateUser(ctx, &users.User{ID: ids.NewID(), AccountID: f.acc.ID, MainAccountID: f.acc.ID,
							Username: name, Email: name, EmailVerified: true, Status: users.StatusActive, CreatedAt: t, UpdatedAt: t}); err != nil {
							return err
						}
					}
					return nil
				})
				require.NoError(b, err)
			}
			for _, c := range []struct{ name, filter, query string }{
				{"IndexedEq", `userName eq "user004242@acme.test"`, ""},
				{"SearchStartsWith", `userName sw "user0042"`, ""},
				{"FullScan", `active eq false`, ""},
				// No filter: the store sorts and pages (OFFSET/LIMIT).
				{"SortedPage", "", "&sortBy=userName&sortOrder=descending&startIndex=" + strconv.Itoa(n/2)},
			} {
				b.Run(c.name, func(b *testing.B) {
					path := filterPath("Users", c.filter) + "&count=100" + c.query
					for b.Loop() {
						r := f.env.Do(b, "GET", path, f.token, nil)
						if r.Status != 200 {
							b.Fatalf("%d: %s", r.Status, r.Body)
						}
					}
				})
			}
		})
	}
}
