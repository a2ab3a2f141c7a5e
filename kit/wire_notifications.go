package kit

import (
	"context"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/apikeys"
	"github.com/accountkit/accountkit/notifications"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/users"
)

// wireNotificationsAndKeys builds the notifications and API key services,
// defaulting their options to the kit's.
func (k *Kit) wireNotificationsAndKeys(opts Options) {
	st := opts.Store
	no := opts.Notifications
	if no.Clock == nil {
		no.Clock = opts.Clock
	}
	if no.IDs == nil {
		no.IDs = opts.IDs
	}
	if no.Logger == nil {
		no.Logger = opts.Logger
	}
	k.Notifications = notifications.NewService(st, st, st, k.Authorizer, k.Recorder, no)
	ko := opts.APIKeys
	if ko.Clock == nil {
		ko.Clock = opts.Clock
	}
	if ko.IDs == nil {
		ko.IDs = opts.IDs
	}
	if ko.Logger == nil {
		ko.Logger = opts.Logger
	}
	if ko.Registry == nil {
		ko.Registry = k.Users.Registry()
	}
	if ko.Creator == nil {
		ko.Creator = func(ctx context.Context, userID string) (security.PermissionSet, bool, error) {
			return k.keyCreator(ctx, st, userID)
		}
	}
	k.APIKeys = apikeys.NewService(st, st, st, k.Authorizer, k.Recorder, ko)
}

// keyCreator implements apikeys.Options.Creator with the users service: a
// deleted or disabled creator may not act (a locked one may: locking stops
// interactive sign-in, and anyone can trigger it with wrong passwords).
func (k *Kit) keyCreator(ctx context.Context, st users.Store, userID string) (security.PermissionSet, bool, error) {
	u, err := st.GetUser(ctx, userID)
	if accountkit.ErrorCode(err) == accountkit.NotFound {
		return security.PermissionSet{}, false, nil
	}
	if err != nil {
		return security.PermissionSet{}, false, err
	}
	if u.Status == users.StatusDisabled {
		return security.PermissionSet{}, false, nil
	}
	perms, err := k.Users.EffectivePermissions(ctx, u)
	return perms, err == nil, err
}
