package apikeys

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/users"
)

// Limits and defaults.
const (
	MaxNameLength = 100
	// DefaultLifetime is the validity of a key created without ExpiresAt.
	DefaultLifetime = 365 * 24 * time.Hour
	// MaxLifetime bounds ExpiresAt: at most two years from now. Every key
	// expires; there are no eternal keys.
	MaxLifetime = 2 * 365 * 24 * time.Hour
	// pastTolerance lets a ValidFrom a little in the past (client clock
	// skew) through; it is moved up to now.
	pastTolerance = 5 * time.Minute
)

// ActionRevoke is the audit action of a revoked key.
const ActionRevoke audit.Action = "Revoke"

// Options configures a Service. Zero fields take defaults.
type Options struct {
	// TouchEvery throttles LastUsedAt writes (default 1 min).
	TouchEvery time.Duration
}

// Deps is what the service needs from the installation.
type Deps struct {
	accountkit.Runtime
	Store Store
	// Users knows the permissions a key may hold (its Registry) and each
	// key creator's current permissions and status.
	Users *users.Service
}

// Service manages API keys and authenticates requests carrying them. All
// rules about API keys live here, among them that a key follows its
// creator: a key created by a user holds, at each request, only the
// permissions both it and its creator hold now, and stops working while
// its creator is disabled or deleted (a locked creator's keys keep
// working: anyone can lock a user with wrong passwords). Keys created by
// the system are nobody's.
type Service struct {
	store    Store
	users    *users.Service
	registry *security.Registry
	authz    *security.Authorizer
	audit    *audit.Recorder
	rt       accountkit.Runtime
	opts     Options
}

// NewService returns an API key Service. It fails when deps lack the
// Store, Users or the Runtime's Events. It subscribes to users.Leaving: a
// user deleted or moved loses the keys they created (RevokeCreatedBy),
// however the services were built.
func NewService(deps Deps, opts Options) (*Service, error) {
	rec, err := audit.NewRecorder(deps.Store, deps.Runtime)
	if err != nil {
		return nil, err
	}
	if deps.Users == nil {
		return nil, errors.New("apikeys: Deps.Users is required")
	}
	rt, _ := deps.Runtime.WithDefaults()
	if opts.TouchEvery <= 0 {
		opts.TouchEvery = time.Minute
	}
	s := &Service{store: deps.Store, users: deps.Users, registry: deps.Users.Registry(), authz: security.NewAuthorizer(deps.Store),
		audit: rec, rt: rt, opts: opts}
	accountkit.Subscribe(rt.Events, users.ReactionAPIKeys, func(ctx context.Context, e users.Leaving) error {
		return s.RevokeCreatedBy(ctx, e.User.ID, e.User.AccountID, e.Reason)
	})
	return s, nil
}

// creator reports the current permissions of the user who created a key
// and whether that user may still act: a deleted or disabled creator may
// not (a locked one may: locking stops interactive sign-in, and anyone can
// trigger it with wrong passwords).
func (s *Service) creator(ctx context.Context, userID string) (security.PermissionSet, bool, error) {
	u, err := s.store.GetUser(ctx, userID)
	if accountkit.ErrorCode(err) == accountkit.NotFound {
		return security.PermissionSet{}, false, nil
	}
	if err != nil {
		return security.PermissionSet{}, false, err
	}
	if u.Status == users.StatusDisabled {
		return security.PermissionSet{}, false, nil
	}
	perms, err := s.users.EffectivePermissions(ctx, u)
	return perms, err == nil, err
}

// CreateInput describes a new key.
type CreateInput struct {
	Name        string                `json:"name"`
	Permissions []security.Permission `json:"permissions"`
	// ValidFrom defaults to now; a time up to 5 minutes in the past is
	// taken as now.
	ValidFrom *time.Time `json:"valid_from,omitempty"`
	// ExpiresAt defaults to ValidFrom + 1 year; it must lie after
	// ValidFrom and at most 2 years from now.
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	// IdempotencyKey, when set (the HTTP API takes it from the
	// Idempotency-Key header), makes a retried creation safe: a second
	// creation in the account with the same value creates nothing and
	// answers Conflict naming the key created the first time (its secret
	// is not shown again: revoke it and create another if it was lost).
	// 1–255 visible ASCII characters; only a hash is stored.
	IdempotencyKey string `json:"-"`
}

// MaxIdempotencyKeyLength bounds CreateInput.IdempotencyKey.
const MaxIdempotencyKeyLength = 255

