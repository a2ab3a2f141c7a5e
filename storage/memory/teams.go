package memory

import (
	"context"
	"slices"
	"strings"

	"github.com/accountkit/accountkit/teams"
	"github.com/accountkit/accountkit/users"
)

// teamNameKey identifies a team's name (lower-cased) within an account.
type teamNameKey struct{ accountID, nameLower string }

// teamsState is what the memory store keeps for teams.Store.
type teamsState struct {
	teams     map[string]*teams.Team         // by ID; MemberCount unused
	names     map[teamNameKey]string         // (account, lower name) -> team ID
	members   map[string]map[string]struct{} // team ID -> user IDs
	userTeams map[string]map[string]struct{} // user ID -> team IDs
}

func newTeamsState() teamsState {
	return teamsState{
		teams:     map[string]*teams.Team{},
		names:     map[teamNameKey]string{},
		members:   map[string]map[string]struct{}{},
		userTeams: map[string]map[string]struct{}{},
	}
}

func teamKeyOf(t *teams.Team) teamNameKey {
	return teamNameKey{t.AccountID, teams.NameKey(t.Name)}
}

// copyTeam returns a deep copy of t with times normalized, roles in the
// stored form (sorted, nil when none) and MemberCount zero.
func copyTeam(t *teams.Team) *teams.Team {
	c := *t
	c.Roles = normRoles(t.Roles)
	c.CreatedAt = normTime(t.CreatedAt)
	c.UpdatedAt = normTime(t.UpdatedAt)
	c.MemberCount = 0
	return &c
}

// teamOut returns a copy of a stored team with its member count.
func (st *teamsState) teamOut(t *teams.Team) *teams.Team {
	c := copyTeam(t)
	c.MemberCount = len(st.members[t.ID])
	return c
}

// isTeamMember reports whether the user belongs to the team; it runs under
// s.read.
func (st *teamsState) isTeamMember(teamID, userID string) bool {
	_, ok := st.members[teamID][userID]
	return ok
}

// teamRolesOf returns the role keys the user holds through its teams, in
// byte order without duplicates (nil when none); it runs under s.read.
func (st *teamsState) teamRolesOf(userID string) []string {
	var out []string
	for teamID := range st.userTeams[userID] {
		if tm := st.teams[teamID]; tm != nil {
			out = append(out, tm.Roles...)
		}
	}
	return normRoles(out)
}

// UserTeamRoles implements teams.Store.
func (s *Store) UserTeamRoles(ctx context.Context, userID string) ([]string, error) {
	var out []string
	err := s.read(ctx, func() error {
		out = s.teamRolesOf(userID)
		return nil
	})
	return out, err
}

func (st *teamsState) insertTeam(t *tx, tm *teams.Team) {
	c := copyTeam(tm)
	nk := teamKeyOf(c)
	st.teams[c.ID] = c
	st.names[nk] = c.ID
	t.onRollback(func() {
		delete(st.teams, c.ID)
		delete(st.names, nk)
	})
}

// CreateTeam implements teams.Store.
func (s *Store) CreateTeam(ctx context.Context, tm *teams.Team) error {
	return s.write(ctx, func(t *tx) error {
		st := &s.teamsState
		if _, ok := st.teams[tm.ID]; ok {
			return conflict("team")
		}
		if _, ok := st.names[teamKeyOf(tm)]; ok {
			return conflict("team")
		}
		if st.byExternalKey(tm.AccountID, tm.ExternalKey) != nil {
			return conflict("team")
		}
		st.insertTeam(t, tm)
		return nil
	})
}

// byExternalKey returns the account's team with external key key, or nil
// (always nil for "").
func (st *teamsState) byExternalKey(accountID, key string) *teams.Team {
	if key == "" {
		return nil
	}
	for _, tm := range st.teams {
		if tm.AccountID == accountID && tm.ExternalKey == key {
			return tm
		}
	}
	return nil
}

