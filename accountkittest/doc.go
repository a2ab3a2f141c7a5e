// Package accountkittest is the supported test kit for hosts that embed
// accountkit: one call builds a wired kit on the in-memory store (or on any
// storage.Store, or on a fresh PostgreSQL schema or MariaDB database) with a
// controllable clock, captured email and SMS, and an httptest server;
// seed helpers create accounts, users, teams, seats, security settings and
// API keys with sensible defaults; sign-in helpers go through the real HTTP
// flow (cookie and CSRF token handled, bearer tokens, TOTP); a test
// identity provider signs SAML responses, and a local OpenID Connect
// issuer (EnableOIDC) runs the authorization code flow, so single sign-on
// is tested in-process; assertion helpers read the audit log and the seat
// state.
//
//	func TestReports(t *testing.T) {
//		kt := accountkittest.New(t)
//		acc := kt.MainAccount(t, "acme")
//		alice := kt.User(t, acc, "alice", accountkittest.Roles(security.RoleAccountManager))
//		c := kt.SignIn(t, alice)
//		resp, err := c.Get(kt.URL("/api/v1/auth/me"))
//		require.NoError(t, err)
//		require.Equal(t, http.StatusOK, resp.StatusCode)
//	}
//
// Everything a test creates is removed through t.Cleanup. Failures stop
// the test with t.Fatal (through testify's require), so helpers return
// values, never errors.
//
// The package is part of accountkit's stable API, like the rest of the
// library. It depends on the library (and through it on the XML signature
// and JOSE packages and the database drivers the library already uses),
// the standard library and testify.
package accountkittest
