package kit

import (
	"context"
	"log/slog"
	"time"

	"github.com/accountkit/accountkit/jobs"
	"github.com/accountkit/accountkit/security"
)

// The names of the background jobs, in the leases and the logs.
const (
	JobInactivity = "inactivity"  // users.Service.DisableInactive
	JobSessions   = "sessions"    // auth.Service.PurgeExpiredSessions
	JobTokens     = "tokens"      // users.Service.PurgeExpiredTokens
	JobSAML       = "saml"        // sso.Service.PurgeExpired
	JobRateLimits = "rate_limits" // security.Throttle.Purge
	// JobAuditRetention deletes audit events older than their main
	// account's retention, leaving signed checkpoints
	// (audit.Service.PurgeRetention).
	JobAuditRetention = "audit_retention"
	JobWebhooks       = "webhooks"     // webhooks.Service.Deliver and Purge
	JobReports        = "reports"      // reports.Service.RunPending
	JobReportPurge    = "report_purge" // reports.Service.PurgeExpired
)

// JobOptions configures the background jobs (RunJobs). Each interval is
// how often the job runs among all the replicas sharing the store; zero
// takes the default, a negative interval turns the job off.
type JobOptions struct {
	// Inactivity disables the users inactive for longer than their
	// account allows (default 1 h).
	Inactivity time.Duration
	// Sessions deletes ended sessions (default 1 h).
	Sessions time.Duration
	// Tokens deletes expired invitation, reset and verification links,
	// phone codes and sign-in steps (default 1 h).
	Tokens time.Duration
	// SAML deletes expired SAML request IDs and replay-cache entries
	// (default 10 min).
	SAML time.Duration
	// RateLimits deletes the rate-limit buckets idle for RateLimitIdle
	// (default 1 h).
	RateLimits time.Duration
	// RateLimitIdle is how long a bucket must be idle to be deleted; it
	// must exceed the time any limit takes to refill (Burst × Every), or
	// a purge would hand out a full bucket early. Default: 24 h, or the
	// longest refill among the limits in Options if longer. A host that
	// throttles its own routes through the store's buckets sets it.
	RateLimitIdle time.Duration
	// AuditRetention deletes the audit events older than their main
	// account's retention, behind signed checkpoints (default 1 h; see
	// docs/audit-retention.md).
	AuditRetention time.Duration
	// Webhooks sends the due webhook, audit stream and sink deliveries
	// and purges old succeeded ones (default 5 s). Its lease makes one
	// replica deliver per period; each delivery is also claimed in the
	// store, so a pass longer than the period never sends twice at once.
	Webhooks time.Duration
	// Reports runs the requested reports (default 1 min). A report
	// longer than this lets another replica run the next pass too; the
	// claim of each report keeps them apart.
	Reports time.Duration
	// ReportPurge deletes the content of expired reports (default 1 h).
	ReportPurge time.Duration
	// Poll is how often each replica tries to take the jobs' leases
	// (default 1 min, or the shortest interval if shorter).
	Poll time.Duration
	// Holder names this replica in the leases, at most 128 bytes
	// (default: host name, process ID and a random suffix).
	Holder string
}

// Job defaults.
const (
	defaultJobEvery      = time.Hour
	defaultSAMLEvery     = 10 * time.Minute
	defaultWebhooksEvery = 5 * time.Second
	defaultRateLimitIdle = 24 * time.Hour
)

