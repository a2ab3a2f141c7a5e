package storagetest

import (
	"bytes"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/reports"
	"github.com/accountkit/accountkit/storage"
)

// testReports checks the report jobs: their rows, the conditional claim
// that keeps two runners off one report, progress and outcome, expiry,
// and the chunks of the default BlobStore.
func testReports(t *testing.T, h Harness) {
	runAll(t, h, []subtest{
		{name: "CreateGetList", run: testReportsCreateGetList},
		{name: "Claim", run: testReportsClaim},
		{name: "ClaimParallel", run: testReportsClaimParallel},
		{name: "ProgressFinishExpire", run: testReportsProgress},
		{name: "Chunks", run: testReportChunks},
	})
}

func newReport(accountID string, kind reports.Kind, created int) *reports.Report {
	from := at(-3600)
	return &reports.Report{ID: newID(), AccountID: accountID, Kind: kind, Format: reports.FormatCSV,
		Params:    reports.Params{Status: "active", Locked: ptr(true), From: &from, Search: "ann"},
		Requester: reports.Requester{UserID: newID(), Name: "ann"}, Status: reports.StatusPending,
		CreatedAt: at(created), UpdatedAt: at(created)}
}

func mustCreateReport(t testing.TB, s storage.Store, r *reports.Report) *reports.Report {
	t.Helper()
	require.NoError(t, s.CreateReport(ctx(), r))
	return r
}

func testReportsCreateGetList(t *testing.T, s storage.Store) {
	acc, other := newID(), newID()
	a := mustCreateReport(t, s, newReport(acc, reports.KindUsers, 0))
	requireCode(t, accountkit.Conflict, s.CreateReport(ctx(), a), "same ID")
	b := mustCreateReport(t, s, newReport(acc, reports.KindAudit, 10))
	c := mustCreateReport(t, s, newReport(acc, reports.KindSeats, 10))
	mustCreateReport(t, s, newReport(other, reports.KindUsers, 20))

	got, err := s.GetReport(ctx(), a.ID)
	require.NoError(t, err)
	assert.Equal(t, a.Params.Status, got.Params.Status)
	assert.Equal(t, true, *got.Params.Locked)
	requireUTC(t, *a.Params.From, *got.Params.From, "Params.From")
	assert.Equal(t, a.Requester, got.Requester)
	assert.Equal(t, reports.StatusPending, got.Status)
	requireUTC(t, a.CreatedAt, got.CreatedAt, "CreatedAt")
	assert.Nil(t, got.StartedAt)
	_, err = s.GetReport(ctx(), newID())
	requireCode(t, accountkit.NotFound, err)

	list, err := s.ListReports(ctx(), reports.Filter{AccountID: acc})
	require.NoError(t, err)
	newest := []string{b.ID, c.ID}
	if c.ID > b.ID {
		newest = []string{c.ID, b.ID}
	}
	require.Equal(t, append(newest, a.ID), reportIDs(list), "newest first, ID breaks ties; another account's apart")

	list, err = s.ListReports(ctx(), reports.Filter{AccountID: acc, Kinds: []reports.Kind{reports.KindUsers, reports.KindSeats}})
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{a.ID, c.ID}, reportIDs(list), "kinds")

	list, err = s.ListReports(ctx(), reports.Filter{AccountID: acc, Limit: 1})
	require.NoError(t, err)
	require.Len(t, list, 1)
	list, err = s.ListReports(ctx(), reports.Filter{AccountID: acc, Before: &reports.Cursor{CreatedAt: list[0].CreatedAt, ID: list[0].ID}})
	require.NoError(t, err)
	assert.Equal(t, append(newest[1:], a.ID), reportIDs(list), "after the cursor")

	require.NoError(t, s.DeleteReport(ctx(), a.ID))
	requireCode(t, accountkit.NotFound, s.DeleteReport(ctx(), a.ID))
	_, err = s.GetReport(ctx(), a.ID)
	requireCode(t, accountkit.NotFound, err)
}

func reportIDs(list []*reports.Report) []string {
	out := make([]string, len(list))
	for i, r := range list {
		out[i] = r.ID
	}
	return out
}

