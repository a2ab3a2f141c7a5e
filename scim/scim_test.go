package scim_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/apikeys"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/scim"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/users"
)

// fixture is an installation with one account and a SCIM token.
type fixture struct {
	env   *kittest.Env
	acc   *account.Account
	admin *users.User
	token string
}

// setup builds an installation on the store with an account "acme" whose
// Account Manager created a SCIM token (an API key holding scim.provision).
func setup(t testing.TB, open kittest.Opener) *fixture {
	t.Helper()
	env := kittest.NewWithStore(t, open(t))
	acc := env.MainAccount(t, "acme")
	admin := env.ActiveUser(t, acc, "admin", security.RoleAccountManager)
	return &fixture{env: env, acc: acc, admin: admin, token: scimToken(t, env, admin)}
}

// scimToken has the user create a SCIM token of their account.
func scimToken(t testing.TB, env *kittest.Env, by *users.User) string {
	t.Helper()
	k, err := env.Kit.APIKeys.Create(env.UserCtx(t, by), by.AccountID, apikeys.CreateInput{Name: "Okta",
		Permissions: []security.Permission{security.PermSCIMProvision}})
	require.NoError(t, err)
	return k.Secret
}

type obj = map[string]any

// do sends a SCIM request and decodes the JSON answer (nil for none).
func (f *fixture) do(t *testing.T, method, path string, body any, want int) obj {
	t.Helper()
	return do(t, f.env, f.token, method, path, body, want)
}

func do(t *testing.T, env *kittest.Env, token, method, path string, body any, want int) obj {
	t.Helper()
	r := env.Do(t, method, path, token, body)
	require.Equal(t, want, r.Status, "%s %s: %s", method, path, r.Body)
	if len(r.Body) == 0 {
		return nil
	}
	assert.Equal(t, scim.ContentType, r.Header.Get("Content-Type"))
	var out obj
	r.JSON(t, &out)
	if want >= 400 {
		assert.Equal(t, []any{scim.SchemaError}, out["schemas"])
		assert.Equal(t, fmt.Sprint(want), out["status"])
	}
	return out
}

func filterPath(resource, filter string) string {
	return "/scim/v2/" + resource + "?filter=" + url.QueryEscape(filter)
}

func total(t *testing.T, list obj) int {
	t.Helper()
	return int(list["totalResults"].(float64))
}

func patch(ops ...obj) obj {
	return obj{"schemas": []string{scim.SchemaPatchOp}, "Operations": ops}
}

