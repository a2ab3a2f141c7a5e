package accountkit

import (
	"sync"
	"time"
)

// Clock tells the time. Services take one so tests can fix it.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock. Now returns UTC truncated to microseconds,
// the precision every storage adapter keeps.
type SystemClock struct{}

// Now returns the current UTC time at microsecond precision.
func (SystemClock) Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// TestClock is a settable Clock for tests. The zero value is not usable; use
// NewTestClock.
type TestClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewTestClock returns a TestClock fixed at t.
func NewTestClock(t time.Time) *TestClock {
	return &TestClock{now: t.UTC().Truncate(time.Microsecond)}
}

// Now returns the clock's current time.
func (c *TestClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t.
func (c *TestClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t.UTC().Truncate(time.Microsecond)
	c.mu.Unlock()
}

// Advance moves the clock forward by d.
func (c *TestClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d).Truncate(time.Microsecond)
	c.mu.Unlock()
}
