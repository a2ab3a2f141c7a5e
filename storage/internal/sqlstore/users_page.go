package sqlstore

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"

	"github.com/accountkit/accountkit/users"
)

// How a users list page is read (issue 18: flat from 10 k to 1 M users on
// PostgreSQL and MariaDB).
//
// Every order has an (account_id, key, id) index. For one account a page
// is one range scan of it, stopped after the page. For several accounts
// (a tree) an IN list over account_id cannot give the key order, so both
// databases read every user of the tree and sort them; the page is instead
// the merge of one such range scan per account: a UNION ALL of
// "account_id = ? ... ORDER BY key LIMIT n" branches, sorted again and
// cut to n outside (at most n rows per account). SQLite, whose UNION
// members cannot carry their own ORDER BY and LIMIT, and a word search,
// whose matches are read from the word table first, keep the single query.
//
// A role filter is a semi-join on the grants (EXISTS), which is cheap
// while the role is common (a few grants read per user of the page). A
// rare role would make each branch read most of its account, so when the
// role has at most fewHolders grants the page is read from the grants
// instead: the role's grants (index (role_key, user_id)), joined to their
// users by primary key, sorted (at most fewHolders rows).

// mysqlOrderIndex is the (account_id, key, id) index of each order
// column on MariaDB; the ID order (users who never signed in) reads the
// last-login index at last_login_at IS NULL.
var mysqlOrderIndex = map[string]string{
	"u.username":      "accountkit_users_account_username_idx",
	"u.name_key":      "accountkit_users_account_name_idx",
	"u.email":         "accountkit_users_account_email_idx",
	"u.created_at":    "accountkit_users_account_created_idx",
	"u.last_login_at": "accountkit_users_account_last_login_idx",
	"u.id":            "accountkit_users_account_last_login_idx",
}

// maxMergeAccounts is the largest account list read as a per-account
// merge; a longer one is one query.
const maxMergeAccounts = 64

// fewHolders is the largest grant count of a role read from its grants.
const fewHolders = 5000

// userPage is how a page is read: the filter, the extra conditions of the
// cursor or of one part of a list (cond), the order column and direction,
// and the limit (0: all).
type userPage struct {
	f    users.Filter
	col  string // with its table alias, "u.username"
	desc bool
	cond func(*bun.SelectQuery, *binds) *bun.SelectQuery
	n    int
}

// order is the ORDER BY of the page: the key, then the ID. Usernames are
// unique (and IDs too), so their order needs no tie-break, and ordering by the
// key alone lets PostgreSQL read (account_id, username) without sorting.
func (p userPage) order() string {
	dir := " ASC"
	if p.desc {
		dir = " DESC"
	}
	if p.col == "u.username" || p.col == "u.id" {
		return p.col + dir
	}
	return p.col + dir + ", u.id" + dir
}

// pageRows reads the page. On PostgreSQL the tree merge is run with its
// values as bind parameters through pgx's statement cache (see
// cachedArgs): its text (one branch per account, about 700 characters
// each) took PostgreSQL 1.4 to 12 ms to plan on every call at 100 k
// users, against 0.5 to 3 ms to run. Each shape (number of accounts,
// filters, cursor, order) is its own cached statement, planned once per
// connection. bun's hooks see the statement with its values written in.
func (s *Store) pageRows(ctx context.Context, p userPage) ([]userRow, error) {
	byGrants, err := s.pageByGrants(ctx, p)
	if err != nil {
		return nil, err
	}
	var rows []userRow
	if s.dialect != Postgres || !s.merged(p, byGrants) {
		q := s.pageQuery(ctx, p, byGrants, nil)
		if err := q.Scan(ctx, &rows); err != nil {
			return nil, translate(err, "user")
		}
		return rows, nil
	}
	b := &binds{}
	text, err := s.pageQuery(ctx, p, byGrants, b).AppendQuery(s.db.QueryGen(), nil)
	if err != nil {
		return nil, translate(err, "user")
	}
	args := b.args
	plain := s.pageQuery(ctx, p, byGrants, nil)
	scan := func(r *sql.Rows) error { return s.db.ScanRows(ctx, r, &rows) }
	if p.f.AfterID == "" || inTx(ctx) || !s.pgx() {
		err = s.directAs(ctx, plain.String(), string(text), s.cachedArgs(ctx, args), false, scan)
	} else {
		err = s.genericPage(ctx, plain.String(), string(text), args, scan)
		if staleStatement(err) {
			rows = nil
			err = s.genericPage(ctx, plain.String(), string(text), args, scan)
		}
	}
	if err != nil {
		return nil, translate(err, "user")
	}
	return rows, nil
}

