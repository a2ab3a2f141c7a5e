package account

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/internal/httpx"
)

// Routes of the customization API. The branding and logo routes are
// public: the host's login page calls them before anyone signs in.
const (
	RouteGetCustomization = "GET /api/v1/accounts/{id}/customization"
	RouteSetHostname      = "PUT /api/v1/accounts/{id}/customization/hostname"
	RouteVerifyHostname   = "POST /api/v1/accounts/{id}/customization/hostname/verify"
	RouteSetLogo          = "PUT /api/v1/accounts/{id}/customization/logo"
	RouteDeleteLogo       = "DELETE /api/v1/accounts/{id}/customization/logo"
	RouteSetTheme         = "PUT /api/v1/accounts/{id}/customization/theme"
	RouteSetLanguage      = "PUT /api/v1/accounts/{id}/customization/language"
	RouteBrandingBySlug   = "GET /api/v1/branding/{slug}"
	RouteBrandingByHost   = "GET /api/v1/branding"
	RouteLogo             = "GET /api/v1/branding/{slug}/logo"
)

// maxLogoRequest bounds a logo upload: the image plus multipart overhead.
const maxLogoRequest = MaxLogoBytes + 64<<10

// customizationRoutes are the customization routes.
func (h *Handler) customizationRoutes() []httpx.Route {
	return []httpx.Route{
		{Pattern: RouteGetCustomization, Serve: h.getCustomization},
		{Pattern: RouteSetHostname, Serve: h.setHostname},
		{Pattern: RouteVerifyHostname, Serve: h.verifyHostname},
		{Pattern: RouteSetLogo, Serve: h.setLogo},
		{Pattern: RouteDeleteLogo, Serve: h.deleteLogo},
		{Pattern: RouteSetTheme, Serve: h.setTheme},
		{Pattern: RouteSetLanguage, Serve: h.setLanguage},
		{Pattern: RouteBrandingBySlug, Serve: h.brandingBySlug},
		{Pattern: RouteBrandingByHost, Serve: h.brandingByHost},
		{Pattern: RouteLogo, Serve: h.logo},
	}
}

// getCustomization serves RouteGetCustomization.
func (h *Handler) getCustomization(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.Customization(r.Context(), r.PathValue("id"))
	h.replyCustomization(w, r, c, err)
}

// setHostname serves RouteSetHostname: {"hostname": "login.example.com"},
// "" removes it. The answer lists the DNS records to create.
func (h *Handler) setHostname(w http.ResponseWriter, r *http.Request) {
	var in hostnameIn
	if err := httpx.DecodeJSON(w, r, h.maxBody, &in); err != nil {
		h.svc.refused(r.Context(), hostnameEntry(r.PathValue("id")), err)
		h.Fail(w, r, err)
		return
	}
	setup, err := h.svc.SetHostname(r.Context(), r.PathValue("id"), in.Hostname)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	h.replyCustomization(w, r, setup.Customization, nil)
}

// verifyHostname serves RouteVerifyHostname.
func (h *Handler) verifyHostname(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.VerifyHostname(r.Context(), r.PathValue("id"))
	h.replyCustomization(w, r, c, err)
}

// setLogo serves RouteSetLogo: either multipart/form-data with the image in
// the part "logo" (its own Content-Type declares the format), or the raw
// image as the body with its Content-Type.
func (h *Handler) setLogo(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	ct, data, err := readLogo(w, r)
	if err != nil {
		h.svc.refused(r.Context(), logoEntry(id), err)
		h.Fail(w, r, err)
		return
	}
	c, err := h.svc.SetLogo(r.Context(), id, ct, data)
	h.replyCustomization(w, r, c, err)
}

func readLogo(w http.ResponseWriter, r *http.Request) (string, []byte, error) {
	body := http.MaxBytesReader(w, r.Body, maxLogoRequest)
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return "", nil, accountkit.InvalidField("logo", "the request needs a Content-Type: multipart/form-data or the image's type")
	}
	if mt != "multipart/form-data" {
		data, err := readAtMost(body, MaxLogoBytes)
		return mt, data, err
	}
	if params["boundary"] == "" {
		return "", nil, accountkit.InvalidField("logo", "malformed multipart body")
	}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return "", nil, accountkit.InvalidField("logo", "the form has no part named logo")
		}
		if err != nil {
			return "", nil, bodyError(err, "malformed multipart body")
		}
		if part.FormName() != "logo" {
			continue
		}
		data, err := readAtMost(part, MaxLogoBytes)
		return part.Header.Get("Content-Type"), data, err
	}
}

// readAtMost reads r but stops one byte past max, so an oversized file is
// refused without reading it all.
func readAtMost(r io.Reader, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, bodyError(err, "the body could not be read")
	}
	if int64(len(data)) > max {
		return nil, &accountkit.Error{Code: accountkit.LimitExceeded, Message: "logo: must be at most 5 MB",
			Fields: []accountkit.FieldError{{Field: "logo", Message: "must be at most 5 MB"}}}
	}
	return data, nil
}

func bodyError(err error, msg string) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &accountkit.Error{Code: accountkit.LimitExceeded, Message: "the body is larger than " + strconv.FormatInt(mbe.Limit, 10) + " bytes", Err: mbe}
	}
	return accountkit.InvalidField("logo", msg)
}

// deleteLogo serves RouteDeleteLogo.
func (h *Handler) deleteLogo(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.DeleteLogo(r.Context(), r.PathValue("id"))
	h.replyCustomization(w, r, c, err)
}

