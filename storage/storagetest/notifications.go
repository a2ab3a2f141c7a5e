package storagetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/notifications"
	"github.com/accountkit/accountkit/storage"
)

func testNotifications(t *testing.T, h Harness) {
	runAll(t, h, []subtest{
		{name: "CreateList", run: testNotificationCreateList},
		{name: "Pagination", run: testNotificationPagination},
		{name: "Inbox", run: testNotificationInbox},
		{name: "InboxPagination", run: testNotificationInboxPagination},
		{name: "MarkRead", run: testNotificationMarkRead},
		{name: "DeliveryConflict", run: testNotificationDeliveryConflict},
		{name: "OptOuts", run: testNotificationOptOuts},
		{name: "Rollback", run: testNotificationRollback},
	})
}

func newNotification(accountID string, sec int, title string) *notifications.Notification {
	return &notifications.Notification{ID: newID(), AccountID: accountID, Type: notifications.CampaignEvents,
		Title: title, Body: "Body of " + title + " — ünïcode 'q' \"dq\" \\", CreatedAt: at(sec), Recipients: 2}
}

func requireNotification(t testing.TB, want, got *notifications.Notification) {
	t.Helper()
	requireUTC(t, want.CreatedAt.UTC().Truncate(time.Microsecond), got.CreatedAt, "CreatedAt")
	w, g := *want, *got
	w.CreatedAt, g.CreatedAt = base, base
	require.Equal(t, w, g)
}

func deliver(t testing.TB, s storage.Store, n *notifications.Notification, userIDs ...string) {
	t.Helper()
	ds := make([]*notifications.Delivery, len(userIDs))
	for i, u := range userIDs {
		ds[i] = &notifications.Delivery{NotificationID: n.ID, UserID: u, AccountID: n.AccountID, CreatedAt: n.CreatedAt}
	}
	require.NoError(t, s.CreateDeliveries(ctx(), ds))
}

func notificationTitles(list []*notifications.Notification) []string {
	out := make([]string, len(list))
	for i, n := range list {
		out[i] = n.Title
	}
	return out
}

func inboxTitles(list []*notifications.InboxItem) []string {
	out := make([]string, len(list))
	for i, n := range list {
		out[i] = n.Title
	}
	return out
}

func testNotificationCreateList(t *testing.T, s storage.Store) {
	a, b := newMain("notes-a"), newMain("notes-b")
	mustCreate(t, s, a, b)
	n1 := newNotification(a.ID, 1, "one")
	n1.CreatedAt = at(1).In(time.FixedZone("X", 7200)).Add(3 * time.Nanosecond)
	n2 := newNotification(a.ID, 2, "two")
	require.NoError(t, s.CreateNotification(ctx(), n1))
	require.NoError(t, s.CreateNotification(ctx(), n2))
	requireCode(t, accountkit.Conflict, s.CreateNotification(ctx(), n1))
	list, err := s.ListNotifications(ctx(), notifications.ListFilter{AccountID: a.ID})
	require.NoError(t, err)
	require.Equal(t, []string{"two", "one"}, notificationTitles(list))
	requireNotification(t, n1, list[1])
	list, err = s.ListNotifications(ctx(), notifications.ListFilter{AccountID: b.ID})
	require.NoError(t, err)
	assert.Empty(t, list, "another account sees nothing")
}

func testNotificationPagination(t *testing.T, s storage.Store) {
	a := newMain("notes-page")
	mustCreate(t, s, a)
	// Two share a time: the ID breaks the tie.
	for i, sec := range []int{1, 2, 2, 3, 4} {
		require.NoError(t, s.CreateNotification(ctx(), newNotification(a.ID, sec, string(rune('a'+i)))))
	}
	var got []string
	f := notifications.ListFilter{AccountID: a.ID, Limit: 2}
	for {
		page, err := s.ListNotifications(ctx(), f)
		require.NoError(t, err)
		got = append(got, notificationTitles(page)...)
		if len(page) < f.Limit {
			break
		}
		last := page[len(page)-1]
		f.Before = &notifications.Cursor{Time: last.CreatedAt, ID: last.ID}
	}
	assert.Equal(t, []string{"e", "d", "c", "b", "a"}, got)
}

