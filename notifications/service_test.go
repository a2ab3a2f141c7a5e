package notifications_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/notifications"
	"github.com/accountkit/accountkit/security"
)

// hook records what the delivery hook received.
type hook struct {
	mu   sync.Mutex
	got  []notifications.Published
	fail bool
}

func (h *hook) deliver(_ context.Context, p notifications.Published) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.got = append(h.got, p)
	if h.fail {
		return errors.New("smtp down")
	}
	return nil
}

func newEnv(t *testing.T, open kittest.Opener) (*kittest.Env, *hook) {
	h := &hook{}
	env := kittest.NewWithStore(t, open(t), func(o *kit.Options) {
		o.Notifications.Deliver = h.deliver
		o.Notifications.Types = []notifications.TypeInfo{{Type: "chatbot.alerts", Name: "Chatbot alerts"}}
	})
	return env, h
}

func publish(t *testing.T, env *kittest.Env, accountID string, typ notifications.Type, title string) *notifications.Notification {
	t.Helper()
	n, err := env.Kit.Notifications.Publish(env.System(), notifications.PublishInput{AccountID: accountID, Type: typ, Title: title, Body: "details"})
	require.NoError(t, err)
	return n
}

func TestService_Publish(t *testing.T) {
	t.Parallel()
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env, h := newEnv(t, open)
			main := env.MainAccount(t, "acme")
			sub := env.SubAccount(t, main, "acme-eu")
			alice := env.ActiveUser(t, main, "alice")
			bob := env.ActiveUser(t, main, "bob")
			carol := env.ActiveUser(t, main, "carol")
			subUser := env.ActiveUser(t, sub, "sven")
			svc := env.Kit.Notifications

			// Disabled users get nothing; bob opts out of campaign events.
			_, err := env.Kit.Users.Disable(env.System(), carol.ID)
			require.NoError(t, err)
			_, err = svc.SetSubscriptions(env.UserCtx(t, bob), map[notifications.Type]bool{notifications.CampaignEvents: false})
			require.NoError(t, err)

			n := publish(t, env, main.ID, notifications.CampaignEvents, "Campaign finished")
			assert.Equal(t, 1, n.Recipients)
			ev := env.LastEvent(t, main.ID)
			assert.Equal(t, "Notification published.", ev.Description)
			assert.Equal(t, "system", ev.ActorName)
			require.Len(t, h.got, 1)
			require.Len(t, h.got[0].Recipients, 1)
			assert.Equal(t, alice.ID, h.got[0].Recipients[0].ID)

			h.fail = true // a failing hook does not undo the notification
			env.Clock.Advance(time.Second)
			n2 := publish(t, env, main.ID, notifications.LowAccountBalance, "Balance low")
			assert.Equal(t, 2, n2.Recipients)
			publish(t, env, main.ID, "chatbot.alerts", "Host type")

			inbox := func(ctx context.Context) []string {
				page, err := svc.Inbox(ctx, notifications.InboxInput{})
				require.NoError(t, err)
				var out []string
				for _, it := range page.Items {
					out = append(out, it.Title)
				}
				return out
			}
			assert.Equal(t, []string{"Host type", "Balance low", "Campaign finished"}, inbox(env.UserCtx(t, alice)))
			assert.Equal(t, []string{"Host type", "Balance low"}, inbox(env.UserCtx(t, bob)))
			assert.Empty(t, inbox(env.UserCtx(t, subUser)), "the sub-account's users are another audience")

			// The account-level view, from the main account.
			mgr := kittest.As(kittest.Manager(main.ID, "boss"))
			page, err := svc.AccountNotifications(mgr, notifications.AccountInput{AccountID: sub.ID})
			require.NoError(t, err)
			assert.Empty(t, page.Notifications)
			publish(t, env, sub.ID, notifications.AccountBalance, "Sub balance")
			page, err = svc.AccountNotifications(mgr, notifications.AccountInput{AccountID: sub.ID})
			require.NoError(t, err)
			require.Len(t, page.Notifications, 1)
			assert.Equal(t, 1, page.Notifications[0].Recipients)
		})
	}
}

