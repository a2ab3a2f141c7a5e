package kit_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/kit"
)

// TestKit_Ready: the readiness handler answers 200 while the store
// answers, and 503 with Retry-After once the database is gone.
func TestKit_Ready(t *testing.T) {
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			store := open(t)
			k, err := kit.New(kit.Options{Store: store})
			require.NoError(t, err)
			srv := httptest.NewServer(k.ReadyHandler())
			defer srv.Close()
			resp, body := call(t, "GET", srv.URL, "")
			assert.Equal(t, http.StatusOK, resp.StatusCode, body)
			assert.JSONEq(t, `{"status":"ready"}`, body)
			if name == "memory" {
				return // no database to lose
			}
			require.NoError(t, store.Close())
			resp, body = call(t, "GET", srv.URL, "")
			assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, body)
			assert.Equal(t, "unavailable", problemCode(t, body))
			assert.NotEmpty(t, resp.Header.Get("Retry-After"))
			assert.NotContains(t, body, "sql", "the cause is logged, never answered")
		})
	}
}
