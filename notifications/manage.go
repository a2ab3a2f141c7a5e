package notifications

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/users"
)

// The managers' side of subscriptions: an Account Manager sees and
// changes the subscriptions of the users of an account of their tree
// (their own account or a sub-account), as the product's console shows
// them. The users' own side is Subscriptions and SetSubscriptions.

// MemberSubscriptions is a user of an account with the types they
// receive.
type MemberSubscriptions struct {
	User          *users.User
	Subscriptions []Subscription
}

// MembersInput pages the users of an account for AccountSubscriptions.
type MembersInput struct {
	// AccountID is the account whose users are listed (default: the
	// principal's account).
	AccountID string
	// Search is a word search over usernames, names and email.
	Search string
	Cursor string
	Limit  int
}

// MembersPage is one page of AccountSubscriptions.
type MembersPage struct {
	Members    []*MemberSubscriptions
	NextCursor string
}

// AccountSubscriptions lists the users of one account, ordered by
// username, each with every notification type and whether they receive
// it. It requires PermUsersManage in the account. Errors:
// Unauthenticated, NotFound (also for an account of another tree),
// Forbidden, Invalid.
func (s *Service) AccountSubscriptions(ctx context.Context, in MembersInput) (*MembersPage, error) {
	p := security.PrincipalFrom(ctx)
	if p == nil {
		return nil, accountkit.Errorf(accountkit.Unauthenticated, "authentication required")
	}
	if in.AccountID == "" {
		in.AccountID = p.AccountID
	}
	if _, err := s.authz.Require(ctx, security.PermUsersManage, in.AccountID); err != nil {
		return nil, err
	}
	list, next, err := users.AccountPage(ctx, s.store, in.AccountID, in.Search, accountkit.PageRequest{Limit: in.Limit, Cursor: in.Cursor})
	if err != nil {
		return nil, err
	}
	page := &MembersPage{NextCursor: next}
	for _, u := range list {
		subs, err := s.subscriptions(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		page.Members = append(page.Members, &MemberSubscriptions{User: u, Subscriptions: subs})
	}
	return page, nil
}

// UserSubscriptions returns every type and whether the user receives it.
// It requires PermUsersManage in the user's account. Errors:
// Unauthenticated, NotFound (also for a user of another tree), Forbidden.
func (s *Service) UserSubscriptions(ctx context.Context, userID string) ([]Subscription, error) {
	u, err := s.managedUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	return s.subscriptions(ctx, u.ID)
}

// SetUserSubscriptions subscribes (true) or unsubscribes (false) a user
// of the manager's tree for each type given; types not given stay as they
// are. It requires PermUsersManage in the user's account. Audited in the
// user's account as "Notification subscriptions updated.", naming the
// user. Errors: Unauthenticated, NotFound (also for a user of another
// tree), Forbidden, Invalid (unknown type, nothing given).
func (s *Service) SetUserSubscriptions(ctx context.Context, userID string, set map[Type]bool) ([]Subscription, error) {
	p := security.PrincipalFrom(ctx)
	accountID := ""
	if p != nil {
		accountID = p.AccountID
	}
	u, err := s.managedUser(ctx, userID)
	if err != nil {
		// Probing IDs of other trees leaves no trace in their log, and
		// one that is refused for the permission is recorded.
		if accountkit.ErrorCode(err) == accountkit.Forbidden {
			s.audit.RecordFailure(ctx, *SubscriptionsEntry(accountID), err)
		}
		return nil, err
	}
	e := SubscriptionsEntry(u.AccountID)
	e.TargetID, e.TargetName, e.TargetType = u.ID, u.Username, "user"
	var out []Subscription
	err = s.audit.Run(ctx, e, func(ctx context.Context) error {
		var v accountkit.Validation
		if len(set) == 0 {
			v.Add("subscriptions", "give at least one type")
		}
		for _, t := range slices.Sorted(maps.Keys(set)) {
			if !s.known(t) {
				v.Add("subscriptions."+clip(string(t), 64), "unknown notification type")
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		e.Details = map[string]string{}
		for t, on := range set {
			var err error
			if on {
				err = s.store.DeleteOptOut(ctx, u.ID, t)
			} else {
				err = s.store.PutOptOut(ctx, OptOut{UserID: u.ID, AccountID: u.AccountID, Type: t})
			}
			if err != nil {
				return err
			}
			e.Details[string(t)] = fmt.Sprint(on)
		}
		var err error
		out, err = s.subscriptions(ctx, u.ID)
		return err
	})
	return out, err
}

// managedUser returns a user of the principal's tree whose account the
// principal manages users of.
func (s *Service) managedUser(ctx context.Context, userID string) (*users.User, error) {
	if security.PrincipalFrom(ctx) == nil {
		return nil, accountkit.Errorf(accountkit.Unauthenticated, "authentication required")
	}
	notFound := accountkit.Errorf(accountkit.NotFound, "user not found")
	if !accountkit.ValidID(userID) {
		return nil, notFound
	}
	u, err := s.store.GetUser(ctx, userID)
	if accountkit.ErrorCode(err) == accountkit.NotFound {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	if _, err := s.authz.Require(ctx, security.PermUsersManage, u.AccountID); err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			return nil, notFound
		}
		return nil, err
	}
	return u, nil
}
