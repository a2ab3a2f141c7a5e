package scim

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	filter "github.com/scim2/filter-parser/v2"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/teams"
	"github.com/accountkit/accountkit/users"
)

// members returns the members of the account's team, by creation.
func (s *Service) members(ctx context.Context, acc, teamID string) ([]*users.User, error) {
	accs, err := s.scope(ctx, acc)
	if err != nil {
		return nil, err
	}
	return s.store.ListUsers(ctx, users.Filter{AccountIDs: accs, TeamID: &teamID, Sort: users.SortCreated})
}

func (s *Service) groupOut(ctx context.Context, acc string, t *teams.Team, withMembers bool) (*Group, error) {
	ext, err := s.externalID(ctx, KindGroup, t.ID)
	if err != nil {
		return nil, err
	}
	var ms []*users.User
	if withMembers {
		if ms, err = s.members(ctx, acc, t.ID); err != nil {
			return nil, err
		}
	}
	g := groupOut(t, ext, ms, withMembers)
	return &g, nil
}

func memberIDs(ms []Member) []string {
	ids := make([]string, 0, len(ms))
	for _, m := range ms {
		ids = append(ids, strings.TrimSpace(m.Value))
	}
	return uniq(ids)
}

// setMembers adds and removes members so that the team's members are
// exactly ids.
func (s *Service) setMembers(ctx context.Context, acc string, t *teams.Team, ids []string) error {
	cur, err := s.members(ctx, acc, t.ID)
	if err != nil {
		return err
	}
	var have, drop []string
	for _, u := range cur {
		have = append(have, u.ID)
		if !slices.Contains(ids, u.ID) {
			drop = append(drop, u.ID)
		}
	}
	var add []string
	for _, id := range ids {
		if !slices.Contains(have, id) {
			add = append(add, id)
		}
	}
	return s.changeMembers(ctx, t.ID, add, drop)
}

func (s *Service) changeMembers(ctx context.Context, teamID string, add, drop []string) error {
	for len(add) > 0 {
		n := min(len(add), teams.MaxMembersPerCall)
		if _, err := s.teams.AddMembers(ctx, teamID, add[:n]); err != nil {
			return err
		}
		add = add[n:]
	}
	for len(drop) > 0 {
		n := min(len(drop), teams.MaxMembersPerCall)
		if _, err := s.teams.RemoveMembers(ctx, teamID, drop[:n]); err != nil {
			return err
		}
		drop = drop[n:]
	}
	return nil
}

// CreateGroup creates a team of the client's account named displayName
// (teams.Service.Create: a manual team without roles) with the members and
// externalId. Errors: Unauthenticated, Forbidden, Invalid (a member that
// is no user of the account), Conflict (displayName taken ignoring case,
// or externalId taken).
func (s *Service) CreateGroup(ctx context.Context, in *groupIn) (*Group, error) {
	ctx, acc, err := s.client(ctx)
	if err != nil {
		return nil, err
	}
	var out *Group
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		t, err := s.teams.Create(ctx, teams.CreateInput{AccountID: acc, Name: in.DisplayName})
		if err != nil {
			return err
		}
		if err := s.changeMembers(ctx, t.ID, memberIDs(in.Members), nil); err != nil {
			return err
		}
		if in.ExternalID != nil {
			if err := s.setExternalID(ctx, acc, KindGroup, t.ID, *in.ExternalID); err != nil {
				return err
			}
		}
		if t, err = s.store.GetTeam(ctx, t.ID); err != nil {
			return err
		}
		out, err = s.groupOut(ctx, acc, t, true)
		return err
	})
	if err != nil {
		return nil, scimFields(err)
	}
	return out, nil
}

// GetGroup returns a team of the client's account, with its members unless
// excluded. Errors: Unauthenticated, Forbidden, NotFound.
func (s *Service) GetGroup(ctx context.Context, id string, withMembers bool) (_ *Group, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	ctx, acc, err := s.client(ctx)
	if err != nil {
		return nil, err
	}
	t, err := s.team(ctx, acc, id)
	if err != nil {
		return nil, err
	}
	return s.groupOut(ctx, acc, t, withMembers)
}

// ReplaceGroup replaces a team's name, members and externalId (PUT).
// Errors: Unauthenticated, Forbidden, NotFound, Invalid, Conflict.
func (s *Service) ReplaceGroup(ctx context.Context, id string, in *groupIn, ifMatch string) (*Group, error) {
	return s.changeGroup(ctx, id, ifMatch, func(ctx context.Context, acc string, t *teams.Team) error {
		if err := s.rename(ctx, t, in.DisplayName); err != nil {
			return err
		}
		if err := s.setMembers(ctx, acc, t, memberIDs(in.Members)); err != nil {
			return err
		}
		ext := ""
		if in.ExternalID != nil {
			ext = *in.ExternalID
		}
		return s.setExternalID(ctx, acc, KindGroup, t.ID, ext)
	})
}

