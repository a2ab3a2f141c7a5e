package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// Telemetry says what Instrument records: statement spans (Tracing, on
// TracerProvider; nil is the global provider) and statement metrics
// (Metrics, on MeterProvider; nil is the global provider).
type Telemetry struct {
	Tracing        bool
	TracerProvider trace.TracerProvider
	Metrics        bool
	MeterProvider  metric.MeterProvider
}

// Metric names recorded by Instrument.
const (
	MetricDuration = "db.client.operation.duration"
	MetricErrors   = "db.client.operation.errors"
)

// scope is the instrumentation scope of the statement spans and metrics.
const scope = "github.com/accountkit/accountkit/storage"

// Instrument adds one query hook to db that does what tel asks: a client
// span per SQL statement named after its operation ("SELECT", "INSERT",
// ...), and a duration histogram and an error counter per statement, all
// with db.system and db.operation.name only: never the statement's text
// or arguments, nor the error's text (which may quote values). "No rows"
// is not an error. It does nothing when tel asks for nothing.
func Instrument(db *bun.DB, dialect Dialect, tel Telemetry) error {
	if !tel.Tracing && !tel.Metrics {
		return nil
	}
	system := map[Dialect]string{Postgres: "postgresql", MySQL: "mysql", SQLite: "sqlite"}[dialect]
	h := &queryHook{system: system}
	if tel.Tracing {
		tp := tel.TracerProvider
		if tp == nil {
			tp = otel.GetTracerProvider()
		}
		h.tracer = tp.Tracer(scope)
	}
	if tel.Metrics {
		mp := tel.MeterProvider
		if mp == nil {
			mp = otel.GetMeterProvider()
		}
		meter := mp.Meter(scope)
		var err error
		if h.duration, err = meter.Float64Histogram(MetricDuration,
			metric.WithDescription("Duration of SQL statements."), metric.WithUnit("s"),
			metric.WithExplicitBucketBoundaries(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10)); err != nil {
			return err
		}
		if h.errors, err = meter.Int64Counter(MetricErrors,
			metric.WithDescription("SQL statements that failed (\"no rows\" excepted)."), metric.WithUnit("{error}")); err != nil {
			return err
		}
	}
	db.AddQueryHook(h)
	return nil
}

// queryHook is the bun.QueryHook of Instrument; tracer is nil without
// tracing, duration and errors are nil without metrics.
type queryHook struct {
	system   string
	tracer   trace.Tracer
	duration metric.Float64Histogram
	errors   metric.Int64Counter
}

var _ bun.QueryHook = (*queryHook)(nil)

type spanKey struct{}

// BeforeQuery implements bun.QueryHook.
func (h *queryHook) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	if h.tracer == nil {
		return ctx
	}
	op := operation(e.Operation())
	ctx, span := h.tracer.Start(ctx, op, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("db.system", h.system), attribute.String("db.operation.name", op)))
	return context.WithValue(ctx, spanKey{}, span)
}

// AfterQuery implements bun.QueryHook.
func (h *queryHook) AfterQuery(ctx context.Context, e *bun.QueryEvent) {
	failed := e.Err != nil && !errors.Is(e.Err, sql.ErrNoRows)
	if h.duration != nil {
		attrs := metric.WithAttributes(attribute.String("db.system", h.system), attribute.String("db.operation.name", operation(e.Operation())))
		h.duration.Record(ctx, time.Since(e.StartTime).Seconds(), attrs)
		if failed {
			h.errors.Add(ctx, 1, attrs)
		}
	}
	span, ok := ctx.Value(spanKey{}).(trace.Span)
	if !ok {
		return
	}
	if failed {
		span.SetStatus(codes.Error, "query failed")
	}
	span.End()
}

// operation keeps the statement's leading keyword when it is a plain
// word (upper-cased, at most 16 letters), else "OTHER".
func operation(op string) string {
	op = strings.ToUpper(op)
	if op == "" || len(op) > 16 {
		return "OTHER"
	}
	for _, c := range op {
		if c < 'A' || c > 'Z' {
			return "OTHER"
		}
	}
	return op
}
