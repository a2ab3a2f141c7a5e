package sqlstore

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/users"
)

// userRow is a user as stored in accountkit_users; its roles live in
// accountkit_user_roles. SearchText is u.SearchText(), computed in Go so
// that Search is a byte-wise LIKE that ignores case for all of Unicode on
// every database.
type userRow struct {
	bun.BaseModel `bun:"table:accountkit_users,alias:u"`

	ID                string     `bun:"id,pk"`
	AccountID         string     `bun:"account_id,notnull"`
	MainAccountID     string     `bun:"main_account_id,notnull"`
	Username          string     `bun:"username,notnull"`
	FirstName         string     `bun:"first_name,notnull"`
	LastName          string     `bun:"last_name,notnull"`
	Email             string     `bun:"email,notnull"`
	EmailVerified     bool       `bun:"email_verified,notnull"`
	Phone             string     `bun:"phone,notnull"`
	PhoneVerified     bool       `bun:"phone_verified,notnull"`
	Status            string     `bun:"status,notnull"`
	Locked            bool       `bun:"locked,notnull"`
	LockedAt          *time.Time `bun:"locked_at"`
	FailedLogins      int        `bun:"failed_logins,notnull"`
	LockCount         int        `bun:"lock_count,notnull"`
	SearchText        string     `bun:"search_text,notnull"`
	CreatedAt         time.Time  `bun:"created_at,notnull"`
	UpdatedAt         time.Time  `bun:"updated_at,notnull"`
	ActivatedAt       *time.Time `bun:"activated_at"`
	PasswordHash      string     `bun:"password_hash,notnull"`
	PasswordChangedAt *time.Time `bun:"password_changed_at"`
	LastLoginAt       *time.Time `bun:"last_login_at"`
	LastLoginIP       string     `bun:"last_login_ip,notnull"`
	LastLoginAgent    string     `bun:"last_login_agent,notnull"`
	LastLoginMethod   string     `bun:"last_login_method,notnull"`
	// LastActiveAt is u.LastActivity(), written from that one definition.
	LastActiveAt time.Time `bun:"last_active_at,notnull"`
	// NameKey is u.NameKey(), what SortName orders by.
	NameKey string `bun:"name_key,notnull"`
}

// userRoleRow is one role granted to a user.
type userRoleRow struct {
	bun.BaseModel `bun:"table:accountkit_user_roles"`

	UserID  string `bun:"user_id,pk"`
	RoleKey string `bun:"role_key,pk"`
}

// utcPtr returns a fresh pointer to t in UTC, or nil.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
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

func toUserRow(u *users.User) *userRow {
	return &userRow{
		ID:                u.ID,
		AccountID:         u.AccountID,
		MainAccountID:     u.MainAccountID,
		Username:          u.Username,
		FirstName:         u.FirstName,
		LastName:          u.LastName,
		Email:             u.Email,
		EmailVerified:     u.EmailVerified,
		Phone:             u.Phone,
		PhoneVerified:     u.PhoneVerified,
		Status:            string(u.Status),
		Locked:            u.Locked,
		LockedAt:          utcPtr(u.LockedAt),
		FailedLogins:      u.FailedLogins,
		LockCount:         u.LockCount,
		SearchText:        u.SearchText(),
		CreatedAt:         u.CreatedAt.UTC(),
		UpdatedAt:         u.UpdatedAt.UTC(),
		ActivatedAt:       utcPtr(u.ActivatedAt),
		PasswordHash:      u.PasswordHash,
		PasswordChangedAt: utcPtr(u.PasswordChangedAt),
		LastLoginAt:       utcPtr(u.LastLoginAt),
		LastActiveAt:      u.LastActivity().UTC(),
		NameKey:           u.NameKey(),
		LastLoginIP:       u.LastLoginIP,
		LastLoginAgent:    u.LastLoginAgent,
		LastLoginMethod:   string(u.LastLoginMethod),
	}
}

