package notifications_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/notifications"
	"github.com/accountkit/accountkit/security"
)

// TestService_ManagedSubscriptions: a manager lists the users of an
// account of their tree with their subscriptions and changes one user's;
// the change is stored (the user sees it), audited in the user's account
// naming them, and stops the delivery of that type. Other trees, a
// sub-account manager looking up, a member without users.manage, bad
// IDs and unknown types are refused and change nothing.
func TestService_ManagedSubscriptions(t *testing.T) {
	t.Parallel()
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env, _ := newEnv(t, open)
			main := env.MainAccount(t, "acme")
			sub := env.SubAccount(t, main, "acme-eu")
			ann := env.ActiveUser(t, sub, "ann")
			env.ActiveUser(t, sub, "ben")
			boss := kittest.As(kittest.Manager(main.ID, "boss"))
			svc := env.Kit.Notifications

			page, err := svc.AccountSubscriptions(boss, notifications.MembersInput{AccountID: sub.ID, Limit: 1})
			require.NoError(t, err)
			require.Len(t, page.Members, 1)
			assert.Equal(t, "ann", page.Members[0].User.Username)
			require.NotEmpty(t, page.NextCursor)
			for _, s := range page.Members[0].Subscriptions {
				assert.True(t, s.Subscribed, "subscribed to %s by default", s.Type)
			}
			page, err = svc.AccountSubscriptions(boss, notifications.MembersInput{AccountID: sub.ID, Cursor: page.NextCursor})
			require.NoError(t, err)
			require.Len(t, page.Members, 1)
			assert.Equal(t, "ben", page.Members[0].User.Username)

			subs, err := svc.SetUserSubscriptions(boss, ann.ID, map[notifications.Type]bool{notifications.CampaignEvents: false})
			require.NoError(t, err)
			for _, s := range subs {
				assert.Equal(t, s.Type != notifications.CampaignEvents, s.Subscribed, s.Type)
			}
			own, err := svc.Subscriptions(env.UserCtx(t, ann))
			require.NoError(t, err)
			assert.Equal(t, subs, own, "the user sees what the manager set")
			ev := env.LastAccountEvent(t, sub.ID)
			assert.Equal(t, "Notification subscriptions updated.", ev.Description)
			assert.Equal(t, ann.ID, ev.TargetID)
			n := publish(t, env, sub.ID, notifications.CampaignEvents, "launch")
			assert.Equal(t, 1, n.Recipients, "ann opted out, ben still receives it")

			other := env.MainAccount(t, "globex")
			for cname, c := range map[string]struct {
				ctx  context.Context
				id   string
				code accountkit.Code
			}{
				"OtherTree": {kittest.As(kittest.Manager(other.ID, "eve")), ann.ID, accountkit.NotFound},
				"Member":    {kittest.As(kittest.Member(main.ID, "joe", security.PermAccountSettings)), ann.ID, accountkit.Forbidden},
				"Random":    {boss, "0190a4b0-0000-7000-8000-000000000000", accountkit.NotFound},
				"Bogus":     {boss, "bogus", accountkit.NotFound},
				"Anonymous": {context.Background(), ann.ID, accountkit.Unauthenticated},
			} {
				_, err := svc.SetUserSubscriptions(c.ctx, c.id, map[notifications.Type]bool{notifications.CampaignEvents: true})
				assert.Equal(t, c.code, accountkit.ErrorCode(err), cname)
				_, err = svc.UserSubscriptions(c.ctx, c.id)
				assert.Equal(t, c.code, accountkit.ErrorCode(err), cname)
			}
			sven := kittest.As(kittest.Manager(sub.ID, "sven"))
			_, err = svc.AccountSubscriptions(sven, notifications.MembersInput{AccountID: main.ID})
			assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err), "a sub-account manager cannot look up")
			_, err = svc.AccountSubscriptions(kittest.As(kittest.Manager(other.ID, "eve")), notifications.MembersInput{AccountID: sub.ID})
			assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err), "another tree")
			_, err = svc.AccountSubscriptions(boss, notifications.MembersInput{AccountID: sub.ID, Cursor: "!!"})
			assert.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err))
			_, err = svc.SetUserSubscriptions(boss, ann.ID, map[notifications.Type]bool{"bogus": true, notifications.CampaignEvents: true})
			assert.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err))
			_, err = svc.SetUserSubscriptions(boss, ann.ID, nil)
			assert.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err))
			subs, err = svc.UserSubscriptions(boss, ann.ID)
			require.NoError(t, err)
			assert.Equal(t, own, subs, "nothing changed")
		})
	}
}
