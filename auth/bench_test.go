package auth_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/users"
)

// benchKit wires a kit with the production argon2id parameters.
func benchKit(b *testing.B, open kittest.Opener) (*kit.Kit, *kittest.Outbox) {
	mail := &kittest.Outbox{}
	k, err := kit.New(kit.Options{Store: open(b), Users: users.Options{Mailer: mail},
		Auth: auth.Options{Limits: kittest.NoLimits}})
	require.NoError(b, err)
	return k, mail
}

func benchUser(b *testing.B, k *kit.Kit, mail *kittest.Outbox) {
	sys := security.AsSystem(context.Background())
	main, err := k.Accounts.CreateMain(sys, account.CreateInput{Name: "Acme", Slug: "acme"})
	require.NoError(b, err)
	u, err := k.Users.Create(sys, users.CreateInput{AccountID: main.ID, Username: "bench", Email: "bench@example.com", Roles: []string{security.RoleAccountManager}})
	require.NoError(b, err)
	_, err = k.Auth.AcceptInvitation(context.Background(), mail.Last(b, u.Email, users.MailInvitation).Token, kittest.Password)
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
				if _, err := k.Auth.Login(context.Background(), auth.LoginInput{Identifier: "bench", Password: kittest.Password}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAuthenticatedRequest is what every API call pays before its
// handler. The principal is an Account Manager of a sub-account (acme →
// acme-eu), so the account ancestry is walked. Sub-benchmarks, run in the
// same process against the same database:
//
//   - Authenticate: the session authenticator alone (token → session,
//     user, roles, team roles, account ancestry → Principal), with its
//     statements per call (stmts/op) and median (p50-µs);
//   - BarePKSelect: the baseline, one primary-key SELECT of the session
//     row through the store;
//   - HTTP: GET /api/v1/users/{id} with the bearer token, the user
//     reading themself (authentication, then one user read);
//   - BareHandler: the HTTP baseline, the same client and test server
//     stack in front of a handler that writes a small JSON body.
//
// Compare Authenticate with BarePKSelect and HTTP with BareHandler; run
// with -count=5 or more so the pairs interleave on a noisy machine.
func BenchmarkAuthenticatedRequest(b *testing.B) {
	for name, open := range kittest.Stores() {
		b.Run(name, func(b *testing.B) {
			mail := &kittest.Outbox{}
			st := open(b)
			k, err := kit.New(kit.Options{Store: st, Users: users.Options{Mailer: mail},
				Auth: auth.Options{Limits: kittest.NoLimits}})
			require.NoError(b, err)
			counter := countStatements(st)
			sys := security.AsSystem(context.Background())
			main, err := k.Accounts.CreateMain(sys, account.CreateInput{Name: "Acme", Slug: "acme"})
			require.NoError(b, err)
			sub, err := k.Accounts.CreateSub(sys, main.ID, account.CreateInput{Name: "Acme EU", Slug: "acme-eu"})
			require.NoError(b, err)
			u, err := k.Users.Create(sys, users.CreateInput{AccountID: sub.ID, Username: "bench", Email: "bench@example.com",
				Roles: []string{security.RoleAccountManager}})
			require.NoError(b, err)
			_, err = k.Auth.AcceptInvitation(context.Background(), mail.Last(b, u.Email, users.MailInvitation).Token, kittest.Password)
			require.NoError(b, err)
			res, err := k.Auth.Login(context.Background(), auth.LoginInput{Identifier: "bench", Password: kittest.Password})
			require.NoError(b, err)
			sess, err := st.GetSessionByToken(context.Background(), security.HashSecret(res.Token))
			require.NoError(b, err)

			b.Run("Authenticate", func(b *testing.B) {
				req := httptest.NewRequest("GET", "/api/v1/users/"+u.ID, nil)
				req.Header.Set("Authorization", "Bearer "+res.Token)
				loopP50(b, counter, func() error {
					p, err := k.Auth.Authenticate(req)
					if err == nil && (p == nil || p.AccountID != sub.ID || !p.Permissions.Has(security.PermUsersManage)) {
						b.Fatalf("principal %+v", p)
					}
					return err
				})
			})
			b.Run("BarePKSelect", func(b *testing.B) {
				ctx := context.Background()
				loopP50(b, counter, func() error {
					_, err := st.GetSession(ctx, sess.ID)
					return err
				})
			})

			get := func(b *testing.B, url string) {
				req, err := http.NewRequest("GET", url, nil)
				require.NoError(b, err)
				req.Header.Set("Authorization", "Bearer "+res.Token)
				loopP50(b, counter, func() error {
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						return err
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Fatalf("status %d", resp.StatusCode)
					}
					return nil
				})
			}
			b.Run("HTTP", func(b *testing.B) {
				srv := httptest.NewServer(k.Handler())
				defer srv.Close()
				get(b, srv.URL+"/api/v1/users/"+u.ID)
			})
			b.Run("BareHandler", func(b *testing.B) {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					_, _ = io.WriteString(w, `{"id":"bare"}`)
				}))
				defer srv.Close()
				get(b, srv.URL+"/api/v1/users/"+u.ID)
			})
		})
	}
}

