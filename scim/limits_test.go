package scim_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/apikeys"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/scim"
	"github.com/accountkit/accountkit/security"
)

// TestSCIM_BadInput: every refused request answers a SCIM error with the
// right status and scimType, and changes nothing.
func TestSCIM_BadInput(t *testing.T) {
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			f := setup(t, open)
			ada := f.do(t, "POST", "/scim/v2/Users", obj{"userName": "ada@acme.test", "externalId": "ext-ada"}, 201)
			id := ada["id"].(string)
			before := len(f.env.Events(t, f.acc.ID))
			type tc struct {
				name, method, path string
				body               any
				status             int
				scimType           string
			}
			long := strings.Repeat(`userName eq "x" or `, 60) + `userName eq "x"`
			for _, c := range []tc{
				{"BadFilter", "GET", filterPath("Users", `userName eq`), nil, 400, scim.TypeInvalidFilter},
				{"UnknownFilterAttribute", "GET", filterPath("Users", `password eq "x"`), nil, 400, scim.TypeInvalidFilter},
				{"FilterTooLong", "GET", filterPath("Users", long), nil, 400, scim.TypeInvalidFilter},
				{"FilterTooManyTerms", "GET", filterPath("Users", strings.Repeat(`active pr or `, 70)+`active pr`), nil, 400, scim.TypeInvalidFilter},
				{"FilterBadOperand", "GET", filterPath("Users", `active eq "yes"`), nil, 400, scim.TypeInvalidFilter},
				{"BadCount", "GET", "/scim/v2/Users?count=many", nil, 400, scim.TypeInvalidValue},
				{"NegativeCount", "GET", "/scim/v2/Users?count=-1", nil, 400, scim.TypeInvalidValue},
				{"ZeroStartIndex", "GET", "/scim/v2/Groups?startIndex=0", nil, 400, scim.TypeInvalidValue},
				{"ControlInFilter", "GET", "/scim/v2/Users?filter=userName%20eq%20%22a%00%22", nil, 400, scim.TypeInvalidFilter},
				{"DuplicateUserName", "POST", "/scim/v2/Users", obj{"userName": "ADA@acme.test"}, 409, scim.TypeUniqueness},
				{"DuplicateEmail", "POST", "/scim/v2/Users", obj{"userName": "other", "emails": []obj{{"value": "ada@acme.test"}}}, 409, scim.TypeUniqueness},
				{"DuplicateExternalID", "POST", "/scim/v2/Users", obj{"userName": "eve@acme.test", "externalId": "ext-ada"}, 409, scim.TypeUniqueness},
				{"NoUserName", "POST", "/scim/v2/Users", obj{"emails": []obj{{"value": "x@acme.test"}}}, 400, scim.TypeInvalidValue},
				{"BadUserName", "POST", "/scim/v2/Users", obj{"userName": "a b+c@acme.test"}, 400, scim.TypeInvalidValue},
				{"NoEmail", "POST", "/scim/v2/Users", obj{"userName": "plainname"}, 400, scim.TypeInvalidValue},
				{"BadPhone", "POST", "/scim/v2/Users", obj{"userName": "p@acme.test", "phoneNumbers": []obj{{"value": "call me"}}}, 400, scim.TypeInvalidValue},
				{"BadActive", "POST", "/scim/v2/Users", obj{"userName": "q@acme.test", "active": "maybe"}, 400, scim.TypeInvalidValue},
				{"NotJSON", "POST", "/scim/v2/Users", "{not json", 400, scim.TypeInvalidSyntax},
				{"ControlInExternalID", "POST", "/scim/v2/Users", obj{"userName": "r@acme.test", "externalId": "a\x00b"}, 400, scim.TypeInvalidValue},
				{"RenameUser", "PUT", "/scim/v2/Users/" + id, obj{"userName": "ada2@acme.test", "emails": []obj{{"value": "ada@acme.test"}}}, 400, scim.TypeMutability},
				{"PatchRename", "PATCH", "/scim/v2/Users/" + id, patch(obj{"op": "replace", "path": "userName", "value": "new"}), 400, scim.TypeMutability},
				{"PatchNoOps", "PATCH", "/scim/v2/Users/" + id, patch(), 400, scim.TypeInvalidSyntax},
				{"PatchBadOp", "PATCH", "/scim/v2/Users/" + id, patch(obj{"op": "frobnicate", "path": "active", "value": true}), 400, scim.TypeInvalidSyntax},
				{"PatchUnknownPath", "PATCH", "/scim/v2/Users/" + id, patch(obj{"op": "replace", "path": "salary", "value": 1}), 400, scim.TypeInvalidPath},
				{"PatchUnknownSchema", "PATCH", "/scim/v2/Users/" + id, patch(obj{"op": "replace", "path": "urn:example:x:y", "value": 1}), 400, scim.TypeInvalidPath},
				{"PatchRemoveEmail", "PATCH", "/scim/v2/Users/" + id, patch(obj{"op": "remove", "path": "emails"}), 400, scim.TypeMutability},
				{"PatchRemoveNoPath", "PATCH", "/scim/v2/Users/" + id, patch(obj{"op": "remove"}), 400, scim.TypeNoTarget},
				// The first operation is valid, the second not: neither applies.
				{"PatchAtomic", "PATCH", "/scim/v2/Users/" + id, patch(obj{"op": "replace", "path": "name.givenName", "value": "Changed"}, obj{"op": "replace", "path": "active", "value": 3}), 400, scim.TypeInvalidValue},
				{"UnknownUser", "GET", "/scim/v2/Users/01900000-0000-7000-8000-000000000001", nil, 404, ""},
				{"NotAnID", "GET", "/scim/v2/Users/not-an-id", nil, 404, ""},
				{"UnknownEndpoint", "GET", "/scim/v2/Bulk", nil, 404, ""},
				{"GroupMemberUnknown", "POST", "/scim/v2/Groups", obj{"displayName": "G", "members": []obj{{"value": "01900000-0000-7000-8000-000000000001"}}}, 400, scim.TypeInvalidValue},
				{"GroupNoName", "POST", "/scim/v2/Groups", obj{"displayName": " "}, 400, scim.TypeInvalidValue},
			} {
				t.Run(c.name, func(t *testing.T) {
					out := f.do(t, c.method, c.path, c.body, c.status)
					if c.scimType == "" {
						assert.Nil(t, out["scimType"], out["detail"])
					} else {
						assert.Equal(t, c.scimType, out["scimType"], out["detail"])
					}
					assert.NotContains(t, fmt.Sprint(out["detail"]), "sql", "no SQL leaks")
				})
			}
			got := f.do(t, "GET", "/scim/v2/Users/"+id, nil, 200)
			assert.Empty(t, got["name"].(obj)["givenName"], "the atomic PATCH changed nothing")
			assert.Equal(t, ada["meta"].(obj)["version"], got["meta"].(obj)["version"])
			list := f.do(t, "GET", "/scim/v2/Users", nil, 200)
			assert.Equal(t, 2, total(t, list), "admin and ada: no refused create left a user")
			list = f.do(t, "GET", "/scim/v2/Groups", nil, 200)
			assert.Equal(t, 0, total(t, list), "no refused create left a group")
			for _, e := range f.env.Events(t, f.acc.ID)[:len(f.env.Events(t, f.acc.ID))-before] {
				assert.NotEqual(t, "success", string(e.Status), "refused requests record no successful change: %s", e.Description)
			}

			// If-Match.
			f.do(t, "PATCH", "/scim/v2/Users/"+id, patch(obj{"op": "replace", "path": "name.givenName", "value": "A"}), 200)
			r := f.env.Do(t, "PATCH", "/scim/v2/Users/"+id, f.token, patch(obj{"op": "replace", "path": "name.givenName", "value": "B"}))
			require.Equal(t, 200, r.Status)
			etag := r.Header.Get("ETag")
			require.NotEmpty(t, etag)
			stale := ada["meta"].(obj)["version"].(string)
			req, err := http.NewRequest("DELETE", f.env.Server.URL+"/scim/v2/Users/"+id, nil)
			require.NoError(t, err)
			req.Header.Set("Authorization", "Bearer "+f.token)
			req.Header.Set("If-Match", stale)
			resp, err := f.env.Server.Client().Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, http.StatusPreconditionFailed, resp.StatusCode)
			req.Header.Set("If-Match", etag)
			resp, err = f.env.Server.Client().Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, http.StatusNoContent, resp.StatusCode)
		})
	}
}

