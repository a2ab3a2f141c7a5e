package memory

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/accountkit/accountkit/webhooks"
)

// webhooksState holds webhook endpoints, outbox messages and deliveries
// by ID, made on first use.
type webhooksState struct {
	endpoints  map[string]*webhooks.Endpoint
	messages   map[string]*webhooks.Message
	deliveries map[string]*webhooks.Delivery
}

func (s *Store) hooks() *webhooksState {
	if s.webhooks.endpoints == nil {
		s.webhooks = webhooksState{endpoints: map[string]*webhooks.Endpoint{}, messages: map[string]*webhooks.Message{},
			deliveries: map[string]*webhooks.Delivery{}}
	}
	return &s.webhooks
}

func copyEndpoint(e *webhooks.Endpoint) *webhooks.Endpoint {
	out := *e
	out.EventTypes = slices.Clone(e.EventTypes)
	out.Secret = bytes.Clone(e.Secret)
	out.PreviousSecret = bytes.Clone(e.PreviousSecret)
	out.PreviousUntil = normTimePtr(e.PreviousUntil)
	out.CreatedAt, out.UpdatedAt = normTime(e.CreatedAt), normTime(e.UpdatedAt)
	return &out
}

func copyMessage(m *webhooks.Message) *webhooks.Message {
	out := *m
	out.Data = bytes.Clone(m.Data)
	out.Timestamp = normTime(m.Timestamp)
	return &out
}

func copyDelivery(d *webhooks.Delivery) *webhooks.Delivery {
	out := *d
	out.NextAttemptAt = normTime(d.NextAttemptAt)
	out.LastAttemptAt = normTimePtr(d.LastAttemptAt)
	out.DeliveredAt = normTimePtr(d.DeliveredAt)
	out.CreatedAt, out.UpdatedAt = normTime(d.CreatedAt), normTime(d.UpdatedAt)
	return &out
}

