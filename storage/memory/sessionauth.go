package memory

import (
	"context"
	"slices"
	"time"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/users"
)

// sessionAuthBuf holds a SessionAuth answer in one allocation: the answer
// points into it, and the account path and grants of a usual user fit its
// arrays.
type sessionAuthBuf struct {
	info     auth.SessionAuthInfo
	sess     auth.Session
	user     auth.SessionUser
	accounts [account.MaxDepth + 1]auth.AccountState
	grants   [4]users.GrantedRole
}

// SessionAuth implements auth.Store: one read under one lock, the
// session, user and accounts copied out by value, a custom role's
// permissions cloned.
func (s *Store) SessionAuth(ctx context.Context, tokenHash string) (*auth.SessionAuthInfo, error) {
	var out *auth.SessionAuthInfo
	err := s.read(ctx, func() error {
		id, ok := s.sessionTokens[tokenHash]
		if !ok {
			return notFound("session")
		}
		sess := s.sessions[id]
		b := &sessionAuthBuf{sess: *sess}
		b.sess.CreatedAt = normTime(sess.CreatedAt)
		b.sess.LastSeenAt = normTime(sess.LastSeenAt)
		b.sess.ExpiresAt = normTime(sess.ExpiresAt)
		b.sess.IdleTimeout = sess.IdleTimeout.Truncate(time.Microsecond)
		out = &b.info
		out.Session = &b.sess
		u, ok := s.users[sess.UserID]
		if !ok {
			return nil
		}
		b.user = auth.SessionUser{ID: u.ID, Username: u.Username, AccountID: u.AccountID, Status: u.Status, Locked: u.Locked}
		out.User = &b.user
		if a, ok := s.accounts[u.AccountID]; ok {
			out.Accounts = b.accounts[:0]
			for _, id := range a.Ancestry {
				st := auth.AccountState{ID: id}
				if up, ok := s.accounts[id]; ok {
					st.Status = up.Status
				}
				out.Accounts = append(out.Accounts, st)
			}
		}
		out.Grants = b.grants[:0]
		for _, key := range u.Roles {
			out.Grants = s.appendGrant(out.Grants, key, false)
		}
		for teamID := range s.userTeams[u.ID] {
			if tm := s.teams[teamID]; tm != nil {
				for _, key := range tm.Roles {
					out.Grants = s.appendGrant(out.Grants, key, true)
				}
			}
		}
		if len(out.Grants) == 0 {
			out.Grants = nil
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// appendGrant appends the grant of key with its custom role, if any; it
// runs under s.read.
func (s *Store) appendGrant(gs []users.GrantedRole, key string, viaTeam bool) []users.GrantedRole {
	g := users.GrantedRole{Key: key, ViaTeam: viaTeam}
	if r, ok := s.roles[key]; ok {
		g.Custom, g.CustomAccountID, g.CustomPermissions = true, r.AccountID, slices.Clone(r.Permissions)
	}
	return append(gs, g)
}
