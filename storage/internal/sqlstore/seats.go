package sqlstore

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountkit/accountkit/seats"
	"github.com/accountkit/accountkit/users"
)

var _ seats.Store = (*Store)(nil)

// seatPoolRow is a main account's pool in accountkit_seat_pools.
type seatPoolRow struct {
	bun.BaseModel `bun:"table:accountkit_seat_pools,alias:sp"`

	MainAccountID string    `bun:"main_account_id,pk"`
	Purchased     int       `bun:"purchased,notnull"`
	Warned        bool      `bun:"warned,notnull"`
	Assigned      int       `bun:"assigned,notnull"`
	UpdatedAt     time.Time `bun:"updated_at,notnull"`
}

// seatLimitRow is an account's limit in accountkit_seat_limits; the column
// is seat_limit because LIMIT is reserved.
type seatLimitRow struct {
	bun.BaseModel `bun:"table:accountkit_seat_limits,alias:sl"`

	AccountID     string    `bun:"account_id,pk"`
	MainAccountID string    `bun:"main_account_id,notnull"`
	SeatLimit     int       `bun:"seat_limit,notnull"`
	Warned        bool      `bun:"warned,notnull"`
	Assigned      int       `bun:"assigned,notnull"`
	UpdatedAt     time.Time `bun:"updated_at,notnull"`
}

// seatRow is a seat in accountkit_seats, keyed by its user.
type seatRow struct {
	bun.BaseModel `bun:"table:accountkit_seats,alias:st"`

	UserID         string    `bun:"user_id,pk"`
	AccountID      string    `bun:"account_id,notnull"`
	MainAccountID  string    `bun:"main_account_id,notnull"`
	AssignedAt     time.Time `bun:"assigned_at,notnull"`
	AssignedByID   string    `bun:"assigned_by_id,notnull"`
	AssignedByName string    `bun:"assigned_by_name,notnull"`
}

// seatLogRow is a seat log entry in accountkit_seat_log. SearchText is
// LogEntry.SearchText(), lower-cased in Go.
type seatLogRow struct {
	bun.BaseModel `bun:"table:accountkit_seat_log,alias:lg"`

	ID            string    `bun:"id,pk"`
	MainAccountID string    `bun:"main_account_id,notnull"`
	AccountID     string    `bun:"account_id,notnull"`
	LoggedAt      time.Time `bun:"logged_at,notnull"`
	ActorID       string    `bun:"actor_id,notnull"`
	ActorName     string    `bun:"actor_name,notnull"`
	EventType     string    `bun:"event_type,notnull"`
	Status        string    `bun:"status,notnull"`
	UserID        string    `bun:"user_id,notnull"`
	Username      string    `bun:"username,notnull"`
	OldValue      *int      `bun:"old_value"`
	NewValue      *int      `bun:"new_value"`
	Description   string    `bun:"description,notnull"`
	ErrorMessage  string    `bun:"error_message,notnull"`
	SearchText    string    `bun:"search_text,notnull"`
}

func (r *seatPoolRow) pool() *seats.Pool {
	return &seats.Pool{MainAccountID: r.MainAccountID, Purchased: r.Purchased, Warned: r.Warned, Assigned: r.Assigned, UpdatedAt: r.UpdatedAt.UTC()}
}

func (r *seatLimitRow) limit() *seats.Limit {
	return &seats.Limit{AccountID: r.AccountID, MainAccountID: r.MainAccountID, Limit: r.SeatLimit, Warned: r.Warned, Assigned: r.Assigned, UpdatedAt: r.UpdatedAt.UTC()}
}

func toSeatRow(s *seats.Seat) *seatRow {
	return &seatRow{UserID: s.UserID, AccountID: s.AccountID, MainAccountID: s.MainAccountID, AssignedAt: s.AssignedAt.UTC(),
		AssignedByID: s.AssignedByID, AssignedByName: s.AssignedByName}
}

