package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/users"
)

// ancestorLevels is how many accounts the SessionAuth statement follows up
// the parent chain from the user's account: the account itself and the
// account.MaxDepth levels above a deepest sub-account.
const ancestorLevels = account.MaxDepth + 1

// sessionAuthSQL builds the one SessionAuth statement for a dialect, with
// the token hash as its only bind parameter ($1 on PostgreSQL, three ?
// elsewhere). It is a UNION ALL of three index lookups:
//
//   - kind 0: the session by token_hash (unique index), LEFT JOIN its user
//     by primary key and the user's account and its ancestors, each by
//     primary key through parent_id (ancestorLevels self-joins), with the
//     top one's parent_id to tell a complete path;
//   - kind 1: the user's direct role keys (accountkit_user_roles primary
//     key), LEFT JOIN the custom role of that ID (primary key);
//   - kind 2: the role keys of the user's teams (team members by user,
//     team roles by team), LEFT JOIN the custom role likewise.
//
// Each branch starts from the session's unique token hash, so the plan is
// index lookups only, whatever the table sizes.
func sessionAuthSQL(d Dialect) string {
	ph := func(int) string { return "?" }
	if d == Postgres {
		ph = func(int) string { return "$1" }
	}
	var cols []string
	cols = append(cols, "0 AS kind", "s.id", "s.token_hash", "s.csrf_hash", "s.user_id", "s.account_id", "s.method",
		"s.created_at", "s.last_seen_at", "s.idle_timeout_us", "s.expires_at", "s.ip", "s.user_agent",
		"u.id", "u.username", "u.account_id", "u.status", "u.locked")
	for i := range ancestorLevels {
		cols = append(cols, fmt.Sprintf("a%d.id", i), fmt.Sprintf("a%d.status", i))
	}
	cols = append(cols, fmt.Sprintf("a%d.parent_id", ancestorLevels-1), "NULL", "NULL", "NULL")
	main := len(cols) - 3 // columns before the grant's key, account and permissions
	var b strings.Builder
	b.WriteString("SELECT ")
	b.WriteString(strings.Join(cols, ", "))
	b.WriteString("\n  FROM accountkit_sessions s\n  LEFT JOIN accountkit_users u ON u.id = s.user_id")
	b.WriteString("\n  LEFT JOIN accountkit_accounts a0 ON a0.id = u.account_id")
	for i := 1; i < ancestorLevels; i++ {
		fmt.Fprintf(&b, "\n  LEFT JOIN accountkit_accounts a%d ON a%d.id = a%d.parent_id", i, i, i-1)
	}
	fmt.Fprintf(&b, "\n WHERE s.token_hash = %s", ph(1))
	nulls := strings.Repeat(", NULL", main-1)
	fmt.Fprintf(&b, "\nUNION ALL\nSELECT 1%s, g.role_key, r.account_id, r.permissions"+
		"\n  FROM accountkit_sessions s\n  JOIN accountkit_user_roles g ON g.user_id = s.user_id"+
		"\n  LEFT JOIN accountkit_roles r ON r.id = g.role_key\n WHERE s.token_hash = %s", nulls, ph(2))
	fmt.Fprintf(&b, "\nUNION ALL\nSELECT 2%s, tr.role_key, r.account_id, r.permissions"+
		"\n  FROM accountkit_sessions s\n  JOIN accountkit_team_members m ON m.user_id = s.user_id"+
		"\n  JOIN accountkit_team_roles tr ON tr.team_id = m.team_id"+
		"\n  LEFT JOIN accountkit_roles r ON r.id = tr.role_key\n WHERE s.token_hash = %s", nulls, ph(3))
	return b.String()
}

// sessionAuthInterpolate says per dialect whether SessionAuth lets bun
// interpolate the token hash into the text. On MariaDB it does: a bind
// parameter makes go-sql-driver prepare, execute and close the statement
// (three round trips), measured 2.8–3.1× the bare SELECT against 2.3×
// interpolated; MariaDB's planning of the text is cheap. PostgreSQL and
// SQLite take the real parameter.
var sessionAuthInterpolate = map[Dialect]bool{MySQL: true}

// The SessionAuth statement of each dialect, built once.
var sessionAuthQueries = map[Dialect]string{
	Postgres: sessionAuthSQL(Postgres),
	MySQL:    sessionAuthSQL(MySQL),
	SQLite:   sessionAuthSQL(SQLite),
}

