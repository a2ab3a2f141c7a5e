package web_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/accountkittest"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/teams"
	"github.com/accountkit/accountkit/users"
	"github.com/accountkit/accountkit/web"
)

// TestBrowser_AdminJourney is the full administrator journey of issue 20
// in Chromium, on the memory store and PostgreSQL, across every console
// page as a person uses it (clicks, typing, file uploads):
//
//  1. sign in as the Account Manager;
//  2. Accounts: create the sub-account "Acme Nordic";
//  3. its "New user here": a user there with a team and a role, the
//     invitation email captured with its link;
//  4. the host sets the purchased seats (a Go call, as a host does);
//  5. the Assign seat panel gives the new user a seat;
//  6. the usage warning appears at the threshold;
//  7. Inactive users: the disabled holder's seat removed in bulk;
//  8. SSO configuration from an IdP metadata file (uploaded), then
//     enforced with a break-glass Account Manager;
//  9. Security: two-factor authentication required for all users;
//  10. Security: an out-of-range value refused on its field, nothing saved;
//  11. Customization: a logo over the limits refused on its field, one
//     within them accepted and previewed;
//  12. the audit log's "last 15 minutes" with the sub-accounts shows
//     every step;
//  13. its CSV export holds them.
//
// Each step's effect is read back through the services too. A plain
// member gets the 403 page on every new page; another tenant's account
// ID answers the same 404 page as a random ID. The site is built by
// kit.Pages, as a host builds it, so every page the kit wires appears.
func TestBrowser_AdminJourney(t *testing.T) {
	for name, open := range kittest.Stores() {
		if name == "mysql" || name == "sqlite" {
			continue // the pages are store-agnostic; memory and PostgreSQL cover them
		}
		t.Run(name, func(t *testing.T) {
			adminJourney(t, newKitSite(t, open(t)), name == "memory")
		})
	}
}

// newKitSite is newSite with the pages built by kit.Pages, the way a host
// mounts them: every console page the kit fills in is there.
func newKitSite(t testing.TB, store storage.Store) *site {
	t.Helper()
	env := kittest.NewWithStore(t, store, func(o *kit.Options) { o.SSO.TwoFactorPath = web.TwoFactorPath("") })
	h, err := env.Kit.Pages(web.Options{Development: true, FormKey: []byte("web-test-form-key-0123456789abcdef"), Clock: env.Clock})
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/account/", h)
	mux.Handle("/", env.Kit.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &site{Env: env, Web: h, URL: srv.URL, srv: srv}
}

// upload puts a local file into the file input with the name.
func (tb *tab) upload(name, path string) {
	tb.t.Helper()
	tb.run(chromedp.SetUploadFiles(`input[type=file][name="`+name+`"]`, []string{path}, chromedp.ByQuery))
}

// html is the page's markup (for values of read-only fields, which are
// not text).
func (tb *tab) html() string {
	tb.t.Helper()
	return mustEval[string](tb, `document.documentElement.outerHTML`)
}

// pngFile writes a side × side PNG into dir and returns its path and bytes.
func pngFile(t *testing.T, dir string, side int) (string, []byte) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, side, side))
	for x := 0; x < side; x++ {
		for y := 0; y < side; y++ {
			img.Set(x, y, color.RGBA{R: uint8(x), G: 0x76, B: uint8(y), A: 0xff})
		}
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	path := filepath.Join(dir, fmt.Sprintf("logo-%d.png", side))
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o600))
	return path, buf.Bytes()
}

// idpMetadataFile writes the SAML metadata an IdP administrator would
// download for an IdP with its own self-signed certificate.
func idpMetadataFile(t *testing.T, dir string, idp *accountkittest.IdP) string {
	t.Helper()
	xml := `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="` + idp.EntityID + `">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>` +
		base64.StdEncoding.EncodeToString(idp.Cert.Raw) + `</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.nordic.test/saml/logout"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.nordic.test/saml/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`
	path := filepath.Join(dir, "idp-metadata.xml")
	require.NoError(t, os.WriteFile(path, []byte(xml), 0o600))
	return path
}

