package web_test

import (
	"bytes"
	"encoding/base64"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/accountkittest"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/sso"
)

// ssoIdP returns an identity provider whose certificate expires at
// notAfter, and its SAML metadata as the IdP's console offers it.
func ssoIdP(t testing.TB, s *site, entityID string, notAfter time.Time) (*accountkittest.IdP, string) {
	t.Helper()
	idp := accountkittest.NewIdP(t, entityID, accountkittest.IdPOptions{NotBefore: s.Clock.Now().Add(-24 * time.Hour), NotAfter: notAfter})
	der := base64.StdEncoding.EncodeToString(idp.Cert.Raw)
	md := `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="` + entityID + `">
<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>` + der + `</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example/saml2/logout"/>
<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example/saml2"/>
</md:IDPSSODescriptor></md:EntityDescriptor>`
	return idp, md
}

// postMultipart sends a multipart form with a metadata file (when file
// is not nil) and the fields.
func (c *client) postMultipart(path string, fields map[string]string, file []byte) *resp {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		require.NoError(c.t, mw.WriteField(k, v))
	}
	if file != nil {
		fw, err := mw.CreateFormFile("metadata", "idp-metadata.xml")
		require.NoError(c.t, err)
		_, err = fw.Write(file)
		require.NoError(c.t, err)
	}
	require.NoError(c.t, mw.Close())
	req, _ := http.NewRequest(http.MethodPost, c.s.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

// TestConsoleSSO_Forms: the SSO page over HTTP, each attack first. A form
// without a valid CSRF token, a member without sso.manage, a malformed
// metadata file, an oversize upload and another tenant's user as the
// break-glass manager are refused and change nothing (checked through
// the service); a valid IdP metadata file is imported, and the settings
// are saved and read back.
func TestConsoleSSO_Forms(t *testing.T) {
	for name, open := range kittest.Stores() {
		if name == "mysql" || name == "sqlite" {
			continue // the page is store-agnostic; memory and PostgreSQL cover it
		}
		t.Run(name, func(t *testing.T) { consoleSSOForms(t, newSite(t, open(t))) })
	}
}

func consoleSSOForms(t *testing.T, s *site) {
	acme := s.MainAccount(t, "acme")
	boss := s.ActiveUser(t, acme, "boss", security.RoleAccountManager)
	s.ActiveUser(t, acme, "mia", security.RoleMember)
	globex := s.MainAccount(t, "globex")
	gary := s.ActiveUser(t, globex, "gary", security.RoleAccountManager)
	admin := s.signedInClient(t, "boss")
	config := func() *sso.Config {
		v, err := s.Kit.SSO.Config(s.System(), acme.ID)
		require.NoError(t, err)
		return v.Config
	}
	token := func(c *client) string {
		m := csrfField.FindStringSubmatch(c.get("/account/console/sso").Body)
		require.NotNil(t, m)
		return m[1]
	}
	idp, metadata := ssoIdP(t, s, "https://idp.acme.test/metadata", s.Clock.Now().AddDate(1, 0, 0))

	page := admin.get("/account/console/sso")
	require.Equal(t, http.StatusOK, page.Status)
	for _, want := range []string{`href="/account/console/sso"`, "SSO configuration",
		`value="` + kittest.BaseURL + `/login/saml/acme/acs"`, `value="` + kittest.BaseURL + `/login/saml/acme/"`,
		`value="` + kittest.BaseURL + `/login/saml/acme/metadata"`, `value="` + kittest.BaseURL + `/login/saml/acme/logout"`,
		`readonly`, `name="metadata"`, `name="metadata_xml"`, `enctype="multipart/form-data"`, `name="break_glass_user_id"`,
		`<option value="` + boss.ID + `">`} {
		assert.Contains(t, page.Body, want)
	}
	assert.NotContains(t, page.Body, gary.ID, "another tenant's manager is not offered")

	t.Run("NoCSRF", func(t *testing.T) {
		r := admin.postMultipart("/account/console/sso/metadata", map[string]string{"csrf": ""}, []byte(metadata))
		assert.Equal(t, http.StatusForbidden, r.Status)
		assert.Contains(t, r.Body, "could not be verified")
		r = admin.post("/account/console/sso", url.Values{"csrf": {"AAAA"}, "idp_entity_id": {"https://evil.test/"}})
		assert.Equal(t, http.StatusForbidden, r.Status)
		assert.Empty(t, config().IdPEntityID, "nothing changed")
	})
	t.Run("Member", func(t *testing.T) {
		m := s.signedInClient(t, "mia")
		assert.Equal(t, http.StatusForbidden, m.get("/account/console/sso").Status)
		assert.NotContains(t, m.get("/account/profile").Body, `href="/account/console/sso"`, "not in the member's navigation")
		tok := csrfField.FindStringSubmatch(m.get("/account/profile").Body)
		require.NotNil(t, tok)
		r := m.postMultipart("/account/console/sso/metadata", map[string]string{"csrf": tok[1]}, []byte(metadata))
		assert.Equal(t, http.StatusForbidden, r.Status)
		r = m.post("/account/console/sso", url.Values{"csrf": {tok[1]}, "idp_entity_id": {"https://evil.test/"}, "auto_create_users": {"on"}})
		assert.Equal(t, http.StatusForbidden, r.Status)
		c := config()
		assert.Empty(t, c.IdPEntityID, "the member changed nothing")
		assert.False(t, c.AutoCreateUsers)
	})
	t.Run("MalformedMetadata", func(t *testing.T) {
		for name, bad := range map[string]string{
			"not XML": "hello",
			"DOCTYPE": `<!DOCTYPE x [<!ENTITY e "x">]><x/>`,
			"no SSO":  strings.Replace(metadata, "SingleSignOnService", "ArtifactResolutionService", 2),
		} {
			r := admin.postMultipart("/account/console/sso/metadata", map[string]string{"csrf": token(admin)}, []byte(bad))
			assert.Equal(t, http.StatusUnprocessableEntity, r.Status, name)
			assert.Contains(t, r.Body, `id="f-metadata-error"`, name)
			assert.Contains(t, r.Body, `aria-invalid="true"`, name)
		}
		r := admin.postMultipart("/account/console/sso/metadata", map[string]string{"csrf": token(admin), "metadata_xml": "<oops"}, nil)
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
		assert.Contains(t, r.Body, `id="f-metadata-error"`)
		assert.Contains(t, r.Body, "&lt;oops</textarea>", "the pasted XML is kept")
		r = admin.postMultipart("/account/console/sso/metadata", map[string]string{"csrf": token(admin)}, nil)
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
		assert.Contains(t, r.Body, "Choose a metadata file or paste the metadata XML.")
		assert.Empty(t, config().IdPEntityID, "nothing changed")
	})
	t.Run("Oversize", func(t *testing.T) {
		big := []byte(strings.Replace(metadata, "<md:IDPSSODescriptor", "<!--"+strings.Repeat("x", 2<<20)+"--><md:IDPSSODescriptor", 1))
		r := admin.postMultipart("/account/console/sso/metadata", map[string]string{"csrf": token(admin)}, big)
		assert.Equal(t, http.StatusRequestEntityTooLarge, r.Status)
		assert.Contains(t, r.Body, `id="f-metadata-error"`)
		assert.Contains(t, r.Body, "at most 1 MB")
		assert.Empty(t, config().IdPEntityID, "nothing changed")
	})
	t.Run("Import", func(t *testing.T) {
		r := admin.postMultipart("/account/console/sso/metadata", map[string]string{"csrf": token(admin)}, []byte(metadata))
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		c := config()
		assert.Equal(t, "https://idp.acme.test/metadata", c.IdPEntityID)
		assert.Equal(t, "https://idp.example/saml2", c.IdPLoginURL)
		assert.Equal(t, "https://idp.example/saml2/logout", c.IdPLogoutURL)
		require.Len(t, c.IdPCertificates, 1)
		assert.Equal(t, idp.PEM(), c.IdPCertificates[0])
		assert.False(t, c.Enabled, "importing enforces nothing")
		body := admin.get(r.Header.Get("Location")).Body
		assert.Contains(t, body, "metadata was imported")
		assert.Contains(t, body, `value="https://idp.acme.test/metadata"`)
		assert.Contains(t, body, "CN=test-idp-https://idp.acme.test/metadata")
		assert.Contains(t, body, `class="badge badge-ok">Valid`)
	})
	t.Run("RefusedSettingsKeepWhatWasTyped", func(t *testing.T) {
		before := config()
		r := admin.post("/account/console/sso", url.Values{"csrf": {token(admin)}, "enabled": {"on"}, "auto_create_users": {"on"},
			"idp_entity_id": {before.IdPEntityID}, "idp_login_url": {"http://idp.example/saml2"},
			"idp_certificates": {before.IdPCertificates[0]}, "group_attribute": {"groups"}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
		assert.Contains(t, r.Body, `id="f-idp_login_url-error"`)
		assert.Contains(t, r.Body, `value="http://idp.example/saml2"`, "what was typed stays")
		assert.Contains(t, r.Body, `value="groups"`)
		assert.Equal(t, before, config(), "nothing saved, not even the valid fields")
		r = admin.post("/account/console/sso", url.Values{"csrf": {token(admin)}, "idp_certificates": {before.IdPCertificates[0] + "\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
		assert.Contains(t, r.Body, `id="f-idp_certificates-error"`)
		assert.Contains(t, r.Body, "Certificate 2:")
		assert.Equal(t, before, config())
	})
	t.Run("BreakGlassOfAnotherTenant", func(t *testing.T) {
		before := config()
		r := admin.post("/account/console/sso", url.Values{"csrf": {token(admin)}, "idp_entity_id": {before.IdPEntityID},
			"idp_login_url": {before.IdPLoginURL}, "idp_certificates": {before.IdPCertificates[0]}, "break_glass_user_id": {gary.ID}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
		assert.Contains(t, r.Body, `id="f-break_glass_user_id-error"`)
		assert.Contains(t, r.Body, "Account Manager role")
		assert.NotContains(t, r.Body, "gary", "nothing about the other tenant's user is shown")
		assert.Equal(t, before, config())
	})
	t.Run("Save", func(t *testing.T) {
		before := config()
		r := admin.post("/account/console/sso", url.Values{"csrf": {token(admin)}, "enabled": {"on"}, "auto_create_users": {"on"},
			"auto_create_groups": {"on"}, "allow_idp_initiated": {"on"}, "group_attribute": {sso.AzureADGroupAttribute},
			"idp_entity_id": {before.IdPEntityID}, "idp_login_url": {before.IdPLoginURL}, "idp_logout_url": {""},
			"idp_certificates": {before.IdPCertificates[0]}, "break_glass_user_id": {boss.ID}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		c := config()
		assert.True(t, c.Enabled)
		assert.True(t, c.AutoCreateUsers)
		assert.True(t, c.AutoCreateGroups)
		assert.True(t, c.AllowIdPInitiated)
		assert.False(t, c.LocalTwoFactor)
		assert.Equal(t, sso.AzureADGroupAttribute, c.GroupAttribute)
		assert.Empty(t, c.IdPLogoutURL)
		assert.Equal(t, boss.ID, c.BreakGlassUserID)
		assert.Equal(t, before.IdPCertificates, c.IdPCertificates)
		body := admin.get(r.Header.Get("Location")).Body
		assert.Contains(t, body, "The SSO configuration was saved.")
		assert.Contains(t, body, "Single sign-on is enforced")
		assert.Contains(t, body, `<option value="`+boss.ID+`" selected>`)
		assert.NotContains(t, body, "No break-glass Account Manager")
	})
	t.Run("CertificateWarnings", func(t *testing.T) {
		_, soon := ssoIdP(t, s, "https://idp.soon.test/metadata", s.Clock.Now().Add(10*24*time.Hour))
		r := admin.postMultipart("/account/console/sso/metadata", map[string]string{"csrf": token(admin)}, []byte(soon))
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		body := admin.get("/account/console/sso").Body
		assert.Contains(t, body, "Expires within 30 days")
		s.Clock.Advance(11 * 24 * time.Hour)
		// A new session (the old one ended with the days), with the
		// password: boss is the break-glass Account Manager.
		body = s.signedInClient(t, "boss").get("/account/console/sso").Body
		assert.Contains(t, body, "Expired: responses signed with it are refused")
	})
}

// TestBrowser_ConsoleSSO: in Chromium, on memory and PostgreSQL, the
// Account Manager opens SSO from the navigation, uploads the IdP's
// metadata file through the file input, sees the IdP fields and the
// certificate's expiry filled, enforces SSO with auto-create users and
// saves; the service reads it back. The page passes axe-core and fits a
// 390-pixel phone.
func TestBrowser_ConsoleSSO(t *testing.T) {
	for name, open := range kittest.Stores() {
		if name == "mysql" || name == "sqlite" {
			continue
		}
		t.Run(name, func(t *testing.T) { browserConsoleSSO(t, newSite(t, open(t)), name == "memory") })
	}
}

func browserConsoleSSO(t *testing.T, s *site, look bool) {
	acme := s.MainAccount(t, "acme")
	s.ActiveUser(t, acme, "boss", security.RoleAccountManager)
	idp, metadata := ssoIdP(t, s, "https://idp.acme.test/metadata", s.Clock.Now().AddDate(1, 0, 0))
	file := filepath.Join(t.TempDir(), "idp-metadata.xml")
	require.NoError(t, os.WriteFile(file, []byte(metadata), 0o600))

	b := s.newTab(t, true)
	b.signIn("boss")
	b.click(`nav.side a[href="/account/console/sso"]`)
	assert.Equal(t, "/account/console/sso", b.path())
	assert.Equal(t, kittest.BaseURL+"/login/saml/acme/acs", b.attr("#sp-acs_url", "value"))
	assert.NotEqual(t, "<missing>", b.attr("#sp-acs_url", "readonly"))
	b.run(chromedp.SetUploadFiles(`#f-metadata`, []string{file}, chromedp.ByQuery))
	b.submit("metadata")
	assert.Contains(t, b.text(), "metadata was imported")
	var entity, login string
	b.run(chromedp.Value(`#f-idp_entity_id`, &entity, chromedp.ByQuery), chromedp.Value(`#f-idp_login_url`, &login, chromedp.ByQuery))
	assert.Equal(t, "https://idp.acme.test/metadata", entity)
	assert.Equal(t, "https://idp.example/saml2", login)
	assert.Contains(t, textOf(b, "#cert-1"), "Expires ")
	assert.Contains(t, textOf(b, "#cert-1"), idp.Cert.NotAfter.UTC().Format("2006"))
	assert.Contains(t, textOf(b, "#cert-1"), "Valid")
	if look {
		b.fitsNarrow("console-sso")
		b.check("console-sso")
	} else {
		b.runAxe("console-sso")
	}
	b.run(chromedp.Click(`#f-enabled`, chromedp.ByQuery), chromedp.Click(`#f-auto_create_users`, chromedp.ByQuery))
	b.submit("enabled")
	assert.Contains(t, b.text(), "The SSO configuration was saved.")
	assert.Contains(t, b.text(), "Single sign-on is enforced")
	v, err := s.Kit.SSO.Config(s.System(), acme.ID)
	require.NoError(t, err)
	assert.True(t, v.Config.Enabled)
	assert.True(t, v.Config.AutoCreateUsers)
	assert.False(t, v.Config.AutoCreateGroups)
	assert.Equal(t, "https://idp.acme.test/metadata", v.Config.IdPEntityID)
	assert.Equal(t, []string{idp.PEM()}, v.Config.IdPCertificates)
	b.fitsNarrow("console-sso-enforced")
	b.runAxe("console-sso-saved")
}
