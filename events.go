package accountkit

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
)

// Events carries domain events between the services of one installation.
//
// Dependencies between packages point one way (see the README's
// architecture section): a service calls the services below it directly,
// through the fields of its Deps. A rule that runs the other way — a user
// who leaves frees their seat, although seats sit above users — is a
// domain event: the lower service publishes it inside the transaction of
// its change, and the higher service reacts to it. The reacting service
// subscribes when it is constructed, so the order in which services are
// built does not matter; every service built with the same Events takes
// part.
//
// Subscribers run synchronously, in the transaction carried by the
// context, in the order they subscribed; the first error aborts the
// change. A publisher names the subscribers an event must have with
// Require: Publish refuses (with an Internal error naming the missing one)
// to run without them, and Check lists them, so a rule cannot be lost
// silently by building a service with another Events, or not at all.
//
// Events is safe for concurrent use. The zero value is not usable; use
// NewEvents.
type Events struct {
	mu       sync.RWMutex
	subs     map[reflect.Type][]subscription
	required map[reflect.Type][]string
}

type subscription struct {
	name string
	fn   func(context.Context, any) error
}

// NewEvents returns an empty event bus.
func NewEvents() *Events {
	return &Events{subs: map[reflect.Type][]subscription{}, required: map[reflect.Type][]string{}}
}

// Subscribe makes fn react to every event of type E published on ev. name
// identifies the reaction (e.g. "seats: free the seat"); subscribing again
// under the same name replaces the earlier reaction, so building a service
// twice on one bus does not run its reaction twice.
func Subscribe[E any](ev *Events, name string, fn func(ctx context.Context, e E) error) {
	t := reflect.TypeFor[E]()
	s := subscription{name: name, fn: func(ctx context.Context, e any) error { return fn(ctx, e.(E)) }}
	ev.mu.Lock()
	defer ev.mu.Unlock()
	list := ev.subs[t]
	if i := slices.IndexFunc(list, func(x subscription) bool { return x.name == name }); i >= 0 {
		list[i] = s
		return
	}
	ev.subs[t] = append(list, s)
}

// Require declares that events of type E must have a subscriber with each
// of the names; the publisher calls it when it is constructed.
func Require[E any](ev *Events, names ...string) {
	t := reflect.TypeFor[E]()
	ev.mu.Lock()
	defer ev.mu.Unlock()
	for _, n := range names {
		if !slices.Contains(ev.required[t], n) {
			ev.required[t] = append(ev.required[t], n)
		}
	}
}

// Publish runs every subscriber of E with e, in subscription order, and
// returns the first error. It returns an Internal error, running nothing,
// when a subscriber required for E is missing.
func Publish[E any](ctx context.Context, ev *Events, e E) error {
	t := reflect.TypeFor[E]()
	ev.mu.RLock()
	subs := slices.Clone(ev.subs[t])
	missing := ev.missingLocked(t)
	ev.mu.RUnlock()
	if len(missing) > 0 {
		return &Error{Code: Internal, Message: "internal error", Err: missingError(t, missing)}
	}
	for _, s := range subs {
		if err := s.fn(ctx, e); err != nil {
			return err
		}
	}
	return nil
}

// Subscribed reports whether events of type E have any subscriber.
func Subscribed[E any](ev *Events) bool {
	ev.mu.RLock()
	defer ev.mu.RUnlock()
	return len(ev.subs[reflect.TypeFor[E]()]) > 0
}

// Check returns an error naming every required subscriber that is missing,
// or nil. Hosts that build services themselves call it once all are built;
// kit.New does.
func (ev *Events) Check() error {
	ev.mu.RLock()
	defer ev.mu.RUnlock()
	var msgs []string
	for t := range ev.required {
		if missing := ev.missingLocked(t); len(missing) > 0 {
			msgs = append(msgs, missingError(t, missing).Error())
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	slices.Sort(msgs)
	return fmt.Errorf("%s", strings.Join(msgs, "; "))
}

func (ev *Events) missingLocked(t reflect.Type) []string {
	var missing []string
	for _, n := range ev.required[t] {
		if !slices.ContainsFunc(ev.subs[t], func(s subscription) bool { return s.name == n }) {
			missing = append(missing, n)
		}
	}
	return missing
}

func missingError(t reflect.Type, missing []string) error {
	return fmt.Errorf("accountkit: event %s has no subscriber %q: build every service with the same Events (kit.New does)",
		t.String(), strings.Join(missing, `", "`))
}