func (r *seatRow) seat() *seats.Seat {
	return &seats.Seat{UserID: r.UserID, AccountID: r.AccountID, MainAccountID: r.MainAccountID, AssignedAt: r.AssignedAt.UTC(),
		AssignedByID: r.AssignedByID, AssignedByName: r.AssignedByName}
}

func toSeatLogRow(e *seats.LogEntry) *seatLogRow {
	return &seatLogRow{ID: e.ID, MainAccountID: e.MainAccountID, AccountID: e.AccountID, LoggedAt: e.Time.UTC(),
		ActorID: e.ActorID, ActorName: e.ActorName, EventType: string(e.Event), Status: string(e.Status),
		UserID: e.UserID, Username: e.Username, OldValue: intPtr(e.OldValue), NewValue: intPtr(e.NewValue),
		Description: e.Description, ErrorMessage: e.Error, SearchText: e.SearchText()}
}

func (r *seatLogRow) entry() *seats.LogEntry {
	return &seats.LogEntry{ID: r.ID, MainAccountID: r.MainAccountID, AccountID: r.AccountID, Time: r.LoggedAt.UTC(),
		ActorID: r.ActorID, ActorName: r.ActorName, Event: seats.Event(r.EventType), Status: seats.Status(r.Status),
		UserID: r.UserID, Username: r.Username, OldValue: intPtr(r.OldValue), NewValue: intPtr(r.NewValue),
		Description: r.Description, Error: r.ErrorMessage}
}

// LockSeatPool returns the main account's pool and locks its row with
// SELECT ... FOR UPDATE until the transaction in ctx ends; it must be
// called inside a transaction. The row is read first (the common case) and
// only when missing inserted if absent and read again: inserting first
// takes a shared lock on MariaDB that concurrent callers then try to
// upgrade, a deadlock. SQLite has no row locks; its transactions are
// serialized by BEGIN IMMEDIATE.
func (s *Store) LockSeatPool(ctx context.Context, mainAccountID string, now time.Time) (*seats.Pool, error) {
	if err := requireTx(ctx, "LockSeatPool"); err != nil {
		return nil, err
	}
	row, err := s.selectPoolForUpdate(ctx, mainAccountID)
	if err == nil {
		return row.pool(), nil
	}
	if !isNotFound(err) {
		return nil, err
	}
	ins := s.idb(ctx).NewInsert().Model(&seatPoolRow{MainAccountID: mainAccountID, UpdatedAt: now.UTC()}).
		Value("assigned", "(SELECT COUNT(*) FROM accountkit_seats WHERE main_account_id = ?)", mainAccountID)
	if s.dialect == MySQL {
		ins = ins.Ignore()
	} else {
		ins = ins.On("CONFLICT (main_account_id) DO NOTHING")
	}
	if _, err := ins.Exec(ctx); err != nil {
		return nil, translate(err, "seat pool")
	}
	row, err = s.selectPoolForUpdate(ctx, mainAccountID)
	if err != nil {
		return nil, err
	}
	return row.pool(), nil
}

func (s *Store) selectPoolForUpdate(ctx context.Context, mainAccountID string) (*seatPoolRow, error) {
	row := new(seatPoolRow)
	q := s.idb(ctx).NewSelect().Model(row).Where("main_account_id = ?", mainAccountID)
	if s.dialect != SQLite {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, translate(err, "seat pool")
	}
	return row, nil
}

// GetSeatPool returns the main account's pool. Errors: NotFound.
func (s *Store) GetSeatPool(ctx context.Context, mainAccountID string) (*seats.Pool, error) {
	row := new(seatPoolRow)
	if err := s.idb(ctx).NewSelect().Model(row).Where("main_account_id = ?", mainAccountID).Scan(ctx); err != nil {
		return nil, translate(err, "seat pool")
	}
	return row.pool(), nil
}

