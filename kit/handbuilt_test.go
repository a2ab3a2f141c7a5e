package kit_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/apikeys"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/seats"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/sso"
	"github.com/accountkit/accountkit/storage/memory"
	"github.com/accountkit/accountkit/teams"
	"github.com/accountkit/accountkit/users"
)

// handBuilt is an installation a host built service by service, without
// kit.New, in an order of its choosing.
type handBuilt struct {
	rt       accountkit.Runtime
	store    *memory.Store
	accounts *account.Service
	users    *users.Service
	auth     *auth.Service
	teams    *teams.Service
	seats    *seats.Service
	keys     *apikeys.Service
	sso      *sso.Service
}

// The services a host may build, each needing those listed in its Deps.
var buildSteps = map[string]func(t *testing.T, h *handBuilt){
	"accounts": func(t *testing.T, h *handBuilt) {
		var err error
		h.accounts, err = account.NewService(account.Deps{Runtime: h.rt, Store: h.store}, account.Options{})
		require.NoError(t, err)
	},
	"users": func(t *testing.T, h *handBuilt) {
		var err error
		h.users, err = users.NewService(users.Deps{Runtime: h.rt, Store: h.store}, users.Options{Mailer: &kittest.Outbox{}, LinkBaseURL: "https://app.test/account"})
		require.NoError(t, err)
	},
	"auth": func(t *testing.T, h *handBuilt) {
		var err error
		h.auth, err = auth.NewService(auth.Deps{Runtime: h.rt, Store: h.store, Accounts: h.accounts, Users: h.users},
			auth.Options{Hasher: security.NewPasswordHasher(kittest.CheapArgon2, 0), Limits: kittest.NoLimits})
		require.NoError(t, err)
	},
	"teams": func(t *testing.T, h *handBuilt) {
		var err error
		h.teams, err = teams.NewService(teams.Deps{Runtime: h.rt, Store: h.store, Users: h.users}, teams.Options{})
		require.NoError(t, err)
	},
	"seats": func(t *testing.T, h *handBuilt) {
		var err error
		h.seats, err = seats.NewService(seats.Deps{Runtime: h.rt, Store: h.store}, seats.Options{})
		require.NoError(t, err)
	},
	"apikeys": func(t *testing.T, h *handBuilt) {
		var err error
		h.keys, err = apikeys.NewService(apikeys.Deps{Runtime: h.rt, Store: h.store, Users: h.users}, apikeys.Options{})
		require.NoError(t, err)
	},
	"sso": func(t *testing.T, h *handBuilt) {
		var err error
		h.sso, err = sso.NewService(sso.Deps{Runtime: h.rt, Store: h.store, Users: h.users, Auth: h.auth, Teams: h.teams},
			sso.Options{BaseURL: kittest.BaseURL})
		require.NoError(t, err)
	},
}

// Orders a host may build in: every one respects the Deps (a service after
// those it is given), and they differ in where the reacting services
// (seats, apikeys, teams, sso) come relative to the publishers.
var buildOrders = [][]string{
	{"accounts", "users", "auth", "teams", "seats", "apikeys", "sso"},
	{"seats", "accounts", "users", "apikeys", "teams", "auth", "sso"},
	{"accounts", "seats", "users", "teams", "auth", "sso", "apikeys"},
}

func build(t *testing.T, order []string) *handBuilt {
	t.Helper()
	h := &handBuilt{rt: accountkit.Runtime{Events: accountkit.NewEvents(), Clock: accountkit.NewTestClock(kittest.Epoch)}, store: memory.New()}
	t.Cleanup(func() { _ = h.store.Close() })
	for _, step := range order {
		buildSteps[step](t, h)
	}
	require.NoError(t, h.rt.Events.Check(), "every reaction is present")
	return h
}

// seed makes a main account with purchased seats, its manager "boss" and a
// member "amy" who holds a seat and created an API key.
func (h *handBuilt) seed(t *testing.T) (main *account.Account, boss, amy *users.User, key *apikeys.Created) {
	t.Helper()
	sys := security.AsSystem(context.Background())
	main, err := h.accounts.CreateMain(sys, account.CreateInput{Name: "Acme", Slug: "acme"})
	require.NoError(t, err)
	boss, err = h.auth.Bootstrap(sys, users.CreateInput{AccountID: main.ID, Username: "boss", Email: "boss@acme.test",
		Roles: []string{security.RoleAccountManager}}, kittest.Password)
	require.NoError(t, err)
	amy, err = h.auth.Bootstrap(sys, users.CreateInput{AccountID: main.ID, Username: "amy", Email: "amy@acme.test",
		Roles: []string{security.RoleAccountManager}}, kittest.Password)
	require.NoError(t, err)
	_, err = h.seats.SetPurchased(sys, main.ID, 5)
	require.NoError(t, err)
	_, err = h.seats.Assign(sys, amy.ID)
	require.NoError(t, err)
	amyCtx := h.as(t, amy)
	key, err = h.keys.Create(amyCtx, main.ID, apikeys.CreateInput{Name: "amy's key", Permissions: []security.Permission{security.PermUsersRead}})
	require.NoError(t, err)
	return main, boss, amy, key
}

func (h *handBuilt) as(t *testing.T, u *users.User) context.Context {
	t.Helper()
	perms, err := h.users.EffectivePermissions(context.Background(), u)
	require.NoError(t, err)
	return security.WithPrincipal(context.Background(), &security.Principal{UserID: u.ID, Username: u.Username, AccountID: u.AccountID, Permissions: perms})
}

