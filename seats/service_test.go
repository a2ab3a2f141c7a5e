package seats_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/seats"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/teams"
	"github.com/accountkit/accountkit/users"
)

func TestWarningThresholds(t *testing.T) {
	t.Parallel()
	cases := []struct {
		capacity, pct, firstWarning int
	}{
		{1, 85, 1}, {10, 85, 9}, {20, 85, 17}, {50, 85, 43},
		{51, 95, 49}, {100, 95, 95},
		{101, 97, 98}, {1000, 97, 970},
	}
	for _, c := range cases {
		assert.Equal(t, c.pct, seats.WarningPercent(c.capacity), "capacity %d", c.capacity)
		assert.False(t, seats.Warns(c.firstWarning-1, c.capacity), "capacity %d, %d used", c.capacity, c.firstWarning-1)
		assert.True(t, seats.Warns(c.firstWarning, c.capacity), "capacity %d, %d used", c.capacity, c.firstWarning)
	}
	assert.False(t, seats.Warns(0, 0), "an empty pool with nothing assigned")
	assert.True(t, seats.Warns(1, 0), "seats left over after a reduction to 0")
	assert.Equal(t, 33.3, seats.Percent(1, 3))
	assert.Equal(t, 0.0, seats.Percent(5, 0))
}

func TestService_SetPurchased(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	f := newFixture(t, env)

	t.Run("OK", func(t *testing.T) {
		p, err := f.svc.SetPurchased(env.System(), f.main.ID, 20)
		require.NoError(t, err)
		assert.Equal(t, 20, p.Purchased)
		e := f.seatLog(t, f.main.ID)[0]
		assert.Equal(t, seats.EventPurchasedChanged, e.Event)
		assert.Equal(t, seats.StatusSuccess, e.Status)
		assert.Equal(t, 0, *e.OldValue)
		assert.Equal(t, 20, *e.NewValue)
		assert.Equal(t, "system", e.ActorName)
		ev := f.lastAudit(t, f.main.ID, audit.ItemSeat)
		assert.Equal(t, "Purchased seats changed.", ev.Description)
		assert.Equal(t, audit.StatusSuccess, ev.Status)
	})
	cases := []struct {
		name string
		ctx  context.Context
		id   string
		n    int
		code accountkit.Code
	}{
		{"ErrManager", f.mgr, f.main.ID, 50, accountkit.Forbidden},
		{"ErrAnonymous", context.Background(), f.main.ID, 50, accountkit.Unauthenticated},
		{"ErrNegative", env.System(), f.main.ID, -1, accountkit.Invalid},
		{"ErrTooMany", env.System(), f.main.ID, seats.MaxSeats + 1, accountkit.Invalid},
		{"ErrSubAccount", env.System(), f.sub.ID, 5, accountkit.Invalid},
		{"ErrUnknown", env.System(), (&accountkit.UUIDv7{}).NewID(), 5, accountkit.NotFound},
		{"ErrMalformed", env.System(), "nope", 5, accountkit.NotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.svc.SetPurchased(c.ctx, c.id, c.n)
			requireCode(t, c.code, err)
			p, err := env.Store.GetSeatPool(context.Background(), f.main.ID)
			require.NoError(t, err)
			assert.Equal(t, 20, p.Purchased, "nothing changed")
		})
	}
	t.Run("FailureLogged", func(t *testing.T) {
		_, err := f.svc.SetPurchased(env.System(), f.main.ID, -5)
		requireCode(t, accountkit.Invalid, err)
		e := f.seatLog(t, f.main.ID)[0]
		assert.Equal(t, seats.StatusFailure, e.Status)
		assert.Contains(t, e.Error, "purchased")
		assert.Equal(t, audit.StatusFailure, f.lastAudit(t, f.main.ID, audit.ItemSeat).Status)
	})
}

