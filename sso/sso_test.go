package sso_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/sso"
	"github.com/accountkit/accountkit/users"
)

const idpEntityID = "https://idp.contoso.example/metadata"

// fixture is an account "contoso" with an Account Manager, a member
// alice, and SSO configured against a test IdP.
type fixture struct {
	env        *kittest.Env
	acc        *account.Account
	admin      *users.User
	alice      *users.User
	adminToken string
	idp        *testIdP
	sp         sp
}

// configJSON is the part of the configuration API's answer the tests read.
type configJSON struct {
	AccountID       string   `json:"account_id"`
	Saved           bool     `json:"saved"`
	Enabled         bool     `json:"enabled"`
	SPEntityID      string   `json:"sp_entity_id"`
	InitiationURL   string   `json:"initiation_url"`
	ACSURL          string   `json:"acs_url"`
	MetadataURL     string   `json:"metadata_url"`
	IdPEntityID     string   `json:"idp_entity_id"`
	IdPLoginURL     string   `json:"idp_login_url"`
	IdPLogoutURL    string   `json:"idp_logout_url"`
	GroupAttribute  string   `json:"group_attribute"`
	AutoCreateUsers bool     `json:"auto_create_users"`
	Warnings        []string `json:"warnings"`
	IdPCertificates []struct {
		NotAfter time.Time `json:"not_after"`
		Warning  string    `json:"warning"`
		Key      string    `json:"key"`
	} `json:"idp_certificates"`
}

func newFixture(t *testing.T, env *kittest.Env) *fixture {
	t.Helper()
	f := &fixture{env: env, acc: env.MainAccount(t, "contoso")}
	f.admin = env.ActiveUser(t, f.acc, "admin", security.RoleAccountManager)
	f.alice = env.ActiveUser(t, f.acc, "alice")
	f.adminToken = env.Login(t, "admin", kittest.Password)
	f.idp = newIdP(t, idpEntityID, 0, time.Time{})
	cfg := f.configure(t, map[string]any{
		"enabled": true, "idp_entity_id": idpEntityID, "idp_certificates": []string{f.idp.PEM()},
		"idp_login_url": "https://idp.contoso.example/sso", "idp_logout_url": "https://idp.contoso.example/slo",
	}, http.StatusOK)
	f.sp = sp{EntityID: cfg.SPEntityID, ACSURL: cfg.ACSURL}
	return f
}

func (f *fixture) path() string { return "/api/v1/accounts/" + f.acc.ID + "/sso" }

// configure PUTs the body as the Account Manager and checks the status.
func (f *fixture) configure(t *testing.T, body map[string]any, status int) *configJSON {
	t.Helper()
	r := f.env.Do(t, http.MethodPut, f.path(), f.adminToken, body)
	require.Equal(t, status, r.Status, string(r.Body))
	var out configJSON
	if status == http.StatusOK {
		r.JSON(t, &out)
	}
	return &out
}

// start opens the initiation URL and returns the AuthnRequest ID.
func (f *fixture) start(t *testing.T, b *browser, returnTo string) (string, string) {
	t.Helper()
	path := "/login/saml/contoso/"
	if returnTo != "" {
		path += "?return_to=" + url.QueryEscape(returnTo)
	}
	p := b.do(t, http.MethodGet, path, nil)
	require.Equal(t, http.StatusFound, p.Status, p.Body)
	require.True(t, strings.HasPrefix(p.Location, "https://idp.contoso.example/sso?"), p.Location)
	id, relay := authnRequest(t, p.Location)
	require.Equal(t, id, b.cookies[sso.RequestCookieName(id)], "the sign-in is bound to the browser")
	return id, relay
}

// post sends a response to the ACS.
func (f *fixture) post(t *testing.T, b *browser, resp, relay string) *page {
	t.Helper()
	return b.do(t, http.MethodPost, "/login/saml/contoso/acs", url.Values{"SAMLResponse": {resp}, "RelayState": {relay}})
}

// signIn runs the whole SP-initiated flow for nameID.
func (f *fixture) signIn(t *testing.T, b *browser, o respOpts, returnTo string) *page {
	t.Helper()
	id, relay := f.start(t, b, returnTo)
	o.InResponseTo = id
	return f.post(t, b, f.idp.Response(t, f.env.Clock.Now(), f.sp, o), relay)
}

