package teams_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/security"
)

type teamOut struct {
	ID          string   `json:"id"`
	AccountID   string   `json:"account_id"`
	Name        string   `json:"name"`
	Source      string   `json:"source"`
	Roles       []string `json:"roles"`
	MemberCount int      `json:"member_count"`
}

func TestHandler(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	f := newFixture(t, env)
	tok := env.Tokens.Issue(kittest.Manager(f.main.ID, "mgr"))
	reader := env.Tokens.Issue(kittest.Member(f.main.ID, "reader", security.PermUsersRead))
	rival := env.Tokens.Issue(kittest.Manager(f.rival.ID, "rival"))
	u1, u2 := f.user(t, f.main), f.user(t, f.main)

	res := env.Do(t, http.MethodPost, "/api/v1/teams", tok, map[string]any{"name": "Support", "roles": []string{"member"}})
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	var tm teamOut
	res.JSON(t, &tm)
	assert.Equal(t, "Support", tm.Name)
	assert.Equal(t, "manual", tm.Source)
	assert.Equal(t, []string{"member"}, tm.Roles)

	t.Run("BadInput", func(t *testing.T) {
		before := len(env.Events(t, f.main.ID))
		for body, field := range map[string]string{
			`{"name": ""}`:                     "name",
			`{"name": "support"}`:              "name",
			`{"name": "x", "roles": ["nope"]}`: "roles",
			`{"name": "x", "owner": "me"}`:     "owner",
			`{"name": 5}`:                      "name",
		} {
			res := env.Do(t, http.MethodPost, "/api/v1/teams", tok, body)
			assert.Contains(t, []int{http.StatusBadRequest, http.StatusConflict}, res.Status, body)
			p := res.Problem(t)
			require.NotEmpty(t, p["fields"], body)
			assert.Equal(t, field, p["fields"].([]any)[0].(map[string]any)["field"], body)
		}
		assert.Len(t, env.Events(t, f.main.ID), before+5, "refused bodies are audited too")
		res := env.Do(t, http.MethodPost, "/api/v1/teams", tok, `{"name": "`+strings.Repeat("x", 70<<10)+`"}`)
		assert.Equal(t, http.StatusRequestEntityTooLarge, res.Status)
	})
	t.Run("Members", func(t *testing.T) {
		res := env.Do(t, http.MethodPost, "/api/v1/teams/"+tm.ID+"/members", tok, map[string]any{"user_ids": []string{u1.ID, u2.ID}})
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		var got teamOut
		res.JSON(t, &got)
		assert.Equal(t, 2, got.MemberCount)

		res = env.Do(t, http.MethodGet, "/api/v1/teams/"+tm.ID+"/members?limit=1", reader, nil)
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		var page struct {
			Items []struct {
				Username string `json:"username"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		res.JSON(t, &page)
		require.Len(t, page.Items, 1)
		assert.Equal(t, "user1", page.Items[0].Username)
		require.NotEmpty(t, page.NextCursor)
		res = env.Do(t, http.MethodGet, "/api/v1/teams/"+tm.ID+"/members?cursor="+page.NextCursor, reader, nil)
		res.JSON(t, &page)
		assert.Equal(t, "user2", page.Items[0].Username)

		res = env.Do(t, http.MethodGet, "/api/v1/users?team_id="+tm.ID, reader, nil)
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		assert.Contains(t, string(res.Body), "user1")

		res = env.Do(t, http.MethodDelete, "/api/v1/teams/"+tm.ID+"/members", tok, map[string]any{"user_ids": []string{u1.ID}})
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		res.JSON(t, &got)
		assert.Equal(t, 1, got.MemberCount)
		res = env.Do(t, http.MethodPost, "/api/v1/teams/"+tm.ID+"/members/remove", tok, map[string]any{"user_ids": []string{u2.ID}})
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		res.JSON(t, &got)
		assert.Equal(t, 0, got.MemberCount)

		res = env.Do(t, http.MethodPost, "/api/v1/teams/"+tm.ID+"/members", tok, map[string]any{"user_ids": []string{f.rivalUser.ID}})
		assert.Equal(t, http.StatusBadRequest, res.Status)
		assert.Equal(t, "user_ids", res.Problem(t)["fields"].([]any)[0].(map[string]any)["field"])
		res = env.Do(t, http.MethodPost, "/api/v1/teams/"+tm.ID+"/members", reader, map[string]any{"user_ids": []string{u1.ID}})
		assert.Equal(t, http.StatusForbidden, res.Status)
	})
	t.Run("SSOTeam", func(t *testing.T) {
		sso, err := env.Kit.Teams.FindOrCreateSSOTeam(env.System(), f.main.ID, "Domain_Users")
		require.NoError(t, err)
		res := env.Do(t, http.MethodPost, "/api/v1/teams/"+sso.ID+"/members", tok, map[string]any{"user_ids": []string{u1.ID}})
		assert.Equal(t, http.StatusForbidden, res.Status)
		assert.Contains(t, res.Problem(t)["detail"], "the team is managed by single sign-on")
		res = env.Do(t, http.MethodPatch, "/api/v1/teams/"+sso.ID, tok, map[string]any{"roles": []string{"member"}})
		assert.Equal(t, http.StatusOK, res.Status, string(res.Body))
	})
	t.Run("ListGetUpdateDelete", func(t *testing.T) {
		res := env.Do(t, http.MethodGet, "/api/v1/teams?q=SUPP", reader, nil)
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		var list struct {
			Items []teamOut `json:"items"`
		}
		res.JSON(t, &list)
		require.Len(t, list.Items, 1)
		assert.Equal(t, tm.ID, list.Items[0].ID)
		res = env.Do(t, http.MethodGet, "/api/v1/teams?source=bogus", reader, nil)
		assert.Equal(t, http.StatusBadRequest, res.Status)

		res = env.Do(t, http.MethodPatch, "/api/v1/teams/"+tm.ID, tok, map[string]any{"name": "Customer Support"})
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		res = env.Do(t, http.MethodGet, "/api/v1/teams/"+tm.ID, reader, nil)
		var got teamOut
		res.JSON(t, &got)
		assert.Equal(t, "Customer Support", got.Name)

		// Another tree sees nothing, whatever it tries.
		for _, c := range []struct{ method, path string }{
			{http.MethodGet, "/api/v1/teams/" + tm.ID},
			{http.MethodPatch, "/api/v1/teams/" + tm.ID},
			{http.MethodDelete, "/api/v1/teams/" + tm.ID},
			{http.MethodGet, "/api/v1/teams/" + tm.ID + "/members"},
			{http.MethodPost, "/api/v1/teams/" + tm.ID + "/members"},
			{http.MethodDelete, "/api/v1/teams/" + tm.ID + "/members"},
			{http.MethodGet, "/api/v1/teams?account_id=" + f.main.ID},
		} {
			var body any
			if c.method == http.MethodPatch {
				body = map[string]any{"name": "pwned"}
			} else if c.method != http.MethodGet {
				body = map[string]any{"user_ids": []string{f.rivalUser.ID}}
			}
			res := env.Do(t, c.method, c.path, rival, body)
			assert.Equal(t, http.StatusNotFound, res.Status, "%s %s", c.method, c.path)
		}

		res = env.Do(t, http.MethodDelete, "/api/v1/teams/"+tm.ID, tok, nil)
		assert.Equal(t, http.StatusNoContent, res.Status)
		res = env.Do(t, http.MethodGet, "/api/v1/teams/"+tm.ID, tok, nil)
		assert.Equal(t, http.StatusNotFound, res.Status)
		res = env.Do(t, http.MethodGet, "/api/v1/teams", "", nil)
		assert.Equal(t, http.StatusUnauthorized, res.Status)
	})
}
