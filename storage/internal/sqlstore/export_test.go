package sqlstore

import (
	"context"

	"github.com/accountkit/accountkit/audit"
)

// BulkInsertAuditEvents inserts events in one multi-row INSERT, for
// benchmark setup.
func BulkInsertAuditEvents(ctx context.Context, s *Store, events []*audit.Event) error {
	rows := make([]*auditEventRow, len(events))
	for i, e := range events {
		r, err := toAuditEventRow(e)
		if err != nil {
			return err
		}
		rows[i] = r
	}
	_, err := s.db.NewInsert().Model(&rows).Exec(ctx)
	return err
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
