package webhooks

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/sso"
)

// Limits and defaults.
const (
	MaxURLLength         = 2048
	MaxDescriptionLength = 255
	// MaxEndpointsPerAccount bounds the endpoints of one account.
	MaxEndpointsPerAccount = 20
	// DefaultMaxAttempts is how many times a delivery is tried before it
	// is dead: with DefaultBackoff about 27 hours.
	DefaultMaxAttempts = 8
	// DefaultTimeout bounds one request to an endpoint.
	DefaultTimeout = 10 * time.Second
	// DefaultRotationGrace is how long the previous secret keeps signing
	// after a rotation.
	DefaultRotationGrace = 24 * time.Hour
	// DefaultBatchSize is how many messages an audit stream or sink
	// receives per request at most.
	DefaultBatchSize = 100
	// DefaultRetention is how long succeeded deliveries are kept.
	DefaultRetention = 7 * 24 * time.Hour
	// secretPrefix starts every signing secret.
	secretPrefix = "whsec_"
)

// Options configures a Service. Zero fields take defaults.
type Options struct {
	// SecretKey is the 32-byte AES-256 key that seals signing secrets at
	// rest (kit uses Auth.TOTPKey, the host's key, when this is empty).
	// Without it a Production service refuses to create endpoints;
	// otherwise a random per-process key is used (secrets then do not
	// survive a restart) and a warning is logged.
	SecretKey []byte
	// Production refuses the conveniences meant for tests and
	// development (AllowPrivateAddresses, an ephemeral SecretKey).
	Production bool
	// AllowPrivateAddresses lets endpoints be plain http and on loopback,
	// private and other non-public addresses (tests with httptest
	// servers, development). Refused with Production.
	AllowPrivateAddresses bool
	// Resolver resolves endpoint host names before each dial (default
	// net.DefaultResolver); the resolved address is checked against
	// sso.PublicAddress at dial time.
	Resolver Resolver
	// Timeout bounds each request (default DefaultTimeout).
	Timeout time.Duration
	// MaxAttempts is how many attempts a delivery gets before it is dead
	// (default DefaultMaxAttempts).
	MaxAttempts int
	// Backoff returns the wait after the attempt-th failed attempt
	// (1-based); default DefaultBackoff.
	Backoff func(attempt int) time.Duration
	// RotationGrace is how long a rotated-out secret keeps signing
	// (default DefaultRotationGrace).
	RotationGrace time.Duration
	// BatchSize caps the messages of one audit stream or sink batch
	// (default DefaultBatchSize).
	BatchSize int
	// Retention is how long succeeded deliveries are kept before Purge
	// deletes them (default DefaultRetention).
	Retention time.Duration
	// Sinks are the host's Go sinks by name, for endpoints of KindSink.
	Sinks map[string]Sink
}

// Resolver looks up a host's addresses; *net.Resolver implements it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Deps is what the service needs from the installation.
type Deps struct {
	accountkit.Runtime
	Store Store
}

// Service manages webhook endpoints and delivers the outbox. Every rule
// about webhooks lives here.
type Service struct {
	store  Store
	authz  *security.Authorizer
	audit  *audit.Recorder
	rt     accountkit.Runtime
	opts   Options
	sealer *security.Sealer
	client *http.Client

	sealOnce sync.Once
	sealErr  error
}

