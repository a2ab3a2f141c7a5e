// Package storagetest is the conformance suite every storage adapter runs:
// memory, SQLite, PostgreSQL and MySQL/MariaDB. The suite is the contract
// behind the Store interfaces of the domain packages; an adapter that passes
// it behaves like every other one as far as the services can tell.
//
// An adapter's test calls Run with a Harness:
//
//	func TestConformance(t *testing.T) {
//		storagetest.Run(t, storagetest.Harness{
//			NewStore: func(t *testing.T) storage.Store { ... },
//		})
//	}
//
// Every subtest gets a fresh, empty store of its own and most run in
// parallel, so NewStore must be safe to call concurrently and stores must
// not share state. Records are built by hand: stores are dumb, so the suite
// persists and queries without any business rule in between.
//
// The package is for tests only. It imports the root package, the domain
// packages, storage and testify; it must not import an adapter.
package storagetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/storage"
)

// Harness tells the suite how to make stores of one adapter.
type Harness struct {
	// NewStore returns a fresh, empty, migrated store; the harness registers
	// its cleanup on t. It is called once per subtest, possibly from
	// several subtests at the same time.
	NewStore func(t *testing.T) storage.Store
	// Capabilities lists what the adapter can do that not all can. The suite
	// branches on capabilities, never on adapter names.
	Capabilities []storage.Capability
}

// Has reports whether the harness declares capability c.
func (h Harness) Has(c storage.Capability) bool { return slices.Contains(h.Capabilities, c) }

// Run runs the whole conformance suite against the adapter described by h.
func Run(t *testing.T, h Harness) {
	if h.NewStore == nil {
		t.Fatal("storagetest: Harness.NewStore is nil")
	}
	t.Run("Accounts", func(t *testing.T) { testAccounts(t, h) })
	t.Run("Audit", func(t *testing.T) { testAudit(t, h) })
	t.Run("Tx", func(t *testing.T) { testTx(t, h) })
	t.Run("Users", func(t *testing.T) { testUsers(t, h) })
	t.Run("Settings", func(t *testing.T) { testSettings(t, h) })
	t.Run("SSO", func(t *testing.T) { testSSO(t, h) })
	t.Run("SSOOIDC", func(t *testing.T) { testSSOOIDC(t, h) })
	t.Run("Seats", func(t *testing.T) { testSeats(t, h) })
	t.Run("TwoFactor", func(t *testing.T) { testTwoFactor(t, h) })
	t.Run("Customization", func(t *testing.T) { testCustomization(t, h) })
	t.Run("Notifications", func(t *testing.T) { testNotifications(t, h) })
	t.Run("APIKeys", func(t *testing.T) { testAPIKeys(t, h) })
	t.Run("Teams", func(t *testing.T) { testTeams(t, h) })
	t.Run("UserRemoval", func(t *testing.T) { testUserRemoval(t, h) })
	t.Run("Throttle", func(t *testing.T) { testThrottle(t, h) })
	t.Run("PasswordHistory", func(t *testing.T) { testPasswordHistory(t, h) })
	t.Run("Domains", func(t *testing.T) { testDomains(t, h) })
	t.Run("SCIM", func(t *testing.T) { testSCIM(t, h) })
	t.Run("Jobs", func(t *testing.T) { testJobs(t, h) })
	t.Run("AuditRetention", func(t *testing.T) { testAuditRetention(t, h) })
	t.Run("Webhooks", func(t *testing.T) { testWebhooks(t, h) })
	t.Run("Reports", func(t *testing.T) { testReports(t, h) })
}

// subtest is one conformance case: it gets a fresh store of its own.
type subtest struct {
	name string
	run  func(t *testing.T, s storage.Store)
	// needs names a capability the case requires; without it the case is
	// skipped.
	needs storage.Capability
}

// runAll runs each case in its own subtest with its own store.
func runAll(t *testing.T, h Harness, cases []subtest) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.needs != "" && !h.Has(c.needs) {
				t.Skipf("the adapter lacks %q", c.needs)
			}
			t.Parallel()
			c.run(t, h.NewStore(t))
		})
	}
}

// base is the time every record's time is derived from: UTC, microseconds.
var base = time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC)

// at returns base plus n seconds.
func at(n int) time.Time { return base.Add(time.Duration(n) * time.Second) }

// ids makes the IDs of every record the suite builds.
var ids accountkit.UUIDv7

func newID() string { return ids.NewID() }

func ptr[T any](v T) *T { return &v }

// requireCode fails t unless err is an accountkit error of kind code.
func requireCode(t testing.TB, code accountkit.Code, err error, msgAndArgs ...any) {
	t.Helper()
	require.Error(t, err, msgAndArgs...)
	msg := fmt.Sprintf("error: %v", err)
	if len(msgAndArgs) > 0 {
		if format, ok := msgAndArgs[0].(string); ok {
			msg = fmt.Sprintf(format, msgAndArgs[1:]...) + "; " + msg
		}
	}
	require.Equal(t, code, accountkit.ErrorCode(err), msg)
}

// requireUTC fails t unless got is the same instant as want, in UTC.
func requireUTC(t testing.TB, want, got time.Time, field string) {
	t.Helper()
	require.True(t, want.Equal(got), "%s: want %s, got %s", field, want.Format(time.RFC3339Nano), got.Format(time.RFC3339Nano))
	require.WithinDuration(t, want, got, 0, field)
	require.Equal(t, time.UTC, got.Location(), "%s must be returned in UTC", field)
}

// inTx runs fn in a transaction of s and fails t when it returns an error.
func inTx(t testing.TB, s storage.Store, fn func(ctx context.Context) error) {
	t.Helper()
	require.NoError(t, s.InTx(context.Background(), fn))
}

// ctx returns the context the suite passes to stores outside transactions.
func ctx() context.Context { return context.Background() }
