package apikeys_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/apikeys"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/users"
)

func ptr[T any](v T) *T { return &v }

func TestService_Create(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	main := env.MainAccount(t, "acme")
	sub := env.SubAccount(t, main, "acme-eu")
	boss := kittest.Manager(main.ID, "boss")
	svc := env.Kit.APIKeys
	now := env.Clock.Now()

	c, err := svc.Create(kittest.As(boss), sub.ID, apikeys.CreateInput{Name: " CI ",
		Permissions: []security.Permission{security.PermUsersRead, security.PermAuditRead, security.PermUsersRead}})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(c.Secret, "akk_"))
	assert.Len(t, c.Secret, 4+43)
	assert.Equal(t, c.Secret[:10], c.Key.Prefix)
	assert.Equal(t, security.HashSecret(c.Secret), c.Key.Hash)
	assert.Equal(t, "CI", c.Key.Name)
	assert.Equal(t, []security.Permission{security.PermAuditRead, security.PermUsersRead}, c.Key.Permissions)
	assert.True(t, now.Equal(c.Key.ValidFrom))
	assert.True(t, now.Add(apikeys.DefaultLifetime).Equal(c.Key.ExpiresAt))
	assert.Equal(t, "boss", c.Key.CreatedByName)
	ev := env.LastEvent(t, main.ID)
	assert.Equal(t, "API key generated (name, valid from).", ev.Description)
	assert.Equal(t, audit.ItemAPIKey, ev.Item)
	assert.Equal(t, sub.ID, ev.AccountID)
	assert.Equal(t, "CI", ev.Details["name"])
	assert.NotEmpty(t, ev.Details["valid_from"])
	for _, e := range env.Events(t, main.ID) {
		for _, v := range e.Details {
			assert.NotContains(t, v, c.Secret[4:], "the secret never reaches the audit log")
		}
	}

	// Valid-from in the future, explicit expiry.
	c, err = svc.Create(kittest.As(boss), main.ID, apikeys.CreateInput{Name: "later", Permissions: []security.Permission{security.PermUsersRead},
		ValidFrom: ptr(now.Add(time.Hour)), ExpiresAt: ptr(now.Add(48 * time.Hour))})
	require.NoError(t, err)
	assert.Equal(t, apikeys.StatePending, c.Key.StateAt(now))

	fail := func(name string, p *security.Principal, in apikeys.CreateInput, code accountkit.Code, field string) {
		t.Helper()
		before := len(env.Events(t, main.ID))
		_, err := svc.Create(kittest.As(p), main.ID, in)
		var e *accountkit.Error
		require.ErrorAs(t, err, &e, name)
		assert.Equal(t, code, e.Code, name)
		if field != "" {
			require.NotEmpty(t, e.Fields, name)
			assert.Equal(t, field, e.Fields[0].Field, name)
		}
		evs := env.Events(t, main.ID)
		require.Len(t, evs, before+1, name)
		assert.Equal(t, "API key generation failed.", evs[0].Description, name)
	}
	read := []security.Permission{security.PermUsersRead}
	keyMgr := kittest.Member(main.ID, "keys", security.PermAPIKeysManage, security.PermUsersRead)
	fail("Escalation", keyMgr, apikeys.CreateInput{Name: "x", Permissions: []security.Permission{security.PermUsersManage}}, accountkit.Forbidden, "permissions")
	fail("EscalationMixed", keyMgr, apikeys.CreateInput{Name: "x", Permissions: []security.Permission{security.PermUsersRead, security.PermAPIKeysManage, security.PermSSOManage}}, accountkit.Forbidden, "permissions")
	fail("Unknown", boss, apikeys.CreateInput{Name: "x", Permissions: []security.Permission{"root"}}, accountkit.Invalid, "permissions")
	fail("NoPerms", boss, apikeys.CreateInput{Name: "x"}, accountkit.Invalid, "permissions")
	fail("NoName", boss, apikeys.CreateInput{Name: "  ", Permissions: read}, accountkit.Invalid, "name")
	fail("LongName", boss, apikeys.CreateInput{Name: strings.Repeat("n", 101), Permissions: read}, accountkit.Invalid, "name")
	fail("ControlName", boss, apikeys.CreateInput{Name: "a\nb", Permissions: read}, accountkit.Invalid, "name")
	fail("PastValidFrom", boss, apikeys.CreateInput{Name: "x", Permissions: read, ValidFrom: ptr(now.Add(-time.Hour))}, accountkit.Invalid, "valid_from")
	fail("ExpiryBeforeStart", boss, apikeys.CreateInput{Name: "x", Permissions: read, ValidFrom: ptr(now.Add(2 * time.Hour)), ExpiresAt: ptr(now.Add(time.Hour))}, accountkit.Invalid, "expires_at")
	fail("Expired", boss, apikeys.CreateInput{Name: "x", Permissions: read, ExpiresAt: ptr(now.Add(-time.Second))}, accountkit.Invalid, "expires_at")
	fail("TooLong", boss, apikeys.CreateInput{Name: "x", Permissions: read, ExpiresAt: ptr(now.Add(apikeys.MaxLifetime + time.Second))}, accountkit.Invalid, "expires_at")
	fail("NoPermission", kittest.Member(main.ID, "joe", security.PermUsersRead), apikeys.CreateInput{Name: "x", Permissions: read}, accountkit.Forbidden, "")
	fail("KeyMintsKey", &security.Principal{APIKeyID: "k", AccountID: main.ID, Permissions: security.NewPermissionSet(security.AccountSettingsPermissions...)},
		apikeys.CreateInput{Name: "x", Permissions: read}, accountkit.Forbidden, "")
	page, err := svc.List(kittest.As(boss), apikeys.ListInput{AccountID: main.ID})
	require.NoError(t, err)
	assert.Len(t, page.Keys, 1, "nothing else was created")

	// A small skew in the past is taken as now; the system may grant anything registered.
	c, err = svc.Create(env.System(), main.ID, apikeys.CreateInput{Name: "sys", Permissions: read, ValidFrom: ptr(now.Add(-time.Minute))})
	require.NoError(t, err)
	assert.True(t, now.Equal(c.Key.ValidFrom))
}