// me calls /api/v1/auth/me with the browser's session cookie.
func (f *fixture) me(t *testing.T, b *browser) (int, map[string]any) {
	t.Helper()
	p := b.do(t, http.MethodGet, "/api/v1/auth/me", nil)
	var out map[string]any
	if p.Status == http.StatusOK {
		require.NoError(t, jsonUnmarshal(p.Body, &out))
	}
	return p.Status, out
}

// requireRefused checks an HTML error page with the reason code.
func requireRefused(t *testing.T, p *page, status int, reason string) {
	t.Helper()
	require.Equal(t, status, p.Status, p.Body)
	require.Contains(t, p.Body, "<code>"+reason+"</code>")
	require.Contains(t, p.Body, "Single sign-on failed. Please try again")
	require.NotContains(t, p.Body, "Assertion")
	_, has := func() (string, bool) {
		for _, c := range p.Cookies {
			if c.Name == auth.SessionCookie && c.Value != "" {
				return c.Value, true
			}
		}
		return "", false
	}()
	require.False(t, has, "no session on a refused sign-in")
}

// lastSSOFailure returns the newest "SSO login failed." event.
func lastSSOFailure(t *testing.T, env *kittest.Env, mainID string) *audit.Event {
	t.Helper()
	for _, e := range env.Events(t, mainID) {
		if e.Description == "SSO login failed." {
			return e
		}
	}
	t.Fatal("no SSO login failure recorded")
	return nil
}

// TestSSO_Flow runs the complete SP-initiated flow over HTTP on every
// store: initiation, signed response, session cookie, an API call as the
// user; then replay and persistence across two kit instances.
func TestSSO_Flow(t *testing.T) {
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := kittest.NewWithStore(t, open(t))
			f := newFixture(t, env)
			b := newBrowser(env)

			id, relay := f.start(t, b, "/dashboard?tab=1")
			require.Equal(t, "/dashboard?tab=1", relay)
			resp := f.idp.Response(t, env.Clock.Now(), f.sp, respOpts{InResponseTo: id, NameID: "Alice@Contoso.TEST"})
			p := f.post(t, b, resp, relay)
			require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
			require.Equal(t, "/dashboard?tab=1", p.Location)
			require.NotEmpty(t, b.cookies[auth.SessionCookie])
			_, bound := b.cookies[sso.RequestCookieName(id)]
			require.False(t, bound, "the binding cookie is single-use")

			status, me := f.me(t, b)
			require.Equal(t, http.StatusOK, status)
			require.Equal(t, "alice", me["user"].(map[string]any)["username"])

			u, err := env.Store.GetUser(context.Background(), f.alice.ID)
			require.NoError(t, err)
			require.Equal(t, users.LoginSSO, u.LastLoginMethod)
			ev := env.LastEvent(t, f.acc.ID)
			require.Equal(t, "User logged in (First Last, alice@contoso.test).", ev.Description)
			require.Equal(t, "sso", ev.Details["method"])

			// The same response again: refused, on this instance ...
			b2 := newBrowser(env)
			b2.cookies[sso.RequestCookieName(id)] = id
			requireRefused(t, f.post(t, b2, resp, relay), http.StatusForbidden, "replayed")
			// ... and on a second instance sharing the store.
			env2 := kittest.NewWithStore(t, env.Store)
			env2.Clock.Set(env.Clock.Now())
			b3 := newBrowser(env2)
			b3.cookies[sso.RequestCookieName(id)] = id
			requireRefused(t, b3.do(t, http.MethodPost, "/login/saml/contoso/acs", url.Values{"SAMLResponse": {resp}}), http.StatusForbidden, "replayed")
			ev = lastSSOFailure(t, env, f.acc.ID)
			require.Equal(t, "replayed", ev.Details["reason"])
			require.Equal(t, "sso", ev.Details["method"])
			for k, v := range ev.Details {
				require.NotContains(t, v, "<", "no XML in the audit log (%s)", k)
				require.NotContains(t, v, resp[:20], "no response in the audit log")
			}

			// A sign-in started on one instance completes on the other.
			id, relay = f.start(t, b3, "")
			p = f.post(t, newBrowserWith(env, b3), f.idp.Response(t, env.Clock.Now(), f.sp, respOpts{InResponseTo: id, NameID: "alice@contoso.test"}), relay)
			require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
			require.Equal(t, "/", p.Location)
		})
	}
}

// newBrowserWith returns a browser of env holding the cookies of from.
func newBrowserWith(env *kittest.Env, from *browser) *browser {
	b := newBrowser(env)
	for k, v := range from.cookies {
		b.cookies[k] = v
	}
	return b
}

