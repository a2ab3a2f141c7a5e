package scim

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/teams"
	"github.com/accountkit/accountkit/users"
)

// Paging limits of list requests.
const (
	DefaultCount = 100
	MaxCount     = 200
)

// Deps is what the service needs from the installation.
type Deps struct {
	accountkit.Runtime
	Store Store
	// Users and Teams hold the rules: every change goes through them.
	Users *users.Service
	Teams *teams.Service
	// Seats connects seat licensing (the kit passes the seats service's);
	// without it role mappings assign no seats and deactivation frees
	// none.
	Seats Seats
}

// Seats is what SCIM needs of seat licensing, as functions so that scim
// does not import the seats package.
type Seats struct {
	// Roles are the role keys that need a seat.
	Roles []string
	// Assign gives the user a seat (seats.Service.Assign). Errors:
	// Conflict (holds one), LimitExceeded.
	Assign func(ctx context.Context, userID string) error
	// Release frees the user's seat, if any (seats.Service.ReleaseUser).
	Release func(ctx context.Context, userID, reason string) error
}

// Options configures a Service. There are none yet; the parameter keeps
// NewService's signature stable when some are added.
type Options struct{}

// Service is the SCIM service provider of every account. Each method
// acts for the SCIM client in ctx: an API key principal holding
// security.PermSCIMProvision, confined to the key's account (and its
// sub-accounts when the key holds security.PermSCIMSubAccounts). It then
// calls the users and teams services as a principal of that account
// holding users.manage, users.read and teams.manage — plus, for the
// grants of the account's role mappings, the permissions of the mapped
// roles, and seats.manage to give a mapped seat role its seat.
// scim.provision is as strong as those permissions, so only Account
// Managers hold it by default. Audit events name the API key as the
// actor.
type Service struct {
	store Store
	users *users.Service
	teams *teams.Service
	seats Seats
	authz *security.Authorizer
	audit *audit.Recorder
	rt    accountkit.Runtime
}

// NewService returns a SCIM Service. It fails when deps lack the Store,
// Users or Teams.
func NewService(deps Deps, _ Options) (*Service, error) {
	if deps.Store == nil || deps.Users == nil || deps.Teams == nil {
		return nil, errors.New("scim: Deps.Store, Users and Teams are required")
	}
	rt, err := deps.Runtime.WithDefaults()
	if err != nil {
		return nil, err
	}
	rec, err := audit.NewRecorder(deps.Store, rt)
	if err != nil {
		return nil, err
	}
	return &Service{store: deps.Store, users: deps.Users, teams: deps.Teams, seats: deps.Seats, rt: rt,
		authz: security.NewAuthorizer(deps.Store), audit: rec}, nil
}

// client checks the SCIM client in ctx and returns the context the
// service acts in and the client's account.
func (s *Service) client(ctx context.Context) (context.Context, string, error) {
	p := security.PrincipalFrom(ctx)
	switch {
	case p == nil:
		return nil, "", accountkit.Errorf(accountkit.Unauthenticated, "a SCIM bearer token (an API key) is required")
	case p.APIKeyID == "" || p.AccountID == "":
		return nil, "", accountkit.Errorf(accountkit.Forbidden, "SCIM takes an API key holding scim.provision")
	case !p.Permissions.Has(security.PermSCIMProvision):
		return nil, "", accountkit.Errorf(accountkit.Forbidden, "the API key lacks the scim.provision permission")
	}
	perms := []security.Permission{security.PermUsersManage, security.PermUsersRead, security.PermTeamsManage}
	if p.Permissions.Has(security.PermSCIMSubAccounts) {
		perms = append(perms, security.PermSCIMSubAccounts)
	}
	acting := &security.Principal{APIKeyID: p.APIKeyID, AccountID: p.AccountID, IP: p.IP, UserAgent: p.UserAgent,
		Permissions: security.NewPermissionSet(perms...)}
	return security.WithPrincipal(ctx, acting), p.AccountID, nil
}

func notFound(what string) error { return accountkit.Errorf(accountkit.NotFound, "%s not found", what) }

// subAccounts reports whether the SCIM client in ctx (after client)
// reaches the sub-accounts of its account.
func subAccounts(ctx context.Context) bool {
	p := security.PrincipalFrom(ctx)
	return p != nil && p.Permissions.Has(security.PermSCIMSubAccounts)
}

// scope returns the accounts the client reaches: its account, and the
// accounts below it when the token holds security.PermSCIMSubAccounts.
func (s *Service) scope(ctx context.Context, accountID string) ([]string, error) {
	if !subAccounts(ctx) {
		return []string{accountID}, nil
	}
	return s.store.AccountSubtree(ctx, accountID)
}

// inScope reports whether target is in the client's scope.
func (s *Service) inScope(ctx context.Context, accountID, target string) (bool, error) {
	if target == accountID {
		return true, nil
	}
	if !subAccounts(ctx) {
		return false, nil
	}
	path, err := s.store.AccountAncestry(ctx, target)
	if accountkit.ErrorCode(err) == accountkit.NotFound {
		return false, nil
	}
	return slices.Contains(path, accountID), err
}

