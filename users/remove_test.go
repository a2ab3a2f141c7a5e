package users_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/apikeys"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/seats"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/users"
)

// removal is a wired installation: main account acme with its only
// Account Manager boss, sub-account sales with its own manager sam, and
// another tree rival.
type removal struct {
	env         *kittest.Env
	main, sales *account.Account
	rival       *account.Account
	boss, sam   *users.User
	bossCtx     context.Context
}

func newRemoval(t *testing.T, env *kittest.Env) *removal {
	t.Helper()
	r := &removal{env: env, main: env.MainAccount(t, "acme"), rival: env.MainAccount(t, "rival")}
	r.sales = env.SubAccount(t, r.main, "sales")
	r.boss = env.ActiveUser(t, r.main, "boss", security.RoleAccountManager)
	r.sam = env.ActiveUser(t, r.sales, "sam", security.RoleAccountManager)
	r.bossCtx = env.UserCtx(t, r.boss)
	_, err := env.Kit.Seats.SetPurchased(env.System(), r.main.ID, 10)
	require.NoError(t, err)
	return r
}

// seated creates an active user of acc holding a seat and signed in; it
// returns the user and their session token.
func (r *removal) seated(t *testing.T, acc *account.Account, name string, roles ...string) (*users.User, string) {
	t.Helper()
	u := r.env.ActiveUser(t, acc, name, roles...)
	_, err := r.env.Kit.Seats.Assign(r.bossCtx, u.ID)
	require.NoError(t, err)
	return u, r.env.Login(t, name, kittest.Password)
}

func (r *removal) seats(t *testing.T) int {
	t.Helper()
	n, err := r.env.Store.CountSeats(context.Background(), r.main.ID, "")
	require.NoError(t, err)
	return n
}

// lastSeatLog returns the newest seat log entry of the main account.
func (r *removal) lastSeatLog(t *testing.T) *seats.LogEntry {
	t.Helper()
	list, err := r.env.Store.ListSeatLog(context.Background(), seats.LogFilter{MainAccountID: r.main.ID, Limit: 1})
	require.NoError(t, err)
	require.NotEmpty(t, list)
	return list[0]
}

func (r *removal) status(t *testing.T, token string) int {
	t.Helper()
	return r.env.Do(t, http.MethodGet, "/api/v1/auth/me", token, nil).Status
}

// TestDelete: deleting a user frees their seat (logged), ends their
// sessions, revokes the API keys they created and is audited; on every
// store.
func TestDelete(t *testing.T) {
	t.Parallel()
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := kittest.NewWithStore(t, open(t))
			r := newRemoval(t, env)
			carol, token := r.seated(t, r.main, "carol", security.RoleAccountManager)
			key, err := env.Kit.APIKeys.Create(env.UserCtx(t, carol), r.main.ID, apikeys.CreateInput{Name: "ci",
				Permissions: []security.Permission{security.PermUsersRead}})
			require.NoError(t, err)
			require.Equal(t, 1, r.seats(t))
			require.Equal(t, http.StatusOK, r.status(t, token))

			require.NoError(t, env.Kit.Users.Delete(r.bossCtx, carol.ID))
			_, err = env.Store.GetUser(context.Background(), carol.ID)
			require.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err))
			assert.Zero(t, r.seats(t), "the seat is free")
			e := r.lastSeatLog(t)
			assert.Equal(t, seats.EventReleased, e.Event)
			assert.Equal(t, carol.ID, e.UserID)
			assert.Equal(t, http.StatusUnauthorized, r.status(t, token), "the session is gone")
			assert.Equal(t, http.StatusUnauthorized, r.status(t, key.Secret), "the key is revoked")
			k, err := env.Store.GetAPIKey(context.Background(), key.Key.ID)
			require.NoError(t, err)
			assert.NotNil(t, k.RevokedAt)
			var deleted *audit.Event
			for _, ev := range env.Events(t, r.main.ID) {
				if ev.Description == "User deleted." {
					deleted = ev
					break
				}
			}
			require.NotNil(t, deleted)
			assert.Equal(t, carol.ID, deleted.TargetID)
			assert.Equal(t, "carol", deleted.TargetName)
			// The username can be used again.
			env.ActiveUser(t, r.main, "carol")
		})
	}
}