// user converts r; the roles are filled in by the caller.
func (r *userRow) user() *users.User {
	return &users.User{
		ID:                r.ID,
		AccountID:         r.AccountID,
		MainAccountID:     r.MainAccountID,
		Username:          r.Username,
		FirstName:         r.FirstName,
		LastName:          r.LastName,
		Email:             r.Email,
		EmailVerified:     r.EmailVerified,
		Phone:             r.Phone,
		PhoneVerified:     r.PhoneVerified,
		Status:            users.Status(r.Status),
		Locked:            r.Locked,
		LockedAt:          utcPtr(r.LockedAt),
		FailedLogins:      r.FailedLogins,
		LockCount:         r.LockCount,
		CreatedAt:         r.CreatedAt.UTC(),
		UpdatedAt:         r.UpdatedAt.UTC(),
		ActivatedAt:       utcPtr(r.ActivatedAt),
		PasswordHash:      r.PasswordHash,
		PasswordChangedAt: utcPtr(r.PasswordChangedAt),
		LastLoginAt:       utcPtr(r.LastLoginAt),
		LastLoginIP:       r.LastLoginIP,
		LastLoginAgent:    r.LastLoginAgent,
		LastLoginMethod:   users.LoginMethod(r.LastLoginMethod),
	}
}

// withRoles converts rows to users and loads their roles in one query.
func (s *Store) withRoles(ctx context.Context, rows []userRow) ([]*users.User, error) {
	out := make([]*users.User, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	byID := make(map[string]*users.User, len(rows))
	ids := make([]string, len(rows))
	for i := range rows {
		out[i] = rows[i].user()
		byID[rows[i].ID] = out[i]
		ids[i] = rows[i].ID
	}
	var grants []userRoleRow
	err := s.idb(ctx).NewSelect().Model(&grants).
		Where("user_id IN (?)", bun.List(ids)).
		OrderExpr("user_id ASC, role_key ASC").
		Scan(ctx)
	if err != nil {
		return nil, translate(err, "user")
	}
	for _, g := range grants {
		u := byID[g.UserID]
		u.Roles = append(u.Roles, g.RoleKey)
	}
	for _, u := range out {
		u.Roles = normRoles(u.Roles) // byte order whatever the database sorted by
	}
	return out, nil
}

// oneUser reads the single user selected by q with its roles.
func (s *Store) oneUser(ctx context.Context, q *bun.SelectQuery) (*users.User, error) {
	var rows []userRow
	if err := q.Limit(1).Scan(ctx, &rows); err != nil {
		return nil, translate(err, "user")
	}
	if len(rows) == 0 {
		return nil, notFound("user")
	}
	list, err := s.withRoles(ctx, rows)
	if err != nil {
		return nil, err
	}
	return list[0], nil
}

// insertRoles grants the roles to the user, skipping grants that exist.
func (s *Store) insertRoles(ctx context.Context, userID string, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	rows := make([]userRoleRow, len(keys))
	for i, k := range keys {
		rows[i] = userRoleRow{UserID: userID, RoleKey: k}
	}
	q := s.idb(ctx).NewInsert().Model(&rows)
	if s.dialect == MySQL {
		q = q.Ignore()
	} else {
		q = q.On("CONFLICT (user_id, role_key) DO NOTHING")
	}
	_, err := q.Exec(ctx)
	return translate(err, "user")
}

// CreateUser stores u with its roles. Errors: Conflict when the ID, the
// username, or the email within u.MainAccountID exists.
func (s *Store) CreateUser(ctx context.Context, u *users.User) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.idb(ctx).NewInsert().Model(toUserRow(u)).Exec(ctx); err != nil {
			return translate(err, "user")
		}
		if err := s.insertUserWords(ctx, u.AccountID, u.ID, u.SearchWords()); err != nil {
			return err
		}
		return s.insertRoles(ctx, u.ID, normRoles(u.Roles))
	})
}

// GetUser returns a user with its roles. Errors: NotFound.
func (s *Store) GetUser(ctx context.Context, id string) (*users.User, error) {
	return s.oneUser(ctx, s.idb(ctx).NewSelect().Model((*userRow)(nil)).Where("id = ?", id))
}

// GetUserForUpdate is GetUser that also locks the user's row with SELECT
// ... FOR UPDATE until the transaction in ctx ends. SQLite has no row locks
// (its transactions are serialized by BEGIN IMMEDIATE), so there it is a
// plain read. Errors: NotFound.
func (s *Store) GetUserForUpdate(ctx context.Context, id string) (*users.User, error) {
	q := s.idb(ctx).NewSelect().Model((*userRow)(nil)).Where("id = ?", id)
	if s.dialect != SQLite {
		q = q.For("UPDATE")
	}
	return s.oneUser(ctx, q)
}

