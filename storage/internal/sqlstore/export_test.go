package sqlstore

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/users"
)

// BulkInsertAuditEvents inserts events in one multi-row INSERT, for
// benchmark setup, with their search words unless noWords (for a schema
// from before migration 075).
func BulkInsertAuditEvents(ctx context.Context, s *Store, events []*audit.Event, noWords ...bool) error {
	rows := make([]*auditEventRow, len(events))
	var words []auditWordRow
	for i, e := range events {
		r, err := toAuditEventRow(e)
		if err != nil {
			return err
		}
		rows[i] = r
		for _, w := range accountkit.SearchWords(e.Description) {
			words = append(words, auditWordRow{MainAccountID: e.MainAccountID, Word: w, EventID: e.ID})
		}
	}
	if _, err := s.db.NewInsert().Model(&rows).Exec(ctx); err != nil {
		return err
	}
	if len(noWords) > 0 && noWords[0] || len(words) == 0 {
		return nil
	}
	_, err := s.db.NewInsert().Model(&words).Exec(ctx)
	return err
}

// BulkInsertUsers inserts users (without roles) in one multi-row INSERT,
// for benchmark setup, with their search words unless noWords.
func BulkInsertUsers(ctx context.Context, s *Store, list []*users.User, noWords bool) error {
	rows := make([]*userRow, len(list))
	var words []userWordRow
	for i, u := range list {
		rows[i] = toUserRow(u)
		words = append(words, userWords(u.AccountID, u.ID, u.SearchWords())...)
	}
	ins := s.db.NewInsert().Model(&rows)
	if noWords {
		// The schema of before the word tables (076) has no name_key
		// either (110); migration 111 fills it.
		ins = ins.ExcludeColumn("name_key")
	}
	if _, err := ins.Exec(ctx); err != nil {
		return err
	}
	if noWords || len(words) == 0 {
		return nil
	}
	_, err := s.db.NewInsert().Model(&words).Exec(ctx)
	return err
}

// SubstringUserSearchSQL is the users search query as it was before word
// search (LIKE '%q%' over search_text), kept as the baseline of
// BenchmarkSearch.
func SubstringUserSearchSQL(s *Store, accountID, q string) string {
	return s.db.NewSelect().Model((*userRow)(nil)).Where("u.account_id IN (?)", bun.List([]string{accountID})).
		Where("u.search_text LIKE ? ESCAPE '!'", containsPattern(q)).
		OrderExpr("u.username ASC, u.id ASC").Limit(51).String()
}

// SubstringAuditSearchSQL is the audit search query as it was before word
// search (LIKE '%q%' over description_lower), the baseline of
// BenchmarkSearch.
func SubstringAuditSearchSQL(s *Store, mainAccountID, q string) string {
	f := audit.Filter{MainAccountID: mainAccountID, Limit: 51}
	return s.auditQuery(context.Background(), f).
		Where("description_lower LIKE ? ESCAPE '!'", containsPattern(q)).String()
}

// AuditQuery returns the SQL text ListAuditEvents runs for f.
func AuditQuery(ctx context.Context, s *Store, f audit.Filter) string {
	return s.auditQuery(ctx, f).String()
}

// MigrateTo applies the migrations numbered up to last (e.g. "008").
func MigrateTo(ctx context.Context, s *Store, last string) error {
	return s.migrateTo(ctx, last)
}

// ExecSQL runs a statement on the store's database.
func ExecSQL(ctx context.Context, s *Store, query string, args ...any) error {
	_, err := s.db.ExecContext(ctx, query, args...)
	return err
}
