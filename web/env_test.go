package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/web"
)

// site is a test installation: the kit's API and the pages on one mux,
// served over a real listener, as a host mounts them.
type site struct {
	*kittest.Env
	Web *web.Handler
	URL string
	srv *httptest.Server
}

// newSite builds a site on the store; opts may change the pages' options.
func newSite(t testing.TB, store storage.Store, opts ...func(*web.Options)) *site {
	t.Helper()
	return newSiteKit(t, store, nil, opts...)
}

// newSiteKit is newSite with a change to the kit's options too (e.g. the
// customization's fake DNS resolver).
func newSiteKit(t testing.TB, store storage.Store, kitOpt func(*kit.Options), opts ...func(*web.Options)) *site {
	t.Helper()
	env := kittest.NewWithStore(t, store, func(o *kit.Options) {
		o.SSO.TwoFactorPath = web.TwoFactorPath("")
		if kitOpt != nil {
			kitOpt(o)
		}
	})
	k := env.Kit
	o := web.Options{
		Services: web.Services{SignIn: k.Auth, Links: k.Auth, Self: k.Users, Security: k.Auth, Branding: k.Accounts,
			SSO: k.SSO, Notifications: k.Notifications, Users: k.Users, Teams: k.Teams, APIKeys: k.APIKeys, Audit: k.Audit,
			Roles: k.Users, TwoFactorReset: k.Auth, AccountTree: k.Accounts, SeatHolder: k.Seats,
			Seats: k.Seats, ManagedNotifications: k.Notifications, SubAccounts: k.Accounts,
			Policies: k.Accounts, SSOConfig: k.SSO, Accounts: k.Accounts, Customization: k.Accounts},
		Development: true, // plain HTTP in tests
		FormKey:     []byte("web-test-form-key-0123456789abcdef"),
		Clock:       env.Clock,
	}
	for _, fn := range opts {
		fn(&o)
	}
	h, err := web.New(o)
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/account/", h)
	mux.Handle("/", k.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &site{Env: env, Web: h, URL: srv.URL, srv: srv}
}
