package apikeys_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/apikeys"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/storage/memory"
)

func ExampleService() {
	store := memory.New()
	defer store.Close()
	k, _ := kit.New(kit.Options{Store: store})
	acme, _ := k.Accounts.CreateMain(security.AsSystem(context.Background()), account.CreateInput{Name: "Acme", Slug: "acme"})

	// An Account Manager creates a read-only key for a CI job.
	manager := security.WithPrincipal(context.Background(), &security.Principal{
		UserID: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", Username: "alice", AccountID: acme.ID,
		Permissions: security.NewPermissionSet(security.AccountSettingsPermissions...),
	})
	created, _ := k.APIKeys.Create(manager, acme.ID, apikeys.CreateInput{Name: "CI",
		Permissions: []security.Permission{security.PermUsersRead}})

	// The secret is shown once; lists show only its prefix.
	fmt.Println(strings.HasPrefix(created.Secret, "akk_"), len(created.Key.Prefix))
	page, _ := k.APIKeys.List(manager, apikeys.ListInput{AccountID: acme.ID})
	fmt.Println(page.Keys[0].Name, page.Keys[0].Permissions)
	// Output:
	// true 10
	// CI [users.read]
}
