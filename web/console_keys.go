package web

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/apikeys"
	"github.com/accountkit/accountkit/security"
)

// keyRow is one API key as the page lists it.
type keyRow struct {
	*apikeys.Key
	State apikeys.State
}

// apiKeysView is the API keys page's data.
type apiKeysView struct {
	Keys []keyRow
	// Perms are the permissions a new key may carry: the creator's own.
	Perms   []security.Permission
	Checked map[security.Permission]bool
	// Created is the key just created, with its secret shown this once.
	Created *apikeys.Created
	Next    string
}

func (h *Handler) apiKeysData(rq *request, p *page, v *apiKeysView) bool {
	page, err := h.svc.APIKeys.List(rq.ctx(), apikeys.ListInput{AccountID: rq.p.AccountID, IncludeRevoked: true,
		Cursor: clipToken(rq.r.URL.Query().Get("cursor")), Limit: 50})
	if accountkit.ErrorCode(err) == accountkit.Invalid { // a bad cursor: the first page
		page, err = h.svc.APIKeys.List(rq.ctx(), apikeys.ListInput{AccountID: rq.p.AccountID, IncludeRevoked: true, Limit: 50})
	}
	if err != nil {
		rq.refused(err)
		return false
	}
	now := h.clock.Now()
	for _, k := range page.Keys {
		v.Keys = append(v.Keys, keyRow{Key: k, State: k.StateAt(now)})
	}
	if page.NextCursor != "" {
		v.Next = withQuery(h.base+routeAPIKeys, "cursor", page.NextCursor)
	}
	v.Perms = rq.p.Permissions.List()
	slices.Sort(v.Perms)
	if v.Checked == nil {
		v.Checked = map[security.Permission]bool{}
	}
	p.Data = v
	return true
}

// apiKeysPage serves GET routeAPIKeys.
func (h *Handler) apiKeysPage(rq *request) {
	p := rq.consolePage("console.apikeys_title", "apikeys")
	if h.apiKeysData(rq, p, &apiKeysView{}) {
		rq.render(http.StatusOK, "apikeys", p)
	}
}

// apiKeyCreate serves POST routeAPIKeys. The answer is the page itself
// (never a redirect), so the secret is shown once and never lands in a
// URL or the browser history.
func (h *Handler) apiKeyCreate(rq *request) {
	f := h.parseForm(rq.w, rq)
	p := rq.consolePage("console.apikeys_title", "apikeys")
	v := &apiKeysView{Checked: map[security.Permission]bool{}}
	in := apikeys.CreateInput{Name: strings.TrimSpace(f.get("name"))}
	if f.fields["name"] == "" {
		p.Values["name"] = f.get("name")
	}
	for _, perm := range rq.r.PostForm["permissions"] {
		if len(perm) <= 64 && len(in.Permissions) < apikeys.MaxPermissions {
			in.Permissions = append(in.Permissions, security.Permission(perm))
			v.Checked[security.Permission(perm)] = true
		}
	}
	if days := f.get("days"); days != "" {
		p.Values["days"] = days
		var n int
		for _, c := range days {
			if c < '0' || c > '9' || n > 1000 {
				n = -1
				break
			}
			n = n*10 + int(c-'0')
		}
		if n <= 0 {
			if !h.apiKeysData(rq, p, v) {
				return
			}
			p.FieldErrors["days"] = rq.tr.T("console.days_invalid")
			p.Error = rq.tr.T("error.summary")
			rq.render(http.StatusUnprocessableEntity, "apikeys", p)
			return
		}
		exp := h.clock.Now().Add(time.Duration(n) * 24 * time.Hour)
		in.ExpiresAt = &exp
	}
	if f.bad() {
		if h.apiKeysData(rq, p, v) {
			rq.render(rq.formProblem(p, f), "apikeys", p)
		}
		return
	}
	created, err := h.svc.APIKeys.Create(rq.ctx(), rq.p.AccountID, in)
	if err != nil {
		if e := accountkit.ErrorCode(err); e == accountkit.NotFound {
			rq.refused(err)
			return
		}
		status := rq.applyError(p, err)
		if status == 0 {
			rq.fail(err)
			return
		}
		if len(p.FieldErrors) > 0 {
			if msg, ok := p.FieldErrors["expires_at"]; ok {
				p.FieldErrors["days"] = msg
			}
		}
		if h.apiKeysData(rq, p, v) {
			rq.render(status, "apikeys", p)
		}
		return
	}
	v = &apiKeysView{Created: created}
	delete(p.Values, "name")
	delete(p.Values, "days")
	if h.apiKeysData(rq, p, v) {
		p.Notice = rq.tr.T("notice.key_created")
		rq.render(http.StatusCreated, "apikeys", p)
	}
}

// apiKeyRevoke serves POST routeAPIKeyRevoke.
func (h *Handler) apiKeyRevoke(rq *request) {
	f := h.parseForm(rq.w, rq)
	if f.bad() {
		p := rq.consolePage("console.apikeys_title", "apikeys")
		if h.apiKeysData(rq, p, &apiKeysView{}) {
			rq.render(rq.formProblem(p, f), "apikeys", p)
		}
		return
	}
	if _, err := h.svc.APIKeys.Revoke(rq.ctx(), rq.r.PathValue("id")); err != nil {
		rq.refused(err)
		return
	}
	rq.redirect(h.base + routeAPIKeys + "?done=key_revoked")
}
