package kit_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/security"
)

func TestHTTP_Authentication(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	main := env.MainAccount(t, "acme")

	r := env.Do(t, "GET", "/api/v1/account", "", nil)
	assert.Equal(t, http.StatusUnauthorized, r.Status)
	assert.Equal(t, "unauthenticated", r.Problem(t)["code"])
	r = env.Do(t, "GET", "/api/v1/account", "not-a-real-token", nil)
	assert.Equal(t, http.StatusUnauthorized, r.Status)
	assert.NotEmpty(t, r.Header.Get("WWW-Authenticate"))

	tok := env.Tokens.Issue(kittest.Member(main.ID, "clerk"))
	r = env.Do(t, "GET", "/api/v1/account", tok, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var acc map[string]any
	r.JSON(t, &acc)
	assert.Equal(t, "acme", acc["slug"])
	assert.NotEmpty(t, r.Header.Get("X-Request-ID"))

	r = env.Do(t, "GET", "/api/v1/nope", tok, nil)
	assert.Equal(t, http.StatusNotFound, r.Status)
	assert.Equal(t, "not_found", r.Problem(t)["code"])
}

// TestHTTP_BadInput sends every kind of bad request to the account
// handlers: each gets the right 4xx problem, nothing changes, and the
// auditable ones leave a failure event.
func TestHTTP_BadInput(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	main := env.MainAccount(t, "acme")
	sub := env.SubAccount(t, main, "acme-eu")
	env.SubAccount(t, main, "acme-us")
	other := env.MainAccount(t, "globex")
	boss := env.Tokens.Issue(kittest.Manager(main.ID, "boss"))
	clerk := env.Tokens.Issue(kittest.Member(main.ID, "clerk", security.PermAuditRead))
	intruder := env.Tokens.Issue(kittest.Manager(other.ID, "mallory"))
	create := "/api/v1/accounts/" + main.ID + "/subaccounts"
	update := "/api/v1/accounts/" + sub.ID
	missing := "/api/v1/accounts/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"

	tests := []struct {
		name, method, path, token string
		body                      any
		contentType               string
		status                    int
		code, field               string
		audited                   bool
	}{
		{"oversized body", "POST", create, boss, `{"name":"` + strings.Repeat("a", 2<<20) + `","slug":"big-one"}`, "", 413, "limit_exceeded", "", true},
		{"malformed JSON", "POST", create, boss, `{"name": "x", "slug": `, "", 400, "invalid", "", true},
		{"not JSON", "POST", create, boss, `name=x&slug=y`, "", 400, "invalid", "", true},
		{"wrong content type", "POST", create, boss, `{"name":"x","slug":"xyz"}`, "text/plain", 400, "invalid", "", true},
		{"unknown field", "POST", create, boss, `{"name":"x","slug":"xyz","admin":true}`, "", 400, "invalid", "admin", true},
		{"trailing data", "POST", create, boss, `{"name":"x","slug":"xyz"} {"name":"y"}`, "", 400, "invalid", "", true},
		{"wrong type", "POST", create, boss, `{"name":42,"slug":"xyz"}`, "", 400, "invalid", "name", true},
		{"empty body", "POST", create, boss, ``, "", 400, "invalid", "", true},
		{"empty name", "POST", create, boss, `{"name":"","slug":"xyz"}`, "", 400, "invalid", "name", true},
		{"long name", "POST", create, boss, `{"name":"` + strings.Repeat("n", 101) + `","slug":"xyz"}`, "", 400, "invalid", "name", true},
		{"invalid slug", "POST", create, boss, `{"name":"x","slug":"Not A Slug"}`, "", 400, "invalid", "slug", true},
		{"duplicate slug", "POST", create, boss, `{"name":"x","slug":"acme-us"}`, "", 409, "conflict", "slug", true},
		{"duplicate slug on update", "PATCH", update, boss, `{"slug":"acme-us"}`, "", 409, "conflict", "slug", true},
		{"unknown id", "PATCH", missing, boss, `{"name":"x"}`, "", 404, "not_found", "", true},
		{"malformed id", "GET", "/api/v1/accounts/abc", boss, nil, "", 404, "not_found", "", false},
		{"wrong permission", "POST", create, clerk, `{"name":"x","slug":"xyz"}`, "", 403, "forbidden", "", true},
		{"other tenant", "POST", create, intruder, `{"name":"x","slug":"xyz"}`, "", 404, "not_found", "", false},
		{"other tenant disable", "POST", update + "/disable", intruder, nil, "", 404, "not_found", "", false},
		{"bad limit", "GET", create + "?limit=abc", boss, nil, "", 400, "invalid", "limit", false},
		{"bad bool", "GET", create + "?descendants=maybe", boss, nil, "", 400, "invalid", "descendants", false},
		{"bad status filter", "GET", create + "?status=zombie", boss, nil, "", 400, "invalid", "status", false},
		{"bad audit range", "GET", "/api/v1/audit/events?range=forever", boss, nil, "", 400, "invalid", "range", false},
		{"bad audit time", "GET", "/api/v1/audit/events?range=custom&from=yesterday", boss, nil, "", 400, "invalid", "from", false},
		{"audit without permission", "GET", "/api/v1/audit/events", env.Tokens.Issue(kittest.Member(main.ID, "nobody")), nil, "", 403, "forbidden", "", false},
		{"audit of other tenant", "GET", "/api/v1/audit/events?account_id=" + main.ID, intruder, nil, "", 404, "not_found", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := env.Events(t, main.ID)
			accountsBefore := countAccounts(t, env)
			var r *kittest.Response
			if tt.contentType != "" {
				req, err := http.NewRequest(tt.method, env.Server.URL+tt.path, strings.NewReader(tt.body.(string)))
				require.NoError(t, err)
				req.Header.Set("Content-Type", tt.contentType)
				req.Header.Set("Authorization", "Bearer "+tt.token)
				resp, err := http.DefaultClient.Do(req)
				require.NoError(t, err)
				resp.Body.Close()
				r = &kittest.Response{Status: resp.StatusCode, Header: resp.Header, Body: []byte(`{}`)}
				assert.Equal(t, tt.status, r.Status)
			} else {
				r = env.Do(t, tt.method, tt.path, tt.token, tt.body)
				require.Equal(t, tt.status, r.Status, string(r.Body))
				p := r.Problem(t)
				assert.Equal(t, tt.code, p["code"])
				assert.EqualValues(t, tt.status, p["status"])
				assert.NotEmpty(t, p["request_id"])
				if tt.field != "" {
					fields, _ := p["fields"].([]any)
					require.NotEmpty(t, fields, "fields")
					assert.Equal(t, tt.field, fields[0].(map[string]any)["field"])
				}
			}
			assert.Equal(t, accountsBefore, countAccounts(t, env), "nothing created")
			got, err := env.Store.GetAccount(context.Background(), sub.ID)
			require.NoError(t, err)
			assert.Equal(t, "acme-eu", got.Slug, "nothing changed")
			after := env.Events(t, main.ID)
			if tt.audited {
				require.Len(t, after, len(before)+1, "a failure event")
				assert.Equal(t, audit.StatusFailure, after[0].Status)
				assert.Equal(t, audit.ItemAccount, after[0].Item)
			} else {
				assert.Len(t, after, len(before), "no event in the victim's log")
			}
		})
	}
}