func testReportsClaim(t *testing.T, s storage.Store) {
	acc := newID()
	a := mustCreateReport(t, s, newReport(acc, reports.KindUsers, 0))
	b := mustCreateReport(t, s, newReport(acc, reports.KindUsers, 1))

	list, err := s.ListRunnableReports(ctx(), at(0), 10)
	require.NoError(t, err)
	require.Equal(t, []string{a.ID, b.ID}, reportIDs(list), "pending, oldest first")

	ok, err := s.ClaimReport(ctx(), a.ID, 1, at(100), at(0))
	require.NoError(t, err)
	assert.False(t, ok, "wrong attempt")
	ok, err = s.ClaimReport(ctx(), a.ID, 0, at(100), at(0))
	require.NoError(t, err)
	require.True(t, ok)
	got, err := s.GetReport(ctx(), a.ID)
	require.NoError(t, err)
	assert.Equal(t, reports.StatusRunning, got.Status)
	assert.Equal(t, 1, got.Attempt)
	requireUTC(t, at(100), *got.StartedAt, "StartedAt")
	requireUTC(t, at(100), got.UpdatedAt, "UpdatedAt")

	ok, err = s.ClaimReport(ctx(), a.ID, 0, at(101), at(0))
	require.NoError(t, err)
	assert.False(t, ok, "claimed already")
	ok, err = s.ClaimReport(ctx(), a.ID, 1, at(101), at(100))
	require.NoError(t, err)
	assert.False(t, ok, "running and not stale (updated at 100, stale before 100)")

	list, err = s.ListRunnableReports(ctx(), at(100), 10)
	require.NoError(t, err)
	assert.Equal(t, []string{b.ID}, reportIDs(list), "running, not stale")
	list, err = s.ListRunnableReports(ctx(), at(101), 1)
	require.NoError(t, err)
	assert.Equal(t, []string{a.ID}, reportIDs(list), "stale running comes first (older), limit 1")

	ok, err = s.ClaimReport(ctx(), a.ID, 1, at(200), at(101))
	require.NoError(t, err)
	require.True(t, ok, "stale: claimed again")
	got, err = s.GetReport(ctx(), a.ID)
	require.NoError(t, err)
	assert.Equal(t, 2, got.Attempt)

	ok, err = s.ClaimReport(ctx(), newID(), 0, at(200), at(101))
	require.NoError(t, err)
	assert.False(t, ok, "unknown report")
}

// testReportsClaimParallel: of 20 runners claiming one pending report,
// exactly one wins.
func testReportsClaimParallel(t *testing.T, s storage.Store) {
	for range 3 {
		r := mustCreateReport(t, s, newReport(newID(), reports.KindAudit, 0))
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := s.ClaimReport(ctx(), r.ID, 0, at(10), at(0))
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		require.EqualValues(t, 1, wins.Load())
	}
}

func testReportsProgress(t *testing.T, s storage.Store) {
	acc := newID()
	r := mustCreateReport(t, s, newReport(acc, reports.KindUsers, 0))
	ok, err := s.UpdateReportProgress(ctx(), r.ID, 0, 5, 50, at(1))
	require.NoError(t, err)
	assert.False(t, ok, "pending, not running")
	ok, err = s.ClaimReport(ctx(), r.ID, 0, at(1), at(0))
	require.NoError(t, err)
	require.True(t, ok)

	ok, err = s.UpdateReportProgress(ctx(), r.ID, 1, 500, 5000, at(2))
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = s.UpdateReportProgress(ctx(), r.ID, 1, 500, 5000, at(2))
	require.NoError(t, err)
	require.True(t, ok, "the same values again still match (MariaDB: clientFoundRows)")
	ok, err = s.UpdateReportProgress(ctx(), r.ID, 2, 1, 1, at(3))
	require.NoError(t, err)
	assert.False(t, ok, "another attempt")
	got, err := s.GetReport(ctx(), r.ID)
	require.NoError(t, err)
	assert.EqualValues(t, 500, got.Rows)
	assert.EqualValues(t, 5000, got.Size)
	requireUTC(t, at(2), got.UpdatedAt, "UpdatedAt")

	exp := at(1000)
	f := reports.Finish{ID: r.ID, Attempt: 2, Status: reports.StatusDone, Rows: 900, Size: 9000, BlobKey: r.ID + "/1", At: at(5), ExpiresAt: &exp}
	ok, err = s.FinishReport(ctx(), f)
	require.NoError(t, err)
	assert.False(t, ok, "another attempt")
	f.Attempt = 1
	ok, err = s.FinishReport(ctx(), f)
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = s.FinishReport(ctx(), f)
	require.NoError(t, err)
	assert.False(t, ok, "not running any more")
	got, err = s.GetReport(ctx(), r.ID)
	require.NoError(t, err)
	assert.Equal(t, reports.StatusDone, got.Status)
	assert.EqualValues(t, 900, got.Rows)
	assert.Equal(t, r.ID+"/1", got.BlobKey)
	requireUTC(t, at(5), *got.FinishedAt, "FinishedAt")
	requireUTC(t, exp, *got.ExpiresAt, "ExpiresAt")

	failed := mustCreateReport(t, s, newReport(acc, reports.KindSeats, 1))
	ok, err = s.ClaimReport(ctx(), failed.ID, 0, at(1), at(0))
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = s.FinishReport(ctx(), reports.Finish{ID: failed.ID, Attempt: 1, Status: reports.StatusFailed, Error: "no access", At: at(6)})
	require.NoError(t, err)
	require.True(t, ok)
	got, err = s.GetReport(ctx(), failed.ID)
	require.NoError(t, err)
	assert.Equal(t, reports.StatusFailed, got.Status)
	assert.Equal(t, "no access", got.Error)
	assert.Nil(t, got.ExpiresAt)

	list, err := s.ListExpiredReports(ctx(), at(999), 10)
	require.NoError(t, err)
	assert.Empty(t, list, "not expired yet")
	list, err = s.ListExpiredReports(ctx(), at(1000), 10)
	require.NoError(t, err)
	assert.Equal(t, []string{r.ID}, reportIDs(list), "done and expired; failed ones are not listed")
	ok, err = s.ExpireReport(ctx(), failed.ID, at(1000))
	require.NoError(t, err)
	assert.False(t, ok, "not done")
	ok, err = s.ExpireReport(ctx(), r.ID, at(1000))
	require.NoError(t, err)
	require.True(t, ok)
	got, err = s.GetReport(ctx(), r.ID)
	require.NoError(t, err)
	assert.Equal(t, reports.StatusExpired, got.Status)
	list, err = s.ListExpiredReports(ctx(), at(2000), 10)
	require.NoError(t, err)
	assert.Empty(t, list, "expired once")
}

