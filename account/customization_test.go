package account_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/security"
)

// fakeDNS is a Resolver answering from maps, for tests only.
type fakeDNS struct {
	mu    sync.Mutex
	cname map[string]string
	txt   map[string][]string
}

func newFakeDNS() *fakeDNS {
	return &fakeDNS{cname: map[string]string{}, txt: map[string][]string{}}
}

func (f *fakeDNS) LookupCNAME(_ context.Context, host string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.cname[host]; ok {
		return c, nil
	}
	return "", errors.New("no such host")
}

func (f *fakeDNS) LookupTXT(_ context.Context, name string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t, ok := f.txt[name]; ok {
		return t, nil
	}
	return nil, errors.New("no such host")
}

func (f *fakeDNS) set(records []account.DNSRecord) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range records {
		switch r.Type {
		case "CNAME":
			f.cname[r.Name] = r.Value + "."
		case "TXT":
			f.txt[r.Name] = append(f.txt[r.Name], "unrelated", r.Value)
		}
	}
}

const target = "custom.accountkit.test"

// customEnv returns an Env whose hostnames CNAME to target and resolve
// through a fake DNS.
func customEnv(t *testing.T, open kittest.Opener) (*kittest.Env, *fakeDNS) {
	dns := newFakeDNS()
	env := kittest.NewWithStore(t, open(t), func(o *kit.Options) {
		o.Account.Customization = account.CustomizationOptions{HostnameTarget: target, Resolver: dns}
	})
	return env, dns
}

func memoryOnly() kittest.Opener { return kittest.Stores()["memory"] }

func pngOf(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

func jpegOf(t testing.TB, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, jpeg.Encode(&b, image.NewRGBA(image.Rect(0, 0, w, h)), nil))
	return b.Bytes()
}

func gifOf(t testing.TB, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, gif.Encode(&b, image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.Black, color.White}), nil))
	return b.Bytes()
}

// webp1x1 is a 1 × 1 lossless WebP image.
func webp1x1(t testing.TB) []byte {
	b, err := base64.StdEncoding.DecodeString("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
	require.NoError(t, err)
	return b
}

// bombPNG is a valid 1 × 1 PNG whose header claims w × h pixels (with a
// correct CRC), as a decompression bomb would.
func bombPNG(t testing.TB, w, h uint32) []byte {
	b := pngOf(t, 1, 1)
	// Signature (8), IHDR length (4), "IHDR" (4), width, height, ...
	binary.BigEndian.PutUint32(b[16:20], w)
	binary.BigEndian.PutUint32(b[20:24], h)
	binary.BigEndian.PutUint32(b[29:33], crc32.ChecksumIEEE(b[12:29]))
	return b
}

func TestNormalizeHostname(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"login.example.com":             "login.example.com",
		"Login.Example.COM":             "login.example.com",
		"a.b":                           "a.b",
		"xn--bcher-kva.example":         "xn--bcher-kva.example",
		"123.example.com":               "123.example.com",
		strings.Repeat("a", 63) + ".io": strings.Repeat("a", 63) + ".io",
	} {
		got, msg := account.NormalizeHostname(in)
		assert.Empty(t, msg, in)
		assert.Equal(t, want, got)
	}
	for in, why := range map[string]string{
		"":                                       "empty",
		"localhost":                              "two labels",
		"example.com.":                           "dot",
		"example.com..":                          "dot",
		".example.com":                           "empty labels",
		"a..example.com":                         "empty labels",
		"*.example.com":                          "wildcard",
		"192.168.1.10":                           "IP",
		"1.2.3.4.5":                              "IP",
		"[::1]":                                  "IP",
		"::1":                                    "IP",
		"2001:db8::1":                            "IP",
		"example.com:8080":                       "IP",
		"0x7f.1":                                 "IP",
		strings.Repeat("a", 64) + ".com":         "63",
		strings.Repeat("abcdefghi.", 26) + "com": "253",
		"-a.example.com":                         "hyphen",
		"a-.example.com":                         "hyphen",
		"ab--c.example.com":                      "third and fourth",
		"xn--.example.com":                       "hyphen",
		"xn--zzzzzzzzz.example.com":              "punycode",
		"xn--zz!.example.com":                    "letters",
		"bücher.example":                         "punycode",
		"under_score.example.com":                "letters",
		"sp ace.example.com":                     "letters",
		"a/b.example.com":                        "letters",
	} {
		_, msg := account.NormalizeHostname(in)
		assert.Contains(t, msg, why, "%q", in)
	}
}

