package account_test

import (
	"context"
	"fmt"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/storage/memory"
)

func ExampleService() {
	store := memory.New()
	defer store.Close()
	k, _ := kit.New(kit.Options{Store: store})

	// The host creates main accounts as the system (sign-up, billing).
	main, _ := k.Accounts.CreateMain(security.AsSystem(context.Background()), account.CreateInput{Name: "Acme", Slug: "acme"})

	// An Account Manager of the main account manages its sub-accounts.
	manager := security.WithPrincipal(context.Background(), &security.Principal{
		UserID: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", Username: "alice", AccountID: main.ID,
		Permissions: security.NewPermissionSet(security.AccountSettingsPermissions...),
	})
	eu, _ := k.Accounts.CreateSub(manager, main.ID, account.CreateInput{Name: "Acme Europe", Slug: "acme-eu"})
	_, _ = k.Accounts.Disable(manager, eu.ID)

	page, _ := k.Accounts.List(manager, account.ListInput{})
	for _, a := range page.Accounts {
		fmt.Println(a.Slug, a.Status, a.Depth())
	}
	// Output:
	// acme-eu disabled 1
}

func ExampleService_Enforce() {
	store := memory.New()
	defer store.Close()
	k, _ := kit.New(kit.Options{Store: store})
	main, _ := k.Accounts.CreateMain(security.AsSystem(context.Background()), account.CreateInput{Name: "Acme", Slug: "acme"})
	manager := security.WithPrincipal(context.Background(), &security.Principal{
		UserID: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", Username: "alice", AccountID: main.ID,
		Permissions: security.NewPermissionSet(security.AccountSettingsPermissions...),
	})
	eu, _ := k.Accounts.CreateSub(manager, main.ID, account.CreateInput{Name: "Acme Europe", Slug: "acme-eu"})

	// Later, the main account requires 2FA and enforces it on its subtree.
	required := true
	_, _ = k.Accounts.UpdateSecuritySettings(manager, main.ID, account.SecurityUpdate{TwoFactorRequired: &required})
	_, _ = k.Accounts.Enforce(manager, main.ID, account.GroupTwoFactor)

	ep, _ := k.Accounts.EffectivePolicy(manager, eu.ID)
	fmt.Println(ep.Settings.TwoFactorRequired, ep.Own.TwoFactorRequired, ep.InheritedFrom["two_factor_required"] == main.ID)

	optional := false
	_, err := k.Accounts.UpdateSecuritySettings(manager, eu.ID, account.SecurityUpdate{TwoFactorRequired: &optional})
	fmt.Println(err != nil)
	// Output:
	// true false true
	// true
}