func (s *Service) rename(ctx context.Context, t *teams.Team, name string) error {
	if strings.TrimSpace(name) == t.Name {
		return nil
	}
	_, err := s.teams.Update(ctx, t.ID, teams.Update{Name: &name})
	return err
}

// PatchGroup applies PATCH operations to a team: members added, removed
// (by path filter members[value eq "…"] or by value) or replaced,
// displayName and externalId replaced, in the shapes Okta and Microsoft
// Entra ID send. The operations apply together or not at all. Errors:
// Unauthenticated, Forbidden, NotFound, Invalid, Conflict.
func (s *Service) PatchGroup(ctx context.Context, id string, req *PatchRequest, ifMatch string) (*Group, error) {
	if err := checkPatch(req); err != nil {
		return nil, err
	}
	return s.changeGroup(ctx, id, ifMatch, func(ctx context.Context, acc string, t *teams.Team) error {
		for i := range req.Operations {
			if err := s.applyGroupOp(ctx, acc, t, &req.Operations[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Service) changeGroup(ctx context.Context, id, ifMatch string, edit func(context.Context, string, *teams.Team) error) (*Group, error) {
	ctx, acc, err := s.client(ctx)
	if err != nil {
		return nil, err
	}
	var out *Group
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		t, err := s.team(ctx, acc, id)
		if err != nil {
			return err
		}
		ext, err := s.externalID(ctx, KindGroup, id)
		if err != nil {
			return err
		}
		if ifMatch != "" && ifMatch != "*" && ifMatch != teamVersion(t, ext) {
			return errPrecondition()
		}
		if err := edit(ctx, acc, t); err != nil {
			return err
		}
		if t, err = s.store.GetTeam(ctx, id); err != nil {
			return err
		}
		out, err = s.groupOut(ctx, acc, t, true)
		return err
	})
	if err != nil {
		return nil, scimFields(err)
	}
	return out, nil
}

func decodeMembers(raw json.RawMessage) ([]string, error) {
	var ms []Member
	if err := json.Unmarshal(raw, &ms); err != nil {
		var one Member
		if err := json.Unmarshal(raw, &one); err != nil {
			return nil, invalid(TypeInvalidValue, "members", "must be a list of {value}")
		}
		ms = []Member{one}
	}
	return memberIDs(ms), nil
}

func (s *Service) applyGroupOp(ctx context.Context, acc string, t *teams.Team, op *PatchOp) error {
	kind := strings.ToLower(op.Op)
	if kind != "add" && kind != "replace" && kind != "remove" {
		return invalid(TypeInvalidSyntax, "op", "must be add, replace or remove")
	}
	path := op.Path
	if lp := strings.ToLower(path); strings.HasPrefix(lp, strings.ToLower(SchemaGroup)+":") {
		path = path[len(SchemaGroup)+1:]
	}
	if path == "" {
		if kind == "remove" {
			return invalid(TypeNoTarget, "path", "remove needs a path")
		}
		var attrs map[string]json.RawMessage
		if err := json.Unmarshal(op.Value, &attrs); err != nil {
			return invalid(TypeInvalidValue, "value", "without a path, the value must be an object of attributes")
		}
		keys := make([]string, 0, len(attrs))
		for k := range attrs {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if err := s.applyGroupOp(ctx, acc, t, &PatchOp{Op: kind, Path: k, Value: attrs[k]}); err != nil {
				return err
			}
		}
		return nil
	}
	p, err := filter.ParsePath([]byte(path))
	if err != nil {
		return invalid(TypeInvalidPath, "path", "is not a valid SCIM path: "+accountkit.Clip(path, 100))
	}
	name := strings.ToLower(p.AttributePath.AttributeName)
	if sub := p.AttributePath.SubAttributeName(); sub != "" {
		name += "." + strings.ToLower(sub)
	}
	switch {
	case name == "members" && p.ValueExpression != nil:
		// members[value eq "id"]: remove that member (Okta, Entra ID).
		if kind != "remove" {
			return invalid(TypeInvalidPath, "path", "a members filter is supported with remove only")
		}
		x, ok := p.ValueExpression.(*filter.AttributeExpression)
		v, isStr := "", false
		if ok {
			v, isStr = x.CompareValue.(string)
		}
		if !ok || !isStr || x.Operator != filter.EQ || !strings.EqualFold(x.AttributePath.AttributeName, "value") {
			return invalid(TypeInvalidFilter, "path", `a members filter must be members[value eq "<user id>"]`)
		}
		return s.changeMembers(ctx, t.ID, nil, []string{v})
	case name == "members":
		var ids []string
		if len(op.Value) > 0 && string(op.Value) != "null" {
			if ids, err = decodeMembers(op.Value); err != nil {
				return err
			}
		}
		switch kind {
		case "add":
			return s.changeMembers(ctx, t.ID, ids, nil)
		case "replace":
			return s.setMembers(ctx, acc, t, ids)
		}
		if ids == nil { // remove every member
			return s.setMembers(ctx, acc, t, nil)
		}
		return s.changeMembers(ctx, t.ID, nil, ids)
	case name == "displayname":
		var v string
		if kind == "remove" || json.Unmarshal(op.Value, &v) != nil {
			return invalid(TypeInvalidValue, "displayName", "must be a string; it cannot be removed")
		}
		if err := s.rename(ctx, t, v); err != nil {
			return err
		}
		t.Name = strings.TrimSpace(v)
		return nil
	case name == "externalid":
		var v string
		if kind != "remove" && json.Unmarshal(op.Value, &v) != nil {
			return invalid(TypeInvalidValue, "externalId", "must be a string")
		}
		return s.setExternalID(ctx, acc, KindGroup, t.ID, v)
	case name == "id" || name == "schemas" || name == "meta":
		return nil // read-only attributes Entra ID echoes back
	}
	return invalid(TypeInvalidPath, "path", "attribute "+accountkit.Clip(path, 100)+" is not supported")
}

// DeleteGroup deletes a team of the client's account (its users stay).
// Errors: Unauthenticated, Forbidden, NotFound.
func (s *Service) DeleteGroup(ctx context.Context, id, ifMatch string) error {
	ctx, acc, err := s.client(ctx)
	if err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		t, err := s.team(ctx, acc, id)
		if err != nil {
			return err
		}
		ext, err := s.externalID(ctx, KindGroup, id)
		if err != nil {
			return err
		}
		if ifMatch != "" && ifMatch != "*" && ifMatch != teamVersion(t, ext) {
			return errPrecondition()
		}
		if err := s.teams.Delete(ctx, id); err != nil {
			return err
		}
		return s.store.DeleteSCIMExternalID(ctx, KindGroup, id)
	})
}

// ListGroups lists the teams of the client's account matching the filter
// (id, externalId, displayName, members.value, meta.*), ordered by name.
// Errors: Unauthenticated, Forbidden, Invalid (invalidFilter).
func (s *Service) ListGroups(ctx context.Context, in PageInput) (_ *ListResponse[Group], err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	ctx, acc, err := s.client(ctx)
	if err != nil {
		return nil, err
	}
	var expr filter.Expression
	if in.Filter != "" {
		if expr, err = parseFilter(in.Filter); err != nil {
			return nil, err
		}
	}
	switch strings.ToLower(strings.TrimPrefix(strings.ToLower(strings.TrimSpace(in.SortBy)), strings.ToLower(SchemaGroup)+":")) {
	case "", "displayname":
	default:
		return nil, invalid(TypeInvalidValue, "sortBy", "groups can be sorted by displayName only, not "+accountkit.Clip(in.SortBy, 100))
	}
	// The store lists an account's teams by name; descending reads that
	// order backwards.
	accs, err := s.scope(ctx, acc)
	if err != nil {
		return nil, err
	}
	var list []*teams.Team
	for _, a := range accs {
		l, err := s.store.ListTeams(ctx, teams.Filter{AccountID: a})
		if err != nil {
			return nil, err
		}
		list = append(list, l...)
	}
	if in.Descending {
		slices.Reverse(list)
	}
	ids := make([]string, len(list))
	for i, t := range list {
		ids[i] = t.ID
	}
	exts, err := s.store.SCIMExternalIDs(ctx, KindGroup, ids)
	if err != nil {
		return nil, err
	}
	var matched []*teams.Team
	for _, t := range list {
		if expr != nil {
			var ferr error
			r := func(attr string) ([]value, bool) {
				switch attr {
				case "id":
					return []value{exact(t.ID)}, true
				case "externalid":
					if exts[t.ID] == "" {
						return nil, true
					}
					return []value{exact(exts[t.ID])}, true
				case "displayname":
					return []value{str(t.Name)}, true
				case "meta.created":
					return []value{instant(t.CreatedAt)}, true
				case "meta.lastmodified":
					return []value{instant(t.UpdatedAt)}, true
				case "members", "members.value":
					ms, err := s.members(ctx, acc, t.ID)
					if err != nil {
						ferr = err
					}
					var vs []value
					for _, u := range ms {
						vs = append(vs, exact(u.ID))
					}
					return vs, true
				}
				return nil, false
			}
			ok, err := match(expr, r, SchemaGroup)
			if err == nil {
				err = ferr
			}
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
		}
		matched = append(matched, t)
	}
	from, to := page(len(matched), in.StartIndex, in.count())
	out := &ListResponse[Group]{Schemas: []string{SchemaListResponse}, TotalResults: len(matched),
		StartIndex: max(in.StartIndex, 1), ItemsPerPage: to - from, Resources: []Group{}}
	for _, t := range matched[from:to] {
		var ms []*users.User
		if !in.ExcludeMembers {
			if ms, err = s.members(ctx, acc, t.ID); err != nil {
				return nil, err
			}
		}
		out.Resources = append(out.Resources, groupOut(t, exts[t.ID], ms, !in.ExcludeMembers))
	}
	return out, nil
}
