package reports_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/reports"
	"github.com/accountkit/accountkit/storage"
)

// watchedChunks records, for each chunk written, how many rows its report
// had saved as progress at that moment.
type watchedChunks struct {
	storage.Store
	mu      sync.Mutex
	rowsAt  []int64
	largest int
}

func (w *watchedChunks) PutChunk(ctx context.Context, key string, seq int, data []byte) error {
	id, _, _ := strings.Cut(key, "/")
	r, err := w.Store.GetReport(ctx, id)
	if err != nil {
		return err
	}
	w.mu.Lock()
	w.rowsAt = append(w.rowsAt, r.Rows)
	w.largest = max(w.largest, len(data))
	w.mu.Unlock()
	return w.Store.PutChunk(ctx, key, seq, data)
}

// TestReports_LargeStreams: a report of 50,000 audit events is stored in
// 256 KiB chunks while the export still runs (the first chunks land when
// the saved progress is a fraction of the rows), never as one value, and
// reads back whole.
func TestReports_LargeStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("50,000 events")
	}
	st := kittest.Stores()["memory"](t)
	watch := &watchedChunks{Store: st}
	f := newFixture(t, func(testing.TB) storage.Store { return st }, func(o *kit.Options) {
		o.Reports.Blobs = reports.StoreBlobs(watch, 0)
	})
	const events = 50_000
	sys := f.env.System()
	require.NoError(t, st.InTx(sys, func(ctx context.Context) error {
		for range events {
			if err := f.env.Kit.Recorder.Record(ctx, audit.Entry{AccountID: f.main, Item: audit.ItemUser, Action: audit.ActionUpdate,
				Description: "User updated.", TargetType: "user", TargetName: "someone with a fairly long name"}); err != nil {
				return err
			}
		}
		return nil
	}))
	r, err := f.env.Kit.Reports.Request(f.boss, f.main, reports.KindAudit, reports.FormatCSV, reports.Params{Item: "User", Action: "Update"})
	require.NoError(t, err)
	require.Equal(t, 1, f.run(t))
	r, err = f.env.Kit.Reports.Get(f.boss, r.ID)
	require.NoError(t, err)
	require.Equal(t, reports.StatusDone, r.Status, r.Error)
	assert.EqualValues(t, events, r.Rows)
	chunks := int((r.Size + reports.DefaultChunkSize - 1) / reports.DefaultChunkSize)
	require.Greater(t, chunks, 10, "a report of several MiB")
	require.Len(t, watch.rowsAt, chunks, "one row per 256 KiB chunk")
	assert.Equal(t, reports.DefaultChunkSize, watch.largest, "no chunk above 256 KiB")
	assert.Less(t, watch.rowsAt[0], int64(events/4), "the first chunk was stored early in the export: it streams")
	mid := 0
	for i, rows := range watch.rowsAt {
		if i > 0 {
			assert.GreaterOrEqual(t, rows, watch.rowsAt[i-1], "progress only grows")
		}
		if rows > 0 && rows < events {
			mid++
		}
	}
	assert.Greater(t, mid, chunks/2, "progress (rows) visible in the report while it runs")
	body := f.content(t, r.ID)
	assert.EqualValues(t, r.Size, len(body))
	assert.Equal(t, events+1, strings.Count(string(body), "\n"))
}
