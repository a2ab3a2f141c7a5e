package users

import (
	"context"

	"github.com/accountkit/accountkit"
)

// TeamAssigner sets the manual teams of a user; the teams package
// implements it and the kit package wires it into Options.Teams, so that
// users need not import teams.
type TeamAssigner interface {
	// SetManualTeams makes teamIDs the user's manual teams: it adds the
	// user to those it is missing from and removes it from its other
	// manual teams; teams managed by single sign-on stay as they are. It is
	// called inside the user's create or update transaction, with the
	// acting principal in ctx, and writes its own audit events there.
	// Errors: Invalid (unknown team, or a team of another account),
	// Forbidden (an SSO team, or a team whose roles the principal may not
	// grant).
	SetManualTeams(ctx context.Context, u *User, teamIDs []string) error
}

// CheckRoleGrants validates role keys for use in accountID — installation
// roles, or custom roles of the account or an account above it — and
// refuses any role holding a permission the principal in ctx lacks (no
// escalation). It returns the keys sorted without duplicates. Other
// packages granting roles (teams) use it. Errors: Unauthenticated, Invalid
// (unknown role, more than 50 roles), Forbidden.
func (s *Service) CheckRoleGrants(ctx context.Context, accountID string, roles []string) ([]string, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	return s.checkGrants(ctx, p, accountID, roles)
}

// setTeams applies teamIDs through the TeamAssigner; without one, asking
// for teams is Invalid.
func (s *Service) setTeams(ctx context.Context, u *User, teamIDs []string) error {
	if s.opts.Teams == nil {
		return accountkit.InvalidField("teams", "teams are not available")
	}
	return s.opts.Teams.SetManualTeams(ctx, u, teamIDs)
}
