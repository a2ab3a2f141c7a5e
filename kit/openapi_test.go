package kit_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"image"
	"image/png"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/api"
	"github.com/accountkit/accountkit/apikeys"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/internal/oapitest"
	"github.com/accountkit/accountkit/internal/oidctest"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/notifications"
	"github.com/accountkit/accountkit/reports"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/storage/memory"
	"github.com/accountkit/accountkit/users"
)

// routePattern matches the value of a route constant: a method and a
// ServeMux pattern.
var routePattern = regexp.MustCompile(`^(GET|POST|PUT|PATCH|DELETE) (/\S*)$`)

// declaredRoutes returns every route the library declares: the string
// constants named Route* in the non-test files of the module's packages
// (every handler registers its routes through such constants), as
// "METHOD /path" with ServeMux's "{$}" (exact match) removed.
func declaredRoutes(t *testing.T) []string {
	t.Helper()
	var out []string
	root := ".."
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "storage", "examples", "benchmarks", "internal", "testdata":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if !strings.HasPrefix(name.Name, "Route") || i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					v, _ := strconv.Unquote(lit.Value)
					if routePattern.MatchString(v) {
						out = append(out, strings.TrimSuffix(v, "{$}"))
					}
				}
			}
		}
		return nil
	})
	require.NoError(t, err)
	slices.Sort(out)
	return slices.Compact(out)
}

type openAPIDoc struct {
	OpenAPI    string                                `json:"openapi"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas         map[string]json.RawMessage `json:"schemas"`
		SecuritySchemes map[string]json.RawMessage `json:"securitySchemes"`
	} `json:"components"`
}

type openAPIOp struct {
	OperationID string `json:"operationId"`
	Parameters  []struct {
		Name string `json:"name"`
		In   string `json:"in"`
	} `json:"parameters"`
	Responses map[string]json.RawMessage `json:"responses"`
	Security  []map[string][]string      `json:"security"`
}

func loadDoc(t *testing.T) openAPIDoc {
	t.Helper()
	var doc openAPIDoc
	dec := json.NewDecoder(bytes.NewReader(api.OpenAPI))
	require.NoError(t, dec.Decode(&doc), "api/openapi.json is valid JSON")
	require.True(t, strings.HasPrefix(doc.OpenAPI, "3.1."), "OpenAPI 3.1, got %q", doc.OpenAPI)
	return doc
}

// TestOpenAPI_MatchesRoutes: every declared route is documented and every
// documented operation is declared, with operation IDs unique, path
// parameters declared, security schemes and $refs that resolve.
func TestOpenAPI_MatchesRoutes(t *testing.T) {
	t.Parallel()
	doc := loadDoc(t)
	var documented []string
	ids := map[string]string{}
	for path, item := range doc.Paths {
		for method, raw := range item {
			route := strings.ToUpper(method) + " " + path
			documented = append(documented, route)
			var op openAPIOp
			require.NoError(t, json.Unmarshal(raw, &op), route)
			require.NotEmpty(t, op.OperationID, route)
			if prev, dup := ids[op.OperationID]; dup {
				t.Errorf("operationId %q of %s is also %s's", op.OperationID, route, prev)
			}
			ids[op.OperationID] = route
			var inPath []string
			for _, p := range op.Parameters {
				if p.In == "path" {
					inPath = append(inPath, p.Name)
				}
			}
			var want []string
			for _, m := range regexp.MustCompile(`\{(\w+)\}`).FindAllStringSubmatch(path, -1) {
				want = append(want, m[1])
			}
			assert.ElementsMatch(t, want, inPath, "%s: path parameters", route)
			assert.NotEmpty(t, op.Responses, route)
			for _, req := range op.Security {
				for scheme := range req {
					assert.Contains(t, doc.Components.SecuritySchemes, scheme, route)
				}
			}
		}
	}
	slices.Sort(documented)
	declared := append(declaredRoutes(t), strings.TrimSuffix(api.Route, "{$}"))
	slices.Sort(declared)
	var missing, extra []string
	for _, r := range declared {
		if !slices.Contains(documented, r) {
			missing = append(missing, r)
		}
	}
	for _, r := range documented {
		if !slices.Contains(declared, r) {
			extra = append(extra, r)
		}
	}
	assert.Empty(t, missing, "routes the handlers declare but api/openapi.json does not document")
	assert.Empty(t, extra, "operations api/openapi.json documents but no handler declares")
	assert.Greater(t, len(declared), 90, "the route scan found the handlers' constants")

	for _, ref := range regexp.MustCompile(`"\$ref":\s*"#/components/schemas/([^"]+)"`).FindAllStringSubmatch(string(api.OpenAPI), -1) {
		assert.Contains(t, doc.Components.Schemas, ref[1], "$ref %s resolves", ref[1])
	}
}