func TestSSO_AutoCreateUsers(t *testing.T) {
	env := kittest.New(t)
	f := newFixture(t, env)

	t.Run("Off", func(t *testing.T) {
		p := f.signIn(t, newBrowser(env), respOpts{NameID: "newcomer@contoso.test"}, "")
		requireRefused(t, p, http.StatusForbidden, sso.ReasonUserNotFound)
		us, err := env.Store.FindUsersByEmail(context.Background(), "newcomer@contoso.test")
		require.NoError(t, err)
		require.Empty(t, us)
		require.Equal(t, sso.ReasonUserNotFound, lastSSOFailure(t, env, f.acc.ID).Details["reason"])
	})

	t.Run("On", func(t *testing.T) {
		f.configure(t, map[string]any{"auto_create_users": true}, http.StatusOK)
		b := newBrowser(env)
		p := f.signIn(t, b, respOpts{NameID: "New.Comer+x@Contoso.test", Attrs: map[string][]string{
			sso.AttrGivenName: {"Néw"}, sso.AttrSurname: {" Co\u200bmer\t"}, sso.AttrEmailAddress: {"new.comer@contoso.test"}}}, "")
		require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
		us, err := env.Store.FindUsersByEmail(context.Background(), "new.comer@contoso.test")
		require.NoError(t, err)
		require.Empty(t, us, "the email attribute is not the user's address")
		us, err = env.Store.FindUsersByEmail(context.Background(), "new.comer+x@contoso.test")
		require.NoError(t, err)
		require.Len(t, us, 1, "the NameID is")
		u := us[0]
		assert.Equal(t, users.StatusActive, u.Status)
		assert.True(t, u.EmailVerified)
		assert.Empty(t, u.PasswordHash)
		assert.Equal(t, "Néw", u.FirstName)
		assert.Equal(t, "Co\u200bmer", u.LastName)
		assert.Equal(t, "new.comer-x@contoso.test", u.Username, "derived from the email")
		assert.Equal(t, f.acc.ID, u.AccountID)
		assert.Empty(t, u.Roles, "no roles are granted")
		status, _ := f.me(t, b)
		require.Equal(t, http.StatusOK, status)

		// The next sign-in finds the same user through the link.
		p = f.signIn(t, newBrowser(env), respOpts{NameID: "new.comer+x@contoso.test"}, "")
		require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
		us, err = env.Store.FindUsersByEmail(context.Background(), "new.comer+x@contoso.test")
		require.NoError(t, err)
		require.Len(t, us, 1, "no second user")

		// A colliding username gets a suffix.
		for i, email := range []string{"new+comer@contoso.test", "new-comer@contoso.test"} {
			p = f.signIn(t, newBrowser(env), respOpts{NameID: email}, "")
			require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
			us, err = env.Store.FindUsersByEmail(context.Background(), email)
			require.NoError(t, err)
			require.Len(t, us, 1)
			require.Equal(t, []string{"new-comer@contoso.test", "new-comer@contoso.test-2"}[i], us[0].Username)
		}
	})
}

