package web_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"image"
	"image/color"
	"image/png"
	"math/big"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/notifications"
	"github.com/accountkit/accountkit/sso"
	"github.com/accountkit/accountkit/users"
)

func ptr[T any](v T) *T { return &v }

// logoPNG draws a small two-colour logo.
func logoPNG(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 96, 96))
	for y := 0; y < 96; y++ {
		for x := 0; x < 96; x++ {
			c := color.RGBA{79, 70, 229, 255}
			if (x-48)*(x-48)+(y-48)*(y-48) < 26*26 {
				c = color.RGBA{255, 255, 255, 255}
			}
			if (x-48)*(x-48)+(y-48)*(y-48) < 14*14 {
				c = color.RGBA{14, 165, 233, 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// idpCertificate is a self-signed certificate an IdP would sign with.
func idpCertificate(t testing.TB) string {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "idp.test"},
		NotBefore: kittest.Epoch.Add(-time.Hour), NotAfter: kittest.Epoch.Add(365 * 24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	require.NoError(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// totpNow is the code an authenticator app shows now on the test clock;
// the clock then moves one step on, so the next code is fresh.
func (s *site) totpNow(t testing.TB, secret string) string {
	code, err := totp.GenerateCode(secret, s.Clock.Now())
	require.NoError(t, err)
	s.Clock.Advance(30 * time.Second)
	return code
}

// TestBrowser_Journey is a person's first days, in Chromium, on every
// store: invitation link → set password → sign in → forced TOTP enrolment
// with the shown secret → recovery codes → account pages and the API in
// the same browser → sign out → sign in with a code → five wrong
// passwords → the lockout page is the wrong-password page → forgot
// password (nothing sent while locked) → unlocked → forgot password →
// reset link → sign in. The memory run also checks every page with
// axe-core and, with -screenshots, photographs it.
func TestBrowser_Journey(t *testing.T) {
	for name, open := range kittest.Stores() {
		if name == "mysql" {
			continue // the pages are store-agnostic; memory and PostgreSQL cover them
		}
		t.Run(name, func(t *testing.T) {
			journey(t, newSite(t, open(t)), name == "memory")
		})
	}
}

func journey(t *testing.T, s *site, look bool) {
	sys := s.System()
	acme := s.MainAccount(t, "acme")
	_, err := s.Kit.Accounts.UpdateSecuritySettings(sys, acme.ID, account.SecurityUpdate{TwoFactorRequired: ptr(true)})
	require.NoError(t, err)
	_, err = s.Kit.Accounts.SetLogo(sys, acme.ID, "image/png", logoPNG(t))
	require.NoError(t, err)
	jane, err := s.Kit.Users.Create(sys, users.CreateInput{AccountID: acme.ID, Username: "jane", FirstName: "Jane", LastName: "Doe",
		Email: "jane@acme.test", Phone: "+14155550123", Roles: []string{"member"}})
	require.NoError(t, err)
	invite := s.Mail.Last(t, jane.Email, users.MailInvitation)
	require.True(t, strings.HasSuffix(strings.Split(invite.URL, "?")[0], "/account/accept-invitation"), invite.URL)

	b := s.newTab(t, look)
	check := func(name string) {
		if look {
			b.check(name)
		}
	}

	// The sign-in page of the account, chosen by its slug.
	b.open("/account/acme")
	assert.Contains(t, b.text(), "Sign in to Acme")
	assert.Contains(t, b.attr("img.brand-logo", "src"), "/account/logo/acme")
	check("signin")

	// Invitation link → set password.
	b.open("/account/accept-invitation?token=" + invite.Token)
	check("accept-invitation")
	b.fill("password", "short")
	b.fill("password_again", "short")
	b.submit("password")
	assert.Contains(t, b.text(), "Must be at least 8 characters.", "the service's rule, on the field")
	assert.Equal(t, "f-password-error", b.attr("#f-password", "aria-describedby")[strings.Index(b.attr("#f-password", "aria-describedby"), "f-password-error"):])
	check("accept-invitation-error")
	const pw = "correct horse battery"
	b.fill("password", pw)
	b.fill("password_again", pw)
	b.submit("password")
	assert.Equal(t, "/account/sign-in?done=invitation_accepted", b.path())
	assert.Contains(t, b.text(), "Your password is set")

	// Sign in → the account requires 2FA: enrol with the shown secret.
	b.fill("identifier", "jane@acme.test")
	b.fill("password", pw)
	b.submit("password")
	assert.Equal(t, "/account/two-factor/setup", b.path())
	check("twofactor-setup-intro")
	b.click(`form[action$="/two-factor/setup/begin"] button`)
	assert.True(t, strings.HasPrefix(b.attr("img.qr", "src"), "data:image/png;base64,"), "the QR code is an inline PNG")
	secret := strings.ReplaceAll(b.text()[0:0]+textOf(b, ".secret-value"), " ", "")
	require.Regexp(t, `^[A-Z2-7]{16,}$`, secret)
	check("twofactor-setup")
	b.fill("code", "000000")
	b.submit("code")
	assert.Contains(t, b.text(), "Is wrong, expired or already used.")
	assert.Equal(t, secret, strings.ReplaceAll(textOf(b, ".secret-value"), " ", ""), "the same secret shows again")
	b.fill("code", s.totpNow(t, secret))
	b.submit("code")
	codes := regexp.MustCompile(`[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}`).FindAllString(b.text(), -1)
	require.Len(t, codes, auth.RecoveryCodeCount, "ten recovery codes, shown once")
	assert.True(t, strings.HasPrefix(b.attr(`a[download]`, "href"), "data:text/plain"), "downloadable as a text file")
	check("recovery-codes")
	b.click(`a.btn-primary`)
	assert.Equal(t, "/account/", b.path())
	assert.Contains(t, b.text(), "jane@acme.test")
	check("profile")

	// The JSON API accepts the pages' session in the same browser.
	b.open("/api/v1/auth/me")
	assert.Contains(t, b.text(), `"username":"jane"`)

	// The account pages.
	_, err = s.Kit.Notifications.Publish(sys, notifications.PublishInput{AccountID: acme.ID, Type: notifications.LowAccountBalance,
		Title: "Your balance is below 100 EUR", Body: "Top up to keep your campaigns running."})
	require.NoError(t, err)
	b.open("/account/security")
	assert.Contains(t, b.text(), "Recovery codes left: 10.")
	check("security")
	b.open("/account/sessions")
	assert.Contains(t, b.text(), "This device")
	check("sessions")
	b.open("/account/notifications")
	assert.Contains(t, b.text(), "Your balance is below 100 EUR")
	check("notifications")
	b.click(`form[action$="/read"] button`)
	assert.Contains(t, b.text(), "You have 0 unread notifications.")

	// Sign out (a POST with its CSRF token) → the API no longer answers.
	b.click(`form[action$="/sign-out"] button`)
	assert.Equal(t, "/account/sign-in?done=signed_out", b.path())
	b.open("/api/v1/auth/me")
	assert.Contains(t, b.text(), `"unauthenticated"`)
	b.open("/account/sign-in")

	// Sign in with a code.
	b.fill("identifier", "jane")
	b.fill("password", pw)
	b.submit("password")
	assert.Equal(t, "/account/two-factor", b.path())
	check("twofactor")
	b.fill("code", s.totpNow(t, secret))
	b.submit("code")
	assert.Equal(t, "/account/", b.path())
	b.click(`form[action$="/sign-out"] button`)

	// Five wrong passwords lock Jane; the lockout page is the
	// wrong-password page, word for word.
	var wrong string
	for range 5 {
		b.fill("identifier", "jane")
		b.fill("password", "not her password")
		b.submit("password")
		wrong = b.text()
	}
	assert.Contains(t, wrong, "Incorrect username or password.")
	check("signin-error")
	got, err := s.Kit.Users.Get(sys, jane.ID)
	require.NoError(t, err)
	require.True(t, got.Locked, "locked after five failures")
	b.fill("identifier", "jane")
	b.fill("password", pw) // the right password, while locked
	b.submit("password")
	assert.Equal(t, wrong, b.text(), "locked answers exactly like a wrong password")

	// Forgot password while locked: the same answer, and nothing is sent.
	resets := s.Mail.Count(jane.Email, users.MailPasswordReset)
	b.open("/account/forgot-password")
	check("forgot-password")
	b.fill("identifier", "jane")
	b.submit("identifier")
	assert.Contains(t, b.text(), "If an account matches")
	check("forgot-password-sent")
	s.Kit.Auth.Wait()
	assert.Equal(t, resets, s.Mail.Count(jane.Email, users.MailPasswordReset))

	// An Account Manager unlocks her; she asks for a link herself.
	_, err = s.Kit.Users.Unlock(sys, jane.ID)
	require.NoError(t, err)
	b.open("/account/forgot-password")
	b.fill("identifier", "jane@acme.test")
	b.submit("identifier")
	s.Kit.Auth.Wait()
	reset := s.Mail.Last(t, jane.Email, users.MailPasswordReset)
	b.open("/account/reset-password?token=" + reset.Token)
	check("reset-password")
	const pw2 = "a brand new passphrase"
	b.fill("password", pw2)
	b.fill("password_again", pw2)
	b.submit("password")
	assert.Equal(t, "/account/sign-in?done=password_reset", b.path())
	b.fill("identifier", "jane")
	b.fill("password", pw2)
	b.submit("password")
	b.fill("code", s.totpNow(t, secret))
	b.submit("code")
	assert.Equal(t, "/account/", b.path())

	// The reset link works once.
	b.open("/account/reset-password?token=" + reset.Token)
	b.fill("password", pw2+"!")
	b.fill("password_again", pw2+"!")
	b.submit("password")
	assert.Contains(t, b.text(), "This link is invalid or has expired.")
}

// textOf is the text of the first element matching sel.
func textOf(b *tab, sel string) string {
	b.t.Helper()
	var s string
	b.run(chromedpText(sel, &s))
	return s
}

// TestBrowser_SSOAndGerman: an account with SSO shows its single sign-on
// path (and the find-your-organization form leads there); a user whose
// account enforces SSO is sent there after a right password; a German
// account and a German browser get German pages; a custom theme colours
// the page.
func TestBrowser_SSOAndGerman(t *testing.T) {
	s := newSite(t, kittest.New(t).Store)
	sys := s.System()
	globex := s.MainAccount(t, "globex")
	s.ActiveUser(t, globex, "hank")
	_, err := s.Kit.SSO.Update(sys, globex.ID, sso.Update{Enabled: ptr(true), IdPEntityID: ptr("https://idp.globex.test"),
		IdPCertificates: &[]string{idpCertificate(t)}, IdPLoginURL: ptr("https://idp.globex.test/sso")})
	require.NoError(t, err)
	_, err = s.Kit.Accounts.SetTheme(sys, globex.ID, account.ThemeInput{Theme: account.ThemeCustom, Colors: map[string]string{"primary": "#0f766e"}})
	require.NoError(t, err)

	b := s.newTab(t, true)
	b.open("/account/sign-in")
	check := b.check
	b.click(`a[href^="/account/sso"]`)
	check("sso-find")
	b.fill("organization", "nobody-here")
	b.submit("organization")
	assert.Contains(t, b.text(), "We could not find single sign-on for this organization.")
	b.fill("organization", "globex")
	b.submit("organization")
	assert.Equal(t, "/account/globex", b.path())
	assert.Equal(t, "/login/saml/globex/", b.attr("a.btn-sso", "href"))
	check("signin-sso")

	// A right password of an SSO-enforced account points to SSO.
	b.fill("identifier", "hank")
	b.fill("password", kittest.Password)
	b.submit("password")
	assert.Contains(t, b.text(), "Your organization signs in with single sign-on.")

	// German: by the account's language, and by the browser's.
	acme := s.MainAccount(t, "acme")
	_, err = s.Kit.Accounts.SetLanguage(sys, acme.ID, "de")
	require.NoError(t, err)
	b.open("/account/acme")
	assert.Contains(t, b.text(), "Willkommen zurück. Melden Sie sich bei Acme an.")
	assert.Equal(t, "de", b.attr("html", "lang"))
	check("signin-de")
	de := s.newTab(t, true)
	de.lang("de-DE,de;q=0.9,en;q=0.5")
	de.open("/account/forgot-password")
	assert.Contains(t, de.text(), "Passwort zurücksetzen")
	de.fill("identifier", "x")
	de.submit("identifier")
	assert.Contains(t, de.text(), "Prüfen Sie Ihr Postfach.")
	de.check("forgot-password-de")
	_ = context.Background
}
