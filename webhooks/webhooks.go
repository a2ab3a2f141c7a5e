// Package webhooks takes events out of the system: a transactional outbox
// fed by the audit log, webhook endpoints that receive signed domain
// events (Standard Webhooks), audit log streaming to SIEM endpoints as
// signed JSON lines, and Go sinks a host registers (a message broker).
//
// One package, not outbox + webhooks: the outbox exists only to feed the
// deliveries, and its rows are written for the endpoints that want them,
// so the rule deciding what goes into the outbox (an endpoint's account
// tree, kind and event-type filter) and the rules delivering it (order,
// retries, dead letter) read the same endpoint records. Splitting them
// would put one rule in two packages.
//
// # The outbox
//
// The audit Recorder publishes audit.Recorded on the Runtime's Events in
// the transaction of every change it audits (audit imports nothing of
// this package). The Service subscribes: it maps the audit event to event
// types (always "audit.event", and a domain type such as "user.created"
// where one applies), finds the enabled endpoints of the event's account
// and its parent accounts that want each type, and inserts one Message
// per wanted type and one Delivery per endpoint, in that transaction. A
// change that rolls back leaves no message; a failure to write the
// outbox aborts the change. An event no endpoint wants is not kept (the
// audit log has it).
//
// # Delivery
//
// Deliver (run by kit's "webhooks" job, whose lease elects one replica per
// period) sends what is due. Deliveries of one endpoint and one account
// go out in order: only the oldest pending one of each (endpoint,
// account) pair is sent, so a message waiting for a retry holds back the
// later ones of that account on that endpoint, and no other. Each send
// first claims its delivery with a conditional update that pushes its
// next attempt past the request timeout, so two replicas never send it at
// once and a replica that dies mid-send leaves it to be retried. Delivery
// is at least once: a receiver deduplicates by the webhook-id header.
// Failures (network errors, timeouts, non-2xx answers, redirects) are
// retried with exponential backoff and jitter; after MaxAttempts the
// delivery is dead, listed by the API and redeliverable by hand.
//
// The package imports the root package, security, audit, internal/httpx
// and sso (for the address guard of outgoing requests), never a package
// above it; kit wires it.
package webhooks

import (
	"context"
	"encoding/json"
	"time"
)

// Kind is what an endpoint receives and how.
type Kind string

// The kinds of endpoint.
const (
	// KindWebhook receives one signed JSON message per request.
	KindWebhook Kind = "webhook"
	// KindAuditStream receives the account's audit events in batches, one
	// JSON object per line (application/x-ndjson), signed the same way.
	KindAuditStream Kind = "audit_stream"
	// KindSink hands batches to a Go Sink the host registered by name
	// (Options.Sinks).
	KindSink Kind = "sink"
)

// The event types. Every audit event is an "audit.event"; the domain
// types are derived from the audit events that have one.
const (
	TypeAuditEvent      = "audit.event"
	TypeUserCreated     = "user.created"
	TypeUserEnabled     = "user.enabled"
	TypeUserDisabled    = "user.disabled"
	TypeUserDeleted     = "user.deleted"
	TypeUserLogin       = "user.login"
	TypeSSOLogin        = "sso.login"
	TypeSeatAssigned    = "seat.assigned"
	TypeSeatReleased    = "seat.released"
	TypeSettingsChanged = "settings.changed"
)

// EventTypes lists every event type, the domain types first.
var EventTypes = []string{TypeUserCreated, TypeUserEnabled, TypeUserDisabled, TypeUserDeleted, TypeUserLogin,
	TypeSSOLogin, TypeSeatAssigned, TypeSeatReleased, TypeSettingsChanged, TypeAuditEvent}

// Endpoint is where an account's events are sent.
type Endpoint struct {
	ID        string
	AccountID string
	Kind      Kind
	// URL is the https address of a webhook or audit stream endpoint.
	URL string
	// Sink names the registered Sink of a KindSink endpoint.
	Sink        string
	Description string
	// EventTypes filters what a webhook or sink endpoint receives; empty
	// means every domain type (not "audit.event", which is asked for by
	// name). An audit stream receives "audit.event" only.
	EventTypes []string
	Enabled    bool
	// Secret is the signing secret sealed with the host's key; never
	// shown after creation or rotation.
	Secret []byte `json:"-"`
	// PreviousSecret, sealed, keeps signing beside Secret until
	// PreviousUntil after a rotation.
	PreviousSecret []byte `json:"-"`
	PreviousUntil  *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Wants reports whether the endpoint receives events of type typ.
func (e *Endpoint) Wants(typ string) bool {
	if e.Kind == KindAuditStream {
		return typ == TypeAuditEvent
	}
	if len(e.EventTypes) == 0 {
		return typ != TypeAuditEvent
	}
	for _, t := range e.EventTypes {
		if t == typ {
			return true
		}
	}
	return false
}

// Message is one event in the outbox: what a receiver gets as the JSON
// body {"type", "timestamp", "data"}, with ID as its webhook-id.
type Message struct {
	ID        string
	AccountID string
	Type      string
	Timestamp time.Time
	// Data is the event's JSON object.
	Data json.RawMessage
}

// Status is the state of a delivery.
type Status string

// The delivery statuses.
const (
	StatusPending   Status = "pending"
	StatusSucceeded Status = "succeeded"
	// StatusDead is the dead letter: MaxAttempts failed; only a manual
	// redelivery sends it again.
	StatusDead Status = "dead"
)

// Delivery is one message for one endpoint.
type Delivery struct {
	ID         string
	EndpointID string
	MessageID  string
	// AccountID is the message's account: deliveries of one endpoint and
	// account go out in order.
	AccountID string
	Status    Status
	Attempts  int
	// NextAttemptAt is when a pending delivery is due (pushed ahead while
	// a replica sends it).
	NextAttemptAt time.Time
	LastAttemptAt *time.Time
	// LastResult is a short status line of the last attempt ("HTTP 503",
	// "timeout"); no response body is kept.
	LastResult string
	// BatchID groups the deliveries sent in one request (audit streams,
	// sinks), fixed at the first attempt so retries resend the same batch
	// under the same webhook-id.
	BatchID     string
	DeliveredAt *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// DeliveryFilter selects an endpoint's deliveries, newest first.
type DeliveryFilter struct {
	EndpointID string
	Status     *Status
	// Before continues after the last delivery of a previous page
	// (CreatedAt, ID).
	Before *DeliveryCursor
	// Limit > 0 caps the number returned.
	Limit int
}

// DeliveryCursor is a position in the newest-first order of deliveries.
type DeliveryCursor struct {
	CreatedAt time.Time
	ID        string
}

// Sink is a host's own destination for events, e.g. a message broker,
// registered by name in Options.Sinks and used by endpoints of KindSink.
// The worker treats it like an HTTP endpoint: batches of one account in
// order, retries with backoff while Deliver returns an error, dead letter
// after MaxAttempts. Deliver must be idempotent by Message.ID (a batch may
// be handed over again after a crash).
type Sink interface {
	Deliver(ctx context.Context, batch []Message) error
}
