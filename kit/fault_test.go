package kit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/internal/dbtest"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/storage/memory"
	"github.com/accountkit/accountkit/storage/mysql"
	"github.com/accountkit/accountkit/storage/postgres"
	"github.com/accountkit/accountkit/users"
)

// failingStore is the memory store with a switch that makes the reads of
// the sign-in, session and link paths fail as a store that lost its
// database does (Unavailable).
type failingStore struct {
	storage.Store
	down atomic.Bool
}

func (f *failingStore) fail() error {
	if f.down.Load() {
		return &accountkit.Error{Code: accountkit.Unavailable, Message: "the database cannot be reached now", RetryAfter: time.Second}
	}
	return nil
}

func (f *failingStore) GetUser(ctx context.Context, id string) (*users.User, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return f.Store.GetUser(ctx, id)
}

func (f *failingStore) GetUserByUsername(ctx context.Context, username string) (*users.User, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return f.Store.GetUserByUsername(ctx, username)
}

func (f *failingStore) FindUsersByEmail(ctx context.Context, email string) ([]*users.User, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return f.Store.FindUsersByEmail(ctx, email)
}

func (f *failingStore) GetSessionByToken(ctx context.Context, hash string) (*auth.Session, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return f.Store.GetSessionByToken(ctx, hash)
}

func (f *failingStore) SessionAuth(ctx context.Context, hash string) (*auth.SessionAuthInfo, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return f.Store.SessionAuth(ctx, hash)
}

func (f *failingStore) GetToken(ctx context.Context, hash string) (*users.Token, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return f.Store.GetToken(ctx, hash)
}

// faultCase is a store and the switch that takes its database away.
type faultCase struct {
	store      storage.Store
	down, up   func()
	restartsIn time.Duration
}

// faultStores returns the stores the fault test breaks: the memory store
// behind failingStore, and PostgreSQL and MariaDB behind a TCP proxy that
// kills every connection and refuses new ones (required under CI=true).
func faultStores(t *testing.T) map[string]func(t *testing.T) faultCase {
	out := map[string]func(t *testing.T) faultCase{
		"memory": func(t *testing.T) faultCase {
			f := &failingStore{Store: memory.New()}
			t.Cleanup(func() { _ = f.Close() })
			return faultCase{store: f, down: func() { f.down.Store(true) }, up: func() { f.down.Store(false) }}
		},
	}
	open := func(t *testing.T, dsn string, o func(context.Context, string) (storage.Store, error)) faultCase {
		dsn, proxy := dbtest.ViaProxy(t, dsn)
		s, err := o(context.Background(), dsn)
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close() })
		return faultCase{store: s, down: proxy.Cut, up: proxy.Restore}
	}
	out["postgres"] = func(t *testing.T) faultCase {
		return open(t, dbtest.FreshPostgres(t), func(ctx context.Context, dsn string) (storage.Store, error) {
			return postgres.Open(ctx, dsn, postgres.WithMigrate(), postgres.WithMaxOpenConns(4))
		})
	}
	out["mysql"] = func(t *testing.T) faultCase {
		return open(t, dbtest.FreshMySQL(t), func(ctx context.Context, dsn string) (storage.Store, error) {
			return mysql.Open(ctx, dsn, mysql.WithMigrate(), mysql.WithMaxOpenConns(4))
		})
	}
	return out
}

