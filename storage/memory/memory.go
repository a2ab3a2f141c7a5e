// Package memory is the in-memory storage adapter: the embedded default and
// the fastest store for tests. It is a real adapter, held to the same
// conformance suite (storagetest) as the SQL ones; nothing survives the
// process.
//
// Transactions are real. InTx takes a store-wide write lock for the whole
// transaction, so there is one writer at a time; every write inside it
// records how to undo itself, and a transaction whose function fails or
// panics is undone in reverse order. Reads outside a transaction take the
// read lock; store methods called with a transaction's context neither lock
// again nor wait. A write outside a transaction runs as a transaction of its
// own. Records are copied in and out: callers cannot change stored state
// through the pointers, slices or maps they pass or get back.
//
// Like every store, it holds no business rules. It imports the root
// package, the domain packages and storage only.
package memory

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/jobs"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/storage"
)

// Store keeps everything in maps and sorted slices guarded by one lock. The
// zero value is not usable; use New. A Store is safe for concurrent use.
type Store struct {
	mu     sync.RWMutex
	closed bool

	// Accounts.
	accounts map[string]*account.Account // by ID
	slugs    map[string]string           // slug -> ID
	sorted   []string                    // every slug, in byte order
	children map[string][]string         // parent ID -> child IDs

	// Audit log.
	logs     map[string]*auditLog  // by main account ID
	eventIDs map[string]struct{}   // every event ID
	chains   map[string]*chainHead // by main account ID
	// Audit retentions and checkpoints (audit_retention.go), made on
	// first use.
	retention retentionState

	// Users, roles, tokens and sessions (users.go).
	usersState

	// Seat pools, limits, seats and the seat log (seats.go).
	seatsState

	// Security settings by account ID (settings.go).
	settings map[string]*account.SecuritySettings

	// Customizations, hostnames and logos (customization.go).
	custom customizationState

	// Notifications, deliveries and opt-outs (notifications.go).
	notes notificationsState

	// API keys (apikeys.go).
	apiKeys apiKeysState

	// TOTP enrollments by user ID (twofactor.go).
	twoFactor twoFactors

	// SSO configurations, links and SAML one-time state (sso.go).
	sso ssoState

	// Teams and memberships (teams.go).
	teamsState

	// Rate-limit token buckets by key (throttle.go).
	buckets map[string]*security.Bucket

	// Password histories by user ID, oldest first (passwords.go).
	passwords map[string][]pastPassword

	// SCIM external IDs (scim.go).
	scim scimState

	// Job leases by job name (jobs.go), made on first use.
	leases map[string]jobs.Lease

	// Webhook endpoints, outbox messages and deliveries (webhooks.go),
	// made on first use.
	webhooks webhooksState
	// Reports and their content chunks (reports.go).
	reports reportsState
}

var _ storage.Store = (*Store)(nil)

// Option configures a Store. There are none yet; the parameter keeps New's
// signature stable when some are added.
type Option func(*Store)

// New returns an empty Store.
func New(opts ...Option) *Store {
	s := &Store{
		accounts: map[string]*account.Account{},
		slugs:    map[string]string{},
		children: map[string][]string{},
		logs:     map[string]*auditLog{},
		eventIDs: map[string]struct{}{},
		chains:   map[string]*chainHead{},

		usersState: newUsersState(),
		seatsState: newSeatsState(),
		settings:   map[string]*account.SecuritySettings{},
		custom:     newCustomizationState(),
		notes:      newNotificationsState(),
		apiKeys:    newAPIKeysState(),
		twoFactor:  twoFactors{},
		sso:        newSSOState(),
		teamsState: newTeamsState(),
		buckets:    map[string]*security.Bucket{},
		passwords:  map[string][]pastPassword{},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Close releases the store: every later call fails with an Internal error.
// It waits for a running transaction to end.
func (s *Store) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	return nil
}

// tx is the state of a transaction carried by a context.
type tx struct {
	store *Store
	undo  []func()
	ended atomic.Bool // set when InTx returns; later use is a bug
}

type txKey struct{}

var (
	errClosed   = accountkit.Wrap(errors.New("memory: store closed"), "storage error")
	errTxEnded  = accountkit.Wrap(errors.New("memory: transaction already ended"), "storage error")
	errTxNeeded = accountkit.Wrap(errors.New("memory: LockAuditChain called outside a transaction"), "storage error")
)

// txFrom returns the transaction of s carried by ctx, or nil. A context
// carrying a transaction of another Store counts as none.
func (s *Store) txFrom(ctx context.Context) *tx {
	t, _ := ctx.Value(txKey{}).(*tx)
	if t == nil || t.store != s {
		return nil
	}
	return t
}

// InTx implements accountkit.Transactor. It holds the store's write lock
// while fn runs, so transactions never interleave and there is nothing to
// retry. A context that already carries a transaction of s is joined. When
// fn returns an error its writes are undone and the error returned; when
// fn panics they are undone and the panic continues. InTx returns ctx.Err()
// without calling fn when ctx is done before the transaction starts.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if t := s.txFrom(ctx); t != nil {
		if t.ended.Load() {
			return errTxEnded
		}
		return fn(ctx) // the outermost InTx decides
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed
	}
	if err := ctx.Err(); err != nil { // done while waiting for the lock
		return err
	}
	t := &tx{store: s}
	returned := false
	defer func() {
		if !returned { // fn panicked or called runtime.Goexit
			t.rollback()
		}
		t.ended.Store(true)
	}()
	err := fn(context.WithValue(ctx, txKey{}, t))
	returned = true
	if err != nil {
		t.rollback()
	}
	return err
}

// onRollback records how to undo a write made in t.
func (t *tx) onRollback(undo func()) { t.undo = append(t.undo, undo) }

// rollback undoes every write of t, newest first.
func (t *tx) rollback() {
	for i := len(t.undo) - 1; i >= 0; i-- {
		t.undo[i]()
	}
	t.undo = nil
}

// read runs fn under the read lock, or directly inside a transaction of s.
func (s *Store) read(ctx context.Context, fn func() error) error {
	if t := s.txFrom(ctx); t != nil {
		if t.ended.Load() {
			return errTxEnded
		}
		return fn()
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return errClosed
	}
	return fn()
}

// write runs fn in the transaction carried by ctx, or in one of its own.
func (s *Store) write(ctx context.Context, fn func(t *tx) error) error {
	if t := s.txFrom(ctx); t != nil {
		if t.ended.Load() {
			return errTxEnded
		}
		return fn(t)
	}
	return s.InTx(ctx, func(ctx context.Context) error { return fn(s.txFrom(ctx)) })
}

func notFound(what string) error {
	return accountkit.Errorf(accountkit.NotFound, "%s not found", what)
}

func conflict(what string) error {
	return accountkit.Errorf(accountkit.Conflict, "%s already exists", what)
}

// capped returns how many of n matches a page of limit keeps: limit when
// it is positive and smaller, else all (the services always set a limit).
func capped(n, limit int) int { return min(n, limitOrAll(limit)) }

// limitOrAll reads a filter's Limit: a positive limit, or no limit.
func limitOrAll(n int) int {
	if n <= 0 {
		return 1 << 31
	}
	return n
}