// UpdateSeatPool saves p's Purchased, Warned and UpdatedAt. Errors: NotFound.
func (s *Store) UpdateSeatPool(ctx context.Context, p *seats.Pool) error {
	res, err := s.idb(ctx).NewUpdate().Model((*seatPoolRow)(nil)).
		Set("purchased = ?", p.Purchased).Set("warned = ?", p.Warned).Set("updated_at = ?", p.UpdatedAt.UTC()).
		Where("main_account_id = ?", p.MainAccountID).Exec(ctx)
	if err != nil {
		return translate(err, "seat pool")
	}
	return s.affectedOne(ctx, res, (*seatPoolRow)(nil), "main_account_id = ?", p.MainAccountID, "seat pool")
}

// GetSeatLimit returns the account's limit. Errors: NotFound.
func (s *Store) GetSeatLimit(ctx context.Context, accountID string) (*seats.Limit, error) {
	row := new(seatLimitRow)
	if err := s.idb(ctx).NewSelect().Model(row).Where("account_id = ?", accountID).Scan(ctx); err != nil {
		return nil, translate(err, "seat limit")
	}
	return row.limit(), nil
}

// PutSeatLimit creates or replaces the account's limit with an upsert; a
// new limit's counter counts the account's seats, a replaced one keeps
// its counter.
func (s *Store) PutSeatLimit(ctx context.Context, l *seats.Limit) error {
	row := &seatLimitRow{AccountID: l.AccountID, MainAccountID: l.MainAccountID, SeatLimit: l.Limit, Warned: l.Warned, UpdatedAt: l.UpdatedAt.UTC()}
	q := s.idb(ctx).NewInsert().Model(row).
		Value("assigned", "(SELECT COUNT(*) FROM accountkit_seats WHERE account_id = ?)", l.AccountID)
	if s.dialect == MySQL {
		q = q.On("DUPLICATE KEY UPDATE").
			Set("main_account_id = VALUES(main_account_id)").Set("seat_limit = VALUES(seat_limit)").
			Set("warned = VALUES(warned)").Set("updated_at = VALUES(updated_at)")
	} else {
		q = q.On("CONFLICT (account_id) DO UPDATE").
			Set("main_account_id = EXCLUDED.main_account_id").Set("seat_limit = EXCLUDED.seat_limit").
			Set("warned = EXCLUDED.warned").Set("updated_at = EXCLUDED.updated_at")
	}
	_, err := q.Exec(ctx)
	return translate(err, "seat limit")
}

// DeleteSeatLimit removes the account's limit. Errors: NotFound.
func (s *Store) DeleteSeatLimit(ctx context.Context, accountID string) error {
	res, err := s.idb(ctx).NewDelete().Model((*seatLimitRow)(nil)).Where("account_id = ?", accountID).Exec(ctx)
	if err != nil {
		return translate(err, "seat limit")
	}
	if n, err := res.RowsAffected(); err != nil {
		return translate(err, "seat limit")
	} else if n == 0 {
		return notFound("seat limit")
	}
	return nil
}

// ListSeatLimits returns the limits of the tree ordered by account ID.
func (s *Store) ListSeatLimits(ctx context.Context, mainAccountID string) ([]*seats.Limit, error) {
	var rows []seatLimitRow
	err := s.idb(ctx).NewSelect().Model(&rows).Where("main_account_id = ?", mainAccountID).OrderExpr("account_id ASC").Scan(ctx)
	if err != nil {
		return nil, translate(err, "seat limit")
	}
	out := make([]*seats.Limit, len(rows))
	for i := range rows {
		out[i] = rows[i].limit()
	}
	return out, nil
}

// CreateSeat stores st and counts it in its pool's and its account
// limit's counters. Errors: Conflict when the user holds a seat.
func (s *Store) CreateSeat(ctx context.Context, st *seats.Seat) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.idb(ctx).NewInsert().Model(toSeatRow(st)).Exec(ctx); err != nil {
			return translate(err, "seat")
		}
		return s.countSeats(ctx, st.MainAccountID, map[string]int{st.AccountID: 1}, 1)
	})
}

