package storagetest

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/webhooks"
)

// testWebhooks checks the webhook endpoints, the outbox and deliveries.
func testWebhooks(t *testing.T, h Harness) {
	runAll(t, h, []subtest{
		{name: "Endpoints", run: testWebhookEndpoints},
		{name: "Outbox", run: testWebhookOutbox},
		{name: "DueHeads", run: testWebhookDue},
		{name: "ClaimParallel", run: testWebhookClaimParallel},
		{name: "Purge", run: testWebhookPurge},
	})
}

func newEndpoint(accountID string, sec int) *webhooks.Endpoint {
	return &webhooks.Endpoint{ID: newID(), AccountID: accountID, Kind: webhooks.KindWebhook, URL: "https://hooks.example.com/in",
		Description: "SIEM", EventTypes: []string{webhooks.TypeUserCreated}, Enabled: true, Secret: []byte{1, 2, 3},
		CreatedAt: at(sec), UpdatedAt: at(sec)}
}

func newDelivery(endpointID, messageID, accountID string, sec int) *webhooks.Delivery {
	return &webhooks.Delivery{ID: newID(), EndpointID: endpointID, MessageID: messageID, AccountID: accountID,
		Status: webhooks.StatusPending, NextAttemptAt: at(sec), CreatedAt: at(sec), UpdatedAt: at(sec)}
}

// testWebhookEndpoints: create, get, update, list by accounts, delete
// with its deliveries; another account sees nothing.
func testWebhookEndpoints(t *testing.T, s storage.Store) {
	a, b := newID(), newID()
	e := newEndpoint(a, 1)
	require.NoError(t, s.CreateWebhookEndpoint(ctx(), e))
	requireCode(t, accountkit.Conflict, s.CreateWebhookEndpoint(ctx(), e))
	got, err := s.GetWebhookEndpoint(ctx(), e.ID)
	require.NoError(t, err)
	assert.Equal(t, e.URL, got.URL)
	assert.Equal(t, e.EventTypes, got.EventTypes)
	assert.Equal(t, e.Secret, got.Secret)
	assert.True(t, got.Enabled)
	assert.Nil(t, got.PreviousUntil)
	requireUTC(t, at(1), got.CreatedAt, "CreatedAt")

	got.Enabled, got.EventTypes, got.PreviousSecret, got.PreviousUntil, got.Secret = false, nil, []byte{1, 2, 3}, ptr(at(9)), []byte{4}
	got.UpdatedAt = at(5)
	require.NoError(t, s.UpdateWebhookEndpoint(ctx(), got))
	again, err := s.GetWebhookEndpoint(ctx(), e.ID)
	require.NoError(t, err)
	assert.False(t, again.Enabled)
	assert.Empty(t, again.EventTypes)
	assert.Equal(t, []byte{4}, again.Secret)
	assert.Equal(t, []byte{1, 2, 3}, again.PreviousSecret)
	requireUTC(t, at(9), *again.PreviousUntil, "PreviousUntil")

	e2 := newEndpoint(a, 2)
	require.NoError(t, s.CreateWebhookEndpoint(ctx(), e2))
	list, err := s.ListWebhookEndpoints(ctx(), []string{a})
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, e.ID, list[0].ID)
	list, err = s.ListWebhookEndpoints(ctx(), []string{b})
	require.NoError(t, err)
	assert.Empty(t, list, "another account sees nothing")

	d := newDelivery(e.ID, "msg_1", a, 1)
	require.NoError(t, s.InsertWebhookDelivery(ctx(), d))
	require.NoError(t, s.DeleteWebhookEndpoint(ctx(), e.ID))
	_, err = s.GetWebhookDelivery(ctx(), d.ID)
	requireCode(t, accountkit.NotFound, err, "deliveries go with their endpoint")
	requireCode(t, accountkit.NotFound, s.DeleteWebhookEndpoint(ctx(), e.ID))
	_, err = s.GetWebhookEndpoint(ctx(), e.ID)
	requireCode(t, accountkit.NotFound, err)
	requireCode(t, accountkit.NotFound, s.UpdateWebhookEndpoint(ctx(), e))
}

