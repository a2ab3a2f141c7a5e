package accountkittest_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/accountkittest"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/sso"
	"github.com/accountkit/accountkit/users"
)

func get(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func post(t *testing.T, c *http.Client, url, body string) (int, string) {
	t.Helper()
	resp, err := c.Post(url, "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestNew_Clock(t *testing.T) {
	kt := accountkittest.New(t)
	require.True(t, kt.Clock.Now().Equal(accountkittest.Epoch))
	kt.Clock.Advance(time.Hour)
	require.True(t, kt.Clock.Now().Equal(accountkittest.Epoch.Add(time.Hour)))
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	kt.Clock.Set(at)
	require.True(t, kt.Clock.Now().Equal(at))
	// The kit reads the same clock: an account is created at its time.
	acc := kt.MainAccount(t, "acme")
	require.True(t, acc.CreatedAt.Equal(at), "%v", acc.CreatedAt)
}

func TestSignIn_CookieAndCSRF(t *testing.T) {
	kt := accountkittest.New(t)
	acc := kt.MainAccount(t, "acme")
	alice := kt.User(t, acc, "alice")
	c := kt.SignIn(t, alice)

	status, body := get(t, c, kt.URL("/api/v1/auth/me"))
	require.Equal(t, http.StatusOK, status, body)
	require.Contains(t, body, `"username":"alice"`)

	// A mutation carries the CSRF token: ending the other sessions works.
	status, body = post(t, c, kt.URL("/api/v1/auth/sessions/end-others"), "")
	require.Equal(t, http.StatusOK, status, body)

	// The same cookie without the token is refused: the client is what
	// adds it.
	bare := &http.Client{Jar: c.Jar}
	status, body = post(t, bare, kt.URL("/api/v1/auth/sessions/end-others"), "")
	require.Equal(t, http.StatusForbidden, status, body)

	// A new client holds no session.
	status, _ = get(t, kt.NewClient(), kt.URL("/api/v1/auth/me"))
	require.Equal(t, http.StatusUnauthorized, status)
	// Nor does a standard cookie jar signing in the same way: it drops
	// Secure cookies on http and judges expiry by the wall clock, not the
	// test clock. accountkittest.Jar is what keeps them.
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	std := &http.Client{Jar: jar}
	status, _ = post(t, std, kt.URL("/api/v1/auth/login"), `{"username":"alice","password":"`+accountkittest.Password+`"}`)
	require.Equal(t, http.StatusOK, status)
	status, _ = get(t, std, kt.URL("/api/v1/auth/me"))
	require.Equal(t, http.StatusUnauthorized, status)
}

func TestSignIn_WrongPassword(t *testing.T) {
	kt := accountkittest.New(t)
	acc := kt.MainAccount(t, "acme")
	kt.User(t, acc, "alice")
	r := kt.TryLogin(t, "alice", "wrong")
	require.Equal(t, http.StatusUnauthorized, r.Status, string(r.Body))
	require.Equal(t, http.StatusOK, kt.TryLogin(t, "alice@acme.test", accountkittest.Password).Status)
}

func TestToken_AndUserCtx(t *testing.T) {
	kt := accountkittest.New(t)
	acc := kt.MainAccount(t, "acme")
	admin := kt.User(t, acc, "admin", accountkittest.Roles(security.RoleAccountManager))
	member := kt.User(t, acc, "bob")

	r := kt.Do(t, http.MethodGet, "/api/v1/users", kt.Token(t, admin), nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r = kt.Do(t, http.MethodGet, "/api/v1/users", kt.Token(t, member), nil)
	require.Equal(t, http.StatusForbidden, r.Status, string(r.Body))

	_, err := kt.Kit.Users.Get(kt.UserCtx(t, admin), member.ID)
	require.NoError(t, err)
	_, err = kt.Kit.Users.Get(kt.UserCtx(t, member), admin.ID)
	require.Error(t, err, "a member without users.read")
}

func TestEnrollTOTP(t *testing.T) {
	kt := accountkittest.New(t)
	acc := kt.MainAccount(t, "acme")
	alice := kt.User(t, acc, "alice")
	x := kt.EnrollTOTP(t, alice)
	require.Len(t, x.RecoveryCodes, 10)
	require.Same(t, x, kt.TOTPOf(alice))

	// The sign-in now asks for a code; the helper answers it.
	r := kt.TryLogin(t, "alice", accountkittest.Password)
	require.Contains(t, string(r.Body), string(auth.LoginTwoFactorRequired))
	c := kt.SignIn(t, alice)
	status, _ := get(t, c, kt.URL("/api/v1/auth/me"))
	require.Equal(t, http.StatusOK, status)

	// Codes follow the clock and are used once.
	require.NotEqual(t, x.CodeAt(t, kt.Clock.Now()), x.CodeAt(t, kt.Clock.Now().Add(30*time.Second)))
	require.Len(t, x.Code(t), 6)
	kt.Clock.Advance(time.Minute)
	kt.SignIn(t, alice)
}

func TestSignIn_TwoFactorRequiredEnrolls(t *testing.T) {
	kt := accountkittest.New(t)
	acc := kt.MainAccount(t, "acme")
	alice := kt.User(t, acc, "alice")
	on := true
	kt.Security(t, acc, account.SecurityUpdate{TwoFactorRequired: &on})
	require.Nil(t, kt.TOTPOf(alice))
	kt.SignIn(t, alice)
	require.NotNil(t, kt.TOTPOf(alice), "enrolled on the way in")
	kt.Clock.Advance(time.Minute)
	kt.SignIn(t, alice)
}

func TestSeeds(t *testing.T) {
	kt := accountkittest.New(t)
	main := kt.MainAccount(t, "acme")
	sub := kt.SubAccount(t, main, "acme-eu")
	require.Equal(t, main.ID, sub.ParentID)
	kt.Seats(t, main, 2)
	kt.SeatLimit(t, sub, 1)
	support := kt.Team(t, sub, "Support", security.RoleAccountManager)
	carol := kt.User(t, sub, "carol", accountkittest.InTeams(support), accountkittest.WithSeat(),
		accountkittest.Email("carol@example.com"), accountkittest.Name("Carol", "Jones"))
	require.Equal(t, "carol@example.com", carol.Email)
	require.Equal(t, "Carol", carol.FirstName)
	require.True(t, kt.HasSeat(t, carol))
	kt.RequireSeats(t, main.ID, 1, 2)
	require.Equal(t, 1, kt.SeatState(t, main.ID).Remaining)

	// The sub-account's limit holds.
	dave := kt.User(t, sub, "dave")
	require.False(t, kt.HasSeat(t, dave))
	_, err := kt.Kit.Seats.Assign(kt.System(), dave.ID)
	require.Error(t, err)

	// The team's role gives carol the Account Manager's permissions.
	r := kt.Do(t, http.MethodGet, "/api/v1/users?account_id="+sub.ID, kt.Token(t, carol), nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))

	key := kt.APIKey(t, main, "ci", security.PermUsersRead)
	require.True(t, strings.HasPrefix(key.Secret, "akk_"))
	r = kt.Do(t, http.MethodGet, "/api/v1/users", key.Secret, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r = kt.Do(t, http.MethodPost, "/api/v1/users", key.Secret, map[string]any{"username": "x", "email": "x@acme.test", "first_name": "X", "last_name": "Y"})
	require.Equal(t, http.StatusForbidden, r.Status, "the key holds users.read only: %s", r.Body)

	three := 3
	st := kt.Security(t, main, account.SecurityUpdate{MaxLoginAttempts: &three})
	require.Equal(t, 3, st.MaxLoginAttempts)
}

func TestAuditAssertions(t *testing.T) {
	kt := accountkittest.New(t)
	main := kt.MainAccount(t, "acme")
	sub := kt.SubAccount(t, main, "acme-eu")
	kt.User(t, sub, "erin")
	ev := kt.RequireEvent(t, sub.ID, audit.ItemUser, audit.ActionCreate)
	require.Equal(t, sub.ID, ev.AccountID)
	require.Equal(t, sub.ID, kt.LastAccountEvent(t, sub.ID).AccountID)
	require.Empty(t, kt.AccountEvents(t, main.ID, audit.ItemUser, audit.ActionCreate), "the sub-account's events are its own")
	require.Equal(t, sub.ID, kt.LastEvent(t, main.ID).AccountID, "the tree's newest")

	// RequireEvent fails, naming what it saw, when nothing matches.
	ft := &fakeT{TB: t}
	func() {
		defer func() { _ = recover() }()
		kt.RequireEvent(ft, main.ID, audit.ItemUser, audit.ActionDelete)
	}()
	require.True(t, ft.failed)
	require.Contains(t, ft.msg, "no User/Delete audit event")
}

// fakeT records a failure instead of stopping the test.
type fakeT struct {
	testing.TB
	failed bool
	msg    string
}

func (f *fakeT) Helper() {}
func (f *fakeT) Fatalf(format string, args ...any) {
	f.failed, f.msg = true, strings.TrimSpace(strings.ReplaceAll(sprintf(format, args...), "\n", " "))
	panic("fatal")
}

func TestMailAndSMS(t *testing.T) {
	kt := accountkittest.New(t)
	acc := kt.MainAccount(t, "acme")
	alice := kt.User(t, acc, "alice", accountkittest.Phone("+14155550123"))
	r := kt.Do(t, http.MethodPost, "/api/v1/auth/password/forgot", "", map[string]string{"username": "alice"})
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
	kt.Kit.Close() // the reset email is sent in the background
	m := kt.Mail.LastTo(t, alice.Email)
	require.Equal(t, users.MailPasswordReset, m.Kind)
	require.True(t, strings.HasPrefix(m.URL, accountkittest.LinkBaseURL), m.URL)
	require.Contains(t, m.URL, m.Token)
	require.Equal(t, 1, kt.Mail.Count(alice.Email, users.MailPasswordReset))

	require.NoError(t, kt.Kit.Users.SendPhoneCode(kt.UserCtx(t, alice)))
	code := kt.SMS.LastCode(t, "+14155550123")
	require.Len(t, code, 6)
	require.NoError(t, kt.Kit.Users.VerifyPhone(kt.UserCtx(t, alice), code))
}

func TestIdP(t *testing.T) {
	kt := accountkittest.New(t)
	acc := kt.MainAccount(t, "contoso")
	alice := kt.User(t, acc, "alice")
	idp := kt.EnableSSO(t, acc, sso.Update{})

	t.Run("SignIn", func(t *testing.T) {
		res := idp.SignIn(t, "/home", accountkittest.Assertion{NameID: alice.Email})
		require.Equal(t, http.StatusSeeOther, res.Status, res.Body)
		require.Equal(t, "/home", res.Location)
		require.Empty(t, res.Reason)
		status, body := get(t, res.Client, kt.URL("/api/v1/auth/me"))
		require.Equal(t, http.StatusOK, status, body)
		require.Contains(t, body, `"username":"alice"`)
		status, body = post(t, res.Client, kt.URL("/api/v1/auth/sessions/end-others"), "")
		require.Equal(t, http.StatusOK, status, "CSRF token adopted: %s", body)
	})

	t.Run("Refused", func(t *testing.T) {
		attacker := accountkittest.NewIdP(t, idp.EntityID, accountkittest.IdPOptions{Key: otherKey(t), Serial: 2})
		for name, tc := range map[string]struct {
			a      accountkittest.Assertion
			reason string
		}{
			"Expired":       {accountkittest.Assertion{Expired: true}, "expired"},
			"WrongAudience": {accountkittest.Assertion{Audience: "https://other.example/sp"}, "audience_mismatch"},
			"Unsigned":      {accountkittest.Assertion{Unsigned: true}, "signature_missing"},
			"Attacker":      {accountkittest.Assertion{SignWith: attacker}, "certificate_untrusted"},
			"UnknownUser":   {accountkittest.Assertion{NameID: "nobody@contoso.test"}, sso.ReasonUserNotFound},
		} {
			t.Run(name, func(t *testing.T) {
				if tc.a.NameID == "" {
					tc.a.NameID = alice.Email
				}
				res := idp.SignIn(t, "", tc.a)
				require.Equal(t, tc.reason, res.Reason, res.Body)
				require.GreaterOrEqual(t, res.Status, 400)
				status, _ := get(t, res.Client, kt.URL("/api/v1/auth/me"))
				require.Equal(t, http.StatusUnauthorized, status)
			})
		}
	})

	t.Run("Unsolicited", func(t *testing.T) {
		res := idp.Post(t, nil, idp.Response(t, accountkittest.Assertion{NameID: alice.Email}), "")
		require.Equal(t, "unsolicited_response", res.Reason, res.Body)
	})

	t.Run("JITAndGroups", func(t *testing.T) {
		on := true
		_, err := kt.Kit.SSO.Update(kt.System(), acc.ID, sso.Update{AutoCreateUsers: &on, AutoCreateGroups: &on})
		require.NoError(t, err)
		res := idp.SignIn(t, "", accountkittest.Assertion{NameID: "new.comer@contoso.test",
			Attributes: map[string][]string{sso.AttrGivenName: {"New"}, sso.AttrSurname: {"Comer"}},
			Groups:     []string{"Engineering"}})
		require.Equal(t, http.StatusSeeOther, res.Status, res.Body)
		us, err := kt.Store.FindUsersByEmail(context.Background(), "new.comer@contoso.test")
		require.NoError(t, err)
		require.Len(t, us, 1)
		assert.Equal(t, "New", us[0].FirstName)
		tm, err := kt.Store.GetTeamByName(context.Background(), acc.ID, "Engineering")
		require.NoError(t, err)
		ts, err := kt.Store.ListUserTeams(context.Background(), us[0].ID)
		require.NoError(t, err)
		require.Len(t, ts, 1)
		require.Equal(t, tm.ID, ts[0].ID)
	})
}

func TestStores(t *testing.T) {
	for name, open := range accountkittest.Stores() {
		t.Run(name, func(t *testing.T) {
			kt := accountkittest.New(t, accountkittest.WithStore(open(t)))
			acc := kt.MainAccount(t, "acme")
			alice := kt.User(t, acc, "alice")
			status, _ := get(t, kt.SignIn(t, alice), kt.URL("/api/v1/auth/me"))
			require.Equal(t, http.StatusOK, status)
		})
	}
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

var otherKeyOnce = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

func otherKey(t *testing.T) *rsa.PrivateKey {
	k, err := otherKeyOnce()
	require.NoError(t, err)
	return k
}

func TestWithDatabase(t *testing.T) {
	for name, opt := range map[string]accountkittest.Option{"postgres": accountkittest.WithPostgres(), "mysql": accountkittest.WithMySQL()} {
		t.Run(name, func(t *testing.T) {
			kt := accountkittest.New(t, opt)
			require.Contains(t, fmt.Sprintf("%T", kt.Store), name+".")
			acc := kt.MainAccount(t, "acme")
			kt.User(t, acc, "alice")
			kt.RequireEvent(t, acc.ID, audit.ItemUser, audit.ActionCreate)
		})
	}
}

func TestIdP_LocalTwoFactor(t *testing.T) {
	kt := accountkittest.New(t, accountkittest.WithKitOptions(func(o *kit.Options) { o.SSO.TwoFactorPath = "/account/2fa" }))
	acc := kt.MainAccount(t, "contoso")
	alice := kt.User(t, acc, "alice")
	x := kt.EnrollTOTP(t, alice)
	on := true
	idp := kt.EnableSSO(t, acc, sso.Update{LocalTwoFactor: &on})

	res := idp.SignIn(t, "", accountkittest.Assertion{NameID: alice.Email})
	require.Equal(t, http.StatusSeeOther, res.Status, res.Body)
	require.True(t, strings.HasPrefix(res.Location, "/account/2fa"), res.Location)
	status, _ := get(t, res.Client, kt.URL("/api/v1/auth/me"))
	require.Equal(t, http.StatusUnauthorized, status, "no session before the second factor")
	kt.CompleteTwoFactor(t, res.Client, x)
	status, _ = get(t, res.Client, kt.URL("/api/v1/auth/me"))
	require.Equal(t, http.StatusOK, status)
}

// TestCrossTenant: the helpers do not blur tenants — a user of another
// main account sees the first's users as not found, and one account's IdP
// cannot sign anyone into another account.
func TestCrossTenant(t *testing.T) {
	kt := accountkittest.New(t)
	acme, globex := kt.MainAccount(t, "acme"), kt.MainAccount(t, "globex")
	alice := kt.User(t, acme, "alice")
	hank := kt.User(t, globex, "hank", accountkittest.Roles(security.RoleAccountManager))

	r := kt.Do(t, http.MethodGet, "/api/v1/users/"+alice.ID, kt.Token(t, hank), nil)
	require.Equal(t, http.StatusNotFound, r.Status, string(r.Body))
	_, err := kt.Kit.Users.Get(kt.UserCtx(t, hank), alice.ID)
	require.Error(t, err)

	acmeIdP := kt.EnableSSO(t, acme, sso.Update{})
	globexIdP := kt.EnableSSO(t, globex, sso.Update{})
	res := globexIdP.Post(t, nil, acmeIdP.Response(t, accountkittest.Assertion{NameID: hank.Email}), "")
	require.GreaterOrEqual(t, res.Status, 400, res.Body)
	require.NotEmpty(t, res.Reason)
	status, _ := get(t, res.Client, kt.URL("/api/v1/auth/me"))
	require.Equal(t, http.StatusUnauthorized, status)
}

func TestOIDCIssuer(t *testing.T) {
	for name, open := range accountkittest.Stores() {
		t.Run(name, func(t *testing.T) {
			kt := accountkittest.New(t, accountkittest.WithStore(open(t)))
			acc := kt.MainAccount(t, "contoso")
			alice := kt.User(t, acc, "alice")
			on := true
			idp := kt.EnableOIDC(t, acc, sso.OIDCUpdate{AutoCreateUsers: &on, AutoCreateGroups: &on})

			t.Run("SignIn", func(t *testing.T) {
				res := idp.SignIn(t, "/home", accountkittest.IDToken{Subject: "alice-sub", Email: alice.Email})
				require.Equal(t, http.StatusSeeOther, res.Status, res.Body)
				require.Equal(t, "/home", res.Location)
				status, body := get(t, res.Client, kt.URL("/api/v1/auth/me"))
				require.Equal(t, http.StatusOK, status, body)
				require.Contains(t, body, `"username":"alice"`)
				status, body = post(t, res.Client, kt.URL("/api/v1/auth/sessions/end-others"), "")
				require.Equal(t, http.StatusOK, status, "CSRF token adopted: %s", body)
				// The link is by sub: a changed email still signs in alice.
				res = idp.SignIn(t, "", accountkittest.IDToken{Subject: "alice-sub", Email: "alice.renamed@contoso.test"})
				require.Equal(t, http.StatusSeeOther, res.Status, res.Body)
				_, body = get(t, res.Client, kt.URL("/api/v1/auth/me"))
				require.Contains(t, body, `"username":"alice"`)
			})

			t.Run("Refused", func(t *testing.T) {
				for name, tc := range map[string]struct {
					tok    accountkittest.IDToken
					reason string
				}{
					"Expired":         {accountkittest.IDToken{Expired: true}, sso.ReasonOIDCIDTokenExpired},
					"WrongAudience":   {accountkittest.IDToken{Audience: "another-client"}, sso.ReasonOIDCIDTokenInvalid},
					"Unsigned":        {accountkittest.IDToken{Unsigned: true}, sso.ReasonOIDCIDTokenInvalid},
					"OtherKey":        {accountkittest.IDToken{SignWithOtherKey: true}, sso.ReasonOIDCIDTokenInvalid},
					"EmailUnverified": {accountkittest.IDToken{EmailUnverified: true}, sso.ReasonOIDCEmailNotVerified},
				} {
					t.Run(name, func(t *testing.T) {
						tc.tok.Email = alice.Email
						res := idp.SignIn(t, "", tc.tok)
						require.Equal(t, tc.reason, res.Reason, res.Body)
						require.GreaterOrEqual(t, res.Status, 400)
						status, _ := get(t, res.Client, kt.URL("/api/v1/auth/me"))
						require.Equal(t, http.StatusUnauthorized, status)
					})
				}
			})

			t.Run("JITAndGroups", func(t *testing.T) {
				res := idp.SignIn(t, "", accountkittest.IDToken{Email: "new.comer@contoso.test", GivenName: "New", FamilyName: "Comer",
					Groups: []string{"Engineering"}})
				require.Equal(t, http.StatusSeeOther, res.Status, res.Body)
				us, err := kt.Store.FindUsersByEmail(context.Background(), "new.comer@contoso.test")
				require.NoError(t, err)
				require.Len(t, us, 1)
				assert.Equal(t, "New", us[0].FirstName)
				tm, err := kt.Store.GetTeamByName(context.Background(), acc.ID, "Engineering")
				require.NoError(t, err)
				ts, err := kt.Store.ListUserTeams(context.Background(), us[0].ID)
				require.NoError(t, err)
				require.Len(t, ts, 1)
				require.Equal(t, tm.ID, ts[0].ID)
			})

			t.Run("Enforced", func(t *testing.T) {
				r := kt.TryLogin(t, "alice", accountkittest.Password)
				require.Equal(t, http.StatusForbidden, r.Status, "an enabled OIDC connection turns passwords off")
			})
		})
	}
}

func TestOIDCIssuer_LocalTwoFactor(t *testing.T) {
	kt := accountkittest.New(t, accountkittest.WithKitOptions(func(o *kit.Options) { o.SSO.TwoFactorPath = "/account/2fa" }))
	acc := kt.MainAccount(t, "contoso")
	alice := kt.User(t, acc, "alice")
	x := kt.EnrollTOTP(t, alice)
	on := true
	idp := kt.EnableOIDC(t, acc, sso.OIDCUpdate{LocalTwoFactor: &on})

	res := idp.SignIn(t, "", accountkittest.IDToken{Email: alice.Email})
	require.Equal(t, http.StatusSeeOther, res.Status, res.Body)
	require.True(t, strings.HasPrefix(res.Location, "/account/2fa"), res.Location)
	status, _ := get(t, res.Client, kt.URL("/api/v1/auth/me"))
	require.Equal(t, http.StatusUnauthorized, status, "no session before the second factor")
	kt.CompleteTwoFactor(t, res.Client, x)
	status, _ = get(t, res.Client, kt.URL("/api/v1/auth/me"))
	require.Equal(t, http.StatusOK, status)
}