func testNotificationInbox(t *testing.T, s storage.Store) {
	a := newMain("inbox")
	mustCreate(t, s, a)
	alice, bob := newID(), newID()
	n1, n2 := newNotification(a.ID, 1, "one"), newNotification(a.ID, 2, "two")
	require.NoError(t, s.CreateNotification(ctx(), n1))
	require.NoError(t, s.CreateNotification(ctx(), n2))
	deliver(t, s, n1, alice, bob)
	deliver(t, s, n2, alice)
	items, err := s.ListInbox(ctx(), notifications.InboxFilter{UserID: alice})
	require.NoError(t, err)
	require.Equal(t, []string{"two", "one"}, inboxTitles(items))
	requireNotification(t, n2, &items[0].Notification)
	assert.Equal(t, alice, items[0].UserID)
	assert.Nil(t, items[0].ReadAt)
	items, err = s.ListInbox(ctx(), notifications.InboxFilter{UserID: bob})
	require.NoError(t, err)
	assert.Equal(t, []string{"one"}, inboxTitles(items))
	items, err = s.ListInbox(ctx(), notifications.InboxFilter{UserID: newID()})
	require.NoError(t, err)
	assert.Empty(t, items, "another user sees nothing")
	n, err := s.CountUnread(ctx(), alice)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
}

func testNotificationInboxPagination(t *testing.T, s storage.Store) {
	a := newMain("inbox-page")
	mustCreate(t, s, a)
	u := newID()
	for i, sec := range []int{1, 2, 2, 3, 4} {
		n := newNotification(a.ID, sec, string(rune('a'+i)))
		require.NoError(t, s.CreateNotification(ctx(), n))
		deliver(t, s, n, u)
	}
	require.NoError(t, s.MarkRead(ctx(), u, mustInbox(t, s, u)[0].ID, at(10))) // "e"
	var got []string
	f := notifications.InboxFilter{UserID: u, Limit: 2}
	for {
		page, err := s.ListInbox(ctx(), f)
		require.NoError(t, err)
		got = append(got, inboxTitles(page)...)
		if len(page) < f.Limit {
			break
		}
		last := page[len(page)-1]
		f.Before = &notifications.Cursor{Time: last.CreatedAt, ID: last.ID}
	}
	assert.Equal(t, []string{"e", "d", "c", "b", "a"}, got)
	unread, err := s.ListInbox(ctx(), notifications.InboxFilter{UserID: u, UnreadOnly: true, Limit: 3})
	require.NoError(t, err)
	assert.Equal(t, []string{"d", "c", "b"}, inboxTitles(unread))
}

func mustInbox(t testing.TB, s storage.Store, userID string) []*notifications.InboxItem {
	t.Helper()
	items, err := s.ListInbox(ctx(), notifications.InboxFilter{UserID: userID, Limit: 1000})
	require.NoError(t, err)
	return items
}

func testNotificationMarkRead(t *testing.T, s storage.Store) {
	a := newMain("inbox-read")
	mustCreate(t, s, a)
	alice, bob := newID(), newID()
	n1, n2, n3 := newNotification(a.ID, 1, "one"), newNotification(a.ID, 2, "two"), newNotification(a.ID, 3, "three")
	for _, n := range []*notifications.Notification{n1, n2, n3} {
		require.NoError(t, s.CreateNotification(ctx(), n))
		deliver(t, s, n, alice, bob)
	}
	require.NoError(t, s.MarkRead(ctx(), alice, n1.ID, at(10)))
	require.NoError(t, s.MarkRead(ctx(), alice, n1.ID, at(20)), "marking again is not an error")
	requireCode(t, accountkit.NotFound, s.MarkRead(ctx(), alice, newID(), at(10)))
	requireCode(t, accountkit.NotFound, s.MarkRead(ctx(), newID(), n1.ID, at(10)), "not in that user's inbox")
	items := mustInbox(t, s, alice)
	require.Len(t, items, 3)
	requireTimePtr(t, ptr(at(10)), items[2].ReadAt, "ReadAt stays at the first read")
	n, err := s.MarkAllRead(ctx(), alice, at(30))
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	n, err = s.MarkAllRead(ctx(), alice, at(40))
	require.NoError(t, err)
	assert.Equal(t, 0, n)
	n, err = s.CountUnread(ctx(), alice)
	require.NoError(t, err)
	assert.Equal(t, 0, n)
	n, err = s.CountUnread(ctx(), bob)
	require.NoError(t, err)
	assert.Equal(t, 3, n, "another user's inbox is untouched")
	requireTimePtr(t, ptr(at(30)), mustInbox(t, s, alice)[0].ReadAt, "ReadAt")
}

