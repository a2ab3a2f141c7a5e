package telemetry

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRouteOf(t *testing.T) {
	for in, want := range map[string]string{
		"GET /api/v1/users/{id}":         "/api/v1/users/{id}",
		"/scim/v2/":                      "/scim/v2/",
		"POST example.com/api/v1/things": "/api/v1/things",
		"":                               "",
	} {
		assert.Equal(t, want, routeOf(in), in)
	}
}

func TestMethodName(t *testing.T) {
	assert.Equal(t, "PATCH", methodName("PATCH"))
	assert.Equal(t, "_OTHER", methodName("BREW"), "made-up methods do not grow cardinality")
}

// TestHandler_NoProviders: with the global no-op providers the handler
// passes the request and the answer through untouched.
func TestHandler_NoProviders(t *testing.T) {
	h, err := NewHTTP(nil, nil)
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /x/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write([]byte(r.PathValue("id")))
	})
	rec := httptest.NewRecorder()
	h.Handler(Route(mux)).ServeHTTP(rec, httptest.NewRequest("GET", "/x/42", nil))
	assert.Equal(t, http.StatusTeapot, rec.Code)
	assert.Equal(t, "42", rec.Body.String())
}
