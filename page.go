package accountkit

import (
	"strconv"
)

// Page sizes shared by every list of every service.
const (
	// DefaultPageSize is the page size when a list asks for none.
	DefaultPageSize = 50
	// MaxPageSize is the largest page a list returns.
	MaxPageSize = 200
	// maxCursorKey bounds the sort key inside a cursor, in bytes.
	maxCursorKey = 512
)

// PageRequest is the paging part of every list call: Limit items (0 means
// DefaultPageSize, at most MaxPageSize) after the item Cursor points at.
type PageRequest struct {
	Limit  int
	Cursor string
}

// Cursor locates the last item of a page in its list's order: the item's
// sort key and its ID (which breaks ties). Every list of every service
// uses this one shape; clients see it only as an opaque string.
type Cursor struct {
	Key string
	ID  string
}

// String encodes the cursor for clients.
func (c Cursor) String() string { return EncodeCursor(c.Key, c.ID) }

// Page validates a page request: it returns the page size and the decoded
// cursor (nil for the first page), and records an invalid "limit" or
// "cursor" field in v otherwise.
func (v *Validation) Page(p PageRequest) (limit int, after *Cursor) {
	limit = v.Limit(p.Limit, DefaultPageSize, MaxPageSize)
	if p.Cursor == "" {
		return limit, nil
	}
	parts, err := DecodeCursor(p.Cursor, 2)
	if err != nil || !ValidID(parts[1]) || len(parts[0]) > maxCursorKey || !ValidText(parts[0], false) {
		v.Add("cursor", "malformed cursor")
		return limit, nil
	}
	return limit, &Cursor{Key: parts[0], ID: parts[1]}
}

// BadCursor records a cursor whose key does not parse for the list.
func (v *Validation) BadCursor() { v.Add("cursor", "malformed cursor") }

// NextPage trims list, fetched with limit+1 items, to limit items and
// returns the cursor of the next page ("" when list was the last page).
func NextPage[T any](list []T, limit int, cursor func(T) Cursor) ([]T, string) {
	if limit <= 0 || len(list) <= limit {
		return list, ""
	}
	list = list[:limit]
	return list, cursor(list[limit-1]).String()
}

// TimeKey formats a time as a cursor key that sorts like the time: its
// Unix microseconds.
func TimeKey(t int64) string { return strconv.FormatInt(t, 10) }

// ParseTimeKey parses a key made by TimeKey.
func ParseTimeKey(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}
