package kit_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/storage/memory"
)

// TestKit_Telemetry: every request gives one server span named after the
// route pattern with method, route and status (an error status on 5xx)
// and is counted and timed by method, route and status — and no ID,
// token or query string ever reaches an attribute.
func TestKit_Telemetry(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	store := &failingStore{Store: memory.New()}
	t.Cleanup(func() { _ = store.Close() })
	env := kittest.NewWithStore(t, store, func(o *kit.Options) {
		o.TracerProvider = tp
		o.MeterProvider = mp
	})
	acc := env.MainAccount(t, "acme")
	u := env.ActiveUser(t, acc, "ann", security.RoleAccountManager)
	token := env.Login(t, "ann", kittest.Password)

	// 200 on a route with a path parameter, with a query string.
	res := env.Do(t, "GET", "/api/v1/users/"+u.ID+"?secret=hunter2", token, nil)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	// 404 on the same route.
	res = env.Do(t, "GET", "/api/v1/users/01J00000000000000000000000", token, nil)
	require.Equal(t, http.StatusNotFound, res.Status, string(res.Body))
	// 503 while the store is down: refused by the authentication
	// middleware, before any route was matched.
	store.down.Store(true)
	res = env.Do(t, "GET", "/api/v1/users/"+u.ID, token, nil)
	store.down.Store(false)
	require.Equal(t, http.StatusServiceUnavailable, res.Status, string(res.Body))

	ended := serverSpans(spans.Ended()) // the service spans are TestKit_ServiceSpans'
	require.Len(t, ended, 3)
	for i, want := range []struct {
		name   string
		route  string
		status int64
	}{
		{"GET /api/v1/users/{id}", "/api/v1/users/{id}", 200},
		{"GET /api/v1/users/{id}", "/api/v1/users/{id}", 404},
		{"GET", "", 503},
	} {
		s := ended[i]
		assert.Equal(t, want.name, s.Name(), "span %d", i)
		assert.Equal(t, trace.SpanKindServer, s.SpanKind())
		attrs := attribute.NewSet(s.Attributes()...)
		m, _ := attrs.Value("http.request.method")
		assert.Equal(t, "GET", m.AsString())
		st, _ := attrs.Value("http.response.status_code")
		assert.Equal(t, want.status, st.AsInt64(), "span %d", i)
		r, ok := attrs.Value("http.route")
		assert.Equal(t, want.route != "", ok, "span %d has a route", i)
		assert.Equal(t, want.route, r.AsString())
		if want.status >= 500 {
			assert.Equal(t, codes.Error, s.Status().Code, "span %d", i)
		} else {
			assert.Equal(t, codes.Unset, s.Status().Code, "span %d", i)
		}
		noSecrets(t, s.Attributes(), u.ID, token)
	}

	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(context.Background(), &rm))
	counts := map[string]int64{}
	var durations uint64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch m.Name {
			case "http.server.requests":
				for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
					noSecrets(t, dp.Attributes.ToSlice(), u.ID, token)
					route, _ := dp.Attributes.Value("http.route")
					status, _ := dp.Attributes.Value("http.response.status_code")
					counts[route.AsString()+" "+status.Emit()] += dp.Value
				}
			case "http.server.request.duration":
				assert.Equal(t, "s", m.Unit)
				for _, dp := range m.Data.(metricdata.Histogram[float64]).DataPoints {
					noSecrets(t, dp.Attributes.ToSlice(), u.ID, token)
					durations += dp.Count
				}
			}
		}
	}
	assert.Equal(t, map[string]int64{"/api/v1/users/{id} 200": 1, "/api/v1/users/{id} 404": 1, " 503": 1}, counts)
	assert.Equal(t, uint64(3), durations)
}

// noSecrets fails when an attribute holds an ID, a token or a query string.
func noSecrets(t *testing.T, attrs []attribute.KeyValue, secrets ...string) {
	t.Helper()
	for _, a := range attrs {
		v := a.Value.Emit()
		assert.NotContains(t, v, "?", "attribute %s holds a query string", a.Key)
		assert.NotContains(t, v, "hunter2", "attribute %s", a.Key)
		for _, s := range secrets {
			assert.False(t, strings.Contains(v, s), "attribute %s holds a secret or an ID", a.Key)
		}
	}
}

// serverSpans keeps the server spans of spans.
func serverSpans(spans []sdktrace.ReadOnlySpan) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range spans {
		if s.SpanKind() == trace.SpanKindServer {
			out = append(out, s)
		}
	}
	return out
}
