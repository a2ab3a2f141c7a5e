package web_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/storage"
)

// customDNS is a Resolver answering from maps: the records a customer
// published.
type customDNS struct {
	mu    sync.Mutex
	cname map[string]string
	txt   map[string][]string
}

func (d *customDNS) LookupCNAME(_ context.Context, host string) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if c, ok := d.cname[host]; ok {
		return c, nil
	}
	return "", errors.New("no such host")
}

func (d *customDNS) LookupTXT(_ context.Context, name string) ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if t, ok := d.txt[name]; ok {
		return t, nil
	}
	return nil, errors.New("no such host")
}

// publish puts the records in the DNS, as the customer would.
func (d *customDNS) publish(records []account.DNSRecord) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, r := range records {
		if r.Type == "CNAME" {
			d.cname[r.Name] = r.Value + "."
		} else {
			d.txt[r.Name] = append(d.txt[r.Name], r.Value)
		}
	}
}

const customTarget = "custom.accountkit.test"

// newCustomSite is a site whose custom hostnames CNAME to customTarget
// and are verified through a fake DNS.
func newCustomSite(t *testing.T, store storage.Store) (*site, *customDNS) {
	dns := &customDNS{cname: map[string]string{}, txt: map[string][]string{}}
	s := newSiteKit(t, store, func(o *kit.Options) {
		o.Account.Customization.HostnameTarget = customTarget
		o.Account.Customization.Resolver = dns
	})
	return s, dns
}