func TestSSO_Matching(t *testing.T) {
	env := kittest.New(t)
	f := newFixture(t, env)

	// The attack: a user of the customer's IdP edits their profile's email
	// to the Account Manager's address. The email attribute never selects
	// a user; only the NameID (or a link made from it) does.
	t.Run("EmailAttributeTakeover", func(t *testing.T) {
		evil := respOpts{NameID: "eve.self@contoso.test", Attrs: map[string][]string{sso.AttrEmailAddress: {f.admin.Email}}}
		requireRefused(t, f.signIn(t, newBrowser(env), evil, ""), http.StatusForbidden, sso.ReasonUserNotFound)

		f.configure(t, map[string]any{"auto_create_users": true}, http.StatusOK)
		defer f.configure(t, map[string]any{"auto_create_users": false}, http.StatusOK)
		b := newBrowser(env)
		require.Equal(t, http.StatusSeeOther, f.signIn(t, b, evil, "").Status)
		_, me := f.me(t, b)
		user := me["user"].(map[string]any)
		require.NotEqual(t, f.admin.ID, user["id"], "not signed in as the Account Manager")
		require.Equal(t, "eve.self@contoso.test", user["email"])
		// And the link made stays Eve's.
		b = newBrowser(env)
		require.Equal(t, http.StatusSeeOther, f.signIn(t, b, evil, "").Status)
		_, me = f.me(t, b)
		require.Equal(t, user["id"], me["user"].(map[string]any)["id"])
	})

	t.Run("LinkSurvivesEmailChange", func(t *testing.T) {
		require.Equal(t, http.StatusSeeOther, f.signIn(t, newBrowser(env), respOpts{NameID: "alice@contoso.test"}, "").Status)
		email := "alice.renamed@contoso.test"
		_, err := env.Kit.Users.Update(env.System(), f.alice.ID, users.Update{Email: &email})
		require.NoError(t, err)
		b := newBrowser(env)
		require.Equal(t, http.StatusSeeOther, f.signIn(t, b, respOpts{NameID: "alice@contoso.test"}, "").Status)
		_, me := f.me(t, b)
		require.Equal(t, f.alice.ID, me["user"].(map[string]any)["id"])
	})

	t.Run("InvitedUserIsActivated", func(t *testing.T) {
		u, err := env.Kit.Users.Create(env.System(), users.CreateInput{AccountID: f.acc.ID, Username: "ivan", Email: "ivan@contoso.test"})
		require.NoError(t, err)
		require.Equal(t, users.StatusInvited, u.Status)
		require.Equal(t, http.StatusSeeOther, f.signIn(t, newBrowser(env), respOpts{NameID: "ivan@contoso.test"}, "").Status)
		u, err = env.Store.GetUser(context.Background(), u.ID)
		require.NoError(t, err)
		require.Equal(t, users.StatusActive, u.Status)
		require.True(t, u.EmailVerified)
	})

	t.Run("DisabledAndLockedRefused", func(t *testing.T) {
		d := env.ActiveUser(t, f.acc, "dora")
		_, err := env.Kit.Users.Disable(env.System(), d.ID)
		require.NoError(t, err)
		requireRefused(t, f.signIn(t, newBrowser(env), respOpts{NameID: d.Email}, ""), http.StatusForbidden, sso.ReasonUserDisabled)
		ev := lastSSOFailure(t, env, f.acc.ID)
		require.Equal(t, d.ID, ev.TargetID)

		l := env.ActiveUser(t, f.acc, "lena")
		_, err = env.Kit.Users.Lock(env.System(), l.ID)
		require.NoError(t, err)
		requireRefused(t, f.signIn(t, newBrowser(env), respOpts{NameID: l.Email}, ""), http.StatusForbidden, sso.ReasonUserLocked)
	})

	t.Run("DisabledAccountRefused", func(t *testing.T) {
		other := kittest.New(t)
		g := newFixture(t, other)
		_, err := other.Kit.Accounts.Disable(other.System(), g.acc.ID)
		require.NoError(t, err)
		requireRefused(t, g.signIn(t, newBrowser(other), respOpts{NameID: "alice@contoso.test"}, ""), http.StatusForbidden, sso.ReasonAccountDisabled)
	})

	t.Run("NameIDMustBeEmail", func(t *testing.T) {
		for _, nid := range []string{"alice", "CONTOSO\\alice", "alice@localhost", "Alice <alice@contoso.test>", "a b@contoso.test", "5f2c0e4a-persistent"} {
			requireRefused(t, f.signIn(t, newBrowser(env), respOpts{NameID: nid}, ""), http.StatusBadRequest, sso.ReasonNameIDNotEmail)
		}
	})

	t.Run("SubAccountIdPCannotSignInParentUsers", func(t *testing.T) {
		sub := env.SubAccount(t, f.acc, "contoso-eu")
		r := env.Do(t, http.MethodPut, "/api/v1/accounts/"+sub.ID+"/sso", f.adminToken, map[string]any{
			"enabled": true, "idp_entity_id": "https://idp.eu.example/", "idp_certificates": []string{f.idp.PEM()},
			"idp_login_url": "https://idp.eu.example/sso", "auto_create_users": true})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var cfg configJSON
		r.JSON(t, &cfg)
		b := newBrowser(env)
		p := b.do(t, http.MethodGet, "/login/saml/contoso-eu/", nil)
		require.Equal(t, http.StatusFound, p.Status, p.Body)
		id, _ := authnRequest(t, p.Location)
		eu := &testIdP{EntityID: "https://idp.eu.example/", Key: f.idp.Key, Cert: f.idp.Cert}
		resp := eu.Response(t, env.Clock.Now(), sp{EntityID: cfg.SPEntityID, ACSURL: cfg.ACSURL}, respOpts{InResponseTo: id, NameID: f.admin.Email})
		p = b.do(t, http.MethodPost, "/login/saml/contoso-eu/acs", url.Values{"SAMLResponse": {resp}})
		requireRefused(t, p, http.StatusForbidden, sso.ReasonEmailElsewhere)
	})
}

