package scim_test

import (
	"net/url"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/scim"
)

func keys(m obj) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestSCIM_Attributes: attributes and excludedAttributes reduce GET, list,
// POST, PUT and PATCH answers; id and schemas are always returned; unknown
// names select nothing; malformed lists and the pair together are refused.
func TestSCIM_Attributes(t *testing.T) {
	f := setup(t, kittest.Stores()["memory"])
	created := f.do(t, "POST", "/scim/v2/Users?attributes=userName", obj{
		"userName": "ada@acme.test", "name": obj{"givenName": "Ada", "familyName": "Lovelace"},
		"externalId": "e-1", "phoneNumbers": []obj{{"value": "+41446681800", "type": "work"}},
		scim.SchemaEnterprise: obj{"department": "R&D", "costCenter": "42"},
	}, 201)
	assert.Equal(t, []string{"id", "schemas", "userName"}, keys(created))
	id := created["id"].(string)

	u := f.do(t, "GET", "/scim/v2/Users/"+id+"?attributes="+url.QueryEscape("name.givenName,emails.value,externalId,id,nosuch,urn:x:nothing"), nil, 200)
	assert.Equal(t, []string{"emails", "externalId", "id", "name", "schemas"}, keys(u))
	assert.Equal(t, obj{"givenName": "Ada"}, u["name"])
	assert.Equal(t, []any{obj{"value": "ada@acme.test"}}, u["emails"])

	// Schema-qualified names, the extension by URI and one of its attributes.
	u = f.do(t, "GET", "/scim/v2/Users/"+id+"?attributes="+url.QueryEscape(scim.SchemaUser+":userName,"+scim.SchemaEnterprise+":department"), nil, 200)
	assert.Equal(t, []string{"id", "schemas", scim.SchemaEnterprise, "userName"}, keys(u))
	assert.Equal(t, obj{"department": "R&D"}, u[scim.SchemaEnterprise])

	u = f.do(t, "GET", "/scim/v2/Users/"+id+"?excludedAttributes="+url.QueryEscape("id,schemas,meta,name.familyName,emails,"+scim.SchemaEnterprise), nil, 200)
	assert.Contains(t, keys(u), "id")
	assert.Contains(t, keys(u), "schemas")
	assert.NotContains(t, keys(u), "meta")
	assert.NotContains(t, keys(u), "emails")
	assert.NotContains(t, keys(u), scim.SchemaEnterprise)
	assert.Equal(t, obj{"givenName": "Ada", "formatted": "Ada Lovelace"}, u["name"])
	assert.Equal(t, "ada@acme.test", u["userName"])

	list := f.do(t, "GET", "/scim/v2/Users?attributes=userName,active", nil, 200)
	require.Equal(t, 2, total(t, list))
	for _, r := range list["Resources"].([]any) {
		assert.Equal(t, []string{"active", "id", "schemas", "userName"}, keys(r.(obj)))
	}
	list = f.do(t, "GET", filterPath("Users", `userName eq "ada@acme.test"`)+"&excludedAttributes=meta,name", nil, 200)
	require.Equal(t, 1, total(t, list))
	r := list["Resources"].([]any)[0].(obj)
	assert.NotContains(t, keys(r), "meta")
	assert.NotContains(t, keys(r), "name")
	assert.Contains(t, keys(r), "userName")

	got := f.do(t, "PATCH", "/scim/v2/Users/"+id+"?attributes=active", patch(obj{"op": "replace", "path": "active", "value": false}), 200)
	assert.Equal(t, obj{"id": id, "schemas": got["schemas"], "active": false}, got)
	got = f.do(t, "PUT", "/scim/v2/Users/"+id+"?excludedAttributes=name", obj{"userName": "ada@acme.test", "active": true}, 200)
	assert.NotContains(t, keys(got), "name")
	assert.Equal(t, true, got["active"])

	g := f.do(t, "POST", "/scim/v2/Groups?attributes=displayName", obj{"displayName": "Eng", "members": []obj{{"value": id}}}, 201)
	assert.Equal(t, []string{"displayName", "id", "schemas"}, keys(g))
	gid := g["id"].(string)
	g = f.do(t, "GET", "/scim/v2/Groups/"+gid+"?attributes=members.value", nil, 200)
	assert.Equal(t, []any{obj{"value": id}}, g["members"])
	g = f.do(t, "GET", "/scim/v2/Groups/"+gid+"?excludedAttributes=members.display,members.$ref", nil, 200)
	assert.Equal(t, []any{obj{"value": id}}, g["members"])
	list = f.do(t, "GET", "/scim/v2/Groups?attributes=displayName", nil, 200)
	assert.Equal(t, []string{"displayName", "id", "schemas"}, keys(list["Resources"].([]any)[0].(obj)))

	body := f.do(t, "GET", filterPath("Users", scim.SchemaEnterprise+`:department eq "R&D"`), nil, 400)
	assert.Equal(t, scim.TypeInvalidFilter, body["scimType"], "enterprise attributes are not filterable (documented)")
	for _, q := range []string{"attributes=userName&excludedAttributes=name", "attributes=" + url.QueryEscape("user name"),
		"attributes=" + url.QueryEscape("emails[type eq \"work\"]"), "excludedAttributes=,", "attributes=1abc"} {
		body := f.do(t, "GET", "/scim/v2/Users?"+q, nil, 400)
		assert.Equal(t, scim.TypeInvalidValue, body["scimType"], q)
	}
}
