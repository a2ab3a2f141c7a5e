// Package account owns accounts: main accounts and the tree of sub-accounts
// below them, their status, their security settings and their
// customization.
//
// It imports the root package, security, internal/httpx and audit, and
// must not import users or any package above it.
package account

import (
	"context"
	"strings"
	"time"
)

// Status is an account's status.
type Status string

// The statuses.
const (
	StatusEnabled  Status = "enabled"
	StatusDisabled Status = "disabled"
)

// MaxDepth is how many levels of sub-accounts may lie below a main account.
const MaxDepth = 5

// Account is a main account (ParentID == "") or a sub-account.
type Account struct {
	ID string
	// ParentID is "" for a main account.
	ParentID string
	// Ancestry lists the IDs from the main account down to this account,
	// inclusive: Ancestry[0] is the main account, the last is ID.
	Ancestry []string
	Name     string
	// Slug is unique across the installation, lower-case and URL-safe.
	Slug      string
	Status    Status
	CreatedAt time.Time
	UpdatedAt time.Time
}

// MainID returns the ID of the main account of a's tree.
func (a *Account) MainID() string { return a.Ancestry[0] }

// Depth returns 0 for a main account, 1 for its sub-accounts, and so on.
func (a *Account) Depth() int { return len(a.Ancestry) - 1 }

// IsMain reports whether a is a main account.
func (a *Account) IsMain() bool { return a.ParentID == "" }

// SearchText returns the lower-cased text that Filter.Search matches.
func (a *Account) SearchText() string { return strings.ToLower(a.Name + "\n" + a.Slug) }

// Filter selects accounts. Results are ordered by Slug ascending.
type Filter struct {
	// ParentID keeps the direct children of an account.
	ParentID *string
	// DescendantOf keeps every account below an account, at any depth.
	DescendantOf *string
	// Search keeps accounts whose name or slug contains it, ignoring case.
	Search string
	Status *Status
	// AfterSlug continues after the last account of a previous page.
	AfterSlug string
	// Limit caps the number returned (always set by the service).
	Limit int
}

// Update changes an account; nil fields stay as they are.
type Update struct {
	Name *string `json:"name,omitempty"`
	Slug *string `json:"slug,omitempty"`
}

// Getter reads one account; account.Store and the storage adapters
// implement it.
type Getter interface {
	GetAccount(ctx context.Context, id string) (*Account, error)
}

// PathEnabled reports whether the account and every account above it are
// enabled: disabling an account disables its whole subtree. It reads the
// account, then only its ancestors (none for a main account). Errors:
// NotFound.
func PathEnabled(ctx context.Context, g Getter, id string) (bool, error) {
	a, err := g.GetAccount(ctx, id)
	if err != nil {
		return false, err
	}
	if a.Status != StatusEnabled {
		return false, nil
	}
	for _, up := range a.Ancestry[:len(a.Ancestry)-1] {
		b, err := g.GetAccount(ctx, up)
		if err != nil {
			return false, err
		}
		if b.Status != StatusEnabled {
			return false, nil
		}
	}
	return true, nil
}