func TestSSO_ResponseChecks(t *testing.T) {
	env := kittest.New(t)
	f := newFixture(t, env)

	t.Run("LoginCSRF", func(t *testing.T) {
		// The attacker starts a sign-in and has the victim's browser post
		// the attacker's response: the victim's browser holds no binding.
		id, _ := f.start(t, newBrowser(env), "")
		resp := f.idp.Response(t, env.Clock.Now(), f.sp, respOpts{InResponseTo: id, NameID: "alice@contoso.test"})
		victim := newBrowser(env)
		requireRefused(t, f.post(t, victim, resp, ""), http.StatusForbidden, sso.ReasonRequestBinding)
		// A victim with a sign-in of their own in progress: still refused.
		victim2 := newBrowser(env)
		f.start(t, victim2, "")
		id2, _ := f.start(t, newBrowser(env), "")
		resp = f.idp.Response(t, env.Clock.Now(), f.sp, respOpts{InResponseTo: id2, NameID: "alice@contoso.test"})
		requireRefused(t, f.post(t, victim2, resp, ""), http.StatusForbidden, sso.ReasonRequestBinding)
	})

	t.Run("UnsolicitedRefusedByDefault", func(t *testing.T) {
		resp := f.idp.Response(t, env.Clock.Now(), f.sp, respOpts{NameID: "alice@contoso.test"})
		requireRefused(t, f.post(t, newBrowser(env), resp, ""), http.StatusForbidden, "unsolicited_response")
		f.configure(t, map[string]any{"allow_idp_initiated": true}, http.StatusOK)
		defer f.configure(t, map[string]any{"allow_idp_initiated": false}, http.StatusOK)
		resp = f.idp.Response(t, env.Clock.Now(), f.sp, respOpts{NameID: "alice@contoso.test"})
		p := f.post(t, newBrowser(env), resp, "/inbox")
		require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
		require.Equal(t, "/inbox", p.Location)
	})

	t.Run("ForgedSignature", func(t *testing.T) {
		attacker := newIdP(t, idpEntityID, 2, time.Time{})
		p := f.signIn(t, newBrowser(env), respOpts{NameID: "admin@contoso.test", SignWith: attacker}, "")
		requireRefused(t, p, http.StatusBadRequest, "certificate_untrusted")
	})

	t.Run("Garbage", func(t *testing.T) {
		b := newBrowser(env)
		requireRefused(t, f.post(t, b, "", ""), http.StatusBadRequest, "encoding_invalid")
		requireRefused(t, f.post(t, b, "PD94bWw/Pjwh", ""), http.StatusBadRequest, "xml_dtd_forbidden")
		p := b.do(t, http.MethodPost, "/login/saml/contoso/acs", nil)
		require.Equal(t, http.StatusBadRequest, p.Status)
		p = b.do(t, http.MethodPost, "/login/saml/contoso/acs", url.Values{"SAMLResponse": {strings.Repeat("A", 2<<20)}})
		require.Equal(t, http.StatusBadRequest, p.Status, "oversized bodies are cut")
	})

	t.Run("UnknownOrDisabled", func(t *testing.T) {
		b := newBrowser(env)
		for _, path := range []string{"/login/saml/nobody/", "/login/saml/nobody/metadata", "/login/saml/..%2F/"} {
			p := b.do(t, http.MethodGet, path, nil)
			require.Equal(t, http.StatusNotFound, p.Status, path)
			require.Contains(t, p.Body, sso.ReasonNotConfigured)
		}
		requireRefused(t, b.do(t, http.MethodPost, "/login/saml/nobody/acs", url.Values{"SAMLResponse": {"x"}}), http.StatusNotFound, sso.ReasonNotConfigured)
	})
}

