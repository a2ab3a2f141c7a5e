package sqlstore

import (
	"context"

	"github.com/uptrace/bun"

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
	cond func(*bun.SelectQuery) *bun.SelectQuery
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

// pageRows reads the page.
func (s *Store) pageRows(ctx context.Context, p userPage) ([]userRow, error) {
	q, err := s.pageQuery(ctx, p)
	if err != nil {
		return nil, err
	}
	var rows []userRow
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, translate(err, "user")
	}
	return rows, nil
}

// pageQuery builds the query of the page (see the comment at the top).
func (s *Store) pageQuery(ctx context.Context, p userPage) (*bun.SelectQuery, error) {
	byGrants := false
	if p.f.Role != nil {
		n, err := s.idb(ctx).NewSelect().TableExpr("(?) AS g",
			s.idb(ctx).NewSelect().Table("accountkit_user_roles").ColumnExpr("1").
				Where("role_key = ?", *p.f.Role).Limit(fewHolders+1)).Count(ctx)
		if err != nil {
			return nil, translate(err, "user")
		}
		byGrants = n <= fewHolders
	}
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
		q = userFilter(q, f)
		if p.cond != nil {
			q = p.cond(q)
		}
		return q.OrderExpr(p.order()).Limit(limit(p.n))
	}
	ids := p.f.AccountIDs
	if s.dialect == SQLite || len(ids) < 2 || len(ids) > maxMergeAccounts || p.n <= 0 || p.f.Search != "" || byGrants {
		return build(ids), nil
	}
	union := build(ids[:1])
	for _, id := range ids[1:] {
		union = union.UnionAll(build([]string{id}))
	}
	return s.idb(ctx).NewSelect().Model((*userRow)(nil)).ModelTableExpr("(?) AS u", union).
		OrderExpr(p.order()).Limit(limit(p.n)), nil
}
