package sqlite_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/accountkit/accountkit/storage/sqlite"
)

// TestWithTracing: every statement gives a client span named after its
// operation with db.system and db.operation.name, and nothing of the
// statement's text or arguments.
func TestWithTracing(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	ctx := context.Background()
	s, err := sqlite.Open(ctx, ":memory:", sqlite.WithMigrate(), sqlite.WithTracing(tp))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	n := len(spans.Ended())
	require.NotZero(t, n, "migrations are traced")

	_, err = s.GetUserByUsername(ctx, "secret-name-42")
	require.Error(t, err)
	ended := spans.Ended()[n:]
	require.NotEmpty(t, ended)
	for _, sp := range spans.Ended() {
		assert.Equal(t, trace.SpanKindClient, sp.SpanKind())
		attrs := attribute.NewSet(sp.Attributes()...)
		sys, _ := attrs.Value("db.system")
		assert.Equal(t, "sqlite", sys.AsString())
		op, _ := attrs.Value("db.operation.name")
		assert.Equal(t, sp.Name(), op.AsString())
		assert.Len(t, sp.Attributes(), 2, "db.system and db.operation.name only")
		for _, a := range sp.Attributes() {
			assert.NotContains(t, a.Value.Emit(), "secret-name-42")
		}
	}
	assert.Equal(t, "SELECT", ended[len(ended)-1].Name())

	// Without the option nothing is traced.
	before := len(spans.Ended())
	plain, err := sqlite.Open(ctx, ":memory:", sqlite.WithMigrate())
	require.NoError(t, err)
	t.Cleanup(func() { _ = plain.Close() })
	_, _ = plain.GetUserByUsername(ctx, "x")
	assert.Len(t, spans.Ended(), before)
}