// TestFault_DatabaseDown: while the database cannot be reached, sign-in,
// session and link answers are 503 with Retry-After, never "wrong
// password", "session expired" or "invalid link"; a wrong password is not
// counted while nothing can be checked; after recovery everything answers
// as before.
func TestFault_DatabaseDown(t *testing.T) {
	for name, open := range faultStores(t) {
		t.Run(name, func(t *testing.T) {
			fc := open(t)
			env := kittest.NewWithStore(t, fc.store)
			acc := env.MainAccount(t, "fault")
			env.ActiveUser(t, acc, "ada")
			session := env.Login(t, "ada", kittest.Password)
			pending, err := env.Kit.Users.Create(env.System(), users.CreateInput{AccountID: acc.ID, Username: "bob",
				FirstName: "Bob", LastName: "B", Email: "bob@fault.test"})
			require.NoError(t, err)
			invitation := env.Mail.Last(t, pending.Email, users.MailInvitation).Token

			fc.down()
			unavailable := func(r *kittest.Response, what string) {
				t.Helper()
				require.Equal(t, http.StatusServiceUnavailable, r.Status, "%s: %s", what, r.Body)
				assert.NotEmpty(t, r.Header.Get("Retry-After"), what)
				assert.Equal(t, "unavailable", r.Problem(t)["code"], what)
			}
			login := func(password string) *kittest.Response {
				return env.Do(t, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": "ada", "password": password})
			}
			unavailable(login(kittest.Password), "correct password")
			unavailable(login("wrong-password-1"), "wrong password")
			unavailable(env.Do(t, http.MethodGet, "/api/v1/auth/me", session, nil), "session")
			unavailable(env.Do(t, http.MethodPost, "/api/v1/auth/invitation/accept", "",
				map[string]string{"token": invitation, "password": kittest.Password}), "invitation link")

			fc.up()
			// The pools may hold connections the cut killed: the next calls
			// must find fresh ones.
			require.Eventually(t, func() bool {
				return env.Do(t, http.MethodGet, "/api/v1/auth/me", session, nil).Status == http.StatusOK
			}, 10*time.Second, 50*time.Millisecond, "the session works again after recovery")
			r := login("wrong-password-1")
			require.Equal(t, http.StatusUnauthorized, r.Status, "%s", r.Body)
			u, err := fc.store.GetUserByUsername(context.Background(), "ada")
			require.NoError(t, err)
			assert.Equal(t, 1, u.FailedLogins, "only the failure seen after recovery is counted")
			r = env.Do(t, http.MethodPost, "/api/v1/auth/invitation/accept", "",
				map[string]string{"token": invitation, "password": kittest.Password})
			assert.Equal(t, http.StatusNoContent, r.Status, "the link still works: %s", r.Body)
		})
	}
}

// usersDownStore fails reading users but finds session rows alone; the
// session path reads the session and its user together (SessionAuth),
// which fails as a whole.
type usersDownStore struct{ failingStore }

func (f *usersDownStore) GetSessionByToken(ctx context.Context, hash string) (*auth.Session, error) {
	return f.Store.GetSessionByToken(ctx, hash)
}

// TestFault_SessionUserUnreadable: a valid session whose user cannot be
// read answers 503, not 401 "the session has expired".
func TestFault_SessionUserUnreadable(t *testing.T) {
	f := &usersDownStore{failingStore{Store: memory.New()}}
	env := kittest.NewWithStore(t, f)
	env.ActiveUser(t, env.MainAccount(t, "fault"), "ada")
	session := env.Login(t, "ada", kittest.Password)
	f.down.Store(true)
	r := env.Do(t, http.MethodGet, "/api/v1/auth/me", session, nil)
	assert.Equal(t, http.StatusServiceUnavailable, r.Status, "%s", r.Body)
	f.down.Store(false)
	r = env.Do(t, http.MethodGet, "/api/v1/auth/me", session, nil)
	assert.Equal(t, http.StatusOK, r.Status, "the session was not ended: %s", r.Body)
}

// TestFault_LoggedCause: the server's log says why a request failed (the
// whole cause chain, the route pattern, the request ID and the principal's
// IDs); the client sees only the safe message.
func TestFault_LoggedCause(t *testing.T) {
	var logs bytes.Buffer
	f := &failingStore{Store: memory.New()}
	env := kittest.NewWithStore(t, f, func(o *kit.Options) {
		o.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	})
	acc := env.MainAccount(t, "fault")
	u := env.ActiveUser(t, acc, "ada")
	token := env.Tokens.Issue(kittest.Manager(acc.ID, "boss"))
	f.down.Store(true)
	r := env.Do(t, http.MethodGet, "/api/v1/users/"+u.ID, token, nil)
	require.Equal(t, http.StatusServiceUnavailable, r.Status, "%s", r.Body)
	assert.NotContains(t, string(r.Body), "cannot be reached now: ", "no cause chain reaches the client")
	var entry map[string]any
	require.NoError(t, json.Unmarshal(bytes.TrimSpace(logs.Bytes()), &entry), "%s", logs.String())
	assert.Equal(t, "GET /api/v1/users/{id}", entry["route"])
	assert.Equal(t, r.Header.Get("X-Request-ID"), entry["request_id"])
	assert.Equal(t, acc.ID, entry["account_id"])
	assert.Equal(t, "unavailable", entry["code"])
	assert.Contains(t, entry["err"], "the database cannot be reached now")
}