func TestService_PublishInvalid(t *testing.T) {
	t.Parallel()
	env, h := newEnv(t, kittest.Stores()["memory"])
	main := env.MainAccount(t, "acme")
	alice := env.ActiveUser(t, main, "alice")
	svc := env.Kit.Notifications
	for name, c := range map[string]struct {
		ctx  context.Context
		in   notifications.PublishInput
		code accountkit.Code
	}{
		"UnknownType":  {env.System(), notifications.PublishInput{AccountID: main.ID, Type: "nope", Title: "x"}, accountkit.Invalid},
		"EmptyTitle":   {env.System(), notifications.PublishInput{AccountID: main.ID, Type: notifications.AccountBalance, Title: "  "}, accountkit.Invalid},
		"LongTitle":    {env.System(), notifications.PublishInput{AccountID: main.ID, Type: notifications.AccountBalance, Title: strings.Repeat("t", 201)}, accountkit.Invalid},
		"LongBody":     {env.System(), notifications.PublishInput{AccountID: main.ID, Type: notifications.AccountBalance, Title: "t", Body: strings.Repeat("b", 4001)}, accountkit.Invalid},
		"Control":      {env.System(), notifications.PublishInput{AccountID: main.ID, Type: notifications.AccountBalance, Title: "a\x00b"}, accountkit.Invalid},
		"NoAccount":    {env.System(), notifications.PublishInput{AccountID: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", Type: notifications.AccountBalance, Title: "t"}, accountkit.NotFound},
		"NotSystem":    {env.UserCtx(t, alice), notifications.PublishInput{AccountID: main.ID, Type: notifications.AccountBalance, Title: "t"}, accountkit.Forbidden},
		"Anonymous":    {context.Background(), notifications.PublishInput{AccountID: main.ID, Type: notifications.AccountBalance, Title: "t"}, accountkit.Unauthenticated},
		"ManagerToo":   {kittest.As(kittest.Manager(main.ID, "boss")), notifications.PublishInput{AccountID: main.ID, Type: notifications.AccountBalance, Title: "t"}, accountkit.Forbidden},
		"UnknownTypeS": {env.System(), notifications.PublishInput{AccountID: main.ID, Type: "Campaign_Events", Title: "x"}, accountkit.Invalid},
	} {
		_, err := svc.Publish(c.ctx, c.in)
		assert.Equal(t, c.code, accountkit.ErrorCode(err), name)
	}
	page, err := svc.Inbox(env.UserCtx(t, alice), notifications.InboxInput{})
	require.NoError(t, err)
	assert.Empty(t, page.Items, "nothing was delivered")
	assert.Empty(t, h.got)
	_, err = notifications.NewService(notifications.Deps{Runtime: env.Kit.Runtime, Store: env.Store},
		notifications.Options{Types: []notifications.TypeInfo{{Type: notifications.CampaignEvents, Name: "dup"}}})
	assert.ErrorContains(t, err, "registered twice", "a bad option is an error, never a panic")
}

func TestService_InboxAndSubscriptions(t *testing.T) {
	t.Parallel()
	env, _ := newEnv(t, kittest.Stores()["memory"])
	main := env.MainAccount(t, "acme")
	alice := env.ActiveUser(t, main, "alice")
	bob := env.ActiveUser(t, main, "bob")
	svc := env.Kit.Notifications
	actx := env.UserCtx(t, alice)
	for i := 0; i < 5; i++ {
		publish(t, env, main.ID, notifications.AccountBalance, "n"+string(rune('0'+i)))
	}
	// Pagination.
	var titles []string
	in := notifications.InboxInput{Limit: 2}
	for {
		page, err := svc.Inbox(actx, in)
		require.NoError(t, err)
		assert.Equal(t, 5, page.UnreadCount)
		for _, it := range page.Items {
			titles = append(titles, it.Title)
		}
		if page.NextCursor == "" {
			break
		}
		in.Cursor = page.NextCursor
	}
	assert.Equal(t, []string{"n4", "n3", "n2", "n1", "n0"}, titles)

	// Mark one and all; another user's notification is NotFound.
	page, err := svc.Inbox(actx, notifications.InboxInput{Limit: 1})
	require.NoError(t, err)
	first := page.Items[0].ID
	require.NoError(t, svc.MarkRead(actx, first))
	require.NoError(t, svc.MarkRead(actx, first))
	eve := env.ActiveUser(t, env.MainAccount(t, "other"), "eve")
	assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(svc.MarkRead(env.UserCtx(t, eve), first)), "another tenant")
	assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(svc.MarkRead(actx, "not-an-id")))
	page, err = svc.Inbox(actx, notifications.InboxInput{UnreadOnly: true})
	require.NoError(t, err)
	assert.Len(t, page.Items, 4)
	n, err := svc.MarkAllRead(actx)
	require.NoError(t, err)
	assert.Equal(t, 4, n)
	page, err = svc.Inbox(env.UserCtx(t, bob), notifications.InboxInput{})
	require.NoError(t, err)
	assert.Equal(t, 5, page.UnreadCount, "bob's inbox is his own")

	// Bad paging input.
	for _, in := range []notifications.InboxInput{{Limit: -1}, {Limit: 201}, {Cursor: "!!"}, {Cursor: accountkit.EncodeCursor("x", "y")}} {
		_, err := svc.Inbox(actx, in)
		assert.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err), "%+v", in)
	}

	// Subscriptions: all on by default; toggling; unknown types refused.
	subs, err := svc.Subscriptions(actx)
	require.NoError(t, err)
	require.Len(t, subs, 4)
	for _, s := range subs {
		assert.True(t, s.Subscribed, s.Type)
	}
	subs, err = svc.SetSubscriptions(actx, map[notifications.Type]bool{notifications.LowAccountBalance: false, "chatbot.alerts": false})
	require.NoError(t, err)
	assert.False(t, subs[0].Subscribed)
	assert.False(t, subs[3].Subscribed)
	assert.Equal(t, "Notification subscriptions updated.", env.LastEvent(t, main.ID).Description)
	_, err = svc.SetSubscriptions(actx, map[notifications.Type]bool{notifications.LowAccountBalance: true, "bogus": false})
	assert.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err))
	assert.Equal(t, "Notification subscriptions update failed.", env.LastEvent(t, main.ID).Description)
	_, err = svc.SetSubscriptions(actx, nil)
	assert.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err))
	subs, err = svc.Subscriptions(actx)
	require.NoError(t, err)
	assert.False(t, subs[0].Subscribed, "nothing changed")

	// Only users have inboxes.
	key := kittest.As(&security.Principal{APIKeyID: "k", AccountID: main.ID, Permissions: security.NewPermissionSet(security.AccountSettingsPermissions...)})
	_, err = svc.Inbox(key, notifications.InboxInput{})
	assert.Equal(t, accountkit.Forbidden, accountkit.ErrorCode(err))
	_, err = svc.Inbox(context.Background(), notifications.InboxInput{})
	assert.Equal(t, accountkit.Unauthenticated, accountkit.ErrorCode(err))
}

