// Package kittest is the project's own test environment: the public test
// kit (package accountkittest) with every HTTP exchange checked against
// api/openapi.json. It adds nothing else, so the project's tests exercise
// the kit hosts use and the kit cannot rot.
package kittest

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/accountkittest"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/internal/oapitest"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/storage"
)

// Env is a wired installation (see accountkittest.Env).
type Env = accountkittest.Env

// Outbox, Texts, Tokens and Response are accountkittest's.
type (
	Outbox   = accountkittest.Outbox
	Texts    = accountkittest.Texts
	Tokens   = accountkittest.Tokens
	Response = accountkittest.Response
	// Opener returns a fresh, migrated store, closed when the test ends.
	Opener = accountkittest.Opener
)

// Epoch is the time the test clock starts at.
var Epoch = accountkittest.Epoch

// TOTPKey is the fixed key that seals TOTP secrets in tests.
var TOTPKey = accountkittest.TOTPKey

// BaseURL is the public URL the kit's SSO routes are built on in tests.
const BaseURL = accountkittest.BaseURL

// Password is the password ActiveUser sets.
const Password = accountkittest.Password

// NoLimits turns the sign-in rate limits off (the default of New).
var NoLimits = accountkittest.NoLimits

// CheapArgon2 keeps tests fast; the PHC format and code paths are the same
// as with the default parameters.
var CheapArgon2 = accountkittest.CheapArgon2

// New returns an Env on a fresh memory store.
func New(t testing.TB) *Env {
	t.Helper()
	return NewWithStore(t, accountkittest.OpenMemory(t))
}

// NewWithStore returns an Env on store whose every exchange with the
// server is checked against api/openapi.json: a request or response the
// document does not describe fails the test. Options may change the kit's
// options before it is built (e.g. a fake DNS resolver or a notification
// delivery hook).
func NewWithStore(t testing.TB, store storage.Store, options ...func(*kit.Options)) *Env {
	t.Helper()
	audit.StrictCatalogue(true)
	t.Cleanup(func() {
		if u := audit.Uncatalogued(); len(u) > 0 {
			t.Errorf("events recorded that audit.Catalogue lacks (add them to audit/catalogue.go):\n%s", strings.Join(u, "\n"))
		}
	})
	v, err := oapitest.Default()
	require.NoError(t, err, "api/openapi.json")
	opts := []accountkittest.Option{accountkittest.WithStore(store),
		accountkittest.WithHandler(func(k *kit.Kit) http.Handler { return v.Handler(t, k.Handler()) })}
	for _, o := range options {
		opts = append(opts, accountkittest.WithKitOptions(o))
	}
	return accountkittest.New(t, opts...)
}

// Stores returns the stores service-level tests run on: memory always,
// PostgreSQL and MariaDB/MySQL when their DSNs are set (required under
// CI=true; see internal/dbtest).
func Stores() map[string]Opener { return accountkittest.Stores() }

// Manager returns a principal of the account holding every account-settings
// permission, like the built-in Account Manager role.
func Manager(accountID, username string) *security.Principal {
	return accountkittest.Manager(accountID, username)
}

// Member returns a principal of the account with only the given permissions.
func Member(accountID, username string, perms ...security.Permission) *security.Principal {
	return accountkittest.Member(accountID, username, perms...)
}

// As returns a context acting as p.
func As(p *security.Principal) context.Context { return accountkittest.As(p) }