// countSeats adds sign × the seats of each account of byAccount to the
// account's limit counter and their sum to the pool's counter.
func (s *Store) countSeats(ctx context.Context, mainAccountID string, byAccount map[string]int, sign int) error {
	db := s.idb(ctx)
	total := 0
	for _, n := range byAccount {
		total += n
	}
	if total == 0 {
		return nil
	}
	if _, err := db.NewUpdate().Model((*seatPoolRow)(nil)).Set("assigned = assigned + ?", sign*total).
		Where("main_account_id = ?", mainAccountID).Exec(ctx); err != nil {
		return translate(err, "seat pool")
	}
	for _, id := range slices.Sorted(maps.Keys(byAccount)) {
		if _, err := db.NewUpdate().Model((*seatLimitRow)(nil)).Set("assigned = assigned + ?", sign*byAccount[id]).
			Where("account_id = ?", id).Exec(ctx); err != nil {
			return translate(err, "seat limit")
		}
	}
	return nil
}

// TakeSeat adds the seat when the counters and the user allow it. The
// first statement locks the pool's row and checks what it can at once:
//
//	UPDATE accountkit_seat_pools SET assigned = assigned + 1
//	WHERE main_account_id = ? AND assigned < purchased AND purchased = ? AND warned = ?
//	  AND EXISTS (the user, still in the account, not disabled)
//	  AND [NOT] EXISTS (the limit as read, below its limit)
//
// The new counter comes back with it (RETURNING on PostgreSQL and
// SQLite, LAST_INSERT_ID(expr) on MariaDB), so no statement reads it
// again. On PostgreSQL the subqueries read the snapshot taken before the
// statement waited for the lock, so they only filter early; what decides
// runs after the lock: the pool's own columns (re-checked on the locked
// row), the limit's conditional UPDATE and the seat's INSERT ... SELECT
// from the user's row. When one of those two finds nothing, the pool's
// (and limit's) increment is undone and TakeSeat reports false.
func (s *Store) TakeSeat(ctx context.Context, st *seats.Seat, pool *seats.Pool, lim *seats.Limit) (bool, error) {
	if err := requireTx(ctx, "TakeSeat"); err != nil {
		return false, err
	}
	db := s.idb(ctx)
	userCond := "id = ? AND account_id = ? AND main_account_id = ? AND status <> ?"
	userArgs := []any{st.UserID, st.AccountID, st.MainAccountID, string(users.StatusDisabled)}
	q := db.NewUpdate().Model((*seatPoolRow)(nil)).
		Where("main_account_id = ?", st.MainAccountID).
		Where("assigned < purchased").Where("purchased = ?", pool.Purchased).Where("warned = ?", pool.Warned).
		Where("EXISTS (SELECT 1 FROM accountkit_users WHERE "+userCond+")", userArgs...)
	if lim == nil {
		q = q.Where("NOT EXISTS (SELECT 1 FROM accountkit_seat_limits WHERE account_id = ?)", st.AccountID)
	} else {
		q = q.Where("EXISTS (SELECT 1 FROM accountkit_seat_limits WHERE account_id = ? AND seat_limit = ? AND warned = ? AND assigned < seat_limit)",
			st.AccountID, lim.Limit, lim.Warned)
	}
	n, ok, err := s.bumpCounter(ctx, q)
	if err != nil || !ok {
		return false, translate(err, "seat pool")
	}
	undo := map[string]int{}
	if lim != nil {
		q := db.NewUpdate().Model((*seatLimitRow)(nil)).Where("account_id = ?", st.AccountID).
			Where("seat_limit = ?", lim.Limit).Where("warned = ?", lim.Warned).Where("assigned < seat_limit")
		ln, ok, err := s.bumpCounter(ctx, q)
		if err != nil {
			return false, translate(err, "seat limit")
		}
		if !ok {
			return false, s.undoTake(ctx, st.MainAccountID, undo)
		}
		lim.Assigned, undo[st.AccountID] = ln, 1
	}
	r := toSeatRow(st)
	res, err := db.NewRaw("INSERT INTO accountkit_seats (user_id, account_id, main_account_id, assigned_at, assigned_by_id, assigned_by_name) "+
		"SELECT ?, ?, ?, ?, ?, ? FROM accountkit_users WHERE "+userCond,
		append([]any{r.UserID, r.AccountID, r.MainAccountID, r.AssignedAt, r.AssignedByID, r.AssignedByName}, userArgs...)...).Exec(ctx)
	if err != nil {
		return false, translate(err, "seat")
	}
	if inserted, err := res.RowsAffected(); err != nil {
		return false, translate(err, "seat")
	} else if inserted == 0 {
		return false, s.undoTake(ctx, st.MainAccountID, undo)
	}
	pool.Assigned = n
	return true, nil
}

