package kit

import (
	"net/http"
	"slices"
	"strings"
)

// corsHeaders are the request headers a cross-origin caller may send.
const corsHeaders = "Authorization, Content-Type, X-CSRF-Token"

// cors answers cross-origin requests from the configured origins only:
// the response names the origin (never "*", since credentials are
// allowed), and a preflight (OPTIONS with Access-Control-Request-Method)
// answers 204 with the allowed methods and headers. Requests from other
// origins get no CORS headers, so browsers refuse them; a preflight from
// them passes on (and answers 405).
func cors(origins []string, next http.Handler) http.Handler {
	if len(origins) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" || !slices.Contains(origins, origin) {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Add("Vary", "Origin")
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Add("Vary", "Access-Control-Request-Method, Access-Control-Request-Headers")
			h.Set("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, PATCH, DELETE")
			h.Set("Access-Control-Allow-Headers", corsHeaders)
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.Set("Access-Control-Expose-Headers", "Retry-After, X-Request-ID")
		next.ServeHTTP(w, r)
	})
}

// validOrigin reports whether s is a bare origin: scheme://host[:port].
func validOrigin(s string) bool {
	rest, ok := strings.CutPrefix(s, "https://")
	if !ok {
		rest, ok = strings.CutPrefix(s, "http://")
	}
	return ok && rest != "" && !strings.ContainsAny(rest, "/?#* \t")
}