func TestService_Assign(t *testing.T) {
	t.Parallel()
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := kittest.NewWithStore(t, open(t))
			f := newFixture(t, env)
			f.purchase(t, 3)
			alice := f.user(t, f.main, agentRole)

			seat, err := f.svc.Assign(f.mgr, alice.ID)
			require.NoError(t, err)
			assert.Equal(t, alice.ID, seat.UserID)
			assert.Equal(t, "boss", seat.AssignedByName)
			e := f.seatLog(t, f.main.ID)[0]
			assert.Equal(t, seats.EventAssigned, e.Event)
			assert.Equal(t, alice.Username, e.Username)
			assert.Equal(t, "boss", e.ActorName)
			assert.Equal(t, f.main.ID, e.AccountID)
			ev := f.lastAudit(t, f.main.ID, audit.ItemSeat)
			assert.Equal(t, audit.ActionAssign, ev.Action)
			assert.Equal(t, alice.ID, ev.TargetID)

			disabled := f.user(t, f.main, agentRole)
			disabled.Status = users.StatusDisabled
			require.NoError(t, env.Store.UpdateUser(context.Background(), disabled))
			outsider := f.user(t, f.rival, agentRole)
			member := kittest.As(kittest.Member(f.main.ID, "peon", security.PermUsersRead))
			cases := []struct {
				name string
				ctx  context.Context
				id   string
				code accountkit.Code
			}{
				{"ErrAlreadyAssigned", f.mgr, alice.ID, accountkit.Conflict},
				{"ErrDisabledUser", f.mgr, disabled.ID, accountkit.Invalid},
				{"ErrUnknownUser", f.mgr, (&accountkit.UUIDv7{}).NewID(), accountkit.NotFound},
				{"ErrMalformedID", f.mgr, "../etc", accountkit.NotFound},
				{"ErrOtherTree", f.mgr, outsider.ID, accountkit.NotFound},
				{"ErrNoPermission", member, alice.ID, accountkit.Forbidden},
				{"ErrAnonymous", context.Background(), alice.ID, accountkit.Unauthenticated},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					before := len(f.seatLog(t, f.main.ID))
					_, err := f.svc.Assign(c.ctx, c.id)
					requireCode(t, c.code, err)
					assert.Equal(t, 1, f.count(t, ""), "nothing changed")
					if c.code != accountkit.Unauthenticated {
						log := f.seatLog(t, f.main.ID)
						require.Len(t, log, before+1, "the attempt is in the seat log")
						assert.Equal(t, seats.StatusFailure, log[0].Status)
						assert.Equal(t, "Seat assignment failed.", log[0].Description)
						if c.code == accountkit.NotFound {
							assert.Empty(t, log[0].UserID, "a probe names no user")
						}
					}
				})
			}

			t.Run("ErrNoSeatLeft", func(t *testing.T) {
				f.assign(t, f.user(t, f.main, agentRole))
				f.assign(t, f.user(t, f.sub, agentRole))
				_, err := f.svc.Assign(f.mgr, f.user(t, f.sub, agentRole).ID)
				requireCode(t, accountkit.LimitExceeded, err)
				assert.Contains(t, err.Error(), "3 of 3")
				assert.Equal(t, 3, f.count(t, ""))
			})
		})
	}
}

func TestService_Limits(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	f := newFixture(t, env)
	f.purchase(t, 10)
	deep := env.SubAccount(t, f.sub, "sales-emea")

	t.Run("OK", func(t *testing.T) {
		l, err := f.svc.SetLimit(f.mgr, f.sub.ID, seats.LimitInput{Limit: ptr(2)})
		require.NoError(t, err)
		assert.Equal(t, 2, l.Limit)
		e := f.seatLog(t, f.main.ID)[0]
		assert.Equal(t, seats.EventLimitSet, e.Event)
		assert.Nil(t, e.OldValue)
		assert.Equal(t, 2, *e.NewValue)
		assert.Equal(t, f.sub.ID, e.AccountID)
	})
	t.Run("LimitCountsOwnUsersOnly", func(t *testing.T) {
		f.assign(t, f.user(t, f.sub, agentRole))
		f.assign(t, f.user(t, f.sub, agentRole))
		// A seat of a sub-account's user does not count toward its
		// parent's limit.
		f.assign(t, f.user(t, deep, agentRole))
		_, err := f.svc.Assign(f.mgr, f.user(t, f.sub, agentRole).ID)
		requireCode(t, accountkit.LimitExceeded, err)
		assert.Contains(t, err.Error(), "2 of 2")
		assert.Equal(t, 2, f.count(t, f.sub.ID))
	})
	t.Run("Edit", func(t *testing.T) {
		l, err := f.svc.SetLimit(f.mgr, f.sub.ID, seats.LimitInput{Limit: ptr(4)})
		require.NoError(t, err)
		assert.Equal(t, 4, l.Limit)
		e := f.seatLog(t, f.main.ID)[0]
		assert.Equal(t, 2, *e.OldValue)
		assert.Equal(t, 4, *e.NewValue)
		f.assign(t, f.user(t, f.sub, agentRole))
	})
	cases := []struct {
		name  string
		ctx   context.Context
		id    string
		limit *int
		code  accountkit.Code
	}{
		{"ErrMissing", f.mgr, f.sub.ID, nil, accountkit.Invalid},
		{"ErrNegative", f.mgr, f.sub.ID, ptr(-1), accountkit.Invalid},
		{"ErrAbovePool", f.mgr, f.sub.ID, ptr(11), accountkit.Invalid},
		{"ErrBelowAssigned", f.mgr, f.sub.ID, ptr(2), accountkit.Conflict},
		{"ErrOwnSubAccount", kittest.As(kittest.Manager(f.sub.ID, "subboss")), f.sub.ID, ptr(9), accountkit.Forbidden},
		{"ErrOtherTree", f.rivalMgr, f.sub.ID, ptr(1), accountkit.NotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.svc.SetLimit(c.ctx, c.id, seats.LimitInput{Limit: c.limit})
			requireCode(t, c.code, err)
			l, err := env.Store.GetSeatLimit(context.Background(), f.sub.ID)
			require.NoError(t, err)
			assert.Equal(t, 4, l.Limit, "nothing changed")
		})
	}
	t.Run("ErrBelowAssignedNamesField", func(t *testing.T) {
		_, err := f.svc.SetLimit(f.mgr, f.sub.ID, seats.LimitInput{Limit: ptr(1)})
		var e *accountkit.Error
		require.ErrorAs(t, err, &e)
		require.Len(t, e.Fields, 1)
		assert.Equal(t, "limit", e.Fields[0].Field)
	})
	t.Run("SubManagerSetsDeeperLimit", func(t *testing.T) {
		_, err := f.svc.SetLimit(kittest.As(kittest.Manager(f.sub.ID, "subboss")), deep.ID, seats.LimitInput{Limit: ptr(5)})
		require.NoError(t, err)
	})
	t.Run("MainLimit", func(t *testing.T) {
		_, err := f.svc.SetLimit(f.mgr, f.main.ID, seats.LimitInput{Limit: ptr(0)})
		require.NoError(t, err)
		_, err = f.svc.Assign(f.mgr, f.user(t, f.main, agentRole).ID)
		requireCode(t, accountkit.LimitExceeded, err)
		require.NoError(t, f.svc.RemoveLimit(f.mgr, f.main.ID))
	})
	t.Run("Remove", func(t *testing.T) {
		require.NoError(t, f.svc.RemoveLimit(f.mgr, f.sub.ID))
		_, err := env.Store.GetSeatLimit(context.Background(), f.sub.ID)
		requireCode(t, accountkit.NotFound, err)
		e := f.seatLog(t, f.main.ID)[0]
		assert.Equal(t, seats.EventLimitRemoved, e.Event)
		assert.Equal(t, 4, *e.OldValue)
		requireCode(t, accountkit.NotFound, f.svc.RemoveLimit(f.mgr, f.sub.ID))
		requireCode(t, accountkit.NotFound, f.svc.RemoveLimit(f.rivalMgr, deep.ID))
		// Without a limit the account assigns up to the pool.
		f.assign(t, f.user(t, f.sub, agentRole))
	})
}

