package account

import (
	"context"
	"slices"
	"strings"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/security"
)

// Limits on account fields.
const (
	MaxNameLength = 100
	MinSlugLength = 3
	MaxSlugLength = 63
)

// Deps is what the service needs from the installation.
type Deps struct {
	accountkit.Runtime
	Store Store
}

// Options configures a Service. Zero fields take defaults.
type Options struct {
	// Customization configures hostnames (HostnameTarget, Resolver) and
	// the supported languages (customization.go).
	Customization CustomizationOptions
}

// Service manages accounts. All rules about accounts live here.
type Service struct {
	store  Store
	authz  *security.Authorizer
	audit  *audit.Recorder
	rt     accountkit.Runtime
	custom customization
}

// NewService returns an account Service. It fails when deps lack the Store
// or the Runtime's Events, or an option is invalid.
func NewService(deps Deps, opts Options) (*Service, error) {
	rec, err := audit.NewRecorder(deps.Store, deps.Runtime)
	if err != nil {
		return nil, err
	}
	rt, _ := deps.Runtime.WithDefaults()
	custom, err := newCustomization(opts.Customization)
	if err != nil {
		return nil, err
	}
	accountkit.Require[Disabled](rt.Events, ReactionAuth)
	return &Service{store: deps.Store, authz: security.NewAuthorizer(deps.Store), audit: rec, rt: rt, custom: custom}, nil
}

// CreateInput describes a new account.
type CreateInput struct {
	Name string `json:"name"`
	Slug string `json:"slug"`
}

