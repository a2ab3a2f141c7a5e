// Package jobs runs periodic background work in every replica of a host
// while a lease kept in the store elects one runner per job and period.
// It owns the Store of leases and the Runner; it knows no domain package
// (kit builds the jobs: inactivity, purges) and imports only the root
// package.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/accountkit/accountkit"
)

// Job is one periodic task.
type Job struct {
	// Name identifies the job's lease; every replica must use the same
	// name for the same job.
	Name string
	// Every is the period: at most one run per period among all the
	// runners sharing the store, and the longest a run may take before
	// another runner may start the next one.
	Every time.Duration
	// Run does the work and returns how many items it handled (deleted,
	// disabled). It may be cut by ctx.
	Run func(ctx context.Context) (int, error)
}

// Options configures a Runner.
type Options struct {
	// Holder names this runner in the leases (default: host name, process
	// ID and a random suffix, unique per Runner).
	Holder string
	// Poll is how often Run tries to take the leases (default one minute,
	// or the shortest Every if shorter). A job runs at most once per
	// Every whatever Poll is; Poll only bounds how late it starts.
	Poll time.Duration
	// Logger receives each run's job name, count and duration (default
	// slog.Default()).
	Logger *slog.Logger
	// Clock defaults to the system clock.
	Clock accountkit.Clock
}

// Result is what one run of a job did.
type Result struct {
	Job      string
	Count    int
	Duration time.Duration
	Err      error
}

// Runner runs jobs under leases.
type Runner struct {
	store Store
	jobs  []Job
	opts  Options
}

// NewRunner returns a Runner of jobs on store. Job names must be unique
// and non-empty and periods positive.
func NewRunner(store Store, jobs []Job, opts Options) (*Runner, error) {
	if store == nil {
		return nil, errors.New("jobs: store is nil")
	}
	seen := map[string]bool{}
	shortest := time.Duration(0)
	for _, j := range jobs {
		switch {
		case j.Name == "" || len(j.Name) > 64:
			return nil, fmt.Errorf("jobs: job name %q must have 1 to 64 bytes", j.Name)
		case seen[j.Name]:
			return nil, fmt.Errorf("jobs: job %q given twice", j.Name)
		case j.Every <= 0:
			return nil, fmt.Errorf("jobs: job %q: Every must be positive", j.Name)
		case j.Run == nil:
			return nil, fmt.Errorf("jobs: job %q: Run is nil", j.Name)
		}
		seen[j.Name] = true
		if shortest == 0 || j.Every < shortest {
			shortest = j.Every
		}
	}
	if opts.Holder == "" {
		opts.Holder = defaultHolder()
	}
	if len(opts.Holder) > 128 {
		return nil, errors.New("jobs: Options.Holder must have at most 128 bytes")
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Minute
		if shortest > 0 && shortest < opts.Poll {
			opts.Poll = shortest
		}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Clock == nil {
		opts.Clock = accountkit.SystemClock{}
	}
	return &Runner{store: store, jobs: jobs, opts: opts}, nil
}

// Holder returns the name this runner takes leases under.
func (r *Runner) Holder() string { return r.opts.Holder }

// RunOnce makes one pass: for each job whose lease is free it takes the
// lease for one period, runs the job and logs the outcome. It returns
// the results of the jobs it ran (none when other runners hold every
// lease). A job that fails keeps its lease: it is tried again next
// period. An error taking a lease is reported as that job's Err.
func (r *Runner) RunOnce(ctx context.Context) []Result {
	var out []Result
	for _, j := range r.jobs {
		if ctx.Err() != nil {
			break
		}
		now := r.opts.Clock.Now()
		taken, err := r.store.TakeLease(ctx, j.Name, r.opts.Holder, now, now.Add(j.Every))
		if err != nil {
			r.opts.Logger.ErrorContext(ctx, "job lease failed", "job", j.Name, "err", err)
			out = append(out, Result{Job: j.Name, Err: err})
			continue
		}
		if !taken {
			continue
		}
		start := time.Now()
		n, err := j.Run(ctx)
		res := Result{Job: j.Name, Count: n, Duration: time.Since(start), Err: err}
		if err != nil {
			r.opts.Logger.ErrorContext(ctx, "job failed", "job", j.Name, "count", n, "duration", res.Duration, "err", err)
		} else {
			r.opts.Logger.InfoContext(ctx, "job done", "job", j.Name, "count", n, "duration", res.Duration)
		}
		out = append(out, res)
	}
	return out
}

// Run makes a pass now and then every Poll until ctx is done. Run it in
// its own goroutine in every replica of the host.
func (r *Runner) Run(ctx context.Context) {
	t := time.NewTicker(r.opts.Poll)
	defer t.Stop()
	for {
		r.RunOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func defaultHolder() string {
	host, _ := os.Hostname()
	var b [6]byte
	_, _ = rand.Read(b[:])
	h := fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	if len(h) > 128 {
		h = h[len(h)-128:]
	}
	return h
}
