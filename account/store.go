package account

import (
	"context"

	"github.com/accountkit/accountkit/audit"
)

// Store is what the account package needs from storage: accounts, their
// security settings (SettingsStore, settings.go) and customization
// (CustomizationStore, customization.go), and the audit log the changes
// are recorded in. Adapters implement it; storagetest checks them.
type Store interface {
	audit.Store
	SettingsStore
	CustomizationStore

	// CreateAccount stores a. Errors: Conflict when the ID or slug exists.
	CreateAccount(ctx context.Context, a *Account) error
	// GetAccount returns the account with the ID. Errors: NotFound.
	GetAccount(ctx context.Context, id string) (*Account, error)
	// GetAccountBySlug returns the account with the slug. Errors: NotFound.
	GetAccountBySlug(ctx context.Context, slug string) (*Account, error)
	// UpdateAccount saves a's Name, Slug, Status and UpdatedAt.
	// Errors: NotFound, Conflict when the slug is taken.
	UpdateAccount(ctx context.Context, a *Account) error
	// ListAccounts returns the accounts matching f ordered by slug.
	ListAccounts(ctx context.Context, f Filter) ([]*Account, error)
	// AccountAncestry returns the IDs from the main account down to id,
	// inclusive. Errors: NotFound.
	AccountAncestry(ctx context.Context, id string) ([]string, error)
	// AccountSubtree returns id and the IDs of every account below it.
	// Errors: NotFound.
	AccountSubtree(ctx context.Context, id string) ([]string, error)
	// LockAccount locks the account's row until the transaction in ctx ends
	// (a no-op on adapters that serialize whole transactions). Errors:
	// NotFound.
	LockAccount(ctx context.Context, id string) error
}
