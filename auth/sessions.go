package auth

import (
	"context"
	"strconv"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/users"
)

// The session self-service: a signed-in user lists their sessions and ends
// one or all others; an Account Manager ends a user's sessions.

var (
	errNotUser         = accountkit.Errorf(accountkit.Forbidden, "only users have sessions")
	errSessionNotFound = accountkit.Errorf(accountkit.NotFound, "session not found")
)

// signedIn returns the signed-in principal and user. Errors:
// Unauthenticated, Forbidden (not a user).
func (s *Service) signedIn(ctx context.Context) (*security.Principal, *users.User, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, nil, err
	}
	if p.UserID == "" {
		return nil, nil, errNotUser
	}
	u, err := s.store.GetUser(ctx, p.UserID)
	if accountkit.ErrorCode(err) == accountkit.NotFound {
		return nil, nil, errSession
	}
	return p, u, err
}

// live reports whether sess has neither expired nor idled out at now.
// LastSeenAt is written at most once per touchEvery, so the session may
// have been used up to touchEvery after it: a session ends only once its
// idle limit has passed since that latest possible use — never early, at
// most touchEvery late.
func (s *Service) live(sess *Session) bool {
	now := s.now()
	return now.Before(sess.ExpiresAt) && now.Before(sess.LastSeenAt.Add(sess.IdleTimeout+touchEvery))
}

// Sessions returns the signed-in user's live sessions, newest first. The
// one the principal signed in with has the principal's SessionID. Errors:
// Unauthenticated, Forbidden (not a user).
func (s *Service) Sessions(ctx context.Context) (_ []*Session, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	_, u, err := s.signedIn(ctx)
	if err != nil {
		return nil, err
	}
	all, err := s.store.ListUserSessions(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	out := make([]*Session, 0, len(all))
	for _, sess := range all {
		if s.live(sess) {
			out = append(out, sess)
		}
	}
	return out, nil
}

// EndSession ends one of the signed-in user's sessions, by ID (the one in
// use too: that is signing out). A session of another user answers
// NotFound, like an unknown one. Audited ("User logged out"). Errors:
// Unauthenticated, Forbidden (not a user), NotFound.
func (s *Service) EndSession(ctx context.Context, id string) error {
	_, u, err := s.signedIn(ctx)
	if err != nil {
		return err
	}
	e := entry(u, audit.ItemUser, audit.ActionLogout, "User logged out ("+u.DisplayName()+", "+u.Email+").", "Logging out failed.")
	return s.audit.Run(ctx, e, func(ctx context.Context) error {
		if !accountkit.ValidID(id) {
			return errSessionNotFound
		}
		sess, err := s.store.GetSession(ctx, id)
		if accountkit.ErrorCode(err) == accountkit.NotFound || err == nil && sess.UserID != u.ID {
			return errSessionNotFound
		}
		if err != nil {
			return err
		}
		e.Details = map[string]string{"session_id": sess.ID}
		return s.store.DeleteSession(ctx, sess.ID)
	})
}

// EndOtherSessions signs the signed-in user out everywhere but the session
// the principal signed in with (all of them for a bearer use without
// session), and returns how many sessions it ended. Audited ("User logged
// out (…) of other sessions."). Errors: Unauthenticated, Forbidden (not a
// user).
func (s *Service) EndOtherSessions(ctx context.Context) (int, error) {
	p, u, err := s.signedIn(ctx)
	if err != nil {
		return 0, err
	}
	var n int
	e := entry(u, audit.ItemUser, audit.ActionLogout, "User logged out ("+u.DisplayName()+", "+u.Email+") of other sessions.",
		"Logging out of other sessions failed.")
	err = s.audit.Run(ctx, e, func(ctx context.Context) error {
		var err error
		n, err = s.store.DeleteUserSessions(ctx, u.ID, p.SessionID)
		e.Details = map[string]string{"sessions": strconv.Itoa(n)}
		return err
	})
	return n, err
}

// EndUserSessions ends every session of another user: an Account
// Manager's "sign out everywhere" for a lost laptop. It requires
// PermUsersManage in the user's account; a user outside the principal's
// tree is NotFound. Audited ("User sessions ended."). Errors:
// Unauthenticated, NotFound, Forbidden.
func (s *Service) EndUserSessions(ctx context.Context, userID string) (int, error) {
	var n int
	e := entry(nil, audit.ItemUser, audit.ActionLogout, "User sessions ended.", "Ending user sessions failed.")
	e.TargetID = userID
	err := s.audit.Run(ctx, e, func(ctx context.Context) error {
		u, err := s.userInTree(ctx, security.PermUsersManage, userID)
		if err != nil {
			return err
		}
		e.AccountID, e.TargetName = u.AccountID, u.Username
		n, err = s.store.DeleteUserSessions(ctx, u.ID, "")
		e.Details = map[string]string{"sessions": strconv.Itoa(n)}
		return err
	})
	return n, err
}
