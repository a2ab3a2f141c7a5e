package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountkit/accountkit/account"
)

// securitySettingsRow is an account's security settings as stored in
// accountkit_security_settings; a nil limit is NULL.
type securitySettingsRow struct {
	bun.BaseModel `bun:"table:accountkit_security_settings"`

	AccountID            string    `bun:"account_id,pk"`
	Enforced             string    `bun:"enforced,notnull"`
	TwoFactorRequired    bool      `bun:"two_factor_required,notnull"`
	MaxInactivityDays    *int      `bun:"max_inactivity_days"`
	MaxLoginAttempts     int       `bun:"max_login_attempts,notnull"`
	PasswordValidityDays *int      `bun:"password_validity_days"`
	SessionIdleMinutes   int       `bun:"session_idle_minutes,notnull"`
	SessionMaxHours      int       `bun:"session_max_hours,notnull"`
	PasswordMinLength    int       `bun:"password_min_length,notnull"`
	PasswordHistory      int       `bun:"password_history,notnull"`
	LockoutMinutes       int       `bun:"lockout_minutes,notnull"`
	UpdatedAt            time.Time `bun:"updated_at,notnull"`
}

// intPtr returns a fresh pointer to *p, or nil.
func intPtr(p *int) *int {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func toSecuritySettingsRow(s *account.SecuritySettings) *securitySettingsRow {
	return &securitySettingsRow{
		AccountID:            s.AccountID,
		Enforced:             joinGroups(s.Enforced),
		TwoFactorRequired:    s.TwoFactorRequired,
		MaxInactivityDays:    intPtr(s.MaxInactivityDays),
		MaxLoginAttempts:     s.MaxLoginAttempts,
		PasswordValidityDays: intPtr(s.PasswordValidityDays),
		SessionIdleMinutes:   s.SessionIdleMinutes,
		SessionMaxHours:      s.SessionMaxHours,
		PasswordMinLength:    s.PasswordMinLength,
		PasswordHistory:      s.PasswordHistory,
		LockoutMinutes:       s.LockoutMinutes,
		UpdatedAt:            s.UpdatedAt.UTC(),
	}
}

func (r *securitySettingsRow) settings() *account.SecuritySettings {
	return &account.SecuritySettings{
		AccountID:            r.AccountID,
		Enforced:             splitGroups(r.Enforced),
		TwoFactorRequired:    r.TwoFactorRequired,
		MaxInactivityDays:    intPtr(r.MaxInactivityDays),
		MaxLoginAttempts:     r.MaxLoginAttempts,
		PasswordValidityDays: intPtr(r.PasswordValidityDays),
		SessionIdleMinutes:   r.SessionIdleMinutes,
		SessionMaxHours:      r.SessionMaxHours,
		PasswordMinLength:    r.PasswordMinLength,
		PasswordHistory:      r.PasswordHistory,
		LockoutMinutes:       r.LockoutMinutes,
		UpdatedAt:            r.UpdatedAt.UTC(),
	}
}

// joinGroups stores policy groups as one comma-separated column ("" for
// none): the set is small, always read whole and never filtered on.
func joinGroups(gs []account.PolicyGroup) string {
	parts := make([]string, len(gs))
	for i, g := range gs {
		parts[i] = string(g)
	}
	return strings.Join(parts, ",")
}

func splitGroups(s string) []account.PolicyGroup {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	out := make([]account.PolicyGroup, len(parts))
	for i, p := range parts {
		out[i] = account.PolicyGroup(p)
	}
	return out
}

// GetSecuritySettings returns the saved settings. Errors: NotFound when the
// account never saved any.
func (s *Store) GetSecuritySettings(ctx context.Context, accountID string) (*account.SecuritySettings, error) {
	r := new(securitySettingsRow)
	if err := s.idb(ctx).NewSelect().Model(r).Where("account_id = ?", accountID).Scan(ctx); err != nil {
		return nil, translate(err, "security settings")
	}
	return r.settings(), nil
}

// PutSecuritySettings inserts or replaces the account's settings with one
// upsert: INSERT ... ON CONFLICT (account_id) DO UPDATE on PostgreSQL and
// SQLite, INSERT ... ON DUPLICATE KEY UPDATE on MySQL.
func (s *Store) PutSecuritySettings(ctx context.Context, st *account.SecuritySettings) error {
	q := s.idb(ctx).NewInsert().Model(toSecuritySettingsRow(st))
	if s.dialect == MySQL {
		q = q.On("DUPLICATE KEY UPDATE")
	} else {
		q = q.On("CONFLICT (account_id) DO UPDATE")
	}
	_, err := q.Exec(ctx)
	return translate(err, "security settings")
}

// ListInactivitySettings returns every saved settings row with a
// MaxInactivityDays, ordered by account ID.
func (s *Store) ListInactivitySettings(ctx context.Context) ([]*account.SecuritySettings, error) {
	var rows []securitySettingsRow
	err := s.idb(ctx).NewSelect().Model((*securitySettingsRow)(nil)).
		Where("max_inactivity_days IS NOT NULL").
		OrderExpr("account_id ASC").
		Scan(ctx, &rows)
	if err != nil {
		return nil, translate(err, "security settings")
	}
	out := make([]*account.SecuritySettings, len(rows))
	for i := range rows {
		out[i] = rows[i].settings()
	}
	return out, nil
}

// ListSecuritySettings returns the saved settings of the accounts with the
// IDs in one query, ordered by account ID.
func (s *Store) ListSecuritySettings(ctx context.Context, accountIDs []string) ([]*account.SecuritySettings, error) {
	out := []*account.SecuritySettings{}
	if len(accountIDs) == 0 {
		return out, nil
	}
	var rows []securitySettingsRow
	err := s.idb(ctx).NewSelect().Model((*securitySettingsRow)(nil)).
		Where("account_id IN (?)", bun.In(accountIDs)).
		OrderExpr("account_id ASC").
		Scan(ctx, &rows)
	if err != nil {
		return nil, translate(err, "security settings")
	}
	for i := range rows {
		out = append(out, rows[i].settings())
	}
	return out, nil
}

// LockAccount locks the account's row with SELECT ... FOR UPDATE until the
// transaction in ctx ends; on SQLite, whose transactions are serialized by
// BEGIN IMMEDIATE, it only checks that the account exists. Errors: NotFound.
func (s *Store) LockAccount(ctx context.Context, id string) error {
	var got string
	q := s.idb(ctx).NewSelect().Model((*accountRow)(nil)).Column("id").Where("id = ?", id)
	if s.dialect != SQLite {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx, &got); err != nil {
		return translate(err, "account")
	}
	return nil
}
