package kit

import (
	"context"
	"slices"

	"github.com/accountkit/accountkit/teams"
	"github.com/accountkit/accountkit/users"
)

// teamsHook forwards users' team assignments to the teams service, which
// is created after the users service it needs.
type teamsHook struct{ k *Kit }

// SetManualTeams implements users.TeamAssigner.
func (h teamsHook) SetManualTeams(ctx context.Context, u *users.User, teamIDs []string) error {
	return h.k.Teams.SetManualTeams(ctx, u, teamIDs)
}

// wireTeamsIntoUsers makes users inherit their teams' roles (on top of any
// ExtraRoles the host set) and lets user create and edit assign teams.
func (k *Kit) wireTeamsIntoUsers(uo *users.Options) {
	host := uo.ExtraRoles
	uo.ExtraRoles = func(ctx context.Context, userID string) ([]string, error) {
		roles, err := k.Teams.UserRoles(ctx, userID)
		if err != nil || host == nil {
			return roles, err
		}
		more, err := host(ctx, userID)
		if err != nil {
			return nil, err
		}
		out := append(roles, more...)
		slices.Sort(out)
		return slices.Compact(out), nil
	}
	if uo.Teams == nil {
		uo.Teams = teamsHook{k}
	}
}

// newTeams creates the teams service.
func (k *Kit) newTeams(opts Options) {
	st := opts.Store
	k.Teams = teams.NewService(st, st, k.Users, st, k.Authorizer, k.Recorder, teams.Options{Clock: opts.Clock, IDs: opts.IDs})
}

// wireLeavingUsers makes users.Service.Delete and Move free the user's
// seat (logged in the seat log) and revoke the API keys the user created,
// after any OnUserLeaving hook the host set, in the same transaction.
func (k *Kit) wireLeavingUsers(uo *users.Options) {
	host := uo.OnUserLeaving
	uo.OnUserLeaving = func(ctx context.Context, u *users.User, reason string) error {
		if host != nil {
			if err := host(ctx, u, reason); err != nil {
				return err
			}
		}
		if err := k.Seats.ReleaseUser(ctx, u.ID, reason); err != nil {
			return err
		}
		return k.APIKeys.RevokeCreatedBy(ctx, u.ID, u.AccountID, reason)
	}
}
