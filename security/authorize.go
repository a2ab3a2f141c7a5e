package security

import (
	"context"
	"slices"

	"github.com/accountkit/accountkit"
)

// AccountTree answers where an account lies in its tree. The storage
// adapters implement it.
type AccountTree interface {
	// AccountAncestry returns the IDs from the main account down to
	// accountID, inclusive, so the last element is accountID itself.
	// Errors: NotFound.
	AccountAncestry(ctx context.Context, accountID string) ([]string, error)
}

// Authorizer checks that the principal in a context may act on an account.
type Authorizer struct {
	tree AccountTree
}

// NewAuthorizer returns an Authorizer that resolves accounts through tree.
func NewAuthorizer(tree AccountTree) *Authorizer { return &Authorizer{tree: tree} }

// Require checks that the principal in ctx holds perm and that accountID is
// the principal's account or lies below it. It returns Unauthenticated when
// ctx has no principal, NotFound when the account does not exist or lies
// outside the principal's tree (the two are indistinguishable on purpose, so
// IDs cannot be probed) and Forbidden when the permission is missing.
func (a *Authorizer) Require(ctx context.Context, perm Permission, accountID string) (*Principal, error) {
	p := PrincipalFrom(ctx)
	if p == nil {
		return nil, accountkit.Errorf(accountkit.Unauthenticated, "authentication required")
	}
	if err := a.InTree(ctx, accountID); err != nil {
		return nil, err
	}
	if !p.System && !p.Permissions.Has(perm) {
		return nil, accountkit.Errorf(accountkit.Forbidden, "permission %q required", perm)
	}
	return p, nil
}

// InTree checks that accountID exists and is the principal's account or lies
// below it, without checking a permission. The principal's own account
// needs no lookup: authenticators only make principals of existing,
// enabled accounts, and this is the check every request makes. Errors:
// Unauthenticated, NotFound.
func (a *Authorizer) InTree(ctx context.Context, accountID string) error {
	p := PrincipalFrom(ctx)
	if p == nil {
		return accountkit.Errorf(accountkit.Unauthenticated, "authentication required")
	}
	notFound := accountkit.Errorf(accountkit.NotFound, "account not found")
	if !accountkit.ValidID(accountID) {
		return notFound
	}
	if !p.System && accountID == p.AccountID {
		return nil
	}
	path, err := a.tree.AccountAncestry(ctx, accountID)
	if err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			return notFound
		}
		return err
	}
	if p.System || slices.Contains(path, p.AccountID) {
		return nil
	}
	return notFound
}

// Resolve is the one tenant check on a record named by a client-supplied
// ID. It loads the record with load and checks, like Require, that the
// principal in ctx holds perm in the record's account (accountOf) and that
// the account is the principal's or lies below it; an empty perm checks
// the tree only. A malformed ID, an unknown one and one outside the
// principal's tree all answer notFound, so IDs cannot be probed; other
// failures (Unauthenticated, Forbidden, store errors) are returned as they
// are. The record is read before any lock is taken: callers that need the
// row locked lock it after Resolve succeeds, so no tenant ever locks
// another's rows.
func Resolve[T any](ctx context.Context, a *Authorizer, perm Permission, id string, notFound error,
	load func(context.Context, string) (T, error), accountOf func(T) string) (T, *Principal, error) {
	var zero T
	p := PrincipalFrom(ctx)
	if p == nil {
		return zero, nil, accountkit.Errorf(accountkit.Unauthenticated, "authentication required")
	}
	if !accountkit.ValidID(id) {
		return zero, nil, notFound
	}
	rec, err := load(ctx, id)
	if err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			return zero, nil, notFound
		}
		return zero, nil, err
	}
	if perm == "" {
		err = a.InTree(ctx, accountOf(rec))
	} else {
		_, err = a.Require(ctx, perm, accountOf(rec))
	}
	if err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			return zero, nil, notFound
		}
		return zero, nil, err
	}
	return rec, p, nil
}
