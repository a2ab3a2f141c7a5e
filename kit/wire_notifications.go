package kit

import (
	"github.com/accountkit/accountkit/apikeys"
	"github.com/accountkit/accountkit/notifications"
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
	k.APIKeys = apikeys.NewService(st, st, st, k.Authorizer, k.Recorder, ko)
}
