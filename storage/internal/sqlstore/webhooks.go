package sqlstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountkit/accountkit/webhooks"
)

// webhookEndpointRow is an endpoint in accountkit_webhook_endpoints;
// EventTypes is a JSON array, the secrets are sealed bytes.
type webhookEndpointRow struct {
	bun.BaseModel `bun:"table:accountkit_webhook_endpoints"`

	ID             string     `bun:"id,pk"`
	AccountID      string     `bun:"account_id,notnull"`
	Kind           string     `bun:"kind,notnull"`
	URL            string     `bun:"url,notnull"`
	Sink           string     `bun:"sink,notnull"`
	Description    string     `bun:"description,notnull"`
	EventTypes     string     `bun:"event_types,notnull"`
	Enabled        bool       `bun:"enabled,notnull"`
	Secret         []byte     `bun:"secret,notnull"`
	PreviousSecret []byte     `bun:"previous_secret"`
	PreviousUntil  *time.Time `bun:"previous_until"`
	CreatedAt      time.Time  `bun:"created_at,notnull"`
	UpdatedAt      time.Time  `bun:"updated_at,notnull"`
}

func toWebhookEndpointRow(e *webhooks.Endpoint) (*webhookEndpointRow, error) {
	types := e.EventTypes
	if types == nil {
		types = []string{}
	}
	b, err := json.Marshal(types)
	if err != nil {
		return nil, translate(err, "webhook endpoint")
	}
	r := &webhookEndpointRow{ID: e.ID, AccountID: e.AccountID, Kind: string(e.Kind), URL: e.URL, Sink: e.Sink,
		Description: e.Description, EventTypes: string(b), Enabled: e.Enabled, Secret: append([]byte{}, e.Secret...),
		PreviousUntil: utcPtr(e.PreviousUntil), CreatedAt: e.CreatedAt.UTC(), UpdatedAt: e.UpdatedAt.UTC()}
	if len(e.PreviousSecret) > 0 {
		r.PreviousSecret = append([]byte{}, e.PreviousSecret...)
	}
	return r, nil
}

