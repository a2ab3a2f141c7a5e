package kit_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/accountkittest"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/users"
)

// TestHTTP_UserTeams: a user's teams appear in the users list, in GET of
// one user and in both exports; a user without a team has an empty list.
func TestHTTP_UserTeams(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	main := env.MainAccount(t, "acme")
	env.ActiveUser(t, main, "boss", security.RoleAccountManager)
	sales, ops := env.Team(t, main, "Sales"), env.Team(t, main, "Ops team")
	env.User(t, main, "tina", accountkittest.InTeams(sales, ops))
	admin := env.Login(t, "boss", kittest.Password)

	type team struct{ ID, Name, Source string }
	type user struct {
		ID       string
		Username string
		Teams    []team
	}
	r := env.Do(t, "GET", "/api/v1/users", admin, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var page struct{ Items []user }
	r.JSON(t, &page)
	byName := map[string]user{}
	for _, u := range page.Items {
		byName[u.Username] = u
	}
	require.Contains(t, byName, "tina")
	assert.Equal(t, []team{{ops.ID, "Ops team", "manual"}, {sales.ID, "Sales", "manual"}}, byName["tina"].Teams)
	assert.NotNil(t, byName["boss"].Teams)
	assert.Empty(t, byName["boss"].Teams)

	r = env.Do(t, "GET", "/api/v1/users/"+byName["tina"].ID, admin, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var one user
	r.JSON(t, &one)
	assert.Equal(t, byName["tina"].Teams, one.Teams)

	r = env.Do(t, "GET", "/api/v1/users/export?format=csv&q=tina", admin, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	lines := strings.Split(strings.TrimSpace(string(r.Body)), "\n")
	require.Len(t, lines, 2)
	assert.Contains(t, lines[0], ",roles,teams,")
	assert.Contains(t, lines[1], ",Ops team; Sales,")
	r = env.Do(t, "GET", "/api/v1/users/export?format=json&q=tina", admin, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	assert.Contains(t, string(r.Body), `"teams":[{"id":"`+ops.ID+`","name":"Ops team","source":"manual"}`)
}

// teamsCounter counts the store's UsersTeams queries.
type teamsCounter struct {
	storage.Store
	calls atomic.Int32
}

func (c *teamsCounter) UsersTeams(ctx context.Context, ids []string) (map[string][]users.TeamRef, error) {
	c.calls.Add(1)
	return c.Store.UsersTeams(ctx, ids)
}

// TestHTTP_UserTeams_OneQueryPerPage: a page of 25 users, each in a team,
// reads the teams with one store query, not one per row; so does an
// export of all of them.
func TestHTTP_UserTeams_OneQueryPerPage(t *testing.T) {
	t.Parallel()
	store := &teamsCounter{Store: accountkittest.OpenMemory(t)}
	env := kittest.NewWithStore(t, store)
	main := env.MainAccount(t, "acme")
	env.ActiveUser(t, main, "boss", security.RoleAccountManager)
	team := env.Team(t, main, "Crew")
	for i := range 30 {
		_, err := env.Kit.Users.Create(env.System(), users.CreateInput{AccountID: main.ID, Username: fmt.Sprintf("crew%02d", i),
			Email: fmt.Sprintf("crew%02d@acme.test", i), Teams: []string{team.ID}})
		require.NoError(t, err)
	}
	admin := env.Login(t, "boss", kittest.Password)
	store.calls.Store(0)
	r := env.Do(t, "GET", "/api/v1/users?limit=25&q=crew", admin, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	assert.Equal(t, 25, strings.Count(string(r.Body), `"name":"Crew"`))
	assert.Equal(t, int32(1), store.calls.Load(), "one teams query for the page")
	store.calls.Store(0)
	r = env.Do(t, "GET", "/api/v1/users/export?format=csv&q=crew", admin, nil)
	require.Equal(t, http.StatusOK, r.Status)
	assert.Equal(t, 30, strings.Count(string(r.Body), ",Crew,"))
	assert.Equal(t, int32(1), store.calls.Load(), "one teams query per export batch")
}