// SessionAuth returns the session with the token hash with its user, the
// user's account path and role grants, in one statement (see
// sessionAuthSQL) run with a real bind parameter: on PostgreSQL through
// pgx's statement cache, so the server keeps the statement prepared per
// connection and plans it generically after a few runs instead of on
// every call. A path the statement cannot follow to its main account
// (deeper than account.MaxDepth levels, which the service never creates)
// is completed by AccountAncestry and GetAccount. Errors: NotFound.
func (s *Store) SessionAuth(ctx context.Context, tokenHash string) (*auth.SessionAuthInfo, error) {
	var out *auth.SessionAuthInfo
	var topParent sql.NullString
	err := s.direct(ctx, sessionAuthQueries[s.dialect], s.sessionAuthArgs(ctx, tokenHash), sessionAuthInterpolate[s.dialect], func(rows *sql.Rows) error {
		var err error
		out, topParent, err = scanSessionAuth(rows)
		return err
	})
	if err != nil {
		return nil, translate(err, "session")
	}
	if out == nil {
		return nil, notFound("session")
	}
	if topParent.Valid && out.User != nil {
		if err := s.completeAccounts(ctx, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// sessionAuthArgs returns the statement's arguments: the token hash once
// ($1) on PostgreSQL, preceded outside a transaction by pgx's
// statement-cache mode when the pool is pgx's; three times elsewhere.
func (s *Store) sessionAuthArgs(ctx context.Context, tokenHash string) []any {
	if s.dialect != Postgres {
		return []any{tokenHash, tokenHash, tokenHash}
	}
	return s.cachedArgs(ctx, []any{tokenHash})
}

// cachedArgs returns the arguments of a PostgreSQL statement run by
// direct with real bind parameters: preceded, outside a transaction and
// when the pool is pgx's, by pgx.QueryExecModeCacheStatement, so pgx
// keeps the statement prepared per connection (an LRU of statement
// texts) and the server plans it generically after a few runs instead of
// on every call. In a transaction a cached statement that a schema change
// invalidated could not be retried (see direct), so it is not cached.
func (s *Store) cachedArgs(ctx context.Context, args []any) []any {
	if _, inTx := ctx.Value(txKey{}).(*bun.Tx); !inTx && s.pgx() {
		return append([]any{pgx.QueryExecModeCacheStatement}, args...)
	}
	return args
}

// pgx reports whether the pool's driver is pgx's database/sql driver,
// which takes a pgx.QueryExecMode as a leading argument.
func (s *Store) pgx() bool {
	_, ok := s.db.DB.Driver().(*stdlib.Driver)
	return ok
}

// completeAccounts replaces out.Accounts by the stored path of the user's
// account, read account by account.
func (s *Store) completeAccounts(ctx context.Context, out *auth.SessionAuthInfo) error {
	ids, err := s.AccountAncestry(ctx, out.User.AccountID)
	if err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			out.Accounts = nil
			return nil
		}
		return err
	}
	out.Accounts = make([]auth.AccountState, len(ids))
	for i, id := range ids {
		out.Accounts[i].ID = id
		a, err := s.GetAccount(ctx, id)
		if err != nil && accountkit.ErrorCode(err) != accountkit.NotFound {
			return err
		}
		if a != nil {
			out.Accounts[i].Status = a.Status
		}
	}
	return nil
}

// scanSessionAuth reads the rows of the SessionAuth statement; out is nil
// when there is no session. topParent is the parent of the highest
// account the statement reached (set when the path goes on above it).
func scanSessionAuth(rows *sql.Rows) (out *auth.SessionAuthInfo, topParent sql.NullString, err error) {
	var (
		kind                                     int
		sid, tokenHash, csrfHash, userID, accID  sql.NullString
		method, ip, agent                        sql.NullString
		created, lastSeen, expires               any
		idleUS                                   sql.NullInt64
		uid, username, uaccount, ustatus         sql.NullString
		locked                                   sql.NullBool
		anc                                      [ancestorLevels][2]sql.NullString
		grantKey, roleAccount, rolePerms, parent sql.NullString
	)
	dest := []any{&kind, &sid, &tokenHash, &csrfHash, &userID, &accID, &method, &created, &lastSeen, &idleUS, &expires, &ip, &agent,
		&uid, &username, &uaccount, &ustatus, &locked}
	for i := range anc {
		dest = append(dest, &anc[i][0], &anc[i][1])
	}
	dest = append(dest, &parent, &grantKey, &roleAccount, &rolePerms)
	out = &auth.SessionAuthInfo{}
	found := false
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, topParent, err
		}
		if kind != 0 {
			g := users.GrantedRole{Key: grantKey.String, ViaTeam: kind == 2}
			if roleAccount.Valid {
				g.Custom, g.CustomAccountID = true, roleAccount.String
				if err := json.Unmarshal([]byte(rolePerms.String), &g.CustomPermissions); err != nil {
					return nil, topParent, err
				}
				if len(g.CustomPermissions) == 0 {
					g.CustomPermissions = nil
				}
			}
			out.Grants = append(out.Grants, g)
			continue
		}
		found = true
		sess := &auth.Session{ID: sid.String, TokenHash: tokenHash.String, CSRFHash: csrfHash.String, UserID: userID.String,
			AccountID: accID.String, Method: users.LoginMethod(method.String),
			IdleTimeout: time.Duration(idleUS.Int64) * time.Microsecond, IP: ip.String, UserAgent: agent.String}
		for _, t := range []struct {
			v   any
			out *time.Time
		}{{created, &sess.CreatedAt}, {lastSeen, &sess.LastSeenAt}, {expires, &sess.ExpiresAt}} {
			if *t.out, err = sqlTime(t.v); err != nil {
				return nil, topParent, err
			}
		}
		out.Session = sess
		if uid.Valid {
			out.User = &auth.SessionUser{ID: uid.String, Username: username.String, AccountID: uaccount.String,
				Status: users.Status(ustatus.String), Locked: locked.Bool}
		}
		n := 0
		for n < ancestorLevels && anc[n][0].Valid {
			n++
		}
		if n > 0 {
			out.Accounts = make([]auth.AccountState, n)
			for i := range n { // main account first
				out.Accounts[n-1-i] = auth.AccountState{ID: anc[i][0].String, Status: account.Status(anc[i][1].String)}
			}
		}
		if n == ancestorLevels {
			topParent = parent
		}
	}
	if err := rows.Err(); err != nil {
		return nil, topParent, err
	}
	if !found {
		return nil, topParent, nil
	}
	return out, topParent, nil
}

