package notifications

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/users"
)

// Published is what the delivery hook receives after a notification was
// committed: the notification and the users it was delivered to in-app.
type Published struct {
	Notification *Notification
	Recipients   []*users.User
}

// Options configures a Service. Zero fields take defaults.
type Options struct {
	// Types are the host's own notification types, added to BuiltinTypes.
	Types []TypeInfo
	// Deliver, when set, is called after a notification was committed,
	// e.g. to send it by email. Its error is logged, not returned: the
	// in-app notification stands. It runs in the publishing goroutine with
	// a context that is not cancelled with the caller's but ends after the
	// Runtime's DetachTimeout.
	Deliver func(ctx context.Context, p Published) error
}

// Service publishes notifications and serves inboxes and subscriptions.
// All rules about notifications live here.
type Service struct {
	store Store
	authz *security.Authorizer
	audit *audit.Recorder
	rt    accountkit.Runtime
	opts  Options
	types []TypeInfo
}

// Deps is what the service needs from the installation.
type Deps struct {
	accountkit.Runtime
	Store Store
}

// NewService returns a notifications Service. It fails when deps lack the
// Store or the Runtime's Events, or a host type is malformed or registered
// twice.
func NewService(deps Deps, opts Options) (*Service, error) {
	rec, err := audit.NewRecorder(deps.Store, deps.Runtime)
	if err != nil {
		return nil, err
	}
	rt, _ := deps.Runtime.WithDefaults()
	types := slices.Clone(BuiltinTypes)
	for _, t := range opts.Types {
		if !validType(t.Type) || t.Name == "" {
			return nil, fmt.Errorf("notifications: invalid type %q", t.Type)
		}
		if slices.ContainsFunc(types, func(x TypeInfo) bool { return x.Type == t.Type }) {
			return nil, fmt.Errorf("notifications: type %q registered twice", t.Type)
		}
		types = append(types, t)
	}
	return &Service{store: deps.Store, authz: security.NewAuthorizer(deps.Store), audit: rec, rt: rt, opts: opts, types: types}, nil
}

