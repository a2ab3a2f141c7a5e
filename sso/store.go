package sso

import (
	"context"
	"time"

	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/users"
)

// Store is what the sso package needs from storage: SSO configurations,
// NameID links and the SAML one-time state (issued request IDs, used
// assertion keys) so that every host instance sharing the store agrees,
// and through users.Store the users, accounts and audit log. Adapters
// implement it; storagetest checks them.
type Store interface {
	users.Store
	// BucketStore keeps the ACS rate limits (Options.ACSPerIP,
	// Options.FailureAuditPerAccount).
	security.BucketStore
	// DomainStore keeps the claimed email domains (domains.go).
	DomainStore

	// GetSSOConfig returns the account's configuration. Errors: NotFound.
	GetSSOConfig(ctx context.Context, accountID string) (*Config, error)
	// PutSSOConfig inserts or replaces the account's configuration.
	PutSSOConfig(ctx context.Context, c *Config) error

	// GetOIDCConfig returns the account's OpenID Connect connection.
	// Errors: NotFound.
	GetOIDCConfig(ctx context.Context, accountID string) (*OIDCConfig, error)
	// PutOIDCConfig inserts or replaces the account's OpenID Connect
	// connection.
	PutOIDCConfig(ctx context.Context, c *OIDCConfig) error

	// GetSSOLink returns the link of (accountID, idpEntityID, nameID).
	// Errors: NotFound.
	GetSSOLink(ctx context.Context, accountID, idpEntityID, nameID string) (*Link, error)
	// PutSSOLink inserts the link or points the existing one of the same
	// (AccountID, IdPEntityID, NameID) at l.UserID. Concurrent calls for
	// one key never fail with Conflict.
	PutSSOLink(ctx context.Context, l *Link) error

	// SaveSAMLRequest records an issued AuthnRequest ID (at most 128
	// bytes) for the IdP until expiresAt. The OIDC sign-in records its
	// state values here too (idpEntityID "oidc:" + account ID), for the
	// same single use. Errors: Conflict when the ID is
	// recorded already.
	SaveSAMLRequest(ctx context.Context, id, idpEntityID string, expiresAt time.Time) error
	// ConsumeSAMLRequest deletes the request ID and returns its IdP; ok is
	// false when the ID is unknown, consumed or expired at now (an expired
	// ID is deleted too). Of any number of concurrent calls for one ID at
	// most one reports ok.
	ConsumeSAMLRequest(ctx context.Context, id string, now time.Time) (idpEntityID string, ok bool, err error)
	// MarkSAMLAssertionUsed records key (a 64-character hash) until
	// expiresAt; firstUse is false when key is recorded and not expired
	// at now. Of any number of concurrent calls for one key at most one
	// reports firstUse.
	MarkSAMLAssertionUsed(ctx context.Context, key string, expiresAt, now time.Time) (firstUse bool, err error)
	// PurgeSAMLState deletes the request IDs and assertion keys expired at
	// now and returns how many it deleted.
	PurgeSAMLState(ctx context.Context, now time.Time) (int, error)
}
