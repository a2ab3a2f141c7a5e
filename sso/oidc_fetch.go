package sso

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// The server fetches an OIDC issuer's discovery document, JWKS, token and
// userinfo endpoints from URLs an account administrator controls: without
// a guard, sso.manage would let anyone make the server request its own
// network (cloud metadata at 169.254.169.254, admin ports on loopback,
// internal services). The guard checks the address actually dialled, after
// DNS resolution, so a name that resolves to a private address (or
// changes to one between checks, DNS rebinding) is refused too, and every
// redirect is dialled through it.

// ErrOIDCAddressForbidden is the cause of a refused fetch from an OpenID
// provider whose address is not public (loopback, private, link-local,
// unspecified, multicast and other special ranges), or whose URL is not
// https, while Options.OIDCAllowLocalIssuers is off.
var ErrOIDCAddressForbidden = errors.New("sso: the OpenID provider's address is not a public https address")

// forbiddenPrefixes are special-purpose ranges that netip's predicates do
// not cover (RFC 6890 and its updates).
var forbiddenPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, broadcast
	netip.MustParsePrefix("::/96"),           // IPv4-compatible (deprecated)
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64: may reach private IPv4
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local NAT64
	netip.MustParsePrefix("2001::/32"),       // Teredo
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("2002::/16"),       // 6to4: embeds any IPv4
	netip.MustParsePrefix("fec0::/10"),       // site-local (deprecated)
}

// PublicAddress reports whether the server may fetch from a: not
// loopback, private (RFC 1918, unique local), link-local, unspecified,
// multicast or another special-purpose range. IPv4-mapped IPv6 addresses
// are judged as their IPv4 address.
func PublicAddress(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	for _, p := range forbiddenPrefixes {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// PublicAddressControl is a net.Dialer Control function that refuses
// connections to addresses PublicAddress rejects, with
// ErrOIDCAddressForbidden. It sees the resolved address of every dial, so
// it holds against names that resolve to private addresses and against
// redirects. Hosts that give their own Options.OIDCHTTPClient (an egress
// proxy, custom TLS) can keep the guard by dialling with it.
func PublicAddressControl(network, address string, _ syscall.RawConn) error {
	return controlWith(PublicAddress)(network, address, nil)
}

func controlWith(allowed func(netip.Addr) bool) func(network, address string, _ syscall.RawConn) error {
	return func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil || !allowed(ap.Addr()) {
			return ErrOIDCAddressForbidden
		}
		return nil
	}
}

// httpsOnly refuses requests (the first and every redirect) that are not
// https.
type httpsOnly struct{ next http.RoundTripper }

func (t httpsOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Scheme != "https" {
		if r.Body != nil {
			_ = r.Body.Close()
		}
		return nil, ErrOIDCAddressForbidden
	}
	return t.next.RoundTrip(r)
}

// guardedOIDCClient returns the client that fetches from OpenID providers:
// https only, to public addresses only (allowed decides), no proxy from
// the environment (a proxy would resolve the name itself, beyond the
// guard), at most 5 redirects, 10 s per request.
func guardedOIDCClient(allowed func(netip.Addr) bool) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second, Control: controlWith(allowed)}
	tr := &http.Transport{DialContext: d.DialContext, ForceAttemptHTTP2: true, MaxIdleConns: 20, IdleConnTimeout: 90 * time.Second,
		TLSHandshakeTimeout: 5 * time.Second, ResponseHeaderTimeout: 10 * time.Second}
	return &http.Client{Timeout: 10 * time.Second, Transport: httpsOnly{tr},
		CheckRedirect: func(_ *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("sso: too many redirects from the OpenID provider")
			}
			return nil
		}}
}

// issuerAddressProblem returns what is wrong with an issuer URL's host
// under the guard, "" when nothing is: a literal address that is not
// public, or localhost. Names are checked again, resolved, at every dial.
func issuerAddressProblem(issuer string) string {
	u, err := url.Parse(issuer)
	if err != nil {
		return ""
	}
	h := u.Hostname()
	if a, err := netip.ParseAddr(h); err == nil && !PublicAddress(a) {
		return "must be a public address (loopback, private, link-local and other special addresses are refused)"
	}
	if h == "localhost" || len(h) > len(".localhost") && h[len(h)-len(".localhost"):] == ".localhost" {
		return "must be a public address (loopback, private, link-local and other special addresses are refused)"
	}
	return ""
}