// TestSSO_OpenRedirect checks that only relative paths on the host survive
// as RelayState and as the redirect after sign-in.
func TestSSO_OpenRedirect(t *testing.T) {
	env := kittest.New(t)
	f := newFixture(t, env)
	f.configure(t, map[string]any{"allow_idp_initiated": true}, http.StatusOK)
	malicious := []string{
		"https://evil.example/", "http://evil.example", "//evil.example", "///evil.example", "/\\evil.example",
		"\\\\evil.example", "/\t/evil.example", "/\n/evil.example", "javascript:alert(1)", "JaVaScRiPt:alert(1)",
		"data:text/html,x", "evil.example", " /x", "/x y", "/\x00", "/\u00e9", "//", "/" + strings.Repeat("a", 80),
		"https:/evil.example", "/@evil.example\\@", "\u2215\u2215evil.example",
	}
	for _, rs := range malicious {
		t.Run("", func(t *testing.T) {
			require.False(t, sso.SafeReturnPath(rs), "%q", rs)
			// At initiation the RelayState is dropped.
			b := newBrowser(env)
			_, relay := f.start(t, b, rs)
			require.Empty(t, relay, "%q", rs)
			// Posted back by the IdP (or an attacker), it is ignored.
			resp := f.idp.Response(t, env.Clock.Now(), f.sp, respOpts{NameID: "alice@contoso.test"})
			p := f.post(t, newBrowser(env), resp, rs)
			require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
			require.Equal(t, "/", p.Location, "%q", rs)
		})
	}
	for _, ok := range []string{"/", "/inbox", "/a/b?c=d&e=%2F%2F", "/x#frag", "/.well-known"} {
		require.True(t, sso.SafeReturnPath(ok), ok)
	}
}

