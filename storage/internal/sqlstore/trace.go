package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/uptrace/bun"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// TraceQueries adds a query hook to db that wraps every SQL statement in
// a client span named after its operation ("SELECT", "INSERT", ...), with
// db.system and db.operation.name only: never the statement's text or
// arguments, nor the error's text (which may quote values). A nil tp
// means the global provider.
func TraceQueries(db *bun.DB, dialect Dialect, tp trace.TracerProvider) {
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	system := map[Dialect]string{Postgres: "postgresql", MySQL: "mysql", SQLite: "sqlite"}[dialect]
	db.AddQueryHook(&queryHook{tracer: tp.Tracer("github.com/accountkit/accountkit/storage"), system: system})
}

// queryHook is the bun.QueryHook of TraceQueries.
type queryHook struct {
	tracer trace.Tracer
	system string
}

var _ bun.QueryHook = (*queryHook)(nil)

type spanKey struct{}

// BeforeQuery implements bun.QueryHook.
func (h *queryHook) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	op := operation(e.Operation())
	ctx, span := h.tracer.Start(ctx, op, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("db.system", h.system), attribute.String("db.operation.name", op)))
	return context.WithValue(ctx, spanKey{}, span)
}

// AfterQuery implements bun.QueryHook.
func (h *queryHook) AfterQuery(ctx context.Context, e *bun.QueryEvent) {
	span, ok := ctx.Value(spanKey{}).(trace.Span)
	if !ok {
		return
	}
	if e.Err != nil && !errors.Is(e.Err, sql.ErrNoRows) {
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