func TestSCIM_BodyLimit(t *testing.T) {
	f := setup(t, kittest.Stores()["memory"])
	big := `{"userName":"big@acme.test","name":{"givenName":"` + strings.Repeat("a", scim.MaxBodyBytes) + `"}}`
	out := f.do(t, "POST", "/scim/v2/Users", big, 413)
	assert.Contains(t, out["detail"], "1 MiB")
}

// TestSCIM_Auth: only an API key holding scim.provision gets in.
func TestSCIM_Auth(t *testing.T) {
	f := setup(t, kittest.Stores()["memory"])
	// No token, a wrong token, a session token.
	out := do(t, f.env, "", "GET", "/scim/v2/Users", nil, 401)
	assert.NotEmpty(t, out["detail"])
	do(t, f.env, "akk_wrong", "GET", "/scim/v2/Users", nil, 401)
	session := f.env.Login(t, "admin", kittest.Password)
	do(t, f.env, session, "GET", "/scim/v2/Users", nil, 401)
	// An API key without scim.provision.
	k, err := f.env.Kit.APIKeys.Create(f.env.UserCtx(t, f.admin), f.acc.ID, apikeys.CreateInput{Name: "read",
		Permissions: []security.Permission{security.PermUsersRead, security.PermUsersManage}})
	require.NoError(t, err)
	do(t, f.env, k.Secret, "GET", "/scim/v2/Users", nil, 403)
	do(t, f.env, k.Secret, "POST", "/scim/v2/Users", obj{"userName": "x@acme.test"}, 403)
	// Discovery needs no token.
	cfg := do(t, f.env, "", "GET", "/scim/v2/ServiceProviderConfig", nil, 200)
	assert.Equal(t, false, cfg["bulk"].(obj)["supported"])
	assert.Equal(t, true, cfg["sort"].(obj)["supported"])
	assert.Equal(t, true, cfg["patch"].(obj)["supported"])
	rt := do(t, f.env, "", "GET", "/scim/v2/ResourceTypes", nil, 200)
	assert.Equal(t, 2, total(t, rt))
	userType := rt["Resources"].([]any)[0].(obj)
	assert.Equal(t, []any{obj{"schema": scim.SchemaEnterprise, "required": false}}, userType["schemaExtensions"])
	sc := do(t, f.env, "", "GET", "/scim/v2/Schemas", nil, 200)
	assert.Equal(t, 3, total(t, sc))
	ent := sc["Resources"].([]any)[2].(obj)
	assert.Equal(t, scim.SchemaEnterprise, ent["id"])
	var names []string
	for _, a := range ent["attributes"].([]any) {
		names = append(names, a.(obj)["name"].(string))
	}
	assert.Equal(t, []string{"employeeNumber", "costCenter", "organization", "division", "department", "manager"}, names)
	// A revoked SCIM token stops at once.
	list, err := f.env.Kit.APIKeys.List(f.env.UserCtx(t, f.admin), apikeys.ListInput{AccountID: f.acc.ID})
	require.NoError(t, err)
	for _, key := range list.Keys {
		if key.Name == "Okta" {
			_, err := f.env.Kit.APIKeys.Revoke(f.env.UserCtx(t, f.admin), key.ID)
			require.NoError(t, err)
		}
	}
	f.do(t, "GET", "/scim/v2/Users", nil, 401)
}

