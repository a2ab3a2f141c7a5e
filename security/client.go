package security

import "context"

// Client describes who sent a request, whether or not anyone is signed
// in: the client's IP (after the host's trusted proxies) and user agent.
// The HTTP layer puts it in every request's context; services use it for
// rate limits and the audit log of anonymous attempts.
type Client struct {
	IP        string
	UserAgent string
}

type clientKey struct{}

// WithClient returns a context carrying c.
func WithClient(ctx context.Context, c Client) context.Context {
	return context.WithValue(ctx, clientKey{}, c)
}

// ClientFrom returns the client in ctx; the zero Client when none (a
// service called from Go, not over HTTP).
func ClientFrom(ctx context.Context) Client {
	c, _ := ctx.Value(clientKey{}).(Client)
	return c
}
