package audit

// Recorded is the domain event the Recorder publishes on the Runtime's
// Events after it has written an event, in the transaction of the change
// the event describes: a subscriber that writes in that transaction (the
// webhooks outbox) lands with the change or not at all, and its error
// aborts the change. Event is a copy; subscribers must not keep it beyond
// the call. The audit package knows no subscriber: packages above it
// subscribe (dependencies point inward).
type Recorded struct {
	Event Event
	// Path is the event account's ancestry, main account first, the
	// account itself last (as security.AccountTree returns it).
	Path []string
	// Prepared holds what subscribers of Preparing read for this event
	// before the transaction, by key (nil when nothing was prepared, or
	// when the event's account is not the one prepared for).
	Prepared map[string]any
}

// Preparing is the event Recorder.Run publishes before its transaction
// when the entry's account is known, with that account's ancestry, so that
// a subscriber can read what it will need when the event is Recorded (the
// webhooks outbox: the endpoints of the path) outside the transaction and
// its locks (a seat pool's row, the hash chain). A subscriber stores its
// reads with Set; they come back in Recorded.Prepared, only for an event
// whose account is still AccountID. What is read there may be stale by
// the time the event is written, exactly as a read inside the transaction
// under READ COMMITTED may be by its commit. An error of a subscriber is
// ignored (it reads again when Recorded).
type Preparing struct {
	AccountID string
	// Item and Action are the entry's (fn may not change them).
	Item   Item
	Action Action
	Path   []string
	values map[string]any
}

// Set keeps v under key for the Recorded event of this run.
func (p Preparing) Set(key string, v any) { p.values[key] = v }