// TestOpenAPI_Served: the kit serves the document; every documented
// operation is served (no documented route falls through to "no such
// endpoint", a 405 or the mux's own 404); and every documented operation
// is called at least once, in a scenario that succeeds where a test
// double allows it, with its response validated against the document
// (kittest checks every exchange).
func TestOpenAPI_Served(t *testing.T) {
	t.Parallel()
	dns := &servedDNS{}
	env := kittest.NewWithStore(t, memory.New(), func(o *kit.Options) {
		o.Account.Customization = account.CustomizationOptions{HostnameTarget: "edge.app.test", Resolver: dns}
	})
	h := env.Handler

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	assert.Equal(t, api.OpenAPI, rec.Body.Bytes())

	doc := loadDoc(t)
	fill := strings.NewReplacer("{id}", "01900000-0000-7000-8000-000000000001", "{slug}", "acme")
	for path, item := range doc.Paths {
		for method := range item {
			req := httptest.NewRequest(strings.ToUpper(method), fill.Replace(path), strings.NewReader("{}"))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			route := strings.ToUpper(method) + " " + path
			assert.NotEqual(t, http.StatusMethodNotAllowed, rec.Code, route)
			assert.NotContains(t, rec.Body.String(), "no such endpoint", route)
			assert.NotContains(t, rec.Body.String(), "404 page not found", route)
		}
	}

	t.Run("EveryOperation", func(t *testing.T) { servedScenario(t, env, dns) })
}

// servedDNS answers the custom hostname's records once they are known.
type servedDNS struct {
	mu          sync.Mutex
	txt, target string
}

func (d *servedDNS) LookupTXT(context.Context, string) ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return []string{d.txt}, nil
}

func (d *servedDNS) LookupCNAME(context.Context, string) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.target + ".", nil
}

