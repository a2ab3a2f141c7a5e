package accountkit_test

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
)

func TestErrorCode(t *testing.T) {
	t.Parallel()
	assert.Equal(t, accountkit.Code(""), accountkit.ErrorCode(nil))
	assert.Equal(t, accountkit.Internal, accountkit.ErrorCode(errors.New("boom")))
	e := accountkit.Errorf(accountkit.Conflict, "slug %s taken", "x")
	assert.Equal(t, accountkit.Conflict, accountkit.ErrorCode(fmt.Errorf("wrapped: %w", e)))
	assert.Equal(t, "slug x taken", accountkit.ErrorMessage(e))
}

// TestWrap_CauseForLogsOnly: the cause of an internal error is in Error(),
// which logs show, and never in ErrorMessage, which clients see.
func TestWrap_CauseForLogsOnly(t *testing.T) {
	t.Parallel()
	cause := errors.New(`pq: duplicate key value violates unique constraint "secret_table"`)
	err := accountkit.Wrap(cause, "storage error")
	assert.Equal(t, accountkit.Internal, accountkit.ErrorCode(err))
	assert.Contains(t, err.Error(), "secret_table", "logs tell why")
	assert.Equal(t, "internal error", accountkit.ErrorMessage(err), "clients do not")
	assert.ErrorIs(t, err, cause)
}

func TestValidation(t *testing.T) {
	t.Parallel()
	var v accountkit.Validation
	require.NoError(t, v.Err())
	v.Add("name", "must not be empty")
	v.Add("slug", "too short")
	err := v.Err()
	var e *accountkit.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, accountkit.Invalid, e.Code)
	assert.Len(t, e.Fields, 2)
	assert.Contains(t, e.Message, "name")
}

func TestUUIDv7(t *testing.T) {
	t.Parallel()
	var g accountkit.UUIDv7
	const n = 20000
	ids := make([]string, n)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += 4 {
				ids[i] = g.NewID()
			}
		}(w)
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, id := range ids {
		require.True(t, accountkit.ValidID(id), id)
		require.Equal(t, byte('7'), id[14], "version nibble")
		require.Contains(t, "89ab", string(id[19]), "variant")
		require.False(t, seen[id], "duplicate %s", id)
		seen[id] = true
	}
	// From one goroutine, IDs increase strictly.
	prev := g.NewID()
	for i := 0; i < 5000; i++ {
		id := g.NewID()
		require.Less(t, prev, id)
		prev = id
	}
	assert.True(t, sort.StringsAreSorted([]string{ids[0][:8], prev[:8]}))
}

func TestValidID(t *testing.T) {
	t.Parallel()
	assert.True(t, accountkit.ValidID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"))
	for _, bad := range []string{"", "x", "0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5", "0190a1b2xc3d4-7e5f-8a9b-0c1d2e3f4a5b", "' OR 1=1 --                         "} {
		assert.False(t, accountkit.ValidID(bad), bad)
	}
}

func TestCursor(t *testing.T) {
	t.Parallel()
	c := accountkit.EncodeCursor("123", "abc")
	parts, err := accountkit.DecodeCursor(c, 2)
	require.NoError(t, err)
	assert.Equal(t, []string{"123", "abc"}, parts)
	for _, bad := range []string{"!!!", accountkit.EncodeCursor("only-one"), string(make([]byte, 2000))} {
		_, err := accountkit.DecodeCursor(bad, 2)
		assert.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err))
	}
}

func TestTestClock(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.FixedZone("x", 3600))
	c := accountkit.NewTestClock(base)
	assert.Equal(t, time.UTC, c.Now().Location())
	assert.Equal(t, 123456000, c.Now().Nanosecond(), "microsecond precision")
	c.Advance(time.Hour)
	assert.True(t, c.Now().Equal(base.Add(time.Hour).Truncate(time.Microsecond)))
}
