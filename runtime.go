package accountkit

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// DefaultDetachTimeout bounds detached work when Runtime.DetachTimeout is 0.
const DefaultDetachTimeout = 5 * time.Second

// Runtime is what every service of an installation shares: the clock, the
// ID generator, the logger and the event bus. Every package's Deps embeds
// it; kit.New builds one and gives it to all.
type Runtime struct {
	// Clock defaults to SystemClock.
	Clock Clock
	// IDs defaults to UUIDv7.
	IDs IDGenerator
	// Logger defaults to slog.Default(). Secrets are never logged.
	Logger *slog.Logger
	// Events is required, and must be the same for every service of the
	// installation: cross-domain rules travel on it (see Events).
	Events *Events
	// DetachTimeout bounds work a service finishes on purpose after its
	// caller has gone — counting a failed sign-in, recording a refused
	// change in the audit log — so a client that disconnects cannot escape
	// it, while a frozen database cannot hold it forever (default
	// DefaultDetachTimeout).
	DetachTimeout time.Duration
}

// errNoEvents is returned by Runtime.WithDefaults.
var errNoEvents = errors.New("accountkit: Runtime.Events is required: create one with accountkit.NewEvents() and give the same one to every service")

// WithDefaults returns r with its zero fields set to their defaults. It
// fails when Events is nil: a service built without the shared bus would
// silently lose the rules that span domains.
func (r Runtime) WithDefaults() (Runtime, error) {
	if r.Events == nil {
		return r, errNoEvents
	}
	if r.Clock == nil {
		r.Clock = SystemClock{}
	}
	if r.IDs == nil {
		r.IDs = &UUIDv7{}
	}
	if r.Logger == nil {
		r.Logger = slog.Default()
	}
	if r.DetachTimeout <= 0 {
		r.DetachTimeout = DefaultDetachTimeout
	}
	return r, nil
}

// NewRuntime returns a Runtime with every default and a new Events, for
// programs and tests that build services themselves.
func NewRuntime() Runtime {
	r, _ := Runtime{Events: NewEvents()}.WithDefaults()
	return r
}

// Now returns the clock's time.
func (r Runtime) Now() time.Time { return r.Clock.Now() }

// Detach returns a context that keeps ctx's values but not its
// cancellation, bounded by DetachTimeout instead: for work that must end
// even when the caller has gone. Call cancel when done.
func (r Runtime) Detach(ctx context.Context) (context.Context, context.CancelFunc) {
	d := r.DetachTimeout
	if d <= 0 {
		d = DefaultDetachTimeout
	}
	return context.WithTimeout(context.WithoutCancel(ctx), d)
}