func TestSSO_CertificateRotation(t *testing.T) {
	env := kittest.New(t)
	f := newFixture(t, env)
	next := newIdP(t, idpEntityID, 1, kittest.Epoch.AddDate(0, 0, 20))
	cfg := f.configure(t, map[string]any{"idp_certificates": []string{f.idp.PEM(), next.PEM()}}, http.StatusOK)
	require.Len(t, cfg.IdPCertificates, 2)
	assert.Equal(t, "", cfg.IdPCertificates[0].Warning)
	assert.Equal(t, "RSA-2048", cfg.IdPCertificates[0].Key)
	assert.Equal(t, sso.WarningExpiresSoon, cfg.IdPCertificates[1].Warning)
	assert.True(t, cfg.IdPCertificates[1].NotAfter.Equal(next.Cert.NotAfter))
	assert.NotEmpty(t, cfg.Warnings)

	// Both keys sign in during the rotation.
	for _, signer := range []*testIdP{f.idp, next} {
		p := f.signIn(t, newBrowser(env), respOpts{NameID: "alice@contoso.test", SignWith: signer}, "")
		require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	}
	// After it only the new one.
	f.configure(t, map[string]any{"idp_certificates": []string{next.PEM()}}, http.StatusOK)
	requireRefused(t, f.signIn(t, newBrowser(env), respOpts{NameID: "alice@contoso.test"}, ""), http.StatusBadRequest, "certificate_untrusted")
	require.Equal(t, http.StatusSeeOther, f.signIn(t, newBrowser(env), respOpts{NameID: "alice@contoso.test", SignWith: next}, "").Status)

	// An expired certificate is shown as such and refused at sign-in.
	env.Clock.Advance(21 * 24 * time.Hour)
	// (The admin's session expired meanwhile, and SSO forbids passwords.)
	r := env.Do(t, http.MethodGet, f.path(), env.Tokens.Issue(kittest.Manager(f.acc.ID, "manager")), nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var got configJSON
	r.JSON(t, &got)
	require.Equal(t, sso.WarningExpired, got.IdPCertificates[0].Warning)
	requireRefused(t, f.signIn(t, newBrowser(env), respOpts{NameID: "alice@contoso.test", SignWith: next}, ""), http.StatusBadRequest, "certificate_expired")
}

// TestSSO_Enforcement: while SSO is enabled the account's users cannot use
// passwords, but the break-glass Account Manager can.
func TestSSO_Enforcement(t *testing.T) {
	env := kittest.New(t)
	f := newFixture(t, env)
	login := func(user, password string) *kittest.Response {
		return env.Do(t, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": user, "password": password})
	}

	// A wrong password gets the generic answer: no enumeration.
	r := login("alice", "wrong-password-123")
	require.Equal(t, http.StatusUnauthorized, r.Status)
	require.NotContains(t, string(r.Body), "single sign-on")
	// The right one learns where to sign in.
	r = login("alice", kittest.Password)
	require.Equal(t, http.StatusForbidden, r.Status, string(r.Body))
	require.Contains(t, r.Problem(t)["detail"], kittest.BaseURL+"/login/saml/contoso/")
	require.Empty(t, r.Header.Values("Set-Cookie"))
	require.Equal(t, "password sign-in not allowed", env.LastEvent(t, f.acc.ID).Details["reason"])

	// No reset link is sent, and an earlier one no longer works.
	f.configure(t, map[string]any{"enabled": false}, http.StatusOK)
	require.NoError(t, env.Kit.Auth.ForgotPassword(context.Background(), "alice"))
	env.Kit.Auth.Wait()
	link := env.Mail.Last(t, f.alice.Email, users.MailPasswordReset)
	f.configure(t, map[string]any{"enabled": true}, http.StatusOK)
	require.NoError(t, env.Kit.Auth.ForgotPassword(context.Background(), "alice"))
	env.Kit.Auth.Wait()
	require.Equal(t, 1, env.Mail.Count(f.alice.Email, users.MailPasswordReset))
	err := env.Kit.Auth.ResetPassword(context.Background(), link.Token, "an0ther-Passw0rd!")
	require.Error(t, err)
	require.Contains(t, err.Error(), "single sign-on")

	// The admin too, until named break-glass.
	require.Equal(t, http.StatusForbidden, login("admin", kittest.Password).Status)
	f.configure(t, map[string]any{"break_glass_user_id": f.admin.ID}, http.StatusOK)
	require.Equal(t, http.StatusOK, login("admin", kittest.Password).Status)
	var used bool
	for _, e := range env.Events(t, f.acc.ID) {
		used = used || e.Description == "SSO break-glass password use."
	}
	require.True(t, used, "break-glass use is audited")
	require.Equal(t, http.StatusForbidden, login("alice", kittest.Password).Status)

	// Only an active Account Manager of the account may be break-glass.
	for _, id := range []string{f.alice.ID, "not-an-id", "01890000-0000-7000-8000-000000000000"} {
		r := env.Do(t, http.MethodPut, f.path(), f.adminToken, map[string]any{"break_glass_user_id": id})
		require.Equal(t, http.StatusBadRequest, r.Status)
		require.Equal(t, "break_glass_user_id", r.Problem(t)["fields"].([]any)[0].(map[string]any)["field"])
	}

	// Disabling SSO gives passwords back.
	f.configure(t, map[string]any{"enabled": false}, http.StatusOK)
	require.Equal(t, http.StatusOK, login("alice", kittest.Password).Status)
}

func TestSSO_Logout(t *testing.T) {
	env := kittest.New(t)
	f := newFixture(t, env)
	b := newBrowser(env)
	require.Equal(t, http.StatusSeeOther, f.signIn(t, b, respOpts{NameID: "alice@contoso.test"}, "").Status)
	status, me := f.me(t, b)
	require.Equal(t, http.StatusOK, status)
	csrf, _ := me["csrf_token"].(string)
	require.NotEmpty(t, csrf)

	// Another site cannot sign the user out: a link or image (GET) is not
	// a logout, and a form posted without the session's token is refused.
	get := b.do(t, http.MethodGet, "/login/saml/contoso/logout", nil)
	require.Contains(t, []int{http.StatusNotFound, http.StatusMethodNotAllowed}, get.Status)
	status, _ = f.me(t, b)
	require.Equal(t, http.StatusOK, status, "a GET ends nothing")
	for _, form := range []url.Values{{}, {"csrf_token": {"wrong"}}, {"csrf_token": {auth.CSRFToken("aks_someone-else")}}} {
		p := b.do(t, http.MethodPost, "/login/saml/contoso/logout", form)
		require.Equal(t, http.StatusForbidden, p.Status, p.Body)
		status, _ = f.me(t, b)
		require.Equal(t, http.StatusOK, status, "the session stays")
	}

	p := b.do(t, http.MethodPost, "/login/saml/contoso/logout", url.Values{"csrf_token": {csrf}})
	require.Equal(t, http.StatusFound, p.Status)
	require.Equal(t, "https://idp.contoso.example/slo", p.Location)
	status, _ = f.me(t, b)
	require.Equal(t, http.StatusUnauthorized, status, "the session ended")
	require.True(t, strings.HasPrefix(env.LastEvent(t, f.acc.ID).Description, "User logged out"))
	require.Equal(t, "alice", env.LastEvent(t, f.acc.ID).ActorName)

	// Without a session there is nothing to protect: straight on.
	f.configure(t, map[string]any{"idp_logout_url": ""}, http.StatusOK)
	p = newBrowser(env).do(t, http.MethodPost, "/login/saml/contoso/logout", url.Values{})
	require.Equal(t, "/", p.Location)
}

func TestSSO_Metadata(t *testing.T) {
	env := kittest.New(t)
	f := newFixture(t, env)
	p := newBrowser(env).do(t, http.MethodGet, "/login/saml/contoso/metadata", nil)
	require.Equal(t, http.StatusOK, p.Status)
	require.Contains(t, p.Body, `entityID="`+kittest.BaseURL+`/login/saml/contoso/metadata"`)
	require.Contains(t, p.Body, `Location="`+kittest.BaseURL+`/login/saml/contoso/acs"`)
	require.Equal(t, kittest.BaseURL+"/login/saml/contoso/metadata", f.sp.EntityID)
}

const idpMetadata = `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://sts.windows.net/tenant/">
<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>CERT</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://login.example/tenant/saml2/logout"/>
<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://login.example/tenant/saml2"/>
</md:IDPSSODescriptor></md:EntityDescriptor>`

func TestSSO_ImportMetadata(t *testing.T) {
	env := kittest.New(t)
	f := newFixture(t, env)
	post := func(body, ct string) *kittest.Response {
		req, err := http.NewRequest(http.MethodPost, env.Server.URL+f.path()+"/metadata", strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Authorization", "Bearer "+f.adminToken)
		resp, err := env.Server.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		out := &kittest.Response{Status: resp.StatusCode, Header: resp.Header}
		out.Body, err = readAll(resp)
		require.NoError(t, err)
		return out
	}
	der := strings.Join(strings.Split(strings.TrimSpace(f.idp.PEM()), "\n")[1:len(strings.Split(strings.TrimSpace(f.idp.PEM()), "\n"))-1], "")
	r := post(strings.Replace(idpMetadata, "CERT", der, 1), "application/samlmetadata+xml")
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var cfg configJSON
	r.JSON(t, &cfg)
	require.Equal(t, "https://sts.windows.net/tenant/", cfg.IdPEntityID)
	require.Equal(t, "https://login.example/tenant/saml2", cfg.IdPLoginURL)
	require.Equal(t, "https://login.example/tenant/saml2/logout", cfg.IdPLogoutURL)
	require.Len(t, cfg.IdPCertificates, 1)
	ev := env.LastEvent(t, f.acc.ID)
	require.Equal(t, "Account login options updated.", ev.Description)
	require.Equal(t, "metadata", ev.Details["source"])

	before := env.Do(t, http.MethodGet, f.path(), f.adminToken, nil).Body
	for name, c := range map[string][2]string{
		"not XML":      {"hello", "text/xml"},
		"DOCTYPE":      {`<!DOCTYPE x [<!ENTITY e "x">]><x/>`, "application/xml"},
		"wrong type":   {idpMetadata, "application/json"},
		"bad cert":     {strings.Replace(idpMetadata, "CERT", "AAAA", 1), "application/xml"},
		"POST binding": {strings.Replace(strings.Replace(idpMetadata, "CERT", der, 1), `HTTP-Redirect" Location="https://login.example/tenant/saml2"`, `HTTP-POST" Location="https://login.example/tenant/saml2"`, 1), "application/xml"},
	} {
		r := post(c[0], c[1])
		require.Equal(t, http.StatusBadRequest, r.Status, name+": "+string(r.Body))
		require.Equal(t, "metadata", r.Problem(t)["fields"].([]any)[0].(map[string]any)["field"], name)
		require.Equal(t, "Account login options update failed.", env.LastEvent(t, f.acc.ID).Description, name)
	}
	require.Equal(t, string(before), string(env.Do(t, http.MethodGet, f.path(), f.adminToken, nil).Body), "nothing changed")
}

func TestSSO_ExpiredRequestAndPurge(t *testing.T) {
	env := kittest.New(t)
	f := newFixture(t, env)
	b := newBrowser(env)
	id, _ := f.start(t, b, "")
	env.Clock.Advance(11 * time.Minute)
	resp := f.idp.Response(t, env.Clock.Now(), f.sp, respOpts{InResponseTo: id, NameID: "alice@contoso.test"})
	requireRefused(t, f.post(t, b, resp, ""), http.StatusForbidden, "in_response_to_unknown")

	f.start(t, newBrowser(env), "")
	f.start(t, newBrowser(env), "")
	env.Clock.Advance(11 * time.Minute)
	n, err := env.Kit.SSO.PurgeExpired(context.Background())
	require.NoError(t, err)
	require.GreaterOrEqual(t, n, 2)
}