// TestSCIM_CrossTenant: a SCIM token of another account, or of a
// sub-account, sees and changes nothing of the account's.
func TestSCIM_CrossTenant(t *testing.T) {
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			f := setup(t, open)
			ada := f.do(t, "POST", "/scim/v2/Users", obj{"userName": "ada@acme.test", "externalId": "shared"}, 201)["id"].(string)
			grp := f.do(t, "POST", "/scim/v2/Groups", obj{"displayName": "Eng", "externalId": "g1", "members": []obj{{"value": ada}}}, 201)["id"].(string)

			other := f.env.MainAccount(t, "globex")
			boss := f.env.ActiveUser(t, other, "boss", security.RoleAccountManager)
			sub := f.env.SubAccount(t, f.acc, "acme-eu")
			subBoss := f.env.ActiveUser(t, sub, "subboss", security.RoleAccountManager)
			for who, tok := range map[string]string{"other": scimToken(t, f.env, boss), "sub": scimToken(t, f.env, subBoss)} {
				t.Run(who, func(t *testing.T) {
					for _, c := range []struct {
						method, path string
						body         any
					}{
						{"GET", "/scim/v2/Users/" + ada, nil},
						{"PUT", "/scim/v2/Users/" + ada, obj{"userName": "ada@acme.test", "emails": []obj{{"value": "x@acme.test"}}}},
						{"PATCH", "/scim/v2/Users/" + ada, patch(obj{"op": "replace", "path": "active", "value": false})},
						{"DELETE", "/scim/v2/Users/" + ada, nil},
						{"GET", "/scim/v2/Groups/" + grp, nil},
						{"PUT", "/scim/v2/Groups/" + grp, obj{"displayName": "Mine"}},
						{"PATCH", "/scim/v2/Groups/" + grp, patch(obj{"op": "remove", "path": "members"})},
						{"DELETE", "/scim/v2/Groups/" + grp, nil},
					} {
						do(t, f.env, tok, c.method, c.path, c.body, 404)
					}
					for _, q := range []string{`userName eq "ada@acme.test"`, `externalId eq "shared"`, `emails.value eq "ada@acme.test"`, `id eq "` + ada + `"`, `userName sw "a"`} {
						list := do(t, f.env, tok, "GET", filterPath("Users", q), nil, 200)
						for _, r := range list["Resources"].([]any) {
							assert.NotEqual(t, ada, r.(obj)["id"], q)
						}
					}
					list := do(t, f.env, tok, "GET", "/scim/v2/Groups", nil, 200)
					assert.Equal(t, 0, total(t, list))
					// Its own group cannot take the account's user.
					g := do(t, f.env, tok, "POST", "/scim/v2/Groups", obj{"displayName": "Theirs " + who}, 201)["id"].(string)
					do(t, f.env, tok, "PATCH", "/scim/v2/Groups/"+g, patch(obj{"op": "add", "path": "members", "value": []obj{{"value": ada}}}), 400)
					// The same externalId is free in another account.
					do(t, f.env, tok, "POST", "/scim/v2/Users", obj{"userName": "u-" + who + "@x.test", "externalId": "shared"}, 201)
				})
			}
			got := f.do(t, "GET", "/scim/v2/Groups/"+grp, nil, 200)
			assert.Equal(t, "Eng", got["displayName"])
			require.Len(t, got["members"], 1)
			u := f.do(t, "GET", "/scim/v2/Users/"+ada, nil, 200)
			assert.Equal(t, true, u["active"])
			assert.Equal(t, "shared", u["externalId"])
		})
	}
}