// Created is a new key and its secret, which is shown this once.
type Created struct {
	Key    *Key
	Secret string
}

func principal(ctx context.Context) (*security.Principal, error) {
	p := security.PrincipalFrom(ctx)
	if p == nil {
		return nil, accountkit.Errorf(accountkit.Unauthenticated, "authentication required")
	}
	return p, nil
}

// minter checks that p may create or extend keys: users and the system
// may; an API key may not, so a leaked key cannot outlive its revocation.
func minter(p *security.Principal) error {
	if !p.System && p.UserID == "" {
		return accountkit.Errorf(accountkit.Forbidden, "API keys cannot create or extend API keys; sign in as a user")
	}
	return nil
}

// GenerateEntry is the audit entry of a key generation in the account.
func GenerateEntry(accountID, name string) *audit.Entry {
	return &audit.Entry{AccountID: accountID, Item: audit.ItemAPIKey, Action: audit.ActionGenerate,
		Description: "API key generated (name, valid from).", FailureDescription: "API key generation failed.",
		TargetType: "api_key", TargetName: name}
}

// UpdateEntry is the audit entry of a key update.
func UpdateEntry(id string) *audit.Entry {
	return &audit.Entry{Item: audit.ItemAPIKey, Action: audit.ActionUpdate,
		Description: "API key updated (name, expiration).", FailureDescription: "API key update failed.",
		TargetType: "api_key", TargetID: id}
}

func revokeEntry(id string) *audit.Entry {
	return &audit.Entry{Item: audit.ItemAPIKey, Action: ActionRevoke,
		Description: "API key revoked.", FailureDescription: "API key revocation failed.",
		TargetType: "api_key", TargetID: id}
}

// Create creates a key of the account. It requires PermAPIKeysManage
// there, and a user or the system principal (not an API key). The key's
// permissions must be registered and held by the creator: nobody grants
// more than they have. The secret ("akk_" + 43 characters) is returned
// once; only its SHA-256 is stored. Audited as "API key generated (name,
// valid from)." Errors: Unauthenticated, NotFound, Forbidden, Invalid.
func (s *Service) Create(ctx context.Context, accountID string, in CreateInput) (*Created, error) {
	e := GenerateEntry(accountID, in.Name)
	var out *Created
	err := s.audit.Run(ctx, e, func(ctx context.Context) error {
		p, err := s.authz.Require(ctx, security.PermAPIKeysManage, accountID)
		if err != nil {
			return err
		}
		if err := minter(p); err != nil {
			return err
		}
		now := s.rt.Now()
		k, err := s.newKey(p, accountID, in, now)
		if err != nil {
			return err
		}
		if in.IdempotencyKey != "" {
			k.IdempotencyKey = security.HashSecret("apikey-idempotency:" + in.IdempotencyKey)
			prev, err := s.store.GetAPIKeyByIdempotencyKey(ctx, accountID, k.IdempotencyKey)
			if err == nil {
				return alreadyCreated(prev.ID)
			} else if accountkit.ErrorCode(err) != accountkit.NotFound {
				return err
			}
		}
		secret, hash, err := security.NewSecret(SecretPrefix)
		if err != nil {
			return err
		}
		k.Hash, k.Prefix = hash, secret[:len(SecretPrefix)+6]
		if err := s.store.CreateAPIKey(ctx, k); err != nil {
			if k.IdempotencyKey != "" && accountkit.ErrorCode(err) == accountkit.Conflict {
				// A concurrent retry won the race.
				if prev, gerr := s.store.GetAPIKeyByIdempotencyKey(ctx, accountID, k.IdempotencyKey); gerr == nil {
					return alreadyCreated(prev.ID)
				}
			}
			return err
		}
		e.TargetID, e.TargetName = k.ID, k.Name
		e.Details = map[string]string{"name": k.Name, "valid_from": k.ValidFrom.Format(time.RFC3339),
			"expires_at": k.ExpiresAt.Format(time.RFC3339), "prefix": k.Prefix, "permissions": joinPerms(k.Permissions)}
		out = &Created{Key: k, Secret: secret}
		return nil
	})
	return out, err
}

// alreadyCreated is the answer to a creation retried with the same
// Idempotency-Key.
func alreadyCreated(id string) error {
	return &accountkit.Error{Code: accountkit.Conflict,
		Message: "an API key was already created with this Idempotency-Key: " + id + " (its secret is shown only once; revoke it and create another if it was lost)",
		Fields:  []accountkit.FieldError{{Field: "Idempotency-Key", Message: "already used for API key " + id}}}
}