// GetUserByUsername finds a user by username, byte-wise. Errors: NotFound.
func (s *Store) GetUserByUsername(ctx context.Context, username string) (*users.User, error) {
	return s.oneUser(ctx, s.idb(ctx).NewSelect().Model((*userRow)(nil)).Where("username = ?", username))
}

// FindUsersByEmail returns the users with the email, byte-wise, in any
// tree, ordered by ID.
func (s *Store) FindUsersByEmail(ctx context.Context, email string) ([]*users.User, error) {
	var rows []userRow
	err := s.idb(ctx).NewSelect().Model((*userRow)(nil)).
		Where("email = ?", email).OrderExpr("id ASC").Scan(ctx, &rows)
	if err != nil {
		return nil, translate(err, "user")
	}
	return s.withRoles(ctx, rows)
}

// UpdateUser saves every field of u but ID, AccountID, MainAccountID,
// Username and CreatedAt, and replaces its roles. Only the grants that
// change are written: unchanged roles cost one read.
// Errors: NotFound, Conflict (email taken in the tree).
func (s *Store) UpdateUser(ctx context.Context, u *users.User) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		db := s.idb(ctx)
		// The stored username goes into search_text and the search words:
		// UpdateUser keeps it. The words are rewritten only when a searched
		// field changes, so a sign-in costs no extra statement.
		var before userRow
		err := db.NewSelect().Model(&before).
			Column("account_id", "username", "first_name", "last_name", "email").
			Where("id = ?", u.ID).Scan(ctx)
		if err != nil {
			return translate(err, "user")
		}
		stored := *u
		stored.Username = before.Username
		res, err := db.NewUpdate().Model(toUserRow(&stored)).
			Column("first_name", "last_name", "email", "email_verified", "phone", "phone_verified",
				"status", "locked", "locked_at", "failed_logins", "lock_count", "search_text", "updated_at",
				"activated_at", "password_hash", "password_changed_at", "last_login_at",
				"last_login_ip", "last_login_agent", "last_login_method", "last_active_at", "name_key").
			WherePK().
			Exec(ctx)
		if err != nil {
			return translate(err, "user")
		}
		if err := s.affectedOne(ctx, res, (*userRow)(nil), "id = ?", u.ID, "user"); err != nil {
			return err
		}
		if old := before.user(); old.FirstName != stored.FirstName || old.LastName != stored.LastName || old.Email != stored.Email {
			err := s.replaceUserWords(ctx, before.AccountID, u.ID, old.SearchWords(), stored.SearchWords())
			if err != nil {
				return err
			}
		}
		return s.replaceRoles(ctx, u.ID, normRoles(u.Roles))
	})
}

// replaceRoles makes want the user's roles, deleting and inserting only
// the grants that differ.
func (s *Store) replaceRoles(ctx context.Context, userID string, want []string) error {
	db := s.idb(ctx)
	var have []string
	err := db.NewSelect().Model((*userRoleRow)(nil)).Column("role_key").
		Where("user_id = ?", userID).Scan(ctx, &have)
	if err != nil {
		return translate(err, "user")
	}
	var gone, added []string
	for _, k := range have {
		if !slices.Contains(want, k) {
			gone = append(gone, k)
		}
	}
	for _, k := range want {
		if !slices.Contains(have, k) {
			added = append(added, k)
		}
	}
	if len(gone) > 0 {
		_, err := db.NewDelete().Model((*userRoleRow)(nil)).
			Where("user_id = ?", userID).Where("role_key IN (?)", bun.List(gone)).Exec(ctx)
		if err != nil {
			return translate(err, "user")
		}
	}
	return s.insertRoles(ctx, userID, added)
}

// userSortSpec is the column and direction of a users.Sort.
type userSortSpec struct {
	column string // "username", "created_at", "name_key", "email" or "last_login_at"
	desc   bool
}

