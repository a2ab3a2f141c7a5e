package teams

import (
	"context"
	"strconv"
	"strings"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/security"
)

// The methods in this file are for the single sign-on integration (the sso
// package, through sso.GroupSync, wired by the kit package). They are not
// served over HTTP.
//
// Matching of IdP groups to teams follows the WorkOS/Okta convention: a
// group matches the account's team of the same name, ignoring case. A
// matching manual team stays manual and its memberships stay the
// administrators' — the sync neither adds to it nor removes from it. A group
// with no team becomes a new SSO team of that name, with no roles until an
// administrator gives it some.

// FindOrCreateSSOTeam returns the account's team named name (ignoring case)
// — an existing manual team is returned as it is — or creates an SSO team
// of that name. It runs in the transaction carried by ctx, if any;
// concurrent calls for one name create one team. It checks that the
// account lies in the principal's tree but no permission: call it from the
// sign-in flow (as the signing-in user) or as the system. A team it creates
// is audited ("Group created." with source sso).
// Errors: Unauthenticated, NotFound, Invalid (name).
func (s *Service) FindOrCreateSSOTeam(ctx context.Context, accountID, name string) (*Team, error) {
	if err := s.authz.InTree(ctx, accountID); err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	if msg := ValidateName(name); msg != "" {
		return nil, accountkit.InvalidField("name", msg)
	}
	var t *Team
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		t, err = s.ensureSSOTeam(ctx, accountID, name)
		return err
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

func (s *Service) ensureSSOTeam(ctx context.Context, accountID, name string) (*Team, error) {
	t, created, err := s.store.EnsureTeam(ctx, s.newTeam(accountID, name, SourceSSO))
	if err != nil || !created {
		return t, err
	}
	e := entry(accountID, t.ID, t.Name, audit.ActionCreate)
	e.Details = map[string]string{"source": string(SourceSSO)}
	return t, s.audit.Record(ctx, *e)
}

// SetSSOMemberships makes the SSO teams named groupNames exactly the SSO
// teams the user belongs to in the account: it creates missing teams as
// SSO teams, adds the user to those it is missing from and removes it from
// its other SSO teams. Manual teams are untouched, including a manual team
// whose name matches a group. It runs in the transaction carried by ctx
// (the sign-in's) and audits each changed team ("Group updated."). No role
// check applies: the identity provider is trusted for memberships, and
// administrators decide the roles of SSO teams. Like FindOrCreateSSOTeam it
// checks the account lies in the principal's tree but no permission; the
// user must be a user of the account. At most MaxMembersPerCall groups.
// Errors: Unauthenticated, NotFound, Invalid (a group name; nothing
// changed).
func (s *Service) SetSSOMemberships(ctx context.Context, userID, accountID string, groupNames []string) error {
	if err := s.authz.InTree(ctx, accountID); err != nil {
		return err
	}
	var names []string
	seen := map[string]bool{}
	for _, n := range groupNames {
		n = strings.TrimSpace(n)
		if msg := ValidateName(n); msg != "" {
			return accountkit.InvalidField("groups", "group "+clip(n)+" "+msg)
		}
		if k := NameKey(n); !seen[k] {
			seen[k] = true
			names = append(names, n)
		}
	}
	if len(names) > MaxMembersPerCall {
		return accountkit.InvalidField("groups", "at most "+strconv.Itoa(MaxMembersPerCall)+" groups")
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		if !accountkit.ValidID(userID) {
			return accountkit.Errorf(accountkit.NotFound, "user not found")
		}
		if found, err := s.store.AccountUserIDs(ctx, accountID, []string{userID}); err != nil {
			return err
		} else if len(found) != 1 {
			return accountkit.Errorf(accountkit.NotFound, "user not found")
		}
		want := map[string]*Team{}
		var order []*Team
		for _, n := range names {
			t, err := s.ensureSSOTeam(ctx, accountID, n)
			if err != nil {
				return err
			}
			if t.Source == SourceSSO && want[t.ID] == nil {
				want[t.ID] = t
				order = append(order, t)
			}
		}
		current, err := s.store.ListUserTeams(ctx, userID)
		if err != nil {
			return err
		}
		have := map[string]bool{}
		for _, t := range current {
			have[t.ID] = true
			if t.Source == SourceSSO && want[t.ID] == nil {
				if err := s.ssoMember(ctx, t, userID, false); err != nil {
					return err
				}
			}
		}
		for _, t := range order {
			if !have[t.ID] {
				if err := s.ssoMember(ctx, t, userID, true); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func (s *Service) ssoMember(ctx context.Context, t *Team, userID string, add bool) error {
	var n int
	var err error
	details := map[string]string{"user_id": userID, "source": string(SourceSSO)}
	if add {
		n, err = s.store.AddTeamMembers(ctx, t.ID, []string{userID})
		details["added"], details["removed"] = strconv.Itoa(n), "0"
	} else {
		n, err = s.store.RemoveTeamMembers(ctx, t.ID, []string{userID})
		details["added"], details["removed"] = "0", strconv.Itoa(n)
	}
	if err != nil || n == 0 {
		return err
	}
	e := entry(t.AccountID, t.ID, t.Name, audit.ActionUpdate)
	e.Details = details
	return s.audit.Record(ctx, *e)
}

// ConvertSSOTeamsToManual turns every SSO team of the account into a
// manual team, keeping its members and roles: what happens when an
// administrator turns auto-create groups off. It requires PermSSOManage in
// the account and runs in the transaction carried by ctx (the SSO
// configuration change's). Each converted team is audited ("Group
// updated." with source sso→manual). Errors: Unauthenticated, NotFound,
// Forbidden.
func (s *Service) ConvertSSOTeamsToManual(ctx context.Context, accountID string) error {
	if _, err := s.authz.Require(ctx, security.PermSSOManage, accountID); err != nil {
		return err
	}
	src := SourceSSO
	return s.store.InTx(ctx, func(ctx context.Context) error {
		for {
			// Each pass converts what it lists, so the next pass starts over.
			list, err := s.store.ListTeams(ctx, Filter{AccountID: accountID, Source: &src, Limit: MaxMembersPerCall})
			if err != nil {
				return err
			}
			for _, t := range list {
				t.Source, t.UpdatedAt = SourceManual, s.rt.Now()
				if err := s.store.UpdateTeam(ctx, t); err != nil {
					return err
				}
				e := entry(t.AccountID, t.ID, t.Name, audit.ActionUpdate)
				e.Details = map[string]string{"source": "sso→manual"}
				if err := s.audit.Record(ctx, *e); err != nil {
					return err
				}
			}
			if len(list) < MaxMembersPerCall {
				return nil
			}
		}
	})
}