func TestService_UpdateRevokeList(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	main := env.MainAccount(t, "acme")
	boss := kittest.As(kittest.Manager(main.ID, "boss"))
	svc := env.Kit.APIKeys
	now := env.Clock.Now()
	var ids []string
	for i := 0; i < 3; i++ {
		c, err := svc.Create(boss, main.ID, apikeys.CreateInput{Name: "k" + string(rune('0'+i)), Permissions: []security.Permission{security.PermUsersRead}})
		require.NoError(t, err)
		ids = append(ids, c.Key.ID)
		env.Clock.Advance(time.Second)
	}
	k, err := svc.Update(boss, ids[0], apikeys.Update{Name: ptr("renamed"), ExpiresAt: ptr(now.Add(24 * time.Hour))})
	require.NoError(t, err)
	assert.Equal(t, "renamed", k.Name)
	assert.True(t, now.Add(24*time.Hour).Equal(k.ExpiresAt))
	ev := env.LastEvent(t, main.ID)
	assert.Equal(t, "API key updated (name, expiration).", ev.Description)
	assert.Equal(t, "k0", ev.Details["old_name"])

	for name, u := range map[string]apikeys.Update{
		"Nothing": {}, "EmptyName": {Name: ptr("")}, "Past": {ExpiresAt: ptr(now.Add(-time.Hour))},
		"TooFar": {ExpiresAt: ptr(env.Clock.Now().Add(apikeys.MaxLifetime + time.Hour))},
	} {
		_, err := svc.Update(boss, ids[0], u)
		assert.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err), name)
		assert.Equal(t, "API key update failed.", env.LastEvent(t, main.ID).Description, name)
	}

	k, err = svc.Revoke(boss, ids[1])
	require.NoError(t, err)
	require.NotNil(t, k.RevokedAt)
	assert.Equal(t, "API key revoked.", env.LastEvent(t, main.ID).Description)
	_, err = svc.Revoke(boss, ids[1])
	require.NoError(t, err, "revoking twice changes nothing")
	_, err = svc.Update(boss, ids[1], apikeys.Update{Name: ptr("back")})
	assert.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err), "a revoked key stays revoked")

	page, err := svc.List(boss, apikeys.ListInput{AccountID: main.ID, Limit: 1})
	require.NoError(t, err)
	require.Len(t, page.Keys, 1)
	assert.Equal(t, "k2", page.Keys[0].Name)
	page, err = svc.List(boss, apikeys.ListInput{AccountID: main.ID, Cursor: page.NextCursor})
	require.NoError(t, err)
	require.Len(t, page.Keys, 1)
	assert.Equal(t, "renamed", page.Keys[0].Name)
	page, err = svc.List(boss, apikeys.ListInput{AccountID: main.ID, IncludeRevoked: true})
	require.NoError(t, err)
	assert.Len(t, page.Keys, 3)
	for _, in := range []apikeys.ListInput{{AccountID: main.ID, Limit: 500}, {AccountID: main.ID, Cursor: "zz"}} {
		_, err := svc.List(boss, in)
		assert.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err))
	}
}