func joinPerms(ps []security.Permission) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, ",")
}

func validIdempotencyKey(k string) bool {
	if len(k) > MaxIdempotencyKeyLength {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

func (s *Service) newKey(p *security.Principal, accountID string, in CreateInput, now time.Time) (*Key, error) {
	var v accountkit.Validation
	name := strings.TrimSpace(in.Name)
	if msg := validateName(name); msg != "" {
		v.Add("name", msg)
	}
	if len(in.Permissions) == 0 {
		v.Add("permissions", "give at least one permission")
	}
	if !v.Items("permissions", len(in.Permissions), MaxPermissions) {
		return nil, v.Err()
	}
	if k := in.IdempotencyKey; k != "" && !validIdempotencyKey(k) {
		v.Add("Idempotency-Key", "must be 1 to 255 visible ASCII characters")
	}
	var denied []string
	for _, perm := range in.Permissions {
		switch {
		case !s.registry.HasPermission(perm):
			v.Add("permissions", fmt.Sprintf("unknown permission %q", clip(string(perm), 64)))
		case !p.System && !p.Permissions.Has(perm):
			denied = append(denied, string(perm))
		}
	}
	validFrom := now
	if in.ValidFrom != nil {
		vf := in.ValidFrom.UTC().Truncate(time.Microsecond)
		switch {
		case vf.Before(now.Add(-pastTolerance)):
			v.Add("valid_from", "must not be in the past")
		case vf.After(now):
			validFrom = vf
		}
	}
	expires := validFrom.Add(DefaultLifetime)
	if in.ExpiresAt != nil {
		expires = in.ExpiresAt.UTC().Truncate(time.Microsecond)
	}
	if msg := checkExpiry(expires, validFrom, now); msg != "" {
		v.Add("expires_at", msg)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if len(denied) > 0 {
		return nil, &accountkit.Error{Code: accountkit.Forbidden,
			Message: "permissions: a key may hold only permissions you have; you lack " + strings.Join(denied, ", "),
			Fields:  []accountkit.FieldError{{Field: "permissions", Message: "not held by you: " + strings.Join(denied, ", ")}}}
	}
	perms := security.NewPermissionSet(in.Permissions...).List()
	return &Key{ID: s.rt.IDs.NewID(), AccountID: accountID, Name: name, Permissions: perms,
		CreatedBy: p.UserID, CreatedByName: p.ActorName(), CreatedAt: now, UpdatedAt: now,
		ValidFrom: validFrom, ExpiresAt: expires}, nil
}

func checkExpiry(expires, validFrom, now time.Time) string {
	switch {
	case !expires.After(validFrom):
		return "must be after valid_from"
	case !expires.After(now):
		return "must be in the future"
	case expires.After(now.Add(MaxLifetime)):
		return "must be at most 2 years from now"
	}
	return ""
}

func validateName(name string) string { return accountkit.TextProblem(name, 1, MaxNameLength, false) }

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

var errKeyNotFound = accountkit.Errorf(accountkit.NotFound, "API key not found")

// keyInTree loads a key and checks the principal holds PermAPIKeysManage
// in its account. A key outside the principal's tree is NotFound.
func (s *Service) keyInTree(ctx context.Context, id string) (*Key, *security.Principal, error) {
	if _, err := principal(ctx); err != nil {
		return nil, nil, err
	}
	if !accountkit.ValidID(id) {
		return nil, nil, errKeyNotFound
	}
	k, err := s.store.GetAPIKey(ctx, id)
	if err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			return nil, nil, errKeyNotFound
		}
		return nil, nil, err
	}
	p, err := s.authz.Require(ctx, security.PermAPIKeysManage, k.AccountID)
	if err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			return nil, nil, errKeyNotFound
		}
		return nil, nil, err
	}
	return k, p, nil
}

// Get returns a key (never its secret). It requires PermAPIKeysManage in
// the key's account. Errors: Unauthenticated, NotFound, Forbidden.
func (s *Service) Get(ctx context.Context, id string) (_ *Key, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	k, _, err := s.keyInTree(ctx, id)
	return k, err
}

