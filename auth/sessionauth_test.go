package auth_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/teams"
	"github.com/accountkit/accountkit/users"
)

// TestSessionPrincipal_Roles: a session's permissions come from registry
// roles and from the custom roles of the user's account path, granted
// directly or through a team; a custom role of another tree written into
// the grants grants nothing; disabling an account above the user's ends
// the session's use.
func TestSessionPrincipal_Roles(t *testing.T) {
	t.Parallel()
	env, main, _, ctx := setup(t)
	sub := env.SubAccount(t, main, "acme-eu")
	inTree, err := env.Kit.Users.CreateRole(ctx, users.RoleInput{AccountID: main.ID, Name: "Auditors",
		Permissions: []string{string(security.PermAuditRead)}})
	require.NoError(t, err)
	u := env.ActiveUser(t, sub, "ivy", security.RoleMember)
	tm, err := env.Kit.Teams.Create(ctx, teams.CreateInput{AccountID: sub.ID, Name: "Audit", Roles: []string{inTree.ID}})
	require.NoError(t, err)
	token := env.Login(t, "ivy", kittest.Password)
	p, _, err := env.Kit.Auth.SessionPrincipal(context.Background(), token)
	require.NoError(t, err)
	assert.False(t, p.Permissions.Has(security.PermAuditRead), "not yet a team member")
	assert.Equal(t, sub.ID, p.AccountID)

	_, err = env.Kit.Teams.AddMembers(ctx, tm.ID, []string{u.ID})
	require.NoError(t, err)
	p, _, err = env.Kit.Auth.SessionPrincipal(context.Background(), token)
	require.NoError(t, err)
	assert.True(t, p.Permissions.Has(security.PermAuditRead), "custom role of the tree, through a team")

	// A custom role of another tree, written straight into the store.
	other := env.MainAccount(t, "other")
	otherCtx := env.UserCtx(t, env.ActiveUser(t, other, "olga", security.RoleAccountManager))
	foreign, err := env.Kit.Users.CreateRole(otherCtx, users.RoleInput{Name: "Foreign",
		Permissions: []string{string(security.PermUsersManage)}})
	require.NoError(t, err)
	stored, err := env.Store.GetUser(context.Background(), u.ID)
	require.NoError(t, err)
	stored.Roles = append(stored.Roles, foreign.ID)
	require.NoError(t, env.Store.UpdateUser(context.Background(), stored))
	p, _, err = env.Kit.Auth.SessionPrincipal(context.Background(), token)
	require.NoError(t, err)
	assert.False(t, p.Permissions.Has(security.PermUsersManage), "a custom role of another tree grants nothing")
	assert.True(t, p.Permissions.Has(security.PermAuditRead))

	// The main account disabled in the store alone (the service would
	// also end the sessions): the path check refuses the session.
	m, err := env.Store.GetAccount(context.Background(), main.ID)
	require.NoError(t, err)
	m.Status = account.StatusDisabled
	require.NoError(t, env.Store.UpdateAccount(context.Background(), m))
	_, _, err = env.Kit.Auth.SessionPrincipal(context.Background(), token)
	assert.Equal(t, accountkit.Unauthenticated, accountkit.ErrorCode(err), "the main account above is disabled")
}
