package auth

import (
	"context"
	"slices"
	"sync"
	"time"
)

// failurePad makes every failed password sign-in take as long as a failed
// sign-in of an existing user does. An unknown identifier costs one hash
// and little database work; an existing one also costs the locked row,
// the audit event and the failure count. Rather than guess the difference,
// the pad remembers how long recent failures of existing users took (the
// 90th percentile of the last padWindow) and holds every failure until
// that much time has passed since it began, so the two answers take alike
// whatever the load on the database. Successful sign-ins are never held.
type failurePad struct {
	mu     sync.Mutex
	recent []time.Duration // ring of the last padWindow observations
	next   int
}

const (
	padWindow = 64
	// padMax bounds the hold, so a database stall cannot make every
	// failure slow for long.
	padMax = 2 * time.Second
)

// observe records how long a failed sign-in of an existing user took.
func (p *failurePad) observe(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.recent) < padWindow {
		p.recent = append(p.recent, d)
		return
	}
	p.recent[p.next] = d
	p.next = (p.next + 1) % padWindow
}

// target returns how long a failed sign-in should take.
func (p *failurePad) target() time.Duration {
	p.mu.Lock()
	sorted := slices.Clone(p.recent)
	p.mu.Unlock()
	if len(sorted) == 0 {
		return 0
	}
	slices.Sort(sorted)
	return min(sorted[len(sorted)*9/10], padMax)
}

// hold waits until the target has passed since start, or ctx is done.
func (p *failurePad) hold(ctx context.Context, start time.Time) {
	wait := p.target() - time.Since(start)
	if wait <= 0 {
		return
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