// undoTake takes back TakeSeat's increments of the pool's counter and of
// the limits in byAccount.
func (s *Store) undoTake(ctx context.Context, mainAccountID string, byAccount map[string]int) error {
	if _, err := s.idb(ctx).NewUpdate().Model((*seatPoolRow)(nil)).Set("assigned = assigned - 1").
		Where("main_account_id = ?", mainAccountID).Exec(ctx); err != nil {
		return translate(err, "seat pool")
	}
	for id, n := range byAccount {
		if _, err := s.idb(ctx).NewUpdate().Model((*seatLimitRow)(nil)).Set("assigned = assigned - ?", n).
			Where("account_id = ?", id).Exec(ctx); err != nil {
			return translate(err, "seat limit")
		}
	}
	return nil
}

// bumpCounter runs q, an UPDATE of one row with an assigned column, as
// assigned = assigned + 1, and returns the new value and whether a row
// matched.
func (s *Store) bumpCounter(ctx context.Context, q *bun.UpdateQuery) (int, bool, error) {
	if s.dialect == MySQL {
		res, err := q.Set("assigned = LAST_INSERT_ID(assigned + 1)").Exec(ctx)
		if err != nil {
			return 0, false, err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return 0, false, err
		}
		id, err := res.LastInsertId()
		return int(id), err == nil, err
	}
	var n []int
	if err := q.Set("assigned = assigned + 1").Returning("assigned").Scan(ctx, &n); err != nil {
		return 0, false, err
	}
	if len(n) == 0 {
		return 0, false, nil
	}
	return n[0], true, nil
}

// GetSeat returns the user's seat. Errors: NotFound.
func (s *Store) GetSeat(ctx context.Context, userID string) (*seats.Seat, error) {
	row := new(seatRow)
	if err := s.idb(ctx).NewSelect().Model(row).Where("user_id = ?", userID).Scan(ctx); err != nil {
		return nil, translate(err, "seat")
	}
	return row.seat(), nil
}

// DeleteSeats removes the seats of the users, uncounts them and returns
// how many.
func (s *Store) DeleteSeats(ctx context.Context, userIDs []string) (int, error) {
	if len(userIDs) == 0 {
		return 0, nil
	}
	removed := 0
	err := s.InTx(ctx, func(ctx context.Context) error {
		var rows []seatRow
		q := s.idb(ctx).NewSelect().Model(&rows).Column("user_id", "account_id", "main_account_id").
			Where("user_id IN (?)", bun.List(userIDs)).OrderExpr("user_id")
		if s.dialect != SQLite {
			q = q.For("UPDATE")
		}
		if err := q.Scan(ctx); err != nil {
			return translate(err, "seat")
		}
		if len(rows) == 0 {
			return nil
		}
		ids := make([]string, len(rows))
		byMain := map[string]map[string]int{}
		for i, r := range rows {
			ids[i] = r.UserID
			if byMain[r.MainAccountID] == nil {
				byMain[r.MainAccountID] = map[string]int{}
			}
			byMain[r.MainAccountID][r.AccountID]++
		}
		res, err := s.idb(ctx).NewDelete().Model((*seatRow)(nil)).Where("user_id IN (?)", bun.List(ids)).Exec(ctx)
		if err != nil {
			return translate(err, "seat")
		}
		n, err := res.RowsAffected()
		if err != nil {
			return translate(err, "seat")
		}
		removed = int(n)
		for _, main := range slices.Sorted(maps.Keys(byMain)) {
			if err := s.countSeats(ctx, main, byMain[main], -1); err != nil {
				return err
			}
		}
		return nil
	})
	return removed, err
}

