package scim_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/apikeys"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/teams"
)

// TestSCIM_SubAccountScope: a token created with scim.subaccounts reaches
// the users and teams of its account's sub-accounts (creates stay in its
// account); a token without it never does; a token of another account
// with it reaches nothing of this tree.
func TestSCIM_SubAccountScope(t *testing.T) {
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			f := setup(t, open)
			sub := f.env.SubAccount(t, f.acc, "acme-eu")
			subUser := f.env.ActiveUser(t, sub, "eu.user")
			team, err := f.env.Kit.Teams.Create(f.env.UserCtx(t, f.admin), teams.CreateInput{AccountID: sub.ID, Name: "EU team"})
			require.NoError(t, err)
			wide, err := f.env.Kit.APIKeys.Create(f.env.UserCtx(t, f.admin), f.acc.ID, apikeys.CreateInput{Name: "Okta wide",
				Permissions: []security.Permission{security.PermSCIMProvision, security.PermSCIMSubAccounts}})
			require.NoError(t, err)
			tok := wide.Secret

			// Without the option (f.token): the sub-account is out of reach.
			f.do(t, "GET", "/scim/v2/Users/"+subUser.ID, nil, 404)
			f.do(t, "PATCH", "/scim/v2/Users/"+subUser.ID, patch(obj{"op": "replace", "path": "active", "value": false}), 404)
			f.do(t, "GET", "/scim/v2/Groups/"+team.ID, nil, 404)
			list := f.do(t, "GET", filterPath("Users", `userName eq "eu.user"`), nil, 200)
			assert.Equal(t, 0, total(t, list))
			assert.Equal(t, 0, total(t, f.do(t, "GET", "/scim/v2/Groups", nil, 200)))

			// With it: read, list, change and group the sub-account's user.
			u := do(t, f.env, tok, "GET", "/scim/v2/Users/"+subUser.ID, nil, 200)
			assert.Equal(t, "eu.user", u["userName"])
			list = do(t, f.env, tok, "GET", filterPath("Users", `userName eq "eu.user"`), nil, 200)
			assert.Equal(t, 1, total(t, list))
			list = do(t, f.env, tok, "GET", "/scim/v2/Users?sortBy=userName", nil, 200)
			assert.Equal(t, []string{"admin", "eu.user"}, userNames(t, list))
			do(t, f.env, tok, "PATCH", "/scim/v2/Users/"+subUser.ID, patch(obj{"op": "replace", "path": "name.givenName", "value": "Eu"}), 200)
			do(t, f.env, tok, "PATCH", "/scim/v2/Groups/"+team.ID, patch(obj{"op": "add", "path": "members", "value": []obj{{"value": subUser.ID}}}), 200)
			g := do(t, f.env, tok, "GET", "/scim/v2/Groups/"+team.ID, nil, 200)
			require.Len(t, g["members"], 1)
			assert.Equal(t, 1, total(t, do(t, f.env, tok, "GET", "/scim/v2/Groups", nil, 200)))
			// Creates land in the token's account.
			id := do(t, f.env, tok, "POST", "/scim/v2/Users", obj{"userName": "new@acme.test"}, 201)["id"].(string)
			nu, err := f.env.Store.GetUser(t.Context(), id)
			require.NoError(t, err)
			assert.Equal(t, f.acc.ID, nu.AccountID)

			// Another account's token, even with the option, reaches nothing here.
			other := f.env.MainAccount(t, "globex")
			boss := f.env.ActiveUser(t, other, "boss", security.RoleAccountManager)
			ok, err := f.env.Kit.APIKeys.Create(f.env.UserCtx(t, boss), other.ID, apikeys.CreateInput{Name: "wide",
				Permissions: []security.Permission{security.PermSCIMProvision, security.PermSCIMSubAccounts}})
			require.NoError(t, err)
			for _, p := range []string{"/scim/v2/Users/" + subUser.ID, "/scim/v2/Users/" + f.admin.ID, "/scim/v2/Groups/" + team.ID} {
				do(t, f.env, ok.Secret, "GET", p, nil, 404)
				do(t, f.env, ok.Secret, "DELETE", p, nil, 404)
			}
			assert.Equal(t, 0, total(t, do(t, f.env, ok.Secret, "GET", filterPath("Users", `userName eq "eu.user"`), nil, 200)))
			assert.Equal(t, 1, total(t, do(t, f.env, ok.Secret, "GET", "/scim/v2/Users", nil, 200)), "only its own boss")
			// A sub-account's own wide token does not reach up to the main account.
			subBoss := f.env.ActiveUser(t, sub, "subboss", security.RoleAccountManager)
			sk, err := f.env.Kit.APIKeys.Create(f.env.UserCtx(t, subBoss), sub.ID, apikeys.CreateInput{Name: "wide",
				Permissions: []security.Permission{security.PermSCIMProvision, security.PermSCIMSubAccounts}})
			require.NoError(t, err)
			do(t, f.env, sk.Secret, "GET", "/scim/v2/Users/"+f.admin.ID, nil, 404)
			do(t, f.env, sk.Secret, "GET", "/scim/v2/Users/"+subUser.ID, nil, 200)
		})
	}
}
