package sqlstore

import (
	"context"
	"slices"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/accountkit/accountkit"
)

// Word search (accountkit.SearchWords). The words of each user and of each
// audit event's description live in accountkit_user_words and
// accountkit_audit_words, keyed by (tenant, word, row), so that a search is
// one index range per query word, whatever the table size: a query with no
// match reads nothing, and a tenant's search never reads another tenant's
// words.

// userWordRow is one word of a user.
type userWordRow struct {
	bun.BaseModel `bun:"table:accountkit_user_words"`

	AccountID string `bun:"account_id,pk"`
	Word      string `bun:"word,pk"`
	UserID    string `bun:"user_id,pk"`
}

// auditWordRow is one word of an audit event's description.
type auditWordRow struct {
	bun.BaseModel `bun:"table:accountkit_audit_words"`

	MainAccountID string `bun:"main_account_id,pk"`
	Word          string `bun:"word,pk"`
	EventID       string `bun:"event_id,pk"`
}

// userWords returns the rows of a user's words.
func userWords(accountID, userID string, words []string) []userWordRow {
	rows := make([]userWordRow, len(words))
	for i, w := range words {
		rows[i] = userWordRow{AccountID: accountID, Word: w, UserID: userID}
	}
	return rows
}

// insertUserWords stores the words of a new user.
func (s *Store) insertUserWords(ctx context.Context, accountID, userID string, words []string) error {
	if len(words) == 0 {
		return nil
	}
	rows := userWords(accountID, userID, words)
	_, err := s.idb(ctx).NewInsert().Model(&rows).Exec(ctx)
	return translate(err, "user")
}

// replaceUserWords makes words the user's words, deleting and inserting
// only those that differ from old.
func (s *Store) replaceUserWords(ctx context.Context, accountID, userID string, old, words []string) error {
	var gone, added []string
	for _, w := range old {
		if !slices.Contains(words, w) {
			gone = append(gone, w)
		}
	}
	for _, w := range words {
		if !slices.Contains(old, w) {
			added = append(added, w)
		}
	}
	if len(gone) > 0 {
		_, err := s.idb(ctx).NewDelete().Model((*userWordRow)(nil)).
			Where("user_id = ?", userID).Where("word IN (?)", bun.List(gone)).Exec(ctx)
		if err != nil {
			return translate(err, "user")
		}
	}
	return s.insertUserWords(ctx, accountID, userID, added)
}

// insertAuditWords stores the words of a new event's description.
func (s *Store) insertAuditWords(ctx context.Context, mainAccountID, eventID, description string) error {
	words := accountkit.SearchWords(description)
	if len(words) == 0 {
		return nil
	}
	rows := make([]auditWordRow, len(words))
	for i, w := range words {
		rows[i] = auditWordRow{MainAccountID: mainAccountID, Word: w, EventID: eventID}
	}
	_, err := s.idb(ctx).NewInsert().Model(&rows).Exec(ctx)
	return translate(err, "audit event")
}

// wordPrefix is the LIKE pattern of rows whose word starts with w. Words
// hold only letters and digits, so nothing in w needs escaping.
func wordPrefix(w string) string { return w + "%" }

// userSearch adds the word search of a users.Filter to q (users aliased u):
// one semi-join per query word, each an index range on
// (account_id, word).
func userSearch(q *bun.SelectQuery, accountIDs []string, search string) *bun.SelectQuery {
	for _, w := range accountkit.SearchWords(search) {
		q = q.Where("u.id IN (SELECT uw.user_id FROM accountkit_user_words AS uw WHERE uw.account_id IN (?) AND uw.word LIKE ?)",
			bun.List(accountIDs), wordPrefix(w))
	}
	return q
}

// auditSearch adds the word search of an audit.Filter to q: one semi-join
// per query word, each an index range on (main_account_id, word).
func auditSearch(q *bun.SelectQuery, mainAccountID, search string) *bun.SelectQuery {
	for _, w := range accountkit.SearchWords(search) {
		q = q.Where("id IN (SELECT aw.event_id FROM accountkit_audit_words AS aw WHERE aw.main_account_id = ? AND aw.word LIKE ?)",
			mainAccountID, wordPrefix(w))
	}
	return q
}

// backfillBatch is how many rows migration 076 indexes per statement.
const backfillBatch = 500

// searchWordsMigration is migration 076: it indexes the words of the users
// and audit events stored before migration 075 created the word tables.
// The words are cut in Go (accountkit.SearchWords), which SQL cannot do.
// It is idempotent (words already stored are skipped), so a run that
// failed half way can run again.
func (s *Store) searchWordsMigration() migrate.Migration {
	return migrate.Migration{
		Name:    "076",
		Comment: "search_words_backfill",
		Up: func(ctx context.Context, _ *migrate.Migrator, _ *migrate.Migration) error {
			if err := s.backfillUserWords(ctx); err != nil {
				return err
			}
			return s.backfillAuditWords(ctx)
		},
		Down: func(context.Context, *migrate.Migrator, *migrate.Migration) error { return nil },
	}
}

func (s *Store) backfillUserWords(ctx context.Context) error {
	return s.eachUserBatch(ctx, []string{"id", "account_id", "username", "first_name", "last_name", "email"}, func(rows []userRow) error {
		var words []userWordRow
		for _, r := range rows {
			words = append(words, userWords(r.AccountID, r.ID, r.user().SearchWords())...)
		}
		if len(words) == 0 {
			return nil
		}
		_, err := s.insertIgnore(s.db.NewInsert().Model(&words)).Exec(ctx)
		return translate(err, "user")
	})
}

// eachUserBatch calls fn with every user row, backfillBatch at a time in
// ID order, reading only cols: the walk of the Go-computed backfills.
func (s *Store) eachUserBatch(ctx context.Context, cols []string, fn func([]userRow) error) error {
	after := ""
	for {
		var rows []userRow
		err := s.db.NewSelect().Model(&rows).Column(cols...).
			Where("id > ?", after).
			OrderExpr("id ASC").Limit(backfillBatch).Scan(ctx)
		if err != nil {
			return translate(err, "user")
		}
		if len(rows) == 0 {
			return nil
		}
		if err := fn(rows); err != nil {
			return err
		}
		after = rows[len(rows)-1].ID
	}
}

func (s *Store) backfillAuditWords(ctx context.Context) error {
	after := ""
	for {
		var rows []auditEventRow
		err := s.db.NewSelect().Model(&rows).
			Column("id", "main_account_id", "description").
			Where("id > ?", after).
			OrderExpr("id ASC").Limit(backfillBatch).Scan(ctx)
		if err != nil {
			return translate(err, "audit event")
		}
		if len(rows) == 0 {
			return nil
		}
		var words []auditWordRow
		for _, r := range rows {
			for _, w := range accountkit.SearchWords(r.Description) {
				words = append(words, auditWordRow{MainAccountID: r.MainAccountID, Word: w, EventID: r.ID})
			}
		}
		if len(words) > 0 {
			if _, err := s.insertIgnore(s.db.NewInsert().Model(&words)).Exec(ctx); err != nil {
				return translate(err, "audit event")
			}
		}
		after = rows[len(rows)-1].ID
	}
}

// insertIgnore makes q skip rows whose key exists.
func (s *Store) insertIgnore(q *bun.InsertQuery) *bun.InsertQuery {
	if s.dialect == MySQL {
		return q.Ignore()
	}
	return q.On("CONFLICT DO NOTHING")
}