// EnsureTeam implements teams.Store.
func (s *Store) EnsureTeam(ctx context.Context, tm *teams.Team) (*teams.Team, bool, error) {
	var out *teams.Team
	var created bool
	err := s.write(ctx, func(t *tx) error {
		st := &s.teamsState
		if k := st.byExternalKey(tm.AccountID, tm.ExternalKey); k != nil {
			out = st.teamOut(k)
			return nil
		}
		if id, ok := st.names[teamKeyOf(tm)]; ok {
			out = st.teamOut(st.teams[id])
			return nil
		}
		if _, ok := st.teams[tm.ID]; ok {
			return conflict("team")
		}
		st.insertTeam(t, tm)
		out, created = st.teamOut(st.teams[tm.ID]), true
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return out, created, nil
}

// GetTeam implements teams.Store.
func (s *Store) GetTeam(ctx context.Context, id string) (*teams.Team, error) {
	var out *teams.Team
	err := s.read(ctx, func() error {
		tm, ok := s.teamsState.teams[id]
		if !ok {
			return notFound("team")
		}
		out = s.teamsState.teamOut(tm)
		return nil
	})
	return out, err
}

// GetTeamByName implements teams.Store.
func (s *Store) GetTeamByName(ctx context.Context, accountID, name string) (*teams.Team, error) {
	var out *teams.Team
	err := s.read(ctx, func() error {
		id, ok := s.teamsState.names[teamNameKey{accountID, teams.NameKey(name)}]
		if !ok {
			return notFound("team")
		}
		out = s.teamsState.teamOut(s.teamsState.teams[id])
		return nil
	})
	return out, err
}

// UpdateTeam implements teams.Store. It saves Name, Description, Source,
// Roles and UpdatedAt.
func (s *Store) UpdateTeam(ctx context.Context, tm *teams.Team) error {
	return s.write(ctx, func(t *tx) error {
		st := &s.teamsState
		prev, ok := st.teams[tm.ID]
		if !ok {
			return notFound("team")
		}
		oldKey := teamKeyOf(prev)
		newKey := teamNameKey{prev.AccountID, teams.NameKey(tm.Name)}
		if id, ok := st.names[newKey]; ok && id != prev.ID {
			return conflict("team")
		}
		next := copyTeam(prev)
		next.Name, next.Description, next.Source = tm.Name, tm.Description, tm.Source
		next.Roles, next.UpdatedAt = normRoles(tm.Roles), normTime(tm.UpdatedAt)
		st.teams[next.ID] = next
		if oldKey != newKey {
			delete(st.names, oldKey)
			st.names[newKey] = next.ID
		}
		t.onRollback(func() {
			st.teams[prev.ID] = prev
			if oldKey != newKey {
				delete(st.names, newKey)
				st.names[oldKey] = prev.ID
			}
		})
		return nil
	})
}

// DeleteTeam implements teams.Store; the memberships go with the team.
func (s *Store) DeleteTeam(ctx context.Context, id string) error {
	return s.write(ctx, func(t *tx) error {
		st := &s.teamsState
		prev, ok := st.teams[id]
		if !ok {
			return notFound("team")
		}
		var members []string
		for uid := range st.members[id] {
			members = append(members, uid)
		}
		if _, err := st.removeMembers(t, id, members); err != nil {
			return err
		}
		nk := teamKeyOf(prev)
		delete(st.teams, id)
		delete(st.names, nk)
		t.onRollback(func() {
			st.teams[id] = prev
			st.names[nk] = id
		})
		return nil
	})
}

// compareTeams orders teams by lower-cased name (byte order), then ID.
func compareTeams(a, b *teams.Team) int {
	if c := strings.Compare(teams.NameKey(a.Name), teams.NameKey(b.Name)); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// ListTeams implements teams.Store.
func (s *Store) ListTeams(ctx context.Context, f teams.Filter) ([]*teams.Team, error) {
	limit := limitOrAll(f.Limit)
	out := []*teams.Team{}
	err := s.read(ctx, func() error {
		st := &s.teamsState
		var match []*teams.Team
		for _, tm := range st.teams {
			key := teams.NameKey(tm.Name)
			switch {
			case tm.AccountID != f.AccountID,
				f.Source != nil && tm.Source != *f.Source,
				f.Search != "" && !strings.Contains(key, f.Search),
				(f.AfterName != "" || f.AfterID != "") &&
					compareTeams(tm, &teams.Team{Name: f.AfterName, ID: f.AfterID}) <= 0:
				continue
			}
			match = append(match, tm)
		}
		slices.SortFunc(match, compareTeams)
		for _, tm := range match[:min(len(match), limit)] {
			out = append(out, st.teamOut(tm))
		}
		return nil
	})
	return out, err
}

// ListUserTeams implements teams.Store.
func (s *Store) ListUserTeams(ctx context.Context, userID string) ([]*teams.Team, error) {
	out := []*teams.Team{}
	err := s.read(ctx, func() error {
		st := &s.teamsState
		for id := range st.userTeams[userID] {
			out = append(out, st.teamOut(st.teams[id]))
		}
		return nil
	})
	slices.SortFunc(out, compareTeams)
	return out, err
}

// AddTeamMembers implements teams.Store.
func (s *Store) AddTeamMembers(ctx context.Context, teamID string, userIDs []string) (int, error) {
	var n int
	err := s.write(ctx, func(t *tx) error {
		st := &s.teamsState
		if _, ok := st.teams[teamID]; !ok {
			return notFound("team")
		}
		for _, uid := range userIDs {
			if st.isTeamMember(teamID, uid) {
				continue
			}
			st.link(teamID, uid)
			t.onRollback(func() { st.unlink(teamID, uid) })
			n++
		}
		return nil
	})
	return n, err
}

// RemoveTeamMembers implements teams.Store.
func (s *Store) RemoveTeamMembers(ctx context.Context, teamID string, userIDs []string) (int, error) {
	var n int
	err := s.write(ctx, func(t *tx) error {
		st := &s.teamsState
		if _, ok := st.teams[teamID]; !ok {
			return notFound("team")
		}
		var err error
		n, err = st.removeMembers(t, teamID, userIDs)
		return err
	})
	return n, err
}

func (st *teamsState) removeMembers(t *tx, teamID string, userIDs []string) (int, error) {
	n := 0
	for _, uid := range userIDs {
		if !st.isTeamMember(teamID, uid) {
			continue
		}
		st.unlink(teamID, uid)
		t.onRollback(func() { st.link(teamID, uid) })
		n++
	}
	return n, nil
}

func (st *teamsState) link(teamID, userID string) {
	if st.members[teamID] == nil {
		st.members[teamID] = map[string]struct{}{}
	}
	st.members[teamID][userID] = struct{}{}
	if st.userTeams[userID] == nil {
		st.userTeams[userID] = map[string]struct{}{}
	}
	st.userTeams[userID][teamID] = struct{}{}
}

func (st *teamsState) unlink(teamID, userID string) {
	delete(st.members[teamID], userID)
	if len(st.members[teamID]) == 0 {
		delete(st.members, teamID)
	}
	delete(st.userTeams[userID], teamID)
	if len(st.userTeams[userID]) == 0 {
		delete(st.userTeams, userID)
	}
}

// AccountUserIDs implements teams.Store.
func (s *Store) AccountUserIDs(ctx context.Context, accountID string, userIDs []string) ([]string, error) {
	out := []string{}
	err := s.read(ctx, func() error {
		for _, id := range userIDs {
			if u, ok := s.usersState.users[id]; ok && u.AccountID == accountID {
				out = append(out, id)
			}
		}
		return nil
	})
	slices.Sort(out)
	return slices.Compact(out), err
}

// UsersTeams implements users.Store.
func (s *Store) UsersTeams(ctx context.Context, userIDs []string) (map[string][]users.TeamRef, error) {
	out := map[string][]users.TeamRef{}
	err := s.read(ctx, func() error {
		st := &s.teamsState
		for _, uid := range userIDs {
			var list []*teams.Team
			for id := range st.userTeams[uid] {
				if tm := st.teams[id]; tm != nil {
					list = append(list, tm)
				}
			}
			if len(list) == 0 {
				continue
			}
			slices.SortFunc(list, compareTeams)
			refs := make([]users.TeamRef, len(list))
			for i, tm := range list {
				refs[i] = users.TeamRef{ID: tm.ID, Name: tm.Name, Source: string(tm.Source)}
			}
			out[uid] = refs
		}
		return nil
	})
	return out, err
}
