package accountkit

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"sync"
	"time"
)

// IDGenerator makes identifiers for new records.
type IDGenerator interface {
	NewID() string
}

// UUIDv7 generates RFC 9562 version 7 UUIDs in their 36-character text form.
// IDs from one generator are strictly increasing, even within a millisecond,
// so they sort in creation order. The zero value is ready to use.
type UUIDv7 struct {
	mu     sync.Mutex
	lastMS int64
	seq    uint16 // 12-bit counter in rand_a
}

// NewID returns a new UUIDv7.
func (g *UUIDv7) NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("accountkit: crypto/rand failed: " + err.Error())
	}
	ms := time.Now().UnixMilli()
	g.mu.Lock()
	if ms <= g.lastMS {
		ms = g.lastMS
		g.seq++
		if g.seq > 0x0fff { // counter exhausted: borrow the next millisecond
			ms++
			g.seq = 0
		}
	} else {
		g.seq = binary.BigEndian.Uint16(b[6:8]) & 0x07ff // start low to leave room
	}
	g.lastMS = ms
	seq := g.seq
	g.mu.Unlock()

	b[0] = byte(ms >> 40)
	b[1] = byte(ms >> 32)
	b[2] = byte(ms >> 24)
	b[3] = byte(ms >> 16)
	b[4] = byte(ms >> 8)
	b[5] = byte(ms)
	b[6] = 0x70 | byte(seq>>8)
	b[7] = byte(seq)
	b[8] = (b[8] & 0x3f) | 0x80 // variant 10

	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], b[10:16])
	return string(out[:])
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
