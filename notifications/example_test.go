package notifications_test

import (
	"context"
	"fmt"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/notifications"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/storage/memory"
)

func ExampleService() {
	store := memory.New()
	defer store.Close()
	k, _ := kit.New(kit.Options{Store: store, Notifications: notifications.Options{
		// The host may also send each notification by email.
		Deliver: func(_ context.Context, p notifications.Published) error {
			fmt.Println("email to", len(p.Recipients), "users:", p.Notification.Title)
			return nil
		},
	}})
	sys := security.AsSystem(context.Background())
	acme, _ := k.Accounts.CreateMain(sys, account.CreateInput{Name: "Acme", Slug: "acme"})

	// The host publishes as the system; active, subscribed users of the
	// account receive it in their inbox.
	n, _ := k.Notifications.Publish(sys, notifications.PublishInput{AccountID: acme.ID,
		Type: notifications.LowAccountBalance, Title: "Your balance is below 10 EUR"})
	fmt.Println(n.Type, n.Recipients)
	// Output:
	// email to 0 users: Your balance is below 10 EUR
	// low_account_balance 0
}