func TestService_PurchasedReducedBelowAssigned(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	f := newFixture(t, env)
	f.purchase(t, 3)
	for range 3 {
		f.assign(t, f.user(t, f.main, agentRole))
	}
	_, err := f.svc.SetPurchased(env.System(), f.main.ID, 1)
	require.NoError(t, err, "reducing below the assigned seats is allowed")
	o, err := f.svc.Overview(f.mgr, "")
	require.NoError(t, err)
	assert.Equal(t, 1, o.Purchased)
	assert.Equal(t, 3, o.Assigned)
	assert.Equal(t, 0, o.Remaining)
	assert.Equal(t, 2, o.OverAllocated)
	assert.True(t, o.Warning)
	_, err = f.svc.Assign(f.mgr, f.user(t, f.main, agentRole).ID)
	requireCode(t, accountkit.LimitExceeded, err)
	assert.Equal(t, 3, f.count(t, ""), "no seat taken away, none added")
	// A limit above the reduced pool is refused.
	_, err = f.svc.SetLimit(f.mgr, f.sub.ID, seats.LimitInput{Limit: ptr(2)})
	requireCode(t, accountkit.Invalid, err)
}

func TestService_UnassignAndBulk(t *testing.T) {
	t.Parallel()
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := kittest.NewWithStore(t, open(t))
			f := newFixture(t, env)
			f.purchase(t, 10)
			var list []*users.User
			for i := range 4 {
				acc := f.main
				if i%2 == 1 {
					acc = f.sub
				}
				u := f.user(t, acc, agentRole)
				f.assign(t, u)
				list = append(list, u)
			}
			noSeat := f.user(t, f.main)
			outsider := f.user(t, f.rival)

			t.Run("Unassign", func(t *testing.T) {
				require.NoError(t, f.svc.Unassign(f.mgr, list[0].ID))
				assert.Equal(t, 3, f.count(t, ""))
				e := f.seatLog(t, f.main.ID)[0]
				assert.Equal(t, seats.EventUnassigned, e.Event)
				assert.Equal(t, list[0].ID, e.UserID)
				requireCode(t, accountkit.NotFound, f.svc.Unassign(f.mgr, list[0].ID))
				requireCode(t, accountkit.NotFound, f.svc.Unassign(f.rivalMgr, list[1].ID))
				assert.Equal(t, 3, f.count(t, ""))
			})
			bad := []struct {
				name string
				ctx  context.Context
				ids  []string
				code accountkit.Code
			}{
				{"ErrEmpty", f.mgr, nil, accountkit.Invalid},
				{"ErrTooMany", f.mgr, make([]string, seats.MaxBulk+1), accountkit.Invalid},
				{"ErrDuplicate", f.mgr, []string{list[1].ID, list[1].ID}, accountkit.Invalid},
				{"ErrMalformed", f.mgr, []string{list[1].ID, "x"}, accountkit.Invalid},
				{"ErrNoSeat", f.mgr, []string{list[1].ID, noSeat.ID}, accountkit.Invalid},
				{"ErrOtherTree", f.mgr, []string{list[1].ID, outsider.ID}, accountkit.NotFound},
				{"ErrRivalManager", f.rivalMgr, []string{list[1].ID}, accountkit.NotFound},
			}
			for _, c := range bad {
				t.Run(c.name, func(t *testing.T) {
					_, err := f.svc.BulkUnassign(c.ctx, seats.BulkInput{UserIDs: c.ids})
					requireCode(t, c.code, err)
					assert.Equal(t, 3, f.count(t, ""), "all or nothing")
				})
			}
			t.Run("Bulk", func(t *testing.T) {
				n, err := f.svc.BulkUnassign(f.mgr, seats.BulkInput{UserIDs: []string{list[1].ID, list[2].ID, list[3].ID}})
				require.NoError(t, err)
				assert.Equal(t, 3, n)
				assert.Equal(t, 0, f.count(t, ""))
				log := f.seatLog(t, f.main.ID)
				for _, e := range log[:3] {
					assert.Equal(t, seats.EventBulkUnassigned, e.Event)
				}
				ev := f.lastAudit(t, f.main.ID, audit.ItemSeat)
				assert.Equal(t, audit.ActionBulkRemove, ev.Action)
				assert.Equal(t, "3", ev.Details["count"])
			})
		})
	}
}

