package postgres_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/accountkit/accountkit/internal/dbtest"
	"github.com/accountkit/accountkit/storage/postgres"
)

// TestWithTracing: statements on PostgreSQL give spans with
// db.system=postgresql and the operation, nothing of the arguments.
func TestWithTracing(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	ctx := context.Background()
	s, err := postgres.Open(ctx, dbtest.FreshPostgres(t), postgres.WithMigrate(), postgres.WithTracing(tp))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	n := len(spans.Ended())
	_, err = s.GetUserByUsername(ctx, "secret-name-42")
	require.Error(t, err)
	ended := spans.Ended()[n:]
	require.NotEmpty(t, ended)
	last := ended[len(ended)-1]
	assert.Equal(t, "SELECT", last.Name())
	attrs := attribute.NewSet(last.Attributes()...)
	sys, _ := attrs.Value("db.system")
	assert.Equal(t, "postgresql", sys.AsString())
	for _, sp := range spans.Ended() {
		for _, a := range sp.Attributes() {
			assert.NotContains(t, a.Value.Emit(), "secret-name-42")
		}
	}
}
