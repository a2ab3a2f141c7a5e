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
// acme-eu), so the account ancestry is walked. Each sub-benchmark runs
// its measured case and its baseline in the same iteration, in rotating
// order, against the same database, and reports the measured case's
// p50-µs (ns/op is the measured case alone), the baseline's base-p50-µs
// and x-base, the median of the per-iteration ratios measured/baseline:
//
//   - Authenticate: the session authenticator alone (token → session,
//     user, roles, team roles, account ancestry → Principal), with its
//     statements per call (stmts/op; the LastSeenAt write is throttled
//     and not due here); baseline: one primary-key SELECT of the session
//     row through the store;
//   - HTTPMiddleware: a trivial handler behind the kit's authentication
//     middleware (kit.Middleware) with the bearer token; baseline: the
//     same handler bare; same client (keep-alive) and httptest server;
//   - HTTPUserGet: GET /api/v1/users/{id} with the bearer token, the user
//     reading themself (authentication, then the user read and checks);
//     baseline: the bare handler as above.
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
				ctx := context.Background()
				pairedP50(b, counter, func() error {
					p, err := k.Auth.Authenticate(req)
					if err == nil && (p == nil || p.AccountID != sub.ID || !p.Permissions.Has(security.PermUsersManage)) {
						b.Fatalf("principal %+v", p)
					}
					return err
				}, func() error {
					_, err := st.GetSession(ctx, sess.ID)
					return err
				})
			})

			trivial := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"id":"bare"}`)
			})
			bare := httptest.NewServer(trivial)
			defer bare.Close()
			get := func(b *testing.B, url string) func() error {
				req, err := http.NewRequest("GET", url, nil)
				require.NoError(b, err)
				req.Header.Set("Authorization", "Bearer "+res.Token)
				return func() error {
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
				}
			}
			b.Run("HTTPMiddleware", func(b *testing.B) {
				srv := httptest.NewServer(k.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if p := security.PrincipalFrom(r.Context()); p == nil || p.UserID != u.ID {
						http.Error(w, "no principal", http.StatusInternalServerError)
						return
					}
					trivial(w, r)
				})))
				defer srv.Close()
				pairedP50(b, counter, get(b, srv.URL+"/api/v1/users/"+u.ID), get(b, bare.URL+"/api/v1/users/"+u.ID))
			})
			b.Run("HTTPUserGet", func(b *testing.B) {
				srv := httptest.NewServer(k.Handler())
				defer srv.Close()
				pairedP50(b, counter, get(b, srv.URL+"/api/v1/users/"+u.ID), get(b, bare.URL+"/api/v1/users/"+u.ID))
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

// pairedP50 runs op and its baseline base in each b.Loop iteration, in
// alternating order, with the timer stopped around base (ns/op is op's).
// It reports op's median (p50-µs), base's (base-p50-µs), the median of
// the per-iteration ratios op/base (x-base) and, when c is set, op's
// statements per call (stmts/op).
func pairedP50(b *testing.B, c *stmtCounter, op, base func() error) {
	var ds, bs, ratios []float64
	var stmts int64
	runBase := func() float64 {
		b.StopTimer()
		start := time.Now()
		if err := base(); err != nil {
			b.Fatal(err)
		}
		d := float64(time.Since(start)) / float64(time.Microsecond)
		b.StartTimer()
		return d
	}
	runOp := func() float64 {
		var before int64
		if c != nil {
			before = c.n.Load()
		}
		start := time.Now()
		if err := op(); err != nil {
			b.Fatal(err)
		}
		d := float64(time.Since(start)) / float64(time.Microsecond)
		if c != nil {
			stmts += c.n.Load() - before
		}
		return d
	}
	i := 0
	for b.Loop() {
		var d, bd float64
		if i%2 == 0 {
			d, bd = runOp(), runBase()
		} else {
			bd, d = runBase(), runOp()
		}
		ds, bs, ratios = append(ds, d), append(bs, bd), append(ratios, d/bd)
		i++
	}
	if c != nil {
		b.ReportMetric(float64(stmts)/float64(len(ds)), "stmts/op")
	}
	b.ReportMetric(median(ds), "p50-µs")
	b.ReportMetric(median(bs), "base-p50-µs")
	b.ReportMetric(median(ratios), "x-base")
}

func median(xs []float64) float64 {
	slices.Sort(xs)
	return xs[len(xs)/2]
}
