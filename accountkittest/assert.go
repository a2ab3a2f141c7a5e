package accountkittest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/seats"
	"github.com/accountkit/accountkit/users"
)

// Events returns every audit event of the main account's tree, newest
// first.
func (e *Env) Events(t testing.TB, mainAccountID string) []*audit.Event {
	t.Helper()
	evs, err := e.Store.ListAuditEvents(context.Background(), audit.Filter{MainAccountID: mainAccountID, Limit: 10000})
	require.NoError(t, err)
	return evs
}

// LastEvent returns the newest audit event of the main account's tree. It
// fails the test when there is none.
func (e *Env) LastEvent(t testing.TB, mainAccountID string) *audit.Event {
	t.Helper()
	evs := e.Events(t, mainAccountID)
	require.NotEmpty(t, evs, "no audit event")
	return evs[0]
}

// AccountEvents returns the audit events of one account (main or sub,
// without its sub-accounts), newest first, that match item and action
// ("" matches any).
func (e *Env) AccountEvents(t testing.TB, accountID string, item audit.Item, action audit.Action) []*audit.Event {
	t.Helper()
	acc, err := e.Store.GetAccount(context.Background(), accountID)
	require.NoError(t, err)
	f := audit.Filter{MainAccountID: acc.Ancestry[0], AccountIDs: []string{accountID}, Limit: 10000}
	if item != "" {
		f.Item = &item
	}
	if action != "" {
		f.Action = &action
	}
	evs, err := e.Store.ListAuditEvents(context.Background(), f)
	require.NoError(t, err)
	return evs
}

// LastAccountEvent returns the newest audit event of one account (main or
// sub, without its sub-accounts). It fails the test when there is none.
func (e *Env) LastAccountEvent(t testing.TB, accountID string) *audit.Event {
	t.Helper()
	evs := e.AccountEvents(t, accountID, "", "")
	require.NotEmpty(t, evs, "no audit event in account %s", accountID)
	return evs[0]
}

// RequireEvent returns the newest event of the account with the item and
// action, and fails the test, listing the account's recent events, when
// there is none.
func (e *Env) RequireEvent(t testing.TB, accountID string, item audit.Item, action audit.Action) *audit.Event {
	t.Helper()
	if evs := e.AccountEvents(t, accountID, item, action); len(evs) > 0 {
		return evs[0]
	}
	var seen []string
	for i, ev := range e.AccountEvents(t, accountID, "", "") {
		if i == 10 {
			break
		}
		seen = append(seen, fmt.Sprintf("%s/%s %s %q", ev.Item, ev.Action, ev.Status, ev.Description))
	}
	t.Fatalf("no %s/%s audit event in account %s; newest: \n  %s", item, action, accountID, strings.Join(seen, "\n  "))
	return nil
}

// SeatState returns the seat overview of the account's tree (purchased,
// assigned, remaining, over-allocation), as the host's system sees it.
func (e *Env) SeatState(t testing.TB, accountID string) *seats.Overview {
	t.Helper()
	o, err := e.Kit.Seats.Overview(e.System(), accountID)
	require.NoError(t, err)
	return o
}

// HasSeat tells whether the user holds a seat.
func (e *Env) HasSeat(t testing.TB, u *users.User) bool {
	t.Helper()
	_, err := e.Store.GetSeat(context.Background(), u.ID)
	if accountkit.ErrorCode(err) == accountkit.NotFound {
		return false
	}
	require.NoError(t, err)
	return true
}

// RequireSeats checks the tree's assigned and purchased seats.
func (e *Env) RequireSeats(t testing.TB, accountID string, assigned, purchased int) {
	t.Helper()
	o := e.SeatState(t, accountID)
	require.Equal(t, [2]int{assigned, purchased}, [2]int{o.Assigned, o.Purchased}, "seats [assigned, purchased]")
}
