package users

import (
	"context"
	"slices"
	"strings"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/security"
)

// RoleInput describes a custom role.
type RoleInput struct {
	// AccountID defaults to the principal's account (create only).
	AccountID   string `json:"account_id,omitempty"`
	Name        string `json:"name" required:"true"`
	Description string `json:"description"`
	// Permissions is required: an empty list must be given as [].
	Permissions []string `json:"permissions" required:"true"`
}

// RoleView is a role as listed: installation roles by key, custom roles by
// ID.
type RoleView struct {
	Key         string   `json:"key"`
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Permissions []string `json:"permissions"`
	// Kind is builtin, host or custom.
	Kind      string `json:"kind"`
	AccountID string `json:"account_id,omitempty"`
}

func (s *Service) validateRole(in *RoleInput, p *security.Principal) error {
	var v accountkit.Validation
	in.Name = strings.TrimSpace(in.Name)
	v.Text("name", in.Name, 1, 64)
	v.MultilineText("description", in.Description, 0, 500)
	if in.Permissions == nil {
		v.Add("permissions", "is required (an empty list for none)")
	}
	if len(in.Permissions) > 200 {
		v.Add("permissions", "must have at most 200 items")
	}
	for _, perm := range in.Permissions {
		if !s.opts.Registry.HasPermission(security.Permission(perm)) {
			v.Add("permissions", "unknown permission "+clipForMessage(perm))
			break
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	if !p.System {
		for _, perm := range in.Permissions {
			if !p.Permissions.Has(security.Permission(perm)) {
				return accountkit.Errorf(accountkit.Forbidden, "you cannot give a role %q: you do not hold it", perm)
			}
		}
	}
	slices.Sort(in.Permissions)
	in.Permissions = slices.Compact(in.Permissions)
	return nil
}

// CreateRole creates a custom role in an account, usable by the users of
// that account and its sub-accounts. It requires PermRolesManage; the role
// may hold only permissions the principal holds. Audited.
// Errors: Unauthenticated, NotFound, Forbidden, Invalid, Conflict (name).
func (s *Service) CreateRole(ctx context.Context, in RoleInput) (*Role, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if in.AccountID == "" {
		in.AccountID = p.AccountID
	}
	entry := &audit.Entry{AccountID: in.AccountID, Item: audit.ItemUser, Action: audit.ActionCreate,
		Description: "Role created.", FailureDescription: "Role creation failed.", TargetType: "role", TargetName: in.Name}
	var r *Role
	err = s.audit.Run(ctx, entry, func(ctx context.Context) error {
		if _, err := s.authz.Require(ctx, security.PermRolesManage, in.AccountID); err != nil {
			return err
		}
		if err := s.validateRole(&in, p); err != nil {
			return err
		}
		now := s.now()
		r = &Role{ID: s.rt.IDs.NewID(), AccountID: in.AccountID, Name: in.Name, Description: in.Description,
			Permissions: in.Permissions, CreatedAt: now, UpdatedAt: now}
		entry.TargetID = r.ID
		if err := s.store.CreateRole(ctx, r); err != nil {
			if accountkit.ErrorCode(err) == accountkit.Conflict {
				return accountkit.InvalidField("name", "a role with this name exists").WithCode(accountkit.Conflict)
			}
			return err
		}
		return nil
	})
	return r, err
}

func (s *Service) roleInTree(ctx context.Context, id string) (*Role, *security.Principal, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, nil, err
	}
	notFound := accountkit.Errorf(accountkit.NotFound, "role not found")
	if !accountkit.ValidID(id) {
		return nil, nil, notFound
	}
	r, err := s.store.GetRole(ctx, id)
	if err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			return nil, nil, notFound
		}
		return nil, nil, err
	}
	if _, err := s.authz.Require(ctx, security.PermRolesManage, r.AccountID); err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			return nil, nil, notFound
		}
		return nil, nil, err
	}
	return r, p, nil
}

// UpdateRole changes a custom role's name, description and permissions
// (all three are replaced). Requires PermRolesManage and, for every
// permission added, holding it. Audited.
func (s *Service) UpdateRole(ctx context.Context, id string, in RoleInput) (*Role, error) {
	entry := &audit.Entry{Item: audit.ItemUser, Action: audit.ActionUpdate, Description: "Role updated.",
		FailureDescription: "Role update failed.", TargetType: "role", TargetID: id}
	var r *Role
	err := s.audit.Run(ctx, entry, func(ctx context.Context) error {
		var p *security.Principal
		var err error
		if r, p, err = s.roleInTree(ctx, id); err != nil {
			return err
		}
		entry.AccountID, entry.TargetName = r.AccountID, r.Name
		if err := s.validateRole(&in, p); err != nil {
			return err
		}
		r.Name, r.Description, r.Permissions, r.UpdatedAt = in.Name, in.Description, in.Permissions, s.now()
		if err := s.store.UpdateRole(ctx, r); err != nil {
			if accountkit.ErrorCode(err) == accountkit.Conflict {
				return accountkit.InvalidField("name", "a role with this name exists").WithCode(accountkit.Conflict)
			}
			return err
		}
		return nil
	})
	return r, err
}

// DeleteRole removes a custom role and every grant of it. Requires
// PermRolesManage and holding every permission of the role. Audited.
func (s *Service) DeleteRole(ctx context.Context, id string) error {
	entry := &audit.Entry{Item: audit.ItemUser, Action: audit.ActionDelete, Description: "Role deleted.",
		FailureDescription: "Role deletion failed.", TargetType: "role", TargetID: id}
	return s.audit.Run(ctx, entry, func(ctx context.Context) error {
		r, p, err := s.roleInTree(ctx, id)
		if err != nil {
			return err
		}
		entry.AccountID, entry.TargetName = r.AccountID, r.Name
		if !p.System {
			for _, perm := range r.Permissions {
				if !p.Permissions.Has(security.Permission(perm)) {
					return accountkit.Errorf(accountkit.Forbidden, "you cannot delete a role holding %q, which you do not hold", perm)
				}
			}
		}
		return s.store.DeleteRole(ctx, id)
	})
}

// Roles lists the roles usable in an account: the built-in and host roles
// and the custom roles of the account and the accounts above it. Any
// principal of the tree may list them.
func (s *Service) Roles(ctx context.Context, accountID string) (_ []RoleView, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if accountID == "" {
		accountID = p.AccountID
	}
	if err := s.authz.InTree(ctx, accountID); err != nil {
		return nil, err
	}
	path, err := s.store.AccountAncestry(ctx, accountID)
	if err != nil {
		return nil, err
	}
	var out []RoleView
	for _, r := range s.opts.Registry.Roles() {
		kind := "host"
		if r.Builtin {
			kind = "builtin"
		}
		perms := make([]string, len(r.Permissions))
		for i, p := range r.Permissions {
			perms[i] = string(p)
		}
		out = append(out, RoleView{Key: r.Key, Name: r.Name, Description: r.Description, Permissions: perms, Kind: kind})
	}
	custom, err := s.store.ListRoles(ctx, path)
	if err != nil {
		return nil, err
	}
	for _, r := range custom {
		out = append(out, RoleView{Key: r.ID, Name: r.Name, Description: r.Description, Permissions: r.Permissions, Kind: "custom", AccountID: r.AccountID})
	}
	return out, nil
}
