package webhooks_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/internal/dbtest"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/storage/memory"
	"github.com/accountkit/accountkit/storage/mysql"
	"github.com/accountkit/accountkit/storage/postgres"
	"github.com/accountkit/accountkit/webhooks"
)

// downStore is the memory store whose delivery writes fail as a store
// that lost its database does.
type downStore struct {
	storage.Store
	down atomic.Bool
}

func (f *downStore) UpdateWebhookDelivery(ctx context.Context, d *webhooks.Delivery) error {
	if f.down.Load() {
		return &accountkit.Error{Code: accountkit.Unavailable, Message: "the database cannot be reached now"}
	}
	return f.Store.UpdateWebhookDelivery(ctx, d)
}

// outageStores returns stores with a switch that takes the database away:
// memory behind downStore, PostgreSQL and MariaDB behind the dbtest TCP
// proxy that kills every connection.
func outageStores(t *testing.T) map[string]func(t *testing.T) (storage.Store, func(), func()) {
	out := map[string]func(t *testing.T) (storage.Store, func(), func()){
		"memory": func(t *testing.T) (storage.Store, func(), func()) {
			f := &downStore{Store: memory.New()}
			return f, func() { f.down.Store(true) }, func() { f.down.Store(false) }
		},
	}
	open := func(t *testing.T, dsn string, o func(context.Context, string) (storage.Store, error)) (storage.Store, func(), func()) {
		dsn, proxy := dbtest.ViaProxy(t, dsn)
		s, err := o(context.Background(), dsn)
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close() })
		return s, proxy.Cut, proxy.Restore
	}
	if _, ok := kittest.Stores()["postgres"]; ok {
		out["postgres"] = func(t *testing.T) (storage.Store, func(), func()) {
			return open(t, dbtest.FreshPostgres(t), func(ctx context.Context, dsn string) (storage.Store, error) {
				return postgres.Open(ctx, dsn, postgres.WithMigrate(), postgres.WithMaxOpenConns(4))
			})
		}
	}
	if _, ok := kittest.Stores()["mysql"]; ok {
		out["mysql"] = func(t *testing.T) (storage.Store, func(), func()) {
			return open(t, dbtest.FreshMySQL(t), func(ctx context.Context, dsn string) (storage.Store, error) {
				return mysql.Open(ctx, dsn, mysql.WithMigrate(), mysql.WithMaxOpenConns(4))
			})
		}
	}
	return out
}

// TestFault_StoreOutageMidDelivery: the database goes away while the
// receiver is acknowledging a message, so the outcome cannot be recorded.
// After recovery every event is delivered; the one whose outcome was lost
// is sent again under the same webhook-id (at least once: receivers
// deduplicate), and each delivery is recorded as succeeded once.
func TestFault_StoreOutageMidDelivery(t *testing.T) {
	for name, open := range outageStores(t) {
		t.Run(name, func(t *testing.T) {
			store, down, up := open(t)
			env := newEnv(t, func(testing.TB) storage.Store { return store })
			acc := env.MainAccount(t, "acme")
			rcv := newReceiver(t)
			ep := create(t, env, acc, webhooks.CreateInput{URL: rcv.srv.URL, EventTypes: []string{webhooks.TypeUserCreated}})
			rcv.secret = []string{ep.Secret}
			for _, u := range []string{"user1", "user2", "user3"} {
				env.User(t, acc, u)
			}
			rcv.set(func() {
				rcv.before = func(n int) {
					if n == 1 {
						down() // the second message is acknowledged while the database is away
					}
				}
			})
			_, err := env.Kit.DeliverWebhooksOnce(context.Background())
			require.Error(t, err, "the outcome could not be recorded")
			up()
			require.Eventually(t, func() bool {
				_, err := env.Kit.DeliverWebhooksOnce(context.Background())
				return err == nil
			}, 10*time.Second, 50*time.Millisecond, "the store is back")
			// The claim of the lost outcome expires after the timeout and
			// its margin; then it is sent again.
			env.Clock.Advance(2 * time.Minute)
			for range 4 {
				deliver(t, env)
			}
			assert.Len(t, rcv.ackedIDs(), 3, "every event delivered")
			assert.Equal(t, 4, rcv.requests(), "one message sent twice under the same webhook-id")
			list := deliveries(t, env, acc, ep.Endpoint.ID, "")
			require.Len(t, list, 3)
			for _, d := range list {
				assert.Equal(t, webhooks.StatusSucceeded, d.Status)
				assert.Equal(t, 1, d.Attempts, "each outcome recorded once")
			}
		})
	}
}
