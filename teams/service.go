package teams

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/users"
)

// Service manages teams and memberships. All rules about teams live here.
//
// Permissions: managing teams and memberships requires
// security.PermTeamsManage in the team's account (the built-in Account
// Manager holds it); reading teams and their members requires
// PermTeamsManage or PermUsersRead. Teams of an account outside the
// principal's tree answer NotFound, like teams that do not exist.
//
// No escalation: a principal may give a team only roles whose permissions
// it holds, and may add members (which grants them the team's roles) only
// to teams whose roles it could grant itself.
type Service struct {
	store Store
	users *users.Service
	authz *security.Authorizer
	audit *audit.Recorder
	rt    accountkit.Runtime
}

// Deps is what the service needs from the installation.
type Deps struct {
	accountkit.Runtime
	Store Store
	// Users checks role grants (no escalation).
	Users *users.Service
}

// Options configures a Service. There is nothing to configure yet.
type Options struct{}

// NewService returns a teams Service. It fails when deps lack the Store,
// Users or the Runtime's Events. It subscribes to users.TeamsRequested, so
// the teams asked for when a user is created or edited are applied
// however the services were built.
func NewService(deps Deps, _ Options) (*Service, error) {
	rec, err := audit.NewRecorder(deps.Store, deps.Runtime)
	if err != nil {
		return nil, err
	}
	if deps.Users == nil {
		return nil, errors.New("teams: Deps.Users is required")
	}
	rt, _ := deps.Runtime.WithDefaults()
	s := &Service{store: deps.Store, users: deps.Users, authz: security.NewAuthorizer(deps.Store), audit: rec, rt: rt}
	accountkit.Subscribe(rt.Events, users.ReactionTeams, func(ctx context.Context, e users.TeamsRequested) error {
		return s.SetManualTeams(ctx, e.User, e.TeamIDs)
	})
	return s, nil
}

// ErrSSOManaged is the error for a membership change of an SSO team.
var ErrSSOManaged = accountkit.Errorf(accountkit.Forbidden,
	"the team is managed by single sign-on: its members change only through the identity provider")

var errTeamNotFound = accountkit.Errorf(accountkit.NotFound, "team not found")

func principal(ctx context.Context) (*security.Principal, error) {
	p := security.PrincipalFrom(ctx)
	if p == nil {
		return nil, accountkit.Errorf(accountkit.Unauthenticated, "authentication required")
	}
	return p, nil
}

// readPerm is the permission a principal reads teams with: PermTeamsManage
// when it holds it, else PermUsersRead.
func readPerm(p *security.Principal) security.Permission {
	if p.System || p.Permissions.Has(security.PermTeamsManage) {
		return security.PermTeamsManage
	}
	return security.PermUsersRead
}

// teamInTree loads a team and checks the principal may act on it: with
// PermTeamsManage to change it, with readPerm to read it. A team outside
// the principal's tree is NotFound.
func (s *Service) teamInTree(ctx context.Context, id string, write bool) (*Team, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	perm := security.PermTeamsManage
	if !write {
		perm = readPerm(p)
	}
	t, _, err := security.Resolve(ctx, s.authz, perm, id, errTeamNotFound, s.store.GetTeam, func(t *Team) string { return t.AccountID })
	return t, err
}

func entry(accountID, teamID, name string, action audit.Action) *audit.Entry {
	e := &audit.Entry{AccountID: accountID, Item: audit.ItemTeam, Action: action, TargetType: "team", TargetID: teamID, TargetName: name}
	switch action {
	case audit.ActionCreate:
		e.Description, e.FailureDescription = "Group created.", "Group creation failed."
	case audit.ActionDelete:
		e.Description, e.FailureDescription = "Group deleted.", "Group deletion failed."
	default:
		e.Description, e.FailureDescription = "Group updated.", "Group update failed."
	}
	return e
}

func createEntry(accountID, name string) *audit.Entry {
	return entry(accountID, "", clip(strings.TrimSpace(name)), audit.ActionCreate)
}

