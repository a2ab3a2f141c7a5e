package httpx

import (
	"log/slog"
	"net"
	"net/http"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/security"
)

// Authenticate runs the authenticators in order and puts the first principal
// found into the request's context, with the client's IP and user agent. A
// request with no credentials passes on without a principal (services answer
// Unauthenticated); a request with bad credentials is refused with 401.
func Authenticate(logger *slog.Logger, auths []security.Authenticator, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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

// ClientIP returns the IP of the peer. Hosts behind a proxy should set
// RemoteAddr from a trusted forwarding header before accountkit sees the
// request; accountkit never trusts X-Forwarded-For itself.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
