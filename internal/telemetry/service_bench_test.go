package telemetry

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// BenchmarkServices_InTx measures what the service-span wrapper adds to
// a transaction that does nothing (the worst case: a real one costs a
// database round trip or more), against calling it directly.
func BenchmarkServices_InTx(b *testing.B) {
	inTx := func(ctx context.Context, fn func(context.Context) error) error { return fn(ctx) }
	fn := func(context.Context) error { return nil }
	ctx := context.Background()
	b.Run("direct", func(b *testing.B) {
		for b.Loop() {
			_ = inTx(ctx, fn)
		}
	})
	b.Run("noop-provider", func(b *testing.B) {
		s := NewServices(noop.NewTracerProvider())
		for b.Loop() {
			_ = s.InTx(ctx, inTx, fn)
		}
	})
	b.Run("unsampled-parent", func(b *testing.B) {
		tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()))
		pctx, span := tp.Tracer("b").Start(ctx, "parent")
		defer span.End()
		if trace.SpanFromContext(pctx).IsRecording() {
			b.Fatal("parent records")
		}
		s := NewServices(tp)
		for b.Loop() {
			_ = s.InTx(pctx, inTx, fn)
		}
	})
}
