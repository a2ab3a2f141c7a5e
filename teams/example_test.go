package teams_test

import (
	"context"
	"fmt"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/storage/memory"
	"github.com/accountkit/accountkit/teams"
	"github.com/accountkit/accountkit/users"
)

type nopMailer struct{}

func (nopMailer) Send(context.Context, users.Message) error { return nil }

func ExampleService() {
	store := memory.New()
	defer store.Close()
	k, _ := kit.New(kit.Options{Store: store, Users: users.Options{Mailer: nopMailer{}}})
	sys := security.AsSystem(context.Background())
	acme, _ := k.Accounts.CreateMain(sys, account.CreateInput{Name: "Acme", Slug: "acme"})

	// An Account Manager creates a team whose members may read the audit log.
	manager := security.WithPrincipal(context.Background(), &security.Principal{
		UserID: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", Username: "alice", AccountID: acme.ID,
		Permissions: security.NewPermissionSet(security.AccountSettingsPermissions...),
	})
	auditor, _ := k.Users.CreateRole(manager, users.RoleInput{Name: "Auditor", Permissions: []string{"audit.read"}})
	team, _ := k.Teams.Create(manager, teams.CreateInput{Name: "Compliance", Roles: []string{auditor.ID}})

	// New users can be put on teams as they are created; they inherit the
	// team's roles.
	bob, _ := k.Users.Create(manager, users.CreateInput{Username: "bob", Email: "bob@acme.test", Teams: []string{team.ID}})
	perms, _ := k.Users.EffectivePermissions(context.Background(), bob)
	fmt.Println(perms.Has(security.PermAuditRead))

	// Single sign-on creates and fills SSO teams from IdP groups.
	_ = k.Teams.SetSSOMemberships(sys, bob.ID, acme.ID, []string{"Domain_Users"})

	page, _ := k.Teams.List(manager, teams.ListInput{})
	for _, t := range page.Teams {
		fmt.Println(t.Name, t.Source, t.MemberCount)
	}
	// Output:
	// true
	// Compliance manual 1
	// Domain_Users sso 1
}
