package httpx

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/security"
)

// Authenticate runs the authenticators in order and puts the first principal
// found into the request's context, with the client's IP and user agent. A
// request with no credentials passes on without a principal (services answer
// Unauthenticated); a request with bad credentials is refused with 401.
// A request an outer Authenticate already saw (the host's middleware in
// front of the kit's handler) is not authenticated again.
func Authenticate(logger *slog.Logger, auths []security.Authenticator, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Context().Value(authenticatedKey{}) != nil {
			next.ServeHTTP(w, r)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), authenticatedKey{}, true))
		for _, a := range auths {
			p, err := a.Authenticate(r)
			if err != nil {
				WriteError(w, r, logger, err)
				return
			}
			if p != nil {
				p.IP = ClientIP(r)
				p.UserAgent = truncate(r.UserAgent(), 512)
				next.ServeHTTP(w, r.WithContext(security.WithPrincipal(r.Context(), p)))
				return
			}
		}
		if security.BearerToken(r) != "" {
			WriteError(w, r, logger, accountkit.Errorf(accountkit.Unauthenticated, "invalid or expired credentials"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// authenticatedKey marks a request Authenticate has seen.
type authenticatedKey struct{}

// ClientIP returns the client's IP: the one Clients put in the request's
// context, else the peer's.
func ClientIP(r *http.Request) string {
	if c := security.ClientFrom(r.Context()); c.IP != "" {
		return c.IP
	}
	return peerIP(r)
}

func peerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Clients puts the request's client (security.Client) in its context, for
// rate limits and audit records of anonymous requests. The client's IP is
// the peer's — unless the peer is one of the trusted proxies: then
// X-Forwarded-For is read from the right, skipping trusted proxies, and
// the first address not trusted is the client's. Without trusted proxies
// X-Forwarded-For is never read, so a client cannot choose its own IP.
func Clients(trusted []netip.Prefix, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip := peerIP(r)
		if isTrusted(trusted, ip) {
			hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
			for i := len(hops) - 1; i >= 0; i-- {
				hop := strings.TrimSpace(hops[i])
				if _, err := netip.ParseAddr(hop); err != nil {
					break // a malformed hop: keep the last address we could trust
				}
				ip = hop
				if !isTrusted(trusted, hop) {
					break
				}
			}
		}
		c := security.Client{IP: truncate(ip, 64), UserAgent: truncate(r.UserAgent(), 512)}
		next.ServeHTTP(w, r.WithContext(security.WithClient(r.Context(), c)))
	})
}

func isTrusted(trusted []netip.Prefix, ip string) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
