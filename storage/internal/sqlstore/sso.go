package sqlstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/sso"
)

var _ sso.Store = (*Store)(nil)

// ssoConfigRow is an account's SSO configuration as stored in
// accountkit_sso_configs; IdPCertificates is a JSON array of PEM strings.
type ssoConfigRow struct {
	bun.BaseModel `bun:"table:accountkit_sso_configs"`

	AccountID         string    `bun:"account_id,pk"`
	Enabled           bool      `bun:"enabled,notnull"`
	SPEntityID        string    `bun:"sp_entity_id,notnull"`
	IdPEntityID       string    `bun:"idp_entity_id,notnull"`
	IdPCertificates   string    `bun:"idp_certificates,notnull"`
	IdPLoginURL       string    `bun:"idp_login_url,notnull"`
	IdPLogoutURL      string    `bun:"idp_logout_url,notnull"`
	AutoCreateUsers   bool      `bun:"auto_create_users,notnull"`
	AutoCreateGroups  bool      `bun:"auto_create_groups,notnull"`
	GroupAttribute    string    `bun:"group_attribute,notnull"`
	ClockSkewSeconds  int       `bun:"clock_skew_seconds,notnull"`
	AllowIdPInitiated bool      `bun:"allow_idp_initiated,notnull"`
	LocalTwoFactor    bool      `bun:"local_two_factor,notnull"`
	LinkByEmail       bool      `bun:"link_by_email_attribute,notnull"`
	BreakGlassUserID  string    `bun:"break_glass_user_id,notnull"`
	CreatedAt         time.Time `bun:"created_at,notnull"`
	UpdatedAt         time.Time `bun:"updated_at,notnull"`
}

func toSSOConfigRow(c *sso.Config) (*ssoConfigRow, error) {
	certs := c.IdPCertificates
	if certs == nil {
		certs = []string{}
	}
	b, err := json.Marshal(certs)
	if err != nil {
		return nil, accountkit.Wrap(err, "storage error")
	}
	return &ssoConfigRow{
		AccountID: c.AccountID, Enabled: c.Enabled, SPEntityID: c.SPEntityID, IdPEntityID: c.IdPEntityID,
		IdPCertificates: string(b), IdPLoginURL: c.IdPLoginURL, IdPLogoutURL: c.IdPLogoutURL,
		AutoCreateUsers: c.AutoCreateUsers, AutoCreateGroups: c.AutoCreateGroups, GroupAttribute: c.GroupAttribute,
		ClockSkewSeconds: c.ClockSkewSeconds, AllowIdPInitiated: c.AllowIdPInitiated, LocalTwoFactor: c.LocalTwoFactor, BreakGlassUserID: c.BreakGlassUserID,
		LinkByEmail: c.LinkByEmailAttribute,
		CreatedAt:   c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC(),
	}, nil
}

func (r *ssoConfigRow) config() (*sso.Config, error) {
	certs := []string{}
	if err := json.Unmarshal([]byte(r.IdPCertificates), &certs); err != nil {
		return nil, accountkit.Wrap(err, "storage error")
	}
	if certs == nil {
		certs = []string{}
	}
	return &sso.Config{
		AccountID: r.AccountID, Enabled: r.Enabled, SPEntityID: r.SPEntityID, IdPEntityID: r.IdPEntityID,
		IdPCertificates: certs, IdPLoginURL: r.IdPLoginURL, IdPLogoutURL: r.IdPLogoutURL,
		AutoCreateUsers: r.AutoCreateUsers, AutoCreateGroups: r.AutoCreateGroups, GroupAttribute: r.GroupAttribute,
		ClockSkewSeconds: r.ClockSkewSeconds, AllowIdPInitiated: r.AllowIdPInitiated, LocalTwoFactor: r.LocalTwoFactor, BreakGlassUserID: r.BreakGlassUserID,
		LinkByEmailAttribute: r.LinkByEmail,
		CreatedAt:            r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}, nil
}

// ssoLinkRow is a NameID link as stored in accountkit_sso_links. IdPHash is
// the hex SHA-256 of the IdP entity ID, so the key has a bounded length.
type ssoLinkRow struct {
	bun.BaseModel `bun:"table:accountkit_sso_links"`

	AccountID   string    `bun:"account_id,pk"`
	IdPHash     string    `bun:"idp_hash,pk"`
	NameID      string    `bun:"name_id,pk"`
	IdPEntityID string    `bun:"idp_entity_id,notnull"`
	UserID      string    `bun:"user_id,notnull"`
	CreatedAt   time.Time `bun:"created_at,notnull"`
}

func idpHash(entityID string) string {
	sum := sha256.Sum256([]byte(entityID))
	return hex.EncodeToString(sum[:])
}

type samlRequestRow struct {
	bun.BaseModel `bun:"table:accountkit_saml_requests"`

	ID        string    `bun:"id,pk"`
	IdP       string    `bun:"idp,notnull"`
	ExpiresAt time.Time `bun:"expires_at,notnull"`
}

type samlAssertionRow struct {
	bun.BaseModel `bun:"table:accountkit_saml_assertions"`

	ID        string    `bun:"id,pk"`
	ExpiresAt time.Time `bun:"expires_at,notnull"`
}

// GetSSOConfig returns the account's configuration. Errors: NotFound.
func (s *Store) GetSSOConfig(ctx context.Context, accountID string) (*sso.Config, error) {
	r := new(ssoConfigRow)
	if err := s.idb(ctx).NewSelect().Model(r).Where("account_id = ?", accountID).Scan(ctx); err != nil {
		return nil, translate(err, "SSO configuration")
	}
	return r.config()
}

