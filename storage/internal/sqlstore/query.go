package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/accountkit/accountkit"
)

// limit reads a filter's Limit: a positive limit, or 0, which bun reads as
// no LIMIT clause (the services always set one).
func limit(n int) int64 {
	if n <= 0 {
		return 0
	}
	return int64(n)
}

// likeEscaper escapes the LIKE wildcards for ESCAPE '!'. '!' is used
// rather than a backslash because MySQL and MariaDB treat backslashes in
// string literals as escapes and the others do not.
var likeEscaper = strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")

// containsPattern returns the LIKE pattern, for ESCAPE '!', that matches
// text containing the lower-cased s.
func containsPattern(s string) string {
	return "%" + likeEscaper.Replace(strings.ToLower(s)) + "%"
}

func isNotFound(err error) bool { return accountkit.ErrorCode(err) == accountkit.NotFound }

// affectedOne checks the result of an UPDATE of a single row. When no row
// was affected it checks whether the row exists, because MySQL reports
// changed rather than matched rows unless the DSN sets clientFoundRows:
// NotFound if it does not, nil if it does.
func (s *Store) affectedOne(ctx context.Context, res sql.Result, model any, where string, arg any, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return translate(err, what)
	}
	if n > 0 {
		return nil
	}
	exists, err := s.idb(ctx).NewSelect().Model(model).Where(where, arg).Exists(ctx)
	if err != nil {
		return translate(err, what)
	}
	if !exists {
		return notFound(what)
	}
	return nil
}