// Update changes a key's name or expiry (permissions never change: create
// a new key). A revoked key cannot be updated; the new expiry follows the
// rules of Create. It requires PermAPIKeysManage and a user or the system.
// Audited as "API key updated (name, expiration)." Errors: Unauthenticated,
// NotFound, Forbidden, Invalid.
func (s *Service) Update(ctx context.Context, id string, u Update) (*Key, error) {
	e := UpdateEntry(id)
	var out *Key
	err := s.audit.Run(ctx, e, func(ctx context.Context) error {
		k, p, err := s.keyInTree(ctx, id)
		if err != nil {
			return err
		}
		e.AccountID, e.TargetName = k.AccountID, k.Name
		if err := minter(p); err != nil {
			return err
		}
		now := s.rt.Now()
		var v accountkit.Validation
		if u.Name == nil && u.ExpiresAt == nil {
			v.Add("name", "nothing to update: give name or expires_at")
		}
		if u.Name != nil {
			if msg := validateName(strings.TrimSpace(*u.Name)); msg != "" {
				v.Add("name", msg)
			}
		}
		if u.ExpiresAt != nil {
			if msg := checkExpiry(u.ExpiresAt.UTC().Truncate(time.Microsecond), k.ValidFrom, now); msg != "" {
				v.Add("expires_at", msg)
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		if k.RevokedAt != nil {
			return accountkit.Errorf(accountkit.Invalid, "a revoked API key cannot be updated")
		}
		e.Details = map[string]string{}
		if u.Name != nil {
			e.Details["old_name"], k.Name = k.Name, strings.TrimSpace(*u.Name)
		}
		if u.ExpiresAt != nil {
			e.Details["old_expires_at"] = k.ExpiresAt.Format(time.RFC3339)
			k.ExpiresAt = u.ExpiresAt.UTC().Truncate(time.Microsecond)
		}
		e.Details["name"], e.Details["expires_at"] = k.Name, k.ExpiresAt.Format(time.RFC3339)
		e.TargetName = k.Name
		k.UpdatedAt = now
		if err := s.store.UpdateAPIKey(ctx, k); err != nil {
			return err
		}
		out = k
		return nil
	})
	return out, err
}

// Revoke revokes a key for good; requests carrying it are refused from
// then on. Revoking a revoked key changes nothing. It requires
// PermAPIKeysManage (a key may revoke itself). Audited as "API key
// revoked." Errors: Unauthenticated, NotFound, Forbidden.
func (s *Service) Revoke(ctx context.Context, id string) (*Key, error) {
	e := revokeEntry(id)
	var out *Key
	err := s.audit.Run(ctx, e, func(ctx context.Context) error {
		k, _, err := s.keyInTree(ctx, id)
		if err != nil {
			return err
		}
		e.AccountID, e.TargetName = k.AccountID, k.Name
		e.Details = map[string]string{"name": k.Name, "prefix": k.Prefix}
		out = k
		if k.RevokedAt != nil {
			return nil
		}
		now := s.rt.Now()
		k.RevokedAt, k.UpdatedAt = &now, now
		return s.store.UpdateAPIKey(ctx, k)
	})
	return out, err
}

// RevokeCreatedBy revokes every unrevoked key the user created, because
// the user leaves its account (reason, e.g. "deleted" or "moved", is
// recorded). It reacts to users.Leaving, inside the users service's
// transaction. It requires the system principal or
// PermUsersManage in accountID, the user's account. Each key is audited
// ("API key revoked."). Errors: Unauthenticated, NotFound, Forbidden.
func (s *Service) RevokeCreatedBy(ctx context.Context, userID, accountID, reason string) error {
	if _, err := s.authz.Require(ctx, security.PermUsersManage, accountID); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		keys, err := s.store.ListAPIKeysByCreator(ctx, userID)
		if err != nil {
			return err
		}
		now := s.rt.Now()
		for _, k := range keys {
			k.RevokedAt, k.UpdatedAt = &now, now
			if err := s.store.UpdateAPIKey(ctx, k); err != nil {
				return err
			}
			e := revokeEntry(k.ID)
			e.AccountID, e.TargetName = k.AccountID, k.Name
			e.Details = map[string]string{"name": k.Name, "prefix": k.Prefix, "reason": "creator " + reason}
			if err := s.audit.Record(ctx, *e); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListInput selects the keys of an account.
type ListInput struct {
	AccountID      string
	IncludeRevoked bool
	Cursor         string
	Limit          int
}

// Page is one page of keys and the cursor of the next ("" at the end).
type Page struct {
	Keys       []*Key
	NextCursor string
}

// List returns the keys of an account, newest first, without secrets. It
// requires PermAPIKeysManage there. Errors: Unauthenticated, NotFound,
// Forbidden, Invalid.
func (s *Service) List(ctx context.Context, in ListInput) (_ *Page, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	if _, err := s.authz.Require(ctx, security.PermAPIKeysManage, in.AccountID); err != nil {
		return nil, err
	}
	var v accountkit.Validation
	limit, after := v.Page(accountkit.PageRequest{Limit: in.Limit, Cursor: in.Cursor})
	f := Filter{AccountID: in.AccountID, IncludeRevoked: in.IncludeRevoked, Limit: limit + 1}
	if after != nil {
		us, ok := accountkit.ParseTimeKey(after.Key)
		if !ok {
			v.BadCursor()
		}
		t := time.UnixMicro(us).UTC()
		f.BeforeCreated, f.BeforeID = &t, after.ID
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	keys, err := s.store.ListAPIKeys(ctx, f)
	if err != nil {
		return nil, err
	}
	page := &Page{}
	page.Keys, page.NextCursor = accountkit.NextPage(keys, limit, func(k *Key) accountkit.Cursor {
		return accountkit.Cursor{Key: accountkit.TimeKey(k.CreatedAt.UnixMicro()), ID: k.ID}
	})
	return page, nil
}

var errInvalidKey = accountkit.Errorf(accountkit.Unauthenticated, "invalid or expired credentials")

// Authenticate implements security.Authenticator for API keys sent as
// "Authorization: Bearer akk_...". Unknown, revoked, not yet valid and
// expired keys, and keys of disabled accounts (or below a disabled
// account), are refused with the same Unauthenticated error. The
// principal carries APIKeyID, the key's AccountID and its permissions.
// LastUsedAt is written at most once per TouchEvery. Bearer tokens without
// the "akk_" prefix are left to other authenticators.
func (s *Service) Authenticate(r *http.Request) (*security.Principal, error) {
	token := security.BearerToken(r)
	if !strings.HasPrefix(token, SecretPrefix) {
		return nil, nil
	}
	ctx := r.Context()
	k, err := s.store.GetAPIKeyByHash(ctx, security.HashSecret(token))
	if err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			return nil, errInvalidKey
		}
		return nil, err
	}
	now := s.rt.Now()
	p, err := s.keyPrincipal(ctx, k, now)
	if err != nil {
		return nil, err
	}
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) >= s.opts.TouchEvery {
		if err := s.store.TouchAPIKey(ctx, k.ID, now); err != nil && accountkit.ErrorCode(err) != accountkit.NotFound {
			s.rt.Logger.WarnContext(ctx, "apikeys: recording last use failed", "key", k.ID, "err", err)
		}
	}
	return p, nil
}

// keyPrincipal returns the principal of key k at now: Unauthenticated
// (errInvalidKey) when it is not active, its account (or one above) is
// disabled, or its creator may no longer act; otherwise its permissions
// that its creator still holds.
func (s *Service) keyPrincipal(ctx context.Context, k *Key, now time.Time) (*security.Principal, error) {
	if k.StateAt(now) != StateActive {
		return nil, errInvalidKey
	}
	enabled, err := account.PathEnabled(ctx, s.store, k.AccountID)
	if accountkit.ErrorCode(err) == accountkit.NotFound || err == nil && !enabled {
		return nil, errInvalidKey
	}
	if err != nil {
		return nil, err
	}
	perms := slices.Clone(k.Permissions)
	if k.CreatedBy != "" {
		held, active, err := s.creator(ctx, k.CreatedBy)
		if err != nil {
			return nil, err
		}
		if !active {
			return nil, errInvalidKey
		}
		perms = slices.DeleteFunc(perms, func(p security.Permission) bool { return !held.Has(p) })
	}
	return &security.Principal{APIKeyID: k.ID, AccountID: k.AccountID,
		Permissions: security.NewPermissionSet(perms...)}, nil
}

// Principal returns the principal a request authenticated with the key
// of that ID would have now (background work done for the key, such as
// report jobs, runs as it). Errors: Unauthenticated when the key is
// unknown, not active, its account disabled or its creator gone.
func (s *Service) Principal(ctx context.Context, id string) (*security.Principal, error) {
	k, err := s.store.GetAPIKey(ctx, id)
	if accountkit.ErrorCode(err) == accountkit.NotFound {
		return nil, errInvalidKey
	}
	if err != nil {
		return nil, err
	}
	return s.keyPrincipal(ctx, k, s.rt.Now())
}

// Now returns the service's clock time.
func (s *Service) Now() time.Time { return s.rt.Now() }
