package webhooks

import (
	"context"
	"time"

	"github.com/accountkit/accountkit/audit"
)

// Store is what the webhooks package needs from storage: endpoints, the
// outbox of messages and their deliveries, and through audit.Store the
// transactor and the account tree. Adapters implement it; storagetest
// checks them.
type Store interface {
	audit.Store

	// CreateWebhookEndpoint stores e. Errors: Conflict when the ID exists.
	CreateWebhookEndpoint(ctx context.Context, e *Endpoint) error
	// GetWebhookEndpoint returns an endpoint by ID. Errors: NotFound.
	GetWebhookEndpoint(ctx context.Context, id string) (*Endpoint, error)
	// UpdateWebhookEndpoint saves every field of e but ID, AccountID, Kind
	// and CreatedAt. Errors: NotFound.
	UpdateWebhookEndpoint(ctx context.Context, e *Endpoint) error
	// DeleteWebhookEndpoint removes the endpoint and its deliveries.
	// Errors: NotFound.
	DeleteWebhookEndpoint(ctx context.Context, id string) error
	// ListWebhookEndpoints returns the endpoints of the accounts, ordered
	// by CreatedAt then ID.
	ListWebhookEndpoints(ctx context.Context, accountIDs []string) ([]*Endpoint, error)

	// InsertWebhookMessage stores m in the outbox. Errors: Conflict when
	// the ID exists.
	InsertWebhookMessage(ctx context.Context, m *Message) error
	// ListWebhookMessages returns the messages with the IDs (missing ones
	// are left out), in no particular order.
	ListWebhookMessages(ctx context.Context, ids []string) ([]*Message, error)

	// InsertWebhookDelivery stores d. Errors: Conflict when the ID exists.
	InsertWebhookDelivery(ctx context.Context, d *Delivery) error
	// GetWebhookDelivery returns a delivery by ID. Errors: NotFound.
	GetWebhookDelivery(ctx context.Context, id string) (*Delivery, error)
	// UpdateWebhookDelivery saves d's Status, Attempts, NextAttemptAt,
	// LastAttemptAt, LastResult, BatchID, DeliveredAt and UpdatedAt.
	// Errors: NotFound.
	UpdateWebhookDelivery(ctx context.Context, d *Delivery) error
	// ListWebhookDeliveries returns the deliveries matching f, newest
	// first (CreatedAt, then ID, descending).
	ListWebhookDeliveries(ctx context.Context, f DeliveryFilter) ([]*Delivery, error)
	// DueWebhookDeliveries returns, for each (endpoint, account) pair of
	// an enabled endpoint, its oldest pending delivery (by CreatedAt, then
	// ID) when that one's NextAttemptAt is not after now; at most limit,
	// oldest first.
	DueWebhookDeliveries(ctx context.Context, now time.Time, limit int) ([]*Delivery, error)
	// ClaimWebhookDelivery sets NextAttemptAt to until when the delivery
	// is pending and due at now, and reports whether it did: of two
	// claimers of one due delivery, one wins.
	ClaimWebhookDelivery(ctx context.Context, id string, now, until time.Time) (bool, error)
	// ListWebhookBatch returns the pending deliveries of the endpoint and
	// account whose BatchID is batchID ("" for those in no batch), oldest
	// first (CreatedAt, then ID), at most limit.
	ListWebhookBatch(ctx context.Context, endpointID, accountID, batchID string, limit int) ([]*Delivery, error)
	// PurgeWebhookDeliveries deletes the succeeded deliveries delivered
	// before the time, then the messages created before it that no
	// delivery refers to, and returns how many deliveries it deleted.
	PurgeWebhookDeliveries(ctx context.Context, before time.Time) (int, error)
}