// NewService returns a webhooks Service and subscribes it to
// audit.Recorded (ReactionOutbox), so every audited change writes its
// outbox rows in its own transaction. It fails when deps lack the Store
// or the Runtime's Events, or when options meant for development are
// given with Production.
func NewService(deps Deps, opts Options) (*Service, error) {
	rec, err := audit.NewRecorder(deps.Store, deps.Runtime)
	if err != nil {
		return nil, err
	}
	rt, _ := deps.Runtime.WithDefaults()
	if opts.AllowPrivateAddresses && opts.Production {
		return nil, errors.New("webhooks: Options.AllowPrivateAddresses is for tests and development, not with Production")
	}
	if opts.SecretKey != nil && len(opts.SecretKey) != security.SealKeySize {
		return nil, errors.New("webhooks: Options.SecretKey must be 32 bytes")
	}
	for name, sink := range opts.Sinks {
		if name == "" || len(name) > 64 || sink == nil {
			return nil, errors.New("webhooks: Options.Sinks: a sink needs a name of 1 to 64 bytes and a value")
		}
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.Backoff == nil {
		opts.Backoff = DefaultBackoff
	}
	if opts.RotationGrace <= 0 {
		opts.RotationGrace = DefaultRotationGrace
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	if opts.Retention <= 0 {
		opts.Retention = DefaultRetention
	}
	s := &Service{store: deps.Store, authz: security.NewAuthorizer(deps.Store), audit: rec, rt: rt, opts: opts}
	s.client = s.newClient()
	// The endpoints an event goes to are read before the Recorder's
	// transaction (and its locks), except for this Service's own events:
	// endpoints change only in those transactions, and an endpoint created
	// there gets the event of its creation.
	accountkit.Subscribe(rt.Events, ReactionOutbox, func(ctx context.Context, e audit.Preparing) error {
		if e.Item == audit.ItemWebhook {
			return nil
		}
		endpoints, err := s.store.ListWebhookEndpoints(ctx, e.Path)
		if err == nil {
			e.Set(ReactionOutbox, endpoints)
		}
		return err
	})
	accountkit.Subscribe(rt.Events, ReactionOutbox, func(ctx context.Context, e audit.Recorded) error {
		endpoints, read := e.Prepared[ReactionOutbox].([]*Endpoint)
		read = read && e.Event.Item != audit.ItemWebhook
		return s.outbox(ctx, &e.Event, e.Path, endpoints, read)
	})
	return s, nil
}

func (s *Service) now() time.Time { return s.rt.Now().UTC().Truncate(time.Microsecond) }

// seal returns the sealer of signing secrets, built on first use.
func (s *Service) seal() (*security.Sealer, error) {
	s.sealOnce.Do(func() {
		key := s.opts.SecretKey
		if key == nil {
			if s.opts.Production {
				s.sealErr = accountkit.Wrap(errors.New("webhooks: no Options.SecretKey in production"), "webhook secrets cannot be sealed: the host has no key")
				return
			}
			key = make([]byte, security.SealKeySize)
			_, _ = rand.Read(key)
			s.rt.Logger.Warn("webhooks: no Options.SecretKey: signing secrets are sealed with a per-process key and do not survive a restart")
		}
		s.sealer, s.sealErr = security.NewSealer(security.SealKey{ID: 1, Key: key})
	})
	return s.sealer, s.sealErr
}

func sealContext(endpointID string) string { return "webhook:" + endpointID }

// newSecret returns a fresh signing secret ("whsec_" + base64 of 32
// random bytes) and its sealed key bytes.
func (s *Service) newSecret(endpointID string) (string, []byte, error) {
	sealer, err := s.seal()
	if err != nil {
		return "", nil, err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return "", nil, accountkit.Wrap(err, "random source failed")
	}
	sealed, err := sealer.Seal(key, sealContext(endpointID))
	if err != nil {
		return "", nil, err
	}
	return secretPrefix + base64.StdEncoding.EncodeToString(key), sealed, nil
}

// signingKeys returns the keys an endpoint signs with at now: its
// secret, and the previous one during the rotation grace.
func (s *Service) signingKeys(e *Endpoint, now time.Time) ([][]byte, error) {
	sealer, err := s.seal()
	if err != nil {
		return nil, err
	}
	key, err := sealer.Open(e.Secret, sealContext(e.ID))
	if err != nil {
		return nil, err
	}
	keys := [][]byte{key}
	if len(e.PreviousSecret) > 0 && e.PreviousUntil != nil && now.Before(*e.PreviousUntil) {
		old, err := sealer.Open(e.PreviousSecret, sealContext(e.ID))
		if err != nil {
			return nil, err
		}
		keys = append(keys, old)
	}
	return keys, nil
}

func entry(accountID, id string, action audit.Action, desc, fail string) *audit.Entry {
	return &audit.Entry{AccountID: accountID, Item: audit.ItemWebhook, Action: action, Description: desc,
		FailureDescription: fail, TargetType: "webhook", TargetID: id}
}

// CreateEntry is the audit entry of an endpoint creation in the account.
func CreateEntry(accountID string) *audit.Entry {
	return entry(accountID, "", audit.ActionCreate, "Webhook endpoint created.", "Webhook endpoint creation failed.")
}

// UpdateEntry is the audit entry of an endpoint update.
func UpdateEntry(id string) *audit.Entry {
	return entry("", id, audit.ActionUpdate, "Webhook endpoint updated.", "Webhook endpoint update failed.")
}

func deleteEntry(id string) *audit.Entry {
	return entry("", id, audit.ActionDelete, "Webhook endpoint deleted.", "Webhook endpoint deletion failed.")
}

func rotateEntry(id string) *audit.Entry {
	return entry("", id, audit.ActionGenerate, "Webhook signing secret rotated.", "Webhook signing secret rotation failed.")
}

func redeliverEntry(id string) *audit.Entry {
	e := entry("", "", audit.ActionSent, "Webhook delivery resent.", "Webhook delivery resend failed.")
	e.TargetType, e.TargetID = "webhook_delivery", id
	return e
}

// CreateInput describes a new endpoint.
type CreateInput struct {
	// Kind defaults to KindWebhook.
	Kind Kind `json:"kind,omitempty"`
	// URL is required for webhooks and audit streams: https, on a public
	// address (unless Options.AllowPrivateAddresses).
	URL string `json:"url,omitempty"`
	// Sink names a registered Sink; required for KindSink, refused
	// otherwise.
	Sink        string   `json:"sink,omitempty"`
	Description string   `json:"description,omitempty"`
	EventTypes  []string `json:"event_types,omitempty"`
	// Enabled defaults to true.
	Enabled *bool `json:"enabled,omitempty"`
}

// Update changes an endpoint; nil fields are left unchanged.
type Update struct {
	URL         *string   `json:"url,omitempty"`
	Description *string   `json:"description,omitempty"`
	EventTypes  *[]string `json:"event_types,omitempty"`
	Enabled     *bool     `json:"enabled,omitempty"`
}

// Created is a new endpoint and its signing secret, shown this once.
type Created struct {
	Endpoint *Endpoint
	Secret   string
}

// validate checks e's fields into v.
func (s *Service) validate(v *accountkit.Validation, e *Endpoint) {
	switch e.Kind {
	case KindWebhook, KindAuditStream:
		if msg := s.urlProblem(e.URL); msg != "" {
			v.Add("url", msg)
		}
		if e.Sink != "" {
			v.Add("sink", "is only for endpoints of kind sink")
		}
	case KindSink:
		if _, ok := s.opts.Sinks[e.Sink]; !ok {
			v.Add("sink", "is not a sink registered by the host")
		}
		if e.URL != "" {
			v.Add("url", "is not used by endpoints of kind sink")
		}
	default:
		v.Add("kind", "must be webhook, audit_stream or sink")
	}
	v.Text("description", e.Description, 0, MaxDescriptionLength)
	if e.Kind == KindAuditStream && len(e.EventTypes) > 0 && !slices.Equal(e.EventTypes, []string{TypeAuditEvent}) {
		v.Add("event_types", "an audit stream receives audit.event only")
	}
	if len(e.EventTypes) > len(EventTypes) {
		v.Add("event_types", "too many event types")
		return
	}
	for _, t := range e.EventTypes {
		if !slices.Contains(EventTypes, t) {
			v.Add("event_types", "unknown event type "+accountkit.Clip(t, 64)+"; see docs/webhooks.md")
			return
		}
	}
}

// urlProblem returns what is wrong with an endpoint URL, "" when
// nothing is. Names are checked again, resolved, at every dial.
func (s *Service) urlProblem(raw string) string {
	if raw == "" {
		return "is required"
	}
	if len(raw) > MaxURLLength {
		return "is too long"
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "must be an absolute URL such as https://hooks.example.com/accountkit"
	}
	if u.User != nil {
		return "must not hold credentials"
	}
	if u.Fragment != "" {
		return "must not have a fragment"
	}
	if u.Scheme != "https" && !(s.opts.AllowPrivateAddresses && u.Scheme == "http") {
		return "must be https"
	}
	if s.opts.AllowPrivateAddresses {
		return ""
	}
	h := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if a, err := netip.ParseAddr(h); err == nil && !sso.PublicAddress(a) {
		return "must be a public address (loopback, private, link-local and other special addresses are refused)"
	}
	if h == "localhost" || strings.HasSuffix(h, ".localhost") || !strings.Contains(h, ".") && !strings.Contains(h, ":") {
		return "must be a public address (loopback, private, link-local and other special addresses are refused)"
	}
	return ""
}

// Create creates an endpoint of the account. It requires
// security.PermWebhooksManage there. The signing secret is returned once;
// it is stored sealed with the host's key. Audited as "Webhook endpoint
// created." Errors: Unauthenticated, NotFound, Forbidden, Invalid,
// Conflict (too many endpoints).
func (s *Service) Create(ctx context.Context, accountID string, in CreateInput) (*Created, error) {
	e := CreateEntry(accountID)
	var out *Created
	err := s.audit.Run(ctx, e, func(ctx context.Context) error {
		if _, err := s.authz.Require(ctx, security.PermWebhooksManage, accountID); err != nil {
			return err
		}
		now := s.now()
		ep := &Endpoint{ID: s.rt.IDs.NewID(), AccountID: accountID, Kind: in.Kind, URL: in.URL, Sink: in.Sink,
			Description: in.Description, EventTypes: slices.Clone(in.EventTypes), Enabled: in.Enabled == nil || *in.Enabled,
			CreatedAt: now, UpdatedAt: now}
		if ep.Kind == "" {
			ep.Kind = KindWebhook
		}
		var v accountkit.Validation
		s.validate(&v, ep)
		if err := v.Err(); err != nil {
			return err
		}
		existing, err := s.store.ListWebhookEndpoints(ctx, []string{accountID})
		if err != nil {
			return err
		}
		if len(existing) >= MaxEndpointsPerAccount {
			return accountkit.Errorf(accountkit.Conflict, "an account has at most %d webhook endpoints", MaxEndpointsPerAccount)
		}
		secret, sealed, err := s.newSecret(ep.ID)
		if err != nil {
			return err
		}
		ep.Secret = sealed
		if err := s.store.CreateWebhookEndpoint(ctx, ep); err != nil {
			return err
		}
		e.TargetID, e.TargetName = ep.ID, string(ep.Kind)
		out = &Created{Endpoint: ep, Secret: secret}
		return nil
	})
	return out, err
}

// endpoint returns the endpoint after checking the principal may manage
// it; another tree's endpoint is NotFound, like a missing one.
func (s *Service) endpoint(ctx context.Context, id string) (*Endpoint, error) {
	notFound := accountkit.Errorf(accountkit.NotFound, "webhook endpoint not found")
	if !accountkit.ValidID(id) {
		return nil, notFound
	}
	ep, err := s.store.GetWebhookEndpoint(ctx, id)
	if accountkit.ErrorCode(err) == accountkit.NotFound {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	if _, err := s.authz.Require(ctx, security.PermWebhooksManage, ep.AccountID); err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			return nil, notFound
		}
		return nil, err
	}
	return ep, nil
}

// Get returns an endpoint. Errors: Unauthenticated, NotFound, Forbidden.
func (s *Service) Get(ctx context.Context, id string) (*Endpoint, error) {
	return s.endpoint(ctx, id)
}

// List returns the account's endpoints, oldest first. Errors:
// Unauthenticated, NotFound, Forbidden.
func (s *Service) List(ctx context.Context, accountID string) ([]*Endpoint, error) {
	if _, err := s.authz.Require(ctx, security.PermWebhooksManage, accountID); err != nil {
		return nil, err
	}
	return s.store.ListWebhookEndpoints(ctx, []string{accountID})
}

// Update changes an endpoint's URL, description, filters or state.
// Audited as "Webhook endpoint updated." Errors: Unauthenticated,
// NotFound, Forbidden, Invalid.
func (s *Service) Update(ctx context.Context, id string, u Update) (*Endpoint, error) {
	e := UpdateEntry(id)
	var out *Endpoint
	err := s.audit.Run(ctx, e, func(ctx context.Context) error {
		ep, err := s.endpoint(ctx, id)
		if err != nil {
			return err
		}
		e.AccountID = ep.AccountID
		if u.URL != nil {
			ep.URL = *u.URL
		}
		if u.Description != nil {
			ep.Description = *u.Description
		}
		if u.EventTypes != nil {
			ep.EventTypes = slices.Clone(*u.EventTypes)
		}
		if u.Enabled != nil {
			ep.Enabled = *u.Enabled
		}
		var v accountkit.Validation
		s.validate(&v, ep)
		if err := v.Err(); err != nil {
			return err
		}
		ep.UpdatedAt = s.now()
		if err := s.store.UpdateWebhookEndpoint(ctx, ep); err != nil {
			return err
		}
		out = ep
		return nil
	})
	return out, err
}

// Delete removes an endpoint and its deliveries. Audited as "Webhook
// endpoint deleted." Errors: Unauthenticated, NotFound, Forbidden.
func (s *Service) Delete(ctx context.Context, id string) error {
	e := deleteEntry(id)
	return s.audit.Run(ctx, e, func(ctx context.Context) error {
		ep, err := s.endpoint(ctx, id)
		if err != nil {
			return err
		}
		e.AccountID = ep.AccountID
		return s.store.DeleteWebhookEndpoint(ctx, id)
	})
}

// RotateSecret gives an endpoint a new signing secret, returned once. The
// previous secret keeps signing beside it for Options.RotationGrace, so
// receivers see two signatures until they switch. Audited as "Webhook
// signing secret rotated." Errors: Unauthenticated, NotFound, Forbidden.
func (s *Service) RotateSecret(ctx context.Context, id string) (*Created, error) {
	e := rotateEntry(id)
	var out *Created
	err := s.audit.Run(ctx, e, func(ctx context.Context) error {
		ep, err := s.endpoint(ctx, id)
		if err != nil {
			return err
		}
		e.AccountID = ep.AccountID
		secret, sealed, err := s.newSecret(ep.ID)
		if err != nil {
			return err
		}
		now := s.now()
		until := now.Add(s.opts.RotationGrace)
		ep.PreviousSecret, ep.PreviousUntil, ep.Secret, ep.UpdatedAt = ep.Secret, &until, sealed, now
		if err := s.store.UpdateWebhookEndpoint(ctx, ep); err != nil {
			return err
		}
		out = &Created{Endpoint: ep, Secret: secret}
		return nil
	})
	return out, err
}

// DeliveriesInput selects a page of an endpoint's deliveries.
type DeliveriesInput struct {
	EndpointID string
	Status     Status
	accountkit.PageRequest
}

// DeliveryPage is a page of deliveries, newest first.
type DeliveryPage struct {
	Deliveries []*Delivery
	NextCursor string
}

// Deliveries lists an endpoint's deliveries, newest first, optionally of
// one status (dead for the dead letters). Errors: Unauthenticated,
// NotFound, Forbidden, Invalid.
func (s *Service) Deliveries(ctx context.Context, in DeliveriesInput) (*DeliveryPage, error) {
	var v accountkit.Validation
	limit, after := v.Page(in.PageRequest)
	f := DeliveryFilter{EndpointID: in.EndpointID, Limit: limit + 1}
	if in.Status != "" {
		if !slices.Contains([]Status{StatusPending, StatusSucceeded, StatusDead}, in.Status) {
			v.Add("status", "must be pending, succeeded or dead")
		}
		st := in.Status
		f.Status = &st
	}
	if after != nil {
		us, ok := accountkit.ParseTimeKey(after.Key)
		if !ok {
			v.BadCursor()
		} else {
			f.Before = &DeliveryCursor{CreatedAt: time.UnixMicro(us).UTC(), ID: after.ID}
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if _, err := s.endpoint(ctx, in.EndpointID); err != nil {
		return nil, err
	}
	list, err := s.store.ListWebhookDeliveries(ctx, f)
	if err != nil {
		return nil, err
	}
	list, next := accountkit.NextPage(list, limit, func(d *Delivery) accountkit.Cursor {
		return accountkit.Cursor{Key: accountkit.TimeKey(d.CreatedAt.UnixMicro()), ID: d.ID}
	})
	return &DeliveryPage{Deliveries: list, NextCursor: next}, nil
}

// Redeliver sends a delivery again: a dead or succeeded one becomes
// pending with its attempts reset, due now. It then goes out in its turn among the endpoint's deliveries for
// its account. Audited as "Webhook delivery resent." Errors:
// Unauthenticated, NotFound, Forbidden, Conflict (pending already).
func (s *Service) Redeliver(ctx context.Context, deliveryID string) (*Delivery, error) {
	e := redeliverEntry(deliveryID)
	var out *Delivery
	err := s.audit.Run(ctx, e, func(ctx context.Context) error {
		notFound := accountkit.Errorf(accountkit.NotFound, "webhook delivery not found")
		if !accountkit.ValidID(deliveryID) {
			return notFound
		}
		d, err := s.store.GetWebhookDelivery(ctx, deliveryID)
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			return notFound
		}
		if err != nil {
			return err
		}
		ep, err := s.endpoint(ctx, d.EndpointID)
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			return notFound
		}
		if err != nil {
			return err
		}
		e.AccountID = ep.AccountID
		if d.Status == StatusPending {
			return accountkit.Errorf(accountkit.Conflict, "the delivery is pending already; it is tried again at its next attempt")
		}
		now := s.now()
		d.Attempts = 0
		d.Status, d.NextAttemptAt, d.BatchID, d.DeliveredAt, d.UpdatedAt = StatusPending, now, "", nil, now
		if err := s.store.UpdateWebhookDelivery(ctx, d); err != nil {
			return err
		}
		out = d
		return nil
	})
	return out, err
}