// BenchmarkLoginTiming measures what a sign-in tells about its
// identifier: pairs of failed sign-ins, one for an unknown username and
// one for an existing user with a wrong password, in alternating order,
// with the rate limits on (never refusing) and cheap hashing so the
// database work dominates. It reports the median and 90th percentile of
// the pairs' difference (existing minus unknown) in microseconds; the goal
// is a median under 500 µs on PostgreSQL and MariaDB.
func BenchmarkLoginTiming(b *testing.B) {
	for name, open := range kittest.Stores() {
		b.Run(name, func(b *testing.B) {
			mail := &kittest.Outbox{}
			unlimited := security.RateLimit{Burst: 1 << 30, Every: time.Nanosecond}
			st := open(b)
			k, err := kit.New(kit.Options{Store: st, Users: users.Options{Mailer: mail},
				Auth: auth.Options{Hasher: security.NewPasswordHasher(kittest.CheapArgon2, 0), Limits: auth.Limits{
					LoginPerIP: unlimited, LoginPerIdentifier: unlimited}}})
			require.NoError(b, err)
			benchUser(b, k, mail)
			ctx := security.WithClient(context.Background(), security.Client{IP: "192.0.2.1"})
			try := func(name string) time.Duration {
				start := time.Now()
				_, err := k.Auth.Login(ctx, auth.LoginInput{Identifier: name, Password: "wrong-password"})
				d := time.Since(start)
				if accountkit.ErrorCode(err) != accountkit.Unauthenticated {
					b.Fatalf("%s: %v", name, err)
				}
				return d
			}
			var diffs []float64
			i := 0
			for b.Loop() {
				if i%4 == 0 { // stay below the lockout threshold
					b.StopTimer()
					u, err := st.GetUserByUsername(context.Background(), "bench")
					require.NoError(b, err)
					_, err = k.Users.Unlock(security.AsSystem(context.Background()), u.ID)
					require.NoError(b, err)
					b.StartTimer()
				}
				var known, unknown time.Duration
				if i%2 == 0 {
					unknown, known = try("nobody-here"), try("bench")
				} else {
					known, unknown = try("bench"), try("nobody-here")
				}
				diffs = append(diffs, float64(known-unknown)/float64(time.Microsecond))
				i++
			}
			slices.Sort(diffs)
			b.ReportMetric(diffs[len(diffs)/2], "Δmedian-µs")
			b.ReportMetric(diffs[len(diffs)*9/10], "Δp90-µs")
		})
	}
}

// stmtCounter counts the SQL statements a bun.DB runs.
type stmtCounter struct{ n atomic.Int64 }

func (c *stmtCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }
func (c *stmtCounter) AfterQuery(context.Context, *bun.QueryEvent)                        { c.n.Add(1) }

// countStatements hooks a counter into st when it is an SQL store; nil
// for the memory store.
func countStatements(st any) *stmtCounter {
	sq, ok := st.(interface{ DB() *bun.DB })
	if !ok {
		return nil
	}
	c := &stmtCounter{}
	sq.DB().AddQueryHook(c)
	return c
}

// loopP50 runs op in b.Loop and reports its median in µs and, when c
// is set, the statements per op.
func loopP50(b *testing.B, c *stmtCounter, op func() error) {
	var ds []float64
	var before int64
	if c != nil {
		before = c.n.Load()
	}
	for b.Loop() {
		start := time.Now()
		if err := op(); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, float64(time.Since(start))/float64(time.Microsecond))
	}
	if c != nil {
		b.ReportMetric(float64(c.n.Load()-before)/float64(len(ds)), "stmts/op")
	}
	slices.Sort(ds)
	b.ReportMetric(ds[len(ds)/2], "p50-µs")
}