// parseUserSort maps a sort the service validated; anything else orders
// by username.
func parseUserSort(sort users.Sort) userSortSpec {
	switch sort {
	case users.SortUsernameDesc:
		return userSortSpec{"username", true}
	case users.SortCreated:
		return userSortSpec{"created_at", false}
	case users.SortCreatedDesc:
		return userSortSpec{"created_at", true}
	case users.SortName:
		return userSortSpec{"name_key", false}
	case users.SortNameDesc:
		return userSortSpec{"name_key", true}
	case users.SortEmail:
		return userSortSpec{"email", false}
	case users.SortEmailDesc:
		return userSortSpec{"email", true}
	case users.SortLastLogin:
		return userSortSpec{"last_login_at", false}
	case users.SortLastLoginDesc:
		return userSortSpec{"last_login_at", true}
	}
	return userSortSpec{"username", false}
}

// userFilter adds f's filters (not its paging) to q.
func userFilter(q *bun.SelectQuery, f users.Filter) *bun.SelectQuery {
	return userFilterBinds(q, f, nil)
}

// userFilterBinds is userFilter with its values passed through b (see
// binds; nil: interpolated).
func userFilterBinds(q *bun.SelectQuery, f users.Filter, b *binds) *bun.SelectQuery {
	q = q.Where("u.account_id IN (?)", b.list(f.AccountIDs))
	if f.Status != nil {
		q = q.Where("u.status = ?", b.arg(string(*f.Status)))
	}
	if f.Role != nil {
		q = q.Where("EXISTS (SELECT 1 FROM accountkit_user_roles AS ur WHERE ur.user_id = u.id AND ur.role_key = ?)", b.arg(*f.Role))
	}
	if f.TeamID != nil {
		q = q.Where("EXISTS (SELECT 1 FROM accountkit_team_members AS tm WHERE tm.user_id = u.id AND tm.team_id = ?)", b.arg(*f.TeamID))
	}
	if f.Locked != nil {
		q = q.Where("u.locked = ?", b.arg(*f.Locked))
	}
	if f.ActiveBefore != nil {
		q = q.Where("u.last_active_at < ?", b.arg(f.ActiveBefore.UTC()))
	}
	if f.NeverSignedIn != nil {
		if *f.NeverSignedIn {
			q = q.Where("u.last_login_at IS NULL")
		} else {
			q = q.Where("u.last_login_at IS NOT NULL")
		}
	}
	return userSearch(q, f.AccountIDs, f.Search)
}

// ListUsers returns the users matching f in f.Sort order (default
// username), ties broken by ID in the same direction; in the last-login
// orders users who never signed in come last (listUsersByLastLogin).
//
// The cursor (AfterKey, AfterID) is written as k >= k0 AND (k > k0 OR
// (k = k0 AND id > id0)) (mirrored when descending) rather than as a
// row-value comparison, which MariaDB cannot serve from an index (keyset).
func (s *Store) ListUsers(ctx context.Context, f users.Filter) ([]*users.User, error) {
	spec := parseUserSort(f.Sort)
	if len(f.AccountIDs) == 0 {
		return []*users.User{}, nil
	}
	if spec.column == "last_login_at" {
		return s.listUsersByLastLogin(ctx, f, spec.desc)
	}
	p := userPage{f: f, col: "u." + spec.column, desc: spec.desc, n: f.Limit}
	if f.AfterID != "" {
		var key any = f.AfterKey
		if spec.column == "created_at" {
			key = f.AfterCreated.UTC().Truncate(time.Microsecond)
		}
		p.cond = func(q *bun.SelectQuery, b *binds) *bun.SelectQuery {
			return keyset(q, b, "u."+spec.column, key, f.AfterID, spec.desc)
		}
	}
	rows, err := s.pageRows(ctx, p)
	if err != nil {
		return nil, err
	}
	return s.withRoles(ctx, rows)
}

// CountUsers counts the users matching f, ignoring its paging.
func (s *Store) CountUsers(ctx context.Context, f users.Filter) (int, error) {
	if len(f.AccountIDs) == 0 {
		return 0, nil
	}
	n, err := userFilter(s.idb(ctx).NewSelect().Model((*userRow)(nil)), f).Count(ctx)
	if err != nil {
		return 0, translate(err, "user")
	}
	return int(n), nil
}

// roleRow is a custom role as stored in accountkit_roles. NameLower is
// strings.ToLower(Name), unique within the account; Permissions is a JSON
// array.
type roleRow struct {
	bun.BaseModel `bun:"table:accountkit_roles"`

	ID          string    `bun:"id,pk"`
	AccountID   string    `bun:"account_id,notnull"`
	Name        string    `bun:"name,notnull"`
	NameLower   string    `bun:"name_lower,notnull"`
	Description string    `bun:"description,notnull"`
	Permissions string    `bun:"permissions,notnull"`
	CreatedAt   time.Time `bun:"created_at,notnull"`
	UpdatedAt   time.Time `bun:"updated_at,notnull"`
}

