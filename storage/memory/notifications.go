package memory

import (
	"context"
	"slices"
	"time"

	"github.com/accountkit/accountkit/notifications"
)

// notificationsState holds notifications, deliveries and opt-outs.
type notificationsState struct {
	byID       map[string]*notifications.Notification
	deliveries map[string]map[string]*delivery          // user ID -> notification ID -> delivery
	optOuts    map[string]map[notifications.Type]string // user ID -> type -> account ID
}

type delivery struct {
	notifications.Delivery
	readAt *time.Time
}

func newNotificationsState() notificationsState {
	return notificationsState{byID: map[string]*notifications.Notification{},
		deliveries: map[string]map[string]*delivery{}, optOuts: map[string]map[notifications.Type]string{}}
}

func copyNotification(n *notifications.Notification) *notifications.Notification {
	out := *n
	out.CreatedAt = normTime(n.CreatedAt)
	return &out
}

// CreateNotification implements notifications.Store.
func (s *Store) CreateNotification(ctx context.Context, n *notifications.Notification) error {
	return s.write(ctx, func(t *tx) error {
		if _, ok := s.notes.byID[n.ID]; ok {
			return conflict("notification")
		}
		s.notes.byID[n.ID] = copyNotification(n)
		t.onRollback(func() { delete(s.notes.byID, n.ID) })
		return nil
	})
}

// ListNotifications implements notifications.Store.
func (s *Store) ListNotifications(ctx context.Context, f notifications.ListFilter) ([]*notifications.Notification, error) {
	out := []*notifications.Notification{}
	err := s.read(ctx, func() error {
		for _, n := range s.notes.byID {
			if n.AccountID != f.AccountID {
				continue
			}
			if f.Before != nil && !newerFirstBefore(n.CreatedAt, n.ID, normTime(f.Before.Time), f.Before.ID) {
				continue
			}
			out = append(out, copyNotification(n))
		}
		return nil
	})
	slices.SortFunc(out, func(a, b *notifications.Notification) int { return newerFirst(a.CreatedAt, a.ID, b.CreatedAt, b.ID) })
	if n := limitOrAll(f.Limit); len(out) > n {
		out = out[:n]
	}
	return out, err
}

// CreateDeliveries implements notifications.Store.
func (s *Store) CreateDeliveries(ctx context.Context, ds []*notifications.Delivery) error {
	return s.write(ctx, func(t *tx) error {
		seen := map[[2]string]bool{}
		for _, d := range ds {
			key := [2]string{d.UserID, d.NotificationID}
			if seen[key] || s.notes.deliveries[d.UserID][d.NotificationID] != nil {
				return conflict("delivery")
			}
			seen[key] = true
		}
		for _, d := range ds {
			m := s.notes.deliveries[d.UserID]
			if m == nil {
				m = map[string]*delivery{}
				s.notes.deliveries[d.UserID] = m
			}
			c := *d
			c.CreatedAt = normTime(d.CreatedAt)
			m[d.NotificationID] = &delivery{Delivery: c}
			userID, nid := d.UserID, d.NotificationID
			t.onRollback(func() { delete(s.notes.deliveries[userID], nid) })
		}
		return nil
	})
}

// ListInbox implements notifications.Store.
func (s *Store) ListInbox(ctx context.Context, f notifications.InboxFilter) ([]*notifications.InboxItem, error) {
	out := []*notifications.InboxItem{}
	err := s.read(ctx, func() error {
		for nid, d := range s.notes.deliveries[f.UserID] {
			if f.UnreadOnly && d.readAt != nil {
				continue
			}
			if f.Before != nil && !newerFirstBefore(d.CreatedAt, nid, normTime(f.Before.Time), f.Before.ID) {
				continue
			}
			n, ok := s.notes.byID[nid]
			if !ok {
				continue
			}
			out = append(out, &notifications.InboxItem{Notification: *copyNotification(n), UserID: f.UserID, ReadAt: normTimePtr(d.readAt)})
		}
		return nil
	})
	slices.SortFunc(out, func(a, b *notifications.InboxItem) int { return newerFirst(a.CreatedAt, a.ID, b.CreatedAt, b.ID) })
	if n := limitOrAll(f.Limit); len(out) > n {
		out = out[:n]
	}
	return out, err
}

// MarkRead implements notifications.Store.
func (s *Store) MarkRead(ctx context.Context, userID, notificationID string, at time.Time) error {
	return s.write(ctx, func(t *tx) error {
		d := s.notes.deliveries[userID][notificationID]
		if d == nil {
			return notFound("notification")
		}
		if d.readAt == nil {
			d.readAt = normTimePtr(&at)
			t.onRollback(func() { d.readAt = nil })
		}
		return nil
	})
}

// MarkAllRead implements notifications.Store.
func (s *Store) MarkAllRead(ctx context.Context, userID string, at time.Time) (int, error) {
	n := 0
	err := s.write(ctx, func(t *tx) error {
		for _, d := range s.notes.deliveries[userID] {
			if d.readAt == nil {
				d.readAt = normTimePtr(&at)
				t.onRollback(func() { d.readAt = nil })
				n++
			}
		}
		return nil
	})
	return n, err
}

// CountUnread implements notifications.Store.
func (s *Store) CountUnread(ctx context.Context, userID string) (int, error) {
	n := 0
	err := s.read(ctx, func() error {
		for _, d := range s.notes.deliveries[userID] {
			if d.readAt == nil {
				n++
			}
		}
		return nil
	})
	return n, err
}

// PutOptOut implements notifications.Store.
func (s *Store) PutOptOut(ctx context.Context, o notifications.OptOut) error {
	return s.write(ctx, func(t *tx) error {
		m := s.notes.optOuts[o.UserID]
		if m == nil {
			m = map[notifications.Type]string{}
			s.notes.optOuts[o.UserID] = m
		}
		if _, ok := m[o.Type]; ok {
			return nil
		}
		m[o.Type] = o.AccountID
		t.onRollback(func() { delete(m, o.Type) })
		return nil
	})
}

// DeleteOptOut implements notifications.Store.
func (s *Store) DeleteOptOut(ctx context.Context, userID string, typ notifications.Type) error {
	return s.write(ctx, func(t *tx) error {
		m := s.notes.optOuts[userID]
		acc, ok := m[typ]
		if !ok {
			return nil
		}
		delete(m, typ)
		t.onRollback(func() { m[typ] = acc })
		return nil
	})
}

// ListOptOuts implements notifications.Store.
func (s *Store) ListOptOuts(ctx context.Context, userID string) ([]notifications.Type, error) {
	out := []notifications.Type{}
	err := s.read(ctx, func() error {
		for typ := range s.notes.optOuts[userID] {
			out = append(out, typ)
		}
		return nil
	})
	slices.Sort(out)
	return out, err
}

// ListOptedOutUsers implements notifications.Store.
func (s *Store) ListOptedOutUsers(ctx context.Context, accountID string, typ notifications.Type) ([]string, error) {
	out := []string{}
	err := s.read(ctx, func() error {
		for userID, m := range s.notes.optOuts {
			if acc, ok := m[typ]; ok && acc == accountID {
				out = append(out, userID)
			}
		}
		return nil
	})
	slices.Sort(out)
	return out, err
}
