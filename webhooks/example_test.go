package webhooks_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/storage/memory"
	"github.com/accountkit/accountkit/users"
	"github.com/accountkit/accountkit/webhooks"
)

func ExampleService() {
	// A receiver on this machine (AllowPrivateAddresses is for tests and
	// development: production endpoints are public https addresses).
	got := make(chan string, 1)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var msg struct{ Type string }
		_ = json.Unmarshal(body, &msg)
		got <- msg.Type + " " + r.Header.Get("webhook-id")[:4] + " " + r.Header.Get("webhook-signature")[:3]
	}))
	defer receiver.Close()

	store := memory.New()
	defer store.Close()
	k, _ := kit.New(kit.Options{Store: store, Development: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Webhooks: webhooks.Options{AllowPrivateAddresses: true}})
	acme, _ := k.Accounts.CreateMain(security.AsSystem(context.Background()), account.CreateInput{Name: "Acme", Slug: "acme"})
	manager := security.WithPrincipal(context.Background(), &security.Principal{
		UserID: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", Username: "alice", AccountID: acme.ID,
		Permissions: security.NewPermissionSet(security.AccountSettingsPermissions...),
	})

	// An Account Manager subscribes an endpoint to new users; the secret
	// is shown once.
	created, _ := k.Webhooks.Create(manager, acme.ID, webhooks.CreateInput{URL: receiver.URL,
		EventTypes: []string{webhooks.TypeUserCreated}})
	fmt.Println(strings.HasPrefix(created.Secret, "whsec_"))

	// Creating a user writes the outbox in its transaction; the webhooks
	// job (here one pass by hand) delivers it, signed.
	_, _ = k.Users.Create(manager, users.CreateInput{AccountID: acme.ID, Username: "bob", FirstName: "Bob",
		LastName: "B", Email: "bob@acme.example"})
	n, _ := k.DeliverWebhooksOnce(context.Background())
	fmt.Println(n, <-got)
	// Output:
	// true
	// 1 user.created msg_ v1,
}
