package users

import (
	"slices"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/security"
)

// GrantedRole is one role key a user holds, directly or through a team,
// as a store reads it in one go with the custom role of that ID, if any
// (auth.SessionStore.SessionAuth). Stores fill it; the rule of what it
// grants is GrantedPermissions.
type GrantedRole struct {
	// Key is the role key: a registry role's key or a custom role's ID.
	Key string
	// ViaTeam marks a key granted through one of the user's teams.
	ViaTeam bool
	// Custom reports that a custom role with ID Key exists; then
	// CustomAccountID is the account that defines it and
	// CustomPermissions its permissions.
	Custom            bool
	CustomAccountID   string
	CustomPermissions []string
}

// GrantedPermissions is EffectivePermissions for grants read already:
// ancestry is the user's account path (main account first, the user's
// account last) and grants its direct and team role keys. It applies the
// rule of rolePermissions: a registry role grants its permissions; a
// custom role grants its own only when it exists and is defined in the
// user's account or an account above it; any other key grants nothing.
func (s *Service) GrantedPermissions(ancestry []string, grants []GrantedRole) security.PermissionSet {
	var perms []security.Permission
	for i := range grants {
		g := &grants[i]
		if r, ok := s.opts.Registry.Role(g.Key); ok {
			perms = append(perms, r.Permissions...)
			continue
		}
		if !g.Custom || !accountkit.ValidID(g.Key) || !slices.Contains(ancestry, g.CustomAccountID) {
			continue
		}
		for _, p := range g.CustomPermissions {
			perms = append(perms, security.Permission(p))
		}
	}
	return security.NewPermissionSet(perms...)
}
