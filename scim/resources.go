package scim

import (
	"encoding/json"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/accountkit/accountkit/teams"
	"github.com/accountkit/accountkit/users"
)

// The schema URIs.
const (
	SchemaUser         = "urn:ietf:params:scim:schemas:core:2.0:User"
	SchemaGroup        = "urn:ietf:params:scim:schemas:core:2.0:Group"
	SchemaEnterprise   = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	SchemaListResponse = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	SchemaPatchOp      = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	SchemaError        = "urn:ietf:params:scim:api:messages:2.0:Error"
	SchemaSPConfig     = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	SchemaResourceType = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	SchemaSchema       = "urn:ietf:params:scim:schemas:core:2.0:Schema"
)

// Meta is a resource's "meta" attribute.
type Meta struct {
	ResourceType string    `json:"resourceType"`
	Created      time.Time `json:"created"`
	LastModified time.Time `json:"lastModified"`
	// Location is the resource's path below the SCIM base
	// ("/Users/{id}"); the handler prefixes its base URL.
	Location string `json:"location"`
	// Version is a weak ETag of LastModified.
	Version string `json:"version"`
}

// Name is a user's "name".
type Name struct {
	Formatted  string `json:"formatted,omitempty"`
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
}

// MultiValue is one value of "emails" or "phoneNumbers".
type MultiValue struct {
	Value   string `json:"value"`
	Type    string `json:"type,omitempty"`
	Primary bool   `json:"primary,omitempty"`
}

// User is a SCIM User resource as answered.
type User struct {
	Schemas      []string     `json:"schemas"`
	ID           string       `json:"id"`
	ExternalID   string       `json:"externalId,omitempty"`
	UserName     string       `json:"userName"`
	Name         Name         `json:"name"`
	DisplayName  string       `json:"displayName"`
	Emails       []MultiValue `json:"emails"`
	PhoneNumbers []MultiValue `json:"phoneNumbers,omitempty"`
	Active       bool         `json:"active"`
	// Enterprise is the enterprise extension; nil when the user has none
	// of its attributes.
	Enterprise *EnterpriseUser `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User,omitempty"`
	Meta       Meta            `json:"meta"`
}

// EnterpriseUser is the enterprise extension of a User as answered (RFC
// 7643 §4.3).
type EnterpriseUser struct {
	EmployeeNumber string   `json:"employeeNumber,omitempty"`
	CostCenter     string   `json:"costCenter,omitempty"`
	Organization   string   `json:"organization,omitempty"`
	Division       string   `json:"division,omitempty"`
	Department     string   `json:"department,omitempty"`
	Manager        *Manager `json:"manager,omitempty"`
}

// Manager is the enterprise extension's "manager": another user of the
// account.
type Manager struct {
	Value string `json:"value"`
	Ref   string `json:"$ref,omitempty"`
}

// Member is one member of a Group.
type Member struct {
	Value   string `json:"value"`
	Display string `json:"display,omitempty"`
	Ref     string `json:"$ref,omitempty"`
}

// Group is a SCIM Group resource (an accountkit team) as answered.
type Group struct {
	Schemas     []string `json:"schemas"`
	ID          string   `json:"id"`
	ExternalID  string   `json:"externalId,omitempty"`
	DisplayName string   `json:"displayName"`
	// Members is nil when the request excluded them.
	Members []Member `json:"members,omitempty"`
	Meta    Meta     `json:"meta"`
}

// ListResponse is a page of resources.
type ListResponse[T any] struct {
	Schemas      []string `json:"schemas"`
	TotalResults int      `json:"totalResults"`
	StartIndex   int      `json:"startIndex"`
	ItemsPerPage int      `json:"itemsPerPage"`
	Resources    []T      `json:"Resources"`
}

// version is a weak ETag of a resource: a hash of what SCIM shows of it
// and its modification time, so a change shows even within one clock
// tick.
func version(t time.Time, parts ...string) string {
	h := fnv.New64a()
	for _, p := range parts {
		_, _ = h.Write([]byte(p))
		_, _ = h.Write([]byte{0})
	}
	return `W/"` + strconv.FormatInt(t.UTC().UnixMicro(), 36) + "-" + strconv.FormatUint(h.Sum64(), 36) + `"`
}

func userVersion(u *users.User, ext string, ent entState) string {
	return version(u.UpdatedAt, u.ID, u.Username, u.FirstName, u.LastName, u.Email, u.Phone, string(u.Status), ext,
		ent.employeeNumber, ent.costCenter, ent.organization, ent.division, ent.department, ent.manager)
}

func teamVersion(t *teams.Team, ext string) string {
	return version(t.UpdatedAt, t.ID, t.Name, strconv.Itoa(t.MemberCount), ext)
}

