// Package telemetry records OpenTelemetry traces and metrics for the kit's
// HTTP handler through the OpenTelemetry API only: the host installs the
// SDK (or nothing, and every call is a no-op).
package telemetry

import (
	"context"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of the kit's tracer and meter.
const ScopeName = "github.com/accountkit/accountkit"

// Attribute keys (OpenTelemetry HTTP semantic conventions). Only the
// method, the route pattern and the status are recorded: never the path,
// the query string, IDs or credentials.
const (
	keyMethod = attribute.Key("http.request.method")
	keyRoute  = attribute.Key("http.route")
	keyStatus = attribute.Key("http.response.status_code")
)

// HTTP records one server span and the request metrics per request.
type HTTP struct {
	tracer   trace.Tracer
	requests metric.Int64Counter
	duration metric.Float64Histogram
}

// NewHTTP returns the recorder for tp and mp; nil means the global
// providers (no-ops unless the host installed one).
func NewHTTP(tp trace.TracerProvider, mp metric.MeterProvider) (*HTTP, error) {
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	meter := mp.Meter(ScopeName)
	requests, err := meter.Int64Counter("http.server.requests",
		metric.WithDescription("Number of HTTP requests served."), metric.WithUnit("{request}"))
	if err != nil {
		return nil, err
	}
	duration, err := meter.Float64Histogram("http.server.request.duration",
		metric.WithDescription("Duration of HTTP server requests."), metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10))
	if err != nil {
		return nil, err
	}
	return &HTTP{tracer: tp.Tracer(ScopeName), requests: requests, duration: duration}, nil
}

// Handler wraps next (the whole kit handler): it continues the caller's
// trace (through the global propagator), starts a server span, and once
// next has answered names it after the route pattern the mux matched
// (see Route and Routed), sets the status attributes, marks 5xx as errors
// and records the request counter and duration histogram.
func (h *HTTP) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx := otel.GetTextMapPropagator().Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		method := methodName(r.Method)
		ctx, span := h.tracer.Start(ctx, method, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(keyMethod.String(method)))
		st := &state{}
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(ctx, stateKey{}, st)))
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		recording, measuring := span.IsRecording(), h.requests.Enabled(ctx) || h.duration.Enabled(ctx)
		if !recording && !measuring {
			span.End()
			return
		}
		route := routeOf(st.pattern)
		attrs := []attribute.KeyValue{keyMethod.String(method), keyStatus.Int(status)}
		if route != "" {
			attrs = append(attrs, keyRoute.String(route))
		}
		if recording {
			if route != "" {
				span.SetName(method + " " + route)
			}
			span.SetAttributes(attrs...)
			if status >= 500 {
				span.SetStatus(codes.Error, http.StatusText(status))
			}
		}
		span.End()
		if measuring {
			set := metric.WithAttributeSet(attribute.NewSet(attrs...))
			h.requests.Add(ctx, 1, set)
			h.duration.Record(ctx, time.Since(start).Seconds(), set)
		}
	})
}

// methodName keeps the standard methods and folds any other into _OTHER,
// as the semantic conventions ask, so a client cannot grow the metrics'
// cardinality with made-up methods.
func methodName(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return m
	}
	return "_OTHER"
}

// routeOf strips the method (and host) from a ServeMux pattern:
// "GET /api/v1/users/{id}" → "/api/v1/users/{id}".
func routeOf(pattern string) string {
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		pattern = strings.TrimLeft(pattern[i+1:], " \t")
	}
	if i := strings.IndexByte(pattern, '/'); i > 0 {
		pattern = pattern[i:]
	}
	return pattern
}

// state is where the muxes inside Handler leave the matched pattern.
type state struct {
	pattern string
	decided bool // an inner mux owns the route (Defer), even if it matched nothing
}

type stateKey struct{}

// Route wraps a ServeMux: once it has served the request, the pattern it
// matched (which ServeMux sets on the request it was given) becomes the
// request's route, unless an inner mux has already decided it.
func Route(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		if st, ok := r.Context().Value(stateKey{}).(*state); ok && !st.decided {
			st.pattern = r.Pattern
		}
	})
}

// Defer wraps a catch-all handler behind an outer mux whose own pattern
// says nothing ("/"): the route is whatever the inner mux, wrapped with
// Inner, matched — or none when the request was refused before reaching
// it (a 401 from the authentication middleware).
func Defer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if st, ok := r.Context().Value(stateKey{}).(*state); ok {
			st.decided = true
		}
		next.ServeHTTP(w, r)
	})
}

// Inner wraps the inner mux behind Defer: its matched pattern (possibly
// none) is the route.
func Inner(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		if st, ok := r.Context().Value(stateKey{}).(*state); ok {
			st.pattern = r.Pattern
		}
	})
}

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

// WriteHeader implements http.ResponseWriter.
func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write implements http.ResponseWriter.
func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the underlying writer
// (flushing, deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
