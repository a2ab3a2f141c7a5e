package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountkit/accountkit/account"
)

// accountRow is an account as stored in accountkit_accounts. Ancestry is
// kept as path, its IDs joined by '/', so the accounts below one are those
// whose path starts with its path and '/'.
type accountRow struct {
	bun.BaseModel `bun:"table:accountkit_accounts"`

	ID         string    `bun:"id,pk"`
	ParentID   *string   `bun:"parent_id"`
	Path       string    `bun:"path,notnull"`
	Name       string    `bun:"name,notnull"`
	Slug       string    `bun:"slug,notnull"`
	Status     string    `bun:"status,notnull"`
	SearchText string    `bun:"search_text,notnull"`
	CreatedAt  time.Time `bun:"created_at,notnull"`
	UpdatedAt  time.Time `bun:"updated_at,notnull"`
}

const pathSep = "/"

func toAccountRow(a *account.Account) *accountRow {
	r := &accountRow{
		ID:         a.ID,
		Path:       strings.Join(a.Ancestry, pathSep),
		Name:       a.Name,
		Slug:       a.Slug,
		Status:     string(a.Status),
		SearchText: a.SearchText(),
		CreatedAt:  a.CreatedAt.UTC(),
		UpdatedAt:  a.UpdatedAt.UTC(),
	}
	if len(a.Ancestry) == 0 {
		r.Path = a.ID
	}
	if a.ParentID != "" {
		p := a.ParentID
		r.ParentID = &p
	}
	return r
}

func (r *accountRow) account() *account.Account {
	a := &account.Account{
		ID:        r.ID,
		Ancestry:  strings.Split(r.Path, pathSep),
		Name:      r.Name,
		Slug:      r.Slug,
		Status:    account.Status(r.Status),
		CreatedAt: r.CreatedAt.UTC(),
		UpdatedAt: r.UpdatedAt.UTC(),
	}
	if r.ParentID != nil {
		a.ParentID = *r.ParentID
	}
	return a
}

// subtreeBounds returns the half-open byte range [lo, hi) of the paths of
// the accounts strictly below the account at path: "path/" up to "path0"
// ('0' follows '/' in ASCII). Identifier columns compare byte-wise on every
// database, so the range is the same set as path LIKE 'path/%', needs no
// LIKE escaping and is served by the path index everywhere (SQLite's LIKE
// would be case-insensitive and unindexed).
func subtreeBounds(path string) (lo, hi string) {
	return path + pathSep, path + "0"
}

// CreateAccount stores a. Errors: Conflict when the ID or slug exists.
func (s *Store) CreateAccount(ctx context.Context, a *account.Account) error {
	_, err := s.idb(ctx).NewInsert().Model(toAccountRow(a)).Exec(ctx)
	return translate(err, "account")
}

// GetAccount returns the account with the ID. Errors: NotFound.
func (s *Store) GetAccount(ctx context.Context, id string) (*account.Account, error) {
	r := new(accountRow)
	if err := s.idb(ctx).NewSelect().Model(r).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, translate(err, "account")
	}
	return r.account(), nil
}

// GetAccountBySlug returns the account with the slug. Errors: NotFound.
func (s *Store) GetAccountBySlug(ctx context.Context, slug string) (*account.Account, error) {
	r := new(accountRow)
	if err := s.idb(ctx).NewSelect().Model(r).Where("slug = ?", slug).Scan(ctx); err != nil {
		return nil, translate(err, "account")
	}
	return r.account(), nil
}

// UpdateAccount saves a's Name, Slug, Status and UpdatedAt.
// Errors: NotFound, Conflict when the slug is taken.
func (s *Store) UpdateAccount(ctx context.Context, a *account.Account) error {
	r := toAccountRow(a)
	res, err := s.idb(ctx).NewUpdate().Model(r).
		Column("name", "slug", "status", "search_text", "updated_at").
		WherePK().
		Exec(ctx)
	if err != nil {
		return translate(err, "account")
	}
	return s.affectedOne(ctx, res, (*accountRow)(nil), "id = ?", a.ID, "account")
}

// ListAccounts returns the accounts matching f ordered by slug.
func (s *Store) ListAccounts(ctx context.Context, f account.Filter) ([]*account.Account, error) {
	db := s.idb(ctx)
	q := db.NewSelect().Model((*accountRow)(nil))
	if f.ParentID != nil {
		if *f.ParentID == "" { // main accounts
			q = q.Where("parent_id IS NULL")
		} else {
			q = q.Where("parent_id = ?", *f.ParentID)
		}
	}
	if f.DescendantOf != nil {
		path, err := s.accountPath(ctx, *f.DescendantOf)
		if err != nil {
			if isNotFound(err) {
				return []*account.Account{}, nil
			}
			return nil, err
		}
		lo, hi := subtreeBounds(path)
		q = q.Where("path > ?", lo).Where("path < ?", hi)
	}
	if f.Search != "" {
		q = q.Where("search_text LIKE ? ESCAPE '!'", containsPattern(f.Search))
	}
	if f.Status != nil {
		q = q.Where("status = ?", string(*f.Status))
	}
	if f.AfterSlug != "" {
		q = q.Where("slug > ?", f.AfterSlug)
	}
	var rows []accountRow
	if err := q.OrderExpr("slug ASC").Limit(limit(f.Limit)).Scan(ctx, &rows); err != nil {
		return nil, translate(err, "account")
	}
	out := make([]*account.Account, len(rows))
	for i := range rows {
		out[i] = rows[i].account()
	}
	return out, nil
}

// AccountAncestry returns the IDs from the main account down to id,
// inclusive. Errors: NotFound.
func (s *Store) AccountAncestry(ctx context.Context, id string) ([]string, error) {
	path, err := s.accountPath(ctx, id)
	if err != nil {
		return nil, err
	}
	return strings.Split(path, pathSep), nil
}

// AccountSubtree returns id and the IDs of every account below it, parents
// before their children. Errors: NotFound.
func (s *Store) AccountSubtree(ctx context.Context, id string) ([]string, error) {
	path, err := s.accountPath(ctx, id)
	if err != nil {
		return nil, err
	}
	lo, hi := subtreeBounds(path)
	var ids []string
	err = s.idb(ctx).NewSelect().Model((*accountRow)(nil)).Column("id").
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("path = ?", path).WhereOr("path > ? AND path < ?", lo, hi)
		}).
		OrderExpr("path ASC").
		Scan(ctx, &ids)
	if err != nil {
		return nil, translate(err, "account")
	}
	return ids, nil
}

// accountPath returns the stored path of the account. Errors: NotFound.
func (s *Store) accountPath(ctx context.Context, id string) (string, error) {
	var path string
	err := s.idb(ctx).NewSelect().Model((*accountRow)(nil)).Column("path").
		Where("id = ?", id).Scan(ctx, &path)
	if err != nil {
		return "", translate(err, "account")
	}
	return path, nil
}