func TestService_Warnings(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	f := newFixture(t, env)
	f.purchase(t, 10) // up to 50 seats: warn at 85 %, i.e. the 9th seat
	var list []*users.User
	for range 10 {
		list = append(list, f.user(t, f.main, agentRole))
	}
	for _, u := range list[:8] {
		f.assign(t, u)
	}
	assert.Empty(t, f.warns.all())
	f.assign(t, list[8])
	ws := f.warns.all()
	require.Len(t, ws, 1)
	assert.Equal(t, seats.ScopePool, ws[0].Scope)
	assert.Equal(t, 9, ws[0].Assigned)
	assert.Equal(t, 10, ws[0].Capacity)
	assert.Equal(t, 85, ws[0].ThresholdPercent)
	f.assign(t, list[9])
	assert.Len(t, f.warns.all(), 1, "fires once per crossing")
	o, err := f.svc.Overview(f.mgr, "")
	require.NoError(t, err)
	assert.True(t, o.Warning)

	// Dropping below the threshold re-arms it.
	require.NoError(t, f.svc.Unassign(f.mgr, list[9].ID))
	require.NoError(t, f.svc.Unassign(f.mgr, list[8].ID))
	assert.Len(t, f.warns.all(), 1)
	p, err := env.Store.GetSeatPool(context.Background(), f.main.ID)
	require.NoError(t, err)
	assert.False(t, p.Warned)
	f.assign(t, list[8])
	assert.Len(t, f.warns.all(), 2, "fires again after re-arming")

	// Raising purchased seats re-arms too; a limit warns on its own.
	_, err = f.svc.SetPurchased(env.System(), f.main.ID, 100)
	require.NoError(t, err)
	_, err = f.svc.SetLimit(f.mgr, f.sub.ID, seats.LimitInput{Limit: ptr(2)})
	require.NoError(t, err)
	f.assign(t, f.user(t, f.sub, agentRole))
	assert.Len(t, f.warns.all(), 2, "1 of 2 is 50 %")
	f.assign(t, f.user(t, f.sub, agentRole))
	ws = f.warns.all()
	require.Len(t, ws, 3)
	assert.Equal(t, seats.ScopeLimit, ws[2].Scope)
	assert.Equal(t, f.sub.ID, ws[2].AccountID)
	page, err := f.svc.Accounts(f.mgr, seats.AccountsInput{})
	require.NoError(t, err)
	for _, u := range page.Accounts {
		assert.Equal(t, u.Account.ID == f.sub.ID, u.Warning, u.Account.Slug)
	}
}

