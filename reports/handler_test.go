package reports_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/reports"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/users"
)

// TestHandler_Reports: request (202), progress in GET, list pages,
// download with its file name and type, delete (204), and the caller who
// lacks the kind's permission.
func TestHandler_Reports(t *testing.T) {
	f := newFixture(t, kittest.Stores()["memory"])
	tok := f.env.Tokens.Issue(&security.Principal{UserID: f.user.ID, Username: "boss", AccountID: f.main,
		Permissions: security.NewPermissionSet(security.PermUsersRead, security.PermAuditRead)})
	base := "/api/v1/accounts/" + f.main + "/reports"

	var created map[string]any
	res := f.env.Do(t, "POST", base, tok, map[string]any{"kind": "users", "format": "json", "params": map[string]any{"status": "active"}})
	require.Equal(t, 202, res.Status, string(res.Body))
	res.JSON(t, &created)
	id := created["id"].(string)
	assert.Equal(t, "pending", created["status"])
	assert.Equal(t, base+"/"+id, res.Header.Get("Location"))

	res = f.env.Do(t, "GET", base+"/"+id+"/content", tok, nil)
	assert.Equal(t, 409, res.Status, "not done yet")

	require.Equal(t, 1, f.run(t))
	var got map[string]any
	f.env.Do(t, "GET", base+"/"+id, tok, nil).JSON(t, &got)
	assert.Equal(t, "done", got["status"])
	assert.EqualValues(t, 9, got["rows"], "boss, deputy and 7 users")

	res = f.env.Do(t, "GET", base+"/"+id+"/content", tok, nil)
	require.Equal(t, 200, res.Status)
	assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
	assert.Equal(t, `attachment; filename="users-`+kittest.Epoch.Format("2006-01-02")+"-"+id+`.json"`, res.Header.Get("Content-Disposition"))
	var want bytes.Buffer
	require.NoError(t, f.env.Kit.Users.Export(f.boss, users.ListInput{AccountID: f.main, Status: "active"}, users.ExportJSON, &want))
	assert.Equal(t, want.String(), string(res.Body))

	// A seats report the caller (no seats.manage) may neither request nor see.
	res = f.env.Do(t, "POST", base, tok, map[string]any{"kind": "seats", "format": "csv"})
	assert.Equal(t, 403, res.Status)
	seatsReport, err := f.env.Kit.Reports.Request(f.boss, f.main, reports.KindSeats, reports.FormatCSV, reports.Params{})
	require.NoError(t, err)
	assert.Equal(t, 403, f.env.Do(t, "GET", base+"/"+seatsReport.ID, tok, nil).Status)
	for range 2 {
		_, err := f.env.Kit.Reports.Request(f.boss, f.main, reports.KindAudit, reports.FormatCSV, reports.Params{})
		require.NoError(t, err)
	}
	var page struct {
		Items []struct {
			ID   string `json:"id"`
			Kind string `json:"kind"`
		} `json:"items"`
		NextCursor string `json:"next_cursor"`
	}
	f.env.Do(t, "GET", base+"?limit=2", tok, nil).JSON(t, &page)
	require.Len(t, page.Items, 2)
	require.NotEmpty(t, page.NextCursor)
	seen := []string{page.Items[0].ID, page.Items[1].ID}
	f.env.Do(t, "GET", base+"?limit=2&cursor="+page.NextCursor, tok, nil).JSON(t, &page)
	require.Len(t, page.Items, 1, "the seats report is not listed to this caller")
	assert.Equal(t, id, page.Items[0].ID)
	assert.NotContains(t, seen, seatsReport.ID)

	assert.Equal(t, 400, f.env.Do(t, "GET", base+"?cursor=bogus", tok, nil).Status)
	assert.Equal(t, 204, f.env.Do(t, "DELETE", base+"/"+id, tok, nil).Status)
	assert.Equal(t, 404, f.env.Do(t, "GET", base+"/"+id, tok, nil).Status)
}
