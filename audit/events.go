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
}
