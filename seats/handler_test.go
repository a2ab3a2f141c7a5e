package seats_test

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/seats"
)

func TestHandler(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	f := newFixture(t, env)
	_, err := env.Kit.Seats.SetPurchased(env.System(), f.main.ID, 5)
	require.NoError(t, err)
	tok := env.Tokens.Issue(kittest.Manager(f.main.ID, "boss"))
	rival := env.Tokens.Issue(kittest.Manager(f.rival.ID, "mallory"))
	alice := f.user(t, f.sub, agentRole)
	bob := f.user(t, f.sub, agentRole)

	t.Run("Assign", func(t *testing.T) {
		res := env.Do(t, "POST", "/api/v1/seats/users/"+alice.ID, tok, nil)
		require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
		var seat map[string]any
		res.JSON(t, &seat)
		assert.Equal(t, alice.ID, seat["user_id"])
		assert.Equal(t, "boss", seat["assigned_by"])
		res = env.Do(t, "POST", "/api/v1/seats/users/"+alice.ID, tok, nil)
		assert.Equal(t, http.StatusConflict, res.Status)
		assert.Equal(t, "user_id", res.Problem(t)["fields"].([]any)[0].(map[string]any)["field"])
		res = env.Do(t, "POST", "/api/v1/seats/users/"+bob.ID, rival, nil)
		assert.Equal(t, http.StatusNotFound, res.Status)
		res = env.Do(t, "POST", "/api/v1/seats/users/"+bob.ID, "", nil)
		assert.Equal(t, http.StatusUnauthorized, res.Status)
	})

	badLimits := []struct {
		name, body, field string
		status            int
	}{
		{"Fraction", `{"limit": 2.5}`, "limit", http.StatusBadRequest},
		{"Negative", `{"limit": -1}`, "limit", http.StatusBadRequest},
		{"String", `{"limit": "3"}`, "limit", http.StatusBadRequest},
		{"Huge", `{"limit": 1e30}`, "limit", http.StatusBadRequest},
		{"AbovePool", `{"limit": 6}`, "limit", http.StatusBadRequest},
		{"Missing", `{}`, "limit", http.StatusBadRequest},
		{"Null", `{"limit": null}`, "limit", http.StatusBadRequest},
		{"UnknownField", `{"limit": 2, "max": 3}`, "max", http.StatusBadRequest},
		{"BelowAssigned", `{"limit": 0}`, "limit", http.StatusConflict},
	}
	for _, c := range badLimits {
		t.Run("SetLimit"+c.name, func(t *testing.T) {
			before := len(f.seatLog(t, f.main.ID))
			res := env.Do(t, "PUT", "/api/v1/seats/accounts/"+f.sub.ID+"/limit", tok, c.body)
			require.Equal(t, c.status, res.Status, string(res.Body))
			p := res.Problem(t)
			assert.Equal(t, c.field, p["fields"].([]any)[0].(map[string]any)["field"], p)
			_, err := env.Store.GetSeatLimit(t.Context(), f.sub.ID)
			require.Error(t, err, "no limit was set")
			log := f.seatLog(t, f.main.ID)
			require.Len(t, log, before+1, "the refused attempt is in the seat log")
			assert.Equal(t, seats.StatusFailure, log[0].Status)
			assert.Equal(t, seats.EventLimitSet, log[0].Event)
		})
	}

	t.Run("SetAndRemoveLimit", func(t *testing.T) {
		res := env.Do(t, "PUT", "/api/v1/seats/accounts/"+f.sub.ID+"/limit", tok, `{"limit": 2}`)
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		var out map[string]any
		res.JSON(t, &out)
		assert.EqualValues(t, 2, out["limit"])
		res = env.Do(t, "PUT", "/api/v1/seats/accounts/"+f.sub.ID+"/limit", rival, `{"limit": 1}`)
		assert.Equal(t, http.StatusNotFound, res.Status)
		res = env.Do(t, "DELETE", "/api/v1/seats/accounts/"+f.sub.ID+"/limit", tok, nil)
		assert.Equal(t, http.StatusNoContent, res.Status)
		res = env.Do(t, "DELETE", "/api/v1/seats/accounts/"+f.sub.ID+"/limit", tok, nil)
		assert.Equal(t, http.StatusNotFound, res.Status)
	})

	t.Run("Overview", func(t *testing.T) {
		res := env.Do(t, "GET", "/api/v1/seats", tok, nil)
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		var o map[string]any
		res.JSON(t, &o)
		assert.EqualValues(t, 5, o["purchased"])
		assert.EqualValues(t, 1, o["assigned"])
		assert.EqualValues(t, 4, o["remaining"])
		assert.EqualValues(t, 0, o["inactive_with_seats"])
		assert.Equal(t, false, o["warning"])
		res = env.Do(t, "GET", "/api/v1/seats?account_id="+f.main.ID, rival, nil)
		assert.Equal(t, http.StatusNotFound, res.Status)
	})

	t.Run("Lists", func(t *testing.T) {
		for _, path := range []string{
			"/api/v1/seats/accounts",
			"/api/v1/seats/accounts?limited=false&q=sal",
			"/api/v1/seats/accounts/" + f.sub.ID + "/holders",
			"/api/v1/seats/accounts/" + f.sub.ID + "/users?q=user",
			"/api/v1/seats/inactive?last_login_from=2020-01-01T00:00:00Z",
			"/api/v1/seats/log?event=seat_assigned&from=2020-01-01T00:00:00Z",
		} {
			res := env.Do(t, "GET", path, tok, nil)
			require.Equal(t, http.StatusOK, res.Status, path+": "+string(res.Body))
			var out struct {
				Items []map[string]any `json:"items"`
			}
			res.JSON(t, &out)
			assert.NotNil(t, out.Items, path)
		}
		for _, path := range []string{
			"/api/v1/seats/accounts?limit=x",
			"/api/v1/seats/accounts?limited=maybe",
			"/api/v1/seats/inactive?last_login_from=yesterday",
			"/api/v1/seats/log?event=nope",
			"/api/v1/seats/log?to=2020-13-01",
			"/api/v1/seats/accounts/" + f.sub.ID + "/holders?limit=1000",
		} {
			res := env.Do(t, "GET", path, tok, nil)
			assert.Equal(t, http.StatusBadRequest, res.Status, path)
		}
		var members struct {
			Items []struct {
				User map[string]any `json:"user"`
				Seat map[string]any `json:"seat"`
			} `json:"items"`
		}
		env.Do(t, "GET", "/api/v1/seats/accounts/"+f.sub.ID+"/users", tok, nil).JSON(t, &members)
		require.Len(t, members.Items, 2)
		for _, m := range members.Items {
			assert.Equal(t, m.User["id"] == alice.ID, m.Seat != nil)
		}
		var holders struct {
			Items []struct {
				TeamRoles       []string `json:"team_roles"`
				InactiveReasons []string `json:"inactive_reasons"`
			} `json:"items"`
		}
		env.Do(t, "GET", "/api/v1/seats/accounts/"+f.sub.ID+"/holders", tok, nil).JSON(t, &holders)
		require.Len(t, holders.Items, 1)
		assert.Equal(t, []string{}, holders.Items[0].TeamRoles, "an empty list, not null")
		assert.Equal(t, []string{}, holders.Items[0].InactiveReasons)
	})

	t.Run("Report", func(t *testing.T) {
		res := env.Do(t, "GET", "/api/v1/seats/report", tok, nil)
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		assert.Equal(t, "text/csv; charset=utf-8", res.Header.Get("Content-Type"))
		rows, err := csv.NewReader(strings.NewReader(string(res.Body))).ReadAll()
		require.NoError(t, err)
		assert.Len(t, rows, 3)
		res = env.Do(t, "GET", "/api/v1/seats/report?account_id="+f.main.ID, rival, nil)
		assert.Equal(t, http.StatusNotFound, res.Status)
		assert.Equal(t, "application/problem+json", res.Header.Get("Content-Type"))
	})

	t.Run("Bulk", func(t *testing.T) {
		res := env.Do(t, "POST", "/api/v1/seats/bulk-unassign", tok, `{"user_ids": "x"}`)
		assert.Equal(t, http.StatusBadRequest, res.Status)
		res = env.Do(t, "POST", "/api/v1/seats/bulk-unassign", tok, `{"user_ids": ["`+alice.ID+`","`+bob.ID+`"]}`)
		require.Equal(t, http.StatusBadRequest, res.Status, string(res.Body))
		assert.Equal(t, "user_ids[1]", res.Problem(t)["fields"].([]any)[0].(map[string]any)["field"])
		res = env.Do(t, "POST", "/api/v1/seats/bulk-unassign", tok, `{"user_ids": ["`+alice.ID+`"]}`)
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		assert.JSONEq(t, `{"removed": 1}`, string(res.Body))
	})

	t.Run("Unassign", func(t *testing.T) {
		require.Equal(t, http.StatusCreated, env.Do(t, "POST", "/api/v1/seats/users/"+bob.ID, tok, nil).Status)
		assert.Equal(t, http.StatusNoContent, env.Do(t, "DELETE", "/api/v1/seats/users/"+bob.ID, tok, nil).Status)
		assert.Equal(t, http.StatusNotFound, env.Do(t, "DELETE", "/api/v1/seats/users/"+bob.ID, tok, nil).Status)
	})
}
