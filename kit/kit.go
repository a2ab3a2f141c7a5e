// Package kit wires every accountkit service from one storage.Store and
// mounts all their handlers as one http.Handler. It is the one import most
// host applications need besides a storage adapter.
package kit

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/internal/httpx"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/storage"
)

// Options configures New. Only Store is required.
type Options struct {
	// Store is where everything is kept (storage/memory, sqlite, postgres
	// or mysql).
	Store storage.Store
	// Clock defaults to the system clock.
	Clock accountkit.Clock
	// IDs defaults to UUIDv7.
	IDs accountkit.IDGenerator
	// Logger defaults to slog.Default(). Secrets are never logged.
	Logger *slog.Logger
	// Authenticators turn request credentials into principals, tried in
	// order. Later releases add sessions and API keys; a host may add its own.
	Authenticators []security.Authenticator
}

// Kit holds the wired services.
type Kit struct {
	Authorizer *security.Authorizer
	Recorder   *audit.Recorder
	Accounts   *account.Service
	Audit      *audit.Service

	handler http.Handler
}

// New wires the services and their handlers.
func New(opts Options) (*Kit, error) {
	if opts.Store == nil {
		return nil, errors.New("kit: Options.Store is required")
	}
	if opts.Clock == nil {
		opts.Clock = accountkit.SystemClock{}
	}
	if opts.IDs == nil {
		opts.IDs = &accountkit.UUIDv7{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	st := opts.Store
	k := &Kit{Authorizer: security.NewAuthorizer(st)}
	k.Recorder = audit.NewRecorder(st, st, st, audit.RecorderOptions{Clock: opts.Clock, IDs: opts.IDs, Logger: opts.Logger})
	k.Accounts = account.NewService(st, st, k.Authorizer, k.Recorder, account.Options{Clock: opts.Clock, IDs: opts.IDs})
	k.Audit = audit.NewService(st, st, k.Authorizer, k.Recorder, opts.Clock)

	mux := http.NewServeMux()
	account.NewHandler(k.Accounts, opts.Logger).Register(mux)
	audit.NewHandler(k.Audit, opts.Logger).Register(mux)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteError(w, r, opts.Logger, accountkit.Errorf(accountkit.NotFound, "no such endpoint"))
	})
	var h http.Handler = mux
	h = httpx.Authenticate(opts.Logger, opts.Authenticators, h)
	h = httpx.Recover(opts.Logger, h)
	k.handler = httpx.WithRequestID(h)
	return k, nil
}

// Handler returns every accountkit route (under /api/v1/) as one handler;
// mount it at the root of the host's server or under a prefix with
// http.StripPrefix.
func (k *Kit) Handler() http.Handler { return k.handler }
