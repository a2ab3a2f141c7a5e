package scim

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/users"
)

// SettingsInput is the body of PUT /api/v1/accounts/{id}/scim/settings:
// the whole settings, replaced.
type SettingsInput struct {
	DeactivationFreesSeat bool          `json:"deactivation_frees_seat"`
	RoleMappings          []RoleMapping `json:"role_mappings"`
}

// Settings returns the SCIM settings of an account (the zero settings
// when none were set). It requires PermAccountSettings in the account.
// Errors: Unauthenticated, NotFound (account unknown or outside the
// principal's tree), Forbidden.
func (s *Service) Settings(ctx context.Context, accountID string) (_ *Settings, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	if _, err := s.authz.Require(ctx, security.PermAccountSettings, accountID); err != nil {
		return nil, err
	}
	return s.settings(ctx, accountID)
}

func (s *Service) settings(ctx context.Context, accountID string) (*Settings, error) {
	st, err := s.store.SCIMSettings(ctx, accountID)
	if accountkit.ErrorCode(err) == accountkit.NotFound {
		return &Settings{AccountID: accountID}, nil
	}
	return st, err
}

// SetSettings replaces the SCIM settings of an account. It requires
// PermAccountSettings and PermUsersManage in the account, and — as for
// granting a role by hand — every permission of each role a mapping names
// (no escalation: a mapping lets the SCIM client grant the role). Roles
// must exist for the account; at most MaxRoleMappings mappings, no
// duplicates. Audited ("SCIM settings updated."). Errors:
// Unauthenticated, NotFound, Forbidden, Invalid (the field named).
func (s *Service) SetSettings(ctx context.Context, accountID string, in SettingsInput) (*Settings, error) {
	entry := &audit.Entry{AccountID: accountID, Item: audit.ItemAccount, Action: audit.ActionUpdate,
		Description: "SCIM settings updated.", FailureDescription: "SCIM settings update failed.",
		TargetType: "account", TargetID: accountID}
	var out *Settings
	err := s.audit.Run(ctx, entry, func(ctx context.Context) error {
		p, err := s.authz.Require(ctx, security.PermAccountSettings, accountID)
		if err != nil {
			return err
		}
		if !p.System && !p.Permissions.Has(security.PermUsersManage) {
			return accountkit.Errorf(accountkit.Forbidden, "permission %q required", security.PermUsersManage)
		}
		maps, err := s.checkMappings(ctx, p, accountID, in.RoleMappings)
		if err != nil {
			return err
		}
		out = &Settings{AccountID: accountID, DeactivationFreesSeat: in.DeactivationFreesSeat, RoleMappings: maps, UpdatedAt: s.rt.Now()}
		entry.Details = map[string]string{"deactivation_frees_seat": strconv.FormatBool(in.DeactivationFreesSeat),
			"role_mappings": strconv.Itoa(len(maps))}
		return s.store.SetSCIMSettings(ctx, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// checkMappings validates and normalises mappings for the account.
func (s *Service) checkMappings(ctx context.Context, p *security.Principal, accountID string, in []RoleMapping) ([]RoleMapping, error) {
	if len(in) > MaxRoleMappings {
		return nil, accountkit.InvalidField("role_mappings", "at most 100 mappings")
	}
	if len(in) == 0 {
		return nil, nil
	}
	views, err := s.users.Roles(ctx, accountID)
	if err != nil {
		return nil, err
	}
	perms := map[string][]string{}
	for _, v := range views {
		perms[v.Key] = v.Permissions
	}
	out := make([]RoleMapping, 0, len(in))
	seen := map[RoleMapping]bool{}
	for i, m := range in {
		field := "role_mappings[" + strconv.Itoa(i) + "]"
		m.Attribute = strings.ToLower(strings.TrimSpace(m.Attribute))
		m.Value = strings.TrimSpace(m.Value)
		if m.Attribute != MapRoles && m.Attribute != MapDepartment {
			return nil, accountkit.InvalidField(field+".attribute", "must be roles or department")
		}
		if msg := accountkit.TextProblem(m.Value, 1, MaxEnterpriseLength, false); msg != "" {
			return nil, accountkit.InvalidField(field+".value", msg)
		}
		ps, ok := perms[m.Role]
		if !ok {
			return nil, accountkit.InvalidField(field+".role", "unknown role "+accountkit.Clip(m.Role, 40))
		}
		if !p.System {
			for _, perm := range ps {
				if !p.Permissions.Has(security.Permission(perm)) {
					return nil, accountkit.Errorf(accountkit.Forbidden, "you cannot map role %s: it holds %q, which you do not", accountkit.Clip(m.Role, 40), perm)
				}
			}
		}
		key := RoleMapping{Attribute: m.Attribute, Value: strings.ToLower(m.Value), Role: m.Role}
		if seen[key] {
			return nil, accountkit.InvalidField(field, "duplicates another mapping")
		}
		seen[key] = true
		out = append(out, m)
	}
	return out, nil
}

// mappedRoles returns the roles the mappings give a user with the SCIM
// role values and department, and every role the mappings name (the
// roles SCIM manages).
func mappedRoles(maps []RoleMapping, roleValues []string, department string) (granted, managed []string) {
	for _, m := range maps {
		managed = append(managed, m.Role)
		match := false
		switch m.Attribute {
		case MapRoles:
			match = slices.ContainsFunc(roleValues, func(v string) bool { return strings.EqualFold(strings.TrimSpace(v), m.Value) })
		case MapDepartment:
			match = strings.EqualFold(department, m.Value)
		}
		if match {
			granted = append(granted, m.Role)
		}
	}
	return uniq(granted), uniq(managed)
}

// applyRoles gives the user the roles its mappings grant and takes away
// the mapped roles they no longer grant (roles no mapping names are left
// alone). roleValues is nil when the request did not send "roles": the
// roles mapped from "roles" are then kept as they are. A new role that
// needs a seat (Deps.SeatRoles) is given a seat through Deps.AssignSeat
// within the same transaction, so a seat limit refuses the whole request.
func (s *Service) applyRoles(ctx context.Context, acc string, u *users.User, roleValues []string, department string) (*users.User, error) {
	st, err := s.settings(ctx, acc)
	if err != nil || len(st.RoleMappings) == 0 {
		return u, err
	}
	granted, managed := mappedRoles(st.RoleMappings, roleValues, department)
	if roleValues == nil {
		// Keep what "roles" mappings gave: they are decided by "roles" only.
		var byRoles []string
		for _, m := range st.RoleMappings {
			if m.Attribute == MapRoles && slices.Contains(u.Roles, m.Role) {
				byRoles = append(byRoles, m.Role)
			}
		}
		granted = uniq(append(granted, byRoles...))
	}
	next := slices.DeleteFunc(slices.Clone(u.Roles), func(r string) bool { return slices.Contains(managed, r) })
	next = uniq(append(next, granted...))
	if slices.Equal(next, uniq(u.Roles)) {
		return u, nil
	}
	var perms []security.Permission
	views, err := s.users.Roles(ctx, acc)
	if err != nil {
		return nil, err
	}
	for _, v := range views {
		if slices.Contains(granted, v.Key) {
			for _, p := range v.Permissions {
				perms = append(perms, security.Permission(p))
			}
		}
	}
	// The account's administrator delegated these grants by defining the
	// mappings (checked against their permissions then).
	p := security.PrincipalFrom(ctx)
	grant := *p
	grant.Permissions = security.NewPermissionSet(append(perms, security.PermUsersManage, security.PermUsersRead, security.PermTeamsManage)...)
	gctx := security.WithPrincipal(ctx, &grant)
	had := slices.Clone(u.Roles)
	if u, err = s.users.Update(gctx, u.ID, users.Update{Roles: &next}); err != nil {
		return nil, err
	}
	if err := s.seatFor(ctx, u, had); err != nil {
		return nil, err
	}
	return u, nil
}

// seatFor assigns the user a seat when it now holds a seat role it did
// not hold before (had), is not disabled and holds no seat yet.
func (s *Service) seatFor(ctx context.Context, u *users.User, had []string) error {
	if s.seats.Assign == nil || u.Status == users.StatusDisabled {
		return nil
	}
	needs := false
	for _, r := range u.Roles {
		if slices.Contains(s.seats.Roles, r) && (had == nil || !slices.Contains(had, r)) {
			needs = true
		}
	}
	if !needs {
		return nil
	}
	return s.assignSeat(ctx, u.ID)
}

// assignSeat assigns the user a seat unless it holds one; a seat limit
// answers LimitExceeded with the SCIM detail saying so.
func (s *Service) assignSeat(ctx context.Context, userID string) error {
	p := *security.PrincipalFrom(ctx)
	p.Permissions = security.NewPermissionSet(security.PermSeatsManage, security.PermUsersManage, security.PermUsersRead)
	err := s.seats.Assign(security.WithPrincipal(ctx, &p), userID)
	switch accountkit.ErrorCode(err) {
	case accountkit.Conflict: // holds a seat already
		return nil
	case accountkit.LimitExceeded:
		return &Error{Status: 403, Err: accountkit.Errorf(accountkit.LimitExceeded, "the user needs a seat and none can be assigned: %s", accountkit.ErrorMessage(err))}
	}
	return err
}

// holdsSeatRole reports whether the user holds a role needing a seat.
func (s *Service) holdsSeatRole(u *users.User) bool {
	return slices.ContainsFunc(u.Roles, func(r string) bool { return slices.Contains(s.seats.Roles, r) })
}

func nonNil(vs []string) []string {
	if vs == nil {
		return []string{}
	}
	return vs
}

// roleValues returns the user's SCIM role values after the operations:
// nil when there are none (the request did not touch "roles"). The values
// before are those of the "roles" mappings whose role the user holds (the
// service keeps no other record of them).
func (s *Service) roleValues(ctx context.Context, acc string, u *users.User, ops []roleOp) ([]string, error) {
	if len(ops) == 0 {
		return nil, nil
	}
	st, err := s.settings(ctx, acc)
	if err != nil {
		return nil, err
	}
	var cur []string
	for _, m := range st.RoleMappings {
		if m.Attribute == MapRoles && slices.Contains(u.Roles, m.Role) {
			cur = append(cur, m.Value)
		}
	}
	for _, op := range ops {
		switch {
		case op.kind == "replace":
			cur = slices.Clone(op.values)
		case op.kind == "add":
			cur = append(cur, op.values...)
		case op.all:
			cur = nil
		default:
			cur = slices.DeleteFunc(cur, func(v string) bool {
				return slices.ContainsFunc(op.values, func(x string) bool { return strings.EqualFold(x, v) })
			})
		}
	}
	return nonNil(cur), nil
}

// seatOnActive applies the account's DeactivationFreesSeat setting: on
// deactivation the seat is freed (logged "deactivated"); on reactivation
// a user holding a seat role gets a seat again (refused, and the request
// with it, when none is left).
func (s *Service) seatOnActive(ctx context.Context, acc string, u *users.User, active bool) error {
	st, err := s.settings(ctx, acc)
	if err != nil || !st.DeactivationFreesSeat || s.seats.Release == nil {
		return err
	}
	if !active {
		return s.seats.Release(ctx, u.ID, "deactivated")
	}
	if s.holdsSeatRole(u) {
		return s.assignSeat(ctx, u.ID)
	}
	return nil
}
