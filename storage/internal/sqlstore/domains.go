package sqlstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountkit/accountkit/sso"
)

var _ sso.DomainStore = (*Store)(nil)

// domainRow is a claimed email domain as stored in accountkit_sso_domains;
// VerifiedDomain is the domain while the claim is verified and NULL
// otherwise, so that its unique index admits one verified claim per domain.
type domainRow struct {
	bun.BaseModel `bun:"table:accountkit_sso_domains"`

	ID             string     `bun:"id,pk"`
	AccountID      string     `bun:"account_id,notnull"`
	Domain         string     `bun:"domain,notnull"`
	Status         string     `bun:"status,notnull"`
	Token          string     `bun:"token,notnull"`
	Error          string     `bun:"error,notnull"`
	CheckedAt      *time.Time `bun:"checked_at"`
	VerifiedAt     *time.Time `bun:"verified_at"`
	CreatedAt      time.Time  `bun:"created_at,notnull"`
	UpdatedAt      time.Time  `bun:"updated_at,notnull"`
	VerifiedDomain *string    `bun:"verified_domain"`
}

func toDomainRow(d *sso.Domain) *domainRow {
	r := &domainRow{ID: d.ID, AccountID: d.AccountID, Domain: d.Domain, Status: string(d.Status), Token: d.Token,
		Error: d.Error, CheckedAt: utcPtr(d.CheckedAt), VerifiedAt: utcPtr(d.VerifiedAt),
		CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
	if d.Status == sso.DomainVerified {
		v := d.Domain
		r.VerifiedDomain = &v
	}
	return r
}

func (r *domainRow) domain() *sso.Domain {
	return &sso.Domain{ID: r.ID, AccountID: r.AccountID, Domain: r.Domain, Status: sso.DomainStatus(r.Status), Token: r.Token,
		Error: r.Error, CheckedAt: utcPtr(r.CheckedAt), VerifiedAt: utcPtr(r.VerifiedAt),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// CreateSSODomain stores d. Errors: Conflict (the unique indexes on ID,
// (account, domain) and verified domain).
func (s *Store) CreateSSODomain(ctx context.Context, d *sso.Domain) error {
	_, err := s.idb(ctx).NewInsert().Model(toDomainRow(d)).Exec(ctx)
	return translate(err, "domain")
}

// GetSSODomain returns the claim with the ID. Errors: NotFound.
func (s *Store) GetSSODomain(ctx context.Context, id string) (*sso.Domain, error) {
	r := new(domainRow)
	if err := s.idb(ctx).NewSelect().Model(r).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, translate(err, "domain")
	}
	return r.domain(), nil
}

// ListSSODomains returns the account's claims ordered by domain.
func (s *Store) ListSSODomains(ctx context.Context, accountID string) ([]*sso.Domain, error) {
	var rows []domainRow
	if err := s.idb(ctx).NewSelect().Model(&rows).Where("account_id = ?", accountID).Order("domain").Scan(ctx); err != nil {
		return nil, translate(err, "domain")
	}
	out := make([]*sso.Domain, 0, len(rows))
	for i := range rows {
		out = append(out, rows[i].domain())
	}
	return out, nil
}

// GetVerifiedSSODomain returns the verified claim of the domain, through
// the unique index on verified_domain. Errors: NotFound.
func (s *Store) GetVerifiedSSODomain(ctx context.Context, domain string) (*sso.Domain, error) {
	if domain == "" {
		return nil, notFound("domain")
	}
	r := new(domainRow)
	if err := s.idb(ctx).NewSelect().Model(r).Where("verified_domain = ?", domain).Scan(ctx); err != nil {
		return nil, translate(err, "domain")
	}
	return r.domain(), nil
}

// UpdateSSODomain saves the claim's verification state. Errors: NotFound,
// Conflict (another claim holds the domain verified).
func (s *Store) UpdateSSODomain(ctx context.Context, d *sso.Domain) error {
	r := toDomainRow(d)
	res, err := s.idb(ctx).NewUpdate().Model(r).
		Column("status", "token", "error", "checked_at", "verified_at", "updated_at", "verified_domain").
		WherePK().Exec(ctx)
	if err != nil {
		return translate(err, "domain")
	}
	return s.affectedOne(ctx, res, (*domainRow)(nil), "id = ?", d.ID, "domain")
}

// DeleteSSODomain removes the claim. Errors: NotFound.
func (s *Store) DeleteSSODomain(ctx context.Context, id string) error {
	res, err := s.idb(ctx).NewDelete().Model((*domainRow)(nil)).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return translate(err, "domain")
	}
	if n, err := res.RowsAffected(); err != nil {
		return translate(err, "domain")
	} else if n == 0 {
		return notFound("domain")
	}
	return nil
}