// PutSSOConfig inserts or replaces the configuration with one upsert.
func (s *Store) PutSSOConfig(ctx context.Context, c *sso.Config) error {
	row, err := toSSOConfigRow(c)
	if err != nil {
		return err
	}
	q := s.idb(ctx).NewInsert().Model(row)
	if s.dialect == MySQL {
		q = q.On("DUPLICATE KEY UPDATE")
	} else {
		q = q.On("CONFLICT (account_id) DO UPDATE")
	}
	_, err = q.Exec(ctx)
	return translate(err, "SSO configuration")
}

// GetSSOLink returns a NameID link. Errors: NotFound.
func (s *Store) GetSSOLink(ctx context.Context, accountID, idpEntityID, nameID string) (*sso.Link, error) {
	r := new(ssoLinkRow)
	err := s.idb(ctx).NewSelect().Model(r).
		Where("account_id = ?", accountID).
		Where("idp_hash = ?", idpHash(idpEntityID)).
		Where("name_id = ?", nameID).
		Scan(ctx)
	if err != nil {
		return nil, translate(err, "SSO link")
	}
	return &sso.Link{AccountID: r.AccountID, IdPEntityID: r.IdPEntityID, NameID: r.NameID, UserID: r.UserID, CreatedAt: r.CreatedAt.UTC()}, nil
}

// PutSSOLink inserts the link or repoints the existing one with one upsert
// that keeps its created_at, so concurrent calls never conflict.
func (s *Store) PutSSOLink(ctx context.Context, l *sso.Link) error {
	row := &ssoLinkRow{AccountID: l.AccountID, IdPHash: idpHash(l.IdPEntityID), NameID: l.NameID,
		IdPEntityID: l.IdPEntityID, UserID: l.UserID, CreatedAt: l.CreatedAt.UTC()}
	q := s.idb(ctx).NewInsert().Model(row)
	if s.dialect == MySQL {
		q = q.On("DUPLICATE KEY UPDATE").Set("user_id = VALUES(user_id)")
	} else {
		q = q.On("CONFLICT (account_id, idp_hash, name_id) DO UPDATE").Set("user_id = EXCLUDED.user_id")
	}
	_, err := q.Exec(ctx)
	return translate(err, "SSO link")
}

// SaveSAMLRequest records an issued request ID. Errors: Conflict.
func (s *Store) SaveSAMLRequest(ctx context.Context, id, idpEntityID string, expiresAt time.Time) error {
	_, err := s.idb(ctx).NewInsert().Model(&samlRequestRow{ID: id, IdP: idpEntityID, ExpiresAt: expiresAt.UTC()}).Exec(ctx)
	return translate(err, "SAML request")
}

// ConsumeSAMLRequest reads the request and deletes it with one DELETE:
// only the caller whose DELETE removed the row (RowsAffected 1) may use
// it, and only when it had not expired.
func (s *Store) ConsumeSAMLRequest(ctx context.Context, id string, now time.Time) (string, bool, error) {
	db := s.idb(ctx)
	r := new(samlRequestRow)
	if err := db.NewSelect().Model(r).Where("id = ?", id).Scan(ctx); err != nil {
		if classify(err) == kindNoRows {
			return "", false, nil
		}
		return "", false, translate(err, "SAML request")
	}
	res, err := db.NewDelete().Model((*samlRequestRow)(nil)).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return "", false, translate(err, "SAML request")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return "", false, translate(err, "SAML request")
	}
	if n != 1 || !now.Before(r.ExpiresAt) {
		return "", false, nil
	}
	return r.IdP, true, nil
}

// MarkSAMLAssertionUsed inserts the key if absent (ON CONFLICT DO NOTHING,
// INSERT IGNORE on MySQL); when the key exists but has expired, one
// conditional UPDATE renews it. Either statement lets exactly one of
// concurrent callers see RowsAffected 1. No gap-locking DELETE is used, so
// MariaDB does not deadlock.
func (s *Store) MarkSAMLAssertionUsed(ctx context.Context, key string, expiresAt, now time.Time) (bool, error) {
	db := s.idb(ctx)
	ins := db.NewInsert().Model(&samlAssertionRow{ID: key, ExpiresAt: expiresAt.UTC()})
	if s.dialect == MySQL {
		ins = ins.Ignore()
	} else {
		ins = ins.On("CONFLICT (id) DO NOTHING")
	}
	res, err := ins.Exec(ctx)
	if err != nil {
		return false, translate(err, "SAML assertion")
	}
	if n, err := res.RowsAffected(); err != nil {
		return false, translate(err, "SAML assertion")
	} else if n == 1 {
		return true, nil
	}
	res, err = db.NewUpdate().Model((*samlAssertionRow)(nil)).
		Set("expires_at = ?", expiresAt.UTC()).
		Where("id = ?", key).
		Where("expires_at <= ?", now.UTC()).
		Exec(ctx)
	if err != nil {
		return false, translate(err, "SAML assertion")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, translate(err, "SAML assertion")
	}
	return n == 1, nil
}

// PurgeSAMLState deletes expired request IDs and assertion keys.
func (s *Store) PurgeSAMLState(ctx context.Context, now time.Time) (int, error) {
	total := 0
	for _, model := range []any{(*samlRequestRow)(nil), (*samlAssertionRow)(nil)} {
		res, err := s.idb(ctx).NewDelete().Model(model).Where("expires_at <= ?", now.UTC()).Exec(ctx)
		if err != nil {
			return 0, translate(err, "SAML state")
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, translate(err, "SAML state")
		}
		total += int(n)
	}
	return total, nil
}