func testReportChunks(t *testing.T, s storage.Store) {
	big := bytes.Repeat([]byte{0, 1, 2, 0xff, 'x'}, reports.DefaultChunkSize/5+1)[:reports.DefaultChunkSize]
	require.NoError(t, s.PutChunk(ctx(), "r/1", 0, big))
	require.NoError(t, s.PutChunk(ctx(), "r/1", 1, []byte("tail")))
	requireCode(t, accountkit.Conflict, s.PutChunk(ctx(), "r/1", 1, []byte("again")), "chunk exists")
	require.NoError(t, s.PutChunk(ctx(), "r/2", 0, []byte{}))

	got, err := s.GetChunk(ctx(), "r/1", 0)
	require.NoError(t, err)
	require.True(t, bytes.Equal(big, got), "a full 256 KiB chunk of binary bytes")
	got, err = s.GetChunk(ctx(), "r/1", 1)
	require.NoError(t, err)
	assert.Equal(t, "tail", string(got))
	got, err = s.GetChunk(ctx(), "r/2", 0)
	require.NoError(t, err)
	assert.Empty(t, got)
	_, err = s.GetChunk(ctx(), "r/1", 2)
	requireCode(t, accountkit.NotFound, err)
	_, err = s.GetChunk(ctx(), "r/3", 0)
	requireCode(t, accountkit.NotFound, err)

	n, err := s.DeleteChunks(ctx(), "r/1")
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	_, err = s.GetChunk(ctx(), "r/1", 0)
	requireCode(t, accountkit.NotFound, err)
	n, err = s.DeleteChunks(ctx(), "r/1")
	require.NoError(t, err)
	assert.Zero(t, n)
	_, err = s.GetChunk(ctx(), "r/2", 0)
	require.NoError(t, err, "another key untouched")

	// The default BlobStore over these chunks.
	blobs := reports.StoreBlobs(s, 1000)
	content := bytes.Repeat([]byte("abcdefghij"), 350) // 3.5 chunks
	require.NoError(t, blobs.Put(ctx(), "b/1", bytes.NewReader(content)))
	rc, err := blobs.Open(ctx(), "b/1")
	require.NoError(t, err)
	var out bytes.Buffer
	_, err = out.ReadFrom(rc)
	require.NoError(t, err)
	require.NoError(t, rc.Close())
	assert.Equal(t, content, out.Bytes())
	n, err = s.DeleteChunks(ctx(), "b/1")
	require.NoError(t, err)
	assert.Equal(t, 4, n, "stored in 1000-byte chunks")
	require.NoError(t, blobs.Delete(ctx(), "b/1"), "deleting a missing key")
	_, err = blobs.Open(ctx(), "b/1")
	requireCode(t, accountkit.NotFound, err)
}