// CountSeats counts the seats of the tree, or of one account of it.
func (s *Store) CountSeats(ctx context.Context, mainAccountID, accountID string) (int, error) {
	q := s.idb(ctx).NewSelect().Model((*seatRow)(nil)).Where("main_account_id = ?", mainAccountID)
	if accountID != "" {
		q = q.Where("account_id = ?", accountID)
	}
	n, err := q.Count(ctx)
	if err != nil {
		return 0, translate(err, "seat")
	}
	return int(n), nil
}

// CountSeatsByAccount returns the number of seats per account of the tree.
func (s *Store) CountSeatsByAccount(ctx context.Context, mainAccountID string) (map[string]int, error) {
	var rows []struct {
		AccountID string `bun:"account_id"`
		N         int    `bun:"n"`
	}
	err := s.idb(ctx).NewSelect().Model((*seatRow)(nil)).
		Column("account_id").ColumnExpr("COUNT(*) AS n").
		Where("main_account_id = ?", mainAccountID).Group("account_id").Scan(ctx, &rows)
	if err != nil {
		return nil, translate(err, "seat")
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.AccountID] = r.N
	}
	return out, nil
}

// holderQuery selects the seats matching f's filters (not its paging),
// joined with their users as alias u; page tells it serves a page (see
// noRoleCond). A seat lies in its user's account
// (seats.Service releases it when the user moves), so the account
// condition, or without one the tree's, is repeated on u: that lets the
// holder pages walk the users' (account_id, username) or
// (main_account_id, username, id) index in page order, probing each
// user's seat by primary key, instead of sorting every seat (see
// ListSeatHolders). Only one of the two is repeated: an account implies
// its tree, and PostgreSQL would multiply both selectivities into too
// small an estimate and sort after all.
func (s *Store) holderQuery(ctx context.Context, f seats.HolderFilter, page bool) *bun.SelectQuery {
	q := s.idb(ctx).NewSelect().Model((*seatRow)(nil)).
		Join("JOIN accountkit_users AS u ON u.id = st.user_id").
		Where("st.main_account_id = ?", f.MainAccountID)
	switch {
	case f.AccountIDs == nil:
		q = q.Where("u.main_account_id = ?", f.MainAccountID)
	case len(f.AccountIDs) == 0:
		q = q.Where("1 = 0")
	default:
		q = q.Where("st.account_id IN (?)", bun.List(f.AccountIDs)).
			Where("u.account_id IN (?)", bun.List(f.AccountIDs))
	}
	if f.UserIDs != nil {
		if len(f.UserIDs) == 0 {
			q = q.Where("1 = 0")
		} else {
			q = q.Where("st.user_id IN (?)", bun.List(f.UserIDs))
		}
	}
	if f.AssignedFrom != nil {
		q = q.Where("st.assigned_at >= ?", f.AssignedFrom.UTC())
	}
	if f.AssignedTo != nil {
		q = q.Where("st.assigned_at < ?", f.AssignedTo.UTC())
	}
	if f.Search != "" {
		q = q.Where("u.search_text LIKE ? ESCAPE '!'", containsPattern(f.Search))
	}
	if f.Role != nil {
		q = q.Where("("+holdsRole("rf", "= ?")+")", *f.Role, *f.Role)
	}
	if f.LastLoginFrom != nil {
		q = q.Where("u.last_login_at >= ?", f.LastLoginFrom.UTC())
	}
	if f.LastLoginTo != nil {
		q = q.Where("u.last_login_at < ?", f.LastLoginTo.UTC())
	}
	if c := f.Inactive; c != nil {
		statuses := make([]string, 0, len(c.Statuses)+1)
		for _, st := range c.Statuses {
			statuses = append(statuses, string(st))
		}
		statuses = append(statuses, "") // IN () is not SQL; no user has the empty status
		cond := "IS NOT NULL"
		args := []any{bun.List(statuses), c.ActiveBefore.UTC()}
		if len(c.EligibleRoles) > 0 {
			cond = "IN (?)"
			args = append(args, bun.List(c.EligibleRoles), bun.List(c.EligibleRoles))
		}
		q = q.Where("(u.status IN (?) OR u.last_active_at < ? OR "+noRoleCond("ir", cond, page)+")", args...)
	}
	return q
}

