package memory

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/teams"
	"github.com/accountkit/accountkit/users"
)

// emailKey identifies a user's email within a main account's tree.
type emailKey struct{ mainAccountID, email string }

// roleNameKey identifies a custom role's name (lower-cased) within an
// account.
type roleNameKey struct{ accountID, nameLower string }

// usersState is what the memory store keeps for users.Store.
type usersState struct {
	users     map[string]*users.User         // by ID
	usernames map[string]string              // username -> user ID
	emails    map[emailKey]string            // (main account, email) -> user ID
	byAccount map[string]map[string]struct{} // account ID -> user IDs

	roles     map[string]*users.Role // by ID
	roleNames map[roleNameKey]string // (account, lower name) -> role ID

	tokens map[string]*users.Token // by hash

	sessions      map[string]*auth.Session // by ID
	sessionTokens map[string]string        // token hash -> session ID
}

func newUsersState() usersState {
	return usersState{
		users:         map[string]*users.User{},
		usernames:     map[string]string{},
		emails:        map[emailKey]string{},
		byAccount:     map[string]map[string]struct{}{},
		roles:         map[string]*users.Role{},
		roleNames:     map[roleNameKey]string{},
		tokens:        map[string]*users.Token{},
		sessions:      map[string]*auth.Session{},
		sessionTokens: map[string]string{},
	}
}

// normTimePtr returns a fresh pointer to normTime(*t), or nil.
func normTimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	n := normTime(*t)
	return &n
}

// normRoles returns the role keys sorted byte-wise without duplicates, or
// nil when there are none: the form every adapter returns.
func normRoles(keys []string) []string {
	if len(keys) == 0 {
		return nil
	}
	out := slices.Clone(keys)
	slices.Sort(out)
	return slices.Compact(out)
}

// copyUser returns a deep copy of u with its times normalized and its
// roles in the stored form.
func copyUser(u *users.User) *users.User {
	c := *u
	c.Roles = normRoles(u.Roles)
	c.CreatedAt = normTime(u.CreatedAt)
	c.UpdatedAt = normTime(u.UpdatedAt)
	c.LockedAt = normTimePtr(u.LockedAt)
	c.ActivatedAt = normTimePtr(u.ActivatedAt)
	c.PasswordChangedAt = normTimePtr(u.PasswordChangedAt)
	c.LastLoginAt = normTimePtr(u.LastLoginAt)
	return &c
}

// CreateUser implements users.Store.
func (s *Store) CreateUser(ctx context.Context, u *users.User) error {
	return s.write(ctx, func(t *tx) error {
		st := &s.usersState
		ek := emailKey{u.MainAccountID, u.Email}
		if _, ok := st.users[u.ID]; ok {
			return conflict("user")
		}
		if _, ok := st.usernames[u.Username]; ok {
			return conflict("user")
		}
		if _, ok := st.emails[ek]; ok {
			return conflict("user")
		}
		c := copyUser(u)
		st.users[c.ID] = c
		st.usernames[c.Username] = c.ID
		st.emails[ek] = c.ID
		set := st.byAccount[c.AccountID]
		if set == nil {
			set = map[string]struct{}{}
			st.byAccount[c.AccountID] = set
		}
		set[c.ID] = struct{}{}
		t.onRollback(func() {
			delete(st.users, c.ID)
			delete(st.usernames, c.Username)
			delete(st.emails, ek)
			delete(set, c.ID)
			if len(set) == 0 {
				delete(st.byAccount, c.AccountID)
			}
		})
		return nil
	})
}

// getUser returns a copy of the user with the ID.
func (s *Store) getUser(ctx context.Context, id string) (*users.User, error) {
	var out *users.User
	err := s.read(ctx, func() error {
		u, ok := s.users[id]
		if !ok {
			return notFound("user")
		}
		out = copyUser(u)
		return nil
	})
	return out, err
}

// GetUser implements users.Store.
func (s *Store) GetUser(ctx context.Context, id string) (*users.User, error) {
	return s.getUser(ctx, id)
}

