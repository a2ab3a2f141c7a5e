package scim_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/scim"
)

func userNames(t *testing.T, list obj) []string {
	t.Helper()
	out := []string{}
	for _, r := range list["Resources"].([]any) {
		out = append(out, r.(obj)["userName"].(string))
	}
	return out
}

// TestSCIM_Sort: sortBy/sortOrder order user and group lists in the
// store, consistently with startIndex/count, with and without a filter;
// an unsupported sortBy or sortOrder is a 400 invalidValue.
func TestSCIM_Sort(t *testing.T) {
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			f := setup(t, open)
			// Created in this order; externalIds sort differently.
			for _, u := range []struct{ name, ext string }{{"carol@acme.test", "x-3"}, {"alice@acme.test", "x-9"}, {"bob@acme.test", "x-1"}, {"dave@acme.test", ""}} {
				body := obj{"userName": u.name}
				if u.ext != "" {
					body["externalId"] = u.ext
				}
				f.env.Clock.Advance(time.Second)
				f.do(t, "POST", "/scim/v2/Users", body, 201)
			}
			f.env.Clock.Advance(time.Second)
			// Touch carol last.
			carol := f.do(t, "GET", filterPath("Users", `userName eq "carol@acme.test"`), nil, 200)["Resources"].([]any)[0].(obj)["id"].(string)
			f.do(t, "PATCH", "/scim/v2/Users/"+carol, patch(obj{"op": "replace", "path": "name.givenName", "value": "Carol"}), 200)

			list := f.do(t, "GET", "/scim/v2/Users?sortBy=userName", nil, 200)
			assert.Equal(t, []string{"admin", "alice@acme.test", "bob@acme.test", "carol@acme.test", "dave@acme.test"}, userNames(t, list))
			list = f.do(t, "GET", "/scim/v2/Users?sortBy=userName&sortOrder=descending&startIndex=2&count=2", nil, 200)
			assert.Equal(t, []string{"carol@acme.test", "bob@acme.test"}, userNames(t, list))
			assert.Equal(t, 5, total(t, list))
			assert.Equal(t, 2, int(list["itemsPerPage"].(float64)))
			list = f.do(t, "GET", "/scim/v2/Users?sortBy="+url.QueryEscape(scim.SchemaUser+":externalId"), nil, 200)
			assert.Equal(t, []string{"bob@acme.test", "carol@acme.test", "alice@acme.test"}, userNames(t, list)[2:])
			list = f.do(t, "GET", "/scim/v2/Users?sortBy=meta.created&sortOrder=Descending&count=3", nil, 200)
			assert.Equal(t, []string{"dave@acme.test", "bob@acme.test", "alice@acme.test"}, userNames(t, list))
			list = f.do(t, "GET", "/scim/v2/Users?sortBy=meta.lastModified&sortOrder=descending&count=1", nil, 200)
			assert.Equal(t, []string{"carol@acme.test"}, userNames(t, list))
			// The default order is creation.
			list = f.do(t, "GET", "/scim/v2/Users?startIndex=2&count=2", nil, 200)
			assert.Equal(t, []string{"carol@acme.test", "alice@acme.test"}, userNames(t, list))
			// With filters: a scanned one and an indexed one.
			list = f.do(t, "GET", filterPath("Users", `userName ew "@acme.test"`)+"&sortBy=userName&sortOrder=descending&startIndex=2&count=2", nil, 200)
			assert.Equal(t, []string{"carol@acme.test", "bob@acme.test"}, userNames(t, list))
			assert.Equal(t, 4, total(t, list))
			list = f.do(t, "GET", filterPath("Users", `userName eq "dave@acme.test" or userName eq "alice@acme.test" or userName eq "bob@acme.test"`)+"&sortBy=userName&sortOrder=descending", nil, 200)
			assert.Equal(t, []string{"dave@acme.test", "bob@acme.test", "alice@acme.test"}, userNames(t, list))

			for _, n := range []string{"Zeta", "alpha", "Mid"} {
				f.do(t, "POST", "/scim/v2/Groups", obj{"displayName": n}, 201)
			}
			groups := func(q string) []string {
				out := []string{}
				for _, r := range f.do(t, "GET", "/scim/v2/Groups?"+q, nil, 200)["Resources"].([]any) {
					out = append(out, r.(obj)["displayName"].(string))
				}
				return out
			}
			assert.Equal(t, []string{"alpha", "Mid", "Zeta"}, groups("sortBy=displayName"))
			assert.Equal(t, []string{"Zeta", "Mid"}, groups("sortBy=displayName&sortOrder=descending&count=2"))
			assert.Equal(t, []string{"Mid"}, groups("sortBy=displayName&sortOrder=descending&startIndex=2&count=1"))

			for _, q := range []string{"Users?sortBy=name.givenName", "Users?sortBy=emails", "Users?sortBy=userName&sortOrder=up", "Groups?sortBy=meta.created", "Users?sortBy=nosuch"} {
				body := f.do(t, "GET", "/scim/v2/"+q, nil, 400)
				require.Equal(t, scim.TypeInvalidValue, body["scimType"], q)
			}
			cfg := f.do(t, "GET", "/scim/v2/ServiceProviderConfig", nil, 200)
			assert.Equal(t, true, cfg["sort"].(obj)["supported"])
		})
	}
}
