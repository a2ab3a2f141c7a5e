package seats_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/seats"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/users"
)

func ptr[T any](v T) *T { return &v }

// agentRole is the host role that needs a seat in these tests.
const agentRole = "conversations_agent"

// warnings records the OnWarning hook's calls.
type warnings struct {
	mu   sync.Mutex
	list []seats.Warning
}

func (w *warnings) add(_ context.Context, x seats.Warning) {
	w.mu.Lock()
	w.list = append(w.list, x)
	w.mu.Unlock()
}

func (w *warnings) all() []seats.Warning {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]seats.Warning(nil), w.list...)
}

// fixture is a wired installation with a seats service whose seat role is
// agentRole: a main account "acme" with sub-account "sales", a manager of
// acme, and another tree "rival" with its own manager.
type fixture struct {
	env       *kittest.Env
	svc       *seats.Service
	warns     *warnings
	main, sub *account.Account
	rival     *account.Account
	mgr       context.Context // Account Manager of acme
	rivalMgr  context.Context // Account Manager of rival
	n         int
}

func newFixture(t testing.TB, env *kittest.Env) *fixture {
	t.Helper()
	reg := env.Kit.Users.Registry()
	if _, ok := reg.Role(agentRole); !ok {
		require.NoError(t, reg.RegisterPermission("conversations.use", "use Conversations"))
		require.NoError(t, reg.RegisterRole(security.Role{Key: agentRole, Name: "Conversations agent", Permissions: []security.Permission{"conversations.use"}}))
	}
	f := &fixture{env: env, warns: &warnings{}}
	svc, err := seats.NewService(seats.Deps{Runtime: env.Kit.Runtime, Store: env.Store},
		seats.Options{SeatRoles: []string{agentRole}, OnWarning: f.warns.add})
	require.NoError(t, err)
	f.svc = svc
	f.main = env.MainAccount(t, "acme")
	f.sub = env.SubAccount(t, f.main, "sales")
	f.rival = env.MainAccount(t, "rival")
	f.mgr = kittest.As(kittest.Manager(f.main.ID, "boss"))
	f.rivalMgr = kittest.As(kittest.Manager(f.rival.ID, "mallory"))
	return f
}

// user creates an invited user of acc with the roles straight in the
// store (fast; seats accept invited users).
func (f *fixture) user(t testing.TB, acc *account.Account, roles ...string) *users.User {
	t.Helper()
	f.n++
	name := fmt.Sprintf("%s-user%03d", acc.Slug, f.n)
	now := f.env.Clock.Now()
	u := &users.User{ID: (&accountkit.UUIDv7{}).NewID(), AccountID: acc.ID, MainAccountID: acc.MainID(), Username: name,
		FirstName: "First", LastName: "Last", Email: name + "@example.com", Status: users.StatusActive, Roles: roles,
		CreatedAt: now, UpdatedAt: now, ActivatedAt: &now}
	require.NoError(t, f.env.Store.CreateUser(context.Background(), u))
	return u
}

func (f *fixture) purchase(t testing.TB, n int) {
	t.Helper()
	_, err := f.svc.SetPurchased(f.env.System(), f.main.ID, n)
	require.NoError(t, err)
}

func (f *fixture) assign(t testing.TB, u *users.User) {
	t.Helper()
	_, err := f.svc.Assign(f.mgr, u.ID)
	require.NoError(t, err)
}

func (f *fixture) count(t testing.TB, accountID string) int {
	t.Helper()
	n, err := f.env.Store.CountSeats(context.Background(), f.main.ID, accountID)
	require.NoError(t, err)
	return n
}

// seatLog returns the seat log of the main account, newest first.
func (f *fixture) seatLog(t testing.TB, mainID string) []*seats.LogEntry {
	t.Helper()
	list, err := f.env.Store.ListSeatLog(context.Background(), seats.LogFilter{MainAccountID: mainID, Limit: 10000})
	require.NoError(t, err)
	return list
}

// lastAudit returns the newest audit event of the main account with the
// item.
func (f *fixture) lastAudit(t testing.TB, mainID string, item audit.Item) *audit.Event {
	t.Helper()
	for _, e := range f.env.Events(t, mainID) {
		if e.Item == item {
			return e
		}
	}
	t.Fatalf("no %s event", item)
	return nil
}

func requireCode(t testing.TB, code accountkit.Code, err error) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, code, accountkit.ErrorCode(err), "error: %v", err)
}
