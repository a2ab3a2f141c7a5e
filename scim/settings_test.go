package scim_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/users"
)

const agentRole = "agent"

// setupSeats is setup with a host role "agent" that needs a seat.
func setupSeats(t *testing.T, open kittest.Opener) *fixture {
	t.Helper()
	env := kittest.NewWithStore(t, open(t), func(o *kit.Options) {
		reg := security.NewRegistry()
		require.NoError(t, reg.RegisterRole(security.Role{Key: agentRole, Name: "Agent"}))
		o.Users.Registry = reg
		o.Seats.SeatRoles = []string{agentRole}
	})
	acc := env.MainAccount(t, "acme")
	admin := env.ActiveUser(t, acc, "admin", security.RoleAccountManager)
	return &fixture{env: env, acc: acc, admin: admin, token: scimToken(t, env, admin)}
}

func (f *fixture) settings(t *testing.T, body any, want int) obj {
	t.Helper()
	r := f.env.Do(t, "PUT", "/api/v1/accounts/"+f.acc.ID+"/scim/settings", f.env.Login(t, "admin", kittest.Password), body)
	require.Equal(t, want, r.Status, "%s", r.Body)
	var out obj
	r.JSON(t, &out)
	return out
}

func (f *fixture) roles(t *testing.T, id string) []string {
	t.Helper()
	u, err := f.env.Store.GetUser(context.Background(), id)
	require.NoError(t, err)
	return u.Roles
}

func (f *fixture) hasSeat(t *testing.T, id string) bool {
	t.Helper()
	_, err := f.env.Store.GetSeat(context.Background(), id)
	if accountkit.ErrorCode(err) == accountkit.NotFound {
		return false
	}
	require.NoError(t, err)
	return true
}

// TestSCIM_Settings: the JSON API sets and reads an account's SCIM
// settings, audited; bad input changes nothing; other accounts and
// principals without the permissions are refused.
func TestSCIM_Settings(t *testing.T) {
	f := setupSeats(t, kittest.Stores()["memory"])
	got := f.settings(t, obj{"deactivation_frees_seat": true, "role_mappings": []obj{
		{"attribute": "roles", "value": "admin", "role": security.RoleAccountManager},
		{"attribute": "Department", "value": "Support", "role": agentRole}}}, 200)
	assert.Equal(t, true, got["deactivation_frees_seat"])
	assert.Len(t, got["role_mappings"], 2)
	assert.Contains(t, actors(f.env.Events(t, f.acc.ID), "SCIM settings updated."), "admin")

	session := f.env.Login(t, "admin", kittest.Password)
	for _, bad := range []obj{
		{"role_mappings": []obj{{"attribute": "title", "value": "x", "role": agentRole}}},
		{"role_mappings": []obj{{"attribute": "roles", "value": "x", "role": "no-such-role"}}},
		{"role_mappings": []obj{{"attribute": "roles", "value": "", "role": agentRole}}},
		{"role_mappings": []obj{{"attribute": "roles", "value": "x", "role": agentRole}, {"attribute": "roles", "value": "X", "role": agentRole}}},
		{"deactivation_frees_seat": "yes"},
		{"unknown": true},
	} {
		r := f.env.Do(t, "PUT", "/api/v1/accounts/"+f.acc.ID+"/scim/settings", session, bad)
		assert.Equal(t, 400, r.Status, "%v: %s", bad, r.Body)
	}
	r := f.env.Do(t, "GET", "/api/v1/accounts/"+f.acc.ID+"/scim/settings", session, nil)
	require.Equal(t, 200, r.Status)
	var cur obj
	r.JSON(t, &cur)
	assert.Equal(t, got, cur, "refused changes changed nothing")

	// Another account's manager, a member, and the SCIM token itself.
	other := f.env.MainAccount(t, "globex")
	f.env.ActiveUser(t, other, "boss", security.RoleAccountManager)
	f.env.ActiveUser(t, f.acc, "joe")
	for who, tok := range map[string]string{"other": f.env.Login(t, "boss", kittest.Password), "member": f.env.Login(t, "joe", kittest.Password), "scim": f.token} {
		r := f.env.Do(t, "PUT", "/api/v1/accounts/"+f.acc.ID+"/scim/settings", tok, obj{"deactivation_frees_seat": false})
		assert.Contains(t, []int{403, 404}, r.Status, who)
		r = f.env.Do(t, "GET", "/api/v1/accounts/"+f.acc.ID+"/scim/settings", tok, nil)
		assert.Contains(t, []int{403, 404}, r.Status, who)
	}
	r = f.env.Do(t, "GET", "/api/v1/accounts/"+other.ID+"/scim/settings", session, nil)
	assert.Equal(t, 404, r.Status)
}