// TestService_Isolation: every operation on a key of another tree answers
// NotFound, exactly as an unknown ID.
func TestService_Isolation(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	main := env.MainAccount(t, "acme")
	sub := env.SubAccount(t, main, "acme-eu")
	other := env.MainAccount(t, "other")
	c, err := env.Kit.APIKeys.Create(kittest.As(kittest.Manager(main.ID, "boss")), main.ID,
		apikeys.CreateInput{Name: "k", Permissions: []security.Permission{security.PermUsersRead}})
	require.NoError(t, err)
	svc := env.Kit.APIKeys
	for who, ctx := range map[string]context.Context{
		"OtherTree": kittest.As(kittest.Manager(other.ID, "eve")),
		"SubUp":     kittest.As(kittest.Manager(sub.ID, "sven")),
	} {
		_, err := svc.Get(ctx, c.Key.ID)
		assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err), who)
		_, err = svc.Update(ctx, c.Key.ID, apikeys.Update{Name: ptr("x")})
		assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err), who)
		_, err = svc.Revoke(ctx, c.Key.ID)
		assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err), who)
		_, err = svc.List(ctx, apikeys.ListInput{AccountID: main.ID})
		assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err), who)
		_, err = svc.Create(ctx, main.ID, apikeys.CreateInput{Name: "x", Permissions: []security.Permission{security.PermUsersRead}})
		assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err), who)
	}
	k, err := svc.Get(kittest.As(kittest.Manager(main.ID, "boss")), c.Key.ID)
	require.NoError(t, err)
	assert.Equal(t, "k", k.Name)
	assert.Nil(t, k.RevokedAt)
	for _, ev := range env.Events(t, other.ID) {
		assert.Equal(t, other.ID, ev.AccountID)
		if ev.Item == audit.ItemAPIKey {
			assert.Equal(t, audit.StatusFailure, ev.Status)
			assert.Empty(t, ev.TargetID, "the probed ID is not recorded in the prober's log")
		}
	}
}

