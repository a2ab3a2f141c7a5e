package sqlstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/accountkit/accountkit/users"
)

// nameKeyMigration fills accountkit_users.name_key (added by migration
// 110) from users.User.NameKey for the rows written before it, in ID
// batches; migration 112 then indexes it.
func (s *Store) nameKeyMigration() migrate.Migration {
	return migrate.Migration{
		Name:    "111",
		Comment: "users_name_key_backfill",
		Up: func(ctx context.Context, _ *migrate.Migrator, _ *migrate.Migration) error {
			return s.backfillNameKeys(ctx)
		},
		Down: func(context.Context, *migrate.Migrator, *migrate.Migration) error { return nil },
	}
}

func (s *Store) backfillNameKeys(ctx context.Context) error {
	return s.eachUserBatch(ctx, []string{"id", "username", "first_name", "last_name"}, func(rows []userRow) error {
		for _, r := range rows {
			_, err := s.db.NewUpdate().Model((*userRow)(nil)).
				Set("name_key = ?", r.user().NameKey()).
				Where("id = ?", r.ID).Exec(ctx)
			if err != nil {
				return translate(err, "user")
			}
		}
		return nil
	})
}

// keyset adds the cursor condition "after (key0, id0)" on col for the
// direction: col >= k0 AND (col > k0 OR (col = k0 AND id > id0)),
// mirrored when descending. It is written this way rather than as a
// row-value comparison, which MariaDB cannot serve from an index.
func keyset(q *bun.SelectQuery, b *binds, col string, key any, id string, desc bool) *bun.SelectQuery {
	cmp, eq := ">", ">="
	if desc {
		cmp, eq = "<", "<="
	}
	c := bun.Ident(col)
	return q.Where("? "+eq+" ?", c, b.arg(key)).
		Where("(? "+cmp+" ? OR (? = ? AND u.id "+cmp+" ?))", c, b.arg(key), c, b.arg(key), b.arg(id))
}

// listUsersByLastLogin serves the last-login orders in up to two index
// range scans of (account_id, last_login_at, id): first the users who
// signed in (last_login_at IS NOT NULL, by time then ID), then, if the
// page is not full, those who never did (IS NULL, by ID), so they come
// last in both directions on every database whatever its NULL ordering.
// A cursor on a never-signed-in user (AfterLastLogin nil) skips the
// first scan.
func (s *Store) listUsersByLastLogin(ctx context.Context, f users.Filter, desc bool) ([]*users.User, error) {
	var rows []userRow
	afterNever := f.AfterID != "" && f.AfterLastLogin == nil
	if !afterNever && (f.NeverSignedIn == nil || !*f.NeverSignedIn) {
		p := userPage{f: f, col: "u.last_login_at", desc: desc, n: f.Limit}
		p.cond = func(q *bun.SelectQuery, b *binds) *bun.SelectQuery {
			q = q.Where("u.last_login_at IS NOT NULL")
			if f.AfterID != "" {
				q = keyset(q, b, "u.last_login_at", f.AfterLastLogin.UTC().Truncate(time.Microsecond), f.AfterID, desc)
			}
			return q
		}
		var err error
		if rows, err = s.pageRows(ctx, p); err != nil {
			return nil, err
		}
		if f.Limit > 0 && len(rows) >= f.Limit {
			return s.withRoles(ctx, rows)
		}
	}
	if f.NeverSignedIn == nil || *f.NeverSignedIn {
		n := 0
		if f.Limit > 0 {
			n = f.Limit - len(rows)
		}
		// Ordered by ID alone: "u.id" as the key, whose tie-break is
		// itself.
		p := userPage{f: f, col: "u.id", desc: desc, n: n}
		p.cond = func(q *bun.SelectQuery, b *binds) *bun.SelectQuery {
			q = q.Where("u.last_login_at IS NULL")
			if afterNever {
				cmp := " > ?"
				if desc {
					cmp = " < ?"
				}
				q = q.Where("u.id"+cmp, b.arg(f.AfterID))
			}
			return q
		}
		never, err := s.pageRows(ctx, p)
		if err != nil {
			return nil, err
		}
		rows = append(rows, never...)
	}
	return s.withRoles(ctx, rows)
}