// servedScenario calls every documented operation, in an order where each
// call can succeed, and fails when one is left out.
func servedScenario(t *testing.T, env *kittest.Env, dns *servedDNS) {
	v, err := oapitest.Default()
	require.NoError(t, err)
	called := map[string]bool{}
	client := *env.Server.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	// call sends one request (JSON unless contentType says otherwise) and
	// requires the status; the exchange is validated by kittest's server.
	call := func(method, path, token, contentType string, body any, want int) *kittest.Response {
		t.Helper()
		var rd io.Reader
		switch b := body.(type) {
		case nil:
		case []byte:
			rd = bytes.NewReader(b)
		case string:
			rd = strings.NewReader(b)
		default:
			j, err := json.Marshal(b)
			require.NoError(t, err)
			rd = bytes.NewReader(j)
			contentType = "application/json"
		}
		req, err := http.NewRequest(method, env.Server.URL+path, rd)
		require.NoError(t, err)
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		op := v.Find(req)
		require.NotNil(t, op, "%s %s is a documented operation", method, path)
		called[op.ID] = true
		resp, err := client.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, want, resp.StatusCode, "%s %s: %s", method, path, data)
		return &kittest.Response{Status: resp.StatusCode, Header: resp.Header, Body: data}
	}
	js := func(method, path, token string, body any, want int) map[string]any {
		t.Helper()
		r := call(method, path, token, "", body, want)
		var out map[string]any
		if len(r.Body) > 0 && strings.Contains(r.Header.Get("Content-Type"), "json") {
			r.JSON(t, &out)
		}
		return out
	}
	sys := env.System()
	main := env.MainAccount(t, "acme")
	_, err = env.Kit.Seats.SetPurchased(sys, main.ID, 10)
	require.NoError(t, err)
	boss := env.Tokens.Issue(kittest.Manager(main.ID, "boss"))
	acc := "/api/v1/accounts/" + main.ID

	// Accounts and security settings.
	js("GET", "/api/v1/openapi.json", "", nil, 200)
	js("GET", "/api/v1/account", boss, nil, 200)
	js("GET", acc, boss, nil, 200)
	js("PATCH", acc, boss, map[string]any{"name": "Acme Inc"}, 200)
	js("GET", acc+"/subaccounts", boss, nil, 200)
	sub := js("POST", acc+"/subaccounts", boss, map[string]any{"name": "Acme EU", "slug": "acme-eu"}, 201)["id"].(string)
	js("POST", "/api/v1/accounts/"+sub+"/disable", boss, nil, 200)
	js("POST", "/api/v1/accounts/"+sub+"/enable", boss, nil, 200)
	js("GET", acc+"/security", boss, nil, 200)
	js("PATCH", acc+"/security", boss, map[string]any{"max_login_attempts": 7}, 200)
	js("PATCH", acc+"/security", boss, map[string]any{"audit_retention_days": 365}, 200)
	js("PUT", acc+"/security/enforced/lockout", boss, nil, 200)
	subSec := js("GET", "/api/v1/accounts/"+sub+"/security", boss, nil, 200)
	assert.Equal(t, main.ID, subSec["inherited_from"].(map[string]any)["lockout_minutes"].(map[string]any)["id"], "a tie is inherited; the own 5 attempts are stricter than 7")
	js("PATCH", "/api/v1/accounts/"+sub+"/security", boss, map[string]any{"max_login_attempts": 9}, 400)
	js("DELETE", acc+"/security/enforced/lockout", boss, nil, 200)
	js("PUT", acc+"/security/enforced/everything", boss, nil, 400)

	// Customization and public branding.
	js("GET", acc+"/customization", boss, nil, 200)
	c := js("PUT", acc+"/customization/hostname", boss, map[string]any{"hostname": "login.acme.example"}, 200)
	for _, rec := range c["dns_records"].([]any) {
		if r := rec.(map[string]any); r["type"] == "TXT" {
			dns.mu.Lock()
			dns.txt, dns.target = r["value"].(string), "edge.app.test"
			dns.mu.Unlock()
		}
	}
	js("POST", acc+"/customization/hostname/verify", boss, nil, 200)
	js("PUT", acc+"/customization/language", boss, map[string]any{"language": "fr"}, 200)
	js("PUT", acc+"/customization/theme", boss, map[string]any{"theme": "custom", "colors": map[string]string{"primary": "#112233"}}, 200)
	call("PUT", acc+"/customization/logo", boss, "image/png", servedPNG(t), 200)
	js("GET", "/api/v1/branding/acme", "", nil, 200)
	js("GET", "/api/v1/branding?host=login.acme.example", "", nil, 200)
	call("GET", "/api/v1/branding/acme/logo", "", "", nil, 200)
	js("DELETE", acc+"/customization/logo", boss, nil, 200)

	// Users, invitations and the signed-in user's own routes.
	js("GET", "/api/v1/users", boss, nil, 200)
	bob := js("POST", "/api/v1/users", boss, map[string]any{"username": "bob", "first_name": "Bob", "last_name": "Builder",
		"email": "bob@acme.test", "phone": "+14155550123", "roles": []string{security.RoleMember}}, 201)["id"].(string)
	user := "/api/v1/users/" + bob
	call("GET", "/api/v1/users/export?format=csv", boss, "", nil, 200)
	js("GET", user, boss, nil, 200)
	js("POST", user+"/invitation", boss, nil, 202)
	inv := env.Mail.Last(t, "bob@acme.test", users.MailInvitation)
	js("POST", "/api/v1/auth/invitation/accept", "", map[string]any{"token": inv.Token, "password": kittest.Password}, 204)
	js("PATCH", user, boss, map[string]any{"first_name": "Robert", "email": "robert@acme.test"}, 200)
	verify := env.Mail.Last(t, "robert@acme.test", users.MailVerifyEmail)
	js("POST", "/api/v1/auth/email/verify", "", map[string]any{"token": verify.Token}, 204)
	js("POST", user+"/lock", boss, nil, 200)
	js("POST", user+"/unlock", boss, nil, 200)
	js("POST", user+"/disable", boss, nil, 200)
	js("POST", user+"/enable", boss, nil, 200)

	login := js("POST", "/api/v1/auth/login", "", map[string]any{"username": "bob", "password": kittest.Password}, 200)
	require.Equal(t, "ok", login["status"])
	tok := login["token"].(string)
	js("GET", "/api/v1/auth/me", tok, nil, 200)
	js("POST", "/api/v1/auth/phone/code", tok, nil, 202)
	js("POST", "/api/v1/auth/phone/verify", tok, map[string]any{"code": env.SMS.LastCode(t, "+14155550123")}, 204)
	js("POST", "/api/v1/auth/password/change", tok, map[string]any{"current_password": kittest.Password, "new_password": "an0ther-Passw0rd!"}, 204)
	js("POST", "/api/v1/auth/password/forgot", "", map[string]any{"username": "bob"}, 202)
	env.Kit.Auth.Wait() // the reset email is sent in the background
	reset := env.Mail.Last(t, "robert@acme.test", users.MailPasswordReset)
	js("POST", "/api/v1/auth/password/reset", "", map[string]any{"token": reset.Token, "password": kittest.Password}, 204)
	tok = js("POST", "/api/v1/auth/login", "", map[string]any{"username": "bob", "password": kittest.Password}, 200)["token"].(string)

	// Two-factor: enroll, regenerate codes, sign in with a code, disable;
	// enroll again and have an admin reset it.
	js("GET", "/api/v1/auth/2fa", tok, nil, 200)
	secret := js("POST", "/api/v1/auth/2fa/enroll", tok, nil, 200)["secret"].(string)
	code := func() string {
		env.Clock.Advance(31 * time.Second) // a TOTP code is single-use
		c, err := totp.GenerateCodeCustom(secret, env.Clock.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		require.NoError(t, err)
		return c
	}
	js("POST", "/api/v1/auth/2fa/enroll/confirm", tok, map[string]any{"code": code()}, 200)
	js("POST", "/api/v1/auth/2fa/recovery-codes", tok, map[string]any{"code": code()}, 200)
	ch := js("POST", "/api/v1/auth/login", "", map[string]any{"username": "bob", "password": kittest.Password}, 200)
	require.Equal(t, "two_factor_required", ch["status"])
	tok = js("POST", "/api/v1/auth/2fa/verify", "", map[string]any{"challenge_token": ch["challenge_token"], "code": code()}, 200)["token"].(string)
	js("POST", "/api/v1/auth/2fa/disable", tok, map[string]any{"code": code()}, 204)
	secret = js("POST", "/api/v1/auth/2fa/enroll", tok, nil, 200)["secret"].(string)
	js("POST", "/api/v1/auth/2fa/enroll/confirm", tok, map[string]any{"code": code()}, 200)
	js("POST", user+"/2fa/reset", boss, nil, 204)

	// Sessions: list them, end the others, end one, and an admin ends all.
	other := js("POST", "/api/v1/auth/login", "", map[string]any{"username": "bob", "password": kittest.Password}, 200)["token"].(string)
	items := js("GET", "/api/v1/auth/sessions", tok, nil, 200)["items"].([]any)
	require.Len(t, items, 3, "after the reset: a password sign-in, one with a code, and other")
	require.Equal(t, map[string]any{"ended": float64(2)}, js("POST", "/api/v1/auth/sessions/end-others", other, nil, 200))
	current := js("GET", "/api/v1/auth/sessions", other, nil, 200)["items"].([]any)[0].(map[string]any)
	require.Equal(t, true, current["current"])
	js("DELETE", "/api/v1/auth/sessions/"+current["id"].(string), other, nil, 204)
	js("POST", "/api/v1/auth/login", "", map[string]any{"username": "bob", "password": kittest.Password}, 200)
	require.Equal(t, map[string]any{"ended": float64(1)}, js("POST", user+"/sessions/end", boss, nil, 200))
	tok = js("POST", "/api/v1/auth/login", "", map[string]any{"username": "bob", "password": kittest.Password}, 200)["token"].(string)

	// Roles.
	js("GET", "/api/v1/roles", boss, nil, 200)
	js("GET", "/api/v1/permissions", boss, nil, 200)
	role := js("POST", "/api/v1/roles", boss, map[string]any{"name": "Auditor", "permissions": []string{string(security.PermAuditRead)}}, 201)["id"].(string)
	js("PUT", "/api/v1/roles/"+role, boss, map[string]any{"name": "Auditors", "permissions": []string{string(security.PermAuditRead)}}, 200)
	js("DELETE", "/api/v1/roles/"+role, boss, nil, 204)

	// Teams.
	js("GET", "/api/v1/teams", boss, nil, 200)
	team := "/api/v1/teams/" + js("POST", "/api/v1/teams", boss, map[string]any{"name": "Support"}, 201)["id"].(string)
	js("GET", team, boss, nil, 200)
	js("PATCH", team, boss, map[string]any{"description": "First line"}, 200)
	js("POST", team+"/members", boss, map[string]any{"user_ids": []string{bob}}, 200)
	js("GET", team+"/members", boss, nil, 200)
	js("POST", team+"/members/remove", boss, map[string]any{"user_ids": []string{bob}}, 200)
	js("POST", team+"/members", boss, map[string]any{"user_ids": []string{bob}}, 200)
	js("DELETE", team+"/members", boss, map[string]any{"user_ids": []string{bob}}, 200)
	js("DELETE", team, boss, nil, 204)

	// Seats.
	js("GET", "/api/v1/seats", boss, nil, 200)
	js("POST", "/api/v1/seats/users/"+bob, boss, nil, 201)
	js("GET", "/api/v1/seats/accounts", boss, nil, 200)
	js("GET", "/api/v1/seats/accounts/"+main.ID+"/holders", boss, nil, 200)
	js("GET", "/api/v1/seats/accounts/"+main.ID+"/users", boss, nil, 200)
	js("PUT", "/api/v1/seats/accounts/"+sub+"/limit", boss, map[string]any{"limit": 3}, 200)
	js("DELETE", "/api/v1/seats/accounts/"+sub+"/limit", boss, nil, 204)
	js("DELETE", "/api/v1/seats/users/"+bob, boss, nil, 204)
	js("POST", "/api/v1/seats/users/"+bob, boss, nil, 201)
	js("POST", "/api/v1/seats/bulk-unassign", boss, map[string]any{"user_ids": []string{bob}}, 200)
	js("GET", "/api/v1/seats/inactive", boss, nil, 200)
	js("GET", "/api/v1/seats/log", boss, nil, 200)
	call("GET", "/api/v1/seats/report", boss, "", nil, 200)

	// API keys.
	js("GET", acc+"/api-keys", boss, nil, 200)
	key := "/api/v1/api-keys/" + js("POST", acc+"/api-keys", boss, map[string]any{"name": "CI", "permissions": []string{string(security.PermUsersRead)}}, 201)["id"].(string)
	js("GET", key, boss, nil, 200)
	js("PATCH", key, boss, map[string]any{"name": "CI-2"}, 200)
	js("POST", key+"/revoke", boss, nil, 200)

	// Webhooks: the endpoint's own update is an audit event it receives.
	js("GET", acc+"/webhooks", boss, nil, 200)
	hook := "/api/v1/webhooks/" + js("POST", acc+"/webhooks", boss, map[string]any{"url": "https://hooks.example.com/in",
		"event_types": []string{"audit.event"}}, 201)["id"].(string)
	js("GET", hook, boss, nil, 200)
	js("PATCH", hook, boss, map[string]any{"description": "SIEM"}, 200)
	js("POST", hook+"/rotate-secret", boss, nil, 200)
	pending := js("GET", hook+"/deliveries", boss, nil, 200)["items"].([]any)
	require.NotEmpty(t, pending)
	js("POST", "/api/v1/webhook-deliveries/"+pending[0].(map[string]any)["id"].(string)+"/redeliver", boss, nil, 409)
	js("DELETE", hook, boss, nil, 204)
	// Reports: one requested over the API, one by the system that the
	// job runs (the scenario's boss is no stored user).
	js("POST", acc+"/reports", boss, map[string]any{"kind": "users", "format": "csv", "params": map[string]any{"status": "active"}}, 202)
	done, err := env.Kit.Reports.Request(sys, main.ID, reports.KindSeats, reports.FormatJSON, reports.Params{})
	require.NoError(t, err)
	_, err = env.Kit.Reports.RunPending(sys)
	require.NoError(t, err)
	js("GET", acc+"/reports", boss, nil, 200)
	js("GET", acc+"/reports/"+done.ID, boss, nil, 200)
	call("GET", acc+"/reports/"+done.ID+"/content", boss, "", nil, 200)
	js("DELETE", acc+"/reports/"+done.ID, boss, nil, 204)

	// SCIM, with an API key holding scim.provision.
	// (Minted by the system: the scenario's boss is no stored user, and a
	// key stops when its creator is gone.)
	sk, err := env.Kit.APIKeys.Create(sys, main.ID, apikeys.CreateInput{Name: "Okta", Permissions: []security.Permission{security.PermSCIMProvision}})
	require.NoError(t, err)
	scimKey := sk.Secret
	js("GET", acc+"/scim/settings", boss, nil, 200)
	js("PUT", acc+"/scim/settings", boss, map[string]any{"deactivation_frees_seat": true, "role_mappings": []map[string]any{{"attribute": "roles", "value": "admin", "role": "account_manager"}}}, 200)
	js("GET", "/scim/v2/ServiceProviderConfig", "", nil, 200)
	js("GET", "/scim/v2/ResourceTypes", "", nil, 200)
	js("GET", "/scim/v2/Schemas", "", nil, 200)
	su := "/scim/v2/Users/" + js("POST", "/scim/v2/Users", scimKey, map[string]any{"userName": "scim.user@acme.test", "externalId": "00u1", "name": map[string]any{"givenName": "Sc", "familyName": "Im"}}, 201)["id"].(string)
	js("GET", "/scim/v2/Users?filter="+url.QueryEscape(`userName eq "scim.user@acme.test"`), scimKey, nil, 200)
	js("GET", su, scimKey, nil, 200)
	js("PUT", su, scimKey, map[string]any{"userName": "scim.user@acme.test", "emails": []map[string]any{{"value": "scim.user@acme.test", "primary": true}}, "active": true}, 200)
	js("PATCH", su, scimKey, map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}, "Operations": []map[string]any{{"op": "replace", "value": map[string]any{"active": false}}}}, 200)
	sg := "/scim/v2/Groups/" + js("POST", "/scim/v2/Groups", scimKey, map[string]any{"displayName": "SCIM group"}, 201)["id"].(string)
	js("GET", "/scim/v2/Groups", scimKey, nil, 200)
	js("GET", sg, scimKey, nil, 200)
	js("PUT", sg, scimKey, map[string]any{"displayName": "SCIM group 2", "members": []map[string]any{{"value": path.Base(su)}}}, 200)
	js("PATCH", sg, scimKey, map[string]any{"Operations": []map[string]any{{"op": "remove", "path": `members[value eq "` + path.Base(su) + `"]`}}}, 200)
	js("DELETE", sg, scimKey, nil, 204)
	js("DELETE", su, scimKey, nil, 204)

	// Notifications.
	_, err = env.Kit.Notifications.Publish(sys, notifications.PublishInput{AccountID: main.ID, Type: notifications.CampaignEvents, Title: "Campaign sent", Body: "details"})
	require.NoError(t, err)
	inbox := js("GET", "/api/v1/notifications", tok, nil, 200)["items"].([]any)
	require.NotEmpty(t, inbox)
	js("POST", "/api/v1/notifications/"+inbox[0].(map[string]any)["id"].(string)+"/read", tok, nil, 204)
	js("POST", "/api/v1/notifications/read", tok, nil, 200)
	js("GET", "/api/v1/notifications/subscriptions", tok, nil, 200)
	js("PUT", "/api/v1/notifications/subscriptions", tok, map[string]any{"subscriptions": map[string]bool{string(notifications.CampaignEvents): false}}, 200)
	js("GET", acc+"/notifications", boss, nil, 200)

	// Audit.
	js("GET", "/api/v1/audit/events?range=last_15_minutes&account_id="+main.ID, boss, nil, 200)
	call("GET", "/api/v1/audit/events/export?account_id="+main.ID, boss, "", nil, 200)
	js("GET", "/api/v1/audit/verify?account_id="+main.ID, boss, nil, 200)
	js("GET", "/api/v1/audit/catalogue", boss, nil, 200)
	js("GET", "/api/v1/audit/checkpoints?account_id="+main.ID, boss, nil, 200)

	// A password that expired: sign-in asks for a new one.
	js("PATCH", acc+"/security", boss, map[string]any{"password_validity_days": 1}, 200)
	env.Clock.Advance(49 * time.Hour)
	exp := js("POST", "/api/v1/auth/login", "", map[string]any{"username": "bob", "password": kittest.Password}, 200)
	require.Equal(t, "password_change_required", exp["status"])
	tok = js("POST", "/api/v1/auth/password/expired", "", map[string]any{"change_token": exp["change_token"], "new_password": "th1rd-Passw0rd!!"}, 200)["token"].(string)
	js("POST", "/api/v1/auth/logout", tok, nil, 204)

	// SSO configuration and the SAML routes. A successful ACS needs a
	// signed response from an IdP (sso's tests have one); here a refused
	// one shows the documented error page.
	js("GET", acc+"/sso", boss, nil, 200)
	call("POST", acc+"/sso/metadata", boss, "application/samlmetadata+xml", servedIdPMetadata(t), 200)
	js("PUT", acc+"/sso", boss, map[string]any{"enabled": true}, 200)
	call("GET", "/login/saml/acme/metadata", "", "", nil, 200)
	call("GET", "/login/saml/acme", "", "", nil, 302)
	call("GET", "/login/saml/acme/", "", "", nil, 302)
	call("POST", "/login/saml/acme/acs", "", "application/x-www-form-urlencoded", "SAMLResponse=bm90LXhtbA%3D%3D", 400)
	call("POST", "/login/saml/acme/logout", "", "application/x-www-form-urlencoded", "csrf_token=x", 302)

	// The OIDC connection and its routes, against the in-process test
	// provider (sso's tests run the whole flow); a callback without the
	// browser's state cookie shows the documented error page.
	op := oidctest.New(t, "acme-client", "acme-secret", env.Clock.Now)
	js("PUT", acc+"/sso/oidc", boss, map[string]any{"enabled": true, "issuer_url": op.Issuer, "client_id": "acme-client", "client_secret": "acme-secret"}, 200)
	js("GET", acc+"/sso/oidc", boss, nil, 200)
	call("GET", "/login/oidc/acme/", "", "", nil, 302)
	call("GET", "/login/oidc/acme/callback?state=forged&code=x", "", "", nil, 403)

	// Claimed email domains and sign-in discovery.
	dom := js("POST", acc+"/sso/domains", boss, map[string]any{"domain": "acme.example"}, 201)
	domPath := acc + "/sso/domains/" + dom["id"].(string)
	dns.mu.Lock()
	dns.txt = dom["record"].(map[string]any)["value"].(string)
	dns.mu.Unlock()
	js("GET", acc+"/sso/domains", boss, nil, 200)
	js("GET", domPath, boss, nil, 200)
	require.Equal(t, "verified", js("POST", domPath+"/verify", boss, nil, 200)["status"])
	require.Equal(t, "sso", js("GET", "/api/v1/sso/discover?email=ada%40acme.example", "", nil, 200)["method"])
	js("DELETE", domPath, boss, nil, 204)

	js("POST", user+"/move", boss, map[string]any{"account_id": sub}, 200)
	js("DELETE", user, boss, nil, 204)

	var missing []string
	for _, op := range v.Operations() {
		if !called[op.ID] {
			missing = append(missing, op.ID+" ("+op.Method+" "+op.Path+")")
		}
	}
	assert.Empty(t, missing, "documented operations the scenario does not call")
}

// servedPNG is a 2×2 PNG logo.
func servedPNG(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 2, 2))))
	return b.Bytes()
}

// servedIdPMetadata is the metadata of an IdP with a fresh self-signed
// signing certificate.
func servedIdPMetadata(t *testing.T) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "idp.example"},
		NotBefore: kittest.Epoch.Add(-24 * time.Hour), NotAfter: kittest.Epoch.Add(365 * 24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	return `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://idp.example/metadata">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>` + base64.StdEncoding.EncodeToString(der) + `</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example/slo"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`
}