// TestSCIM_RoleMappings: roles[].value and department give mapped roles on
// create, PUT and PATCH, and take them away again; a mapped role that
// needs a seat gets one, and a create beyond the seats is refused whole.
func TestSCIM_RoleMappings(t *testing.T) {
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			f := setupSeats(t, open)
			f.settings(t, obj{"role_mappings": []obj{
				{"attribute": "roles", "value": "admin", "role": security.RoleAccountManager},
				{"attribute": "department", "value": "Support", "role": agentRole}}}, 200)
			_, err := f.env.Kit.Seats.SetPurchased(f.env.System(), f.acc.ID, 2)
			require.NoError(t, err)

			// Entra's roles shape: primary as a string.
			ada := f.do(t, "POST", "/scim/v2/Users", obj{"userName": "ada@acme.test",
				"roles": []obj{{"primary": "True", "type": "WindowsAzureActiveDirectoryRole", "value": "Admin"}}}, 201)["id"].(string)
			assert.Equal(t, []string{security.RoleAccountManager}, f.roles(t, ada))
			assert.False(t, f.hasSeat(t, ada), "account_manager needs no seat")
			f.do(t, "PATCH", "/scim/v2/Users/"+ada, patch(obj{"op": "remove", "path": `roles[value eq "admin"]`}), 200)
			assert.Empty(t, f.roles(t, ada))
			f.do(t, "PATCH", "/scim/v2/Users/"+ada, patch(obj{"op": "add", "path": "roles", "value": []obj{{"value": "admin"}}}), 200)
			assert.Equal(t, []string{security.RoleAccountManager}, f.roles(t, ada))
			// A PATCH that does not touch roles keeps them.
			f.do(t, "PATCH", "/scim/v2/Users/"+ada, patch(obj{"op": "replace", "path": "name.givenName", "value": "Ada"}), 200)
			assert.Equal(t, []string{security.RoleAccountManager}, f.roles(t, ada))

			bob := f.do(t, "POST", "/scim/v2/Users", obj{"userName": "bob@acme.test",
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": obj{"department": "support"}}, 201)["id"].(string)
			assert.Equal(t, []string{agentRole}, f.roles(t, bob))
			assert.True(t, f.hasSeat(t, bob), "the mapped seat role brought a seat")
			// A role given by hand, named by no mapping, stays.
			_, err = f.env.Kit.Users.Update(f.env.UserCtx(t, f.admin), bob, users.Update{Roles: &[]string{agentRole, security.RoleMember}})
			require.NoError(t, err)
			// Department changes: the mapped role goes, the seat stays (an administrator frees it).
			f.do(t, "PATCH", "/scim/v2/Users/"+bob, patch(obj{"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Sales"}), 200)
			assert.Equal(t, []string{security.RoleMember}, f.roles(t, bob))
			// PUT with the department again.
			f.do(t, "PUT", "/scim/v2/Users/"+bob, obj{"userName": "bob@acme.test",
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": obj{"department": "Support"}}, 200)
			assert.Equal(t, []string{agentRole, security.RoleMember}, f.roles(t, bob))

			f.do(t, "POST", "/scim/v2/Users", obj{"userName": "carol@acme.test",
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": obj{"department": "Support"}}, 201)
			// The third Support user finds no seat: refused, nothing created.
			body := f.do(t, "POST", "/scim/v2/Users", obj{"userName": "dave@acme.test", "externalId": "d-1",
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": obj{"department": "Support"}}, 403)
			assert.Contains(t, body["detail"], "seat")
			list := f.do(t, "GET", filterPath("Users", `userName eq "dave@acme.test" or externalId eq "d-1"`), nil, 200)
			assert.Equal(t, 0, total(t, list))
			_, err = f.env.Store.GetUserByUsername(context.Background(), "dave@acme.test")
			assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err))
			// Without the seat role the same create works.
			f.do(t, "POST", "/scim/v2/Users", obj{"userName": "dave@acme.test", "externalId": "d-1"}, 201)
		})
	}
}

// TestSCIM_DeactivationSeat: by default deactivation keeps the seat; with
// deactivation_frees_seat it frees it and reactivation takes one again
// (refused, the user staying inactive, when none is left).
func TestSCIM_DeactivationSeat(t *testing.T) {
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			f := setupSeats(t, open)
			f.settings(t, obj{"role_mappings": []obj{{"attribute": "department", "value": "Support", "role": agentRole}}}, 200)
			_, err := f.env.Kit.Seats.SetPurchased(f.env.System(), f.acc.ID, 1)
			require.NoError(t, err)
			ent := obj{"department": "Support"}
			id := f.do(t, "POST", "/scim/v2/Users", obj{"userName": "ada@acme.test", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": ent}, 201)["id"].(string)
			require.True(t, f.hasSeat(t, id))
			off := patch(obj{"op": "replace", "path": "active", "value": false})
			on := patch(obj{"op": "replace", "path": "active", "value": true})

			// Default: the seat is kept through deactivation and reactivation.
			f.do(t, "PATCH", "/scim/v2/Users/"+id, off, 200)
			assert.True(t, f.hasSeat(t, id))
			assert.Equal(t, true, f.do(t, "PATCH", "/scim/v2/Users/"+id, on, 200)["active"])
			assert.True(t, f.hasSeat(t, id))

			f.settings(t, obj{"deactivation_frees_seat": true, "role_mappings": []obj{{"attribute": "department", "value": "Support", "role": agentRole}}}, 200)
			f.do(t, "PATCH", "/scim/v2/Users/"+id, off, 200)
			assert.False(t, f.hasSeat(t, id), "deactivation freed the seat")
			assert.Equal(t, true, f.do(t, "PATCH", "/scim/v2/Users/"+id, on, 200)["active"])
			assert.True(t, f.hasSeat(t, id), "reactivation took a seat again")

			// The freed seat goes to someone else; reactivation is then refused whole.
			f.do(t, "PATCH", "/scim/v2/Users/"+id, off, 200)
			bob := f.do(t, "POST", "/scim/v2/Users", obj{"userName": "bob@acme.test", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": ent}, 201)["id"].(string)
			require.True(t, f.hasSeat(t, bob))
			f.do(t, "PATCH", "/scim/v2/Users/"+id, on, 403)
			u, err := f.env.Store.GetUser(context.Background(), id)
			require.NoError(t, err)
			assert.Equal(t, users.StatusDisabled, u.Status, "still inactive")
			assert.Equal(t, false, f.do(t, "GET", "/scim/v2/Users/"+id, nil, 200)["active"])
		})
	}
}