func TestService_OverviewAndAccounts(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	f := newFixture(t, env)
	f.purchase(t, 20)
	deep := env.SubAccount(t, f.sub, "sales-emea")
	b := env.SubAccount(t, f.main, "billing")
	for range 2 {
		f.assign(t, f.user(t, f.main, agentRole))
	}
	for range 3 {
		f.assign(t, f.user(t, f.sub, agentRole))
	}
	f.assign(t, f.user(t, deep)) // no seat role: inactive
	_, err := f.svc.SetLimit(f.mgr, f.sub.ID, seats.LimitInput{Limit: ptr(5)})
	require.NoError(t, err)

	o, err := f.svc.Overview(f.mgr, "")
	require.NoError(t, err)
	assert.Equal(t, seats.Overview{MainAccountID: f.main.ID, AccountID: f.main.ID, Purchased: 20, Assigned: 6, Remaining: 14,
		Inactive: 1, UsagePercent: 30, WarningPercent: 85}, *o)

	// Seen from the sub-account: the pool's figures, its subtree's inactive users.
	o, err = f.svc.Overview(kittest.As(kittest.Manager(f.sub.ID, "subboss")), "")
	require.NoError(t, err)
	assert.Equal(t, 6, o.Assigned)
	assert.Equal(t, 1, o.Inactive)
	_, err = f.svc.Overview(f.rivalMgr, f.main.ID)
	requireCode(t, accountkit.NotFound, err)
	_, err = f.svc.Overview(kittest.As(kittest.Member(f.main.ID, "peon")), "")
	requireCode(t, accountkit.Forbidden, err)

	page, err := f.svc.Accounts(f.mgr, seats.AccountsInput{Limit: 2})
	require.NoError(t, err)
	require.Len(t, page.Accounts, 2)
	assert.Equal(t, []string{"acme", "billing"}, []string{page.Accounts[0].Account.Slug, page.Accounts[1].Account.Slug})
	assert.Equal(t, 2, page.Accounts[0].Assigned)
	assert.Equal(t, 10.0, page.Accounts[0].UsagePercent)
	assert.Nil(t, page.Accounts[0].Limit)
	assert.Equal(t, 14, page.Accounts[0].Available)
	assert.Equal(t, b.ID, page.Accounts[1].Account.ID)
	page, err = f.svc.Accounts(f.mgr, seats.AccountsInput{Limit: 2, Cursor: page.NextCursor})
	require.NoError(t, err)
	require.Len(t, page.Accounts, 2)
	sales := page.Accounts[0]
	assert.Equal(t, "sales", sales.Account.Slug)
	assert.Equal(t, 3, sales.Assigned)
	assert.Equal(t, 5, *sales.Limit)
	assert.Equal(t, 60.0, *sales.LimitPercent)
	assert.Equal(t, 15.0, sales.UsagePercent)
	assert.Equal(t, 2, sales.Available)
	assert.Equal(t, "sales-emea", page.Accounts[1].Account.Slug)
	assert.Empty(t, page.NextCursor)

	page, err = f.svc.Accounts(f.mgr, seats.AccountsInput{Limited: ptr(true)})
	require.NoError(t, err)
	require.Len(t, page.Accounts, 1)
	assert.Equal(t, f.sub.ID, page.Accounts[0].Account.ID)
	page, err = f.svc.Accounts(f.mgr, seats.AccountsInput{Search: "EMEA"})
	require.NoError(t, err)
	require.Len(t, page.Accounts, 1)
	page, err = f.svc.Accounts(f.mgr, seats.AccountsInput{AccountID: f.sub.ID})
	require.NoError(t, err)
	assert.Len(t, page.Accounts, 2, "the subtree of sales")
	_, err = f.svc.Accounts(f.mgr, seats.AccountsInput{Cursor: "!!"})
	requireCode(t, accountkit.Invalid, err)

	// Users with seats of one account.
	hp, err := f.svc.Holders(f.mgr, seats.HoldersInput{AccountID: f.sub.ID})
	require.NoError(t, err)
	require.Len(t, hp.Holders, 3)
	assert.Equal(t, []string{agentRole}, hp.Holders[0].User.Roles)
	assert.False(t, hp.Holders[0].Seat.AssignedAt.IsZero())
	hp, err = f.svc.Holders(f.mgr, seats.HoldersInput{AccountID: f.sub.ID, IncludeSubaccounts: true, Limit: 2})
	require.NoError(t, err)
	require.Len(t, hp.Holders, 2)
	hp2, err := f.svc.Holders(f.mgr, seats.HoldersInput{AccountID: f.sub.ID, IncludeSubaccounts: true, Limit: 2, Cursor: hp.NextCursor})
	require.NoError(t, err)
	assert.Len(t, hp2.Holders, 2)
	assert.Empty(t, hp2.NextCursor)

	// The assign panel: every user of the account with their seat.
	free := f.user(t, f.sub, agentRole)
	mp, err := f.svc.Members(f.mgr, f.sub.ID, "", "", 0)
	require.NoError(t, err)
	require.Len(t, mp.Members, 4)
	for _, m := range mp.Members {
		assert.Equal(t, m.User.ID == free.ID, m.Seat == nil, m.User.Username)
	}
	_, err = f.svc.Members(f.rivalMgr, f.sub.ID, "", "", 0)
	requireCode(t, accountkit.NotFound, err)
}

