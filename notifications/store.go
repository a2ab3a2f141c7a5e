package notifications

import (
	"context"
	"time"

	"github.com/accountkit/accountkit/users"
)

// Store is what the notifications package needs from storage:
// notifications, deliveries and opt-outs, and through users.Store the
// recipients, accounts and audit log. Adapters implement it; storagetest
// checks them.
type Store interface {
	users.Store

	// CreateNotification stores n. Errors: Conflict when the ID exists.
	CreateNotification(ctx context.Context, n *Notification) error
	// ListNotifications returns the account's notifications newest first
	// (CreatedAt, then ID, descending).
	ListNotifications(ctx context.Context, f ListFilter) ([]*Notification, error)
	// CreateDeliveries stores the deliveries. Errors: Conflict when one
	// (notification, user) pair exists.
	CreateDeliveries(ctx context.Context, ds []*Delivery) error
	// ListInbox returns the user's deliveries with their notifications,
	// newest first (CreatedAt, then notification ID, descending).
	ListInbox(ctx context.Context, f InboxFilter) ([]*InboxItem, error)
	// MarkRead sets ReadAt of the user's delivery of the notification when
	// it is unread. Errors: NotFound when the user has no such delivery.
	MarkRead(ctx context.Context, userID, notificationID string, at time.Time) error
	// MarkAllRead sets ReadAt of every unread delivery of the user and
	// returns how many it changed.
	MarkAllRead(ctx context.Context, userID string, at time.Time) (int, error)
	// CountUnread counts the user's unread deliveries.
	CountUnread(ctx context.Context, userID string) (int, error)
	// PutOptOut records an opt-out; recording it twice is not an error.
	PutOptOut(ctx context.Context, o OptOut) error
	// DeleteOptOut removes an opt-out; removing a missing one is not an
	// error.
	DeleteOptOut(ctx context.Context, userID string, t Type) error
	// ListOptOuts returns the types the user opted out of, sorted.
	ListOptOuts(ctx context.Context, userID string) ([]Type, error)
	// ListOptedOutUsers returns the IDs of the account's users who opted
	// out of the type, sorted.
	ListOptedOutUsers(ctx context.Context, accountID string, t Type) ([]string, error)
}