// testWebhookOutbox: messages and deliveries written in a transaction
// that rolls back are gone; committed ones are read back.
func testWebhookOutbox(t *testing.T, s storage.Store) {
	a := newID()
	e := newEndpoint(a, 1)
	require.NoError(t, s.CreateWebhookEndpoint(ctx(), e))
	m := &webhooks.Message{ID: "msg_" + newID(), AccountID: a, Type: webhooks.TypeUserCreated, Timestamp: at(3),
		Data: json.RawMessage(`{"account_id":"x"}`)}
	boom := errors.New("boom")
	err := s.InTx(ctx(), func(ctx context.Context) error {
		require.NoError(t, s.InsertWebhookMessage(ctx, m))
		require.NoError(t, s.InsertWebhookDelivery(ctx, newDelivery(e.ID, m.ID, a, 3)))
		return boom
	})
	require.ErrorIs(t, err, boom)
	msgs, err := s.ListWebhookMessages(ctx(), []string{m.ID})
	require.NoError(t, err)
	assert.Empty(t, msgs)
	ds, err := s.ListWebhookDeliveries(ctx(), webhooks.DeliveryFilter{EndpointID: e.ID})
	require.NoError(t, err)
	assert.Empty(t, ds)

	d := newDelivery(e.ID, m.ID, a, 3)
	inTx(t, s, func(ctx context.Context) error {
		if err := s.InsertWebhookMessage(ctx, m); err != nil {
			return err
		}
		return s.InsertWebhookDelivery(ctx, d)
	})
	requireCode(t, accountkit.Conflict, s.InsertWebhookMessage(ctx(), m))
	msgs, err = s.ListWebhookMessages(ctx(), []string{m.ID, "msg_missing"})
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	assert.JSONEq(t, `{"account_id":"x"}`, string(msgs[0].Data))
	requireUTC(t, at(3), msgs[0].Timestamp, "Timestamp")

	d.Status, d.Attempts, d.LastResult, d.LastAttemptAt, d.NextAttemptAt, d.UpdatedAt = webhooks.StatusDead, 3, "HTTP 500", ptr(at(4)), at(9), at(4)
	require.NoError(t, s.UpdateWebhookDelivery(ctx(), d))
	got, err := s.GetWebhookDelivery(ctx(), d.ID)
	require.NoError(t, err)
	assert.Equal(t, webhooks.StatusDead, got.Status)
	assert.Equal(t, 3, got.Attempts)
	assert.Equal(t, "HTTP 500", got.LastResult)
	requireUTC(t, at(4), *got.LastAttemptAt, "LastAttemptAt")
	dead := webhooks.StatusDead
	ds, err = s.ListWebhookDeliveries(ctx(), webhooks.DeliveryFilter{EndpointID: e.ID, Status: &dead})
	require.NoError(t, err)
	assert.Len(t, ds, 1)
	requireCode(t, accountkit.NotFound, s.UpdateWebhookDelivery(ctx(), newDelivery(e.ID, m.ID, a, 1)))
}