func countAccounts(t *testing.T, env *kittest.Env) int {
	n := 0
	for _, slug := range []string{"acme", "globex"} {
		a, err := env.Store.GetAccountBySlug(context.Background(), slug)
		require.NoError(t, err)
		ids, err := env.Store.AccountSubtree(context.Background(), a.ID)
		require.NoError(t, err)
		n += len(ids)
	}
	return n
}

// TestHTTP_AccountsAndAudit walks the happy path through HTTP: create,
// rename, disable and list sub-accounts, then read, export and verify the
// log that recorded it.
func TestHTTP_AccountsAndAudit(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	main := env.MainAccount(t, "acme")
	boss := env.Tokens.Issue(kittest.Manager(main.ID, "boss"))
	base := "/api/v1/accounts/" + main.ID

	var created map[string]any
	for i := 0; i < 3; i++ {
		r := env.Do(t, "POST", base+"/subaccounts", boss, map[string]string{"name": fmt.Sprintf("Region %d", i), "slug": fmt.Sprintf("acme-r%d", i)})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
		r.JSON(t, &created)
	}
	id := created["id"].(string)
	assert.Equal(t, main.ID, created["parent_id"])
	r := env.Do(t, "PATCH", "/api/v1/accounts/"+id, boss, map[string]string{"name": "Region Two"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r = env.Do(t, "POST", "/api/v1/accounts/"+id+"/disable", boss, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r = env.Do(t, "GET", "/api/v1/accounts/"+id, boss, nil)
	require.Equal(t, http.StatusOK, r.Status)
	var got map[string]any
	r.JSON(t, &got)
	assert.Equal(t, "disabled", got["status"])
	assert.Equal(t, "Region Two", got["name"])

	var page struct {
		Items      []map[string]any `json:"items"`
		NextCursor string           `json:"next_cursor"`
	}
	r = env.Do(t, "GET", base+"/subaccounts?limit=2", boss, nil)
	require.Equal(t, http.StatusOK, r.Status)
	r.JSON(t, &page)
	require.Len(t, page.Items, 2)
	require.NotEmpty(t, page.NextCursor)
	r = env.Do(t, "GET", base+"/subaccounts?limit=2&cursor="+page.NextCursor, boss, nil)
	page.NextCursor = ""
	r.JSON(t, &page)
	require.Len(t, page.Items, 1)
	assert.Equal(t, "acme-r2", page.Items[0]["slug"])
	assert.Empty(t, page.NextCursor)

	r = env.Do(t, "GET", "/api/v1/audit/events?include_subaccounts=true&item=Account&range=today", boss, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &page)
	require.Len(t, page.Items, 6) // main + 3 creates, update, disable
	assert.Equal(t, "Disable", page.Items[0]["action"])
	assert.Equal(t, "boss", page.Items[0]["actor"])

	r = env.Do(t, "GET", "/api/v1/audit/events/export?include_subaccounts=true", boss, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	assert.Equal(t, "text/csv; charset=utf-8", r.Header.Get("Content-Type"))
	rows, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
	require.NoError(t, err)
	assert.Len(t, rows, 7)

	r = env.Do(t, "GET", "/api/v1/audit/events/export?status=nope", boss, nil)
	assert.Equal(t, http.StatusBadRequest, r.Status)
	assert.Equal(t, "invalid", r.Problem(t)["code"])

	r = env.Do(t, "GET", "/api/v1/audit/verify", boss, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var v map[string]any
	r.JSON(t, &v)
	assert.Equal(t, true, v["ok"])
	assert.EqualValues(t, 8, v["events"]) // 6 account events, the export and the refused export
}