// GetUserForUpdate implements users.Store. Transactions of the memory store
// never interleave, so it is GetUser.
func (s *Store) GetUserForUpdate(ctx context.Context, id string) (*users.User, error) {
	return s.getUser(ctx, id)
}

// GetUserByUsername implements users.Store. Usernames match byte-wise.
func (s *Store) GetUserByUsername(ctx context.Context, username string) (*users.User, error) {
	var out *users.User
	err := s.read(ctx, func() error {
		id, ok := s.usernames[username]
		if !ok {
			return notFound("user")
		}
		out = copyUser(s.users[id])
		return nil
	})
	return out, err
}

// FindUsersByEmail implements users.Store.
func (s *Store) FindUsersByEmail(ctx context.Context, email string) ([]*users.User, error) {
	out := []*users.User{}
	err := s.read(ctx, func() error {
		for _, u := range s.users {
			if u.Email == email {
				out = append(out, copyUser(u))
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b *users.User) int { return strings.Compare(a.ID, b.ID) })
	return out, err
}

// UpdateUser implements users.Store. It saves every field but ID,
// AccountID, MainAccountID, Username and CreatedAt, and replaces the roles.
func (s *Store) UpdateUser(ctx context.Context, u *users.User) error {
	return s.write(ctx, func(t *tx) error {
		st := &s.usersState
		prev, ok := st.users[u.ID]
		if !ok {
			return notFound("user")
		}
		oldKey := emailKey{prev.MainAccountID, prev.Email}
		newKey := emailKey{prev.MainAccountID, u.Email}
		if id, ok := st.emails[newKey]; ok && id != prev.ID {
			return conflict("user")
		}
		next := copyUser(u)
		next.ID, next.AccountID, next.MainAccountID = prev.ID, prev.AccountID, prev.MainAccountID
		next.Username, next.CreatedAt = prev.Username, prev.CreatedAt
		st.users[next.ID] = next
		if oldKey != newKey {
			delete(st.emails, oldKey)
			st.emails[newKey] = next.ID
		}
		t.onRollback(func() {
			st.users[prev.ID] = prev
			if oldKey != newKey {
				delete(st.emails, newKey)
				st.emails[oldKey] = prev.ID
			}
		})
		return nil
	})
}

// userPos is a user's position in a list order: the sort's key (a string,
// a time, or none for a user who never signed in in the last-login orders)
// and the ID that breaks ties.
type userPos struct {
	key   string
	t     time.Time
	never bool
	id    string
}

// userPosOf returns u's position for the sort (unknown sorts order by
// username).
func userPosOf(sort users.Sort, u *users.User) userPos {
	p := userPos{id: u.ID}
	switch sort {
	case users.SortCreated, users.SortCreatedDesc:
		p.t = normTime(u.CreatedAt)
	case users.SortName, users.SortNameDesc:
		p.key = u.NameKey()
	case users.SortEmail, users.SortEmailDesc:
		p.key = u.Email
	case users.SortLastLogin, users.SortLastLoginDesc:
		p.never = u.LastLoginAt == nil
		if !p.never {
			p.t = normTime(*u.LastLoginAt)
		}
	default:
		p.key = u.Username
	}
	return p
}

// afterPos returns the position f's cursor (AfterID and the sort's key)
// points at.
func afterPos(f users.Filter) userPos {
	p := userPos{id: f.AfterID}
	switch f.Sort {
	case users.SortCreated, users.SortCreatedDesc:
		p.t = normTime(f.AfterCreated)
	case users.SortLastLogin, users.SortLastLoginDesc:
		p.never = f.AfterLastLogin == nil
		if !p.never {
			p.t = normTime(*f.AfterLastLogin)
		}
	default:
		p.key = f.AfterKey
	}
	return p
}

// compareUserPos orders positions in the list order of sort: by key or
// time, then ID, both reversed for a descending sort; users who never
// signed in come after the others in both last-login orders. Keys compare
// byte-wise, as the SQL adapters do.
func compareUserPos(sort users.Sort, a, b userPos) int {
	if a.never != b.never {
		if a.never {
			return 1
		}
		return -1
	}
	c := strings.Compare(a.key, b.key)
	if c == 0 {
		c = a.t.Compare(b.t)
	}
	if c == 0 {
		c = strings.Compare(a.id, b.id)
	}
	if strings.HasPrefix(string(sort), "-") {
		c = -c
	}
	return c
}

// matchUserWords reports whether each query word starts a word of the
// user's username, first or last name or email (users.User.SearchWords,
// read in place without allocating).
func matchUserWords(u *users.User, query []string) bool {
	for _, q := range query {
		if !accountkit.HasWordPrefix(u.Username, q) && !accountkit.HasWordPrefix(u.FirstName, q) &&
			!accountkit.HasWordPrefix(u.LastName, q) && !accountkit.HasWordPrefix(u.Email, q) {
			return false
		}
	}
	return true
}

// matchUsers returns the stored users matching f's filters (not its
// paging), unordered. It must run under s.read.
func (s *Store) matchUsers(f users.Filter) []*users.User {
	search := accountkit.SearchWords(f.Search)
	var before time.Time
	if f.ActiveBefore != nil {
		before = normTime(*f.ActiveBefore)
	}
	var out []*users.User
	for _, accountID := range slices.Compact(slices.Sorted(slices.Values(f.AccountIDs))) {
		for id := range s.byAccount[accountID] {
			u := s.users[id]
			switch {
			case f.Status != nil && u.Status != *f.Status,
				f.Role != nil && !slices.Contains(u.Roles, *f.Role),
				f.TeamID != nil && !s.isTeamMember(*f.TeamID, u.ID),
				f.Locked != nil && u.Locked != *f.Locked,
				f.ActiveBefore != nil && !u.LastActivity().Before(before),
				f.NeverSignedIn != nil && (u.LastLoginAt == nil) != *f.NeverSignedIn,
				!matchUserWords(u, search):
				continue
			}
			out = append(out, u)
		}
	}
	return out
}

// ListUsers implements users.Store. It filters the users of f.AccountIDs
// and sorts them; a page costs what the accounts hold.
func (s *Store) ListUsers(ctx context.Context, f users.Filter) ([]*users.User, error) {
	out := []*users.User{}
	err := s.read(ctx, func() error {
		match := s.matchUsers(f)
		pos := make(map[*users.User]userPos, len(match))
		for _, u := range match {
			pos[u] = userPosOf(f.Sort, u)
		}
		if f.AfterID != "" {
			pivot := afterPos(f)
			match = slices.DeleteFunc(match, func(u *users.User) bool {
				return compareUserPos(f.Sort, pos[u], pivot) <= 0
			})
		}
		slices.SortFunc(match, func(a, b *users.User) int {
			return compareUserPos(f.Sort, pos[a], pos[b])
		})
		for _, u := range match[:capped(len(match), f.Limit)] {
			out = append(out, copyUser(u))
		}
		return nil
	})
	return out, err
}

// CountUsers implements users.Store.
func (s *Store) CountUsers(ctx context.Context, f users.Filter) (int, error) {
	var n int
	err := s.read(ctx, func() error {
		n = len(s.matchUsers(f))
		return nil
	})
	return n, err
}

// copyRole returns a deep copy of r with its times normalized; empty
// Permissions are nil, as on the SQL adapters.
func copyRole(r *users.Role) *users.Role {
	c := *r
	c.Permissions = slices.Clone(r.Permissions)
	if len(c.Permissions) == 0 {
		c.Permissions = nil
	}
	c.CreatedAt = normTime(r.CreatedAt)
	c.UpdatedAt = normTime(r.UpdatedAt)
	return &c
}

func roleKeyOf(r *users.Role) roleNameKey {
	return roleNameKey{r.AccountID, strings.ToLower(r.Name)}
}

// CreateRole implements users.Store.
func (s *Store) CreateRole(ctx context.Context, r *users.Role) error {
	return s.write(ctx, func(t *tx) error {
		st := &s.usersState
		nk := roleKeyOf(r)
		if _, ok := st.roles[r.ID]; ok {
			return conflict("role")
		}
		if _, ok := st.roleNames[nk]; ok {
			return conflict("role")
		}
		c := copyRole(r)
		st.roles[c.ID] = c
		st.roleNames[nk] = c.ID
		t.onRollback(func() {
			delete(st.roles, c.ID)
			delete(st.roleNames, nk)
		})
		return nil
	})
}

// GetRole implements users.Store.
func (s *Store) GetRole(ctx context.Context, id string) (*users.Role, error) {
	var out *users.Role
	err := s.read(ctx, func() error {
		r, ok := s.roles[id]
		if !ok {
			return notFound("role")
		}
		out = copyRole(r)
		return nil
	})
	return out, err
}

// UpdateRole implements users.Store. It saves Name, Description,
// Permissions and UpdatedAt.
func (s *Store) UpdateRole(ctx context.Context, r *users.Role) error {
	return s.write(ctx, func(t *tx) error {
		st := &s.usersState
		prev, ok := st.roles[r.ID]
		if !ok {
			return notFound("role")
		}
		oldKey := roleKeyOf(prev)
		newKey := roleNameKey{prev.AccountID, strings.ToLower(r.Name)}
		if id, ok := st.roleNames[newKey]; ok && id != prev.ID {
			return conflict("role")
		}
		next := copyRole(prev)
		next.Name, next.Description, next.UpdatedAt = r.Name, r.Description, normTime(r.UpdatedAt)
		next.Permissions = copyRole(r).Permissions
		st.roles[next.ID] = next
		if oldKey != newKey {
			delete(st.roleNames, oldKey)
			st.roleNames[newKey] = next.ID
		}
		t.onRollback(func() {
			st.roles[prev.ID] = prev
			if oldKey != newKey {
				delete(st.roleNames, newKey)
				st.roleNames[oldKey] = prev.ID
			}
		})
		return nil
	})
}

// DeleteRole implements users.Store. It also removes the role's ID from the
// roles of every user and team holding it.
func (s *Store) DeleteRole(ctx context.Context, id string) error {
	return s.write(ctx, func(t *tx) error {
		st := &s.usersState
		prev, ok := st.roles[id]
		if !ok {
			return notFound("role")
		}
		nk := roleKeyOf(prev)
		delete(st.roles, id)
		delete(st.roleNames, nk)
		var holders []*users.User // the users as they were
		for uid, u := range st.users {
			if !slices.Contains(u.Roles, id) {
				continue
			}
			holders = append(holders, u)
			next := copyUser(u)
			next.Roles = normRoles(slices.DeleteFunc(next.Roles, func(k string) bool { return k == id }))
			st.users[uid] = next
		}
		var granting []*teams.Team // the teams as they were
		for tid, tm := range s.teamsState.teams {
			if !slices.Contains(tm.Roles, id) {
				continue
			}
			granting = append(granting, tm)
			next := copyTeam(tm)
			next.Roles = normRoles(slices.DeleteFunc(next.Roles, func(k string) bool { return k == id }))
			s.teamsState.teams[tid] = next
		}
		t.onRollback(func() {
			st.roles[id] = prev
			st.roleNames[nk] = id
			for _, u := range holders {
				st.users[u.ID] = u
			}
			for _, tm := range granting {
				s.teamsState.teams[tm.ID] = tm
			}
		})
		return nil
	})
}

// ListRoles implements users.Store.
func (s *Store) ListRoles(ctx context.Context, accountIDs []string) ([]*users.Role, error) {
	out := []*users.Role{}
	err := s.read(ctx, func() error {
		for _, r := range s.roles {
			if slices.Contains(accountIDs, r.AccountID) {
				out = append(out, copyRole(r))
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b *users.Role) int {
		if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, err
}

// copyToken returns a copy of tk with its times normalized.
func copyToken(tk *users.Token) *users.Token {
	c := *tk
	c.CreatedAt = normTime(tk.CreatedAt)
	c.ExpiresAt = normTime(tk.ExpiresAt)
	return &c
}

// CreateToken implements users.Store.
func (s *Store) CreateToken(ctx context.Context, tk *users.Token) error {
	return s.write(ctx, func(t *tx) error {
		st := &s.usersState
		if _, ok := st.tokens[tk.Hash]; ok {
			return conflict("token")
		}
		c := copyToken(tk)
		st.tokens[c.Hash] = c
		t.onRollback(func() { delete(st.tokens, c.Hash) })
		return nil
	})
}

// GetToken implements users.Store.
func (s *Store) GetToken(ctx context.Context, hash string) (*users.Token, error) {
	var out *users.Token
	err := s.read(ctx, func() error {
		tk, ok := s.tokens[hash]
		if !ok {
			return notFound("token")
		}
		out = copyToken(tk)
		return nil
	})
	return out, err
}

// ConsumeToken implements users.Store. A token expires at ExpiresAt: it is
// consumable while now, at microsecond precision, is before it.
func (s *Store) ConsumeToken(ctx context.Context, hash string, kind users.TokenKind, now time.Time) (*users.Token, error) {
	var out *users.Token
	err := s.write(ctx, func(t *tx) error {
		st := &s.usersState
		tk, ok := st.tokens[hash]
		if !ok || tk.Kind != kind || !tk.ExpiresAt.After(normTime(now)) {
			return notFound("token")
		}
		delete(st.tokens, hash)
		t.onRollback(func() { st.tokens[hash] = tk })
		out = copyToken(tk)
		return nil
	})
	return out, err
}

// AddTokenAttempt implements users.Store.
func (s *Store) AddTokenAttempt(ctx context.Context, hash string) (int, error) {
	var n int
	err := s.write(ctx, func(t *tx) error {
		st := &s.usersState
		prev, ok := st.tokens[hash]
		if !ok {
			return notFound("token")
		}
		next := copyToken(prev)
		next.Attempts++
		st.tokens[hash] = next
		t.onRollback(func() { st.tokens[hash] = prev })
		n = next.Attempts
		return nil
	})
	return n, err
}

// DeleteTokens implements users.Store.
func (s *Store) DeleteTokens(ctx context.Context, userID string, kind users.TokenKind) error {
	return s.write(ctx, func(t *tx) error {
		st := &s.usersState
		for hash, tk := range st.tokens {
			if tk.UserID == userID && tk.Kind == kind {
				delete(st.tokens, hash)
				t.onRollback(func() { st.tokens[hash] = tk })
			}
		}
		return nil
	})
}

// ListTokens implements users.Store. Tokens created at the same time come
// by hash, descending.
func (s *Store) ListTokens(ctx context.Context, userID string, kind users.TokenKind) ([]*users.Token, error) {
	out := []*users.Token{}
	err := s.read(ctx, func() error {
		for _, tk := range s.tokens {
			if tk.UserID == userID && tk.Kind == kind {
				out = append(out, copyToken(tk))
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b *users.Token) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.Hash, a.Hash)
	})
	return out, err
}

// copySession returns a copy of sess with its times normalized and its
// idle timeout truncated to microseconds, the precision the SQL adapters
// keep.
func copySession(sess *auth.Session) *auth.Session {
	c := *sess
	c.CreatedAt = normTime(sess.CreatedAt)
	c.LastSeenAt = normTime(sess.LastSeenAt)
	c.ExpiresAt = normTime(sess.ExpiresAt)
	c.IdleTimeout = sess.IdleTimeout.Truncate(time.Microsecond)
	return &c
}

// CreateSession implements users.Store. Errors: Conflict when the ID or
// the token hash exists.
func (s *Store) CreateSession(ctx context.Context, sess *auth.Session) error {
	return s.write(ctx, func(t *tx) error {
		st := &s.usersState
		if _, ok := st.sessions[sess.ID]; ok {
			return conflict("session")
		}
		if _, ok := st.sessionTokens[sess.TokenHash]; ok {
			return conflict("session")
		}
		c := copySession(sess)
		st.sessions[c.ID] = c
		st.sessionTokens[c.TokenHash] = c.ID
		t.onRollback(func() {
			delete(st.sessions, c.ID)
			delete(st.sessionTokens, c.TokenHash)
		})
		return nil
	})
}

// GetSessionByToken implements users.Store.
func (s *Store) GetSessionByToken(ctx context.Context, tokenHash string) (*auth.Session, error) {
	var out *auth.Session
	err := s.read(ctx, func() error {
		id, ok := s.sessionTokens[tokenHash]
		if !ok {
			return notFound("session")
		}
		out = copySession(s.sessions[id])
		return nil
	})
	return out, err
}

// GetSession implements auth.Store.
func (s *Store) GetSession(ctx context.Context, id string) (*auth.Session, error) {
	var out *auth.Session
	err := s.read(ctx, func() error {
		sess, ok := s.sessions[id]
		if !ok {
			return notFound("session")
		}
		out = copySession(sess)
		return nil
	})
	return out, err
}

// ListUserSessions implements auth.Store.
func (s *Store) ListUserSessions(ctx context.Context, userID string) ([]*auth.Session, error) {
	var out []*auth.Session
	err := s.read(ctx, func() error {
		for _, sess := range s.sessions {
			if sess.UserID == userID {
				out = append(out, copySession(sess))
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b *auth.Session) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return out, err
}

// TouchSession implements auth.Store.
func (s *Store) TouchSession(ctx context.Context, id string, lastSeen time.Time) error {
	return s.write(ctx, func(t *tx) error {
		st := &s.usersState
		prev, ok := st.sessions[id]
		if !ok {
			return notFound("session")
		}
		next := copySession(prev)
		next.LastSeenAt = normTime(lastSeen)
		st.sessions[id] = next
		t.onRollback(func() { st.sessions[id] = prev })
		return nil
	})
}

// removeSession deletes a stored session and records its undo in t.
func (st *usersState) removeSession(t *tx, sess *auth.Session) {
	delete(st.sessions, sess.ID)
	delete(st.sessionTokens, sess.TokenHash)
	t.onRollback(func() {
		st.sessions[sess.ID] = sess
		st.sessionTokens[sess.TokenHash] = sess.ID
	})
}

// DeleteSession implements users.Store.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	return s.write(ctx, func(t *tx) error {
		sess, ok := s.sessions[id]
		if !ok {
			return notFound("session")
		}
		s.usersState.removeSession(t, sess)
		return nil
	})
}

// DeleteAccountSessions implements auth.Store.
func (s *Store) DeleteAccountSessions(ctx context.Context, accountIDs []string) (int, error) {
	var n int
	err := s.write(ctx, func(t *tx) error {
		for _, sess := range s.sessions {
			if slices.Contains(accountIDs, sess.AccountID) {
				s.usersState.removeSession(t, sess)
				n++
			}
		}
		return nil
	})
	return n, err
}

// DeleteUserSessions implements users.Store.
func (s *Store) DeleteUserSessions(ctx context.Context, userID, except string) (int, error) {
	var n int
	err := s.write(ctx, func(t *tx) error {
		for id, sess := range s.sessions {
			if sess.UserID == userID && (except == "" || id != except) {
				s.usersState.removeSession(t, sess)
				n++
			}
		}
		return nil
	})
	return n, err
}

// PurgeSessions implements auth.Store.
func (s *Store) PurgeSessions(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := s.write(ctx, func(t *tx) error {
		for _, sess := range s.sessions {
			if !now.Before(sess.ExpiresAt) || !now.Before(sess.LastSeenAt.Add(sess.IdleTimeout)) {
				s.usersState.removeSession(t, sess)
				n++
			}
		}
		return nil
	})
	return n, err
}

// PurgeTokens implements users.Store.
func (s *Store) PurgeTokens(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := s.write(ctx, func(t *tx) error {
		st := &s.usersState
		for hash, tk := range st.tokens {
			if !now.Before(tk.ExpiresAt) {
				delete(st.tokens, hash)
				t.onRollback(func() { st.tokens[hash] = tk })
				n++
			}
		}
		return nil
	})
	return n, err
}