func userMeta(u *users.User, ext string, ent entState) Meta {
	// lastModified is the user's (what sortBy and filters on
	// meta.lastModified read); a change of the enterprise extension alone
	// changes the version, not lastModified.
	return Meta{ResourceType: "User", Created: u.CreatedAt.UTC(), LastModified: u.UpdatedAt.UTC(),
		Location: "/Users/" + u.ID, Version: userVersion(u, ext, ent)}
}

func userOut(u *users.User, ext string, ent entState) User {
	out := User{Schemas: []string{SchemaUser}, ID: u.ID, ExternalID: ext, UserName: u.Username,
		Name:        Name{Formatted: strings.TrimSpace(u.FirstName + " " + u.LastName), GivenName: u.FirstName, FamilyName: u.LastName},
		DisplayName: u.DisplayName(), Emails: []MultiValue{{Value: u.Email, Type: "work", Primary: true}},
		Active: u.Status != users.StatusDisabled, Meta: userMeta(u, ext, ent)}
	if u.Phone != "" {
		out.PhoneNumbers = []MultiValue{{Value: u.Phone, Type: "work", Primary: true}}
	}
	if !ent.zero() {
		out.Schemas = append(out.Schemas, SchemaEnterprise)
		out.Enterprise = &EnterpriseUser{EmployeeNumber: ent.employeeNumber, CostCenter: ent.costCenter,
			Organization: ent.organization, Division: ent.division, Department: ent.department}
		if ent.manager != "" {
			out.Enterprise.Manager = &Manager{Value: ent.manager, Ref: "/Users/" + ent.manager}
		}
	}
	return out
}

func groupOut(t *teams.Team, ext string, members []*users.User, withMembers bool) Group {
	g := Group{Schemas: []string{SchemaGroup}, ID: t.ID, ExternalID: ext, DisplayName: t.Name,
		Meta: Meta{ResourceType: "Group", Created: t.CreatedAt.UTC(), LastModified: t.UpdatedAt.UTC(),
			Location: "/Groups/" + t.ID, Version: teamVersion(t, ext)}}
	if withMembers {
		g.Members = []Member{}
		for _, u := range members {
			g.Members = append(g.Members, Member{Value: u.ID, Display: u.DisplayName(), Ref: "/Users/" + u.ID})
		}
	}
	return g
}

// Bool is a SCIM boolean as clients send it: true/false, or (Microsoft
// Entra ID) the strings "True"/"False" in any case.
type Bool bool

// UnmarshalJSON accepts a JSON boolean or a string naming one.
func (b *Bool) UnmarshalJSON(data []byte) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case bool:
		*b = Bool(x)
		return nil
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true":
			*b = true
			return nil
		case "false":
			*b = false
			return nil
		}
	}
	return invalid(TypeInvalidValue, "active", "must be true or false")
}

// userIn is a User resource as a client sends it (POST, PUT). Attribute
// names match case-insensitively (encoding/json); attributes this service
// does not keep are ignored (see docs/scim.md).
type userIn struct {
	Schemas      []string     `json:"schemas"`
	ExternalID   *string      `json:"externalId"`
	UserName     string       `json:"userName"`
	Name         *Name        `json:"name"`
	Emails       []MultiValue `json:"emails"`
	PhoneNumbers []MultiValue `json:"phoneNumbers"`
	Active       *Bool        `json:"active"`
	// Enterprise is the enterprise extension's object, applied as a
	// PATCH value without a path would be.
	Enterprise json.RawMessage `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`
	// Roles are read by the account's role mappings only.
	Roles json.RawMessage `json:"roles"`
}

// pick returns the value of the primary entry, else of the "work" one,
// else of the first one; "" when there is none.
func pick(vs []MultiValue) string {
	for _, v := range vs {
		if v.Primary {
			return strings.TrimSpace(v.Value)
		}
	}
	for _, v := range vs {
		if strings.EqualFold(v.Type, "work") {
			return strings.TrimSpace(v.Value)
		}
	}
	if len(vs) > 0 {
		return strings.TrimSpace(vs[0].Value)
	}
	return ""
}

// groupIn is a Group resource as a client sends it.
type groupIn struct {
	Schemas     []string `json:"schemas"`
	ExternalID  *string  `json:"externalId"`
	DisplayName string   `json:"displayName"`
	Members     []Member `json:"members"`
}

// PatchOp is one operation of a PATCH request.
type PatchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
}

// PatchRequest is the body of a PATCH request.
type PatchRequest struct {
	Schemas    []string  `json:"schemas"`
	Operations []PatchOp `json:"Operations"`
}
