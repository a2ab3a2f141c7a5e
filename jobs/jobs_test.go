package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/jobs"
	"github.com/accountkit/accountkit/storage/memory"
)

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func count(n int) func(context.Context) (int, error) {
	return func(context.Context) (int, error) { return n, nil }
}

func TestNewRunner_Refused(t *testing.T) {
	st := memory.New()
	ok := jobs.Job{Name: "a", Every: time.Minute, Run: count(0)}
	for name, c := range map[string]struct {
		store jobs.Store
		jobs  []jobs.Job
		opts  jobs.Options
		want  string
	}{
		"NoStore":    {nil, []jobs.Job{ok}, jobs.Options{}, "store is nil"},
		"NoName":     {st, []jobs.Job{{Every: time.Minute, Run: count(0)}}, jobs.Options{}, "job name"},
		"LongName":   {st, []jobs.Job{{Name: strings.Repeat("x", 65), Every: time.Minute, Run: count(0)}}, jobs.Options{}, "job name"},
		"Twice":      {st, []jobs.Job{ok, ok}, jobs.Options{}, `"a" given twice`},
		"NoEvery":    {st, []jobs.Job{{Name: "b", Run: count(0)}}, jobs.Options{}, "Every must be positive"},
		"NoRun":      {st, []jobs.Job{{Name: "b", Every: time.Minute}}, jobs.Options{}, "Run is nil"},
		"LongHolder": {st, []jobs.Job{ok}, jobs.Options{Holder: strings.Repeat("h", 129)}, "Holder"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := jobs.NewRunner(c.store, c.jobs, c.opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

// TestRunner_RunOnce: each job runs once per its own period; a failing
// job is logged, reported and keeps its lease until the period ends.
func TestRunner_RunOnce(t *testing.T) {
	st := memory.New()
	clock := accountkit.NewTestClock(epoch)
	var logs bytes.Buffer
	boom := errors.New("boom")
	var fails atomic.Int32
	r, err := jobs.NewRunner(st, []jobs.Job{
		{Name: "fast", Every: time.Minute, Run: count(3)},
		{Name: "slow", Every: time.Hour, Run: count(7)},
		{Name: "broken", Every: time.Minute, Run: func(context.Context) (int, error) { fails.Add(1); return 1, boom }},
	}, jobs.Options{Holder: "me", Clock: clock, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	require.NoError(t, err)
	assert.Equal(t, "me", r.Holder())

	res := r.RunOnce(context.Background())
	require.Len(t, res, 3)
	assert.Equal(t, "fast", res[0].Job)
	assert.Equal(t, 3, res[0].Count)
	assert.NoError(t, res[0].Err)
	assert.Equal(t, 7, res[1].Count)
	assert.ErrorIs(t, res[2].Err, boom)
	assert.Contains(t, logs.String(), `msg="job done" job=fast count=3 duration=`)
	assert.Contains(t, logs.String(), `level=ERROR msg="job failed" job=broken count=1 duration=`)
	assert.Contains(t, logs.String(), `err=boom`)

	assert.Empty(t, r.RunOnce(context.Background()), "every lease is held")
	assert.Equal(t, int32(1), fails.Load(), "a failed job waits for its next period")

	clock.Advance(time.Minute)
	res = r.RunOnce(context.Background())
	require.Len(t, res, 2)
	assert.Equal(t, "fast", res[0].Job)
	assert.Equal(t, "broken", res[1].Job)
	l, err := st.GetLease(context.Background(), "slow")
	require.NoError(t, err)
	assert.Equal(t, "me", l.Holder)
	assert.True(t, l.ExpiresAt.Equal(epoch.Add(time.Hour)))

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	clock.Advance(time.Hour)
	assert.Empty(t, r.RunOnce(ctx), "a done context runs nothing")
}

// TestRunner_Run: Run makes a pass at once, then one per Poll, and
// returns when its context is done.
func TestRunner_Run(t *testing.T) {
	st := memory.New()
	var runs atomic.Int32
	r, err := jobs.NewRunner(st, []jobs.Job{{Name: "tick", Every: time.Millisecond,
		Run: func(context.Context) (int, error) { runs.Add(1); return 0, nil }}},
		jobs.Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	require.Eventually(t, func() bool { return runs.Load() >= 3 }, 5*time.Second, time.Millisecond)
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context was done")
	}
}
