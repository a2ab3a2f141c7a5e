package accountkit

import (
	"github.com/google/uuid"
)

// IDGenerator makes identifiers for new records.
type IDGenerator interface {
	NewID() string
}

// UUIDv7 generates RFC 9562 version 7 UUIDs in their 36-character text form
// (github.com/google/uuid's NewV7). IDs are strictly increasing within the
// process, even within a millisecond (the sub-millisecond bits count on),
// so they sort in creation order. The zero value is ready to use.
type UUIDv7 struct{}

// NewID returns a new UUIDv7.
func (g *UUIDv7) NewID() string {
	id, err := uuid.NewV7()
	if err != nil {
		panic("accountkit: crypto/rand failed: " + err.Error())
	}
	return id.String()
}

// ValidID reports whether s has the 36-character UUID text form (lower-case
// hex). Services use it to refuse malformed identifiers before they reach a
// store.
func ValidID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return false
			}
		}
	}
	return true
}