// user returns a user of the client's scope; users of other accounts are
// NotFound (sub-accounts' too, unless the token reaches them).
func (s *Service) user(ctx context.Context, accountID, id string) (*users.User, error) {
	if !accountkit.ValidID(id) {
		return nil, notFound("user")
	}
	u, err := s.store.GetUser(ctx, id)
	if accountkit.ErrorCode(err) == accountkit.NotFound {
		return nil, notFound("user")
	}
	if err != nil {
		return nil, err
	}
	ok, err := s.inScope(ctx, accountID, u.AccountID)
	if err == nil && !ok {
		return nil, notFound("user")
	}
	return u, err
}

// team returns the account's team; teams of other accounts are NotFound.
func (s *Service) team(ctx context.Context, accountID, id string) (*teams.Team, error) {
	if !accountkit.ValidID(id) {
		return nil, notFound("group")
	}
	t, err := s.store.GetTeam(ctx, id)
	if accountkit.ErrorCode(err) == accountkit.NotFound {
		return nil, notFound("group")
	}
	if err != nil {
		return nil, err
	}
	ok, err := s.inScope(ctx, accountID, t.AccountID)
	if err == nil && !ok {
		return nil, notFound("group")
	}
	return t, err
}

// externalID returns the resource's external ID, "" when none.
func (s *Service) externalID(ctx context.Context, kind Kind, id string) (string, error) {
	m, err := s.store.SCIMExternalIDs(ctx, kind, []string{id})
	return m[id], err
}

// setExternalID gives the resource the external ID ("" removes it). An
// external ID held by a resource that no longer exists (deleted outside
// SCIM) is taken over. Errors: Invalid, Conflict (uniqueness).
func (s *Service) setExternalID(ctx context.Context, accountID string, kind Kind, id, ext string) error {
	if ext == "" {
		return s.store.DeleteSCIMExternalID(ctx, kind, id)
	}
	if len(ext) > MaxExternalIDLength || accountkit.TextProblem(ext, 1, MaxExternalIDLength, false) != "" {
		return invalid(TypeInvalidValue, "externalId", "must be 1 to 255 bytes of text without control characters")
	}
	holder, err := s.store.FindSCIMExternalID(ctx, accountID, kind, ext)
	switch {
	case accountkit.ErrorCode(err) == accountkit.NotFound:
	case err != nil:
		return err
	case holder.ResourceID == id:
		return nil
	default:
		alive, err := s.exists(ctx, kind, holder.ResourceID)
		if err != nil {
			return err
		}
		if alive {
			return &Error{Type: TypeUniqueness, Err: accountkit.InvalidField("externalId", "another "+strings.ToLower(string(kind))+" has this externalId").WithCode(accountkit.Conflict)}
		}
		if err := s.store.DeleteSCIMExternalID(ctx, kind, holder.ResourceID); err != nil {
			return err
		}
	}
	err = s.store.SetSCIMExternalID(ctx, &ExternalID{AccountID: accountID, Kind: kind, ResourceID: id, ExternalID: ext, CreatedAt: s.rt.Now()})
	if accountkit.ErrorCode(err) == accountkit.Conflict {
		return &Error{Type: TypeUniqueness, Err: accountkit.InvalidField("externalId", "another "+strings.ToLower(string(kind))+" has this externalId").WithCode(accountkit.Conflict)}
	}
	return err
}

func (s *Service) exists(ctx context.Context, kind Kind, id string) (bool, error) {
	var err error
	if kind == KindUser {
		_, err = s.store.GetUser(ctx, id)
	} else {
		_, err = s.store.GetTeam(ctx, id)
	}
	if accountkit.ErrorCode(err) == accountkit.NotFound {
		return false, nil
	}
	return err == nil, err
}

// page applies startIndex (1-based) and count to n results and returns
// the slice bounds.
func page(n, startIndex, count int) (int, int) {
	from := min(max(startIndex, 1)-1, n)
	return from, min(from+count, n)
}

// PageInput is a list request's paging and filter.
type PageInput struct {
	Filter string
	// StartIndex is 1-based (values below 1 are taken as 1).
	StartIndex int
	// Count defaults to DefaultCount and is capped at MaxCount; 0 answers
	// only totalResults.
	Count *int
	// ExcludeMembers leaves Groups' members out (excludedAttributes=members).
	ExcludeMembers bool
	// SortBy is the sortBy parameter ("" for the default order); the
	// service checks it names an attribute it sorts by.
	SortBy string
	// Descending is sortOrder=descending.
	Descending bool
	// Projection is the attributes / excludedAttributes parameters; the
	// handler applies it to what the service returns.
	Projection Projection
}

func (in PageInput) count() int {
	if in.Count == nil {
		return DefaultCount
	}
	return min(max(*in.Count, 0), MaxCount)
}

func uniq(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}