func TestHTTP_APIKeys(t *testing.T) {
	t.Parallel()
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := kittest.NewWithStore(t, open(t))
			main := env.MainAccount(t, "acme")
			sub := env.SubAccount(t, main, "acme-eu")
			env.ActiveUser(t, main, "boss", security.RoleAccountManager)
			boss := env.Login(t, "boss", kittest.Password)

			r := env.Do(t, "POST", "/api/v1/accounts/"+main.ID+"/api-keys", boss, map[string]any{"name": "CI",
				"permissions": []string{"users.read", "apikeys.manage"}})
			require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
			var created struct {
				ID, Secret, Prefix, State string
			}
			r.JSON(t, &created)
			assert.Equal(t, "active", created.State)
			secret := created.Secret
			require.True(t, strings.HasPrefix(secret, "akk_"))

			// The key works as a bearer credential with its permissions only.
			r = env.Do(t, "GET", "/api/v1/users", secret, nil)
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			assert.Equal(t, http.StatusForbidden, env.Do(t, "GET", "/api/v1/audit/events", secret, nil).Status)
			// It cannot mint keys, even with apikeys.manage.
			r = env.Do(t, "POST", "/api/v1/accounts/"+main.ID+"/api-keys", secret, map[string]any{"name": "x", "permissions": []string{"users.read"}})
			assert.Equal(t, http.StatusForbidden, r.Status)

			// Lists and reads never carry the secret or its hash.
			r = env.Do(t, "GET", "/api/v1/accounts/"+main.ID+"/api-keys", boss, nil)
			require.Equal(t, http.StatusOK, r.Status)
			assert.Contains(t, string(r.Body), created.Prefix)
			assert.Contains(t, string(r.Body), `"last_used_at"`, "last use is recorded")
			assert.NotContains(t, string(r.Body), secret[10:])
			assert.NotContains(t, string(r.Body), security.HashSecret(secret))
			assert.NotContains(t, string(env.Do(t, "GET", "/api/v1/api-keys/"+created.ID, boss, nil).Body), secret[10:])
			r = env.Do(t, "GET", "/api/v1/audit/events?limit=200", boss, nil)
			assert.NotContains(t, string(r.Body), secret[10:])
			assert.Contains(t, string(r.Body), "API key generated (name, valid from).")

			// Update, bad input, revoke.
			exp := env.Clock.Now().Add(time.Hour).Format(time.RFC3339)
			r = env.Do(t, "PATCH", "/api/v1/api-keys/"+created.ID, boss, map[string]any{"name": "CI-2", "expires_at": exp})
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			r = env.Do(t, "PATCH", "/api/v1/api-keys/"+created.ID, boss, map[string]any{"permissions": []string{"users.manage"}})
			assert.Equal(t, http.StatusBadRequest, r.Status, "permissions never change")
			assert.Equal(t, "API key update failed.", env.LastEvent(t, main.ID).Description)
			r = env.Do(t, "POST", "/api/v1/accounts/"+main.ID+"/api-keys", boss, map[string]any{"name": "x", "permissions": []string{"users.read"}, "expires_at": "tomorrow"})
			assert.Equal(t, http.StatusBadRequest, r.Status)
			assert.Equal(t, "API key generation failed.", env.LastEvent(t, main.ID).Description)

			// Expired keys are refused; so are revoked ones and keys of disabled accounts.
			env.Clock.Advance(2 * time.Hour)
			boss = env.Login(t, "boss", kittest.Password)
			r = env.Do(t, "GET", "/api/v1/users", secret, nil)
			assert.Equal(t, http.StatusUnauthorized, r.Status)
			assert.Equal(t, "invalid or expired credentials", r.Problem(t)["detail"])

			r = env.Do(t, "POST", "/api/v1/accounts/"+sub.ID+"/api-keys", boss, map[string]any{"name": "sub", "permissions": []string{"users.read"}})
			require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
			var subKey struct{ ID, Secret string }
			r.JSON(t, &subKey)
			require.Equal(t, http.StatusOK, env.Do(t, "GET", "/api/v1/users?account_id="+sub.ID, subKey.Secret, nil).Status)
			_, err := env.Kit.Accounts.Disable(env.System(), sub.ID)
			require.NoError(t, err)
			assert.Equal(t, http.StatusUnauthorized, env.Do(t, "GET", "/api/v1/users", subKey.Secret, nil).Status)
			_, err = env.Kit.Accounts.Enable(env.System(), sub.ID)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, env.Do(t, "GET", "/api/v1/users", subKey.Secret, nil).Status)
			require.Equal(t, http.StatusOK, env.Do(t, "POST", "/api/v1/api-keys/"+subKey.ID+"/revoke", boss, nil).Status)
			assert.Equal(t, http.StatusUnauthorized, env.Do(t, "GET", "/api/v1/users", subKey.Secret, nil).Status)
			assert.Equal(t, http.StatusUnauthorized, env.Do(t, "GET", "/api/v1/users", "akk_unknown", nil).Status)
			assert.Equal(t, http.StatusUnauthorized, env.Do(t, "GET", "/api/v1/users", subKey.Secret+"x", nil).Status)

			// Another tree sees nothing.
			other := env.MainAccount(t, "other")
			env.ActiveUser(t, other, "eve", security.RoleAccountManager)
			eve := env.Login(t, "eve", kittest.Password)
			for _, c := range []struct{ method, path string }{{"GET", "/api/v1/api-keys/" + created.ID},
				{"POST", "/api/v1/api-keys/" + created.ID + "/revoke"}, {"GET", "/api/v1/accounts/" + main.ID + "/api-keys"}} {
				assert.Equal(t, http.StatusNotFound, env.Do(t, c.method, c.path, eve, nil).Status, c.path)
			}
			assert.Equal(t, http.StatusNotFound, env.Do(t, "PATCH", "/api/v1/api-keys/"+created.ID, eve, map[string]string{"name": "x"}).Status)
		})
	}
}

