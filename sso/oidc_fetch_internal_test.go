package sso

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPublicAddress(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"127.0.0.1", "127.1.2.3", "::1", "0.0.0.0", "::", "169.254.169.254", "fe80::1", "10.0.0.1", "172.16.5.4",
		"192.168.1.1", "fc00::1", "fd12:3456::1", "224.0.0.1", "239.1.1.1", "ff02::1", "ff05::2", "100.64.0.1",
		"::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a00:1", "2002:7f00:1::1",
		"2001:0:4136:e378::1", "255.255.255.255", "192.0.2.10", "fec0::1", "::127.0.0.1",
	} {
		require.False(t, PublicAddress(netip.MustParseAddr(s)), s)
	}
	for _, s := range []string{"8.8.8.8", "93.184.216.34", "2606:4700:4700::1111", "2a00:1450:4001::200e", "::ffff:8.8.8.8"} {
		require.True(t, PublicAddress(netip.MustParseAddr(s)), s)
	}
}

// countingListener counts the TCP connections made to it.
func countingListener(t *testing.T, addr string) (net.Listener, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	require.NoError(t, err)
	var n atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			_ = c.Close()
		}
	}()
	t.Cleanup(func() { _ = ln.Close() })
	return ln, &n
}

// TestGuardedOIDCClient: the attacks on the fetches from an issuer an
// account administrator names. Each is refused before a connection is
// made, and the same request without the guard does connect (so the test
// fails if the guard goes).
func TestGuardedOIDCClient(t *testing.T) {
	t.Parallel()
	ln, conns := countingListener(t, "127.0.0.1:0")
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	guarded := guardedOIDCClient(PublicAddress)
	open := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{}).DialContext}}

	for _, u := range []string{
		"https://127.0.0.1:" + port + "/.well-known/openid-configuration",
		"https://localhost:" + port + "/.well-known/openid-configuration", // a name resolving to loopback
		"https://[::ffff:127.0.0.1]:" + port + "/jwks",
		"https://[::1]:" + port + "/jwks",
		"https://169.254.169.254/latest/meta-data/",
		"https://10.0.0.1/token",
		"https://0.0.0.0:" + port + "/",
		"http://127.0.0.1:" + port + "/", // not https
		"http://idp.example.org/",        // not https, whatever the address
	} {
		_, err := guarded.Get(u)
		require.ErrorIs(t, err, ErrOIDCAddressForbidden, u)
	}
	require.Zero(t, conns.Load(), "no connection was made")

	// Without the guard the loopback request connects: the guard is what
	// refused it.
	_, _ = open.Get("http://127.0.0.1:" + port + "/")
	require.Positive(t, conns.Load())
}

// TestGuardedOIDCClient_Redirect: an allowed provider that redirects to a
// private address (or to plain http) is refused at the redirect's dial.
func TestGuardedOIDCClient_Redirect(t *testing.T) {
	t.Parallel()
	inner, conns := countingListener(t, "127.0.0.2:0")
	target := "https://" + inner.Addr().String() + "/jwks"
	var to atomic.Value
	to.Store(target)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, to.Load().(string), http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	trusting := func(allowed func(netip.Addr) bool) *http.Client {
		c := guardedOIDCClient(allowed)
		c.Transport.(httpsOnly).next.(*http.Transport).TLSClientConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
		return c
	}
	// Only the provider's own address (127.0.0.1, standing for a public
	// one) is allowed; the redirect goes to 127.0.0.2.
	onlyProvider := func(a netip.Addr) bool { return a == netip.MustParseAddr("127.0.0.1") }

	_, err := trusting(onlyProvider).Get(srv.URL + "/jwks")
	require.ErrorIs(t, err, ErrOIDCAddressForbidden)
	require.Zero(t, conns.Load())

	to.Store("http://169.254.169.254/latest/meta-data/")
	_, err = trusting(onlyProvider).Get(srv.URL + "/jwks")
	require.ErrorIs(t, err, ErrOIDCAddressForbidden, "a redirect to plain http")

	// Allowing 127.0.0.2 too, the redirect is followed: the guard decided.
	to.Store(target)
	_, err = trusting(func(netip.Addr) bool { return true }).Get(srv.URL + "/jwks")
	require.Error(t, err) // the counting listener closes at once
	require.False(t, errors.Is(err, ErrOIDCAddressForbidden))
	require.Positive(t, conns.Load())
}