// TestService_AccountNotificationsIsolation: a manager of another tree, a
// sub-account manager looking up, and a member without PermAccountSettings
// cannot read an account's notifications.
func TestService_AccountNotificationsIsolation(t *testing.T) {
	t.Parallel()
	env, _ := newEnv(t, kittest.Stores()["memory"])
	main := env.MainAccount(t, "acme")
	sub := env.SubAccount(t, main, "acme-eu")
	other := env.MainAccount(t, "other")
	publish(t, env, main.ID, notifications.AccountBalance, "secret")
	svc := env.Kit.Notifications
	for name, c := range map[string]struct {
		ctx  context.Context
		id   string
		code accountkit.Code
	}{
		"OtherTree": {kittest.As(kittest.Manager(other.ID, "eve")), main.ID, accountkit.NotFound},
		"SubUp":     {kittest.As(kittest.Manager(sub.ID, "sven")), main.ID, accountkit.NotFound},
		"Member":    {kittest.As(kittest.Member(main.ID, "joe", security.PermUsersRead)), main.ID, accountkit.Forbidden},
		"Bogus":     {kittest.As(kittest.Manager(main.ID, "boss")), "bogus", accountkit.NotFound},
	} {
		_, err := svc.AccountNotifications(c.ctx, notifications.AccountInput{AccountID: c.id})
		assert.Equal(t, c.code, accountkit.ErrorCode(err), name)
	}
}