// pngOf is a w×h PNG.
func pngOf(t testing.TB, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), &image.Uniform{color.RGBA{15, 118, 110, 255}}, image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(w/4, h/4, 3*w/4, 3*h/4), &image.Uniform{color.RGBA{255, 255, 255, 255}}, image.Point{}, draw.Src)
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// postLogo sends the multipart logo form: the CSRF field first, as a
// browser does, then the file with its declared type.
func (c *client) postLogo(csrf, filename, contentType string, data []byte) *resp {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	require.NoError(c.t, mw.WriteField("csrf", csrf))
	hd := textproto.MIMEHeader{}
	hd.Set("Content-Disposition", `form-data; name="logo"; filename="`+filename+`"`)
	hd.Set("Content-Type", contentType)
	pw, err := mw.CreatePart(hd)
	require.NoError(c.t, err)
	_, _ = pw.Write(data)
	require.NoError(c.t, mw.Close())
	req, _ := http.NewRequest(http.MethodPost, c.s.URL+"/account/console/customization/logo", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

// TestConsoleCustom_Forms: the Customization page over HTTP, from the
// attacks: a forged form and a member are refused; an SVG named .png, a
// 151×151 PNG, a body over 5 MB and a PNG declared as JPEG are refused on
// the logo field with the stored logo unchanged; a hostname of another
// account, an invalid colour and an unknown language are refused on
// their field. Then the valid forms are saved.
func TestConsoleCustom_Forms(t *testing.T) {
	for name, open := range kittest.Stores() {
		if name == "mysql" || name == "sqlite" {
			continue // the page is store-agnostic; memory and PostgreSQL cover it
		}
		t.Run(name, func(t *testing.T) {
			s, dns := newCustomSite(t, open(t))
			consoleCustomForms(t, s, dns)
		})
	}
}

func consoleCustomForms(t *testing.T, s *site, dns *customDNS) {
	const page = "/account/console/customization"
	acme := s.MainAccount(t, "acme")
	globex := s.MainAccount(t, "globex")
	s.ActiveUser(t, acme, "boss", security.RoleAccountManager)
	s.ActiveUser(t, acme, "mia", security.RoleMember)
	admin := s.signedInClient(t, "boss")
	custom := func() *account.Customization {
		c, err := s.Kit.Accounts.Customization(s.System(), acme.ID)
		require.NoError(t, err)
		return c
	}
	token := func(c *client, path string) string {
		m := csrfField.FindStringSubmatch(c.get(path).Body)
		require.NotNil(t, m)
		return m[1]
	}
	r := admin.get(page)
	require.Equal(t, http.StatusOK, r.Status)
	assert.Contains(t, r.Body, "PNG, JPEG, GIF or WebP, at most 150 × 150 pixels and 5 MB.")
	_, err := s.Kit.Accounts.SetLogo(s.System(), acme.ID, "image/png", pngOf(t, 20, 20))
	require.NoError(t, err)
	before := custom().LogoSHA256

	t.Run("Forged", func(t *testing.T) {
		r := admin.post(page+"/language", url.Values{"csrf": {""}, "language": {"de"}})
		assert.Equal(t, http.StatusForbidden, r.Status)
		r = admin.postLogo("", "a.png", "image/png", pngOf(t, 30, 30))
		assert.Equal(t, http.StatusForbidden, r.Status)
		assert.Equal(t, before, custom().LogoSHA256)
		assert.Equal(t, "en", custom().Language)
	})
	t.Run("Member", func(t *testing.T) {
		m := s.signedInClient(t, "mia")
		assert.Equal(t, http.StatusForbidden, m.get(page).Status)
		tok := token(m, "/account/profile")
		for path, v := range map[string]url.Values{"/hostname": {"hostname": {"login.acme.example"}}, "/hostname/verify": {},
			"/logo/delete": {}, "/theme": {"theme": {"dark"}}, "/language": {"language": {"de"}}} {
			v.Set("csrf", tok)
			assert.Equal(t, http.StatusForbidden, m.post(page+path, v).Status, path)
		}
		assert.Equal(t, http.StatusForbidden, m.postLogo(tok, "a.png", "image/png", pngOf(t, 30, 30)).Status)
		c := custom()
		assert.Equal(t, before, c.LogoSHA256)
		assert.Equal(t, "", c.Hostname)
		assert.Equal(t, account.ThemeLight, c.Theme)
		assert.Equal(t, "en", c.Language)
	})
	t.Run("BadLogos", func(t *testing.T) {
		big := append(pngOf(t, 10, 10), make([]byte, 6<<20)...)
		for name, up := range map[string]struct {
			file, ct string
			data     []byte
			status   int
			msg      string
		}{
			"svg named png": {"logo.png", "image/png", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), 422, "content is not image/png"},
			"svg":           {"logo.svg", "image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), 422, "SVG images are not accepted"},
			"151 px":        {"big.png", "image/png", pngOf(t, 151, 151), 422, "at most 150 × 150 pixels"},
			"over 5 MB":     {"huge.png", "image/png", big, 413, "larger than 5 MB"},
			"png said jpeg": {"logo.jpg", "image/jpeg", pngOf(t, 30, 30), 422, "content is not image/jpeg"},
		} {
			r := admin.postLogo(token(admin, page), up.file, up.ct, up.data)
			assert.Equal(t, up.status, r.Status, name)
			assert.Contains(t, r.Body, `id="f-logo-error"`, name)
			assert.Contains(t, r.Body, up.msg, name)
			assert.Contains(t, r.Body, `aria-invalid="true"`, name)
			assert.Equal(t, before, custom().LogoSHA256, name)
		}
	})
	t.Run("TakenHostname", func(t *testing.T) {
		_, err := s.Kit.Accounts.SetHostname(s.System(), globex.ID, "login.globex.example")
		require.NoError(t, err)
		r := admin.post(page+"/hostname", url.Values{"hostname": {"login.globex.example"}})
		assert.Equal(t, http.StatusConflict, r.Status)
		assert.Contains(t, r.Body, `id="f-hostname-error"`)
		assert.Contains(t, r.Body, "Already used by another account.")
		assert.Equal(t, "", custom().Hostname)
	})
	t.Run("BadColor", func(t *testing.T) {
		r := admin.post(page+"/theme", url.Values{"theme": {"custom"}, "color_primary": {"red"}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
		assert.Contains(t, r.Body, `id="f-color_primary-error"`)
		assert.Contains(t, r.Body, "#RRGGBB")
		assert.Equal(t, account.ThemeLight, custom().Theme)
	})
	t.Run("UnknownLanguage", func(t *testing.T) {
		r := admin.post(page+"/language", url.Values{"language": {"xx-Evil"}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
		assert.Contains(t, r.Body, `id="f-language-error"`)
		assert.Equal(t, "en", custom().Language)
	})
	t.Run("Valid", func(t *testing.T) {
		r := admin.post(page+"/hostname", url.Values{"hostname": {"login.acme.example"}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		c := custom()
		body := admin.get(page).Body
		assert.Contains(t, body, c.HostnameToken, "the TXT record's value is shown")
		assert.Contains(t, body, customTarget)
		r = admin.post(page+"/hostname/verify", url.Values{})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		body = admin.get(r.Header.Get("Location")).Body
		assert.Contains(t, body, "was not found", "the reason is shown")
		assert.Equal(t, account.HostnameFailed, custom().HostnameStatus)
		dns.publish(s.Kit.Accounts.Records(c))
		r = admin.post(page+"/hostname/verify", url.Values{})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		assert.Contains(t, admin.get(r.Header.Get("Location")).Body, "The hostname is verified.")
		assert.Equal(t, account.HostnameVerified, custom().HostnameStatus)

		r = admin.postLogo(token(admin, page), "logo.png", "image/png", pngOf(t, 100, 100))
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		assert.NotEqual(t, before, custom().LogoSHA256)
		assert.Contains(t, admin.get(page).Body, `id="logo-preview" src="/account/logo/acme?v=`+custom().LogoSHA256[:12])

		r = admin.post(page+"/theme", url.Values{"theme": {"custom"}, "color_primary": {"#0F766E"}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		assert.Equal(t, "#0f766e", custom().Colors["primary"])
		assert.Contains(t, s.client(t).get("/account/acme").Body, "--brand-primary:#0f766e", "the sign-in page uses the theme")

		r = admin.post(page+"/language", url.Values{"language": {"de"}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		assert.Contains(t, s.client(t).get("/account/acme").Body, `lang="de"`)

		r = admin.post(page+"/logo/delete", url.Values{})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		assert.Equal(t, "", custom().LogoSHA256)
	})
}

// TestBrowser_ConsoleCustomization: in Chromium, on memory and
// PostgreSQL, an Account Manager sets a hostname (records shown, a first
// verification fails with the reason, succeeds once the records are
// published), uploads a too-large logo (refused) then a 100×100 PNG
// (previewed), switches to dark then a custom colour (previewed, used by
// the sign-in page) and German (the account's sign-in page is German).
// The page passes axe-core and fits 390 px.
func TestBrowser_ConsoleCustomization(t *testing.T) {
	for name, open := range kittest.Stores() {
		if name == "mysql" || name == "sqlite" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			s, dns := newCustomSite(t, open(t))
			customJourney(t, s, dns, name == "memory")
		})
	}
}

func customJourney(t *testing.T, s *site, dns *customDNS, look bool) {
	acme := s.MainAccount(t, "acme")
	s.ActiveUser(t, acme, "boss", security.RoleAccountManager)
	custom := func() *account.Customization {
		c, err := s.Kit.Accounts.Customization(s.System(), acme.ID)
		require.NoError(t, err)
		return c
	}
	dir := t.TempDir()
	file := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, data, 0o644))
		return p
	}
	b := s.newTab(t, true)
	b.signIn("boss")
	b.click(`nav.side a[href="/account/console/customization"]`)
	b.check("console-customization-empty")

	b.fill("hostname", "login.acme.example")
	b.submit("hostname")
	c := custom()
	assert.Equal(t, c.HostnameToken, b.attr("#record-2-value", "value"), "the TXT record to create")
	assert.Equal(t, customTarget, b.attr("#record-1-value", "value"))
	b.click("#verify-hostname")
	assert.Contains(t, textOf(b, "#hostname-reason"), "was not found")
	assert.Contains(t, textOf(b, "#hostname-state"), "Failed")
	dns.publish(s.Kit.Accounts.Records(c))
	b.click("#verify-hostname")
	assert.Contains(t, textOf(b, "#hostname-state"), "Verified")
	assert.Contains(t, b.text(), "The hostname is verified.")

	b.run(chromedp.SetUploadFiles(`#f-logo`, []string{file("big.png", pngOf(t, 300, 300))}, chromedp.ByQuery))
	b.submit("logo")
	assert.Contains(t, textOf(b, "#f-logo-error"), "at most 150 × 150 pixels")
	assert.Equal(t, "", custom().LogoSHA256)
	b.run(chromedp.SetUploadFiles(`#f-logo`, []string{file("logo.png", pngOf(t, 100, 100))}, chromedp.ByQuery))
	b.submit("logo")
	assert.Contains(t, b.text(), "The logo was saved.")
	var natural int
	b.run(chromedp.Evaluate(`document.querySelector("#logo-preview").naturalWidth`, &natural))
	assert.Equal(t, 100, natural, "the preview shows the uploaded logo")

	b.run(chromedp.Click(`#f-theme-dark`, chromedp.ByQuery))
	b.submit("theme")
	assert.Equal(t, account.ThemeDark, custom().Theme)
	assert.Equal(t, "dark", b.attr("#theme-preview", "data-theme"))
	b.run(chromedp.Click(`#f-theme-custom`, chromedp.ByQuery),
		chromedp.SetValue(`#f-color_primary`, "#0f766e", chromedp.ByQuery))
	b.submit("theme")
	assert.Equal(t, "#0f766e", custom().Colors["primary"])
	var bg string
	b.run(chromedp.Evaluate(`getComputedStyle(document.querySelector(".pv-button")).backgroundColor`, &bg))
	assert.Equal(t, "rgb(15, 118, 110)", bg, "the preview shows the saved colour")
	b.fitsNarrow("console-customization")
	if look {
		b.check("console-customization")
	} else {
		b.check("console-customization-pg")
	}

	b.run(chromedp.SetValue(`#f-language`, "de", chromedp.ByQuery))
	b.submit("language")
	assert.Equal(t, "de", custom().Language)
	p := s.newTab(t, false)
	p.open("/account/acme")
	assert.Equal(t, "de", p.attr("html", "lang"))
	assert.Contains(t, p.text(), "Anmelden")
	var primary string
	p.run(chromedp.Evaluate(`getComputedStyle(document.documentElement).getPropertyValue("--brand-primary").trim()`, &primary))
	assert.Equal(t, "#0f766e", primary, "the sign-in page uses the custom colour")
}