// setTheme serves RouteSetTheme: {"theme": "custom", "colors": {...}}.
func (h *Handler) setTheme(w http.ResponseWriter, r *http.Request) {
	var in ThemeInput
	if err := httpx.DecodeJSON(w, r, h.maxBody, &in); err != nil {
		h.svc.refused(r.Context(), themeEntry(r.PathValue("id")), err)
		h.Fail(w, r, err)
		return
	}
	c, err := h.svc.SetTheme(r.Context(), r.PathValue("id"), in)
	h.replyCustomization(w, r, c, err)
}

// setLanguage serves RouteSetLanguage: {"language": "de"}.
func (h *Handler) setLanguage(w http.ResponseWriter, r *http.Request) {
	var in languageIn
	if err := httpx.DecodeJSON(w, r, h.maxBody, &in); err != nil {
		h.svc.refused(r.Context(), languageEntry(r.PathValue("id")), err)
		h.Fail(w, r, err)
		return
	}
	c, err := h.svc.SetLanguage(r.Context(), r.PathValue("id"), in.Language)
	h.replyCustomization(w, r, c, err)
}

// brandingBySlug serves RouteBrandingBySlug (public).
func (h *Handler) brandingBySlug(w http.ResponseWriter, r *http.Request) {
	b, err := h.svc.BrandingBySlug(r.Context(), r.PathValue("slug"))
	h.replyBranding(w, r, b, err)
}

// brandingByHost serves RouteBrandingByHost: ?host=login.example.com (public).
func (h *Handler) brandingByHost(w http.ResponseWriter, r *http.Request) {
	b, err := h.svc.BrandingByHost(r.Context(), r.URL.Query().Get("host"))
	h.replyBranding(w, r, b, err)
}

// logo serves RouteLogo (public): the image with a strong ETag (its
// SHA-256), conditional GET and nosniff. A URL whose ?v= matches the
// current image may be cached for a day; otherwise caches revalidate.
func (h *Handler) logo(w http.ResponseWriter, r *http.Request) {
	l, err := h.svc.Logo(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	etag := `"` + l.SHA256 + `"`
	hdr := w.Header()
	hdr.Set("ETag", etag)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if v := r.URL.Query().Get("v"); v != "" && strings.HasPrefix(l.SHA256, v) && len(v) >= 16 {
		hdr.Set("Cache-Control", "public, max-age=86400, immutable")
	} else {
		hdr.Set("Cache-Control", "public, no-cache")
	}
	if etagMatch(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr.Set("Content-Type", l.ContentType)
	hdr.Set("Content-Length", strconv.Itoa(len(l.Data)))
	hdr.Set("Last-Modified", l.UpdatedAt.UTC().Format(http.TimeFormat))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(l.Data)
	}
}

func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// logoPath is the public URL path of an account's logo, versioned by its
// hash so that a new logo is a new URL.
func logoPath(slug, sha string) string {
	if sha == "" {
		return ""
	}
	return "/api/v1/branding/" + url.PathEscape(slug) + "/logo?v=" + sha[:16]
}

func (h *Handler) replyCustomization(w http.ResponseWriter, r *http.Request, c *Customization, err error) {
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	out := customizationOut{AccountID: c.AccountID, Hostname: c.Hostname, HostnameStatus: c.HostnameStatus,
		HostnameError: c.HostnameError, HostnameCheckedAt: c.HostnameCheckedAt, HostnameVerifiedAt: c.HostnameVerifiedAt,
		DNSRecords: h.svc.Records(c), Theme: c.Theme, Colors: c.Colors, Language: c.Language,
		Languages: httpx.List(h.svc.Languages()), LogoContentType: c.LogoContentType, UpdatedAt: c.UpdatedAt}
	if c.LogoSHA256 != "" {
		out.LogoURL = logoPath(h.svc.slugOf(r.Context(), c.AccountID), c.LogoSHA256)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// slugOf returns the slug of an account the caller was already allowed to
// see, "" when it cannot be read.
func (s *Service) slugOf(ctx context.Context, id string) string {
	a, err := s.store.GetAccount(ctx, id)
	if err != nil {
		return ""
	}
	return a.Slug
}

func (h *Handler) replyBranding(w http.ResponseWriter, r *http.Request, b *Branding, err error) {
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, brandingOut{Name: b.Name, Slug: b.Slug, LogoURL: logoPath(b.Slug, b.LogoSHA256),
		Theme: b.Theme, Colors: b.Colors, Language: b.Language})
}

type hostnameIn struct {
	Hostname string `json:"hostname" required:"true"`
}

type languageIn struct {
	Language string `json:"language"`
}

type customizationOut struct {
	AccountID          string            `json:"account_id"`
	Hostname           string            `json:"hostname,omitempty"`
	HostnameStatus     HostnameStatus    `json:"hostname_status,omitempty"`
	HostnameError      string            `json:"hostname_error,omitempty"`
	HostnameCheckedAt  *time.Time        `json:"hostname_checked_at,omitempty"`
	HostnameVerifiedAt *time.Time        `json:"hostname_verified_at,omitempty"`
	DNSRecords         []DNSRecord       `json:"dns_records,omitempty"`
	Theme              Theme             `json:"theme"`
	Colors             map[string]string `json:"colors,omitempty"`
	Language           string            `json:"language"`
	Languages          []string          `json:"languages"`
	LogoURL            string            `json:"logo_url,omitempty"`
	LogoContentType    string            `json:"logo_content_type,omitempty"`
	UpdatedAt          time.Time         `json:"updated_at"`
}

type brandingOut struct {
	Name     string            `json:"name"`
	Slug     string            `json:"slug"`
	LogoURL  string            `json:"logo_url,omitempty"`
	Theme    Theme             `json:"theme"`
	Colors   map[string]string `json:"colors,omitempty"`
	Language string            `json:"language"`
}