// noRoleCond returns a condition true when the user u holds no role key
// matching cond (see holdsRole). For a count it is NOT (holdsRole): the
// databases may build one hash (PostgreSQL) or materialized table
// (MariaDB) of every grant, the cheapest way through a whole tree. A page
// reads about one page of users in username order, so there it is the
// number of matching grants, a correlated scalar subquery that both
// databases run as one primary-key probe per user read: as EXISTS they
// would still hash or materialize every grant of every account first, a
// cost growing with the table that the page does not need.
func noRoleCond(p, cond string, page bool) string {
	if !page {
		return "NOT (" + holdsRole(p, cond) + ")"
	}
	return "(SELECT COUNT(*) FROM accountkit_user_roles AS " + p + "u WHERE " + p + "u.user_id = u.id AND " + p + "u.role_key " + cond + ")" +
		" + (SELECT COUNT(*) FROM accountkit_team_members AS " + p + "m JOIN accountkit_team_roles AS " + p + "r ON " + p + "r.team_id = " + p + "m.team_id" +
		" WHERE " + p + "m.user_id = u.id AND " + p + "r.role_key " + cond + ") = 0"
}

// holdsRole returns a condition true when the user u holds a role key
// matching cond ("= ?", "IN (?)", "IS NOT NULL"), directly or through a
// team; a cond with a placeholder takes its argument twice. p prefixes the
// subqueries' aliases.
func holdsRole(p, cond string) string {
	return "EXISTS (SELECT 1 FROM accountkit_user_roles AS " + p + "u WHERE " + p + "u.user_id = u.id AND " + p + "u.role_key " + cond + ")" +
		" OR EXISTS (SELECT 1 FROM accountkit_team_members AS " + p + "m JOIN accountkit_team_roles AS " + p + "r ON " + p + "r.team_id = " + p + "m.team_id" +
		" WHERE " + p + "m.user_id = u.id AND " + p + "r.role_key " + cond + ")"
}

// ListSeatHolders returns the seats matching f with their users, ordered by
// username then user ID. The cursor is written as username >= k AND NOT
// (username = k AND id <= i), the same rows as username > k OR (username =
// k AND id > i): MariaDB serves the range from an index, unlike a
// row-value comparison, and PostgreSQL estimates it as the range it is,
// where it takes the OR for a few rows and sorts them.
func (s *Store) ListSeatHolders(ctx context.Context, f seats.HolderFilter) ([]*seats.Holder, error) {
	var rows []seatRow
	if err := s.holderPageQuery(ctx, f).Scan(ctx, &rows); err != nil {
		return nil, translate(err, "seat")
	}
	out := make([]*seats.Holder, 0, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]string, len(rows))
	for i := range rows {
		ids[i] = rows[i].UserID
	}
	var urows []userRow
	if err := s.idb(ctx).NewSelect().Model((*userRow)(nil)).Where("u.id IN (?)", bun.List(ids)).Scan(ctx, &urows); err != nil {
		return nil, translate(err, "user")
	}
	list, err := s.withRoles(ctx, urows)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*users.User, len(list))
	for _, u := range list {
		byID[u.ID] = u
	}
	teamRoles, err := s.userTeamRoles(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		if u := byID[rows[i].UserID]; u != nil {
			out = append(out, &seats.Holder{Seat: rows[i].seat(), User: u, TeamRoles: teamRoles[u.ID]})
		}
	}
	return out, nil
}

