package reports_test

import (
	"context"
	"io"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/reports"
)

// BenchmarkReport_Audit20k compares a report job of 20,000 audit events
// (request, run into the default chunked BlobStore, delete) with its
// baseline, the streaming export of the same events to io.Discard. It
// reports the content's size ("report-B") and the heap retained after the
// runs ("retained-heap-B"): allocations per run stay near the baseline's
// (per row, not per content), and nothing of the content is kept.
func BenchmarkReport_Audit20k(b *testing.B) {
	f := newFixture(b, kittest.Stores()["memory"])
	const events = 20_000
	require.NoError(b, f.env.Store.InTx(f.env.System(), func(ctx context.Context) error {
		for range events {
			if err := f.env.Kit.Recorder.Record(ctx, audit.Entry{AccountID: f.main, Item: audit.ItemUser, Action: audit.ActionUpdate,
				Description: "User updated.", TargetType: "user", TargetName: "someone"}); err != nil {
				return err
			}
		}
		return nil
	}))
	q := audit.Query{AccountID: f.main, Item: "User", Action: "Update"}
	heap := func() uint64 {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	b.Run("StreamingExport", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			run, err := f.env.Kit.Audit.ExportWriter(f.boss, q, "csv")
			require.NoError(b, err)
			_, err = run(f.boss, io.Discard, nil)
			require.NoError(b, err)
		}
	})
	b.Run("ReportJob", func(b *testing.B) {
		b.ReportAllocs()
		runtime.GC()
		before := heap()
		var size int64
		for b.Loop() {
			r, err := f.env.Kit.Reports.Request(f.boss, f.main, reports.KindAudit, reports.FormatCSV, reports.Params{Item: "User", Action: "Update"})
			require.NoError(b, err)
			_, err = f.env.Kit.Reports.RunPending(f.env.System())
			require.NoError(b, err)
			r, err = f.env.Kit.Reports.Get(f.boss, r.ID)
			require.NoError(b, err)
			size = r.Size
			require.NoError(b, f.env.Kit.Reports.Delete(f.boss, r.ID))
		}
		runtime.GC()
		b.ReportMetric(float64(size), "report-B")
		b.ReportMetric(float64(int64(heap())-int64(before)), "retained-heap-B")
	})
}