func testNotificationDeliveryConflict(t *testing.T, s storage.Store) {
	a := newMain("inbox-dup")
	mustCreate(t, s, a)
	u := newID()
	n := newNotification(a.ID, 1, "one")
	require.NoError(t, s.CreateNotification(ctx(), n))
	deliver(t, s, n, u)
	err := s.InTx(ctx(), func(ctx context.Context) error {
		return s.CreateDeliveries(ctx, []*notifications.Delivery{{NotificationID: n.ID, UserID: u, AccountID: a.ID, CreatedAt: n.CreatedAt}})
	})
	requireCode(t, accountkit.Conflict, err)
	// A large batch lands whole.
	n2 := newNotification(a.ID, 2, "two")
	require.NoError(t, s.CreateNotification(ctx(), n2))
	many := make([]string, 1203)
	for i := range many {
		many[i] = newID()
	}
	deliver(t, s, n2, many...)
	c, err := s.CountUnread(ctx(), many[1202])
	require.NoError(t, err)
	assert.Equal(t, 1, c)
}

func testNotificationOptOuts(t *testing.T, s storage.Store) {
	a, b := newMain("optout-a"), newMain("optout-b")
	mustCreate(t, s, a, b)
	alice, bob, carol := newID(), newID(), newID()
	require.NoError(t, s.PutOptOut(ctx(), notifications.OptOut{UserID: alice, AccountID: a.ID, Type: notifications.CampaignEvents}))
	require.NoError(t, s.PutOptOut(ctx(), notifications.OptOut{UserID: alice, AccountID: a.ID, Type: notifications.CampaignEvents}), "idempotent")
	require.NoError(t, s.PutOptOut(ctx(), notifications.OptOut{UserID: alice, AccountID: a.ID, Type: notifications.AccountBalance}))
	require.NoError(t, s.PutOptOut(ctx(), notifications.OptOut{UserID: bob, AccountID: a.ID, Type: notifications.CampaignEvents}))
	require.NoError(t, s.PutOptOut(ctx(), notifications.OptOut{UserID: carol, AccountID: b.ID, Type: notifications.CampaignEvents}))
	types, err := s.ListOptOuts(ctx(), alice)
	require.NoError(t, err)
	assert.Equal(t, []notifications.Type{notifications.AccountBalance, notifications.CampaignEvents}, types)
	ids, err := s.ListOptedOutUsers(ctx(), a.ID, notifications.CampaignEvents)
	require.NoError(t, err)
	assert.Equal(t, sortedStrings([]string{alice, bob}), ids, "carol's account is another")
	ids, err = s.ListOptedOutUsers(ctx(), a.ID, notifications.LowAccountBalance)
	require.NoError(t, err)
	assert.Empty(t, ids)
	require.NoError(t, s.DeleteOptOut(ctx(), alice, notifications.CampaignEvents))
	require.NoError(t, s.DeleteOptOut(ctx(), alice, notifications.CampaignEvents), "idempotent")
	types, err = s.ListOptOuts(ctx(), alice)
	require.NoError(t, err)
	assert.Equal(t, []notifications.Type{notifications.AccountBalance}, types)
	types, err = s.ListOptOuts(ctx(), newID())
	require.NoError(t, err)
	assert.Empty(t, types)
}

func testNotificationRollback(t *testing.T, s storage.Store) {
	a := newMain("notes-rb")
	mustCreate(t, s, a)
	u := newID()
	kept := newNotification(a.ID, 1, "kept")
	require.NoError(t, s.CreateNotification(ctx(), kept))
	deliver(t, s, kept, u)
	boom := errors.New("boom")
	err := s.InTx(ctx(), func(ctx context.Context) error {
		n := newNotification(a.ID, 2, "dropped")
		require.NoError(t, s.CreateNotification(ctx, n))
		require.NoError(t, s.CreateDeliveries(ctx, []*notifications.Delivery{{NotificationID: n.ID, UserID: u, AccountID: a.ID, CreatedAt: n.CreatedAt}}))
		require.NoError(t, s.MarkRead(ctx, u, kept.ID, at(5)))
		_, err := s.MarkAllRead(ctx, u, at(6))
		require.NoError(t, err)
		require.NoError(t, s.PutOptOut(ctx, notifications.OptOut{UserID: u, AccountID: a.ID, Type: notifications.AccountBalance}))
		return boom
	})
	require.ErrorIs(t, err, boom)
	items := mustInbox(t, s, u)
	require.Equal(t, []string{"kept"}, inboxTitles(items))
	assert.Nil(t, items[0].ReadAt)
	types, err := s.ListOptOuts(ctx(), u)
	require.NoError(t, err)
	assert.Empty(t, types)
}
