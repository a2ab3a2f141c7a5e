package sqlite_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/accountkit/accountkit/storage/sqlite"
)

// collect reads the statement metrics: histogram counts and error counts
// by operation, and every attribute seen.
func collect(t *testing.T, reader *sdkmetric.ManualReader) (counts, errs map[string]uint64, attrs []attribute.KeyValue) {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(context.Background(), &rm))
	counts, errs = map[string]uint64{}, map[string]uint64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch m.Name {
			case "db.client.operation.duration":
				assert.Equal(t, "s", m.Unit)
				for _, dp := range m.Data.(metricdata.Histogram[float64]).DataPoints {
					op, _ := dp.Attributes.Value("db.operation.name")
					sys, _ := dp.Attributes.Value("db.system")
					assert.Equal(t, "sqlite", sys.AsString())
					counts[op.AsString()] += dp.Count
					assert.GreaterOrEqual(t, dp.Sum, 0.0)
					attrs = append(attrs, dp.Attributes.ToSlice()...)
				}
			case "db.client.operation.errors":
				for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
					op, _ := dp.Attributes.Value("db.operation.name")
					errs[op.AsString()] += uint64(dp.Value)
					attrs = append(attrs, dp.Attributes.ToSlice()...)
				}
			}
		}
	}
	return counts, errs, attrs
}

// TestWithMetrics: every statement is timed by operation, a failed one
// (not "no rows") is counted as an error, and no attribute holds the
// statement's text or arguments. With WithTracing too, one hook does
// both: each statement still gets its span.
func TestWithMetrics(t *testing.T) {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	s, err := sqlite.Open(ctx, ":memory:", sqlite.WithMigrate(), sqlite.WithMetrics(mp), sqlite.WithTracing(tp))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })

	before, errsBefore, _ := collect(t, reader)
	require.NotZero(t, before["CREATE"], "migrations are timed")
	assert.Zero(t, errsBefore["SELECT"])

	_, err = s.GetUserByUsername(ctx, "secret-name-42") // no rows: not an error
	require.Error(t, err)
	_, err = s.IDB(ctx).NewRaw("SELECT secret_column FROM no_such_table WHERE x = ?", "secret-value-43").Exec(ctx)
	require.Error(t, err)

	after, errs, attrs := collect(t, reader)
	assert.Equal(t, before["SELECT"]+2, after["SELECT"], "both SELECTs are timed")
	assert.Equal(t, uint64(1), errs["SELECT"], "only the failed statement is an error")
	for _, a := range attrs {
		assert.Contains(t, []attribute.Key{"db.system", "db.operation.name"}, a.Key)
		assert.NotContains(t, a.Value.Emit(), "secret")
	}
	var selects int
	for _, sp := range spans.Ended() {
		if sp.Name() == "SELECT" {
			selects++
		}
	}
	assert.EqualValues(t, after["SELECT"], selects, "one span per timed statement")

}

// TestWithMetrics_Global: WithMetrics(nil) records on the global provider;
// a store opened without the option records nothing there.
func TestWithMetrics_Global(t *testing.T) {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	old := otel.GetMeterProvider()
	otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))
	t.Cleanup(func() { otel.SetMeterProvider(old) })

	plain, err := sqlite.Open(ctx, ":memory:", sqlite.WithMigrate())
	require.NoError(t, err)
	t.Cleanup(func() { _ = plain.Close() })
	_, _ = plain.GetUserByUsername(ctx, "x")
	counts, _, _ := collect(t, reader)
	assert.Empty(t, counts, "no option, no metrics")

	s, err := sqlite.Open(ctx, ":memory:", sqlite.WithMetrics(nil))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	_, _ = s.GetUserByUsername(ctx, "x")
	counts, _, _ = collect(t, reader)
	assert.Equal(t, uint64(1), counts["SELECT"])
}
