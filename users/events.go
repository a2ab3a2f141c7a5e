package users

import (
	"context"

	"github.com/accountkit/accountkit"
)

// The reasons a user leaves an account (Leaving.Reason).
const (
	LeavingDeleted = "deleted"
	LeavingMoved   = "moved"
)

// Leaving is published on the installation's Events inside the transaction
// of Delete and Move, before the change, with the user as they are.
// Required reactions: the seats package frees the user's seat (logged in
// the seat log) and the apikeys package revokes the keys the user created.
// An error from a reaction aborts the change.
type Leaving struct {
	User *User
	// Reason is LeavingDeleted or LeavingMoved.
	Reason string
}

// TeamsRequested is published inside the transaction of Create and Update
// when the input names teams, after the user is saved. Required reaction:
// the teams package makes those teams the user's manual teams — adding the
// user to those it is missing from and removing it from its other manual
// teams; teams managed by single sign-on stay as they are — and records
// its own audit events. Errors from it (an unknown team, a team of another
// account, an SSO team, a team whose roles the principal may not grant)
// abort the change.
type TeamsRequested struct {
	User    *User
	TeamIDs []string
}

func (s *Service) leaving(ctx context.Context, u *User, reason string) error {
	return accountkit.Publish(ctx, s.rt.Events, Leaving{User: u, Reason: reason})
}

func (s *Service) setTeams(ctx context.Context, u *User, teamIDs []string) error {
	return accountkit.Publish(ctx, s.rt.Events, TeamsRequested{User: u, TeamIDs: teamIDs})
}
