package kit

import (
	"context"
	"net/http"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/internal/httpx"
)

// pinger is a store that can check its database (the SQL stores).
type pinger interface {
	Ping(ctx context.Context) error
}

// readyTimeout bounds one readiness check.
const readyTimeout = 2 * time.Second

// Ready reports whether the kit can serve requests: the store answers a
// query within 2 seconds (stores without a database, such as memory, are
// always ready). Errors: Unavailable, with the cause kept for logs.
func (k *Kit) Ready(ctx context.Context) error {
	p, ok := k.store.(pinger)
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	if err := p.Ping(ctx); err != nil {
		return &accountkit.Error{Code: accountkit.Unavailable, Message: "the store is not ready", Err: err, RetryAfter: 5 * time.Second}
	}
	return nil
}

// ReadyHandler answers readiness probes (mount it where the platform
// probes, e.g. mux.Handle("GET /readyz", k.ReadyHandler())): 200
// {"status":"ready"} when Ready succeeds, else a 503 problem with
// Retry-After. It reveals nothing of the cause, which is logged.
func (k *Kit) ReadyHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if err := k.Ready(r.Context()); err != nil {
			httpx.WriteError(w, r, k.Runtime.Logger, err)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
}