func FuzzNormalizeHostname(f *testing.F) {
	for _, s := range []string{"login.example.com", "xn--bcher-kva.example", "1.2.3.4", "*.a.b", "xn--a-ecp.ru"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, msg := account.NormalizeHostname(s)
		if msg != "" {
			return
		}
		again, msg := account.NormalizeHostname(h)
		require.Empty(t, msg)
		require.Equal(t, h, again, "normalizing is idempotent")
		require.LessOrEqual(t, len(h), 253)
		require.NotContains(t, h, "*")
	})
}

func TestCheckLogo(t *testing.T) {
	t.Parallel()
	for ct, data := range map[string][]byte{
		"image/png": pngOf(t, 150, 150), "image/jpeg": jpegOf(t, 40, 20), "image/jpg": jpegOf(t, 1, 1),
		"image/gif": gifOf(t, 10, 10), "image/webp": webp1x1(t), "IMAGE/PNG; charset=binary": pngOf(t, 1, 1),
	} {
		_, err := account.CheckLogo(ct, data)
		assert.NoError(t, err, ct)
	}
	html := []byte("<!doctype html><script>alert(1)</script>")
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`)
	for name, c := range map[string]struct {
		ct   string
		data []byte
		code accountkit.Code
		msg  string
	}{
		"TooWide":       {"image/png", pngOf(t, 151, 10), accountkit.Invalid, "150 × 150"},
		"TooHigh":       {"image/gif", gifOf(t, 10, 151), accountkit.Invalid, "150 × 150"},
		"Bomb":          {"image/png", bombPNG(t, 10000, 10000), accountkit.Invalid, "10000 × 10000"},
		"PNGAsJPEG":     {"image/jpeg", pngOf(t, 10, 10), accountkit.Invalid, "not image/jpeg"},
		"JPEGAsPNG":     {"image/png", jpegOf(t, 10, 10), accountkit.Invalid, "not image/png"},
		"HTMLAsPNG":     {"image/png", html, accountkit.Invalid, "not image/png"},
		"SVG":           {"image/svg+xml", svg, accountkit.Invalid, "SVG"},
		"Text":          {"text/plain", []byte("hi"), accountkit.Invalid, "PNG, JPEG, GIF or WebP"},
		"NoType":        {"", pngOf(t, 1, 1), accountkit.Invalid, "PNG, JPEG, GIF or WebP"},
		"Empty":         {"image/png", nil, accountkit.Invalid, "empty"},
		"Truncated":     {"image/png", pngOf(t, 20, 20)[:40], accountkit.Invalid, "readable"},
		"TooLarge":      {"image/png", append(pngOf(t, 1, 1), make([]byte, account.MaxLogoBytes)...), accountkit.LimitExceeded, "5 MB"},
		"ZeroWidthWebP": {"image/webp", []byte("RIFF\x00\x00\x00\x00WEBPVP8 "), accountkit.Invalid, "readable"},
	} {
		_, err := account.CheckLogo(c.ct, c.data)
		var e *accountkit.Error
		require.ErrorAs(t, err, &e, name)
		assert.Equal(t, c.code, e.Code, name)
		assert.Equal(t, "logo", e.Fields[0].Field, name)
		assert.Contains(t, e.Message, c.msg, name)
	}
}

func FuzzCheckLogo(f *testing.F) {
	f.Add("image/png", pngOf(f, 2, 2))
	f.Add("image/gif", gifOf(f, 2, 2))
	f.Add("image/jpeg", jpegOf(f, 2, 2))
	f.Add("image/webp", webp1x1(f))
	f.Fuzz(func(t *testing.T, ct string, data []byte) {
		_, _ = account.CheckLogo(ct, data) // must not panic or hang
	})
}

func TestService_Hostname(t *testing.T) {
	t.Parallel()
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env, dns := customEnv(t, open)
			main := env.MainAccount(t, "acme")
			sub := env.SubAccount(t, main, "acme-eu")
			other := env.MainAccount(t, "other")
			mgr := kittest.As(kittest.Manager(main.ID, "boss"))
			svc := env.Kit.Accounts

			setup, err := svc.SetHostname(mgr, sub.ID, "Login.Acme-EU.example")
			require.NoError(t, err)
			c := setup.Customization
			assert.Equal(t, "login.acme-eu.example", c.Hostname)
			assert.Equal(t, account.HostnamePending, c.HostnameStatus)
			require.Len(t, setup.Records, 2)
			assert.Equal(t, account.DNSRecord{Type: "CNAME", Name: "login.acme-eu.example", Value: target}, setup.Records[0])
			assert.Equal(t, "_accountkit-challenge.login.acme-eu.example", setup.Records[1].Name)
			assert.True(t, strings.HasPrefix(setup.Records[1].Value, "accountkit-verification="))
			ev := env.LastEvent(t, main.ID)
			assert.Equal(t, "Host name set.", ev.Description)
			assert.Equal(t, sub.ID, ev.AccountID)

			// Not verified yet: the host does not resolve.
			_, err = svc.ResolveHost(context.Background(), "login.acme-eu.example")
			assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err))

			// Verification without the records fails, and says why.
			c, err = svc.VerifyHostname(mgr, sub.ID)
			require.NoError(t, err)
			assert.Equal(t, account.HostnameFailed, c.HostnameStatus)
			assert.Contains(t, c.HostnameError, "TXT record")
			require.NotNil(t, c.HostnameCheckedAt)
			ev = env.LastEvent(t, main.ID)
			assert.Equal(t, "Host name verification failed.", ev.Description)
			assert.Equal(t, audit.StatusFailure, ev.Status)

			// A CNAME elsewhere fails too.
			dns.set(setup.Records[1:])
			dns.cname["login.acme-eu.example"] = "evil.example."
			c, err = svc.VerifyHostname(mgr, sub.ID)
			require.NoError(t, err)
			assert.Contains(t, c.HostnameError, "must point at "+target)

			// With both records it is verified and resolves.
			dns.set(setup.Records[:1])
			env.Clock.Advance(60e9)
			c, err = svc.VerifyHostname(mgr, sub.ID)
			require.NoError(t, err)
			assert.Equal(t, account.HostnameVerified, c.HostnameStatus)
			assert.Empty(t, c.HostnameError)
			assert.True(t, env.Clock.Now().Equal(*c.HostnameVerifiedAt))
			assert.Equal(t, "Host name verified.", env.LastEvent(t, main.ID).Description)
			for _, host := range []string{"login.acme-eu.example", "LOGIN.Acme-EU.example:8443", "login.acme-eu.example."} {
				a, err := svc.ResolveHost(context.Background(), host)
				require.NoError(t, err, host)
				assert.Equal(t, sub.ID, a.ID)
			}

			// Unique across the installation.
			_, err = svc.SetHostname(kittest.As(kittest.Manager(other.ID, "eve")), other.ID, "login.acme-eu.example")
			var e *accountkit.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, accountkit.Conflict, e.Code)
			assert.Equal(t, "hostname", e.Fields[0].Field)
			assert.Equal(t, "Setting host name failed.", env.LastEvent(t, other.ID).Description)

			// Setting the same hostname again keeps it verified.
			setup, err = svc.SetHostname(mgr, sub.ID, "login.acme-eu.example")
			require.NoError(t, err)
			assert.Equal(t, account.HostnameVerified, setup.Customization.HostnameStatus)

			// A disabled account does not resolve.
			_, err = svc.Disable(mgr, sub.ID)
			require.NoError(t, err)
			_, err = svc.ResolveHost(context.Background(), "login.acme-eu.example")
			assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err))
			_, err = svc.Enable(mgr, sub.ID)
			require.NoError(t, err)

			// Removing it frees the name.
			setup, err = svc.SetHostname(mgr, sub.ID, "")
			require.NoError(t, err)
			assert.Empty(t, setup.Records)
			_, err = svc.ResolveHost(context.Background(), "login.acme-eu.example")
			assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err))
			_, err = svc.SetHostname(kittest.As(kittest.Manager(other.ID, "eve")), other.ID, "login.acme-eu.example")
			require.NoError(t, err)
		})
	}
}

func TestService_HostnameInvalid(t *testing.T) {
	t.Parallel()
	env, _ := customEnv(t, memoryOnly())
	main := env.MainAccount(t, "acme")
	mgr := kittest.As(kittest.Manager(main.ID, "boss"))
	for _, h := range []string{"10.0.0.1", "*.acme.example", strings.Repeat("x", 64) + ".example", "acme.example.",
		"localhost", "[::1]", "bücher.example", target, "tenant." + target} {
		before := len(env.Events(t, main.ID))
		_, err := env.Kit.Accounts.SetHostname(mgr, main.ID, h)
		assert.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err), h)
		c, err := env.Kit.Accounts.Customization(mgr, main.ID)
		require.NoError(t, err)
		assert.Empty(t, c.Hostname, "nothing changed")
		evs := env.Events(t, main.ID)
		require.Len(t, evs, before+1)
		assert.Equal(t, "Setting host name failed.", evs[0].Description)
	}
	_, err := env.Kit.Accounts.VerifyHostname(mgr, main.ID)
	assert.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err), "nothing to verify")

	// Without a configured target, hostnames are off.
	plain := kittest.New(t)
	m := plain.MainAccount(t, "solo")
	_, err = plain.Kit.Accounts.SetHostname(kittest.As(kittest.Manager(m.ID, "b")), m.ID, "login.solo.example")
	assert.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err))
}

func TestService_ThemeLanguage(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	main := env.MainAccount(t, "acme")
	mgr := kittest.As(kittest.Manager(main.ID, "boss"))
	svc := env.Kit.Accounts

	c, err := svc.Customization(mgr, main.ID)
	require.NoError(t, err)
	assert.Equal(t, account.ThemeLight, c.Theme)
	assert.Equal(t, "en", c.Language)

	c, err = svc.SetTheme(mgr, main.ID, account.ThemeInput{Theme: account.ThemeCustom,
		Colors: map[string]string{"primary": "#A1B2C3", "background": "#000000"}})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"primary": "#a1b2c3", "background": "#000000"}, c.Colors)
	assert.Equal(t, "Color scheme set.", env.LastEvent(t, main.ID).Description)
	c, err = svc.SetTheme(mgr, main.ID, account.ThemeInput{Theme: account.ThemeDark})
	require.NoError(t, err)
	assert.Nil(t, c.Colors)

	for _, in := range []account.ThemeInput{
		{Theme: "neon"}, {Theme: ""}, {Theme: account.ThemeLight, Colors: map[string]string{"primary": "#000000"}},
		{Theme: account.ThemeCustom}, {Theme: account.ThemeCustom, Colors: map[string]string{"primary": "red"}},
		{Theme: account.ThemeCustom, Colors: map[string]string{"primary": "#12345"}},
		{Theme: account.ThemeCustom, Colors: map[string]string{"primary": "#1234567"}},
		{Theme: account.ThemeCustom, Colors: map[string]string{"primary": "#gggggg"}},
		{Theme: account.ThemeCustom, Colors: map[string]string{"primary": "#000000", "hover": "#000000"}},
	} {
		_, err := svc.SetTheme(mgr, main.ID, in)
		assert.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err), "%+v", in)
		assert.Equal(t, "Setting color scheme failed.", env.LastEvent(t, main.ID).Description)
	}

	c, err = svc.SetLanguage(mgr, main.ID, "DE")
	require.NoError(t, err)
	assert.Equal(t, "de", c.Language)
	ev := env.LastEvent(t, main.ID)
	assert.Equal(t, "Language successfully changed.", ev.Description)
	assert.Equal(t, "en", ev.Details["old_language"])
	for _, l := range []string{"", "xx-invalid-!", "klingon", "tlh", "en-US", "zz", strings.Repeat("a", 100)} {
		_, err := svc.SetLanguage(mgr, main.ID, l)
		var e *accountkit.Error
		require.ErrorAs(t, err, &e, l)
		assert.Equal(t, accountkit.Invalid, e.Code, l)
		assert.Equal(t, "language", e.Fields[0].Field)
		assert.Equal(t, "Language change failed.", env.LastEvent(t, main.ID).Description)
	}
	c, err = svc.Customization(mgr, main.ID)
	require.NoError(t, err)
	assert.Equal(t, "de", c.Language, "nothing changed")
	assert.Equal(t, account.ThemeDark, c.Theme)

	// Configurable list: pt-BR supported once configured.
	env2 := kittest.NewWithStore(t, memoryOnly()(t), func(o *kit.Options) {
		o.Account.Customization.Languages = []string{"pt-BR", "en"}
	})
	m2 := env2.MainAccount(t, "brasil")
	m2ctx := kittest.As(kittest.Manager(m2.ID, "b"))
	c, err = env2.Kit.Accounts.Customization(m2ctx, m2.ID)
	require.NoError(t, err)
	assert.Equal(t, "pt-BR", c.Language, "the first language is the default")
	_, err = env2.Kit.Accounts.SetLanguage(m2ctx, m2.ID, "pt-br")
	require.NoError(t, err)
	_, err = env2.Kit.Accounts.SetLanguage(m2ctx, m2.ID, "de")
	assert.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err))
}

func TestService_Logo(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	main := env.MainAccount(t, "acme")
	mgr := kittest.As(kittest.Manager(main.ID, "boss"))
	svc := env.Kit.Accounts
	data := pngOf(t, 64, 64)
	c, err := svc.SetLogo(mgr, main.ID, "image/png", data)
	require.NoError(t, err)
	assert.Len(t, c.LogoSHA256, 64)
	assert.Equal(t, "Logo updated.", env.LastEvent(t, main.ID).Description)
	l, err := svc.Logo(context.Background(), "acme")
	require.NoError(t, err)
	assert.Equal(t, data, l.Data)

	_, err = svc.SetLogo(mgr, main.ID, "image/jpeg", data)
	assert.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err))
	ev := env.LastEvent(t, main.ID)
	assert.Equal(t, "Logo update failed.", ev.Description)
	assert.Equal(t, audit.StatusFailure, ev.Status)
	l, err = svc.Logo(context.Background(), "acme")
	require.NoError(t, err)
	assert.Equal(t, data, l.Data, "nothing changed")

	c, err = svc.DeleteLogo(mgr, main.ID)
	require.NoError(t, err)
	assert.Empty(t, c.LogoSHA256)
	_, err = svc.Logo(context.Background(), "acme")
	assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err))
	_, err = svc.DeleteLogo(mgr, main.ID)
	assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err))
}

// TestService_CustomizationPermissions: the attack is a member without
// PermAccountSettings, or a manager of another tree, changing branding.
func TestService_CustomizationPermissions(t *testing.T) {
	t.Parallel()
	env, _ := customEnv(t, memoryOnly())
	main := env.MainAccount(t, "acme")
	sub := env.SubAccount(t, main, "acme-eu")
	other := env.MainAccount(t, "other")
	svc := env.Kit.Accounts
	ops := func(ctx context.Context, id string) map[string]error {
		_, e1 := svc.Customization(ctx, id)
		_, e2 := svc.SetHostname(ctx, id, "login.acme.example")
		_, e3 := svc.VerifyHostname(ctx, id)
		_, e4 := svc.SetLogo(ctx, id, "image/png", pngOf(t, 2, 2))
		_, e5 := svc.DeleteLogo(ctx, id)
		_, e6 := svc.SetTheme(ctx, id, account.ThemeInput{Theme: account.ThemeDark})
		_, e7 := svc.SetLanguage(ctx, id, "de")
		return map[string]error{"get": e1, "hostname": e2, "verify": e3, "logo": e4, "delete-logo": e5, "theme": e6, "language": e7}
	}
	for op, err := range ops(kittest.As(kittest.Manager(other.ID, "eve")), sub.ID) {
		assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err), "another tree: %s", op)
	}
	for op, err := range ops(kittest.As(kittest.Member(main.ID, "joe", security.PermUsersRead)), main.ID) {
		assert.Equal(t, accountkit.Forbidden, accountkit.ErrorCode(err), "no permission: %s", op)
	}
	for op, err := range ops(context.Background(), main.ID) {
		assert.Equal(t, accountkit.Unauthenticated, accountkit.ErrorCode(err), op)
	}
	for op, err := range ops(kittest.As(kittest.Manager(sub.ID, "subboss")), main.ID) {
		assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err), "a sub-account cannot brand its parent: %s", op)
	}
	for _, ev := range env.Events(t, other.ID) {
		assert.Equal(t, other.ID, ev.AccountID, "the probes are recorded in the prober's own account")
	}
	c, err := svc.Customization(kittest.As(kittest.Manager(main.ID, "boss")), sub.ID)
	require.NoError(t, err)
	assert.Equal(t, account.ThemeLight, c.Theme, "nothing changed")
	assert.Empty(t, c.Hostname)
}

// rawLogo uploads body with the content type through HTTP.
func rawLogo(t *testing.T, env *kittest.Env, id, token, ct string, body []byte) *kittest.Response {
	t.Helper()
	req, err := http.NewRequest("PUT", env.Server.URL+"/api/v1/accounts/"+id+"/customization/logo", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "Bearer "+token)
	return send(t, env, req)
}

func send(t *testing.T, env *kittest.Env, req *http.Request) *kittest.Response {
	t.Helper()
	resp, err := env.Server.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return &kittest.Response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

func multipartLogo(t *testing.T, part, ct string, data []byte) (string, []byte) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	h := make(map[string][]string)
	h["Content-Disposition"] = []string{`form-data; name="` + part + `"; filename="logo"`}
	h["Content-Type"] = []string{ct}
	w, err := mw.CreatePart(h)
	require.NoError(t, err)
	_, _ = w.Write(data)
	require.NoError(t, mw.Close())
	return mw.FormDataContentType(), b.Bytes()
}

func TestHTTP_Customization(t *testing.T) {
	t.Parallel()
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env, dns := customEnv(t, open)
			main := env.MainAccount(t, "acme")
			env.ActiveUser(t, main, "boss", security.RoleAccountManager)
			tok := env.Login(t, "boss", kittest.Password)
			base := "/api/v1/accounts/" + main.ID + "/customization"

			r := env.Do(t, "GET", base, tok, nil)
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			assert.Contains(t, string(r.Body), `"theme":"light"`)
			assert.Contains(t, string(r.Body), `"languages":["en","de"`)

			// Hostname: records in the answer; verify through DNS.
			r = env.Do(t, "PUT", base+"/hostname", tok, map[string]string{"hostname": "login.acme.example"})
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			var out struct {
				DNSRecords []account.DNSRecord `json:"dns_records"`
				Status     string              `json:"hostname_status"`
				LogoURL    string              `json:"logo_url"`
			}
			r.JSON(t, &out)
			require.Len(t, out.DNSRecords, 2)
			dns.set(out.DNSRecords)
			r = env.Do(t, "POST", base+"/hostname/verify", tok, nil)
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			r.JSON(t, &out)
			assert.Equal(t, "verified", out.Status)
			for _, bad := range []any{map[string]string{"hostname": "1.2.3.4"}, map[string]any{"hostname": 5}, map[string]string{"host": "x.y"}, "{"} {
				r = env.Do(t, "PUT", base+"/hostname", tok, bad)
				assert.Equal(t, http.StatusBadRequest, r.Status, "%v", bad)
				assert.Equal(t, "Setting host name failed.", env.LastEvent(t, main.ID).Description)
			}

			// Logo, raw and multipart.
			logo := pngOf(t, 32, 32)
			r = rawLogo(t, env, main.ID, tok, "image/png", logo)
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			r.JSON(t, &out)
			require.True(t, strings.HasPrefix(out.LogoURL, "/api/v1/branding/acme/logo?v="), out.LogoURL)
			ct, body := multipartLogo(t, "logo", "image/gif", gifOf(t, 150, 150))
			r = rawLogo(t, env, main.ID, tok, ct, body)
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			r.JSON(t, &out)
			gifURL := out.LogoURL

			for name, c := range map[string]struct {
				ct     string
				body   []byte
				status int
				msg    string
			}{
				"PNGAsJPEG": {"image/jpeg", logo, 400, "not image/jpeg"},
				"HTMLAsPNG": {"image/png", []byte("<html><script>x</script></html>"), 400, "not image/png"},
				"SVG":       {"image/svg+xml", []byte("<svg/>"), 400, "SVG"},
				"Bomb":      {"image/png", bombPNG(t, 10000, 10000), 400, "150 × 150"},
				"Big":       {"image/png", append(pngOf(t, 1, 1), make([]byte, account.MaxLogoBytes)...), 422, "5 MB"},
				"Huge":      {"image/png", make([]byte, account.MaxLogoBytes+200<<10), 422, "5 MB"},
				"NoType":    {"", logo, 400, "Content-Type"},
			} {
				r = rawLogo(t, env, main.ID, tok, c.ct, c.body)
				assert.Equal(t, c.status, r.Status, name)
				assert.Contains(t, r.Problem(t)["detail"], c.msg, name)
				assert.Equal(t, "Logo update failed.", env.LastEvent(t, main.ID).Description, name)
			}
			ct, body = multipartLogo(t, "file", "image/png", logo)
			r = rawLogo(t, env, main.ID, tok, ct, body)
			assert.Equal(t, http.StatusBadRequest, r.Status)
			assert.Contains(t, r.Problem(t)["detail"], "no part named logo")

			// Public logo: headers, ETag, 304.
			r = env.Do(t, "GET", gifURL, "", nil)
			require.Equal(t, http.StatusOK, r.Status)
			assert.Equal(t, "image/gif", r.Header.Get("Content-Type"))
			assert.Equal(t, "nosniff", r.Header.Get("X-Content-Type-Options"))
			assert.Contains(t, r.Header.Get("Cache-Control"), "immutable")
			etag := r.Header.Get("ETag")
			require.Len(t, etag, 66)
			req, _ := http.NewRequest("GET", env.Server.URL+"/api/v1/branding/acme/logo", nil)
			req.Header.Set("If-None-Match", etag)
			r = send(t, env, req)
			assert.Equal(t, http.StatusNotModified, r.Status)
			assert.Empty(t, r.Body)
			assert.Equal(t, "public, no-cache", r.Header.Get("Cache-Control"))
			req.Header.Set("If-None-Match", `"stale"`)
			assert.Equal(t, http.StatusOK, send(t, env, req).Status)

			// Theme and language.
			r = env.Do(t, "PUT", base+"/theme", tok, map[string]any{"theme": "custom", "colors": map[string]string{"primary": "#FF0000"}})
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			r = env.Do(t, "PUT", base+"/theme", tok, map[string]any{"theme": "custom", "colors": map[string]string{"primary": "red"}})
			assert.Equal(t, http.StatusBadRequest, r.Status)
			assert.Equal(t, "colors.primary", r.Problem(t)["fields"].([]any)[0].(map[string]any)["field"])
			r = env.Do(t, "PUT", base+"/language", tok, map[string]string{"language": "fr"})
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			r = env.Do(t, "PUT", base+"/language", tok, map[string]string{"language": "xx"})
			assert.Equal(t, http.StatusBadRequest, r.Status)

			// Public branding, by slug and by host; nothing else leaks.
			r = env.Do(t, "GET", "/api/v1/branding/acme", "", nil)
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			var b map[string]any
			r.JSON(t, &b)
			assert.Equal(t, map[string]any{"name": "Acme", "slug": "acme", "logo_url": gifURL, "theme": "custom",
				"colors": map[string]any{"primary": "#ff0000"}, "language": "fr"}, b)
			r = env.Do(t, "GET", "/api/v1/branding?host=LOGIN.acme.example:443", "", nil)
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			assert.Contains(t, string(r.Body), `"slug":"acme"`)
			for _, path := range []string{"/api/v1/branding/nobody", "/api/v1/branding?host=unknown.example", "/api/v1/branding?host=",
				"/api/v1/branding/nobody/logo", "/api/v1/branding/a%2F..%2Fb"} {
				assert.Equal(t, http.StatusNotFound, env.Do(t, "GET", path, "", nil).Status, path)
			}

			// Disabled accounts disappear from the public routes.
			sub := env.SubAccount(t, main, "acme-eu")
			_, err := env.Kit.Accounts.SetLogo(kittest.As(kittest.Manager(main.ID, "boss")), sub.ID, "image/png", logo)
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, env.Do(t, "GET", "/api/v1/branding/acme-eu/logo", "", nil).Status)
			_, err = env.Kit.Accounts.Disable(env.System(), sub.ID)
			require.NoError(t, err)
			assert.Equal(t, http.StatusNotFound, env.Do(t, "GET", "/api/v1/branding/acme-eu", "", nil).Status)
			assert.Equal(t, http.StatusNotFound, env.Do(t, "GET", "/api/v1/branding/acme-eu/logo", "", nil).Status)

			// Another tree gets 404 on every customization route.
			other := env.MainAccount(t, "other")
			env.ActiveUser(t, other, "eve", security.RoleAccountManager)
			eve := env.Login(t, "eve", kittest.Password)
			for _, c := range []struct{ method, path string }{{"GET", ""}, {"PUT", "/hostname"}, {"POST", "/hostname/verify"},
				{"PUT", "/theme"}, {"PUT", "/language"}, {"DELETE", "/logo"}} {
				var body any
				if c.method == "PUT" {
					body = map[string]string{}
				}
				r := env.Do(t, c.method, base+c.path, eve, body)
				assert.Contains(t, []int{http.StatusNotFound, http.StatusBadRequest}, r.Status, c.path)
			}
			assert.Equal(t, http.StatusNotFound, rawLogo(t, env, main.ID, eve, "image/png", logo).Status)
			r = env.Do(t, "GET", base, eve, nil)
			assert.Equal(t, http.StatusNotFound, r.Status)
		})
	}
}