// TestDelete_Refused: each refused deletion changes nothing and, where
// the principal could act, is audited as a failure.
func TestDelete_Refused(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	r := newRemoval(t, env)
	dave, _ := r.seated(t, r.main, "dave")
	eve := env.ActiveUser(t, r.rival, "eve")
	member := env.UserCtx(t, dave)
	failures := func() int {
		n := 0
		for _, ev := range env.Events(t, r.main.ID) {
			if ev.Description == "User deletion failed." {
				n++
			}
		}
		return n
	}
	cases := []struct {
		name string
		ctx  context.Context
		id   string
		code accountkit.Code
	}{
		{"yourself", r.bossCtx, r.boss.ID, accountkit.Forbidden},
		{"the last Account Manager", env.System(), r.boss.ID, accountkit.Forbidden},
		{"another tree", r.bossCtx, eve.ID, accountkit.NotFound},
		{"above your account", env.UserCtx(t, r.sam), dave.ID, accountkit.NotFound},
		{"malformed ID", r.bossCtx, "../../etc/passwd", accountkit.NotFound},
		{"unknown ID", r.bossCtx, "01900000-0000-7000-8000-00000000dead", accountkit.NotFound},
		{"without users.manage", member, r.sam.ID, accountkit.Forbidden},
		{"unauthenticated", context.Background(), dave.ID, accountkit.Unauthenticated},
	}
	for _, c := range cases {
		before := failures()
		err := env.Kit.Users.Delete(c.ctx, c.id)
		require.Equal(t, c.code, accountkit.ErrorCode(err), "%s: %v", c.name, err)
		if c.code == accountkit.Forbidden {
			assert.Equal(t, before+1, failures(), "%s is audited", c.name)
		}
	}
	for _, u := range []*users.User{r.boss, r.sam, dave, eve} {
		_, err := env.Store.GetUser(context.Background(), u.ID)
		require.NoError(t, err, "%s is still there", u.Username)
	}
	assert.Equal(t, 1, r.seats(t), "dave keeps his seat")
}

// TestMove: moving a user frees their seat (logged), ends their sessions,
// drops their team memberships and the custom roles of the old account;
// on every store.
func TestMove(t *testing.T) {
	t.Parallel()
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := kittest.NewWithStore(t, open(t))
			r := newRemoval(t, env)
			role, err := env.Kit.Users.CreateRole(r.bossCtx, users.RoleInput{AccountID: r.sales.ID, Name: "Sales viewer",
				Permissions: []string{string(security.PermUsersRead)}})
			require.NoError(t, err)
			frank, token := r.seated(t, r.sales, "frank", security.RoleMember, role.ID)

			moved, err := env.Kit.Users.Move(r.bossCtx, frank.ID, r.main.ID)
			require.NoError(t, err)
			assert.Equal(t, r.main.ID, moved.AccountID)
			assert.Equal(t, []string{security.RoleMember}, moved.Roles, "the sales role stays in sales")
			got, err := env.Store.GetUser(context.Background(), frank.ID)
			require.NoError(t, err)
			assert.Equal(t, r.main.ID, got.AccountID)
			assert.Equal(t, []string{security.RoleMember}, got.Roles)
			assert.Zero(t, r.seats(t), "the seat is free")
			assert.Equal(t, seats.EventReleased, r.lastSeatLog(t).Event)
			assert.Equal(t, http.StatusUnauthorized, r.status(t, token), "sessions end")
			assert.Equal(t, http.StatusOK, r.status(t, env.Login(t, "frank", kittest.Password)), "the password still works")
			ev := env.LastEvent(t, r.main.ID)
			for _, e := range env.Events(t, r.main.ID) {
				if e.Description == "User moved." {
					ev = e
					break
				}
			}
			require.Equal(t, "User moved.", ev.Description)
			assert.Equal(t, r.sales.ID, ev.Details["from_account_id"])
			assert.Equal(t, r.main.ID, ev.Details["to_account_id"])
			assert.Equal(t, role.ID, ev.Details["roles_dropped"])
		})
	}
}

