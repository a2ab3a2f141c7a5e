package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountkit/accountkit/sso"
)

// ssoOIDCConfigRow is an account's OpenID Connect connection as stored in
// accountkit_sso_oidc_configs; Scopes are space-separated and
// ClientSecret is sealed.
type ssoOIDCConfigRow struct {
	bun.BaseModel `bun:"table:accountkit_sso_oidc_configs"`

	AccountID        string    `bun:"account_id,pk"`
	Enabled          bool      `bun:"enabled,notnull"`
	IssuerURL        string    `bun:"issuer_url,notnull"`
	ClientID         string    `bun:"client_id,notnull"`
	ClientSecret     []byte    `bun:"client_secret,notnull"`
	Scopes           string    `bun:"scopes,notnull"`
	EmailClaim       string    `bun:"email_claim,notnull"`
	GivenNameClaim   string    `bun:"given_name_claim,notnull"`
	FamilyNameClaim  string    `bun:"family_name_claim,notnull"`
	GroupsClaim      string    `bun:"groups_claim,notnull"`
	AutoCreateUsers  bool      `bun:"auto_create_users,notnull"`
	AutoCreateGroups bool      `bun:"auto_create_groups,notnull"`
	LocalTwoFactor   bool      `bun:"local_two_factor,notnull"`
	CreatedAt        time.Time `bun:"created_at,notnull"`
	UpdatedAt        time.Time `bun:"updated_at,notnull"`
}

// GetOIDCConfig returns the account's OIDC connection. Errors: NotFound.
func (s *Store) GetOIDCConfig(ctx context.Context, accountID string) (*sso.OIDCConfig, error) {
	r := new(ssoOIDCConfigRow)
	if err := s.idb(ctx).NewSelect().Model(r).Where("account_id = ?", accountID).Scan(ctx); err != nil {
		return nil, translate(err, "OIDC connection")
	}
	scopes := strings.Fields(r.Scopes)
	if scopes == nil {
		scopes = []string{}
	}
	secret := r.ClientSecret
	if secret == nil {
		secret = []byte{}
	}
	return &sso.OIDCConfig{AccountID: r.AccountID, Enabled: r.Enabled, IssuerURL: r.IssuerURL, ClientID: r.ClientID,
		ClientSecretSealed: secret, Scopes: scopes, EmailClaim: r.EmailClaim, GivenNameClaim: r.GivenNameClaim,
		FamilyNameClaim: r.FamilyNameClaim, GroupsClaim: r.GroupsClaim, AutoCreateUsers: r.AutoCreateUsers,
		AutoCreateGroups: r.AutoCreateGroups, LocalTwoFactor: r.LocalTwoFactor, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}, nil
}

// PutOIDCConfig inserts or replaces the connection with one upsert.
func (s *Store) PutOIDCConfig(ctx context.Context, c *sso.OIDCConfig) error {
	secret := c.ClientSecretSealed
	if secret == nil {
		secret = []byte{}
	}
	row := &ssoOIDCConfigRow{AccountID: c.AccountID, Enabled: c.Enabled, IssuerURL: c.IssuerURL, ClientID: c.ClientID,
		ClientSecret: secret, Scopes: strings.Join(c.Scopes, " "), EmailClaim: c.EmailClaim, GivenNameClaim: c.GivenNameClaim,
		FamilyNameClaim: c.FamilyNameClaim, GroupsClaim: c.GroupsClaim, AutoCreateUsers: c.AutoCreateUsers,
		AutoCreateGroups: c.AutoCreateGroups, LocalTwoFactor: c.LocalTwoFactor, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
	q := s.idb(ctx).NewInsert().Model(row)
	if s.dialect == MySQL {
		q = q.On("DUPLICATE KEY UPDATE")
	} else {
		q = q.On("CONFLICT (account_id) DO UPDATE")
	}
	_, err := q.Exec(ctx)
	return translate(err, "OIDC connection")
}