// testWebhookDue: only the oldest pending delivery of each (endpoint,
// account) pair is due, when its time has come and its endpoint is
// enabled; pages go newest first.
func testWebhookDue(t *testing.T, s storage.Store) {
	a, b := newID(), newID()
	e := newEndpoint(a, 1)
	off := newEndpoint(a, 1)
	off.Enabled = false
	require.NoError(t, s.CreateWebhookEndpoint(ctx(), e))
	require.NoError(t, s.CreateWebhookEndpoint(ctx(), off))
	a1 := newDelivery(e.ID, "m1", a, 1)
	a1.NextAttemptAt = at(50) // waiting for a retry
	a2 := newDelivery(e.ID, "m2", a, 2)
	b1 := newDelivery(e.ID, "m3", b, 3)
	b2 := newDelivery(e.ID, "m4", b, 4)
	o1 := newDelivery(off.ID, "m5", a, 1)
	for _, d := range []*webhooks.Delivery{a1, a2, b1, b2, o1} {
		require.NoError(t, s.InsertWebhookDelivery(ctx(), d))
	}
	due, err := s.DueWebhookDeliveries(ctx(), at(10), 10)
	require.NoError(t, err)
	require.Len(t, due, 1, "a2 waits behind a1; the disabled endpoint is skipped")
	assert.Equal(t, b1.ID, due[0].ID)
	due, err = s.DueWebhookDeliveries(ctx(), at(60), 10)
	require.NoError(t, err)
	require.Len(t, due, 2)
	assert.Equal(t, a1.ID, due[0].ID)

	batch, err := s.ListWebhookBatch(ctx(), e.ID, b, "", 10)
	require.NoError(t, err)
	require.Len(t, batch, 2)
	assert.Equal(t, b1.ID, batch[0].ID)

	page, err := s.ListWebhookDeliveries(ctx(), webhooks.DeliveryFilter{EndpointID: e.ID, Limit: 2})
	require.NoError(t, err)
	require.Len(t, page, 2)
	assert.Equal(t, b2.ID, page[0].ID)
	rest, err := s.ListWebhookDeliveries(ctx(), webhooks.DeliveryFilter{EndpointID: e.ID,
		Before: &webhooks.DeliveryCursor{CreatedAt: page[1].CreatedAt, ID: page[1].ID}})
	require.NoError(t, err)
	require.Len(t, rest, 2)
	assert.Equal(t, a2.ID, rest[0].ID)
}

// testWebhookClaimParallel: of many claimers of one due delivery, one
// wins; a claimed delivery is not due until the claim ends.
func testWebhookClaimParallel(t *testing.T, s storage.Store) {
	a := newID()
	e := newEndpoint(a, 1)
	require.NoError(t, s.CreateWebhookEndpoint(ctx(), e))
	d := newDelivery(e.ID, "m1", a, 1)
	require.NoError(t, s.InsertWebhookDelivery(ctx(), d))
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		won int
	)
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.ClaimWebhookDelivery(ctx(), d.ID, at(5), at(100))
			assert.NoError(t, err)
			if ok {
				mu.Lock()
				won++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, 1, won)
	due, err := s.DueWebhookDeliveries(ctx(), at(50), 10)
	require.NoError(t, err)
	assert.Empty(t, due, "claimed")
	ok, err := s.ClaimWebhookDelivery(ctx(), d.ID, at(100), at(200))
	require.NoError(t, err)
	assert.True(t, ok, "the claim ended")
}

// testWebhookPurge: old succeeded deliveries and the messages left
// without any are deleted; pending and dead ones stay.
func testWebhookPurge(t *testing.T, s storage.Store) {
	a := newID()
	e := newEndpoint(a, 1)
	require.NoError(t, s.CreateWebhookEndpoint(ctx(), e))
	for _, id := range []string{"m1", "m2"} {
		require.NoError(t, s.InsertWebhookMessage(ctx(), &webhooks.Message{ID: id, AccountID: a, Type: "t", Timestamp: at(1), Data: json.RawMessage(`{}`)}))
	}
	done := newDelivery(e.ID, "m1", a, 1)
	require.NoError(t, s.InsertWebhookDelivery(ctx(), done))
	done.Status, done.DeliveredAt = webhooks.StatusSucceeded, ptr(at(2))
	require.NoError(t, s.UpdateWebhookDelivery(ctx(), done))
	pending := newDelivery(e.ID, "m2", a, 1)
	require.NoError(t, s.InsertWebhookDelivery(ctx(), pending))
	n, err := s.PurgeWebhookDeliveries(ctx(), at(10))
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	msgs, err := s.ListWebhookMessages(ctx(), []string{"m1", "m2"})
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	assert.Equal(t, "m2", msgs[0].ID)
}