// TestSCIM_Deprovisioning: active=false ends the user's sessions and stops
// the API keys they created; reactivation lets them work again; DELETE
// frees the seat and revokes their keys (the users.Leaving reactions).
func TestSCIM_Deprovisioning(t *testing.T) {
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			f := setup(t, open)
			sys := f.env.System()
			bob := f.env.ActiveUser(t, f.acc, "bob", security.RoleAccountManager)
			session := f.env.Login(t, "bob", kittest.Password)
			key, err := f.env.Kit.APIKeys.Create(f.env.UserCtx(t, bob), f.acc.ID, apikeys.CreateInput{Name: "bob's",
				Permissions: []security.Permission{security.PermUsersRead}})
			require.NoError(t, err)
			require.Equal(t, 200, f.env.Do(t, "GET", "/api/v1/users", key.Secret, nil).Status)
			_, err = f.env.Kit.Seats.SetPurchased(sys, f.acc.ID, 5)
			require.NoError(t, err)
			_, err = f.env.Kit.Seats.Assign(sys, bob.ID)
			require.NoError(t, err)

			f.do(t, "PATCH", "/scim/v2/Users/"+bob.ID, patch(obj{"op": "replace", "path": "active", "value": false}), 200)
			assert.Equal(t, 401, f.env.Do(t, "GET", "/api/v1/auth/me", session, nil).Status, "sessions ended")
			assert.Equal(t, 401, f.env.Do(t, "GET", "/api/v1/users", key.Secret, nil).Status, "keys stopped")
			_, err = f.env.Store.GetSeat(context.Background(), bob.ID)
			require.NoError(t, err, "deactivation keeps the seat (the seats report lists the user as inactive)")

			f.do(t, "PATCH", "/scim/v2/Users/"+bob.ID, patch(obj{"op": "replace", "path": "active", "value": true}), 200)
			assert.Equal(t, 200, f.env.Do(t, "GET", "/api/v1/users", key.Secret, nil).Status, "keys work again")
			f.env.Login(t, "bob", kittest.Password)

			f.do(t, "DELETE", "/scim/v2/Users/"+bob.ID, nil, 204)
			_, err = f.env.Store.GetSeat(context.Background(), bob.ID)
			assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err), "seat freed")
			k, err := f.env.Store.GetAPIKey(context.Background(), key.Key.ID)
			require.NoError(t, err)
			assert.NotNil(t, k.RevokedAt, "key revoked")

			// The last Account Manager stays: the users service's guard holds.
			f.do(t, "PATCH", "/scim/v2/Users/"+f.admin.ID, patch(obj{"op": "replace", "path": "active", "value": false}), 403)
			f.do(t, "DELETE", "/scim/v2/Users/"+f.admin.ID, nil, 403)
		})
	}
}