func (r *webhookEndpointRow) endpoint() (*webhooks.Endpoint, error) {
	e := &webhooks.Endpoint{ID: r.ID, AccountID: r.AccountID, Kind: webhooks.Kind(r.Kind), URL: r.URL, Sink: r.Sink,
		Description: r.Description, Enabled: r.Enabled, Secret: r.Secret, PreviousUntil: utcPtr(r.PreviousUntil),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if len(r.PreviousSecret) > 0 {
		e.PreviousSecret = r.PreviousSecret
	}
	if err := json.Unmarshal([]byte(r.EventTypes), &e.EventTypes); err != nil {
		return nil, translate(err, "webhook endpoint")
	}
	if len(e.EventTypes) == 0 {
		e.EventTypes = nil
	}
	return e, nil
}

// webhookMessageRow is an outbox message in accountkit_webhook_messages.
type webhookMessageRow struct {
	bun.BaseModel `bun:"table:accountkit_webhook_messages"`

	ID        string    `bun:"id,pk"`
	AccountID string    `bun:"account_id,notnull"`
	Type      string    `bun:"type,notnull"`
	EventTime time.Time `bun:"event_time,notnull"`
	Data      string    `bun:"data,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// webhookDeliveryRow is a delivery in accountkit_webhook_deliveries.
type webhookDeliveryRow struct {
	bun.BaseModel `bun:"table:accountkit_webhook_deliveries"`

	ID            string     `bun:"id,pk"`
	EndpointID    string     `bun:"endpoint_id,notnull"`
	MessageID     string     `bun:"message_id,notnull"`
	AccountID     string     `bun:"account_id,notnull"`
	Status        string     `bun:"status,notnull"`
	Attempts      int        `bun:"attempts,notnull"`
	NextAttemptAt time.Time  `bun:"next_attempt_at,notnull"`
	LastAttemptAt *time.Time `bun:"last_attempt_at"`
	LastResult    string     `bun:"last_result,notnull"`
	BatchID       string     `bun:"batch_id,notnull"`
	DeliveredAt   *time.Time `bun:"delivered_at"`
	CreatedAt     time.Time  `bun:"created_at,notnull"`
	UpdatedAt     time.Time  `bun:"updated_at,notnull"`
}

func toWebhookDeliveryRow(d *webhooks.Delivery) *webhookDeliveryRow {
	return &webhookDeliveryRow{ID: d.ID, EndpointID: d.EndpointID, MessageID: d.MessageID, AccountID: d.AccountID,
		Status: string(d.Status), Attempts: d.Attempts, NextAttemptAt: d.NextAttemptAt.UTC(), LastAttemptAt: utcPtr(d.LastAttemptAt),
		LastResult: d.LastResult, BatchID: d.BatchID, DeliveredAt: utcPtr(d.DeliveredAt), CreatedAt: d.CreatedAt.UTC(),
		UpdatedAt: d.UpdatedAt.UTC()}
}

func (r *webhookDeliveryRow) delivery() *webhooks.Delivery {
	return &webhooks.Delivery{ID: r.ID, EndpointID: r.EndpointID, MessageID: r.MessageID, AccountID: r.AccountID,
		Status: webhooks.Status(r.Status), Attempts: r.Attempts, NextAttemptAt: r.NextAttemptAt.UTC(), LastAttemptAt: utcPtr(r.LastAttemptAt),
		LastResult: r.LastResult, BatchID: r.BatchID, DeliveredAt: utcPtr(r.DeliveredAt), CreatedAt: r.CreatedAt.UTC(),
		UpdatedAt: r.UpdatedAt.UTC()}
}

func deliveries(rows []webhookDeliveryRow) []*webhooks.Delivery {
	out := make([]*webhooks.Delivery, len(rows))
	for i := range rows {
		out[i] = rows[i].delivery()
	}
	return out
}

// CreateWebhookEndpoint stores e. Errors: Conflict when the ID exists.
func (s *Store) CreateWebhookEndpoint(ctx context.Context, e *webhooks.Endpoint) error {
	r, err := toWebhookEndpointRow(e)
	if err != nil {
		return err
	}
	_, err = s.idb(ctx).NewInsert().Model(r).Exec(ctx)
	return translate(err, "webhook endpoint")
}

// GetWebhookEndpoint returns an endpoint. Errors: NotFound.
func (s *Store) GetWebhookEndpoint(ctx context.Context, id string) (*webhooks.Endpoint, error) {
	r := new(webhookEndpointRow)
	if err := s.idb(ctx).NewSelect().Model(r).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, translate(err, "webhook endpoint")
	}
	return r.endpoint()
}

// UpdateWebhookEndpoint saves e's mutable fields. Errors: NotFound.
func (s *Store) UpdateWebhookEndpoint(ctx context.Context, e *webhooks.Endpoint) error {
	r, err := toWebhookEndpointRow(e)
	if err != nil {
		return err
	}
	res, err := s.idb(ctx).NewUpdate().Model(r).
		Column("url", "sink", "description", "event_types", "enabled", "secret", "previous_secret", "previous_until", "updated_at").
		WherePK().Exec(ctx)
	return affected(res, err, "webhook endpoint")
}

// affected turns an update or delete that matched no row into NotFound.
func affected(res interface{ RowsAffected() (int64, error) }, err error, what string) error {
	if err != nil {
		return translate(err, what)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return translate(err, what)
	}
	if n == 0 {
		return notFound(what)
	}
	return nil
}

// DeleteWebhookEndpoint removes the endpoint and its deliveries. Errors:
// NotFound.
func (s *Store) DeleteWebhookEndpoint(ctx context.Context, id string) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		db := s.idb(ctx)
		if _, err := db.NewDelete().Model((*webhookDeliveryRow)(nil)).Where("endpoint_id = ?", id).Exec(ctx); err != nil {
			return translate(err, "webhook delivery")
		}
		res, err := db.NewDelete().Model((*webhookEndpointRow)(nil)).Where("id = ?", id).Exec(ctx)
		return affected(res, err, "webhook endpoint")
	})
}

// ListWebhookEndpoints returns the accounts' endpoints, oldest first.
func (s *Store) ListWebhookEndpoints(ctx context.Context, accountIDs []string) ([]*webhooks.Endpoint, error) {
	if len(accountIDs) == 0 {
		return nil, nil
	}
	var rows []webhookEndpointRow
	err := s.idb(ctx).NewSelect().Model(&rows).Where("account_id IN (?)", bun.In(accountIDs)).
		OrderExpr("created_at ASC, id ASC").Scan(ctx)
	if err != nil {
		return nil, translate(err, "webhook endpoint")
	}
	out := make([]*webhooks.Endpoint, 0, len(rows))
	for i := range rows {
		e, err := rows[i].endpoint()
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// InsertWebhookMessage stores m. Errors: Conflict.
func (s *Store) InsertWebhookMessage(ctx context.Context, m *webhooks.Message) error {
	r := &webhookMessageRow{ID: m.ID, AccountID: m.AccountID, Type: m.Type, EventTime: m.Timestamp.UTC(), Data: string(m.Data),
		CreatedAt: m.Timestamp.UTC()}
	_, err := s.idb(ctx).NewInsert().Model(r).Exec(ctx)
	return translate(err, "webhook message")
}

// ListWebhookMessages returns the messages with the IDs.
func (s *Store) ListWebhookMessages(ctx context.Context, ids []string) ([]*webhooks.Message, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []webhookMessageRow
	if err := s.idb(ctx).NewSelect().Model(&rows).Where("id IN (?)", bun.In(ids)).Scan(ctx); err != nil {
		return nil, translate(err, "webhook message")
	}
	out := make([]*webhooks.Message, len(rows))
	for i, r := range rows {
		out[i] = &webhooks.Message{ID: r.ID, AccountID: r.AccountID, Type: r.Type, Timestamp: r.EventTime.UTC(), Data: json.RawMessage(r.Data)}
	}
	return out, nil
}

// InsertWebhookDelivery stores d. Errors: Conflict.
func (s *Store) InsertWebhookDelivery(ctx context.Context, d *webhooks.Delivery) error {
	_, err := s.idb(ctx).NewInsert().Model(toWebhookDeliveryRow(d)).Exec(ctx)
	return translate(err, "webhook delivery")
}

// GetWebhookDelivery returns a delivery. Errors: NotFound.
func (s *Store) GetWebhookDelivery(ctx context.Context, id string) (*webhooks.Delivery, error) {
	r := new(webhookDeliveryRow)
	if err := s.idb(ctx).NewSelect().Model(r).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, translate(err, "webhook delivery")
	}
	return r.delivery(), nil
}

// UpdateWebhookDelivery saves d's state. Errors: NotFound.
func (s *Store) UpdateWebhookDelivery(ctx context.Context, d *webhooks.Delivery) error {
	res, err := s.idb(ctx).NewUpdate().Model(toWebhookDeliveryRow(d)).
		Column("status", "attempts", "next_attempt_at", "last_attempt_at", "last_result", "batch_id", "delivered_at", "updated_at").
		WherePK().Exec(ctx)
	if err != nil {
		return translate(err, "webhook delivery")
	}
	if n, err := res.RowsAffected(); err != nil {
		return translate(err, "webhook delivery")
	} else if n == 0 {
		// MariaDB counts changed rows: an update that changes nothing
		// matches without affecting; tell it from a missing row.
		if _, err := s.GetWebhookDelivery(ctx, d.ID); err != nil {
			return err
		}
	}
	return nil
}

// ListWebhookDeliveries returns an endpoint's deliveries, newest first.
func (s *Store) ListWebhookDeliveries(ctx context.Context, f webhooks.DeliveryFilter) ([]*webhooks.Delivery, error) {
	var rows []webhookDeliveryRow
	q := s.idb(ctx).NewSelect().Model(&rows).Where("endpoint_id = ?", f.EndpointID)
	if f.Status != nil {
		q = q.Where("status = ?", string(*f.Status))
	}
	if b := f.Before; b != nil {
		t := b.CreatedAt.UTC()
		q = q.Where("created_at <= ? AND (created_at < ? OR (created_at = ? AND id < ?))", t, t, t, b.ID)
	}
	q = q.OrderExpr("created_at DESC, id DESC")
	if f.Limit > 0 {
		q = q.Limit(int64(f.Limit))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, translate(err, "webhook delivery")
	}
	return deliveries(rows), nil
}

// DueWebhookDeliveries returns the due heads of every (endpoint, account)
// pair of an enabled endpoint: pending deliveries with no older pending
// one in their pair.
func (s *Store) DueWebhookDeliveries(ctx context.Context, now time.Time, limit int) ([]*webhooks.Delivery, error) {
	var rows []webhookDeliveryRow
	q := s.idb(ctx).NewSelect().Model(&rows).
		Join("JOIN accountkit_webhook_endpoints AS e ON e.id = webhook_delivery_row.endpoint_id").
		Where("webhook_delivery_row.status = ?", string(webhooks.StatusPending)).
		Where("webhook_delivery_row.next_attempt_at <= ?", now.UTC()).
		Where("e.enabled = ?", true).
		Where(`NOT EXISTS (SELECT 1 FROM accountkit_webhook_deliveries AS p WHERE p.endpoint_id = webhook_delivery_row.endpoint_id
			AND p.account_id = webhook_delivery_row.account_id AND p.status = ?
			AND p.created_at <= webhook_delivery_row.created_at
			AND (p.created_at < webhook_delivery_row.created_at OR p.id < webhook_delivery_row.id))`, string(webhooks.StatusPending)).
		OrderExpr("webhook_delivery_row.created_at ASC, webhook_delivery_row.id ASC")
	if limit > 0 {
		q = q.Limit(int64(limit))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, translate(err, "webhook delivery")
	}
	return deliveries(rows), nil
}

// ClaimWebhookDelivery pushes a due pending delivery's next attempt to
// until with a conditional UPDATE: of two claimers, one changes the row.
func (s *Store) ClaimWebhookDelivery(ctx context.Context, id string, now, until time.Time) (bool, error) {
	res, err := s.idb(ctx).NewUpdate().Model((*webhookDeliveryRow)(nil)).
		Set("next_attempt_at = ?", until.UTC()).
		Where("id = ?", id).
		Where("status = ?", string(webhooks.StatusPending)).
		Where("next_attempt_at <= ?", now.UTC()).
		Exec(ctx)
	if err != nil {
		return false, translate(err, "webhook delivery")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, translate(err, "webhook delivery")
	}
	return n == 1, nil
}

// ListWebhookBatch returns the pending deliveries of a pair in a batch.
func (s *Store) ListWebhookBatch(ctx context.Context, endpointID, accountID, batchID string, limit int) ([]*webhooks.Delivery, error) {
	var rows []webhookDeliveryRow
	q := s.idb(ctx).NewSelect().Model(&rows).
		Where("endpoint_id = ? AND account_id = ? AND status = ? AND batch_id = ?", endpointID, accountID, string(webhooks.StatusPending), batchID).
		OrderExpr("created_at ASC, id ASC")
	if limit > 0 {
		q = q.Limit(int64(limit))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, translate(err, "webhook delivery")
	}
	return deliveries(rows), nil
}

// PurgeWebhookDeliveries deletes old succeeded deliveries and the
// messages left without any.
func (s *Store) PurgeWebhookDeliveries(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := s.InTx(ctx, func(ctx context.Context) error {
		db := s.idb(ctx)
		res, err := db.NewDelete().Model((*webhookDeliveryRow)(nil)).
			Where("status = ? AND delivered_at < ?", string(webhooks.StatusSucceeded), before.UTC()).Exec(ctx)
		if err != nil {
			return translate(err, "webhook delivery")
		}
		if n, err = res.RowsAffected(); err != nil {
			return translate(err, "webhook delivery")
		}
		_, err = db.NewDelete().Model((*webhookMessageRow)(nil)).
			Where("created_at < ?", before.UTC()).
			Where("id NOT IN (SELECT message_id FROM accountkit_webhook_deliveries)").Exec(ctx)
		return translate(err, "webhook message")
	})
	return int(n), err
}

var _ webhooks.Store = (*Store)(nil)