func TestService_Inactive(t *testing.T) {
	t.Parallel()
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := kittest.NewWithStore(t, open(t))
			f := newFixture(t, env)
			f.purchase(t, 20)
			stale := f.user(t, f.main, agentRole) // activated at Epoch, never signs in
			fresh := f.user(t, f.sub, agentRole)
			noRole := f.user(t, f.sub, "member")
			disabled := f.user(t, f.main, agentRole)
			for _, u := range []*users.User{stale, fresh, noRole, disabled} {
				f.assign(t, u)
			}
			env.Clock.Advance(100 * 24 * time.Hour)
			now := env.Clock.Now()
			fresh.LastLoginAt = &now
			require.NoError(t, env.Store.UpdateUser(context.Background(), fresh))
			noRole.LastLoginAt = &now
			require.NoError(t, env.Store.UpdateUser(context.Background(), noRole))
			disabled.Status, disabled.LastLoginAt = users.StatusDisabled, &now
			require.NoError(t, env.Store.UpdateUser(context.Background(), disabled))

			names := func(p *seats.HoldersPage) map[string][]string {
				out := map[string][]string{}
				for _, h := range p.Holders {
					out[h.User.Username] = h.Reasons
				}
				return out
			}
			p, err := f.svc.Inactive(f.mgr, seats.HoldersInput{})
			require.NoError(t, err)
			assert.Equal(t, map[string][]string{
				stale.Username:    {"no_recent_login"},
				noRole.Username:   {"no_seat_role"},
				disabled.Username: {"disabled"},
			}, names(p))
			o, err := f.svc.Overview(f.mgr, "")
			require.NoError(t, err)
			assert.Equal(t, 3, o.Inactive)

			cases := []struct {
				name string
				in   seats.HoldersInput
				want []string
			}{
				{"account", seats.HoldersInput{Account: f.sub.ID}, []string{noRole.Username}},
				{"role", seats.HoldersInput{Role: "member"}, []string{noRole.Username}},
				{"search", seats.HoldersInput{Search: strings.ToUpper(stale.Username)}, []string{stale.Username}},
				{"last login from", seats.HoldersInput{LastLoginFrom: &now}, []string{noRole.Username, disabled.Username}},
				{"assigned before", seats.HoldersInput{AssignedTo: ptr(kittest.Epoch.Add(time.Second))}, []string{stale.Username, noRole.Username, disabled.Username}},
			}
			for _, c := range cases {
				p, err := f.svc.Inactive(f.mgr, c.in)
				require.NoError(t, err, c.name)
				assert.ElementsMatch(t, c.want, mapKeys(names(p)), c.name)
			}
			_, err = f.svc.Inactive(f.mgr, seats.HoldersInput{Account: f.rival.ID})
			requireCode(t, accountkit.NotFound, err)
			_, err = f.svc.Inactive(f.mgr, seats.HoldersInput{LastLoginFrom: &now, LastLoginTo: &now})
			requireCode(t, accountkit.Invalid, err)

			// Bulk removal of the inactive users' seats.
			var ids []string
			for _, h := range p.Holders {
				ids = append(ids, h.User.ID)
			}
			n, err := f.svc.BulkUnassign(f.mgr, seats.BulkInput{UserIDs: ids})
			require.NoError(t, err)
			assert.Equal(t, 3, n)
			p, err = f.svc.Inactive(f.mgr, seats.HoldersInput{})
			require.NoError(t, err)
			assert.Empty(t, p.Holders)
		})
	}
}