// holderPageQuery is ListSeatHolders' first statement: one page of the
// seats matching f, in username order after f's cursor. Usernames are
// unique (accountkit_users_username_key), so ordering by username alone is
// the contract's "username then user ID" order, and the users' (account_id,
// username) index yields it without a sort on PostgreSQL, which would add
// an incremental sort for a trailing u.id.
func (s *Store) holderPageQuery(ctx context.Context, f seats.HolderFilter) *bun.SelectQuery {
	q := s.holderQuery(ctx, f, true)
	if f.AfterUsername != "" || f.AfterID != "" {
		q = q.Where("u.username >= ?", f.AfterUsername).
			Where("NOT (u.username = ? AND u.id <= ?)", f.AfterUsername, f.AfterID)
	}
	return q.OrderExpr("u.username ASC").Limit(limit(f.Limit))
}

// CountSeatHolders counts the seats matching f, ignoring its paging.
func (s *Store) CountSeatHolders(ctx context.Context, f seats.HolderFilter) (int, error) {
	n, err := s.holderQuery(ctx, f, false).Count(ctx)
	if err != nil {
		return 0, translate(err, "seat")
	}
	return int(n), nil
}

// InsertSeatLogEntry stores e. Errors: Conflict when e.ID exists.
func (s *Store) InsertSeatLogEntry(ctx context.Context, e *seats.LogEntry) error {
	_, err := s.idb(ctx).NewInsert().Model(toSeatLogRow(e)).Exec(ctx)
	return translate(err, "seat log entry")
}

// ListSeatLog returns the entries matching f, newest first. The Before
// cursor is written as logged_at <= t AND (logged_at < t OR (logged_at = t
// AND id < i)), served from the (main_account_id, logged_at, id) index on
// every database.
func (s *Store) ListSeatLog(ctx context.Context, f seats.LogFilter) ([]*seats.LogEntry, error) {
	if f.AccountIDs != nil && len(f.AccountIDs) == 0 {
		return []*seats.LogEntry{}, nil
	}
	var rows []seatLogRow
	if err := s.seatLogQuery(ctx, f).Scan(ctx, &rows); err != nil {
		return nil, translate(err, "seat log entry")
	}
	out := make([]*seats.LogEntry, len(rows))
	for i := range rows {
		out[i] = rows[i].entry()
	}
	return out, nil
}

// seatLogQuery is ListSeatLog's statement for f (whose AccountIDs is nil
// or not empty).
func (s *Store) seatLogQuery(ctx context.Context, f seats.LogFilter) *bun.SelectQuery {
	q := s.idb(ctx).NewSelect().Model((*seatLogRow)(nil)).Where("main_account_id = ?", f.MainAccountID)
	if f.AccountIDs != nil {
		q = q.Where("account_id IN (?)", bun.List(f.AccountIDs))
	}
	if f.From != nil {
		q = q.Where("logged_at >= ?", f.From.UTC())
	}
	if f.To != nil {
		q = q.Where("logged_at < ?", f.To.UTC())
	}
	if f.Event != nil {
		q = q.Where("event_type = ?", string(*f.Event))
	}
	if f.Status != nil {
		q = q.Where("status = ?", string(*f.Status))
	}
	if f.UserID != nil {
		q = q.Where("user_id = ?", *f.UserID)
	}
	if f.Search != "" {
		q = q.Where("search_text LIKE ? ESCAPE '!'", containsPattern(f.Search))
	}
	if c := f.Before; c != nil {
		t := c.Time.UTC()
		q = q.Where("logged_at <= ?", t).Where("(logged_at < ? OR (logged_at = ? AND id < ?))", t, t, c.ID)
	}
	return q.OrderExpr("logged_at DESC, id DESC").Limit(limit(f.Limit))
}
