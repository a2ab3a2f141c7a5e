package audit_test

import (
	"context"
	"fmt"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/storage/memory"
)

func ExampleService_List() {
	store := memory.New()
	defer store.Close()
	k, _ := kit.New(kit.Options{Store: store})
	ctx := security.AsSystem(context.Background())
	main, _ := k.Accounts.CreateMain(ctx, account.CreateInput{Name: "Acme", Slug: "acme"})
	_, _ = k.Accounts.CreateSub(ctx, main.ID, account.CreateInput{Name: "Acme EU", Slug: "acme-eu"})

	// A host application registers its own events in the catalogue (the API
	// serves them with the built-in ones) and records them next to the
	// built-in ones.
	_ = audit.Register(audit.CatalogueEntry{Item: "Chatbot", Action: "Activate", Success: "Chatbot activated."})
	_ = k.Recorder.Record(ctx, audit.Entry{AccountID: main.ID, Item: "Chatbot", Action: "Activate", Description: "Chatbot activated."})

	page, _ := k.Audit.List(ctx, audit.Query{AccountID: main.ID, IncludeSubaccounts: true})
	for _, e := range page.Events {
		fmt.Println(e.Item, "|", e.Action, "|", e.Status, "|", e.Description)
	}
	res, _ := k.Audit.Verify(ctx, main.ID)
	fmt.Println("chain intact:", res.OK, "events:", res.Events)
	// Output:
	// Chatbot | Activate | success | Chatbot activated.
	// Account | Create | success | Account created.
	// Account | Create | success | Account created.
	// chain intact: true events: 3
}