// TestSCIM_Concurrency: parallel creates of one userName make one user;
// parallel member PATCHes lose no member.
func TestSCIM_Concurrency(t *testing.T) {
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			f := setup(t, open)
			const n = 50
			var wg sync.WaitGroup
			statuses := make([]int, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := f.env.Do(t, "POST", "/scim/v2/Users", f.token, obj{"userName": "same@acme.test", "externalId": fmt.Sprint("e", i)})
					statuses[i] = r.Status
				}()
			}
			wg.Wait()
			created := 0
			for _, s := range statuses {
				if s == 201 {
					created++
				} else {
					assert.Equal(t, 409, s)
				}
			}
			assert.Equal(t, 1, created)
			list := f.do(t, "GET", filterPath("Users", `userName eq "same@acme.test"`), nil, 200)
			assert.Equal(t, 1, total(t, list))

			gid := f.do(t, "POST", "/scim/v2/Groups", obj{"displayName": "Everyone"}, 201)["id"].(string)
			const m = 20
			ids := make([]string, m)
			for i := range m {
				ids[i] = f.do(t, "POST", "/scim/v2/Users", obj{"userName": fmt.Sprintf("m%d@acme.test", i)}, 201)["id"].(string)
			}
			for i := range m {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := f.env.Do(t, "PATCH", "/scim/v2/Groups/"+gid, f.token, patch(obj{"op": "add", "path": "members", "value": []obj{{"value": ids[i]}}}))
					assert.Equal(t, 200, r.Status, string(r.Body))
				}()
			}
			wg.Wait()
			g := f.do(t, "GET", "/scim/v2/Groups/"+gid, nil, 200)
			assert.Len(t, g["members"], m)
		})
	}
}

// TestSCIM_Filters: text filters narrowed by the users' search text still
// evaluate exactly, on every store.
func TestSCIM_Filters(t *testing.T) {
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			f := setup(t, open)
			ada := f.do(t, "POST", "/scim/v2/Users", obj{"userName": "ada@acme.test", "name": obj{"givenName": "Zed"}}, 201)["id"].(string)
			zed := f.do(t, "POST", "/scim/v2/Users", obj{"userName": "zed@acme.test", "name": obj{"givenName": "Adam"}, "active": false}, 201)["id"].(string)
			ids := func(filter string) []string {
				var out []string
				for _, r := range f.do(t, "GET", filterPath("Users", filter), nil, 200)["Resources"].([]any) {
					out = append(out, r.(obj)["id"].(string))
				}
				return out
			}
			assert.Equal(t, []string{ada}, ids(`userName sw "ADA"`), "the search text also holds zed's first name Adam")
			assert.Equal(t, []string{zed}, ids(`name.givenName co "dA"`))
			assert.Equal(t, []string{ada, zed}, ids(`emails.value ew "@ACME.test" and not (userName eq "admin")`))
			assert.Equal(t, []string{zed}, ids(`userName co "e" and active eq false`))
			assert.Equal(t, []string{ada, zed}, ids(`userName eq "ada@acme.test" or userName eq "zed@acme.test"`))
			assert.Empty(t, ids(`userName ne "ada@acme.test" and userName ne "zed@acme.test" and userName ne "admin"`))
			assert.Equal(t, []string{ada}, ids(`meta.created lt "2100-01-01T00:00:00Z" and name.givenName eq "zed"`))
			list := f.do(t, "GET", "/scim/v2/Users?startIndex=2&count=1", nil, 200)
			assert.Equal(t, 3, total(t, list))
			assert.Equal(t, 2.0, list["startIndex"])
			assert.Equal(t, 1.0, list["itemsPerPage"])
			assert.Equal(t, ada, list["Resources"].([]any)[0].(obj)["id"], "ordered by creation: admin, ada, zed")
			list = f.do(t, "GET", "/scim/v2/Users?count=0", nil, 200)
			assert.Equal(t, 3, total(t, list))
			assert.Empty(t, list["Resources"])
		})
	}
}
