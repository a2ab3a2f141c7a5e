package sqlstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountkit/accountkit/notifications"
)

// notificationRow is a published notification (accountkit_notifications).
type notificationRow struct {
	bun.BaseModel `bun:"table:accountkit_notifications"`

	ID         string    `bun:"id,pk"`
	AccountID  string    `bun:"account_id,notnull"`
	Type       string    `bun:"type,notnull"`
	Title      string    `bun:"title,notnull"`
	Body       string    `bun:"body,notnull"`
	Recipients int       `bun:"recipients,notnull"`
	CreatedAt  time.Time `bun:"created_at,notnull"`
}

func (r *notificationRow) notification() *notifications.Notification {
	return &notifications.Notification{ID: r.ID, AccountID: r.AccountID, Type: notifications.Type(r.Type), Title: r.Title,
		Body: r.Body, Recipients: r.Recipients, CreatedAt: r.CreatedAt.UTC()}
}

// deliveryRow puts a notification in a user's inbox
// (accountkit_notification_deliveries).
type deliveryRow struct {
	bun.BaseModel `bun:"table:accountkit_notification_deliveries"`

	UserID         string     `bun:"user_id,pk"`
	NotificationID string     `bun:"notification_id,pk"`
	AccountID      string     `bun:"account_id,notnull"`
	CreatedAt      time.Time  `bun:"created_at,notnull"`
	ReadAt         *time.Time `bun:"read_at"`
}

// optOutRow is a user's opt-out of a type (accountkit_notification_optouts).
type optOutRow struct {
	bun.BaseModel `bun:"table:accountkit_notification_optouts"`

	UserID    string `bun:"user_id,pk"`
	Type      string `bun:"type,pk"`
	AccountID string `bun:"account_id,notnull"`
}

// CreateNotification stores n. Errors: Conflict.
func (s *Store) CreateNotification(ctx context.Context, n *notifications.Notification) error {
	_, err := s.idb(ctx).NewInsert().Model(&notificationRow{ID: n.ID, AccountID: n.AccountID, Type: string(n.Type),
		Title: n.Title, Body: n.Body, Recipients: n.Recipients, CreatedAt: n.CreatedAt.UTC()}).Exec(ctx)
	return translate(err, "notification")
}

// ListNotifications returns the account's notifications newest first.
func (s *Store) ListNotifications(ctx context.Context, f notifications.ListFilter) ([]*notifications.Notification, error) {
	var rows []notificationRow
	q := s.idb(ctx).NewSelect().Model(&rows).Where("account_id = ?", f.AccountID)
	if c := f.Before; c != nil {
		t := c.Time.UTC()
		q = q.Where("created_at <= ?", t).Where("(created_at < ? OR (created_at = ? AND id < ?))", t, t, c.ID)
	}
	if err := q.OrderExpr("created_at DESC, id DESC").Limit(limit(f.Limit)).Scan(ctx); err != nil {
		return nil, translate(err, "notification")
	}
	out := make([]*notifications.Notification, len(rows))
	for i := range rows {
		out[i] = rows[i].notification()
	}
	return out, nil
}

// deliveryBatch bounds the rows of one multi-row INSERT.
const deliveryBatch = 500

// CreateDeliveries stores the deliveries in batches. Errors: Conflict.
func (s *Store) CreateDeliveries(ctx context.Context, ds []*notifications.Delivery) error {
	for start := 0; start < len(ds); start += deliveryBatch {
		end := min(start+deliveryBatch, len(ds))
		rows := make([]deliveryRow, 0, end-start)
		for _, d := range ds[start:end] {
			rows = append(rows, deliveryRow{UserID: d.UserID, NotificationID: d.NotificationID, AccountID: d.AccountID, CreatedAt: d.CreatedAt.UTC()})
		}
		if _, err := s.idb(ctx).NewInsert().Model(&rows).Exec(ctx); err != nil {
			return translate(err, "delivery")
		}
	}
	return nil
}