func adminJourney(t *testing.T, s *site, look bool) {
	sys := s.System()
	acme := s.MainAccount(t, "acme")
	boss := s.ActiveUser(t, acme, "boss", security.RoleAccountManager)
	s.ActiveUser(t, acme, "mia", security.RoleMember)
	auditor, err := s.Kit.Users.CreateRole(sys, users.RoleInput{AccountID: acme.ID, Name: "Auditor",
		Description: "Reads the audit log", Permissions: []string{string(security.PermAuditRead)}})
	require.NoError(t, err)
	// Before the journey: 8 purchased seats, all held, one of them by
	// the disabled ivy.
	_, err = s.Kit.Seats.SetPurchased(sys, acme.ID, 8)
	require.NoError(t, err)
	for i := 1; i <= 7; i++ {
		s.User(t, acme, fmt.Sprintf("u%02d", i), accountkittest.Roles(security.RoleMember), accountkittest.WithSeat())
	}
	ivy := s.User(t, acme, "ivy", accountkittest.Roles(security.RoleMember), accountkittest.WithSeat(), accountkittest.Name("Ivy", "Inactive"))
	_, err = s.Kit.Users.Disable(sys, ivy.ID)
	require.NoError(t, err)
	globex := s.MainAccount(t, "globex")
	s.SubAccount(t, globex, "globex-sub")
	dir := t.TempDir()
	// An hour later: the audit log's "last 15 minutes" holds the
	// journey's steps only.
	s.Clock.Advance(time.Hour)

	// A plain member, signed in before the account requires 2FA and SSO:
	// the 403 page on every new page.
	m := s.newTab(t, false)
	m.signIn("mia")
	for _, key := range []string{"sso", "accounts", "customization"} {
		assert.Equal(t, "<missing>", m.attr(`nav.side a[href="/account/console/`+key+`"]`, "href"), "no %s in a member's navigation", key)
	}
	for _, path := range []string{"/account/console/sso", "/account/console/accounts", "/account/console/accounts/new",
		"/account/console/accounts/" + acme.ID, "/account/console/customization"} {
		assert.Equal(t, http.StatusForbidden, m.openStatus(path), path)
		assert.Contains(t, m.main(), "You do not have access to this page", path)
	}

	// 1. Sign in as the Account Manager (a tab opened after the
	// member's is done with): every new page in the navigation.
	b := s.newTabFor(t, look, 6*time.Minute) // the journey crosses every page
	check := func(name string) {
		if look {
			b.fitsNarrow(name)
			b.check(name)
		}
	}

	b.signIn("boss")
	for _, key := range []string{"accounts", "sso", "customization"} {
		assert.NotEqual(t, "<missing>", b.attr(`nav.side a[href="/account/console/`+key+`"]`, "href"), "%s in the navigation", key)
	}

	// 2. Accounts: a new sub-account under Acme.
	b.click(`nav.side a[href="/account/console/accounts"]`)
	require.Equal(t, "/account/console/accounts", b.path())
	assert.Contains(t, b.main(), acme.Name, "the own account heads the tree")
	check("journey-accounts")
	b.click(`a[href="/account/console/accounts/new"]`)
	assert.Equal(t, acme.ID, mustEval[string](b, `document.querySelector('[name="parent"]').value`), "the parent defaults to the own account")
	b.fill("name", "Acme Nordic")
	b.fill("slug", "acme-nordic")
	check("journey-account-new")
	b.submit("slug")
	assert.Equal(t, "/account/console/accounts", strings.Split(b.path(), "?")[0])
	assert.Contains(t, b.main(), "Acme Nordic")
	nordic, err := s.Kit.Accounts.GetBySlug(sys, "acme-nordic")
	require.NoError(t, err, "the sub-account exists")
	assert.Equal(t, acme.ID, nordic.ParentID)
	assert.Equal(t, "Acme Nordic", nordic.Name)
	assert.Equal(t, "2", b.attr(`[aria-level]:has(a[href="/account/console/users/new?account=`+nordic.ID+`"])`, "aria-level"),
		"the sub-account is one level below")
	check("journey-accounts-created")
	// The team the new user joins lives in the sub-account.
	ops, err := s.Kit.Teams.Create(sys, teams.CreateInput{AccountID: nordic.ID, Name: "Nordic Ops"})
	require.NoError(t, err)

	// 3. "New user here": the user is created in the sub-account with a
	// team and a role; the invitation is emailed with its link.
	b.open("/account/console/accounts")
	newHere := `a[href="/account/console/users/new?account=` + nordic.ID + `"]`
	b.run(chromedp.Click(`details:has(`+newHere+`) > summary`, chromedp.ByQuery)) // the three-dot menu
	b.click(newHere)
	assert.Contains(t, b.main(), "Account: Acme Nordic")
	assert.Equal(t, nordic.ID, b.attr(`input[name="account"]`, "value"))
	b.fill("username", "nina")
	b.fill("first_name", "Nina")
	b.fill("last_name", "Nord")
	b.fill("email", "nina@nordic.test")
	b.run(chromedp.Click(`input[name="teams"][value="`+ops.ID+`"]`, chromedp.ByQuery),
		chromedp.Click(`input[name="roles"][value="`+auditor.ID+`"]`, chromedp.ByQuery))
	check("journey-user-new-here")
	b.submit("username")
	require.True(t, strings.HasPrefix(b.path(), "/account/console/users/"), b.path())
	assert.Contains(t, b.text(), "The user was created and the invitation sent.")
	card := b.main()
	assert.Contains(t, card, "Nordic Ops")
	assert.Contains(t, card, "Auditor")
	invite := s.Mail.Last(t, "nina@nordic.test", users.MailInvitation)
	require.NotEmpty(t, invite.Token)
	assert.Contains(t, invite.URL, "/accept-invitation?token="+invite.Token, "the emailed link")
	ninaID := strings.TrimPrefix(strings.Split(b.path(), "?")[0], "/account/console/users/")
	nina, err := s.Kit.Users.Get(sys, ninaID)
	require.NoError(t, err)
	assert.Equal(t, nordic.ID, nina.AccountID, "created in the sub-account")
	assert.Contains(t, nina.Roles, auditor.ID)
	assert.Equal(t, users.StatusInvited, nina.Status)
	members, err := s.Kit.Teams.Members(sys, ops.ID, teams.MembersInput{})
	require.NoError(t, err)
	require.Len(t, members.Users, 1)
	assert.Equal(t, ninaID, members.Users[0].ID, "in her team")

	// 4. The host buys two more seats.
	_, err = s.Kit.Seats.SetPurchased(sys, acme.ID, 10)
	require.NoError(t, err)

	// 5. The Assign seat panel: the sub-account, then nina's switch.
	b.click(`nav.side a[href="/account/console/seats"]`)
	assert.Equal(t, "10", textOf(b, "#seats-purchased"))
	assert.Equal(t, "8", textOf(b, "#seats-assigned"))
	assert.Equal(t, "<missing>", b.attr("#seats-warning", "id"), "8 of 10 = 80 % is below the 85 % threshold")
	b.open("/account/console/seats/assign")
	b.run(chromedp.SetValue(`#f-pick`, nordic.ID, chromedp.ByQuery))
	b.click(`form:has(#f-pick) button[type=submit]`)
	assert.Contains(t, b.main(), "Acme Nordic")
	assert.Equal(t, "false", b.attr(`button.switch[data-user="nina"]`, "aria-checked"))
	b.click(`button.switch[data-user="nina"]`)
	assert.Contains(t, b.text(), "The seat was assigned.")
	assert.Equal(t, "true", b.attr(`button.switch[data-user="nina"]`, "aria-checked"))
	assert.True(t, s.HasSeat(t, nina))

	// 6. 9 of 10 = 90 %: the usage warning.
	b.open("/account/console/seats")
	assert.Equal(t, "9", textOf(b, "#seats-assigned"))
	assert.Contains(t, textOf(b, "#seats-warning"), "90.0 %")
	ov, err := s.Kit.Seats.Overview(sys, acme.ID)
	require.NoError(t, err)
	assert.True(t, ov.Warning)
	check("journey-seats-warning")

	// 7. Inactive users: ivy's seat removed with the checkboxes.
	b.click(`#seats-inactive`)
	assert.Contains(t, textOf(b, "#bulk-remove tbody"), "Ivy Inactive")
	assert.NotContains(t, textOf(b, "#bulk-remove tbody"), "nina")
	b.run(chromedp.Click(`#rm-`+ivy.ID, chromedp.ByQuery))
	b.click(`#bulk-remove button[type=submit]`)
	assert.Contains(t, b.text(), "The selected seats were removed.")
	assert.False(t, s.HasSeat(t, ivy))
	ov, err = s.Kit.Seats.Overview(sys, acme.ID)
	require.NoError(t, err)
	assert.Equal(t, 8, ov.Assigned)

	// 8. SSO from the IdP's metadata file, then enforced with boss as the
	// break-glass Account Manager.
	idp := accountkittest.NewIdP(t, "https://idp.nordic.test/metadata", accountkittest.IdPOptions{})
	metadata := idpMetadataFile(t, dir, idp)
	b.click(`nav.side a[href="/account/console/sso"]`)
	require.Equal(t, "/account/console/sso", b.path())
	view, err := s.Kit.SSO.Config(sys, acme.ID)
	require.NoError(t, err)
	page := b.html()
	for _, u := range []string{view.URLs.SPEntityID, view.URLs.ACSURL, view.URLs.InitiationURL, view.URLs.MetadataURL, view.URLs.LogoutURL} {
		assert.Contains(t, page, `value="`+u+`"`, "the SP URL %s to copy", u)
	}
	check("journey-sso")
	b.upload("metadata", metadata)
	b.submit("metadata")
	assert.Equal(t, "/account/console/sso", strings.Split(b.path(), "?")[0])
	assert.Equal(t, idp.EntityID, mustEval[string](b, `document.querySelector('[name="idp_entity_id"]').value`))
	assert.Equal(t, "https://idp.nordic.test/saml/sso", mustEval[string](b, `document.querySelector('[name="idp_login_url"]').value`))
	assert.Contains(t, b.main(), idp.Cert.Subject.CommonName, "the certificate's subject")
	assert.Contains(t, b.main(), idp.Cert.NotAfter.UTC().Format("January 2, 2006, 15:04")+" UTC", "the certificate's expiry")
	view, err = s.Kit.SSO.Config(sys, acme.ID)
	require.NoError(t, err)
	assert.Equal(t, idp.EntityID, view.Config.IdPEntityID)
	assert.Equal(t, "https://idp.nordic.test/saml/sso", view.Config.IdPLoginURL)
	assert.Equal(t, "https://idp.nordic.test/saml/logout", view.Config.IdPLogoutURL)
	require.Len(t, view.Config.IdPCertificates, 1)
	assert.Contains(t, view.Config.IdPCertificates[0], strings.Split(idp.PEM(), "\n")[1], "the IdP's own certificate")
	assert.False(t, view.Config.Enabled, "importing does not switch SSO on")
	b.run(chromedp.Click(`label[for="f-enabled"]`, chromedp.ByQuery),
		chromedp.Click(`label[for="f-auto_create_users"]`, chromedp.ByQuery),
		chromedp.SetValue(`select[name="break_glass_user_id"]`, boss.ID, chromedp.ByQuery))
	assert.True(t, mustEval[bool](b, `document.querySelector('[name="enabled"]').checked`), "the toggle is on")
	b.submit("idp_entity_id")
	assert.Equal(t, "/account/console/sso", strings.Split(b.path(), "?")[0])
	check("journey-sso-configured")
	view, err = s.Kit.SSO.Config(sys, acme.ID)
	require.NoError(t, err)
	assert.True(t, view.Config.Enabled)
	assert.True(t, view.Config.AutoCreateUsers)
	assert.Equal(t, boss.ID, view.Config.BreakGlassUserID)
	enf, err := s.Kit.SSO.Enforcement(sys, acme.ID)
	require.NoError(t, err)
	assert.True(t, enf.Enforced, "single sign-on is enforced")

	// 9. Security: two-factor authentication for all users.
	b.click(`nav.side a[href="/account/console/security"]`)
	b.run(chromedp.Click(`#f-two_factor_required`, chromedp.ByQuery))
	b.submit("two_factor_required")
	assert.Contains(t, b.text(), "Two-factor authentication is now required for all users.")
	pol, err := s.Kit.Accounts.Policy(sys, acme.ID)
	require.NoError(t, err)
	assert.True(t, pol.TwoFactorRequired)

	// 10. An out-of-range inactivity refused on its field; nothing saved.
	b.fill("max_inactivity_days", "400")
	b.fill("max_login_attempts", "4")
	b.submit("max_inactivity_days")
	assert.Contains(t, textOf(b, "#f-max_inactivity_days-error"), "between 15 and 365")
	assert.Equal(t, "true", b.attr(`[name="max_inactivity_days"]`, "aria-invalid"))
	after, err := s.Kit.Accounts.Policy(sys, acme.ID)
	require.NoError(t, err)
	assert.Equal(t, pol, after, "nothing saved, not even the valid field")
	check("journey-security-refused")

	// 11. Customization: a 300 × 300 logo refused on its field, a 64 × 64
	// one accepted and previewed.
	big, _ := pngFile(t, dir, 300)
	small, smallData := pngFile(t, dir, 64)
	b.click(`nav.side a[href="/account/console/customization"]`)
	require.Equal(t, "/account/console/customization", b.path())
	assert.Contains(t, b.main(), "150 × 150", "the limits are written next to the field")
	check("journey-customization")
	b.upload("logo", big)
	b.submit("logo")
	assert.NotEqual(t, "<missing>", b.attr("#f-logo-error", "id"), "the refusal is on the logo field")
	assert.Equal(t, "true", b.attr(`input[name="logo"]`, "aria-invalid"))
	c, err := s.Kit.Accounts.Customization(sys, acme.ID)
	require.NoError(t, err)
	assert.Empty(t, c.LogoSHA256, "the refused logo was not saved")
	check("journey-logo-refused")
	b.upload("logo", small)
	b.submit("logo")
	assert.Equal(t, "<missing>", b.attr("#f-logo-error", "id"))
	c, err = s.Kit.Accounts.Customization(sys, acme.ID)
	require.NoError(t, err)
	sum := sha256.Sum256(smallData)
	assert.Equal(t, hex.EncodeToString(sum[:]), c.LogoSHA256, "the uploaded logo is the account's")
	assert.NotEqual(t, "", b.attr(`main img[alt]`, "alt"), "the preview has an alt text")
	assert.NotEqual(t, "<missing>", b.attr(`main img[alt]`, "src"), "the current logo is previewed")
	check("journey-logo")

	// 12. The audit log, last 15 minutes, with the sub-accounts: every
	// step, with its actor.
	s.Clock.Advance(time.Minute)
	b.click(`nav.side a[href="/account/console/audit"]`)
	b.click(`nav.presets a[href*="range=last_15_minutes"]`)
	b.run(chromedp.Click(`#f-asub`, chromedp.ByQuery))
	b.click(`form.filters button[type=submit]`)
	assert.Contains(t, b.path(), "range=last_15_minutes")
	assert.Contains(t, b.path(), "sub=1")
	steps := []string{
		"Account created.",                                 // 2
		"User created.",                                    // 3
		"Email with password sent to user.",                // 3, the invitation
		"Purchased seats changed.",                         // 4
		"Seat assigned.",                                   // 5
		"Seats removed in bulk.",                           // 7
		"Account login options updated.",                   // 8
		"Two-factor authentication enabled for all users.", // 9
		"Account security options update failed.",          // 10
		"Logo update failed.",                              // 11, refused
		"Logo updated.",                                    // 11
	}
	rowsText := mustEval[[]string](b, `Array.from(document.querySelectorAll("tbody tr")).map(r => r.innerText)`)
	for _, step := range steps {
		found := false
		for _, r := range rowsText {
			if strings.Contains(r, step) {
				found = true
				if step != "Purchased seats changed." && step != "Email with password sent to user." {
					assert.Contains(t, r, "boss", "%s was done by boss", step)
				}
			}
		}
		assert.True(t, found, "the audit log shows %q", step)
	}
	assert.NotContains(t, strings.Join(rowsText, "\n"), "u01", "the seeding an hour ago is outside the range")
	check("journey-audit")
	// The same through the service.
	evs, err := s.Kit.Audit.List(s.UserCtx(t, boss), audit.Query{AccountID: acme.ID, IncludeSubaccounts: true, Range: audit.RangeLast15Minutes, Limit: 200})
	require.NoError(t, err)
	var described []string
	for _, e := range evs.Events {
		described = append(described, e.Description)
	}
	for _, step := range steps {
		assert.Contains(t, described, step)
	}

	// 13. The CSV export of the page's filter holds the same steps.
	href := b.attr(`a[href^="/account/console/audit/export"]`, "href")
	assert.Contains(t, href, "range=last_15_minutes")
	assert.Contains(t, href, "sub=1")
	rows, err := csv.NewReader(strings.NewReader(b.download(href))).ReadAll()
	require.NoError(t, err)
	require.NotEmpty(t, rows)
	col := -1
	for i, h := range rows[0] {
		if h == "description" {
			col = i
		}
	}
	require.GreaterOrEqual(t, col, 0, "a description column: %v", rows[0])
	var exported []string
	for _, r := range rows[1:] {
		exported = append(exported, r[col])
	}
	for _, step := range steps {
		assert.Contains(t, exported, step)
	}
	assert.Len(t, exported, len(evs.Events), "the export holds the page's events")

	// Another tenant's account answers exactly like an ID that does not
	// exist.
	for _, path := range []string{"/account/console/accounts/"} {
		assert.Equal(t, http.StatusNotFound, b.openStatus(path+globex.ID), path)
		foreign := b.main()
		assert.Equal(t, http.StatusNotFound, b.openStatus(path+uuid.NewString()), path)
		assert.Equal(t, foreign, b.main(), path)
		assert.NotContains(t, foreign, "globex")
		assert.NotContains(t, foreign, "Globex")
	}
}
