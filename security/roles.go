package security

import (
	"fmt"
	"slices"
	"sort"
	"sync"
)

// Keys of the built-in roles.
const (
	// RoleAccountManager holds every account-settings permission.
	RoleAccountManager = "account_manager"
	// RoleMember holds no administrative permission.
	RoleMember = "member"
)

// Role is a named set of permissions that the installation defines: the
// built-in roles and the roles a host application registers. Accounts add
// their own custom roles through the users package.
type Role struct {
	Key         string
	Name        string
	Description string
	Permissions []Permission
	// Builtin marks accountkit's own roles.
	Builtin bool
}

// Registry knows every permission and installation-wide role. It starts
// with accountkit's own; hosts register theirs before serving.
type Registry struct {
	mu    sync.RWMutex
	perms map[Permission]string
	roles map[string]Role
}

// NewRegistry returns a Registry holding the built-in permissions and roles.
func NewRegistry() *Registry {
	r := &Registry{perms: map[Permission]string{}, roles: map[string]Role{}}
	for _, p := range AccountSettingsPermissions {
		r.perms[p] = "account settings"
	}
	r.roles[RoleAccountManager] = Role{Key: RoleAccountManager, Name: "Account Manager", Builtin: true,
		Description: "Manages every account setting: users, teams, roles, security, SSO, seats, audit log.",
		Permissions: slices.Clone(AccountSettingsPermissions)}
	r.roles[RoleMember] = Role{Key: RoleMember, Name: "Member", Builtin: true,
		Description: "Uses the product; no administrative permission."}
	return r
}

// RegisterPermission adds a host permission, e.g. "conversations.use".
func (r *Registry) RegisterPermission(p Permission, description string) error {
	if !validKey(string(p)) {
		return fmt.Errorf("security: invalid permission name %q", p)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.perms[p]; ok {
		return fmt.Errorf("security: permission %q already registered", p)
	}
	r.perms[p] = description
	return nil
}

// RegisterRole adds a host role, e.g. a "Conversations agent". Its
// permissions must be registered first.
func (r *Registry) RegisterRole(role Role) error {
	if !validKey(role.Key) || role.Name == "" {
		return fmt.Errorf("security: invalid role key %q or empty name", role.Key)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.roles[role.Key]; ok {
		return fmt.Errorf("security: role %q already registered", role.Key)
	}
	for _, p := range role.Permissions {
		if _, ok := r.perms[p]; !ok {
			return fmt.Errorf("security: role %q uses unregistered permission %q", role.Key, p)
		}
	}
	role.Builtin = false
	role.Permissions = slices.Clone(role.Permissions)
	r.roles[role.Key] = role
	return nil
}

// HasPermission reports whether p is registered.
func (r *Registry) HasPermission(p Permission) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.perms[p]
	return ok
}

// Permissions lists every registered permission in sorted order.
func (r *Registry) Permissions() []Permission {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Permission, 0, len(r.perms))
	for p := range r.perms {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// Role returns an installation-wide role by key.
func (r *Registry) Role(key string) (Role, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	role, ok := r.roles[key]
	if ok {
		role.Permissions = slices.Clone(role.Permissions)
	}
	return role, ok
}

// Roles lists the installation-wide roles ordered by key.
func (r *Registry) Roles() []Role {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Role, 0, len(r.roles))
	for _, role := range r.roles {
		role.Permissions = slices.Clone(role.Permissions)
		out = append(out, role)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func validKey(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}