// ListInbox returns the user's deliveries joined with their notifications,
// newest first.
func (s *Store) ListInbox(ctx context.Context, f notifications.InboxFilter) ([]*notifications.InboxItem, error) {
	type inboxRow struct {
		notificationRow
		ReadAt *time.Time `bun:"read_at"`
	}
	var rows []inboxRow
	q := s.idb(ctx).NewSelect().
		TableExpr("accountkit_notification_deliveries AS d").
		Join("JOIN accountkit_notifications AS n ON n.id = d.notification_id").
		ColumnExpr("n.id, n.account_id, n.type, n.title, n.body, n.recipients, n.created_at, d.read_at").
		Where("d.user_id = ?", f.UserID)
	if f.UnreadOnly {
		q = q.Where("d.read_at IS NULL")
	}
	if c := f.Before; c != nil {
		t := c.Time.UTC()
		q = q.Where("d.created_at <= ?", t).
			Where("(d.created_at < ? OR (d.created_at = ? AND d.notification_id < ?))", t, t, c.ID)
	}
	if err := q.OrderExpr("d.created_at DESC, d.notification_id DESC").Limit(limit(f.Limit)).Scan(ctx, &rows); err != nil {
		return nil, translate(err, "notification")
	}
	out := make([]*notifications.InboxItem, len(rows))
	for i := range rows {
		out[i] = &notifications.InboxItem{Notification: *rows[i].notification(), UserID: f.UserID, ReadAt: utcPtr(rows[i].ReadAt)}
	}
	return out, nil
}

// MarkRead sets read_at of an unread delivery. Errors: NotFound.
func (s *Store) MarkRead(ctx context.Context, userID, notificationID string, at time.Time) error {
	res, err := s.idb(ctx).NewUpdate().Model((*deliveryRow)(nil)).
		Set("read_at = ?", at.UTC()).
		Where("user_id = ?", userID).
		Where("notification_id = ?", notificationID).
		Where("read_at IS NULL").
		Exec(ctx)
	if err != nil {
		return translate(err, "notification")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return translate(err, "notification")
	}
	if n > 0 {
		return nil
	}
	exists, err := s.idb(ctx).NewSelect().Model((*deliveryRow)(nil)).
		Where("user_id = ?", userID).Where("notification_id = ?", notificationID).Exists(ctx)
	if err != nil {
		return translate(err, "notification")
	}
	if !exists {
		return notFound("notification")
	}
	return nil
}

// MarkAllRead sets read_at of every unread delivery of the user.
func (s *Store) MarkAllRead(ctx context.Context, userID string, at time.Time) (int, error) {
	res, err := s.idb(ctx).NewUpdate().Model((*deliveryRow)(nil)).
		Set("read_at = ?", at.UTC()).
		Where("user_id = ?", userID).
		Where("read_at IS NULL").
		Exec(ctx)
	if err != nil {
		return 0, translate(err, "notification")
	}
	n, err := res.RowsAffected()
	return int(n), translate(err, "notification")
}

// CountUnread counts the user's unread deliveries.
func (s *Store) CountUnread(ctx context.Context, userID string) (int, error) {
	n, err := s.idb(ctx).NewSelect().Model((*deliveryRow)(nil)).
		Where("user_id = ?", userID).Where("read_at IS NULL").Count(ctx)
	return int(n), translate(err, "notification")
}

// PutOptOut records an opt-out, ignoring one that exists.
func (s *Store) PutOptOut(ctx context.Context, o notifications.OptOut) error {
	q := s.idb(ctx).NewInsert().Model(&optOutRow{UserID: o.UserID, Type: string(o.Type), AccountID: o.AccountID})
	if s.dialect == MySQL {
		q = q.Ignore()
	} else {
		q = q.On("CONFLICT (user_id, type) DO NOTHING")
	}
	_, err := q.Exec(ctx)
	return translate(err, "opt-out")
}

// DeleteOptOut removes an opt-out if it exists.
func (s *Store) DeleteOptOut(ctx context.Context, userID string, t notifications.Type) error {
	_, err := s.idb(ctx).NewDelete().Model((*optOutRow)(nil)).
		Where("user_id = ?", userID).Where("type = ?", string(t)).Exec(ctx)
	return translate(err, "opt-out")
}

// ListOptOuts returns the types the user opted out of, sorted.
func (s *Store) ListOptOuts(ctx context.Context, userID string) ([]notifications.Type, error) {
	var types []string
	err := s.idb(ctx).NewSelect().Model((*optOutRow)(nil)).Column("type").
		Where("user_id = ?", userID).OrderExpr("type ASC").Scan(ctx, &types)
	if err != nil {
		return nil, translate(err, "opt-out")
	}
	out := make([]notifications.Type, len(types))
	for i, t := range types {
		out[i] = notifications.Type(t)
	}
	return out, nil
}

// ListOptedOutUsers returns the account's users who opted out of the type,
// sorted by ID.
func (s *Store) ListOptedOutUsers(ctx context.Context, accountID string, t notifications.Type) ([]string, error) {
	out := []string{}
	err := s.idb(ctx).NewSelect().Model((*optOutRow)(nil)).Column("user_id").
		Where("account_id = ?", accountID).Where("type = ?", string(t)).OrderExpr("user_id ASC").Scan(ctx, &out)
	if err != nil {
		return nil, translate(err, "opt-out")
	}
	return out, nil
}
