package sqlstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountkit/accountkit/account"
)

// customizationRow is an account's customization as stored in
// accountkit_customizations; an empty hostname is NULL so that the unique
// index admits any number of accounts without one.
type customizationRow struct {
	bun.BaseModel `bun:"table:accountkit_customizations"`

	AccountID          string     `bun:"account_id,pk"`
	Hostname           *string    `bun:"hostname"`
	HostnameStatus     string     `bun:"hostname_status,notnull"`
	HostnameToken      string     `bun:"hostname_token,notnull"`
	HostnameError      string     `bun:"hostname_error,notnull"`
	HostnameCheckedAt  *time.Time `bun:"hostname_checked_at"`
	HostnameVerifiedAt *time.Time `bun:"hostname_verified_at"`
	Theme              string     `bun:"theme,notnull"`
	Colors             string     `bun:"colors,notnull"`
	Language           string     `bun:"language,notnull"`
	LogoSHA256         string     `bun:"logo_sha256,notnull"`
	LogoContentType    string     `bun:"logo_content_type,notnull"`
	UpdatedAt          time.Time  `bun:"updated_at,notnull"`
}

func toCustomizationRow(c *account.Customization) (*customizationRow, error) {
	r := &customizationRow{AccountID: c.AccountID, HostnameStatus: string(c.HostnameStatus), HostnameToken: c.HostnameToken,
		HostnameError: c.HostnameError, HostnameCheckedAt: utcPtr(c.HostnameCheckedAt), HostnameVerifiedAt: utcPtr(c.HostnameVerifiedAt),
		Theme: string(c.Theme), Language: c.Language, LogoSHA256: c.LogoSHA256, LogoContentType: c.LogoContentType,
		UpdatedAt: c.UpdatedAt.UTC()}
	if c.Hostname != "" {
		h := c.Hostname
		r.Hostname = &h
	}
	if len(c.Colors) > 0 {
		b, err := json.Marshal(c.Colors)
		if err != nil {
			return nil, translate(err, "customization")
		}
		r.Colors = string(b)
	}
	return r, nil
}

func (r *customizationRow) customization() (*account.Customization, error) {
	c := &account.Customization{AccountID: r.AccountID, HostnameStatus: account.HostnameStatus(r.HostnameStatus),
		HostnameToken: r.HostnameToken, HostnameError: r.HostnameError, HostnameCheckedAt: utcPtr(r.HostnameCheckedAt),
		HostnameVerifiedAt: utcPtr(r.HostnameVerifiedAt), Theme: account.Theme(r.Theme), Language: r.Language,
		LogoSHA256: r.LogoSHA256, LogoContentType: r.LogoContentType, UpdatedAt: r.UpdatedAt.UTC()}
	if r.Hostname != nil {
		c.Hostname = *r.Hostname
	}
	if r.Colors != "" {
		if err := json.Unmarshal([]byte(r.Colors), &c.Colors); err != nil {
			return nil, translate(err, "customization")
		}
	}
	return c, nil
}

// GetCustomization returns the account's customization. Errors: NotFound.
func (s *Store) GetCustomization(ctx context.Context, accountID string) (*account.Customization, error) {
	r := new(customizationRow)
	if err := s.idb(ctx).NewSelect().Model(r).Where("account_id = ?", accountID).Scan(ctx); err != nil {
		return nil, translate(err, "customization")
	}
	return r.customization()
}

// GetCustomizationByHostname returns the customization holding the
// hostname. Errors: NotFound.
func (s *Store) GetCustomizationByHostname(ctx context.Context, host string) (*account.Customization, error) {
	if host == "" {
		return nil, notFound("customization")
	}
	r := new(customizationRow)
	if err := s.idb(ctx).NewSelect().Model(r).Where("hostname = ?", host).Scan(ctx); err != nil {
		return nil, translate(err, "customization")
	}
	return r.customization()
}

// PutCustomization inserts or replaces the account's customization. The
// unique index on hostname turns a hostname held by another account into
// Conflict. PostgreSQL and SQLite upsert with ON CONFLICT (account_id);
// MySQL cannot (ON DUPLICATE KEY UPDATE fires on any unique key, so a taken
// hostname would overwrite the other account's row), so there it updates
// the row if it exists and inserts it otherwise.
func (s *Store) PutCustomization(ctx context.Context, c *account.Customization) error {
	r, err := toCustomizationRow(c)
	if err != nil {
		return err
	}
	db := s.idb(ctx)
	if s.dialect != MySQL {
		_, err = db.NewInsert().Model(r).On("CONFLICT (account_id) DO UPDATE").Exec(ctx)
		return translate(err, "hostname")
	}
	exists, err := db.NewSelect().Model((*customizationRow)(nil)).Where("account_id = ?", r.AccountID).Exists(ctx)
	if err != nil {
		return translate(err, "customization")
	}
	if exists {
		_, err = db.NewUpdate().Model(r).WherePK().Exec(ctx)
	} else {
		_, err = db.NewInsert().Model(r).Exec(ctx)
	}
	return translate(err, "hostname")
}

// logoRow is an account's logo as stored in accountkit_logos.
type logoRow struct {
	bun.BaseModel `bun:"table:accountkit_logos"`

	AccountID   string    `bun:"account_id,pk"`
	ContentType string    `bun:"content_type,notnull"`
	Data        []byte    `bun:"data,notnull"`
	SHA256      string    `bun:"sha256,notnull"`
	UpdatedAt   time.Time `bun:"updated_at,notnull"`
}

// GetLogo returns the account's logo. Errors: NotFound.
func (s *Store) GetLogo(ctx context.Context, accountID string) (*account.Logo, error) {
	r := new(logoRow)
	if err := s.idb(ctx).NewSelect().Model(r).Where("account_id = ?", accountID).Scan(ctx); err != nil {
		return nil, translate(err, "logo")
	}
	return &account.Logo{AccountID: r.AccountID, ContentType: r.ContentType, Data: r.Data, SHA256: r.SHA256, UpdatedAt: r.UpdatedAt.UTC()}, nil
}

// PutLogo inserts or replaces the account's logo with one upsert.
func (s *Store) PutLogo(ctx context.Context, l *account.Logo) error {
	data := l.Data
	if data == nil {
		data = []byte{}
	}
	q := s.idb(ctx).NewInsert().Model(&logoRow{AccountID: l.AccountID, ContentType: l.ContentType, Data: data,
		SHA256: l.SHA256, UpdatedAt: l.UpdatedAt.UTC()})
	if s.dialect == MySQL {
		q = q.On("DUPLICATE KEY UPDATE")
	} else {
		q = q.On("CONFLICT (account_id) DO UPDATE")
	}
	_, err := q.Exec(ctx)
	return translate(err, "logo")
}

// DeleteLogo removes the account's logo. Errors: NotFound.
func (s *Store) DeleteLogo(ctx context.Context, accountID string) error {
	res, err := s.idb(ctx).NewDelete().Model((*logoRow)(nil)).Where("account_id = ?", accountID).Exec(ctx)
	if err != nil {
		return translate(err, "logo")
	}
	if n, err := res.RowsAffected(); err != nil {
		return translate(err, "logo")
	} else if n == 0 {
		return notFound("logo")
	}
	return nil
}