// deliveryBefore orders deliveries oldest first: CreatedAt, then ID.
func deliveryBefore(a, b *webhooks.Delivery) int {
	if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// CreateWebhookEndpoint implements webhooks.Store.
func (s *Store) CreateWebhookEndpoint(ctx context.Context, e *webhooks.Endpoint) error {
	return s.write(ctx, func(t *tx) error {
		h := s.hooks()
		if _, ok := h.endpoints[e.ID]; ok {
			return conflict("webhook endpoint")
		}
		h.endpoints[e.ID] = copyEndpoint(e)
		t.onRollback(func() { delete(h.endpoints, e.ID) })
		return nil
	})
}

// GetWebhookEndpoint implements webhooks.Store.
func (s *Store) GetWebhookEndpoint(ctx context.Context, id string) (*webhooks.Endpoint, error) {
	var out *webhooks.Endpoint
	err := s.read(ctx, func() error {
		e, ok := (&s.webhooks).endpoints[id]
		if !ok {
			return notFound("webhook endpoint")
		}
		out = copyEndpoint(e)
		return nil
	})
	return out, err
}

// UpdateWebhookEndpoint implements webhooks.Store.
func (s *Store) UpdateWebhookEndpoint(ctx context.Context, e *webhooks.Endpoint) error {
	return s.write(ctx, func(t *tx) error {
		h := s.hooks()
		old, ok := h.endpoints[e.ID]
		if !ok {
			return notFound("webhook endpoint")
		}
		n := copyEndpoint(e)
		n.AccountID, n.Kind, n.CreatedAt = old.AccountID, old.Kind, old.CreatedAt
		h.endpoints[e.ID] = n
		t.onRollback(func() { h.endpoints[e.ID] = old })
		return nil
	})
}

// DeleteWebhookEndpoint implements webhooks.Store.
func (s *Store) DeleteWebhookEndpoint(ctx context.Context, id string) error {
	return s.write(ctx, func(t *tx) error {
		h := s.hooks()
		old, ok := h.endpoints[id]
		if !ok {
			return notFound("webhook endpoint")
		}
		delete(h.endpoints, id)
		t.onRollback(func() { h.endpoints[id] = old })
		for did, d := range h.deliveries {
			if d.EndpointID == id {
				delete(h.deliveries, did)
				t.onRollback(func() { h.deliveries[did] = d })
			}
		}
		return nil
	})
}

// ListWebhookEndpoints implements webhooks.Store.
func (s *Store) ListWebhookEndpoints(ctx context.Context, accountIDs []string) ([]*webhooks.Endpoint, error) {
	var out []*webhooks.Endpoint
	err := s.read(ctx, func() error {
		for _, e := range (&s.webhooks).endpoints {
			if slices.Contains(accountIDs, e.AccountID) {
				out = append(out, copyEndpoint(e))
			}
		}
		slices.SortFunc(out, func(a, b *webhooks.Endpoint) int {
			if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		})
		return nil
	})
	return out, err
}

// InsertWebhookMessage implements webhooks.Store.
func (s *Store) InsertWebhookMessage(ctx context.Context, m *webhooks.Message) error {
	return s.write(ctx, func(t *tx) error {
		h := s.hooks()
		if _, ok := h.messages[m.ID]; ok {
			return conflict("webhook message")
		}
		h.messages[m.ID] = copyMessage(m)
		t.onRollback(func() { delete(h.messages, m.ID) })
		return nil
	})
}

// ListWebhookMessages implements webhooks.Store.
func (s *Store) ListWebhookMessages(ctx context.Context, ids []string) ([]*webhooks.Message, error) {
	var out []*webhooks.Message
	err := s.read(ctx, func() error {
		for _, id := range ids {
			if m, ok := (&s.webhooks).messages[id]; ok {
				out = append(out, copyMessage(m))
			}
		}
		return nil
	})
	return out, err
}

// InsertWebhookDelivery implements webhooks.Store.
func (s *Store) InsertWebhookDelivery(ctx context.Context, d *webhooks.Delivery) error {
	return s.write(ctx, func(t *tx) error {
		h := s.hooks()
		if _, ok := h.deliveries[d.ID]; ok {
			return conflict("webhook delivery")
		}
		h.deliveries[d.ID] = copyDelivery(d)
		t.onRollback(func() { delete(h.deliveries, d.ID) })
		return nil
	})
}

// GetWebhookDelivery implements webhooks.Store.
func (s *Store) GetWebhookDelivery(ctx context.Context, id string) (*webhooks.Delivery, error) {
	var out *webhooks.Delivery
	err := s.read(ctx, func() error {
		d, ok := (&s.webhooks).deliveries[id]
		if !ok {
			return notFound("webhook delivery")
		}
		out = copyDelivery(d)
		return nil
	})
	return out, err
}

// UpdateWebhookDelivery implements webhooks.Store.
func (s *Store) UpdateWebhookDelivery(ctx context.Context, d *webhooks.Delivery) error {
	return s.write(ctx, func(t *tx) error {
		h := s.hooks()
		old, ok := h.deliveries[d.ID]
		if !ok {
			return notFound("webhook delivery")
		}
		n := copyDelivery(old)
		n.Status, n.Attempts, n.NextAttemptAt, n.LastAttemptAt = d.Status, d.Attempts, normTime(d.NextAttemptAt), normTimePtr(d.LastAttemptAt)
		n.LastResult, n.BatchID, n.DeliveredAt, n.UpdatedAt = d.LastResult, d.BatchID, normTimePtr(d.DeliveredAt), normTime(d.UpdatedAt)
		h.deliveries[d.ID] = n
		t.onRollback(func() { h.deliveries[d.ID] = old })
		return nil
	})
}

// ListWebhookDeliveries implements webhooks.Store.
func (s *Store) ListWebhookDeliveries(ctx context.Context, f webhooks.DeliveryFilter) ([]*webhooks.Delivery, error) {
	var out []*webhooks.Delivery
	err := s.read(ctx, func() error {
		for _, d := range (&s.webhooks).deliveries {
			if d.EndpointID != f.EndpointID || f.Status != nil && d.Status != *f.Status {
				continue
			}
			if b := f.Before; b != nil && deliveryBefore(d, &webhooks.Delivery{CreatedAt: b.CreatedAt, ID: b.ID}) >= 0 {
				continue
			}
			out = append(out, copyDelivery(d))
		}
		slices.SortFunc(out, func(a, b *webhooks.Delivery) int { return deliveryBefore(b, a) })
		out = out[:capped(len(out), f.Limit)]
		return nil
	})
	return out, err
}

// heads returns the oldest pending delivery of each (endpoint, account)
// pair, by pair key.
func (h *webhooksState) heads() map[[2]string]*webhooks.Delivery {
	heads := map[[2]string]*webhooks.Delivery{}
	for _, d := range h.deliveries {
		if d.Status != webhooks.StatusPending {
			continue
		}
		k := [2]string{d.EndpointID, d.AccountID}
		if cur, ok := heads[k]; !ok || deliveryBefore(d, cur) < 0 {
			heads[k] = d
		}
	}
	return heads
}

// DueWebhookDeliveries implements webhooks.Store.
func (s *Store) DueWebhookDeliveries(ctx context.Context, now time.Time, limit int) ([]*webhooks.Delivery, error) {
	var out []*webhooks.Delivery
	err := s.read(ctx, func() error {
		h := (&s.webhooks)
		for _, d := range h.heads() {
			if e, ok := h.endpoints[d.EndpointID]; ok && e.Enabled && !d.NextAttemptAt.After(now) {
				out = append(out, copyDelivery(d))
			}
		}
		slices.SortFunc(out, deliveryBefore)
		out = out[:capped(len(out), limit)]
		return nil
	})
	return out, err
}

// ClaimWebhookDelivery implements webhooks.Store: transactions are
// serialized, so the check and the write are one step.
func (s *Store) ClaimWebhookDelivery(ctx context.Context, id string, now, until time.Time) (bool, error) {
	claimed := false
	err := s.write(ctx, func(t *tx) error {
		h := s.hooks()
		old, ok := h.deliveries[id]
		if !ok || old.Status != webhooks.StatusPending || old.NextAttemptAt.After(now) {
			return nil
		}
		n := copyDelivery(old)
		n.NextAttemptAt = normTime(until)
		h.deliveries[id] = n
		t.onRollback(func() { h.deliveries[id] = old })
		claimed = true
		return nil
	})
	return claimed && err == nil, err
}

// ListWebhookBatch implements webhooks.Store.
func (s *Store) ListWebhookBatch(ctx context.Context, endpointID, accountID, batchID string, limit int) ([]*webhooks.Delivery, error) {
	var out []*webhooks.Delivery
	err := s.read(ctx, func() error {
		for _, d := range (&s.webhooks).deliveries {
			if d.EndpointID == endpointID && d.AccountID == accountID && d.BatchID == batchID && d.Status == webhooks.StatusPending {
				out = append(out, copyDelivery(d))
			}
		}
		slices.SortFunc(out, deliveryBefore)
		out = out[:capped(len(out), limit)]
		return nil
	})
	return out, err
}

// PurgeWebhookDeliveries implements webhooks.Store.
func (s *Store) PurgeWebhookDeliveries(ctx context.Context, before time.Time) (int, error) {
	n := 0
	err := s.write(ctx, func(t *tx) error {
		h := s.hooks()
		used := map[string]bool{}
		for id, d := range h.deliveries {
			if d.Status == webhooks.StatusSucceeded && d.DeliveredAt != nil && d.DeliveredAt.Before(before) {
				delete(h.deliveries, id)
				t.onRollback(func() { h.deliveries[id] = d })
				n++
				continue
			}
			used[d.MessageID] = true
		}
		for id, m := range h.messages {
			if !used[id] && m.Timestamp.Before(before) {
				delete(h.messages, id)
				t.onRollback(func() { h.messages[id] = m })
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

var _ webhooks.Store = (*Store)(nil)