func updateEntry(teamID string) *audit.Entry {
	return entry("", teamID, "", audit.ActionUpdate)
}

func deleteEntry(teamID string) *audit.Entry {
	return entry("", teamID, "", audit.ActionDelete)
}

// refused records the failure of an auditable request refused before it
// reached the service (a malformed or oversized body).
func (s *Service) refused(ctx context.Context, e *audit.Entry, err error) {
	s.audit.RecordFailure(ctx, *e, err)
}

func clip(s string) string {
	if len(s) > 40 {
		return accountkit.Clip(s, 40) + "…"
	}
	return accountkit.Clip(s, 40)
}

func nameTaken() error {
	return accountkit.InvalidField("name", "a team with this name exists").WithCode(accountkit.Conflict)
}

// CreateInput describes a new team.
type CreateInput struct {
	// AccountID defaults to the principal's account.
	AccountID   string   `json:"account_id,omitempty"`
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Roles       []string `json:"roles,omitempty"`
}

// Create creates a manual team. It requires PermTeamsManage in the account;
// the roles must be usable there and hold only permissions the principal
// holds. Audited ("Group created."). Errors: Unauthenticated, NotFound,
// Forbidden, Invalid, Conflict (name taken, ignoring case).
func (s *Service) Create(ctx context.Context, in CreateInput) (*Team, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if in.AccountID == "" {
		in.AccountID = p.AccountID
	}
	e := createEntry(in.AccountID, in.Name)
	var t *Team
	err = s.audit.Run(ctx, e, func(ctx context.Context) error {
		if _, err := s.authz.Require(ctx, security.PermTeamsManage, in.AccountID); err != nil {
			return err
		}
		var v accountkit.Validation
		name := strings.TrimSpace(in.Name)
		if msg := ValidateName(name); msg != "" {
			v.Add("name", msg)
		}
		if msg := validateDescription(in.Description); msg != "" {
			v.Add("description", msg)
		}
		if err := v.Err(); err != nil {
			return err
		}
		roles, err := s.users.CheckRoleGrants(ctx, in.AccountID, in.Roles)
		if err != nil {
			return err
		}
		t = s.newTeam(in.AccountID, name, SourceManual)
		t.Description, t.Roles = in.Description, roles
		e.TargetID = t.ID
		if len(roles) > 0 {
			e.Details = map[string]string{"roles": strings.Join(roles, ",")}
		}
		if err := s.store.CreateTeam(ctx, t); err != nil {
			if accountkit.ErrorCode(err) == accountkit.Conflict {
				return nameTaken()
			}
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

func (s *Service) newTeam(accountID, name string, src Source) *Team {
	now := s.rt.Now()
	t := &Team{ID: s.rt.IDs.NewID(), AccountID: accountID, Name: name, Source: src, CreatedAt: now, UpdatedAt: now}
	if src == SourceSSO {
		t.ExternalKey = NameKey(name)
	}
	return t
}

// Get returns a team with its member count. It requires PermTeamsManage or
// PermUsersRead in the team's account. Errors: Unauthenticated, NotFound,
// Forbidden.
func (s *Service) Get(ctx context.Context, id string) (_ *Team, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	return s.teamInTree(ctx, id, false)
}

// Update renames a team or changes its description or roles; it works on
// SSO teams too (only their memberships are the identity provider's). It
// requires PermTeamsManage, and holding the permissions of every role
// added. Audited ("Group updated."). Errors: Unauthenticated, NotFound,
// Forbidden, Invalid, Conflict (name taken).
func (s *Service) Update(ctx context.Context, id string, up Update) (*Team, error) {
	e := updateEntry(id)
	var t *Team
	err := s.audit.Run(ctx, e, func(ctx context.Context) error {
		var err error
		if t, err = s.teamInTree(ctx, id, true); err != nil {
			return err
		}
		e.AccountID, e.TargetName = t.AccountID, t.Name
		var v accountkit.Validation
		if up.Name == nil && up.Description == nil && up.Roles == nil {
			v.Add("name", "nothing to update: give name, description or roles")
		}
		if up.Name != nil {
			if msg := ValidateName(strings.TrimSpace(*up.Name)); msg != "" {
				v.Add("name", msg)
			}
		}
		if up.Description != nil {
			if msg := validateDescription(*up.Description); msg != "" {
				v.Add("description", msg)
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		details := map[string]string{}
		if up.Roles != nil {
			var added []string
			for _, r := range *up.Roles {
				if !slices.Contains(t.Roles, r) {
					added = append(added, r)
				}
			}
			if _, err := s.users.CheckRoleGrants(ctx, t.AccountID, added); err != nil {
				return err
			}
			roles, err := s.users.CheckRoleGrants(security.AsSystem(ctx), t.AccountID, *up.Roles)
			if err != nil {
				return err
			}
			t.Roles = roles
			details["roles"] = strings.Join(roles, ",")
		}
		if up.Name != nil {
			if name := strings.TrimSpace(*up.Name); name != t.Name {
				details["old_name"], t.Name = t.Name, name
			}
		}
		if up.Description != nil {
			t.Description = *up.Description
			details["description_changed"] = "true"
		}
		e.TargetName, e.Details = t.Name, details
		t.UpdatedAt = s.rt.Now()
		if err := s.store.UpdateTeam(ctx, t); err != nil {
			if accountkit.ErrorCode(err) == accountkit.Conflict {
				return nameTaken()
			}
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// Delete removes a team and its memberships; its members stay users and
// lose the roles they held through it. It requires PermTeamsManage. An SSO
// team deleted while its group still exists at the identity provider is
// created again, without roles, at the next sign-in of a group member.
// Audited ("Group deleted."). Errors: Unauthenticated, NotFound, Forbidden.
func (s *Service) Delete(ctx context.Context, id string) error {
	e := deleteEntry(id)
	return s.audit.Run(ctx, e, func(ctx context.Context) error {
		t, err := s.teamInTree(ctx, id, true)
		if err != nil {
			return err
		}
		e.AccountID, e.TargetName = t.AccountID, t.Name
		e.Details = map[string]string{"members": strconv.Itoa(t.MemberCount), "source": string(t.Source)}
		return s.store.DeleteTeam(ctx, id)
	})
}

// ListInput selects teams; see List.
type ListInput struct {
	// AccountID defaults to the principal's account.
	AccountID string
	// Search keeps teams whose name contains it, ignoring case.
	Search string
	// Source is "", manual or sso.
	Source string
	Cursor string
	Limit  int
}

// Page is one page of teams and the cursor of the next ("" at the end).
type Page struct {
	Teams      []*Team
	NextCursor string
}

// List returns the teams of an account ordered by name (ignoring case),
// then ID. It requires PermTeamsManage or PermUsersRead in the account.
// Errors: Unauthenticated, NotFound, Forbidden, Invalid.
func (s *Service) List(ctx context.Context, in ListInput) (_ *Page, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if in.AccountID == "" {
		in.AccountID = p.AccountID
	}
	if _, err := s.authz.Require(ctx, readPerm(p), in.AccountID); err != nil {
		return nil, err
	}
	var v accountkit.Validation
	limit, after := v.Page(accountkit.PageRequest{Limit: in.Limit, Cursor: in.Cursor})
	f := Filter{AccountID: in.AccountID, Limit: limit + 1}
	if v.Text("q", in.Search, 0, accountkit.MaxSearchLength) {
		f.Search = NameKey(strings.TrimSpace(in.Search))
	}
	if in.Source != "" {
		src := Source(in.Source)
		if src != SourceManual && src != SourceSSO {
			v.Add("source", "must be manual or sso")
		}
		f.Source = &src
	}
	if after != nil {
		f.AfterName, f.AfterID = after.Key, after.ID
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	list, err := s.store.ListTeams(ctx, f)
	if err != nil {
		return nil, err
	}
	page := &Page{}
	page.Teams, page.NextCursor = accountkit.NextPage(list, limit, func(t *Team) accountkit.Cursor {
		return accountkit.Cursor{Key: NameKey(t.Name), ID: t.ID}
	})
	return page, nil
}

// MembersInput selects members of a team; see Members.
type MembersInput struct {
	// Search matches username, names and email, ignoring case.
	Search string
	Cursor string
	Limit  int
}

// Members returns a page of a team's members ordered by username. It
// requires PermTeamsManage or PermUsersRead in the team's account.
// Errors: Unauthenticated, NotFound, Forbidden, Invalid.
func (s *Service) Members(ctx context.Context, teamID string, in MembersInput) (_ *users.Page, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	t, err := s.teamInTree(ctx, teamID, false)
	if err != nil {
		return nil, err
	}
	var v accountkit.Validation
	limit, after := v.Page(accountkit.PageRequest{Limit: in.Limit, Cursor: in.Cursor})
	f := users.Filter{AccountIDs: []string{t.AccountID}, TeamID: &t.ID, Sort: users.SortUsername,
		Search: v.Search("q", in.Search), Limit: limit + 1}
	if after != nil {
		f.AfterKey, f.AfterID = after.Key, after.ID
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	list, err := s.store.ListUsers(ctx, f)
	if err != nil {
		return nil, err
	}
	page := &users.Page{}
	page.Users, page.NextCursor = accountkit.NextPage(list, limit, func(u *users.User) accountkit.Cursor {
		return accountkit.Cursor{Key: u.Username, ID: u.ID}
	})
	return page, nil
}

// AddMembers adds users of the team's account to a manual team (at most
// MaxMembersPerCall per call; present members are skipped). It requires
// PermTeamsManage and that the principal could grant every role of the
// team. Users that do not exist and users of any other account are refused
// alike (Invalid), so the call reveals nothing about other accounts.
// Audited ("Group updated." with the counts added and removed).
// Errors: Unauthenticated, NotFound, Forbidden (SSO team, escalation),
// Invalid.
func (s *Service) AddMembers(ctx context.Context, teamID string, userIDs []string) (*Team, error) {
	return s.changeMembers(ctx, teamID, userIDs, true)
}

// RemoveMembers removes users from a manual team (at most
// MaxMembersPerCall per call; non-members are skipped); they stay users.
// It requires PermTeamsManage. Audited ("Group updated."). Errors as
// AddMembers.
func (s *Service) RemoveMembers(ctx context.Context, teamID string, userIDs []string) (*Team, error) {
	return s.changeMembers(ctx, teamID, userIDs, false)
}

func (s *Service) changeMembers(ctx context.Context, teamID string, userIDs []string, add bool) (*Team, error) {
	e := updateEntry(teamID)
	var t *Team
	err := s.audit.Run(ctx, e, func(ctx context.Context) error {
		var err error
		if t, err = s.teamInTree(ctx, teamID, true); err != nil {
			return err
		}
		e.AccountID, e.TargetName = t.AccountID, t.Name
		if t.Source == SourceSSO {
			return ErrSSOManaged
		}
		ids, err := validIDs("user_ids", userIDs, "user")
		if err != nil {
			return err
		}
		found, err := s.store.AccountUserIDs(ctx, t.AccountID, ids)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if _, ok := slices.BinarySearch(found, id); !ok {
				return accountkit.InvalidField("user_ids", "no user "+clip(id)+" in the team's account")
			}
		}
		var n int
		if add {
			if _, err := s.users.CheckRoleGrants(ctx, t.AccountID, t.Roles); err != nil {
				return err
			}
			n, err = s.store.AddTeamMembers(ctx, t.ID, ids)
			e.Details = map[string]string{"added": strconv.Itoa(n), "removed": "0"}
		} else {
			n, err = s.store.RemoveTeamMembers(ctx, t.ID, ids)
			e.Details = map[string]string{"added": "0", "removed": strconv.Itoa(n)}
		}
		if err != nil {
			return err
		}
		if n > 0 {
			t.UpdatedAt = s.rt.Now()
			if err := s.store.UpdateTeam(ctx, t); err != nil {
				return err
			}
		}
		t, err = s.store.GetTeam(ctx, t.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// validIDs checks a list of IDs from a client: 1 to MaxMembersPerCall
// well-formed IDs; it returns them sorted without duplicates.
func validIDs(field string, ids []string, what string) ([]string, error) {
	switch {
	case len(ids) == 0:
		return nil, accountkit.InvalidField(field, "must not be empty")
	case len(ids) > MaxMembersPerCall:
		return nil, accountkit.InvalidField(field, "at most "+strconv.Itoa(MaxMembersPerCall)+" per call")
	}
	for _, id := range ids {
		if !accountkit.ValidID(id) {
			return nil, accountkit.InvalidField(field, "unknown "+what+" "+clip(id))
		}
	}
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out), nil
}

// SetManualTeams implements users.TeamAssigner: it makes teamIDs the
// user's manual teams, inside the user's transaction (ctx). Teams must be
// manual teams of the user's own account; an SSO team is refused
// (Forbidden) unless the user already belongs to it, in which case it is
// left alone, so a client may send back the teams it read. The principal
// must be able to grant the roles of every team the user joins. Each
// changed team gets a "Group updated." event. The caller checks the
// principal may manage the user (users.PermUsersManage); no
// PermTeamsManage is needed, as with granting roles. Errors:
// Unauthenticated, Invalid, Forbidden.
func (s *Service) SetManualTeams(ctx context.Context, u *users.User, teamIDs []string) error {
	if _, err := principal(ctx); err != nil {
		return err
	}
	var want []string
	if len(teamIDs) > 0 {
		var err error
		if want, err = validIDs("teams", teamIDs, "team"); err != nil {
			return err
		}
	}
	current, err := s.store.ListUserTeams(ctx, u.ID)
	if err != nil {
		return err
	}
	have := map[string]*Team{}
	for _, t := range current {
		have[t.ID] = t
	}
	var join []*Team
	for _, id := range want {
		if have[id] != nil {
			continue
		}
		t, err := s.store.GetTeam(ctx, id)
		if err != nil && accountkit.ErrorCode(err) != accountkit.NotFound {
			return err
		}
		if err != nil || t.AccountID != u.AccountID {
			return accountkit.InvalidField("teams", "no team "+clip(id)+" in the user's account")
		}
		if t.Source == SourceSSO {
			return ErrSSOManaged
		}
		if _, err := s.users.CheckRoleGrants(ctx, t.AccountID, t.Roles); err != nil {
			return err
		}
		join = append(join, t)
	}
	for _, t := range join {
		if err := s.member(ctx, t, u, true); err != nil {
			return err
		}
	}
	for _, t := range current {
		if t.Source == SourceManual && !slices.Contains(want, t.ID) {
			if err := s.member(ctx, t, u, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// member adds or removes one user and records "Group updated." in the
// transaction carried by ctx.
func (s *Service) member(ctx context.Context, t *Team, u *users.User, add bool) error {
	var n int
	var err error
	details := map[string]string{"user": u.Username}
	if add {
		n, err = s.store.AddTeamMembers(ctx, t.ID, []string{u.ID})
		details["added"], details["removed"] = strconv.Itoa(n), "0"
	} else {
		n, err = s.store.RemoveTeamMembers(ctx, t.ID, []string{u.ID})
		details["added"], details["removed"] = "0", strconv.Itoa(n)
	}
	if err != nil || n == 0 {
		return err
	}
	e := entry(t.AccountID, t.ID, t.Name, audit.ActionUpdate)
	e.Details = details
	return s.audit.Record(ctx, *e)
}

// UserRoles returns the role keys a user holds through its teams, sorted
// without duplicates. It checks no permission: the kit wires it into
// users.Options.ExtraRoles, which resolves a principal's permissions.
func (s *Service) UserRoles(ctx context.Context, userID string) ([]string, error) {
	return s.store.UserTeamRoles(ctx, userID)
}