func toRoleRow(r *users.Role) (*roleRow, error) {
	perms := r.Permissions
	if perms == nil {
		perms = []string{}
	}
	b, err := json.Marshal(perms)
	if err != nil {
		return nil, accountkit.Wrap(err, "storage error")
	}
	return &roleRow{
		ID:          r.ID,
		AccountID:   r.AccountID,
		Name:        r.Name,
		NameLower:   strings.ToLower(r.Name),
		Description: r.Description,
		Permissions: string(b),
		CreatedAt:   r.CreatedAt.UTC(),
		UpdatedAt:   r.UpdatedAt.UTC(),
	}, nil
}

// role converts r; an empty permission list is nil.
func (r *roleRow) role() (*users.Role, error) {
	out := &users.Role{
		ID:          r.ID,
		AccountID:   r.AccountID,
		Name:        r.Name,
		Description: r.Description,
		CreatedAt:   r.CreatedAt.UTC(),
		UpdatedAt:   r.UpdatedAt.UTC(),
	}
	if err := json.Unmarshal([]byte(r.Permissions), &out.Permissions); err != nil {
		return nil, accountkit.Wrap(err, "storage error")
	}
	if len(out.Permissions) == 0 {
		out.Permissions = nil
	}
	return out, nil
}

// CreateRole stores r. Errors: Conflict when the ID or the name (ignoring
// case) within the account exists.
func (s *Store) CreateRole(ctx context.Context, r *users.Role) error {
	row, err := toRoleRow(r)
	if err != nil {
		return err
	}
	_, err = s.idb(ctx).NewInsert().Model(row).Exec(ctx)
	return translate(err, "role")
}

// GetRole returns a custom role. Errors: NotFound.
func (s *Store) GetRole(ctx context.Context, id string) (*users.Role, error) {
	r := new(roleRow)
	if err := s.idb(ctx).NewSelect().Model(r).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, translate(err, "role")
	}
	return r.role()
}

// UpdateRole saves r's Name, Description, Permissions and UpdatedAt.
// Errors: NotFound, Conflict.
func (s *Store) UpdateRole(ctx context.Context, r *users.Role) error {
	row, err := toRoleRow(r)
	if err != nil {
		return err
	}
	res, err := s.idb(ctx).NewUpdate().Model(row).
		Column("name", "name_lower", "description", "permissions", "updated_at").
		WherePK().
		Exec(ctx)
	if err != nil {
		return translate(err, "role")
	}
	return s.affectedOne(ctx, res, (*roleRow)(nil), "id = ?", r.ID, "role")
}

// DeleteRole removes a role and every grant of it, to users and to teams,
// in one transaction.
// Errors: NotFound.
func (s *Store) DeleteRole(ctx context.Context, id string) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		db := s.idb(ctx)
		res, err := db.NewDelete().Model((*roleRow)(nil)).Where("id = ?", id).Exec(ctx)
		if err != nil {
			return translate(err, "role")
		}
		if n, err := res.RowsAffected(); err != nil {
			return translate(err, "role")
		} else if n == 0 {
			return notFound("role")
		}
		if _, err := db.NewDelete().Model((*userRoleRow)(nil)).Where("role_key = ?", id).Exec(ctx); err != nil {
			return translate(err, "role")
		}
		_, err = db.NewDelete().Model((*teamRoleRow)(nil)).Where("role_key = ?", id).Exec(ctx)
		return translate(err, "role")
	})
}

