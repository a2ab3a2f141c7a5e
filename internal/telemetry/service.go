package telemetry

import (
	"context"
	"runtime"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/security"
)

// Attribute keys of the service spans. Only the acting principal's
// account and kind and the error code are recorded: never user names,
// emails, tokens or the call's arguments.
const (
	keyAccount   = attribute.Key("accountkit.account.id")
	keyPrincipal = attribute.Key("accountkit.principal.kind")
	keyErrorCode = attribute.Key("accountkit.error.code")
)

// modulePrefix is how the module's functions are named in the call stack.
const modulePrefix = "github.com/accountkit/accountkit/"

// Services starts one internal span per service call, named after the
// exported service method: accountkit.<package>.<Method>, e.g.
// accountkit.users.Create. Every service method that changes state runs in
// a transaction (its change and its audit event commit together), so the
// transaction helper (InTx) is the one place that sees every such call;
// a read-only method, which runs no transaction, starts its span with
// accountkit.Runtime.StartCall, which calls StartCall. Either way the
// method is read from the call stack, so the name cannot drift from the
// code.
type Services struct {
	tracer trace.Tracer
}

// NewServices returns the service tracer for tp (nil: the global
// provider).
func NewServices(tp trace.TracerProvider) *Services {
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	return &Services{tracer: tp.Tracer(ScopeName)}
}

// opKey marks a context inside a service span with its operation's name.
type opKey struct{}

// Unnamed is the span name of a transaction opened by the services with
// no exported service method on the stack (none is known today).
const Unnamed = "accountkit.transaction"

// InTx runs inTx(ctx, fn) inside the span of the service method that
// called it. A nested transaction of the same operation adds no span; one
// opened by another service's method (a service calling another) is a
// child span. The method is read from the call stack only once the span
// is known to be recorded, so installations without an SDK (or calls not
// sampled) pay for starting a no-op span; samplers see the provisional
// name Unnamed.
func (s *Services) InTx(ctx context.Context, inTx func(context.Context, func(context.Context) error) error, fn func(context.Context) error) error {
	sctx, end := s.start(ctx)
	err := inTx(sctx, fn)
	end(err)
	return err
}

// StartCall starts the span of the read-only service method that called
// accountkit.Runtime.StartCall (see accountkit.CallTracer), with the same
// name, nesting and attributes as the span InTx opens for a change.
func (s *Services) StartCall(ctx context.Context) (context.Context, func(error)) {
	return s.start(ctx)
}

// noEnd ends no span.
func noEnd(error) {}

// start starts the span of the innermost exported service method on the
// stack, unless ctx lies in an unsampled trace or already in that
// method's span, and returns the context inside it and the function that
// ends it with the call's error.
func (s *Services) start(ctx context.Context) (context.Context, func(error)) {
	if parent := trace.SpanContextFromContext(ctx); parent.IsValid() && !trace.SpanFromContext(ctx).IsRecording() {
		return ctx, noEnd
	}
	// Frames to skip: runtime.Callers, Operation, start, and InTx or
	// StartCall; Operation walks further up to the service method.
	const skip = 4
	var name string
	if outer, nested := ctx.Value(opKey{}).(string); nested {
		// Inside a service span: a span only for another method.
		if name = Operation(skip); name == "" || name == outer {
			return ctx, noEnd
		}
	}
	sctx, span := s.tracer.Start(ctx, Unnamed, trace.WithSpanKind(trace.SpanKindInternal))
	if !span.IsRecording() {
		return ctx, noEnd
	}
	if name == "" {
		if name = Operation(skip); name == "" {
			name = Unnamed
		}
	}
	span.SetName(name)
	if p := security.PrincipalFrom(ctx); p != nil {
		span.SetAttributes(keyPrincipal.String(principalKind(p)))
		if p.AccountID != "" {
			span.SetAttributes(keyAccount.String(p.AccountID))
		}
	}
	return context.WithValue(sctx, opKey{}, name), func(err error) {
		if err != nil {
			code := string(accountkit.ErrorCode(err))
			span.SetAttributes(keyErrorCode.String(code))
			span.SetStatus(codes.Error, code)
		}
		span.End()
	}
}

// principalKind is "system", "apikey", "user" or "anonymous".
func principalKind(p *security.Principal) string {
	switch {
	case p.System:
		return "system"
	case p.APIKeyID != "":
		return "apikey"
	case p.UserID != "":
		return "user"
	}
	return "anonymous"
}

// Operation returns the span name of the innermost exported service
// method on the call stack above skip frames (runtime.Callers counting):
// for github.com/accountkit/accountkit/users.(*Service).Create (or a
// closure in it) "accountkit.users.Create". It returns "" when no
// service method is on the stack (a host's own transaction, a job
// runner's lease).
func Operation(skip int) string {
	var pcs [32]uintptr
	n := runtime.Callers(skip, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if name := serviceMethod(f.Function); name != "" {
			return name
		}
		if !more {
			return ""
		}
	}
}

// serviceMethod maps a function's full name to its span name when it is
// an exported method of a Service type of the module's packages, else "".
func serviceMethod(fn string) string {
	rest, ok := strings.CutPrefix(fn, modulePrefix)
	if !ok {
		return ""
	}
	pkg, rest, ok := strings.Cut(rest, ".(*Service).")
	if !ok || strings.HasPrefix(pkg, "storage") || strings.HasPrefix(pkg, "internal") {
		return ""
	}
	method, _, _ := strings.Cut(rest, ".") // Create.func1 is a closure in Create
	if method == "" || method[0] < 'A' || method[0] > 'Z' {
		return ""
	}
	return "accountkit." + strings.ReplaceAll(pkg, "/", ".") + "." + method
}