// sqlTime converts a scanned time: a time.Time (PostgreSQL, MariaDB with
// parseTime) or the text SQLite returns when a compound SELECT loses the
// column's declared type.
func sqlTime(v any) (time.Time, error) {
	switch t := v.(type) {
	case time.Time:
		return t.UTC(), nil
	case []byte:
		return parseSQLTime(string(t))
	case string:
		return parseSQLTime(t)
	}
	return time.Time{}, fmt.Errorf("sqlstore: unexpected time value %T", v)
}

// sqlTimeLayouts are the text forms of times parseSQLTime accepts.
var sqlTimeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
}

func parseSQLTime(s string) (time.Time, error) {
	s = strings.TrimSuffix(s, " +0000 UTC")
	for _, l := range sqlTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("sqlstore: cannot parse time %q", s)
}

// direct runs one query on the transaction in ctx or the pool and hands
// its rows to scan, through bun's query hooks (telemetry, statement
// counters) as one SELECT. With interpolate, bun writes args into the
// text as it does for every other statement; without, the text goes to
// the driver with args as real bind parameters (in the driver's
// placeholder syntax). On PostgreSQL, a cached statement that a schema
// change invalidated (0A000, "cached plan must not change result type")
// is run once more outside a transaction: pgx has dropped it from its
// cache by then.
func (s *Store) direct(ctx context.Context, query string, args []any, interpolate bool, scan func(*sql.Rows) error) error {
	return s.directAs(ctx, query, query, args, interpolate, scan)
}

// directAs is direct with the text bun's hooks see when the query is not
// interpolated: hookText (query itself for direct).
func (s *Store) directAs(ctx context.Context, hookText, query string, args []any, interpolate bool, scan func(*sql.Rows) error) error {
	tx, inTx := ctx.Value(txKey{}).(*bun.Tx)
	run := func(ctx context.Context, text string, args []any) error {
		var rows *sql.Rows
		var err error
		if inTx {
			rows, err = tx.Tx.QueryContext(ctx, text, args...)
		} else {
			rows, err = s.db.DB.QueryContext(ctx, text, args...)
		}
		if err != nil {
			return err
		}
		defer rows.Close()
		return scan(rows)
	}
	var q *bun.RawQuery
	var conn directConn
	if interpolate {
		q = s.idb(ctx).NewRaw(query, args...)
		conn.run = func(ctx context.Context, formatted string) error { return run(ctx, formatted, nil) }
	} else {
		q = s.idb(ctx).NewRaw("?", bun.Safe(hookText))
		conn.run = func(ctx context.Context, _ string) error {
			err := run(ctx, query, args)
			if !inTx && staleStatement(err) {
				err = run(ctx, query, args)
			}
			return err
		}
	}
	_, err := q.Conn(conn).Exec(ctx)
	return err
}

// staleStatement reports PostgreSQL's 0A000 on a cached statement whose
// result type changed under it.
func staleStatement(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "0A000"
}

// directConn is the bun.IConn that direct hands to bun: bun formats the
// statement's text for its hooks and calls ExecContext, which runs the
// real query.
type directConn struct {
	run func(ctx context.Context, formatted string) error
}

var _ bun.IConn = directConn{}

var errDirectOnly = errors.New("sqlstore: directConn runs one query through ExecContext only")

func (c directConn) ExecContext(ctx context.Context, formatted string, _ ...any) (sql.Result, error) {
	if err := c.run(ctx, formatted); err != nil {
		return nil, err
	}
	return driver.RowsAffected(0), nil
}

func (c directConn) QueryContext(context.Context, string, ...any) (*sql.Rows, error) {
	return nil, errDirectOnly
}

func (c directConn) QueryRowContext(context.Context, string, ...any) *sql.Row { return nil }