// ListRoles returns the custom roles of the accounts, ordered by the
// lower-cased name (byte order), then ID.
func (s *Store) ListRoles(ctx context.Context, accountIDs []string) ([]*users.Role, error) {
	if len(accountIDs) == 0 {
		return []*users.Role{}, nil
	}
	var rows []roleRow
	err := s.idb(ctx).NewSelect().Model((*roleRow)(nil)).
		Where("account_id IN (?)", bun.List(accountIDs)).
		OrderExpr("name_lower ASC, id ASC").
		Scan(ctx, &rows)
	if err != nil {
		return nil, translate(err, "role")
	}
	out := make([]*users.Role, len(rows))
	for i := range rows {
		if out[i], err = rows[i].role(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// tokenRow is a single-use token as stored in accountkit_tokens.
type tokenRow struct {
	bun.BaseModel `bun:"table:accountkit_tokens"`

	Hash      string    `bun:"hash,pk"`
	Kind      string    `bun:"kind,notnull"`
	UserID    string    `bun:"user_id,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
	ExpiresAt time.Time `bun:"expires_at,notnull"`
	Attempts  int       `bun:"attempts,notnull"`
	Target    string    `bun:"target,notnull"`
}

func toTokenRow(t *users.Token) *tokenRow {
	return &tokenRow{
		Hash:      t.Hash,
		Kind:      string(t.Kind),
		UserID:    t.UserID,
		CreatedAt: t.CreatedAt.UTC(),
		ExpiresAt: t.ExpiresAt.UTC(),
		Attempts:  t.Attempts,
		Target:    t.Target,
	}
}

func (r *tokenRow) token() *users.Token {
	return &users.Token{
		Hash:      r.Hash,
		Kind:      users.TokenKind(r.Kind),
		UserID:    r.UserID,
		CreatedAt: r.CreatedAt.UTC(),
		ExpiresAt: r.ExpiresAt.UTC(),
		Attempts:  r.Attempts,
		Target:    r.Target,
	}
}

// CreateToken stores t. Errors: Conflict when the hash exists.
func (s *Store) CreateToken(ctx context.Context, t *users.Token) error {
	_, err := s.idb(ctx).NewInsert().Model(toTokenRow(t)).Exec(ctx)
	return translate(err, "token")
}

// GetToken returns a token by hash. Errors: NotFound.
func (s *Store) GetToken(ctx context.Context, hash string) (*users.Token, error) {
	r := new(tokenRow)
	if err := s.idb(ctx).NewSelect().Model(r).Where("hash = ?", hash).Scan(ctx); err != nil {
		return nil, translate(err, "token")
	}
	return r.token(), nil
}

// ConsumeToken deletes the token with the hash and kind if it has not
// expired at now, and returns it. It reads the row, then deletes it with
// DELETE ... WHERE hash AND kind AND expires_at > now: the database lets
// exactly one of any number of concurrent deletes remove the row, and the
// others see RowsAffected 0. Errors: NotFound (unknown, used, expired or of
// another kind).
func (s *Store) ConsumeToken(ctx context.Context, hash string, kind users.TokenKind, now time.Time) (*users.Token, error) {
	db := s.idb(ctx)
	r := new(tokenRow)
	if err := db.NewSelect().Model(r).Where("hash = ?", hash).Scan(ctx); err != nil {
		return nil, translate(err, "token")
	}
	res, err := db.NewDelete().Model((*tokenRow)(nil)).
		Where("hash = ?", hash).
		Where("kind = ?", string(kind)).
		Where("expires_at > ?", now.UTC()).
		Exec(ctx)
	if err != nil {
		return nil, translate(err, "token")
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, translate(err, "token")
	} else if n != 1 {
		return nil, notFound("token")
	}
	return r.token(), nil
}

// AddTokenAttempt increments the token's Attempts with one UPDATE and
// returns the new count. Errors: NotFound.
func (s *Store) AddTokenAttempt(ctx context.Context, hash string) (int, error) {
	var n int
	err := s.InTx(ctx, func(ctx context.Context) error {
		db := s.idb(ctx)
		res, err := db.NewUpdate().Model((*tokenRow)(nil)).
			Set("attempts = attempts + 1").
			Where("hash = ?", hash).
			Exec(ctx)
		if err != nil {
			return translate(err, "token")
		}
		if k, err := res.RowsAffected(); err != nil {
			return translate(err, "token")
		} else if k == 0 { // the row always changes, so MySQL counts it too
			return notFound("token")
		}
		err = db.NewSelect().Model((*tokenRow)(nil)).Column("attempts").Where("hash = ?", hash).Scan(ctx, &n)
		return translate(err, "token")
	})
	return n, err
}

// DeleteTokens removes the user's tokens of the kind.
func (s *Store) DeleteTokens(ctx context.Context, userID string, kind users.TokenKind) error {
	_, err := s.idb(ctx).NewDelete().Model((*tokenRow)(nil)).
		Where("user_id = ?", userID).Where("kind = ?", string(kind)).Exec(ctx)
	return translate(err, "token")
}

// ListTokens returns the user's tokens of the kind, newest first (ties by
// hash, descending).
func (s *Store) ListTokens(ctx context.Context, userID string, kind users.TokenKind) ([]*users.Token, error) {
	var rows []tokenRow
	err := s.idb(ctx).NewSelect().Model((*tokenRow)(nil)).
		Where("user_id = ?", userID).Where("kind = ?", string(kind)).
		OrderExpr("created_at DESC, hash DESC").
		Scan(ctx, &rows)
	if err != nil {
		return nil, translate(err, "token")
	}
	out := make([]*users.Token, len(rows))
	for i := range rows {
		out[i] = rows[i].token()
	}
	return out, nil
}

// sessionRow is a session as stored in accountkit_sessions. The idle
// timeout is kept in microseconds.
type sessionRow struct {
	bun.BaseModel `bun:"table:accountkit_sessions"`

	ID            string    `bun:"id,pk"`
	TokenHash     string    `bun:"token_hash,notnull"`
	CSRFHash      string    `bun:"csrf_hash,notnull"`
	UserID        string    `bun:"user_id,notnull"`
	AccountID     string    `bun:"account_id,notnull"`
	Method        string    `bun:"method,notnull"`
	CreatedAt     time.Time `bun:"created_at,notnull"`
	LastSeenAt    time.Time `bun:"last_seen_at,notnull"`
	IdleTimeoutUS int64     `bun:"idle_timeout_us,notnull"`
	ExpiresAt     time.Time `bun:"expires_at,notnull"`
	IP            string    `bun:"ip,notnull"`
	UserAgent     string    `bun:"user_agent,notnull"`
}

func toSessionRow(s *auth.Session) *sessionRow {
	return &sessionRow{
		ID:            s.ID,
		TokenHash:     s.TokenHash,
		CSRFHash:      s.CSRFHash,
		UserID:        s.UserID,
		AccountID:     s.AccountID,
		Method:        string(s.Method),
		CreatedAt:     s.CreatedAt.UTC(),
		LastSeenAt:    s.LastSeenAt.UTC(),
		IdleTimeoutUS: s.IdleTimeout.Microseconds(),
		ExpiresAt:     s.ExpiresAt.UTC(),
		IP:            s.IP,
		UserAgent:     s.UserAgent,
	}
}

func (r *sessionRow) session() *auth.Session {
	return &auth.Session{
		ID:          r.ID,
		TokenHash:   r.TokenHash,
		CSRFHash:    r.CSRFHash,
		UserID:      r.UserID,
		AccountID:   r.AccountID,
		Method:      users.LoginMethod(r.Method),
		CreatedAt:   r.CreatedAt.UTC(),
		LastSeenAt:  r.LastSeenAt.UTC(),
		IdleTimeout: time.Duration(r.IdleTimeoutUS) * time.Microsecond,
		ExpiresAt:   r.ExpiresAt.UTC(),
		IP:          r.IP,
		UserAgent:   r.UserAgent,
	}
}

// CreateSession stores s. Errors: Conflict when the ID or token hash
// exists.
func (s *Store) CreateSession(ctx context.Context, sess *auth.Session) error {
	_, err := s.idb(ctx).NewInsert().Model(toSessionRow(sess)).Exec(ctx)
	return translate(err, "session")
}

// GetSessionByToken returns the session with the token hash.
// Errors: NotFound.
func (s *Store) GetSessionByToken(ctx context.Context, tokenHash string) (*auth.Session, error) {
	r := new(sessionRow)
	if err := s.idb(ctx).NewSelect().Model(r).Where("token_hash = ?", tokenHash).Scan(ctx); err != nil {
		return nil, translate(err, "session")
	}
	return r.session(), nil
}

// GetSession returns the session with the ID. Errors: NotFound.
func (s *Store) GetSession(ctx context.Context, id string) (*auth.Session, error) {
	r := new(sessionRow)
	if err := s.idb(ctx).NewSelect().Model(r).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, translate(err, "session")
	}
	return r.session(), nil
}

// ListUserSessions returns the user's sessions, newest first.
func (s *Store) ListUserSessions(ctx context.Context, userID string) ([]*auth.Session, error) {
	var rows []*sessionRow
	err := s.idb(ctx).NewSelect().Model(&rows).Where("user_id = ?", userID).OrderExpr("created_at DESC, id DESC").Scan(ctx)
	if err != nil {
		return nil, translate(err, "session")
	}
	out := make([]*auth.Session, len(rows))
	for i, r := range rows {
		out[i] = r.session()
	}
	return out, nil
}

// TouchSession sets LastSeenAt. Errors: NotFound.
func (s *Store) TouchSession(ctx context.Context, id string, lastSeen time.Time) error {
	res, err := s.idb(ctx).NewUpdate().Model((*sessionRow)(nil)).
		Set("last_seen_at = ?", lastSeen.UTC()).
		Where("id = ?", id).
		Exec(ctx)
	if err != nil {
		return translate(err, "session")
	}
	return s.affectedOne(ctx, res, (*sessionRow)(nil), "id = ?", id, "session")
}

// DeleteSession removes one session. Errors: NotFound.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	res, err := s.idb(ctx).NewDelete().Model((*sessionRow)(nil)).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return translate(err, "session")
	}
	if n, err := res.RowsAffected(); err != nil {
		return translate(err, "session")
	} else if n == 0 {
		return notFound("session")
	}
	return nil
}

// DeleteAccountSessions removes every session of the users of the
// accounts and returns how many it removed.
func (s *Store) DeleteAccountSessions(ctx context.Context, accountIDs []string) (int, error) {
	if len(accountIDs) == 0 {
		return 0, nil
	}
	res, err := s.idb(ctx).NewDelete().Model((*sessionRow)(nil)).Where("account_id IN (?)", bun.List(accountIDs)).Exec(ctx)
	if err != nil {
		return 0, translate(err, "session")
	}
	n, err := res.RowsAffected()
	return int(n), translate(err, "session")
}

// DeleteUserSessions removes every session of the user but the one whose
// ID is except ("" for none) and returns how many it removed.
func (s *Store) DeleteUserSessions(ctx context.Context, userID, except string) (int, error) {
	q := s.idb(ctx).NewDelete().Model((*sessionRow)(nil)).Where("user_id = ?", userID)
	if except != "" {
		q = q.Where("id <> ?", except)
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return 0, translate(err, "session")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, translate(err, "session")
	}
	return int(n), nil
}

// PurgeSessions deletes the sessions ended at now: past ExpiresAt, or
// idle for their IdleTimeout. The idle deadline is computed per distinct
// IdleTimeout (a handful: one per security policy) so the SQL needs no
// date arithmetic, which the three dialects spell differently.
func (s *Store) PurgeSessions(ctx context.Context, now time.Time) (int, error) {
	now = now.UTC()
	db := s.idb(ctx)
	res, err := db.NewDelete().Model((*sessionRow)(nil)).Where("expires_at <= ?", now).Exec(ctx)
	if err != nil {
		return 0, translate(err, "session")
	}
	total, err := res.RowsAffected()
	if err != nil {
		return 0, translate(err, "session")
	}
	var idles []int64
	if err := db.NewSelect().Model((*sessionRow)(nil)).Distinct().Column("idle_timeout_us").Scan(ctx, &idles); err != nil {
		return int(total), translate(err, "session")
	}
	for _, us := range idles {
		res, err := db.NewDelete().Model((*sessionRow)(nil)).
			Where("idle_timeout_us = ?", us).
			Where("last_seen_at <= ?", now.Add(-time.Duration(us)*time.Microsecond)).
			Exec(ctx)
		if err != nil {
			return int(total), translate(err, "session")
		}
		n, err := res.RowsAffected()
		if err != nil {
			return int(total), translate(err, "session")
		}
		total += n
	}
	return int(total), nil
}

// PurgeTokens deletes the tokens expired at now.
func (s *Store) PurgeTokens(ctx context.Context, now time.Time) (int, error) {
	res, err := s.idb(ctx).NewDelete().Model((*tokenRow)(nil)).Where("expires_at <= ?", now.UTC()).Exec(ctx)
	if err != nil {
		return 0, translate(err, "token")
	}
	n, err := res.RowsAffected()
	return int(n), translate(err, "token")
}
