package sso_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/accountkittest"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/sso"
)

func withAddressGuard(o *kit.Options) { o.SSO.OIDCAllowLocalIssuers = false }

// TestOIDC_IssuerAddressGuard: an account administrator cannot point the
// server's fetches at its own network. Issuers at non-public literal
// addresses or plain http are refused when saved (400 naming the field,
// nothing changed); an issuer whose name resolves to a private address —
// saved when it did not, DNS rebinding — is refused at the dial, before
// any connection, and the sign-in fails with oidc_discovery_failed.
func TestOIDC_IssuerAddressGuard(t *testing.T) {
	t.Parallel()
	env := kittest.NewWithStore(t, accountkittest.OpenMemory(t), withAddressGuard)
	acc := env.MainAccount(t, "contoso")
	env.ActiveUser(t, acc, "admin", security.RoleAccountManager)
	admin := env.Login(t, "admin", kittest.Password)
	path := "/api/v1/accounts/" + acc.ID + "/sso/oidc"

	for _, issuer := range []string{
		"http://127.0.0.1:8080", "http://[::1]:8080", "http://localhost:8080", "http://idp.example.org",
		"https://127.0.0.1", "https://[::1]", "https://169.254.169.254", "https://10.1.2.3",
		"https://192.168.0.10/realms/x", "https://[fd00::1]", "https://[::ffff:10.0.0.1]", "https://0.0.0.0",
		"https://localhost", "https://idp.localhost", "https://[fe80::1]", "https://224.0.0.1",
	} {
		r := env.Do(t, http.MethodPut, path, admin, map[string]any{"issuer_url": issuer})
		require.Equal(t, http.StatusBadRequest, r.Status, issuer)
		require.Equal(t, "issuer_url", r.Problem(t)["fields"].([]any)[0].(map[string]any)["field"], issuer)
	}
	_, err := env.Store.GetOIDCConfig(context.Background(), acc.ID)
	require.Error(t, err, "nothing was saved")
	r := env.Do(t, http.MethodPut, path, admin, map[string]any{"issuer_url": "https://login.example.org/tenant"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))

	// A name that resolves to loopback at sign-in time.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	var conns atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			_ = c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	for _, issuer := range []string{"https://localhost:" + port, "http://127.0.0.1:" + port} {
		c, err := env.Store.GetOIDCConfig(context.Background(), acc.ID)
		require.NoError(t, err)
		c.Enabled, c.IssuerURL, c.ClientID, c.ClientSecretSealed = true, issuer, "client", []byte{1}
		require.NoError(t, env.Store.PutOIDCConfig(context.Background(), c))
		p := newBrowser(env).do(t, http.MethodGet, "/login/oidc/contoso/", nil)
		requireRefused(t, p, http.StatusServiceUnavailable, sso.ReasonOIDCDiscovery)
		_, err = env.Kit.SSO.BeginOIDCLogin(context.Background(), "contoso", "")
		require.ErrorIs(t, err, sso.ErrOIDCAddressForbidden, issuer)
		require.False(t, strings.Contains(p.Body, "127.0.0.1"), "the page names no address")
	}
	require.Zero(t, conns.Load(), "no connection reached the private address")
}

// TestOIDC_AllowLocalIssuersNotInProduction: the opt-in is refused with
// Production.
func TestOIDC_AllowLocalIssuersNotInProduction(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	_, err := sso.NewService(sso.Deps{Runtime: env.Kit.Runtime, Store: env.Store, Users: env.Kit.Users, Auth: env.Kit.Auth,
		Teams: env.Kit.Teams}, sso.Options{Production: true, OIDCAllowLocalIssuers: true})
	require.ErrorContains(t, err, "OIDCAllowLocalIssuers")
}