// genericPage runs a cursor page of the merge with PostgreSQL's generic
// plan of its cached statement, in a transaction of its own with SET
// LOCAL plan_cache_mode. With a cursor, the planner estimates the
// generic plan dearer than a custom one (its key bound's selectivity is
// a default guess), so in the default mode it plans a custom plan on
// every call (1.6 to 15 ms at 100 k users), while the generic plan runs
// as fast (0.3 to 1 ms): the same per-account index range scans. The
// two extra round trips (SET LOCAL, COMMIT) cost far less than the
// planning.
func (s *Store) genericPage(ctx context.Context, hookText, query string, args []any, scan func(*sql.Rows) error) error {
	return s.runTx(ctx, func(ctx context.Context) error {
		if _, err := s.idb(ctx).ExecContext(ctx, "SET LOCAL plan_cache_mode = force_generic_plan"); err != nil {
			return err
		}
		return s.directAs(ctx, hookText, query, append([]any{pgx.QueryExecModeCacheStatement}, args...), false, scan)
	})
}

// binds collects the values of a statement as PostgreSQL bind parameters
// ($1, $2, ...) while bun formats it: arg and list return values that
// bun appends as the next placeholders. A nil *binds returns the values
// themselves, which bun writes into the text.
type binds struct{ args []any }

// arg is v as the next bind parameter.
func (b *binds) arg(v any) any {
	if b == nil {
		return v
	}
	return bindArg{b, v}
}

// list is vs as a comma-separated list of bind parameters (for IN).
func (b *binds) list(vs []string) any {
	if b == nil {
		return bun.List(vs)
	}
	return bindList{b, vs}
}

// bindArg appends "$n" for its value, collecting it.
type bindArg struct {
	b *binds
	v any
}

// AppendQuery implements schema.QueryAppender.
func (a bindArg) AppendQuery(_ schema.QueryGen, out []byte) ([]byte, error) {
	a.b.args = append(a.b.args, a.v)
	return strconv.AppendInt(append(out, '$'), int64(len(a.b.args)), 10), nil
}

// bindList appends "$n, $n+1, ..." for its values, collecting them.
type bindList struct {
	b  *binds
	vs []string
}

// AppendQuery implements schema.QueryAppender.
func (l bindList) AppendQuery(f schema.QueryGen, out []byte) ([]byte, error) {
	for i, v := range l.vs {
		if i > 0 {
			out = append(out, ", "...)
		}
		out, _ = bindArg{l.b, v}.AppendQuery(f, out)
	}
	return out, nil
}

// pageByGrants reports whether the page is read from the grants of its
// role filter: a role with at most fewHolders grants.
func (s *Store) pageByGrants(ctx context.Context, p userPage) (bool, error) {
	if p.f.Role == nil {
		return false, nil
	}
	n, err := s.idb(ctx).NewSelect().TableExpr("(?) AS g",
		s.idb(ctx).NewSelect().Table("accountkit_user_roles").ColumnExpr("1").
			Where("role_key = ?", *p.f.Role).Limit(fewHolders+1)).Count(ctx)
	if err != nil {
		return false, translate(err, "user")
	}
	return n <= fewHolders, nil
}

// merged reports whether the page is read as the per-account merge.
func (s *Store) merged(p userPage, byGrants bool) bool {
	n := len(p.f.AccountIDs)
	return s.dialect != SQLite && n >= 2 && n <= maxMergeAccounts && p.n > 0 && p.f.Search == "" && !byGrants
}

// pageQuery builds the query of the page (see the comment at the top),
// with its values through b.
func (s *Store) pageQuery(ctx context.Context, p userPage, byGrants bool, b *binds) *bun.SelectQuery {
	build := func(accountIDs []string) *bun.SelectQuery {
		f := p.f
		f.AccountIDs = accountIDs
		q := s.idb(ctx).NewSelect().Model((*userRow)(nil))
		if byGrants {
			// The grants first, then their users by primary key. The
			// LIMIT (no-op: there are at most fewHolders) keeps both
			// databases from merging the grants into the join and walking
			// the users in key order instead; STRAIGHT_JOIN fixes
			// MariaDB's join order.
			f.Role = nil
			grants := s.idb(ctx).NewSelect().Table("accountkit_user_roles").Column("user_id").
				Where("role_key = ?", *p.f.Role).Limit(fewHolders + 1)
			join := " JOIN "
			if s.dialect == MySQL {
				join = " STRAIGHT_JOIN "
			}
			q = q.ModelTableExpr("(?) AS ur"+join+"accountkit_users AS u ON u.id = ur.user_id", grants)
		}
		if s.dialect == MySQL && !byGrants && len(accountIDs) == 1 && f.Search == "" {
			if idx, ok := mysqlOrderIndex[p.col]; ok {
				// With a filter (status, never signed in) MariaDB may
				// walk the global username index instead, reading most
				// of the table for a small account: pin the (account_id,
				// key) index of the order.
				q = q.ModelTableExpr("accountkit_users AS u FORCE INDEX (" + idx + ")")
			}
		}
		q = userFilterBinds(q, f, b)
		if p.cond != nil {
			q = p.cond(q, b)
		}
		return q.OrderExpr(p.order()).Limit(limit(p.n))
	}
	ids := p.f.AccountIDs
	if !s.merged(p, byGrants) {
		return build(ids)
	}
	union := build(ids[:1])
	for _, id := range ids[1:] {
		union = union.UnionAll(build([]string{id}))
	}
	return s.idb(ctx).NewSelect().Model((*userRow)(nil)).ModelTableExpr("(?) AS u", union).
		OrderExpr(p.order()).Limit(limit(p.n))
}