func TestHTTP_Notifications(t *testing.T) {
	t.Parallel()
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env, _ := newEnv(t, open)
			main := env.MainAccount(t, "acme")
			sub := env.SubAccount(t, main, "acme-eu")
			env.ActiveUser(t, main, "boss", security.RoleAccountManager)
			env.ActiveUser(t, main, "alice")
			boss := env.Login(t, "boss", kittest.Password)
			alice := env.Login(t, "alice", kittest.Password)
			publish(t, env, main.ID, notifications.CampaignEvents, "Campaign done")
			publish(t, env, sub.ID, notifications.LowAccountBalance, "Sub low")

			r := env.Do(t, "GET", "/api/v1/notifications", alice, nil)
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			var inbox struct {
				Items []struct {
					ID, Type, Title string
					Read            bool
				} `json:"items"`
				Unread int `json:"unread_count"`
			}
			r.JSON(t, &inbox)
			require.Len(t, inbox.Items, 1)
			assert.Equal(t, "campaign_events", inbox.Items[0].Type)
			assert.Equal(t, 1, inbox.Unread)
			assert.Equal(t, http.StatusNoContent, env.Do(t, "POST", "/api/v1/notifications/"+inbox.Items[0].ID+"/read", alice, nil).Status)
			r = env.Do(t, "POST", "/api/v1/notifications/read", boss, nil)
			require.Equal(t, http.StatusOK, r.Status)
			assert.JSONEq(t, `{"marked":1}`, string(r.Body))
			assert.Equal(t, http.StatusBadRequest, env.Do(t, "GET", "/api/v1/notifications?limit=x", alice, nil).Status)
			assert.Equal(t, http.StatusUnauthorized, env.Do(t, "GET", "/api/v1/notifications", "", nil).Status)

			r = env.Do(t, "PUT", "/api/v1/notifications/subscriptions", alice, map[string]any{"subscriptions": map[string]bool{"campaign_events": false}})
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			assert.Contains(t, string(r.Body), `"type":"campaign_events","name":"Campaign events","description":"A campaign started, finished or needs attention.","subscribed":false`)
			r = env.Do(t, "PUT", "/api/v1/notifications/subscriptions", alice, map[string]any{"subscriptions": map[string]bool{"nope": false}})
			assert.Equal(t, http.StatusBadRequest, r.Status)
			assert.Contains(t, r.Problem(t)["detail"], "unknown notification type")
			r = env.Do(t, "PUT", "/api/v1/notifications/subscriptions", alice, map[string]any{"extra": 1})
			assert.Equal(t, http.StatusBadRequest, r.Status)
			r = env.Do(t, "GET", "/api/v1/notifications/subscriptions", alice, nil)
			require.Equal(t, http.StatusOK, r.Status)
			assert.Contains(t, string(r.Body), `"subscribed":false`)

			// Account Managers of the main account view the sub-account's.
			r = env.Do(t, "GET", "/api/v1/accounts/"+sub.ID+"/notifications", boss, nil)
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			assert.Contains(t, string(r.Body), `"title":"Sub low"`)
			assert.Contains(t, string(r.Body), `"recipients":0`)
			assert.Equal(t, http.StatusForbidden, env.Do(t, "GET", "/api/v1/accounts/"+sub.ID+"/notifications", alice, nil).Status)
			other := env.MainAccount(t, "other")
			env.ActiveUser(t, other, "eve", security.RoleAccountManager)
			eve := env.Login(t, "eve", kittest.Password)
			assert.Equal(t, http.StatusNotFound, env.Do(t, "GET", "/api/v1/accounts/"+sub.ID+"/notifications", eve, nil).Status)
			assert.Equal(t, http.StatusNotFound, env.Do(t, "POST", "/api/v1/notifications/"+inbox.Items[0].ID+"/read", eve, nil).Status)
		})
	}
}
