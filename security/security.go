// Package security holds the primitives every other accountkit package
// needs: the Principal carried in a request's context, the permissions and
// built-in roles, and the Authorizer that checks a principal may act on an
// account of its tree.
//
// It imports only the root package. Sign-in flows live in auth (passwords,
// sessions, second factors) and sso (SAML); they only issue principals
// through this package. Resolve is the one tenant check every service runs
// on a record named by a client.
package security

import (
	"context"
	"net/http"
	"slices"
	"sort"
)

// Permission names something a principal may do. Host applications may
// define their own permissions with RegisterPermission.
type Permission string

// The account-settings permissions. Each service method documents the one it
// requires.
const (
	// PermAccountsManage allows creating, editing, enabling and disabling
	// sub-accounts.
	PermAccountsManage Permission = "accounts.manage"
	// PermAccountSettings allows changing customization (hostname, logo,
	// theme, language) and notifications of an account.
	PermAccountSettings Permission = "accounts.settings"
	// PermAuditRead allows reading and exporting the audit log.
	PermAuditRead Permission = "audit.read"
	// PermUsersManage allows creating, editing, disabling and unlocking users.
	PermUsersManage Permission = "users.manage"
	// PermUsersRead allows listing and viewing users.
	PermUsersRead Permission = "users.read"
	// PermTeamsManage allows managing teams and memberships.
	PermTeamsManage Permission = "teams.manage"
	// PermRolesManage allows managing custom roles.
	PermRolesManage Permission = "roles.manage"
	// PermSecurityManage allows reading and changing account security
	// settings and resetting other users' two-factor authentication.
	PermSecurityManage Permission = "security.manage"
	// PermSSOManage allows configuring single sign-on.
	PermSSOManage Permission = "sso.manage"
	// PermSeatsManage allows assigning seats and editing seat limits.
	PermSeatsManage Permission = "seats.manage"
	// PermAPIKeysManage allows creating, updating and revoking API keys.
	PermAPIKeysManage Permission = "apikeys.manage"
	// PermSCIMProvision allows provisioning the users and teams of an
	// account through SCIM 2.0 (the scim package): an API key holding it
	// is the bearer token an identity provider connects with.
	PermSCIMProvision Permission = "scim.provision"
	// PermSCIMSubAccounts, held by a SCIM token (an API key) beside
	// PermSCIMProvision, extends the token's reach to the sub-accounts of
	// its account (creates still land in the token's account).
	PermSCIMSubAccounts Permission = "scim.subaccounts"
	// PermWebhooksManage allows managing an account's webhook and audit
	// stream endpoints, their secrets and deliveries.
	PermWebhooksManage Permission = "webhooks.manage"
)

// AccountSettingsPermissions lists every built-in permission; the built-in
// Account Manager role holds them all.
var AccountSettingsPermissions = []Permission{
	PermAccountsManage, PermAccountSettings, PermAuditRead, PermUsersManage,
	PermUsersRead, PermTeamsManage, PermRolesManage, PermSecurityManage,
	PermSSOManage, PermSeatsManage, PermAPIKeysManage, PermSCIMProvision,
	PermSCIMSubAccounts,
	PermWebhooksManage,
}

// PermissionSet is an immutable set of permissions.
type PermissionSet struct{ perms []Permission } // sorted, unique

// NewPermissionSet returns the set of the given permissions.
func NewPermissionSet(perms ...Permission) PermissionSet {
	p := slices.Clone(perms)
	sort.Slice(p, func(i, j int) bool { return p[i] < p[j] })
	return PermissionSet{perms: slices.Compact(p)}
}

// Has reports whether the set holds p.
func (s PermissionSet) Has(p Permission) bool {
	_, ok := slices.BinarySearch(s.perms, p)
	return ok
}

// List returns the permissions in sorted order.
func (s PermissionSet) List() []Permission { return slices.Clone(s.perms) }

// Principal is who is acting: a signed-in user, an API key or the system.
type Principal struct {
	// UserID and Username identify the acting user; empty for the system and
	// for API keys (which set APIKeyID).
	UserID   string
	Username string
	// APIKeyID is set when the principal authenticated with an API key.
	APIKeyID string
	// SessionID is set when the principal authenticated with a session.
	SessionID string
	// AccountID is the account the principal belongs to. Its permissions
	// apply to that account and every account below it.
	AccountID string
	// Permissions are the principal's effective permissions.
	Permissions PermissionSet
	// System marks the host application itself (bootstrap, scheduled jobs):
	// it holds every permission in every account tree.
	System bool
	// IP and UserAgent describe the request, for the audit log.
	IP        string
	UserAgent string
}

// ActorName returns the name recorded in the audit log for p.
func (p *Principal) ActorName() string {
	switch {
	case p == nil:
		return "anonymous"
	case p.System:
		return "system"
	case p.Username != "":
		return p.Username
	case p.APIKeyID != "":
		return "api-key:" + p.APIKeyID
	default:
		return "anonymous"
	}
}

type principalKey struct{}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal in ctx, or nil.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// AsSystem returns a context acting as the host application itself. Use it
// for bootstrap (creating main accounts) and scheduled jobs; never derive it
// from a request made by a user.
func AsSystem(ctx context.Context) context.Context {
	return WithPrincipal(ctx, &Principal{System: true})
}

// Authenticator turns a request's credentials into a Principal. It returns
// (nil, nil) when the request carries no credentials it understands, and an
// Unauthenticated error when it carries credentials that are wrong.
type Authenticator interface {
	Authenticate(r *http.Request) (*Principal, error)
}
