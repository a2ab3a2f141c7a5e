package kit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/jobs"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/storage/memory"
	"github.com/accountkit/accountkit/users"
	"github.com/accountkit/accountkit/webhooks"
)

var allJobs = []string{kit.JobAuditRetention, kit.JobInactivity, kit.JobRateLimits, kit.JobReportPurge, kit.JobReports, kit.JobSAML, kit.JobSessions, kit.JobTokens, kit.JobWebhooks}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// records returns the JSON log records with the message msg.
func (b *syncBuffer) records(t testing.TB, msg string) []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, line := range bytes.Split(bytes.TrimSpace(b.buf.Bytes()), []byte("\n")) {
		var r map[string]any
		require.NoError(t, json.Unmarshal(line, &r))
		if r["msg"] == msg {
			out = append(out, r)
		}
	}
	return out
}

func counts(results []jobs.Result) map[string]int {
	out := map[string]int{}
	for _, r := range results {
		out[r.Job] = r.Count
	}
	return out
}

func names(results []jobs.Result) []string {
	var out []string
	for _, r := range results {
		out = append(out, r.Job)
	}
	sort.Strings(out)
	return out
}

// TestKit_RunJobsOnce: one pass runs every job and logs it; a second pass
// in the same period runs none; once the data has expired, a pass deletes
// the ended session, the expired invitation, the idle rate-limit bucket
// and disables the inactive user — and keeps what is alive.
func TestKit_RunJobsOnce(t *testing.T) {
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			logs := &syncBuffer{}
			env := kittest.NewWithStore(t, open(t), func(o *kit.Options) {
				o.Logger = slog.New(slog.NewJSONHandler(logs, nil))
				o.Auth.Limits.LoginPerIP = security.RateLimit{Burst: 30, Every: 2 * time.Second}
			})
			ctx := context.Background()
			main := env.MainAccount(t, "acme")
			boss := env.ActiveUser(t, main, "boss", "account_manager")
			idle := env.ActiveUser(t, main, "idle")
			_, err := env.Kit.Accounts.UpdateSecuritySettings(env.System(), main.ID, account.SecurityUpdate{MaxInactivityDays: ptrTo(30)})
			require.NoError(t, err)
			env.Login(t, "idle", kittest.Password) // a session and a rate-limit bucket
			invited, err := env.Kit.Users.Create(env.System(), users.CreateInput{AccountID: main.ID, Username: "invited",
				FirstName: "In", LastName: "Vited", Email: "invited@acme.test"})
			require.NoError(t, err)

			first := env.Kit.RunJobsOnce(ctx)
			assert.Equal(t, allJobs, names(first), "a fresh store: every lease is free")
			for _, r := range first {
				require.NoError(t, r.Err, r.Job)
			}
			assert.Equal(t, 0, counts(first)[kit.JobSessions], "the session is alive")
			assert.Equal(t, 0, counts(first)[kit.JobTokens], "the invitation is alive")
			assert.Empty(t, env.Kit.RunJobsOnce(ctx), "same period: every lease is held")

			logged := logs.records(t, "job done")
			require.Len(t, logged, len(allJobs))
			for _, r := range logged {
				assert.Contains(t, allJobs, r["job"])
				assert.Contains(t, r, "count")
				assert.Contains(t, r, "duration")
			}

			env.Clock.Advance(4 * 24 * time.Hour) // past every lease and lifetime
			login, err := env.Kit.Auth.Login(ctx, auth.LoginInput{Identifier: "boss", Password: kittest.Password, IP: "198.51.100.7"})
			require.NoError(t, err)
			got := counts(env.Kit.RunJobsOnce(ctx))
			assert.Equal(t, 1, got[kit.JobSessions], "idle's session ended; boss's is alive")
			assert.Equal(t, 1, got[kit.JobTokens], "the invitation expired")
			assert.Equal(t, 1, got[kit.JobRateLimits], "idle's bucket is full again, boss's is fresh")
			assert.Equal(t, 0, got[kit.JobInactivity])
			sessions, err := env.Store.ListUserSessions(ctx, idle.ID)
			require.NoError(t, err)
			assert.Empty(t, sessions)
			tokens, err := env.Store.ListTokens(ctx, invited.ID, users.TokenInvitation)
			require.NoError(t, err)
			assert.Empty(t, tokens)
			sessions, err = env.Store.ListUserSessions(ctx, boss.ID)
			require.NoError(t, err)
			assert.Len(t, sessions, 1, "a live session is kept")
			res := env.Do(t, "GET", "/api/v1/auth/me", login.Token, nil)
			assert.Equal(t, 200, res.Status)

			env.Clock.Advance(31 * 24 * time.Hour) // past the inactivity limit
			got = counts(env.Kit.RunJobsOnce(ctx))
			assert.Equal(t, 1, got[kit.JobInactivity], "idle is disabled; boss is the last manager")
			u, err := env.Store.GetUser(ctx, idle.ID)
			require.NoError(t, err)
			assert.Equal(t, users.StatusDisabled, u.Status)
			u, err = env.Store.GetUser(ctx, boss.ID)
			require.NoError(t, err)
			assert.Equal(t, users.StatusActive, u.Status)
		})
	}
}

