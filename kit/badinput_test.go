package kit_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/api"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/seats"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/teams"
)

// raw sends a request to the kit's own handler, without the OpenAPI
// validator in front: hostile input must reach the server as sent.
func raw(env *kittest.Env, method, target, token, body string) *httptest.ResponseRecorder {
	var req *http.Request
	if body == "" {
		req = httptest.NewRequest(method, "http://app.test/", nil)
	} else {
		req = httptest.NewRequest(method, "http://app.test/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	// The target is set by hand so that bytes httptest would refuse to
	// parse (e.g. %00) still travel as the client sent them.
	u, err := url.ParseRequestURI(target)
	if err != nil {
		panic(err)
	}
	req.URL, req.RequestURI = u, target
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	env.Kit.Handler().ServeHTTP(w, req)
	return w
}

type queryParam struct{ name, typ, format string }

// documentedQueries returns every GET operation of the OpenAPI document
// that takes query parameters, with those parameters.
func documentedQueries(t *testing.T) map[string][]queryParam {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
		Comp  struct {
			Parameters map[string]json.RawMessage `json:"parameters"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal(api.OpenAPI, &doc))
	type param struct {
		Ref    string `json:"$ref"`
		Name   string `json:"name"`
		In     string `json:"in"`
		Schema struct {
			Type   any    `json:"type"`
			Format string `json:"format"`
		} `json:"schema"`
	}
	resolve := func(raw json.RawMessage) param {
		var p param
		require.NoError(t, json.Unmarshal(raw, &p))
		if p.Ref != "" {
			name := p.Ref[strings.LastIndex(p.Ref, "/")+1:]
			require.NoError(t, json.Unmarshal(doc.Comp.Parameters[name], &p))
		}
		return p
	}
	params := func(raw json.RawMessage) []json.RawMessage {
		var ps []json.RawMessage
		if raw != nil {
			require.NoError(t, json.Unmarshal(raw, &ps))
		}
		return ps
	}
	out := map[string][]queryParam{}
	for path, item := range doc.Paths {
		get, ok := item["get"]
		if !ok {
			continue
		}
		var op struct {
			Parameters json.RawMessage `json:"parameters"`
		}
		require.NoError(t, json.Unmarshal(get, &op))
		for _, r := range append(params(item["parameters"]), params(op.Parameters)...) {
			p := resolve(r)
			if p.In == "query" {
				typ, _ := p.Schema.Type.(string)
				out[path] = append(out[path], queryParam{p.Name, typ, p.Schema.Format})
			}
		}
	}
	return out
}

// TestBadInput_QueryParameters sends hostile values in every query
// parameter of every documented GET operation, on every store: NUL and
// other control characters, bytes that are not UTF-8, out-of-range
// numbers and dates. None may answer 5xx, and a text or date parameter
// carrying them is refused with 400 rather than searched for or echoed.
func TestBadInput_QueryParameters(t *testing.T) {
	t.Parallel()
	queries := documentedQueries(t)
	require.Greater(t, len(queries), 15, "the document's GET operations with query parameters")
	paths := make([]string, 0, len(queries))
	for p := range queries {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := kittest.NewWithStore(t, open(t))
			main := env.MainAccount(t, "acme")
			env.ActiveUser(t, main, "alice")
			team, err := env.Kit.Teams.Create(kittest.As(kittest.Manager(main.ID, "boss")), teams.CreateInput{AccountID: main.ID, Name: "Ops"})
			require.NoError(t, err)
			tok := env.Tokens.Issue(kittest.Manager(main.ID, "boss"))
			fill := func(path string) string {
				r := strings.NewReplacer("{slug}", "acme", "{id}", main.ID)
				if strings.HasPrefix(path, "/api/v1/teams/") {
					r = strings.NewReplacer("{id}", team.ID)
				}
				return r.Replace(path)
			}
			text := []string{"%00", "a%00b", "%01", "%1B%5B31m", "%C2%85", "%FF", "%C3%28", "%ED%A0%80"}
			dates := []string{"0000-01-01T00:00:00Z", "10000-01-01T00:00:00Z", "2024-13-01T00:00:00Z", "2024-01-01T00:00:00%00Z", "-1"}
			numbers := []string{"-1", "99999999999999999999", "1e3", "%00", "%FF"}
			bools := []string{"maybe", "%00", "%FF"}
			for _, path := range paths {
				for _, q := range queries[path] {
					var values []string
					switch {
					case q.format == "date-time":
						values = dates
					case q.typ == "integer":
						values = numbers
					case q.typ == "boolean":
						values = bools
					default:
						values = text
					}
					for _, v := range values {
						target := fill(path) + "?" + q.name + "=" + v
						w := raw(env, "GET", target, tok, "")
						if !assert.Less(t, w.Code, 500, "%s: %s", target, w.Body.String()) {
							continue
						}
						// A login route answers 404 (no SSO) before reading
						// return_to; the logo's cache-buster is ignored.
						if strings.HasPrefix(path, "/login/") || q.name == "v" {
							continue
						}
						// An ID or hostname that cannot exist answers as any
						// unknown one does (404), so IDs cannot be probed.
						if lookup := strings.HasSuffix(q.name, "_id") || q.name == "account" || q.name == "host"; lookup && w.Code == http.StatusNotFound {
							continue
						}
						assert.Equal(t, http.StatusBadRequest, w.Code, "%s: %s", target, w.Body.String())
						assert.Contains(t, w.Body.String(), q.name, "%s: the problem names the parameter", target)
					}
				}
			}
		})
	}
}

// TestBadInput_Bodies: hostile JSON bodies are refused with 400 naming
// the field, and change nothing, on every store.
func TestBadInput_Bodies(t *testing.T) {
	t.Parallel()
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := kittest.NewWithStore(t, open(t))
			main := env.MainAccount(t, "acme")
			boss := kittest.Manager(main.ID, "boss")
			tok := env.Tokens.Issue(boss)
			_, err := env.Kit.Seats.SetPurchased(env.System(), main.ID, 10)
			require.NoError(t, err)
			many := make([]string, 60000)
			for i := range many {
				many[i] = string(security.PermUsersRead)
			}
			manyJSON, err := json.Marshal(map[string]any{"name": "k", "permissions": many})
			require.NoError(t, err)
			rolesBefore := len(listRoles(t, env, tok, main.ID))
			for _, c := range []struct {
				name, method, path, body, field string
			}{
				{"RoleNUL", "POST", "/api/v1/roles", `{"name":"Ops","description":"a\u0000b","permissions":["users.read"]}`, "description"},
				{"RoleNoPermissions", "POST", "/api/v1/roles", `{"name":"Ops"}`, "permissions"},
				{"RoleNullPermissions", "POST", "/api/v1/roles", `{"name":"Ops","permissions":null}`, "permissions"},
				{"RoleLoneSurrogate", "POST", "/api/v1/roles", `{"name":"Op\ud800s","permissions":["users.read"]}`, "name"},
				{"HostnameNull", "PUT", "/api/v1/accounts/" + main.ID + "/customization/hostname", `{"hostname":null}`, "hostname"},
				{"HostnameMissing", "PUT", "/api/v1/accounts/" + main.ID + "/customization/hostname", `{}`, "hostname"},
				{"APIKeyPermissionFlood", "POST", "/api/v1/accounts/" + main.ID + "/api-keys", string(manyJSON), "permissions"},
				{"UserEmailNotUTF8", "POST", "/api/v1/users", `{"account_id":"` + main.ID + `","username":"zed","email":"z` + "\xff" + `@acme.test","first_name":"Z","last_name":"Z","roles":["user"]}`, "email"},
				{"SeatLimitOverflow", "PUT", "/api/v1/seats/accounts/" + main.ID + "/limit", `{"limit":2147483648}`, "limit"},
			} {
				w := raw(env, c.method, c.path, tok, c.body)
				assert.Equal(t, http.StatusBadRequest, w.Code, "%s: %s", c.name, w.Body.String())
				assert.Contains(t, w.Body.String(), c.field, "%s: the problem names the field", c.name)
			}
			assert.Len(t, listRoles(t, env, tok, main.ID), rolesBefore, "no role was created")
			// The refusal of the role whose description holds a NUL is in
			// the audit log (PostgreSQL once lost it: the NUL reached the
			// text column of the failure event).
			var roleFailure bool
			for _, e := range env.Events(t, main.ID) {
				roleFailure = roleFailure || (e.Description == "Role creation failed." && e.TargetName == "Ops")
			}
			assert.True(t, roleFailure, "the refused role is audited")
			keys := raw(env, "GET", "/api/v1/accounts/"+main.ID+"/api-keys", tok, "")
			require.Equal(t, http.StatusOK, keys.Code)
			assert.NotContains(t, keys.Body.String(), `"name":"k"`, "no API key was created")
			users, err := env.Store.FindUsersByEmail(context.Background(), "z\xff@acme.test")
			require.NoError(t, err)
			assert.Empty(t, users, "no user was created")
			_, err = env.Store.GetSeatLimit(context.Background(), main.ID)
			assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err), "no limit was set")
			// The refused limit is in the seat log as a failure, on every
			// store (MariaDB once lost it: the value overflowed its column).
			page, err := env.Store.ListSeatLog(context.Background(), seats.LogFilter{MainAccountID: main.ID, Limit: 100})
			require.NoError(t, err)
			var failed bool
			for _, e := range page {
				if e.Event == seats.EventLimitSet && e.Status == seats.StatusFailure {
					failed = true
				}
			}
			assert.True(t, failed, "the refused limit is logged as a failure")
		})
	}
}

func listRoles(t *testing.T, env *kittest.Env, tok, accountID string) []json.RawMessage {
	t.Helper()
	w := raw(env, "GET", "/api/v1/roles?account_id="+accountID, tok, "")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var out struct {
		Roles []json.RawMessage `json:"items"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &out))
	return out.Roles
}
