package kit_test

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/storage/sqlite"
)

// TestKit_ServiceSpans: a request that changes state gives the nesting
// HTTP server span → service span (accountkit.teams.Create, with the
// principal's account and kind) → SQL statement spans; a refused change
// carries the error code; no attribute holds the user's name, email or
// token.
func TestKit_ServiceSpans(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "ak.db"), sqlite.WithMigrate(), sqlite.WithTracing(tp))
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	env := kittest.NewWithStore(t, store, func(o *kit.Options) { o.TracerProvider = tp })
	acc := env.MainAccount(t, "acme")
	u := env.ActiveUser(t, acc, "ann", security.RoleAccountManager)
	token := env.Login(t, "ann", kittest.Password)

	spans.Reset()
	res := env.Do(t, "POST", "/api/v1/teams", token, map[string]any{"name": "Support"})
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))

	ended := spans.Ended()
	byID := map[trace.SpanID]sdktrace.ReadOnlySpan{}
	var server, svc sdktrace.ReadOnlySpan
	for _, s := range ended {
		byID[s.SpanContext().SpanID()] = s
		switch s.Name() {
		case "POST /api/v1/teams":
			server = s
		case "accountkit.teams.Create":
			svc = s
		}
	}
	require.NotNil(t, server, "server span")
	require.NotNil(t, svc, "service span among %v", spanNames(ended))
	assert.Equal(t, server.SpanContext().SpanID(), svc.Parent().SpanID(), "the service span is a child of the server span")
	assert.Equal(t, trace.SpanKindInternal, svc.SpanKind())
	attrs := attribute.NewSet(svc.Attributes()...)
	a, _ := attrs.Value("accountkit.account.id")
	assert.Equal(t, acc.ID, a.AsString())
	k, _ := attrs.Value("accountkit.principal.kind")
	assert.Equal(t, "user", k.AsString())
	assert.Equal(t, codes.Unset, svc.Status().Code)

	var inserts int
	for _, s := range ended {
		if s.SpanKind() != trace.SpanKindClient {
			continue
		}
		// Every statement of the request lies under the server span; the
		// team's INSERT lies under the service span.
		p, ok := byID[s.Parent().SpanID()]
		require.True(t, ok, "SQL span %s has an ended parent", s.Name())
		for p.Name() != "accountkit.teams.Create" && p.Name() != "POST /api/v1/teams" {
			p, ok = byID[p.Parent().SpanID()]
			require.True(t, ok)
		}
		if s.Name() == "INSERT" && p.Name() == "accountkit.teams.Create" {
			inserts++
		}
	}
	assert.GreaterOrEqual(t, inserts, 2, "the team and its audit event are inserted under the service span")
	for _, s := range ended {
		noSecrets(t, s.Attributes(), "ann", u.Email, u.ID, token)
	}
	notSelfNested(t, ended)

	// A service method called in another's transaction is its child
	// (the password sign-in completes through auth.Complete); a nested
	// transaction of the same method opens no span of its own.
	spans.Reset()
	res = env.Do(t, "POST", "/api/v1/auth/login", "", map[string]any{"username": "ann", "password": kittest.Password})
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	ended = spans.Ended()
	byID = map[trace.SpanID]sdktrace.ReadOnlySpan{}
	for _, s := range ended {
		byID[s.SpanContext().SpanID()] = s
	}
	var complete sdktrace.ReadOnlySpan
	notSelfNested(t, ended)
	for _, s := range ended {
		if s.Name() == "accountkit.auth.Complete" {
			complete = s
		}
	}
	require.NotNil(t, complete, "spans: %v", spanNames(ended))
	parent, ok := byID[complete.Parent().SpanID()]
	require.True(t, ok)
	assert.Equal(t, "accountkit.auth.Login", parent.Name())
	assert.Equal(t, "POST /api/v1/auth/login", byID[parent.Parent().SpanID()].Name())

	// A refused change: same span name, the error code, an Error status.
	spans.Reset()
	res = env.Do(t, "POST", "/api/v1/teams", token, map[string]any{"name": "support"})
	require.Equal(t, http.StatusConflict, res.Status, string(res.Body))
	var refused []sdktrace.ReadOnlySpan
	for _, s := range spans.Ended() {
		if s.Name() == "accountkit.teams.Create" {
			refused = append(refused, s)
		}
	}
	require.NotEmpty(t, refused)
	attrs = attribute.NewSet(refused[0].Attributes()...)
	c, _ := attrs.Value("accountkit.error.code")
	assert.Equal(t, "conflict", c.AsString())
	assert.Equal(t, codes.Error, refused[0].Status().Code)
}

func spanNames(spans []sdktrace.ReadOnlySpan) []string {
	out := make([]string, len(spans))
	for i, s := range spans {
		out[i] = s.Name()
	}
	return out
}

// notSelfNested fails when a service span's parent is a span of the same
// method (a nested transaction of one call).
func notSelfNested(t *testing.T, spans []sdktrace.ReadOnlySpan) {
	t.Helper()
	byID := map[trace.SpanID]sdktrace.ReadOnlySpan{}
	for _, s := range spans {
		byID[s.SpanContext().SpanID()] = s
	}
	for _, s := range spans {
		if p, ok := byID[s.Parent().SpanID()]; ok && s.SpanKind() == trace.SpanKindInternal {
			assert.NotEqual(t, p.Name(), s.Name(), "a span nested in its own method")
		}
	}
}

// TestKit_ReadSpans: a read-only call, which runs no transaction, still
// gets its service span under the server span (through
// accountkit.Runtime.StartCall), with the error code when refused.
func TestKit_ReadSpans(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "ak.db"), sqlite.WithMigrate())
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	env := kittest.NewWithStore(t, store, func(o *kit.Options) { o.TracerProvider = tp })
	acc := env.MainAccount(t, "acme")
	env.ActiveUser(t, acc, "ann", security.RoleAccountManager)
	token := env.Login(t, "ann", kittest.Password)

	for _, c := range []struct{ path, span, code string }{
		{"/api/v1/teams", "accountkit.teams.List", ""},
		{"/api/v1/users", "accountkit.users.List", ""},
		{"/api/v1/users/0190c6f0-0000-7000-8000-000000000000", "accountkit.users.Get", "not_found"},
	} {
		spans.Reset()
		res := env.Do(t, "GET", c.path, token, nil)
		require.Less(t, res.Status, 500, string(res.Body))
		var server, svc sdktrace.ReadOnlySpan
		for _, s := range spans.Ended() {
			switch s.Name() {
			case "GET " + c.path:
				server = s
			case c.span:
				svc = s
			}
			if s.Name() == "GET /api/v1/users/{id}" {
				server = s
			}
		}
		require.NotNil(t, svc, "%s: service span among %v", c.path, spanNames(spans.Ended()))
		require.NotNil(t, server, "%s: server span among %v", c.path, spanNames(spans.Ended()))
		assert.Equal(t, server.SpanContext().SpanID(), svc.Parent().SpanID(), "%s: child of the server span", c.path)
		attrs := attribute.NewSet(svc.Attributes()...)
		code, _ := attrs.Value("accountkit.error.code")
		assert.Equal(t, c.code, code.AsString(), c.path)
	}
}