func mapKeys(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestService_Log(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	f := newFixture(t, env)
	f.purchase(t, 5)
	alice, bob := f.user(t, f.main, agentRole), f.user(t, f.sub, agentRole)
	f.assign(t, alice)
	env.Clock.Advance(time.Hour)
	f.assign(t, bob)
	require.NoError(t, f.svc.Unassign(f.mgr, bob.ID))
	_, err := f.svc.Assign(f.mgr, alice.ID) // fails: already assigned
	requireCode(t, accountkit.Conflict, err)

	all, err := f.svc.Log(f.mgr, seats.LogInput{})
	require.NoError(t, err)
	require.Len(t, all.Entries, 5)
	assert.Equal(t, seats.StatusFailure, all.Entries[0].Status)

	cases := []struct {
		name string
		in   seats.LogInput
		want int
	}{
		{"account", seats.LogInput{Account: f.sub.ID}, 2},
		{"event", seats.LogInput{Event: string(seats.EventAssigned)}, 3},
		{"status", seats.LogInput{Status: "failure"}, 1},
		{"user", seats.LogInput{UserID: bob.ID}, 2},
		{"search", seats.LogInput{Search: "REMOVED"}, 1},
		{"from", seats.LogInput{From: ptr(kittest.Epoch.Add(time.Minute))}, 3},
		{"to", seats.LogInput{To: ptr(kittest.Epoch.Add(time.Minute))}, 2},
		{"subtree", seats.LogInput{AccountID: f.sub.ID}, 2},
	}
	for _, c := range cases {
		p, err := f.svc.Log(f.mgr, c.in)
		require.NoError(t, err, c.name)
		assert.Len(t, p.Entries, c.want, c.name)
	}
	var got []string
	in := seats.LogInput{Limit: 2}
	for {
		p, err := f.svc.Log(f.mgr, in)
		require.NoError(t, err)
		for _, e := range p.Entries {
			got = append(got, e.ID)
		}
		if p.NextCursor == "" {
			break
		}
		in.Cursor = p.NextCursor
	}
	require.Len(t, got, 5)
	for i, e := range all.Entries {
		assert.Equal(t, e.ID, got[i])
	}
	for _, in := range []seats.LogInput{{Event: "nope"}, {Status: "meh"}, {UserID: "x"}, {Cursor: "garbage"}, {Limit: 1000}} {
		_, err := f.svc.Log(f.mgr, in)
		requireCode(t, accountkit.Invalid, err)
	}
	_, err = f.svc.Log(f.rivalMgr, seats.LogInput{AccountID: f.main.ID})
	requireCode(t, accountkit.NotFound, err)
	p, err := f.svc.Log(f.rivalMgr, seats.LogInput{})
	require.NoError(t, err)
	assert.Empty(t, p.Entries, "another tree's log is empty")
}

func TestService_Report(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	f := newFixture(t, env)
	f.purchase(t, 10)
	evil, err := env.Kit.Accounts.CreateSub(env.System(), f.main.ID, account.CreateInput{Name: "=HYPERLINK(\"x\")", Slug: "zz-evil"})
	require.NoError(t, err)
	f.assign(t, f.user(t, f.sub, agentRole))
	_, err = f.svc.SetLimit(f.mgr, f.sub.ID, seats.LimitInput{Limit: ptr(4)})
	require.NoError(t, err)

	var buf bytes.Buffer
	require.NoError(t, f.svc.Report(f.mgr, "", &buf))
	rows, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 4)
	assert.Equal(t, []string{"account_id", "account_name", "account_slug", "parent_id", "limit", "assigned", "available", "usage_percent", "limit_percent"}, rows[0])
	assert.Equal(t, []string{f.main.ID, "Acme", "acme", "", "", "0", "9", "0.0", ""}, rows[1])
	assert.Equal(t, []string{f.sub.ID, "Sub sales", "sales", f.main.ID, "4", "1", "3", "10.0", "25.0"}, rows[2])
	assert.Equal(t, evil.ID, rows[3][0])
	assert.Equal(t, "'=HYPERLINK(\"x\")", rows[3][1], "formula defused")
	ev := f.lastAudit(t, f.main.ID, audit.ItemReport)
	assert.Equal(t, "Report downloaded.", ev.Description)
	assert.Equal(t, "3", ev.Details["rows"])

	buf.Reset()
	requireCode(t, accountkit.NotFound, f.svc.Report(f.rivalMgr, f.main.ID, &buf))
	assert.Zero(t, buf.Len())
	assert.Equal(t, "Report download failed.", f.lastAudit(t, f.rival.ID, audit.ItemReport).Description)
}

// TestService_InactiveTeamRoles: a seat role held through a team makes a
// holder eligible, on every store; losing the team makes them inactive
// with reason no_seat_role, and the role filter sees team roles.
func TestService_InactiveTeamRoles(t *testing.T) {
	t.Parallel()
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := kittest.NewWithStore(t, open(t))
			f := newFixture(t, env)
			f.purchase(t, 5)
			viaTeam := f.user(t, f.sub, "member")
			f.assign(t, viaTeam)
			env.Clock.Advance(time.Hour) // recent activity: only roles matter
			tm, err := env.Kit.Teams.Create(env.System(), teams.CreateInput{AccountID: f.sub.ID, Name: "Agents", Roles: []string{agentRole}})
			require.NoError(t, err)
			_, err = env.Kit.Teams.AddMembers(env.System(), tm.ID, []string{viaTeam.ID})
			require.NoError(t, err)

			p, err := f.svc.Inactive(f.mgr, seats.HoldersInput{})
			require.NoError(t, err)
			assert.Empty(t, p.Holders, "the team's seat role makes the holder eligible")
			p, err = f.svc.Holders(f.mgr, seats.HoldersInput{AccountID: f.sub.ID, Role: agentRole})
			require.NoError(t, err)
			require.Len(t, p.Holders, 1, "the role filter sees team roles")
			assert.Equal(t, []string{agentRole}, p.Holders[0].TeamRoles)
			assert.Empty(t, p.Holders[0].Reasons)
			o, err := f.svc.Overview(f.mgr, "")
			require.NoError(t, err)
			assert.Zero(t, o.Inactive)

			_, err = env.Kit.Teams.RemoveMembers(env.System(), tm.ID, []string{viaTeam.ID})
			require.NoError(t, err)
			p, err = f.svc.Inactive(f.mgr, seats.HoldersInput{})
			require.NoError(t, err)
			require.Len(t, p.Holders, 1)
			assert.Equal(t, viaTeam.ID, p.Holders[0].User.ID)
			assert.Equal(t, []string{"no_seat_role"}, p.Holders[0].Reasons)
		})
	}
}

