package memory

import (
	"context"

	"github.com/accountkit/accountkit/users"
)

// forget deletes m[k], restoring it if the transaction rolls back.
func forget[K comparable, V any](t *tx, m map[K]V, k K) {
	if v, ok := m[k]; ok {
		delete(m, k)
		t.onRollback(func() { m[k] = v })
	}
}

// DeleteUser implements users.Store.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	return s.write(ctx, func(t *tx) error {
		st := &s.usersState
		u, ok := st.users[id]
		if !ok {
			return notFound("user")
		}
		forget(t, st.users, id)
		forget(t, st.usernames, u.Username)
		forget(t, st.emails, emailKey{u.MainAccountID, u.Email})
		forget(t, st.byAccount[u.AccountID], id)
		for hash, tok := range st.tokens {
			if tok.UserID == id {
				forget(t, st.tokens, hash)
			}
		}
		forget(t, s.twoFactor, id)
		forget(t, s.passwords, id)
		forget(t, s.notes.deliveries, id)
		forget(t, s.notes.optOuts, id)
		s.leaveAccount(t, u)
		return nil
	})
}

// MoveUser implements users.Store.
func (s *Store) MoveUser(ctx context.Context, id, accountID string) error {
	return s.write(ctx, func(t *tx) error {
		st := &s.usersState
		prev, ok := st.users[id]
		if !ok {
			return notFound("user")
		}
		s.leaveAccount(t, prev)
		next := copyUser(prev)
		next.AccountID = accountID
		st.users[id] = next
		forget(t, st.byAccount[prev.AccountID], id)
		set := st.byAccount[accountID]
		if set == nil {
			set = map[string]struct{}{}
			st.byAccount[accountID] = set
		}
		set[id] = struct{}{}
		t.onRollback(func() {
			st.users[id] = prev
			delete(set, id)
		})
		return nil
	})
}

// leaveAccount removes what u holds in its account: sessions, team
// memberships, SSO links and break-glass designations, and the seat.
func (s *Store) leaveAccount(t *tx, u *users.User) {
	st := &s.usersState
	for sid, sess := range st.sessions {
		if sess.UserID == u.ID {
			forget(t, st.sessions, sid)
			forget(t, st.sessionTokens, sess.TokenHash)
		}
	}
	for teamID := range s.userTeams[u.ID] {
		forget(t, s.members[teamID], u.ID)
	}
	forget(t, s.userTeams, u.ID)
	for k, l := range s.sso.links {
		if l.UserID == u.ID {
			forget(t, s.sso.links, k)
		}
	}
	for accountID, c := range s.sso.configs {
		if c.BreakGlassUserID == u.ID {
			next := *c
			next.BreakGlassUserID = ""
			s.sso.configs[accountID] = &next
			t.onRollback(func() { s.sso.configs[accountID] = c })
		}
	}
	s.dropSeat(t, u.ID)
}