// TestSCIM_OktaSequence replays the requests Okta's SCIM 2.0 provisioning
// sends (shapes from Okta's SCIM 2.0 developer documentation, written
// here by hand): look up by userName, create, read, deactivate and
// reactivate with a PATCH of {"active": …}, push a group and its
// members, rename it, remove a member, delete.
func TestSCIM_OktaSequence(t *testing.T) {
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			f := setup(t, open)
			ctx := context.Background()
			lookup := filterPath("Users", `userName eq "ada.lovelace@acme.test"`) + "&startIndex=1&count=100"
			list := f.do(t, "GET", lookup, nil, 200)
			require.Equal(t, 0, total(t, list))
			require.Equal(t, []any{scim.SchemaListResponse}, list["schemas"])

			created := f.do(t, "POST", "/scim/v2/Users", obj{
				"schemas":     []string{scim.SchemaUser},
				"userName":    "Ada.Lovelace@acme.test",
				"name":        obj{"givenName": "Ada", "familyName": "Lovelace"},
				"emails":      []obj{{"primary": true, "value": "ada.lovelace@acme.test", "type": "work"}},
				"displayName": "Ada Lovelace", "locale": "en-US", "externalId": "00u1ab2cd3",
				"groups": []any{}, "password": "ignored-Passw0rd", "active": true,
			}, 201)
			id := created["id"].(string)
			assert.Equal(t, "ada.lovelace@acme.test", created["userName"])
			assert.Equal(t, true, created["active"])
			assert.Equal(t, "00u1ab2cd3", created["externalId"])
			meta := created["meta"].(obj)
			assert.Equal(t, "User", meta["resourceType"])
			assert.True(t, strings.HasSuffix(meta["location"].(string), "/scim/v2/Users/"+id), meta["location"])

			u, err := f.env.Store.GetUser(ctx, id)
			require.NoError(t, err)
			assert.Equal(t, users.StatusActive, u.Status)
			assert.True(t, u.EmailVerified)
			assert.Equal(t, f.acc.ID, u.AccountID)
			assert.Equal(t, "Ada", u.FirstName)
			ev := f.env.Events(t, f.acc.ID)
			assert.Contains(t, actors(ev, "User created."), "api-key:", "the SCIM token is the actor")

			list = f.do(t, "GET", lookup, nil, 200)
			require.Equal(t, 1, total(t, list))
			assert.Equal(t, id, list["Resources"].([]any)[0].(obj)["id"])
			got := f.do(t, "GET", "/scim/v2/Users/"+id, nil, 200)
			assert.Equal(t, created["meta"].(obj)["version"], got["meta"].(obj)["version"])

			// Deactivate, as Okta does.
			got = f.do(t, "PATCH", "/scim/v2/Users/"+id, patch(obj{"op": "replace", "value": obj{"active": false}}), 200)
			assert.Equal(t, false, got["active"])
			u, err = f.env.Store.GetUser(ctx, id)
			require.NoError(t, err)
			assert.Equal(t, users.StatusDisabled, u.Status)
			// Reactivate.
			got = f.do(t, "PATCH", "/scim/v2/Users/"+id, patch(obj{"op": "replace", "value": obj{"active": true}}), 200)
			assert.Equal(t, true, got["active"])
			u, err = f.env.Store.GetUser(ctx, id)
			require.NoError(t, err)
			assert.NotEqual(t, users.StatusDisabled, u.Status)

			// Profile update by PUT.
			got = f.do(t, "PUT", "/scim/v2/Users/"+id, obj{"schemas": []string{scim.SchemaUser}, "id": id,
				"userName": "ada.lovelace@acme.test", "name": obj{"givenName": "Augusta Ada", "familyName": "King"},
				"emails": []obj{{"primary": true, "value": "ada@acme.test", "type": "work"}}, "active": true, "externalId": "00u1ab2cd3"}, 200)
			assert.Equal(t, "Augusta Ada", got["name"].(obj)["givenName"])
			assert.Equal(t, "ada@acme.test", got["emails"].([]any)[0].(obj)["value"])

			// Group push: create with a member, add one, rename, remove one.
			bob := f.do(t, "POST", "/scim/v2/Users", obj{"userName": "bob@acme.test", "active": true}, 201)["id"].(string)
			g := f.do(t, "POST", "/scim/v2/Groups", obj{"schemas": []string{scim.SchemaGroup}, "displayName": "Engineering",
				"members": []obj{{"value": id, "display": "ada"}}}, 201)
			gid := g["id"].(string)
			require.Len(t, g["members"], 1)
			team, err := f.env.Kit.Teams.Get(f.env.UserCtx(t, f.admin), gid)
			require.NoError(t, err)
			assert.Equal(t, "Engineering", team.Name)
			g = f.do(t, "PATCH", "/scim/v2/Groups/"+gid, patch(obj{"op": "add", "path": "members", "value": []obj{{"value": bob, "display": "bob"}}}), 200)
			require.Len(t, g["members"], 2)
			g = f.do(t, "PATCH", "/scim/v2/Groups/"+gid, patch(obj{"op": "replace", "value": obj{"id": gid, "displayName": "Engineering Team"}}), 200)
			assert.Equal(t, "Engineering Team", g["displayName"])
			g = f.do(t, "PATCH", "/scim/v2/Groups/"+gid, patch(obj{"op": "remove", "path": `members[value eq "` + id + `"]`}), 200)
			require.Len(t, g["members"], 1)
			assert.Equal(t, bob, g["members"].([]any)[0].(obj)["value"])
			list = f.do(t, "GET", filterPath("Groups", `displayName eq "engineering team"`)+"&excludedAttributes=members", nil, 200)
			require.Equal(t, 1, total(t, list))
			assert.Nil(t, list["Resources"].([]any)[0].(obj)["members"])

			f.do(t, "DELETE", "/scim/v2/Groups/"+gid, nil, 204)
			f.do(t, "GET", "/scim/v2/Groups/"+gid, nil, 404)
			f.do(t, "DELETE", "/scim/v2/Users/"+id, nil, 204)
			f.do(t, "GET", "/scim/v2/Users/"+id, nil, 404)
			_, err = f.env.Store.GetUser(ctx, id)
			require.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err))
			// The externalId is free again.
			f.do(t, "POST", "/scim/v2/Users", obj{"userName": "ada2@acme.test", "externalId": "00u1ab2cd3"}, 201)
		})
	}
}