// CreateMain creates a main account. It is an operation of the host
// application (bootstrap, sign-up, billing), so it requires the system
// principal (security.AsSystem). Errors: Unauthenticated, Forbidden, Invalid,
// Conflict (slug taken).
func (s *Service) CreateMain(ctx context.Context, in CreateInput) (*Account, error) {
	p := security.PrincipalFrom(ctx)
	if p == nil {
		return nil, accountkit.Errorf(accountkit.Unauthenticated, "authentication required")
	}
	if !p.System {
		return nil, accountkit.Errorf(accountkit.Forbidden, "only the host application creates main accounts")
	}
	a, err := s.newAccount(in, nil)
	if err != nil {
		return nil, err
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateAccount(ctx, a); err != nil {
			return s.slugConflict(err)
		}
		return s.audit.Record(ctx, createdEntry(a))
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// CreateSub creates a sub-account below parentID. It requires
// PermAccountsManage in the parent; the parent must be enabled and the new
// account may lie at most MaxDepth levels below its main account.
// Errors: Unauthenticated, NotFound, Forbidden, Invalid, Conflict.
func (s *Service) CreateSub(ctx context.Context, parentID string, in CreateInput) (*Account, error) {
	entry := createEntry(parentID, in.Name)
	var a *Account
	err := s.audit.Run(ctx, entry, func(ctx context.Context) error {
		if _, err := s.authz.Require(ctx, security.PermAccountsManage, parentID); err != nil {
			return err
		}
		parent, err := s.store.GetAccount(ctx, parentID)
		if err != nil {
			return err
		}
		if parent.Status != StatusEnabled {
			return accountkit.Errorf(accountkit.Invalid, "the parent account is disabled")
		}
		if parent.Depth() >= MaxDepth {
			return accountkit.Errorf(accountkit.LimitExceeded, "sub-accounts may be nested at most %d levels deep", MaxDepth)
		}
		a, err = s.newAccount(in, parent)
		if err != nil {
			return err
		}
		if err := s.store.CreateAccount(ctx, a); err != nil {
			return s.slugConflict(err)
		}
		// A sub-account starts with a copy of its parent's own security
		// settings (not of what the parent enforces on its subtree: that
		// reaches the sub-account through ResolvePolicy, now and later).
		if st, err := s.store.GetSecuritySettings(ctx, parent.ID); err == nil {
			st.AccountID, st.UpdatedAt, st.Enforced = a.ID, a.CreatedAt, nil
			if err := s.store.PutSecuritySettings(ctx, st); err != nil {
				return err
			}
		} else if accountkit.ErrorCode(err) != accountkit.NotFound {
			return err
		}
		entry.AccountID, entry.TargetID = a.ID, a.ID
		return nil
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

func createEntry(parentID, name string) *audit.Entry {
	return &audit.Entry{AccountID: parentID, Item: audit.ItemAccount, Action: audit.ActionCreate,
		Description: "Account created.", FailureDescription: "Account creation failed.", TargetType: "account", TargetName: name}
}

func updateEntry(id string) *audit.Entry {
	return &audit.Entry{AccountID: id, Item: audit.ItemAccount, Action: audit.ActionUpdate,
		Description: "Account updated.", FailureDescription: "Account update failed.", TargetType: "account", TargetID: id}
}

// refused records the failure of an auditable request that was refused
// before it reached the service (a malformed or oversized body).
func (s *Service) refused(ctx context.Context, e *audit.Entry, err error) {
	s.audit.RecordFailure(ctx, *e, err)
}

func createdEntry(a *Account) audit.Entry {
	return audit.Entry{AccountID: a.ID, Item: audit.ItemAccount, Action: audit.ActionCreate,
		Description: "Account created.", TargetType: "account", TargetID: a.ID, TargetName: a.Name}
}

func (s *Service) newAccount(in CreateInput, parent *Account) (*Account, error) {
	var v accountkit.Validation
	name, slug := strings.TrimSpace(in.Name), in.Slug
	v.Text("name", name, 1, MaxNameLength)
	if msg := ValidateSlug(slug); msg != "" {
		v.Add("slug", msg)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.rt.Now()
	a := &Account{ID: s.rt.IDs.NewID(), Name: name, Slug: slug, Status: StatusEnabled, CreatedAt: now, UpdatedAt: now}
	if parent != nil {
		a.ParentID = parent.ID
		a.Ancestry = append(slices.Clone(parent.Ancestry), a.ID)
	} else {
		a.Ancestry = []string{a.ID}
	}
	return a, nil
}

func (s *Service) slugConflict(err error) error {
	if accountkit.ErrorCode(err) == accountkit.Conflict {
		return &accountkit.Error{Code: accountkit.Conflict, Message: "slug: already taken",
			Fields: []accountkit.FieldError{{Field: "slug", Message: "already taken"}}}
	}
	return err
}

// ValidateSlug returns "" when s is a valid slug, else what is wrong with
// it. A slug has 3 to 63 characters: lower-case ASCII letters, digits and
// single hyphens, starting with a letter and not ending with a hyphen.
func ValidateSlug(s string) string {
	if len(s) < MinSlugLength || len(s) > MaxSlugLength {
		return "must be 3 to 63 characters"
	}
	if s[0] < 'a' || s[0] > 'z' {
		return "must start with a lower-case letter"
	}
	if s[len(s)-1] == '-' || strings.Contains(s, "--") {
		return "must not end with a hyphen or contain two in a row"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return "may contain only lower-case letters, digits and hyphens"
		}
	}
	return ""
}

// Get returns an account. A principal may read its own account and, with
// PermAccountsManage, any account below it. Errors: Unauthenticated,
// NotFound, Forbidden.
func (s *Service) Get(ctx context.Context, id string) (_ *Account, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	p := security.PrincipalFrom(ctx)
	if p == nil {
		return nil, accountkit.Errorf(accountkit.Unauthenticated, "authentication required")
	}
	if p.System || id != p.AccountID {
		if _, err := s.authz.Require(ctx, security.PermAccountsManage, id); err != nil {
			return nil, err
		}
	} else if err := s.authz.InTree(ctx, id); err != nil {
		return nil, err
	}
	return s.store.GetAccount(ctx, id)
}

// GetBySlug returns the account with the slug, under the same rules as Get.
func (s *Service) GetBySlug(ctx context.Context, slug string) (_ *Account, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	if ValidateSlug(slug) != "" {
		return nil, accountkit.Errorf(accountkit.NotFound, "account not found")
	}
	a, err := s.store.GetAccountBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, a.ID)
}

// Update changes an account's name or slug. It requires PermAccountsManage
// in the account (Account Managers may rename their own account) and is
// audited. Errors: Unauthenticated, NotFound, Forbidden, Invalid, Conflict.
func (s *Service) Update(ctx context.Context, id string, u Update) (*Account, error) {
	entry := updateEntry(id)
	var a *Account
	err := s.audit.Run(ctx, entry, func(ctx context.Context) error {
		if _, err := s.authz.Require(ctx, security.PermAccountsManage, id); err != nil {
			return err
		}
		var v accountkit.Validation
		if u.Name == nil && u.Slug == nil {
			v.Add("name", "nothing to update: give name or slug")
		}
		if u.Name != nil {
			v.Text("name", strings.TrimSpace(*u.Name), 1, MaxNameLength)
		}
		if u.Slug != nil {
			if msg := ValidateSlug(*u.Slug); msg != "" {
				v.Add("slug", msg)
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		var err error
		if a, err = s.store.GetAccount(ctx, id); err != nil {
			return err
		}
		entry.Details = map[string]string{}
		if u.Name != nil {
			entry.Details["old_name"], a.Name = a.Name, strings.TrimSpace(*u.Name)
		}
		if u.Slug != nil {
			entry.Details["old_slug"], a.Slug = a.Slug, *u.Slug
		}
		entry.TargetName = a.Name
		a.UpdatedAt = s.rt.Now()
		return s.slugConflict(s.store.UpdateAccount(ctx, a))
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Enable enables a sub-account. See SetStatus.
func (s *Service) Enable(ctx context.Context, id string) (*Account, error) {
	return s.SetStatus(ctx, id, StatusEnabled)
}

// Disable disables a sub-account. See SetStatus.
func (s *Service) Disable(ctx context.Context, id string) (*Account, error) {
	return s.SetStatus(ctx, id, StatusDisabled)
}

// SetStatus enables or disables an account. Only a holder of
// PermAccountsManage in an ancestor may do it — nobody disables their own
// account — and main accounts change status only through the system
// principal. Users of a disabled account (or of any account below it)
// cannot sign in, and their sessions end (the Disabled event). Audited.
// Errors: Unauthenticated, NotFound, Forbidden, Invalid.
func (s *Service) SetStatus(ctx context.Context, id string, status Status) (*Account, error) {
	action, desc, fail := audit.ActionEnable, "Account enabled.", "Enabling account failed."
	if status == StatusDisabled {
		action, desc, fail = audit.ActionDisable, "Account disabled.", "Disabling account failed."
	}
	entry := &audit.Entry{AccountID: id, Item: audit.ItemAccount, Action: action,
		Description: desc, FailureDescription: fail, TargetType: "account", TargetID: id}
	var a *Account
	err := s.audit.Run(ctx, entry, func(ctx context.Context) error {
		p, err := s.authz.Require(ctx, security.PermAccountsManage, id)
		if err != nil {
			return err
		}
		if status != StatusEnabled && status != StatusDisabled {
			return accountkit.InvalidField("status", "must be enabled or disabled")
		}
		if a, err = s.store.GetAccount(ctx, id); err != nil {
			return err
		}
		entry.TargetName = a.Name
		if !p.System && (a.ID == p.AccountID || a.IsMain()) {
			return accountkit.Errorf(accountkit.Forbidden, "an account's status is changed from an account above it")
		}
		if a.Status == status {
			return nil // idempotent; still audited
		}
		a.Status = status
		a.UpdatedAt = s.rt.Now()
		if err := s.store.UpdateAccount(ctx, a); err != nil {
			return err
		}
		if status == StatusDisabled {
			return accountkit.Publish(ctx, s.rt.Events, Disabled{Account: a})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// ListInput selects sub-accounts of ParentID (default: the principal's
// account).
type ListInput struct {
	ParentID string
	// Descendants lists every account below ParentID, not only its children.
	Descendants bool
	Search      string
	Status      string
	Cursor      string
	Limit       int
}

// Page is one page of accounts and the cursor of the next ("" at the end).
type Page struct {
	Accounts   []*Account
	NextCursor string
}

// List returns the sub-accounts of an account ordered by slug. It requires
// PermAccountsManage in that account. Errors: Unauthenticated, NotFound,
// Forbidden, Invalid.
func (s *Service) List(ctx context.Context, in ListInput) (_ *Page, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	p := security.PrincipalFrom(ctx)
	if p == nil {
		return nil, accountkit.Errorf(accountkit.Unauthenticated, "authentication required")
	}
	if in.ParentID == "" {
		in.ParentID = p.AccountID
	}
	if _, err := s.authz.Require(ctx, security.PermAccountsManage, in.ParentID); err != nil {
		return nil, err
	}
	var v accountkit.Validation
	limit, after := v.Page(accountkit.PageRequest{Limit: in.Limit, Cursor: in.Cursor})
	f := Filter{Search: v.Search("q", in.Search), Limit: limit + 1}
	if in.Status != "" {
		st := Status(in.Status)
		if st != StatusEnabled && st != StatusDisabled {
			v.Add("status", "must be enabled or disabled")
		}
		f.Status = &st
	}
	if after != nil {
		if ValidateSlug(after.Key) != "" {
			v.BadCursor()
		}
		f.AfterSlug = after.Key
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if in.Descendants {
		f.DescendantOf = &in.ParentID
	} else {
		f.ParentID = &in.ParentID
	}
	list, err := s.store.ListAccounts(ctx, f)
	if err != nil {
		return nil, err
	}
	page := &Page{}
	page.Accounts, page.NextCursor = accountkit.NextPage(list, limit, func(a *Account) accountkit.Cursor {
		return accountkit.Cursor{Key: a.Slug, ID: a.ID}
	})
	return page, nil
}

// Current returns the principal's own account. Errors: Unauthenticated,
// NotFound (the system principal has no account).
func (s *Service) Current(ctx context.Context) (_ *Account, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	p := security.PrincipalFrom(ctx)
	if p == nil {
		return nil, accountkit.Errorf(accountkit.Unauthenticated, "authentication required")
	}
	if p.AccountID == "" {
		return nil, accountkit.Errorf(accountkit.NotFound, "account not found")
	}
	return s.store.GetAccount(ctx, p.AccountID)
}
