package audit

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// The catalogue is the single list of the events the library records:
// Catalogue holds the built-in ones, Register adds a host's own, and
// Entries returns both (the API serves it; docs/audit-events.md is
// generated from it). In strict mode (StrictCatalogue, turned on by the
// project's test kit) the Recorder refuses an event it lacks, so the test
// suite fails when code records an uncatalogued event.

var (
	registryMu sync.RWMutex
	registered []CatalogueEntry

	strict       atomic.Bool
	violationsMu sync.Mutex
	violations   []string
)

// Register adds a host application's own events to the catalogue, so that
// they are served with the built-in ones and accepted in strict mode. An
// entry needs an item, an action and at least one description; an empty
// one means the event is never recorded with that status.
// Registering an entry already in the catalogue does nothing. Descriptions
// may hold placeholders in parentheses, e.g. "Chatbot renamed (name).",
// which match any text in parentheses.
func Register(entries ...CatalogueEntry) error {
	for _, e := range entries {
		switch {
		case strings.TrimSpace(string(e.Item)) == "":
			return errors.New("audit: Register: entry item is required")
		case strings.TrimSpace(string(e.Action)) == "":
			return fmt.Errorf("audit: Register: entry action is required (item %q)", e.Item)
		case strings.TrimSpace(e.Success) == "" && strings.TrimSpace(e.Failure) == "":
			return fmt.Errorf("audit: Register: entry needs a success or failure description (item %q, action %q)", e.Item, e.Action)
		case len(e.Item) > MaxShortLen || len(e.Action) > MaxShortLen:
			return fmt.Errorf("audit: Register: item and action are at most %d bytes (item %q)", MaxShortLen, e.Item)
		}
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	for _, e := range entries {
		if !slices.Contains(Catalogue, e) && !slices.Contains(registered, e) {
			registered = append(registered, e)
		}
	}
	return nil
}

// Entries returns the whole catalogue: the built-in events, then those
// registered by the host, in registration order.
func Entries() []CatalogueEntry {
	registryMu.RLock()
	defer registryMu.RUnlock()
	return slices.Concat(Catalogue, registered)
}

// Catalogued reports whether an event of item and action with status and
// description is in the catalogue: an entry of that item and action whose
// success (or failure) description matches, placeholders in parentheses
// matching any text in parentheses.
func Catalogued(item Item, action Action, status Status, description string) bool {
	for _, e := range Entries() {
		if e.Item != item || e.Action != action {
			continue
		}
		want := e.Success
		if status == StatusFailure {
			want = e.Failure
		}
		if want != "" && describes(want, description) {
			return true
		}
	}
	return false
}

var placeholder = regexp.MustCompile(`\([^()]*\)`)

var patterns sync.Map // description template -> *regexp.Regexp

// describes reports whether desc is an instance of the template tmpl.
func describes(tmpl, desc string) bool {
	if tmpl == desc {
		return true
	}
	if !strings.Contains(tmpl, "(") {
		return false
	}
	re, ok := patterns.Load(tmpl)
	if !ok {
		var b strings.Builder
		b.WriteString(`^`)
		last := 0
		for _, loc := range placeholder.FindAllStringIndex(tmpl, -1) {
			b.WriteString(regexp.QuoteMeta(tmpl[last:loc[0]]))
			b.WriteString(`\(.*\)`)
			last = loc[1]
		}
		b.WriteString(regexp.QuoteMeta(tmpl[last:]))
		b.WriteString(`$`)
		re, _ = patterns.LoadOrStore(tmpl, regexp.MustCompile(b.String()))
	}
	return re.(*regexp.Regexp).MatchString(desc)
}

// StrictCatalogue turns strict mode on or off for the whole process: while
// on, every Recorder refuses (with an error) an event the catalogue lacks
// and remembers it for Uncatalogued. It is meant for test suites; the
// project's test kit turns it on.
func StrictCatalogue(on bool) { strict.Store(on) }

// Uncatalogued returns the events refused in strict mode so far, each as
// "item | action | status | description", without repeats.
func Uncatalogued() []string {
	violationsMu.Lock()
	defer violationsMu.Unlock()
	return slices.Clone(violations)
}

// checkCatalogue returns an error for an uncatalogued event in strict mode.
func checkCatalogue(item Item, action Action, status Status, desc string) error {
	if !strict.Load() || Catalogued(item, action, status, desc) {
		return nil
	}
	v := fmt.Sprintf("%s | %s | %s | %s", item, action, status, desc)
	violationsMu.Lock()
	if !slices.Contains(violations, v) {
		violations = append(violations, v)
	}
	violationsMu.Unlock()
	return fmt.Errorf("audit: event not in the catalogue (strict mode): %s", v)
}

// CatalogueView is the catalogue as the API serves it: every entry, and
// the distinct items and actions, sorted.
type CatalogueView struct {
	Entries []CatalogueEntry `json:"entries"`
	Items   []Item           `json:"items"`
	Actions []Action         `json:"actions"`
}

// View returns the whole catalogue (Entries) with its distinct items and
// actions, sorted.
func View() *CatalogueView {
	v := &CatalogueView{Entries: Entries()}
	for _, e := range v.Entries {
		v.Items = append(v.Items, e.Item)
		v.Actions = append(v.Actions, e.Action)
	}
	slices.Sort(v.Items)
	slices.Sort(v.Actions)
	v.Items = slices.Compact(v.Items)
	v.Actions = slices.Compact(v.Actions)
	return v
}

// forgetUncatalogued removes v from the refused events (for the test of
// strict mode itself).
func forgetUncatalogued(v string) {
	violationsMu.Lock()
	defer violationsMu.Unlock()
	violations = slices.DeleteFunc(violations, func(x string) bool { return x == v })
}
