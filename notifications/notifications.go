// Package notifications owns in-app notifications: the notification types,
// publishing a notification to the active users of an account, each user's
// inbox (read/unread) and their per-type subscriptions, and the
// account-level view Account Managers use for sub-accounts.
//
// It imports the root package, security, audit, account and users (to find
// the recipients), and must not import auth, teams, seats, apikeys, sso,
// storage or kit. It lives outside the account package, which users
// imports.
package notifications

import (
	"time"

	"github.com/accountkit/accountkit/audit"
)

// Type is a kind of notification. Hosts register their own with
// Options.Types.
type Type string

// The built-in types, named as in the product's Subscriptions tab.
const (
	LowAccountBalance Type = "low_account_balance"
	AccountBalance    Type = "account_balance"
	CampaignEvents    Type = "campaign_events"
)

// TypeInfo describes a notification type to users.
type TypeInfo struct {
	Type        Type   `json:"type"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// BuiltinTypes are the types every installation has.
var BuiltinTypes = []TypeInfo{
	{LowAccountBalance, "Low account balance", "The account balance fell below its threshold."},
	{AccountBalance, "Account balance", "The account balance changed."},
	{CampaignEvents, "Campaign events", "A campaign started, finished or needs attention."},
}

// ItemNotification is the audit item of notification events.
const ItemNotification audit.Item = "Notification"

// Limits on published notifications.
const (
	MaxTitleLength = 200
	MaxBodyLength  = 4000
)

// Notification is one published notification of an account.
type Notification struct {
	ID        string
	AccountID string
	Type      Type
	Title     string
	Body      string
	CreatedAt time.Time
	// Recipients is how many users it was delivered to in-app.
	Recipients int
}

// Delivery puts a notification in one user's inbox.
type Delivery struct {
	NotificationID string
	UserID         string
	AccountID      string
	// CreatedAt is the notification's CreatedAt (the inbox's sort key).
	CreatedAt time.Time
}

// InboxItem is a notification as one user sees it.
type InboxItem struct {
	Notification
	UserID string
	// ReadAt is nil while unread.
	ReadAt *time.Time
}

// Cursor is a position in a newest-first list: the time and ID of the last
// item of a page.
type Cursor struct {
	Time time.Time
	ID   string
}

// ListFilter selects the published notifications of an account, newest
// first.
type ListFilter struct {
	AccountID string
	Before    *Cursor
	// Limit > 0 caps the number returned; 0 returns every match (the
	// service always sets it).
	Limit int
}

// InboxFilter selects a user's notifications, newest first.
type InboxFilter struct {
	UserID     string
	UnreadOnly bool
	Before     *Cursor
	// Limit > 0 caps the number returned; 0 returns every match (the
	// service always sets it).
	Limit int
}

// OptOut records that a user does not want notifications of a type. Users
// are subscribed to every type unless they opt out.
type OptOut struct {
	UserID    string
	AccountID string
	Type      Type
}

// Subscription tells whether the user receives a type.
type Subscription struct {
	TypeInfo
	Subscribed bool `json:"subscribed"`
}