func validType(t Type) bool {
	if len(t) == 0 || len(t) > 64 {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// Types lists the notification types: the built-in ones, then the host's.
func (s *Service) Types() []TypeInfo { return slices.Clone(s.types) }

func (s *Service) known(t Type) bool {
	return slices.ContainsFunc(s.types, func(x TypeInfo) bool { return x.Type == t })
}

// PublishInput is a notification the host publishes.
type PublishInput struct {
	AccountID string
	Type      Type
	Title     string
	Body      string
}

// Publish stores a notification of an account and delivers it in-app to
// every active user (users.Active) of that account subscribed to its type;
// disabled, locked and invited users get nothing. After the commit the
// notification and its recipients are passed to Options.Deliver. Only the
// host publishes: it requires the system principal. Audited as
// "Notification published." Errors: Unauthenticated, Forbidden, NotFound,
// Invalid (unknown type, empty or over-long title or body).
func (s *Service) Publish(ctx context.Context, in PublishInput) (*Notification, error) {
	e := &audit.Entry{AccountID: in.AccountID, Item: ItemNotification, Action: audit.ActionCreate,
		Description: "Notification published.", FailureDescription: "Publishing notification failed.",
		TargetType: "notification", TargetName: clip(in.Title, 255), Details: map[string]string{"type": string(in.Type)}}
	var (
		n          *Notification
		recipients []*users.User
	)
	err := s.audit.Run(ctx, e, func(ctx context.Context) error {
		p := security.PrincipalFrom(ctx)
		if p == nil {
			return accountkit.Errorf(accountkit.Unauthenticated, "authentication required")
		}
		if !p.System {
			return accountkit.Errorf(accountkit.Forbidden, "only the host application publishes notifications")
		}
		if err := s.authz.InTree(ctx, in.AccountID); err != nil {
			return err
		}
		if err := s.validate(in); err != nil {
			return err
		}
		n = &Notification{ID: s.rt.IDs.NewID(), AccountID: in.AccountID, Type: in.Type,
			Title: strings.TrimSpace(in.Title), Body: strings.TrimSpace(in.Body), CreatedAt: s.rt.Now()}
		var err error
		if recipients, err = s.recipients(ctx, in.AccountID, in.Type); err != nil {
			return err
		}
		n.Recipients = len(recipients)
		if err := s.store.CreateNotification(ctx, n); err != nil {
			return err
		}
		ds := make([]*Delivery, len(recipients))
		for i, u := range recipients {
			ds[i] = &Delivery{NotificationID: n.ID, UserID: u.ID, AccountID: n.AccountID, CreatedAt: n.CreatedAt}
		}
		if len(ds) > 0 {
			if err := s.store.CreateDeliveries(ctx, ds); err != nil {
				return err
			}
		}
		e.TargetID = n.ID
		e.Details["recipients"] = fmt.Sprint(len(ds))
		return nil
	})
	if err != nil {
		return nil, err
	}
	if s.opts.Deliver != nil {
		dctx, cancel := s.rt.Detach(ctx)
		defer cancel()
		if err := s.opts.Deliver(dctx, Published{Notification: n, Recipients: recipients}); err != nil {
			s.rt.Logger.ErrorContext(dctx, "notifications: delivery hook failed", "notification", n.ID, "type", n.Type, "err", err)
		}
	}
	return n, nil
}

func (s *Service) validate(in PublishInput) error {
	var v accountkit.Validation
	if !s.known(in.Type) {
		v.Add("type", "unknown notification type")
	}
	v.Text("title", strings.TrimSpace(in.Title), 1, MaxTitleLength)
	v.MultilineText("body", strings.TrimSpace(in.Body), 0, MaxBodyLength)
	return v.Err()
}

// recipients returns the active users of the account subscribed to t.
func (s *Service) recipients(ctx context.Context, accountID string, t Type) ([]*users.User, error) {
	out, err := s.store.ListOptedOutUsers(ctx, accountID, t)
	if err != nil {
		return nil, err
	}
	active := users.StatusActive
	f := users.Filter{AccountIDs: []string{accountID}, Status: &active, Sort: users.SortUsername, Limit: 500}
	var list []*users.User
	for {
		page, err := s.store.ListUsers(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, u := range page {
			if users.Active(u) && !slices.Contains(out, u.ID) {
				list = append(list, u)
			}
		}
		if len(page) < f.Limit {
			return list, nil
		}
		last := page[len(page)-1]
		f.AfterKey, f.AfterID = last.Username, last.ID
	}
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func userPrincipal(ctx context.Context) (*security.Principal, error) {
	p := security.PrincipalFrom(ctx)
	if p == nil {
		return nil, accountkit.Errorf(accountkit.Unauthenticated, "authentication required")
	}
	if p.UserID == "" {
		return nil, accountkit.Errorf(accountkit.Forbidden, "only signed-in users have notifications")
	}
	return p, nil
}

// InboxInput pages a user's notifications.
type InboxInput struct {
	UnreadOnly bool
	Cursor     string
	Limit      int
}

// InboxPage is one page of the signed-in user's notifications.
type InboxPage struct {
	Items       []*InboxItem
	UnreadCount int
	NextCursor  string
}

// Inbox returns the signed-in user's notifications, newest first, and the
// number of unread ones. Errors: Unauthenticated, Forbidden (not a user,
// e.g. an API key), Invalid.
func (s *Service) Inbox(ctx context.Context, in InboxInput) (_ *InboxPage, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	p, err := userPrincipal(ctx)
	if err != nil {
		return nil, err
	}
	var v accountkit.Validation
	limit, after := v.Page(accountkit.PageRequest{Limit: in.Limit, Cursor: in.Cursor})
	f := InboxFilter{UserID: p.UserID, UnreadOnly: in.UnreadOnly, Limit: limit + 1, Before: timeCursor(&v, after)}
	if err := v.Err(); err != nil {
		return nil, err
	}
	items, err := s.store.ListInbox(ctx, f)
	if err != nil {
		return nil, err
	}
	page := &InboxPage{}
	page.Items, page.NextCursor = accountkit.NextPage(items, limit, func(it *InboxItem) accountkit.Cursor {
		return accountkit.Cursor{Key: accountkit.TimeKey(it.CreatedAt.UnixMicro()), ID: it.ID}
	})
	if page.UnreadCount, err = s.store.CountUnread(ctx, p.UserID); err != nil {
		return nil, err
	}
	return page, nil
}

// timeCursor turns a page cursor into the time and ID the stores page by.
func timeCursor(v *accountkit.Validation, after *accountkit.Cursor) *Cursor {
	if after == nil {
		return nil
	}
	us, ok := accountkit.ParseTimeKey(after.Key)
	if !ok {
		v.BadCursor()
		return nil
	}
	return &Cursor{Time: time.UnixMicro(us).UTC(), ID: after.ID}
}

// MarkRead marks one of the signed-in user's notifications as read
// (again is not an error). Errors: Unauthenticated, Forbidden, NotFound
// (also for notifications of other users).
func (s *Service) MarkRead(ctx context.Context, notificationID string) error {
	p, err := userPrincipal(ctx)
	if err != nil {
		return err
	}
	if !accountkit.ValidID(notificationID) {
		return accountkit.Errorf(accountkit.NotFound, "notification not found")
	}
	err = s.store.MarkRead(ctx, p.UserID, notificationID, s.rt.Now())
	if accountkit.ErrorCode(err) == accountkit.NotFound {
		return accountkit.Errorf(accountkit.NotFound, "notification not found")
	}
	return err
}

// MarkAllRead marks every notification of the signed-in user as read and
// returns how many were unread. Errors: Unauthenticated, Forbidden.
func (s *Service) MarkAllRead(ctx context.Context) (int, error) {
	p, err := userPrincipal(ctx)
	if err != nil {
		return 0, err
	}
	return s.store.MarkAllRead(ctx, p.UserID, s.rt.Now())
}

// Subscriptions returns every type and whether the signed-in user
// receives it. Errors: Unauthenticated, Forbidden.
func (s *Service) Subscriptions(ctx context.Context) (_ []Subscription, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	p, err := userPrincipal(ctx)
	if err != nil {
		return nil, err
	}
	return s.subscriptions(ctx, p.UserID)
}

func (s *Service) subscriptions(ctx context.Context, userID string) ([]Subscription, error) {
	outs, err := s.store.ListOptOuts(ctx, userID)
	if err != nil {
		return nil, err
	}
	subs := make([]Subscription, len(s.types))
	for i, t := range s.types {
		subs[i] = Subscription{TypeInfo: t, Subscribed: !slices.Contains(outs, t.Type)}
	}
	return subs, nil
}

// SetSubscriptions subscribes (true) or unsubscribes (false) the signed-in
// user for each type given; types not given stay as they are. Audited as
// "Notification subscriptions updated." Errors: Unauthenticated,
// Forbidden, Invalid (unknown type, nothing given).
func (s *Service) SetSubscriptions(ctx context.Context, set map[Type]bool) ([]Subscription, error) {
	p := security.PrincipalFrom(ctx)
	accountID := ""
	if p != nil {
		accountID = p.AccountID
	}
	e := SubscriptionsEntry(accountID)
	var out []Subscription
	err := s.audit.Run(ctx, e, func(ctx context.Context) error {
		p, err := userPrincipal(ctx)
		if err != nil {
			return err
		}
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
		e.TargetID, e.TargetName, e.TargetType = p.UserID, p.Username, "user"
		e.Details = map[string]string{}
		for t, on := range set {
			if on {
				err = s.store.DeleteOptOut(ctx, p.UserID, t)
			} else {
				err = s.store.PutOptOut(ctx, OptOut{UserID: p.UserID, AccountID: p.AccountID, Type: t})
			}
			if err != nil {
				return err
			}
			e.Details[string(t)] = fmt.Sprint(on)
		}
		out, err = s.subscriptions(ctx, p.UserID)
		return err
	})
	return out, err
}

// SubscriptionsEntry is the audit entry of a subscription change.
func SubscriptionsEntry(accountID string) *audit.Entry {
	return &audit.Entry{AccountID: accountID, Item: ItemNotification, Action: audit.ActionUpdate,
		Description: "Notification subscriptions updated.", FailureDescription: "Notification subscriptions update failed.",
		TargetType: "user"}
}

// AccountInput pages the published notifications of an account.
type AccountInput struct {
	AccountID string
	Cursor    string
	Limit     int
}

// Page is one page of published notifications.
type Page struct {
	Notifications []*Notification
	NextCursor    string
}

// AccountNotifications lists the notifications published to an account,
// newest first: the view an Account Manager of a main account opens for a
// sub-account. It requires PermAccountSettings in that account. Errors:
// Unauthenticated, NotFound, Forbidden, Invalid.
func (s *Service) AccountNotifications(ctx context.Context, in AccountInput) (_ *Page, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	if _, err := s.authz.Require(ctx, security.PermAccountSettings, in.AccountID); err != nil {
		return nil, err
	}
	var v accountkit.Validation
	limit, after := v.Page(accountkit.PageRequest{Limit: in.Limit, Cursor: in.Cursor})
	f := ListFilter{AccountID: in.AccountID, Limit: limit + 1, Before: timeCursor(&v, after)}
	if err := v.Err(); err != nil {
		return nil, err
	}
	list, err := s.store.ListNotifications(ctx, f)
	if err != nil {
		return nil, err
	}
	page := &Page{}
	page.Notifications, page.NextCursor = accountkit.NextPage(list, limit, func(n *Notification) accountkit.Cursor {
		return accountkit.Cursor{Key: accountkit.TimeKey(n.CreatedAt.UnixMicro()), ID: n.ID}
	})
	return page, nil
}
