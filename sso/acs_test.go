package sso_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/sso"
)

// countSSOFailures counts the "SSO login failed." events of the account.
func countSSOFailures(t *testing.T, env *kittest.Env, mainID string) int {
	t.Helper()
	n := 0
	for _, e := range env.Events(t, mainID) {
		if e.Description == "SSO login failed." {
			n++
		}
	}
	return n
}

// TestSSO_TwoSignInsOneBrowser: two sign-ins started in one browser (two
// tabs, a retry) both complete; each completed one drops only its own
// binding.
func TestSSO_TwoSignInsOneBrowser(t *testing.T) {
	t.Parallel()
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := kittest.NewWithStore(t, open(t))
			f := newFixture(t, env)
			b := newBrowser(env)
			id1, _ := f.start(t, b, "/one")
			id2, _ := f.start(t, b, "/two")
			require.NotEqual(t, id1, id2)

			p := f.post(t, b, f.idp.Response(t, env.Clock.Now(), f.sp, respOpts{InResponseTo: id1, NameID: "alice@contoso.test"}), "/one")
			require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
			assert.Equal(t, "/one", p.Location)
			assert.NotContains(t, b.cookies, sso.RequestCookieName(id1), "the spent binding goes")
			assert.Equal(t, id2, b.cookies[sso.RequestCookieName(id2)], "the other stays")

			p = f.post(t, b, f.idp.Response(t, env.Clock.Now(), f.sp, respOpts{InResponseTo: id2, NameID: "alice@contoso.test"}), "/two")
			require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
			assert.Equal(t, "/two", p.Location)

			// A browser that started neither is still refused (login CSRF).
			id3, _ := f.start(t, newBrowser(env), "")
			requireRefused(t, f.post(t, b, f.idp.Response(t, env.Clock.Now(), f.sp, respOpts{InResponseTo: id3, NameID: "alice@contoso.test"}), ""),
				http.StatusForbidden, sso.ReasonRequestBinding)
		})
	}
}

// TestSSO_ACSWithoutSSO: an anonymous post to the ACS of an account
// without single sign-on (none saved, or saved but off) answers 404 and
// writes nothing to that account's audit log.
func TestSSO_ACSWithoutSSO(t *testing.T) {
	t.Parallel()
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := kittest.NewWithStore(t, open(t))
			f := newFixture(t, env)
			other := env.MainAccount(t, "acme")
			before := len(env.Events(t, other.ID))
			junk := url.Values{"SAMLResponse": {"PHNhbWxwOlJlc3BvbnNlLz4="}}
			p := newBrowser(env).do(t, http.MethodPost, "/login/saml/acme/acs", junk)
			requireRefused(t, p, http.StatusNotFound, sso.ReasonNotConfigured)
			assert.Len(t, env.Events(t, other.ID), before, "nothing written for an account without SSO")

			f.configure(t, map[string]any{"enabled": false}, http.StatusOK)
			before = countSSOFailures(t, env, f.acc.ID)
			p = newBrowser(env).do(t, http.MethodPost, "/login/saml/contoso/acs", junk)
			requireRefused(t, p, http.StatusNotFound, sso.ReasonNotConfigured)
			assert.Equal(t, before, countSSOFailures(t, env, f.acc.ID), "nothing written while SSO is off")
		})
	}
}

// TestSSO_ACSThrottle: one client cannot post to the ACS without bound
// (429 with Retry-After), and junk that names no user cannot bury the
// account's audit log: past the limit such failures are logged, not
// written.
func TestSSO_ACSThrottle(t *testing.T) {
	t.Parallel()
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := kittest.NewWithStore(t, open(t), func(o *kit.Options) {
				o.SSO.ACSPerIP = security.RateLimit{Burst: 4, Every: time.Minute}
				o.SSO.FailureAuditPerAccount = security.RateLimit{Burst: 2, Every: time.Minute}
			})
			f := newFixture(t, env)
			before := countSSOFailures(t, env, f.acc.ID)
			junk := url.Values{"SAMLResponse": {"bm90LXhtbA=="}}
			for i := 0; i < 4; i++ {
				p := newBrowser(env).do(t, http.MethodPost, "/login/saml/contoso/acs", junk)
				require.Equal(t, http.StatusBadRequest, p.Status, "post %d: %s", i+1, p.Body)
			}
			assert.Equal(t, before+2, countSSOFailures(t, env, f.acc.ID), "two failures written, the rest only logged")

			p := newBrowser(env).do(t, http.MethodPost, "/login/saml/contoso/acs", junk)
			requireRefused(t, p, http.StatusTooManyRequests, sso.ReasonTooManyRequests)
			assert.NotEmpty(t, p.Header.Get("Retry-After"))

			// A minute later the client may post again.
			env.Clock.Advance(time.Minute)
			p = newBrowser(env).do(t, http.MethodPost, "/login/saml/contoso/acs", junk)
			assert.Equal(t, http.StatusBadRequest, p.Status)
		})
	}
}