// TestAuthenticate_NotYetValidAndThrottle: a key is refused before its
// valid-from, and its last use is written at most once a minute.
func TestAuthenticate_NotYetValidAndThrottle(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	main := env.MainAccount(t, "acme")
	boss := env.ActiveUser(t, main, "boss", security.RoleAccountManager)
	now := env.Clock.Now()
	c, err := env.Kit.APIKeys.Create(env.UserCtx(t, boss), main.ID, apikeys.CreateInput{Name: "later",
		Permissions: []security.Permission{security.PermUsersRead}, ValidFrom: ptr(now.Add(time.Hour))})
	require.NoError(t, err)
	req, _ := http.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer "+c.Secret)
	_, err = env.Kit.APIKeys.Authenticate(req)
	assert.Equal(t, accountkit.Unauthenticated, accountkit.ErrorCode(err))
	env.Clock.Advance(time.Hour)
	p, err := env.Kit.APIKeys.Authenticate(req)
	require.NoError(t, err)
	assert.Equal(t, c.Key.ID, p.APIKeyID)
	assert.Equal(t, main.ID, p.AccountID)
	assert.Empty(t, p.UserID)
	assert.True(t, p.Permissions.Has(security.PermUsersRead))
	assert.False(t, p.Permissions.Has(security.PermUsersManage))
	first := env.Clock.Now()
	env.Clock.Advance(30 * time.Second)
	_, err = env.Kit.APIKeys.Authenticate(req)
	require.NoError(t, err)
	k, err := env.Store.GetAPIKey(context.Background(), c.Key.ID)
	require.NoError(t, err)
	assert.True(t, first.Equal(*k.LastUsedAt), "throttled")
	env.Clock.Advance(31 * time.Second)
	_, err = env.Kit.APIKeys.Authenticate(req)
	require.NoError(t, err)
	k, err = env.Store.GetAPIKey(context.Background(), c.Key.ID)
	require.NoError(t, err)
	assert.True(t, env.Clock.Now().Equal(*k.LastUsedAt))

	// Session tokens and other bearer tokens are left to other authenticators.
	req.Header.Set("Authorization", "Bearer aks_something")
	p, err = env.Kit.APIKeys.Authenticate(req)
	assert.Nil(t, p)
	assert.NoError(t, err)
}

// TestAuthenticate_FollowsCreator: a key made by a user holds only what
// both it and its creator hold now; it stops working while the creator is
// disabled or deleted, and works again when re-enabled. Keys made by the
// system are not tied to anyone.
func TestAuthenticate_FollowsCreator(t *testing.T) {
	t.Parallel()
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := kittest.NewWithStore(t, open(t))
			main := env.MainAccount(t, "acme")
			boss := env.ActiveUser(t, main, "boss", security.RoleAccountManager)
			lead := env.ActiveUser(t, main, "lead", security.RoleAccountManager)
			perms := []security.Permission{security.PermUsersRead, security.PermUsersManage}
			c, err := env.Kit.APIKeys.Create(env.UserCtx(t, lead), main.ID, apikeys.CreateInput{Name: "ci", Permissions: perms})
			require.NoError(t, err)
			sys, err := env.Kit.APIKeys.Create(env.System(), main.ID, apikeys.CreateInput{Name: "host", Permissions: perms})
			require.NoError(t, err)
			auth := func(secret string) (*security.Principal, error) {
				req, _ := http.NewRequest("GET", "/", nil)
				req.Header.Set("Authorization", "Bearer "+secret)
				return env.Kit.APIKeys.Authenticate(req)
			}
			p, err := auth(c.Secret)
			require.NoError(t, err)
			assert.True(t, p.Permissions.Has(security.PermUsersManage))

			// Demoted to Member: the key keeps only what a Member holds.
			bossCtx := env.UserCtx(t, boss)
			_, err = env.Kit.Users.Update(bossCtx, lead.ID, users.Update{Roles: &[]string{security.RoleMember}})
			require.NoError(t, err)
			member, err := env.Kit.Users.EffectivePermissions(context.Background(), &users.User{ID: lead.ID, AccountID: main.ID, Roles: []string{security.RoleMember}})
			require.NoError(t, err)
			p, err = auth(c.Secret)
			require.NoError(t, err)
			assert.False(t, p.Permissions.Has(security.PermUsersManage), "demotion narrows the key")
			assert.Equal(t, member.Has(security.PermUsersRead), p.Permissions.Has(security.PermUsersRead))

			// Disabled: the key stops, with the one answer for bad keys.
			_, err = env.Kit.Users.Disable(bossCtx, lead.ID)
			require.NoError(t, err)
			_, err = auth(c.Secret)
			assert.Equal(t, accountkit.Unauthenticated, accountkit.ErrorCode(err))
			_, err = env.Kit.Users.Enable(bossCtx, lead.ID)
			require.NoError(t, err)
			_, err = auth(c.Secret)
			require.NoError(t, err)

			// The system's key is nobody's.
			p, err = auth(sys.Secret)
			require.NoError(t, err)
			assert.True(t, p.Permissions.Has(security.PermUsersManage))
		})
	}
}