// newJobs builds the runner of the background jobs from o; limits are
// every rate limit configured in Options, whose longest refill bounds
// RateLimitIdle from below.
func (k *Kit) newJobs(o JobOptions, limits []security.RateLimit, logger *slog.Logger) (*jobs.Runner, error) {
	every := func(d, def time.Duration) time.Duration {
		if d == 0 {
			return def
		}
		return d
	}
	idle := o.RateLimitIdle
	if idle <= 0 {
		idle = defaultRateLimitIdle
		for _, l := range limits {
			if !l.Off() && time.Duration(l.Burst)*l.Every > idle {
				idle = time.Duration(l.Burst) * l.Every
			}
		}
	}
	throttle := security.NewThrottle(k.store, k.Runtime.Clock)
	all := []jobs.Job{
		{Name: JobInactivity, Every: every(o.Inactivity, defaultJobEvery), Run: k.Users.DisableInactive},
		{Name: JobSessions, Every: every(o.Sessions, defaultJobEvery), Run: k.Auth.PurgeExpiredSessions},
		{Name: JobTokens, Every: every(o.Tokens, defaultJobEvery), Run: k.Users.PurgeExpiredTokens},
		{Name: JobSAML, Every: every(o.SAML, defaultSAMLEvery), Run: k.SSO.PurgeExpired},
		{Name: JobRateLimits, Every: every(o.RateLimits, defaultJobEvery), Run: func(ctx context.Context) (int, error) {
			return throttle.Purge(ctx, idle)
		}},
		{Name: JobAuditRetention, Every: every(o.AuditRetention, defaultJobEvery), Run: k.Audit.PurgeRetention},
		{Name: JobWebhooks, Every: every(o.Webhooks, defaultWebhooksEvery), Run: k.deliverWebhooks},
	}
	all = append(all,
		jobs.Job{Name: JobReports, Every: every(o.Reports, time.Minute), Run: k.Reports.RunPending},
		jobs.Job{Name: JobReportPurge, Every: every(o.ReportPurge, defaultJobEvery), Run: k.Reports.PurgeExpired})
	var on []jobs.Job
	for _, j := range all {
		if j.Every > 0 {
			on = append(on, j)
		}
	}
	return jobs.NewRunner(k.store, on, jobs.Options{Holder: o.Holder, Poll: o.Poll, Logger: logger, Clock: k.Runtime.Clock})
}

// RunJobs runs the background jobs (Options.Jobs) until ctx is done:
// disabling inactive users and purging ended sessions, expired tokens,
// SAML state, idle rate-limit buckets and audit events past their
// account's retention. Run it in its own goroutine in
// every replica of the host: a lease in the store elects one replica per
// job and period, so each job runs once per interval in all. Each run is
// logged with the job's name, count and duration.
func (k *Kit) RunJobs(ctx context.Context) {
	k.jobs.Run(security.AsSystem(ctx))
}

// RunJobsOnce makes one pass of the background jobs now, in the calling
// goroutine, and returns what each job it ran did; a job whose lease is
// held (it ran less than its interval ago, here or in another replica)
// is not run and not in the results. For tests and for hosts that
// schedule work themselves (cron).
func (k *Kit) RunJobsOnce(ctx context.Context) []jobs.Result {
	return k.jobs.RunOnce(security.AsSystem(ctx))
}

// JobsHolder returns the name under which this Kit takes the jobs'
// leases.
func (k *Kit) JobsHolder() string { return k.jobs.Holder() }

// jobLimits lists the rate limits configured in o (zero ones take
// defaults that refill within the hour).
func (o *Options) jobLimits() []security.RateLimit {
	u, a, s := o.Users.Limits, o.Auth.Limits, o.SSO
	return []security.RateLimit{u.InvitationPerUser, u.PhoneCodePerUser, u.PhoneCodePerIP,
		a.LoginPerIP, a.LoginPerIdentifier, a.ForgotPerIP, a.ForgotPerIdentifier, a.TwoFactorPerIP, a.TwoFactorPerUser,
		s.ACSPerIP, s.FailureAuditPerAccount, s.DiscoverPerIP}
}

// deliverWebhooks is the webhooks job: one delivery pass, then the purge
// of old succeeded deliveries.
func (k *Kit) deliverWebhooks(ctx context.Context) (int, error) {
	n, err := k.Webhooks.Deliver(ctx)
	if err != nil {
		return n, err
	}
	_, err = k.Webhooks.Purge(ctx)
	return n, err
}

// DeliverWebhooksOnce makes one webhook delivery pass now, in the calling
// goroutine, without the job's lease (each delivery is still claimed in
// the store), and returns how many deliveries succeeded. For tests and
// hosts that schedule work themselves.
func (k *Kit) DeliverWebhooksOnce(ctx context.Context) (int, error) {
	return k.Webhooks.Deliver(security.AsSystem(ctx))
}
