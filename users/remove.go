package users

import (
	"context"
	"slices"
	"strings"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/security"
)

// Delete deletes a user for good: the user, their role grants, sessions,
// links and codes, TOTP enrollment, team memberships, SSO identity links,
// seat and notification inbox go in one transaction, after
// the Leaving event (the seats package frees the seat there, logged, and
// the apikeys package revokes the API keys the user created). The audit log and the seat log keep
// their history, which names the user. Nobody can delete themselves, nor
// the last active Account Manager of the main account. Requires
// PermUsersManage in the user's account. Audited ("User deleted.").
// Errors: Unauthenticated, NotFound (unknown, or outside the principal's
// tree), Forbidden.
func (s *Service) Delete(ctx context.Context, id string) error {
	entry := s.entry(nil, audit.ItemUser, audit.ActionDelete, "User deleted.", "User deletion failed.")
	entry.TargetID = id
	return s.audit.Run(ctx, entry, func(ctx context.Context) error {
		u, p, err := s.userInTree(ctx, security.PermUsersManage, id, true)
		if err != nil {
			return err
		}
		entry.AccountID, entry.TargetName = u.AccountID, u.Username
		entry.Details = map[string]string{"email": u.Email}
		if u.ID == p.UserID {
			return accountkit.Errorf(accountkit.Forbidden, "you cannot delete yourself")
		}
		gone := *u
		gone.Roles, gone.Status = nil, StatusDisabled
		if err := s.guardLastManager(ctx, u, &gone); err != nil {
			return err
		}
		if err := s.leaving(ctx, u, LeavingDeleted); err != nil {
			return err
		}
		return s.store.DeleteUser(ctx, u.ID)
	})
}

// Move moves a user to another account of the same tree (the main account
// or any sub-account). The user keeps their password, TOTP, tokens and
// inbox; their sessions end; their team memberships (teams belong to the
// old account) and SSO identity links go; custom roles not usable in the
// new account are dropped, and the roles kept must hold only permissions
// the principal holds. The Leaving event is published first (the seat is
// freed there, logged, and the API keys the user created are revoked). The last
// active Account Manager of the main account cannot leave it. Requires
// PermUsersManage in both accounts. Audited ("User moved.", details from
// and to). Errors: Unauthenticated, NotFound (user or account unknown or
// outside the principal's tree), Forbidden, Invalid (same account,
// disabled account).
func (s *Service) Move(ctx context.Context, id, toAccountID string) (*User, error) {
	entry := s.entry(nil, audit.ItemUser, audit.ActionMove, "User moved.", "User move failed.")
	entry.TargetID = id
	var out *User
	err := s.audit.Run(ctx, entry, func(ctx context.Context) error {
		u, _, err := s.userInTree(ctx, security.PermUsersManage, id, true)
		if err != nil {
			return err
		}
		entry.AccountID, entry.TargetName = u.AccountID, u.Username
		entry.Details = map[string]string{"from_account_id": u.AccountID, "to_account_id": toAccountID}
		to, err := s.moveTarget(ctx, u, toAccountID)
		if err != nil {
			return err
		}
		var kept []string
		for _, k := range u.Roles {
			if _, err := s.rolePermissions(ctx, to.ID, k); err != nil {
				if accountkit.ErrorCode(err) == accountkit.Invalid {
					continue // a custom role of an account the user leaves
				}
				return err
			}
			kept = append(kept, k)
		}
		if kept, err = s.CheckRoleGrants(ctx, to.ID, kept); err != nil {
			return err
		}
		after := *u
		after.AccountID, after.Roles = to.ID, kept
		if err := s.guardLastManager(ctx, u, &after); err != nil {
			return err
		}
		if err := s.leaving(ctx, u, LeavingMoved); err != nil {
			return err
		}
		if err := s.store.MoveUser(ctx, u.ID, to.ID); err != nil {
			return err
		}
		dropped := without(u.Roles, kept)
		u.AccountID, u.Roles, u.UpdatedAt = to.ID, kept, s.now()
		if err := s.store.UpdateUser(ctx, u); err != nil {
			return err
		}
		if len(dropped) > 0 {
			entry.Details["roles_dropped"] = joinKeys(dropped)
		}
		out = u
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// moveTarget checks the account u moves to: in the principal's tree with
// PermUsersManage, in u's tree, enabled, and not u's own account.
func (s *Service) moveTarget(ctx context.Context, u *User, toAccountID string) (*account.Account, error) {
	notFound := accountkit.Errorf(accountkit.NotFound, "account not found")
	if _, err := s.authz.Require(ctx, security.PermUsersManage, toAccountID); err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			return nil, notFound
		}
		return nil, err
	}
	to, err := s.store.GetAccount(ctx, toAccountID)
	if err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			return nil, notFound
		}
		return nil, err
	}
	switch {
	case to.MainID() != u.MainAccountID:
		return nil, notFound
	case to.ID == u.AccountID:
		return nil, accountkit.InvalidField("account_id", "the user is already in this account")
	}
	enabled, err := account.PathEnabled(ctx, s.store, to.ID)
	if err != nil {
		return nil, err
	}
	if !enabled {
		return nil, accountkit.InvalidField("account_id", "the account is disabled")
	}
	return to, nil
}

func joinKeys(keys []string) string {
	keys = slices.Clone(keys)
	slices.Sort(keys)
	return strings.Join(keys, ",")
}