// TestMove_Refused: each refused move changes nothing.
func TestMove_Refused(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	r := newRemoval(t, env)
	grace, _ := r.seated(t, r.sales, "grace")
	closed := env.SubAccount(t, r.main, "closed")
	_, err := env.Kit.Accounts.Disable(env.System(), closed.ID)
	require.NoError(t, err)
	samCtx := env.UserCtx(t, r.sam)
	cases := []struct {
		name string
		ctx  context.Context
		id   string
		to   string
		code accountkit.Code
	}{
		{"another tree", r.bossCtx, grace.ID, r.rival.ID, accountkit.NotFound},
		{"unknown account", r.bossCtx, grace.ID, "01900000-0000-7000-8000-00000000dead", accountkit.NotFound},
		{"malformed account", r.bossCtx, grace.ID, "x", accountkit.NotFound},
		{"same account", r.bossCtx, grace.ID, r.sales.ID, accountkit.Invalid},
		{"disabled account", r.bossCtx, grace.ID, closed.ID, accountkit.Invalid},
		{"up out of your tree", samCtx, grace.ID, r.main.ID, accountkit.NotFound},
		{"the last Account Manager out of the main account", env.System(), r.boss.ID, r.sales.ID, accountkit.Forbidden},
		{"without users.manage", env.UserCtx(t, grace), r.sam.ID, r.main.ID, accountkit.Forbidden},
	}
	for _, c := range cases {
		_, err := env.Kit.Users.Move(c.ctx, c.id, c.to)
		require.Equal(t, c.code, accountkit.ErrorCode(err), "%s: %v", c.name, err)
	}
	for _, u := range []*users.User{r.boss, r.sam, grace} {
		got, err := env.Store.GetUser(context.Background(), u.ID)
		require.NoError(t, err)
		assert.Equal(t, u.AccountID, got.AccountID, "%s stays", u.Username)
	}
	assert.Equal(t, 1, r.seats(t), "grace keeps her seat")
}

// TestLastManagerGuard_SubAccountManagers: the guard protects the main
// account's own managers only; a sub-account's manager can be disabled,
// moved or deleted while the main account has a single manager.
func TestLastManagerGuard_SubAccountManagers(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	r := newRemoval(t, env)
	_, err := env.Kit.Users.Disable(r.bossCtx, r.sam.ID)
	require.NoError(t, err)
	_, err = env.Kit.Users.Enable(r.bossCtx, r.sam.ID)
	require.NoError(t, err)
	sam, err := env.Kit.Users.Move(r.bossCtx, r.sam.ID, r.main.ID)
	require.NoError(t, err)
	// Now the main account has two managers: boss may leave it.
	_, err = env.Kit.Users.Move(env.UserCtx(t, sam), r.boss.ID, r.sales.ID)
	require.NoError(t, err)
	require.NoError(t, env.Kit.Users.Delete(env.System(), r.boss.ID))
}

// TestHTTP_DeleteMove drives both routes through the kit's handler.
func TestHTTP_DeleteMove(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	r := newRemoval(t, env)
	token := env.Login(t, "boss", kittest.Password)
	henry := env.ActiveUser(t, r.main, "henry")

	res := env.Do(t, http.MethodPost, "/api/v1/users/"+henry.ID+"/move", token, map[string]any{"account_id": r.sales.ID})
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	var u map[string]any
	res.JSON(t, &u)
	assert.Equal(t, r.sales.ID, u["account_id"])
	for _, body := range []any{`{"account_id": "` + r.main.ID + `", "extra": 1}`, `{"account_id": 5}`, `[]`} {
		res = env.Do(t, http.MethodPost, "/api/v1/users/"+henry.ID+"/move", token, body)
		assert.Equal(t, http.StatusBadRequest, res.Status, "%v: %s", body, res.Body)
	}
	res = env.Do(t, http.MethodPost, "/api/v1/users/"+henry.ID+"/move", token, map[string]any{"account_id": r.rival.ID})
	assert.Equal(t, http.StatusNotFound, res.Status)

	res = env.Do(t, http.MethodDelete, "/api/v1/users/"+henry.ID, token, nil)
	require.Equal(t, http.StatusNoContent, res.Status, string(res.Body))
	res = env.Do(t, http.MethodDelete, "/api/v1/users/"+henry.ID, token, nil)
	assert.Equal(t, http.StatusNotFound, res.Status)
	res = env.Do(t, http.MethodDelete, "/api/v1/users/"+r.boss.ID, token, nil)
	assert.Equal(t, http.StatusForbidden, res.Status, "not yourself")
}