func TestService_ReleaseUser(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	f := newFixture(t, env)
	f.purchase(t, 2)
	u := f.user(t, f.sub, agentRole)
	f.assign(t, u)
	requireCode(t, accountkit.NotFound, f.svc.ReleaseUser(f.rivalMgr, u.ID, "deleted"))
	require.NoError(t, f.svc.ReleaseUser(env.System(), u.ID, "user deleted"))
	assert.Zero(t, f.count(t, ""))
	e := f.seatLog(t, f.main.ID)[0]
	assert.Equal(t, seats.EventReleased, e.Event)
	require.NoError(t, f.svc.ReleaseUser(f.mgr, u.ID, "again"), "no seat is not an error")
}

// TestService_DisabledUserKeepsSeat: disabling a user keeps the seat, which
// then counts as inactive until removed.
func TestService_DisabledUserKeepsSeat(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	f := newFixture(t, env)
	f.purchase(t, 2)
	u := env.ActiveUser(t, f.main, "agent", agentRole)
	f.assign(t, u)
	_, err := env.Kit.Users.Disable(f.mgr, u.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, f.count(t, ""))
	o, err := f.svc.Overview(f.mgr, "")
	require.NoError(t, err)
	assert.Equal(t, 1, o.Inactive)
}

// TestService_TenantIsolation: a manager of another main account tries
// every operation on the first tree and gets NotFound (or an empty
// result), exactly as for IDs that do not exist; the failures are logged
// in the attacker's own tree, never in the victim's.
func TestService_TenantIsolation(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	f := newFixture(t, env)
	f.purchase(t, 5)
	u := f.user(t, f.sub, agentRole)
	f.assign(t, u)
	victimLog := len(f.seatLog(t, f.main.ID))
	victimAudit := len(env.Events(t, f.main.ID))
	m := f.rivalMgr
	ops := map[string]func() error{
		"Assign":       func() error { _, err := f.svc.Assign(m, f.user(t, f.main, agentRole).ID); return err },
		"Unassign":     func() error { return f.svc.Unassign(m, u.ID) },
		"Bulk":         func() error { _, err := f.svc.BulkUnassign(m, seats.BulkInput{UserIDs: []string{u.ID}}); return err },
		"SetLimit":     func() error { _, err := f.svc.SetLimit(m, f.sub.ID, seats.LimitInput{Limit: ptr(1)}); return err },
		"RemoveLimit":  func() error { return f.svc.RemoveLimit(m, f.sub.ID) },
		"Overview":     func() error { _, err := f.svc.Overview(m, f.main.ID); return err },
		"Accounts":     func() error { _, err := f.svc.Accounts(m, seats.AccountsInput{AccountID: f.main.ID}); return err },
		"Holders":      func() error { _, err := f.svc.Holders(m, seats.HoldersInput{AccountID: f.sub.ID}); return err },
		"Inactive":     func() error { _, err := f.svc.Inactive(m, seats.HoldersInput{AccountID: f.main.ID}); return err },
		"Members":      func() error { _, err := f.svc.Members(m, f.sub.ID, "", "", 0); return err },
		"Log":          func() error { _, err := f.svc.Log(m, seats.LogInput{AccountID: f.main.ID}); return err },
		"Report":       func() error { return f.svc.Report(m, f.main.ID, &bytes.Buffer{}) },
		"ReleaseUser":  func() error { return f.svc.ReleaseUser(m, u.ID, "x") },
		"SetPurchased": func() error { _, err := f.svc.SetPurchased(m, f.main.ID, 50); return err },
	}
	for name, op := range ops {
		err := op()
		if name == "SetPurchased" {
			requireCode(t, accountkit.Forbidden, err)
			continue
		}
		requireCode(t, accountkit.NotFound, err)
	}
	assert.Equal(t, 1, f.count(t, ""))
	assert.Len(t, f.seatLog(t, f.main.ID), victimLog, "nothing in the victim's seat log")
	assert.Len(t, env.Events(t, f.main.ID), victimAudit, "nothing in the victim's audit log")
	rivalLog := f.seatLog(t, f.rival.ID)
	require.NotEmpty(t, rivalLog)
	for _, e := range rivalLog {
		assert.Equal(t, seats.StatusFailure, e.Status)
		assert.Empty(t, e.UserID)
	}
}
