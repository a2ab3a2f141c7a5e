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
	// Tracer starts the spans of read-only service calls (see StartCall);
	// nil traces nothing. kit sets it from its TracerProvider.
	Tracer CallTracer
}

// CallTracer starts the span of a service call. The root package knows no
// tracing library: kit plugs in its OpenTelemetry implementation.
type CallTracer interface {
	// StartCall starts the span of the exported service method that
	// called Runtime.StartCall and returns the context to run the call in
	// and the function that ends the span with the call's error.
	StartCall(ctx context.Context) (context.Context, func(error))
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

// StartCall starts the span of a read-only service method: one that runs
// no transaction, whose change-less work would otherwise have no span of
// its own (a method that changes state gets its span from its
// transaction). A service method that reads begins with
//
//	ctx, end := s.rt.StartCall(ctx)
//	defer end(&err)
//
// with err its named error result. Without a Tracer it costs nothing.
func (r Runtime) StartCall(ctx context.Context) (context.Context, func(*error)) {
	if r.Tracer == nil {
		return ctx, endNothing
	}
	ctx, end := r.Tracer.StartCall(ctx)
	return ctx, func(err *error) { end(*err) }
}

// endNothing is StartCall's end without a Tracer.
func endNothing(*error) {}

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