// TestSCIM_EntraSequence replays the shapes Microsoft Entra ID's
// provisioning service sends (from Microsoft's "Tutorial: Develop and plan
// provisioning for a SCIM endpoint", written here by hand): capitalised
// ops, string booleans, value-filter paths, enterprise attributes,
// members added and removed by value.
func TestSCIM_EntraSequence(t *testing.T) {
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			f := setup(t, open)
			ctx := context.Background()
			// Entra's probe for a user that does not exist.
			list := f.do(t, "GET", filterPath("Users", `userName eq "non-existent user"`), nil, 200)
			require.Equal(t, 0, total(t, list))

			boss := f.do(t, "POST", "/scim/v2/Users", obj{"userName": "boss@acme.test"}, 201)["id"].(string)
			created := f.do(t, "POST", "/scim/v2/Users", obj{
				"schemas":    []string{scim.SchemaUser, scim.SchemaEnterprise},
				"externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159", "userName": "Test_User_ab6490ee@acme.test", "active": true,
				"emails":              []obj{{"primary": true, "type": "work", "value": "Test_User_fd0ea19b@acme.test"}},
				"meta":                obj{"resourceType": "User"},
				"name":                obj{"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
				"roles":               []any{},
				scim.SchemaEnterprise: obj{"department": "Sales", "employeeNumber": "701984", "manager": obj{"value": boss}},
			}, 201)
			id := created["id"].(string)
			assert.Equal(t, []any{scim.SchemaUser, scim.SchemaEnterprise}, created["schemas"])
			assert.Equal(t, obj{"department": "Sales", "employeeNumber": "701984",
				"manager": obj{"value": boss, "$ref": created["meta"].(obj)["location"].(string)[:len(created["meta"].(obj)["location"].(string))-len(id)] + boss}},
				created[scim.SchemaEnterprise])
			assert.Equal(t, "test_user_fd0ea19b@acme.test", created["emails"].([]any)[0].(obj)["value"])

			// Entra looks users up by externalId or userName.
			list = f.do(t, "GET", filterPath("Users", `externalId eq "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159"`), nil, 200)
			require.Equal(t, 1, total(t, list))
			list = f.do(t, "GET", filterPath("Users", `externalId eq "8AA1A0C0-C4C3-4BC0-B4A5-2EF676900159"`), nil, 200)
			require.Equal(t, 0, total(t, list), "externalId is case-exact")

			got := f.do(t, "PATCH", "/scim/v2/Users/"+id, patch(
				obj{"op": "Replace", "path": `emails[type eq "work"].value`, "value": "updatedEmail@acme.test"},
				obj{"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
				obj{"op": "Add", "path": "phoneNumbers[type eq \"work\"].value", "value": "+14155550123"},
				obj{"op": "Replace", "path": scim.SchemaEnterprise + ":department", "value": "Marketing"},
				obj{"op": "Replace", "path": "displayName", "value": "ignored"},
			), 200)
			assert.Equal(t, "updatedemail@acme.test", got["emails"].([]any)[0].(obj)["value"])
			assert.Equal(t, "updatedFamilyName", got["name"].(obj)["familyName"])
			assert.Equal(t, "+14155550123", got["phoneNumbers"].([]any)[0].(obj)["value"])
			assert.Equal(t, "Marketing", got[scim.SchemaEnterprise].(obj)["department"])
			assert.Equal(t, "701984", got[scim.SchemaEnterprise].(obj)["employeeNumber"], "other extension attributes are kept")
			assert.Equal(t, "Marketing", f.do(t, "GET", "/scim/v2/Users/"+id, nil, 200)[scim.SchemaEnterprise].(obj)["department"])

			// Entra sets and clears the manager with the manager's id as a string.
			got = f.do(t, "PATCH", "/scim/v2/Users/"+id, patch(obj{"op": "Remove", "path": scim.SchemaEnterprise + ":manager"}), 200)
			assert.Nil(t, got[scim.SchemaEnterprise].(obj)["manager"])
			got = f.do(t, "PATCH", "/scim/v2/Users/"+id, patch(obj{"op": "Add", "path": scim.SchemaEnterprise + ":manager", "value": boss}), 200)
			assert.Equal(t, boss, got[scim.SchemaEnterprise].(obj)["manager"].(obj)["value"])
			// Okta's shape: the extension object in a PATCH without a path.
			got = f.do(t, "PATCH", "/scim/v2/Users/"+id, patch(obj{"op": "replace", "value": obj{
				scim.SchemaEnterprise: obj{"costCenter": "4130", "division": "Theme Park", "organization": "Universal"}}}), 200)
			assert.Equal(t, obj{"department": "Marketing", "employeeNumber": "701984", "costCenter": "4130", "division": "Theme Park",
				"organization": "Universal", "manager": got[scim.SchemaEnterprise].(obj)["manager"]}, got[scim.SchemaEnterprise])
			// A manager that is no user of the account, or the user itself, is refused and changes nothing.
			for _, bad := range []string{"x", id, f.env.ActiveUser(t, f.env.MainAccount(t, "globex"), "gboss", security.RoleAccountManager).ID} {
				body := f.do(t, "PATCH", "/scim/v2/Users/"+id, patch(obj{"op": "Add", "path": scim.SchemaEnterprise + ":manager", "value": bad}), 400)
				assert.Equal(t, scim.TypeInvalidValue, body["scimType"])
			}
			f.do(t, "PATCH", "/scim/v2/Users/"+id, patch(obj{"op": "replace", "path": scim.SchemaEnterprise + ":nosuch", "value": "x"}), 400)
			assert.Equal(t, boss, f.do(t, "GET", "/scim/v2/Users/"+id, nil, 200)[scim.SchemaEnterprise].(obj)["manager"].(obj)["value"])
			// PUT replaces the extension: without it, it is gone.
			got = f.do(t, "PUT", "/scim/v2/Users/"+id, obj{"userName": "Test_User_ab6490ee@acme.test",
				"emails": []obj{{"value": "updatedEmail@acme.test"}}, "phoneNumbers": []obj{{"value": "+14155550123"}},
				"name": obj{"familyName": "updatedFamilyName", "givenName": "givenName"}, "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
				scim.SchemaEnterprise: obj{"department": "Support"}}, 200)
			assert.Equal(t, obj{"department": "Support"}, got[scim.SchemaEnterprise])

			// Disable with a string boolean and a path.
			got = f.do(t, "PATCH", "/scim/v2/Users/"+id, patch(obj{"op": "Replace", "path": "active", "value": "False"}), 200)
			assert.Equal(t, false, got["active"])
			u, err := f.env.Store.GetUser(ctx, id)
			require.NoError(t, err)
			assert.Equal(t, users.StatusDisabled, u.Status)
			list = f.do(t, "GET", filterPath("Users", `active eq false and emails[type eq "work" and value co "updated"]`), nil, 200)
			require.Equal(t, 1, total(t, list))
			got = f.do(t, "PATCH", "/scim/v2/Users/"+id, patch(obj{"op": "Replace", "path": "active", "value": "True"}), 200)
			assert.Equal(t, true, got["active"])

			// Groups.
			g := f.do(t, "POST", "/scim/v2/Groups", obj{"externalId": "8aa1a0c0-group", "displayName": "Group1DisplayName",
				"meta": obj{"resourceType": "Group"}, "schemas": []string{scim.SchemaGroup}}, 201)
			gid := g["id"].(string)
			list = f.do(t, "GET", filterPath("Groups", `externalId eq "8aa1a0c0-group"`)+"&excludedAttributes=members", nil, 200)
			require.Equal(t, 1, total(t, list))
			g = f.do(t, "PATCH", "/scim/v2/Groups/"+gid, patch(obj{"op": "Add", "path": "members", "value": []obj{{"$ref": nil, "value": id}}}), 200)
			require.Len(t, g["members"], 1)
			list = f.do(t, "GET", filterPath("Groups", `members[value eq "`+id+`"]`), nil, 200)
			require.Equal(t, 1, total(t, list))
			g = f.do(t, "PATCH", "/scim/v2/Groups/"+gid, patch(obj{"op": "Remove", "path": "members", "value": []obj{{"$ref": nil, "value": id}}}), 200)
			require.Empty(t, g["members"])
			g = f.do(t, "PATCH", "/scim/v2/Groups/"+gid, patch(obj{"op": "Replace", "path": "displayName", "value": "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"}), 200)
			assert.Equal(t, "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName", g["displayName"])
			f.do(t, "DELETE", "/scim/v2/Groups/"+gid, nil, 204)
			f.do(t, "DELETE", "/scim/v2/Users/"+id, nil, 204)
		})
	}
}

// actors returns the actor names of the events with the description,
// newest first, one a line.
func actors(evs []*audit.Event, description string) string {
	var out []string
	for _, e := range evs {
		if e.Description == description {
			out = append(out, e.ActorName)
		}
	}
	return strings.Join(out, "\n")
}
