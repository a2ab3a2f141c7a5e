package account_test

import (
	"context"
	"fmt"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/storage/memory"
)

func ExampleService_SetHostname() {
	store := memory.New()
	defer store.Close()
	k, _ := kit.New(kit.Options{Store: store, Account: account.Options{
		Customization: account.CustomizationOptions{HostnameTarget: "custom.example-saas.com"},
	}})
	acme, _ := k.Accounts.CreateMain(security.AsSystem(context.Background()), account.CreateInput{Name: "Acme", Slug: "acme"})
	manager := security.WithPrincipal(context.Background(), &security.Principal{
		UserID: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", Username: "alice", AccountID: acme.ID,
		Permissions: security.NewPermissionSet(security.AccountSettingsPermissions...),
	})

	setup, _ := k.Accounts.SetHostname(manager, acme.ID, "login.acme.example")
	for _, r := range setup.Records {
		fmt.Println(r.Type, r.Name)
	}
	_, _ = k.Accounts.SetTheme(manager, acme.ID, account.ThemeInput{Theme: account.ThemeCustom,
		Colors: map[string]string{"primary": "#0A7CFF"}})
	c, _ := k.Accounts.SetLanguage(manager, acme.ID, "de")
	fmt.Println(c.HostnameStatus, c.Theme, c.Colors["primary"], c.Language)
	// Output:
	// CNAME login.acme.example
	// TXT _accountkit-challenge.login.acme.example
	// pending custom #0a7cff de
}