// TestHandBuilt_Reactions builds the services by hand in several orders and
// checks every rule that spans services holds in each.
func TestHandBuilt_Reactions(t *testing.T) {
	t.Parallel()
	for _, order := range buildOrders {
		t.Run(strings.Join(order, ","), func(t *testing.T) {
			t.Parallel()
			h := build(t, order)
			main, boss, amy, key := h.seed(t)
			bossCtx := h.as(t, boss)
			keyReq := func() error {
				_, err := h.keys.Authenticate(bearer(key.Secret))
				return err
			}

			// A key follows its creator: disabled creator, inert key.
			require.NoError(t, keyReq())
			_, err := h.users.Disable(bossCtx, amy.ID)
			require.NoError(t, err)
			assert.Equal(t, accountkit.Unauthenticated, accountkit.ErrorCode(keyReq()), "a disabled creator's key does not act")
			_, err = h.users.Enable(bossCtx, amy.ID)
			require.NoError(t, err)
			require.NoError(t, keyReq())

			// Team roles flow into effective permissions.
			member, err := h.auth.Bootstrap(security.AsSystem(context.Background()), users.CreateInput{AccountID: main.ID, Username: "moe", Email: "moe@acme.test"}, kittest.Password)
			require.NoError(t, err)
			perms, err := h.users.EffectivePermissions(context.Background(), member)
			require.NoError(t, err)
			require.False(t, perms.Has(security.PermAuditRead))
			team, err := h.teams.Create(bossCtx, teams.CreateInput{AccountID: main.ID, Name: "Auditors", Roles: []string{security.RoleAccountManager}})
			require.NoError(t, err)
			// Teams asked for when a user is edited are applied (TeamsRequested).
			_, err = h.users.Update(bossCtx, member.ID, users.Update{Teams: &[]string{team.ID}})
			require.NoError(t, err)
			perms, err = h.users.EffectivePermissions(context.Background(), member)
			require.NoError(t, err)
			assert.True(t, perms.Has(security.PermAuditRead), "team roles are effective permissions")

			// SSO enforcement refuses passwords (after the right password).
			require.NoError(t, h.store.PutSSOConfig(context.Background(), &sso.Config{AccountID: main.ID, Enabled: true}))
			_, err = h.auth.Login(context.Background(), auth.LoginInput{Identifier: "moe", Password: kittest.Password})
			require.Error(t, err)
			assert.Contains(t, accountkit.ErrorMessage(err), "single sign-on", "password sign-in refused while SSO is enforced")
			require.NoError(t, h.store.PutSSOConfig(context.Background(), &sso.Config{AccountID: main.ID}))
			_, err = h.auth.Login(context.Background(), auth.LoginInput{Identifier: "moe", Password: kittest.Password})
			require.NoError(t, err)

			// A user who leaves frees the seat and loses the keys they made.
			require.NoError(t, h.users.Delete(bossCtx, amy.ID))
			n, err := h.store.CountSeats(context.Background(), main.ID, "")
			require.NoError(t, err)
			assert.Zero(t, n, "the seat is freed")
			k, err := h.store.GetAPIKey(context.Background(), key.Key.ID)
			require.NoError(t, err)
			assert.NotNil(t, k.RevokedAt, "the key is revoked")
		})
	}
}

// TestHandBuilt_MissingReaction: a host that leaves out a reacting service
// (or builds it with another Events) is told, and nothing is changed.
func TestHandBuilt_MissingReaction(t *testing.T) {
	t.Parallel()
	for _, missing := range []string{"seats", "apikeys", "teams", "sso"} {
		t.Run(missing, func(t *testing.T) {
			t.Parallel()
			h := &handBuilt{rt: accountkit.Runtime{Events: accountkit.NewEvents()}, store: memory.New()}
			t.Cleanup(func() { _ = h.store.Close() })
			for _, step := range buildOrders[0] {
				if step == missing {
					continue
				}
				if missing == "teams" && step == "sso" {
					continue // sso needs teams
				}
				buildSteps[step](t, h)
			}
			err := h.rt.Events.Check()
			require.Error(t, err)
			assert.Contains(t, err.Error(), `"`+missing+`"`, "the missing reaction is named")
		})
	}

	t.Run("NoEvents", func(t *testing.T) {
		store := memory.New()
		defer store.Close()
		_, err := users.NewService(users.Deps{Store: store}, users.Options{})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "Events is required")
	})

	t.Run("PublishRefusesAndChangesNothing", func(t *testing.T) {
		h := &handBuilt{rt: accountkit.Runtime{Events: accountkit.NewEvents()}, store: memory.New()}
		defer h.store.Close()
		for _, step := range []string{"accounts", "users", "auth"} {
			buildSteps[step](t, h)
		}
		sys := security.AsSystem(context.Background())
		main, err := h.accounts.CreateMain(sys, account.CreateInput{Name: "Acme", Slug: "acme"})
		require.NoError(t, err)
		for _, name := range []string{"boss", "amy"} {
			_, err = h.auth.Bootstrap(sys, users.CreateInput{AccountID: main.ID, Username: name, Email: name + "@acme.test",
				Roles: []string{security.RoleAccountManager}}, kittest.Password)
			require.NoError(t, err)
		}
		amy, err := h.store.GetUserByUsername(context.Background(), "amy")
		require.NoError(t, err)
		err = h.users.Delete(sys, amy.ID)
		require.Error(t, err, "without seats and apikeys the leaving rules cannot run")
		assert.Equal(t, accountkit.Internal, accountkit.ErrorCode(err))
		assert.ErrorContains(t, err, "seats")
		_, err = h.store.GetUser(context.Background(), amy.ID)
		assert.NoError(t, err, "the user is still there")
	})
}

// bearer returns a request carrying the token.
func bearer(token string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/api/v1/account", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	return r
}
