// Package scim is a SCIM 2.0 service provider (RFC 7643 schema, RFC 7644
// protocol): a customer's identity provider (Okta, Microsoft Entra ID, …)
// creates, updates, deactivates and deletes the users of one account and
// fills its teams ("Groups"), over /scim/v2/.
//
// A SCIM client authenticates with an API key of the account holding
// security.PermSCIMProvision (see NewService); every request is confined
// to that account, or to it and its sub-accounts when the key also holds
// security.PermSCIMSubAccounts. The rules stay in the users and teams
// services: the SCIM service calls them, so seats, the last Account
// Manager guard, the Leaving reactions (seat freed, API keys revoked) and
// the audit log hold as for any other client. What scim keeps of its own
// is the clients' externalId of each resource, the users' enterprise
// extension and each account's Settings (Store).
//
// It imports the root package, security, audit, internal/httpx, users,
// teams and apikeys; it must not import auth, seats, sso, storage or kit.
package scim

import "time"

// Kind is a SCIM resource type as stored with an external ID.
type Kind string

// The resource types.
const (
	KindUser  Kind = "User"
	KindGroup Kind = "Group"
)

// ExternalID links a SCIM resource (a user or a team of an account) to
// the identifier the provisioning client gave it ("externalId"). Within
// an account and a Kind, an external ID names at most one resource.
type ExternalID struct {
	AccountID string
	Kind      Kind
	// ResourceID is the user's or the team's ID.
	ResourceID string
	// ExternalID is case-exact (RFC 7643 §3.1), at most
	// MaxExternalIDLength bytes.
	ExternalID string
	CreatedAt  time.Time
}

// MaxExternalIDLength bounds an externalId, in bytes.
const MaxExternalIDLength = 255

// Enterprise is what a user has of the enterprise extension
// (urn:ietf:params:scim:schemas:extension:enterprise:2.0:User, RFC 7643
// §4.3). A user with none of these has no Enterprise row.
type Enterprise struct {
	UserID    string
	AccountID string
	// The extension's text attributes, each at most MaxEnterpriseLength
	// bytes.
	EmployeeNumber string
	CostCenter     string
	Organization   string
	Division       string
	Department     string
	// ManagerID is "manager.value": the ID of another user of the
	// account.
	ManagerID string
	UpdatedAt time.Time
}

// MaxEnterpriseLength bounds each text attribute of Enterprise, in bytes.
const MaxEnterpriseLength = 255

// IsZero reports whether e holds no attribute.
func (e *Enterprise) IsZero() bool {
	return e == nil || e.EmployeeNumber == "" && e.CostCenter == "" && e.Organization == "" && e.Division == "" &&
		e.Department == "" && e.ManagerID == ""
}

// UserSort is an order of SCIM user lists (sortBy).
type UserSort string

// The orders stores implement; ties are broken by user ID in the same
// direction.
const (
	SortUserName     UserSort = "userName"
	SortExternalID   UserSort = "externalId"
	SortCreated      UserSort = "meta.created"
	SortLastModified UserSort = "meta.lastModified"
)

// UserQuery selects and orders users for a SCIM list.
type UserQuery struct {
	// AccountIDs keeps users of these accounts (required, non-empty).
	AccountIDs []string
	// IDs, when non-nil, keeps only these users.
	IDs []string
	// Search is users.Filter.Search.
	Search string
	// Sort is the order (an unknown one reads as SortCreated);
	// externalId compares byte for byte, users without one first.
	Sort       UserSort
	Descending bool
	// Offset skips that many users; Limit > 0 caps the number returned.
	Offset, Limit int
}

// Settings is an account's SCIM configuration, set through the JSON API
// (Service.SetSettings). An account without a row has the zero Settings.
type Settings struct {
	AccountID string
	// DeactivationFreesSeat makes "active": false also free the user's
	// seat (default false: the seat is kept, and the seats report lists
	// the user as inactive).
	DeactivationFreesSeat bool
	// RoleMappings give SCIM users accountkit roles (see RoleMapping).
	RoleMappings []RoleMapping
	UpdatedAt    time.Time
}

// The attributes a RoleMapping can read.
const (
	// MapRoles matches a value of the User's "roles" (roles[].value).
	MapRoles = "roles"
	// MapDepartment matches the enterprise extension's "department".
	MapDepartment = "department"
)

// RoleMapping gives the accountkit role Role to the SCIM users whose
// Attribute (MapRoles or MapDepartment) equals Value, ignoring case.
type RoleMapping struct {
	Attribute string `json:"attribute"`
	Value     string `json:"value"`
	Role      string `json:"role"`
}

// MaxRoleMappings caps an account's role mappings.
const MaxRoleMappings = 100