// TestHTTP_IdempotencyKey: a creation retried with the same
// Idempotency-Key (the answer was lost, the client cannot know whether it
// landed) creates nothing twice, also when the retries race; the value is
// per account; a bad value is refused naming the header.
func TestHTTP_IdempotencyKey(t *testing.T) {
	t.Parallel()
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := kittest.NewWithStore(t, open(t))
			main := env.MainAccount(t, "acme")
			sub := env.SubAccount(t, main, "acme-eu")
			boss := env.Tokens.Issue(kittest.Manager(main.ID, "boss"))
			create := func(accountID string, idem ...string) (int, map[string]any) {
				body := `{"name":"CI","permissions":["users.read"]}`
				req, err := http.NewRequest("POST", env.Server.URL+"/api/v1/accounts/"+accountID+"/api-keys", strings.NewReader(body))
				require.NoError(t, err)
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+boss)
				for _, v := range idem {
					req.Header.Add("Idempotency-Key", v)
				}
				resp, err := env.Server.Client().Do(req)
				require.NoError(t, err)
				defer resp.Body.Close()
				var out map[string]any
				require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
				return resp.StatusCode, out
			}
			count := func(accountID string) int {
				r := env.Do(t, "GET", "/api/v1/accounts/"+accountID+"/api-keys", boss, nil)
				require.Equal(t, http.StatusOK, r.Status)
				var page struct {
					Items []json.RawMessage `json:"items"`
				}
				r.JSON(t, &page)
				return len(page.Items)
			}

			status, first := create(main.ID, "retry-1")
			require.Equal(t, http.StatusCreated, status, first)
			status, again := create(main.ID, "retry-1")
			require.Equal(t, http.StatusConflict, status, again)
			assert.Contains(t, again["detail"], first["id"], "the answer names the key created first")
			assert.NotContains(t, fmt.Sprint(again), first["secret"], "the secret is not shown again")
			assert.Equal(t, 1, count(main.ID))

			status, _ = create(main.ID, "retry-2")
			assert.Equal(t, http.StatusCreated, status)
			status, _ = create(sub.ID, "retry-1")
			assert.Equal(t, http.StatusCreated, status, "the value is per account")
			status, _ = create(main.ID)
			assert.Equal(t, http.StatusCreated, status, "without the header, no check")

			for _, bad := range [][]string{{"a b"}, {strings.Repeat("k", 256)}, {"é"}, {"x", "y"}} {
				status, p := create(main.ID, bad...)
				assert.Equal(t, http.StatusBadRequest, status, "%q: %v", bad, p)
				assert.Contains(t, fmt.Sprint(p["fields"]), "Idempotency-Key")
			}
			assert.Equal(t, 3, count(main.ID), "the refused ones created nothing")

			// Racing retries: exactly one lands.
			results := make(chan int, 8)
			var wg sync.WaitGroup
			for i := 0; i < 8; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s, _ := create(main.ID, "race")
					results <- s
				}()
			}
			wg.Wait()
			close(results)
			got := map[int]int{}
			for s := range results {
				got[s]++
			}
			assert.Equal(t, map[int]int{http.StatusCreated: 1, http.StatusConflict: 7}, got)
			assert.Equal(t, 4, count(main.ID))
		})
	}
}
