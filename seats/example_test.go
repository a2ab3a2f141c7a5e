package seats_test

import (
	"context"
	"fmt"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/seats"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/storage/memory"
	"github.com/accountkit/accountkit/users"
)

// Example buys seats for a main account, limits a sub-account and assigns
// a seat, on the in-memory store.
func Example() {
	ctx := context.Background()
	sys := security.AsSystem(ctx)
	k, err := kit.New(kit.Options{Store: memory.New(), Users: users.Options{Mailer: discard{}},
		Seats: seats.Options{OnWarning: func(_ context.Context, w seats.Warning) {
			fmt.Printf("warning: %d of %d seats used (%s)\n", w.Assigned, w.Capacity, w.Scope)
		}}})
	if err != nil {
		panic(err)
	}
	acme, _ := k.Accounts.CreateMain(sys, account.CreateInput{Name: "Acme", Slug: "acme"})
	sales, _ := k.Accounts.CreateSub(sys, acme.ID, account.CreateInput{Name: "Sales", Slug: "sales"})
	agent, _ := k.Users.Create(sys, users.CreateInput{AccountID: sales.ID, Username: "agent", Email: "agent@acme.test"})

	// Billing code sets the purchased seats; an Account Manager sets limits
	// and assigns seats.
	if _, err := k.Seats.SetPurchased(sys, acme.ID, 1); err != nil {
		panic(err)
	}
	manager := security.WithPrincipal(ctx, &security.Principal{UserID: "-", Username: "boss", AccountID: acme.ID,
		Permissions: security.NewPermissionSet(security.PermSeatsManage)})
	if _, err := k.Seats.SetLimit(manager, sales.ID, seats.LimitInput{Limit: ptr(1)}); err != nil {
		panic(err)
	}
	if _, err := k.Seats.Assign(manager, agent.ID); err != nil {
		panic(err)
	}
	o, _ := k.Seats.Overview(manager, "")
	fmt.Printf("purchased %d, assigned %d, remaining %d\n", o.Purchased, o.Assigned, o.Remaining)
	// Output:
	// warning: 1 of 1 seats used (pool)
	// warning: 1 of 1 seats used (limit)
	// purchased 1, assigned 1, remaining 0
}

type discard struct{}

func (discard) Send(context.Context, users.Message) error { return nil }
