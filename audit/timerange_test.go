package audit_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/audit"
)

func TestRange_Bounds(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	require.NoError(t, err)
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		require.NoError(t, err)
		return v.UTC()
	}
	tests := []struct {
		name     string
		now      string
		loc      *time.Location
		r        audit.Range
		from, to string // to "" = open end
	}{
		{"last 15 minutes", "2026-03-04T10:00:00Z", time.UTC, audit.RangeLast15Minutes, "2026-03-04T09:45:00Z", ""},
		{"last 3 hours across midnight", "2026-03-04T01:00:00Z", time.UTC, audit.RangeLast3Hours, "2026-03-03T22:00:00Z", ""},
		{"today UTC", "2026-03-04T23:59:59Z", time.UTC, audit.RangeToday, "2026-03-04T00:00:00Z", "2026-03-05T00:00:00Z"},
		// 23:30 UTC on the 4th is already the 5th in Berlin (UTC+1 in March).
		{"today Berlin after UTC midnight", "2026-03-04T23:30:00Z", berlin, audit.RangeToday, "2026-03-04T23:00:00Z", "2026-03-05T23:00:00Z"},
		{"yesterday Tokyo", "2026-03-04T16:00:00Z", tokyo, audit.RangeYesterday, "2026-03-03T15:00:00Z", "2026-03-04T15:00:00Z"},
		{"yesterday across month", "2026-03-01T08:00:00Z", time.UTC, audit.RangeYesterday, "2026-02-28T00:00:00Z", "2026-03-01T00:00:00Z"},
		// 2026-03-04 is a Wednesday; weeks start on Monday the 2nd.
		{"this week midweek", "2026-03-04T12:00:00Z", time.UTC, audit.RangeThisWeek, "2026-03-02T00:00:00Z", "2026-03-09T00:00:00Z"},
		{"this week on Sunday night", "2026-03-08T23:59:00Z", time.UTC, audit.RangeThisWeek, "2026-03-02T00:00:00Z", "2026-03-09T00:00:00Z"},
		{"this week on Monday 00:00", "2026-03-09T00:00:00Z", time.UTC, audit.RangeThisWeek, "2026-03-09T00:00:00Z", "2026-03-16T00:00:00Z"},
		// Sunday 23:30 UTC is Monday 00:30 in Berlin: a new week there.
		{"this week Berlin on UTC Sunday", "2026-03-08T23:30:00Z", berlin, audit.RangeThisWeek, "2026-03-08T23:00:00Z", "2026-03-15T23:00:00Z"},
		{"last week", "2026-03-04T12:00:00Z", time.UTC, audit.RangeLastWeek, "2026-02-23T00:00:00Z", "2026-03-02T00:00:00Z"},
		{"last week across year", "2026-01-01T12:00:00Z", time.UTC, audit.RangeLastWeek, "2025-12-22T00:00:00Z", "2025-12-29T00:00:00Z"},
		// Berlin switches to summer time on 2026-03-29: that week is one hour short.
		{"this week Berlin over DST", "2026-03-27T12:00:00Z", berlin, audit.RangeThisWeek, "2026-03-22T23:00:00Z", "2026-03-29T22:00:00Z"},
		{"today Berlin on DST day", "2026-03-29T12:00:00Z", berlin, audit.RangeToday, "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from, to, err := tt.r.Bounds(utc(tt.now), tt.loc)
			require.NoError(t, err)
			assert.True(t, from.Equal(utc(tt.from)), "from %s", from)
			if tt.to == "" {
				assert.Nil(t, to)
			} else {
				require.NotNil(t, to)
				assert.True(t, to.Equal(utc(tt.to)), "to %s", to)
			}
		})
	}
	t.Run("unknown preset", func(t *testing.T) {
		_, _, err := audit.Range("last_year").Bounds(time.Now(), time.UTC)
		assert.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err))
	})
}