// TestKit_RunJobs_OneRunnerPerPeriod: two replicas (two Kits on one
// store), each with several goroutines making passes at once: each job
// runs exactly once per period, by the runner whose holder the lease
// names.
func TestKit_RunJobs_OneRunnerPerPeriod(t *testing.T) {
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			store := open(t)
			clock := accountkit.NewTestClock(kittest.Epoch)
			var replicas []*kit.Kit
			for range 2 {
				k, err := kit.New(kit.Options{Store: store, Clock: clock, Logger: slog.New(slog.DiscardHandler),
					Jobs: kit.JobOptions{SAML: time.Hour}})
				require.NoError(t, err)
				replicas = append(replicas, k)
			}
			require.NotEqual(t, replicas[0].JobsHolder(), replicas[1].JobsHolder())
			for period := range 3 {
				var mu sync.Mutex
				ran := map[string][]string{} // job -> holders that ran it
				var wg sync.WaitGroup
				for _, k := range replicas {
					for range 4 {
						wg.Add(1)
						go func() {
							defer wg.Done()
							for _, r := range k.RunJobsOnce(context.Background()) {
								if r.Err != nil {
									t.Errorf("%s: %v", r.Job, r.Err)
								}
								mu.Lock()
								ran[r.Job] = append(ran[r.Job], k.JobsHolder())
								mu.Unlock()
							}
						}()
					}
				}
				wg.Wait()
				for _, job := range allJobs {
					require.Len(t, ran[job], 1, "period %d: %s runs exactly once", period, job)
					l, err := store.GetLease(context.Background(), job)
					require.NoError(t, err)
					assert.Equal(t, ran[job][0], l.Holder, "period %d: %s", period, job)
				}
				clock.Advance(time.Hour)
			}
		})
	}
}

// TestKit_RunJobs: the loop makes a pass at once and stops with its
// context; RunInactivityJob takes the same lease.
func TestKit_RunJobs(t *testing.T) {
	env := kittest.NewWithStore(t, kittest.Stores()["memory"](t), func(o *kit.Options) { o.Logger = slog.New(slog.DiscardHandler) })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { env.Kit.RunJobs(ctx); close(done) }()
	require.Eventually(t, func() bool {
		l, err := env.Store.GetLease(context.Background(), kit.JobTokens)
		return err == nil && l.Holder == env.Kit.JobsHolder()
	}, 5*time.Second, 10*time.Millisecond)
	cancel()
	<-done

	env.Clock.Advance(2 * time.Hour)
	ctx, cancel = context.WithCancel(context.Background())
	done = make(chan struct{})
	go func() { env.Kit.RunInactivityJob(ctx, time.Hour, nil); close(done) }()
	require.Eventually(t, func() bool {
		l, err := env.Store.GetLease(context.Background(), kit.JobInactivity)
		return err == nil && l.ExpiresAt.Equal(env.Clock.Now().Add(time.Hour))
	}, 5*time.Second, 10*time.Millisecond)
	cancel()
	<-done
	assert.Equal(t, []string{kit.JobAuditRetention, kit.JobRateLimits, kit.JobReportPurge, kit.JobReports, kit.JobSAML, kit.JobSessions, kit.JobTokens, kit.JobWebhooks}, names(env.Kit.RunJobsOnce(context.Background())),
		"the inactivity lease is held by RunInactivityJob's pass")
}

// TestKit_JobOptions: a negative interval turns a job off; a bad holder
// is refused by New.
func TestKit_JobOptions(t *testing.T) {
	env := kittest.NewWithStore(t, kittest.Stores()["memory"](t), func(o *kit.Options) {
		o.Jobs = kit.JobOptions{Inactivity: -1, SAML: -1, RateLimits: time.Minute, Reports: -1, ReportPurge: -1}
	})
	assert.Equal(t, []string{kit.JobAuditRetention, kit.JobRateLimits, kit.JobSessions, kit.JobTokens, kit.JobWebhooks}, names(env.Kit.RunJobsOnce(context.Background())))
	_, err := kit.New(kit.Options{Store: env.Store, Jobs: kit.JobOptions{Holder: string(make([]byte, 129))}})
	assert.ErrorContains(t, err, "Holder")
}

func ptrTo[T any](v T) *T { return &v }

// TestNew_WebhooksPrivateAddressesRefusedInProduction: the opt-in that
// lets webhook endpoints reach this machine's network is for tests and
// development only.
func TestNew_WebhooksPrivateAddressesRefusedInProduction(t *testing.T) {
	_, err := kit.New(kit.Options{Store: memory.New(), Auth: auth.Options{Production: true, TOTPKey: kittest.TOTPKey},
		Users: users.Options{Mailer: users.LogMailer{}}, Webhooks: webhooks.Options{AllowPrivateAddresses: true}})
	require.ErrorContains(t, err, "AllowPrivateAddresses")
}
