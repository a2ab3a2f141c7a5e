package audit

import (
	"time"

	"github.com/accountkit/accountkit"
)

// Range is a preset time range of the audit log view.
type Range string

// The presets. Days and weeks are computed in the caller's time zone; weeks
// start on Monday.
const (
	RangeLast15Minutes Range = "last_15_minutes"
	RangeLast3Hours    Range = "last_3_hours"
	RangeToday         Range = "today"
	RangeYesterday     Range = "yesterday"
	RangeThisWeek      Range = "this_week"
	RangeLastWeek      Range = "last_week"
	// RangeCustom uses the From and To given with the query.
	RangeCustom Range = "custom"
)

// Bounds returns the [from, to) interval of the preset at now in loc. For
// the rolling presets (last 15 minutes, last 3 hours) to is nil: events
// recorded while the caller pages keep matching. RangeCustom and unknown
// presets are Invalid.
func (r Range) Bounds(now time.Time, loc *time.Location) (from time.Time, to *time.Time, err error) {
	local := now.In(loc)
	midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	day := func(t time.Time, days int) time.Time { // calendar days, DST-safe
		return time.Date(t.Year(), t.Month(), t.Day()+days, 0, 0, 0, 0, loc)
	}
	monday := day(midnight, -((int(midnight.Weekday()) + 6) % 7))
	span := func(a, b time.Time) (time.Time, *time.Time, error) {
		a, b = a.UTC(), b.UTC()
		return a, &b, nil
	}
	switch r {
	case RangeLast15Minutes:
		return now.Add(-15 * time.Minute).UTC(), nil, nil
	case RangeLast3Hours:
		return now.Add(-3 * time.Hour).UTC(), nil, nil
	case RangeToday:
		return span(midnight, day(midnight, 1))
	case RangeYesterday:
		return span(day(midnight, -1), midnight)
	case RangeThisWeek:
		return span(monday, day(monday, 7))
	case RangeLastWeek:
		return span(day(monday, -7), monday)
	default:
		return time.Time{}, nil, accountkit.InvalidField("range", "unknown range; use one of last_15_minutes, last_3_hours, today, yesterday, this_week, last_week, custom")
	}
}
