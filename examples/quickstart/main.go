// Command quickstart runs accountkit in memory: it creates a main account
// with one sub-account, prints an administrator's bearer token and serves
// the API on 127.0.0.1:8080 until Ctrl-C.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/storage/memory"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	flag.Parse()
	if err := run(*addr, memory.New()); err != nil {
		log.Fatal(err)
	}
}

// run bootstraps an installation on store and serves it on addr until
// SIGINT or SIGTERM.
func run(addr string, store storage.Store) error {
	defer store.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	token, auth, main, err := bootstrap(ctx, store, logger)
	if err != nil {
		return err
	}
	k, err := kit.New(kit.Options{Store: store, Logger: logger, Authenticators: []security.Authenticator{auth}})
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: addr, Handler: k.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()

	fmt.Printf(`accountkit quickstart listening on http://%s
main account %q (%s); administrator token:

  export TOKEN=%s
  curl -s -H "Authorization: Bearer $TOKEN" http://%s/api/v1/account
  curl -s -H "Authorization: Bearer $TOKEN" http://%s/api/v1/accounts/%s/subaccounts
  curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
       -d '{"name":"Europe","slug":"acme-europe"}' http://%s/api/v1/accounts/%s/subaccounts
  curl -s -H "Authorization: Bearer $TOKEN" 'http://%s/api/v1/audit/events?range=today'

Press Ctrl-C to stop.
`, addr, main.Name, main.Slug, token, addr, addr, main.ID, addr, main.ID, addr)

	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	fmt.Println("shutting down")
	return srv.Shutdown(shutdown)
}

// bootstrap creates the main account "Acme" with a sub-account and a random
// administrator token holding every account-settings permission in it.
func bootstrap(ctx context.Context, store storage.Store, logger *slog.Logger) (string, security.Authenticator, *account.Account, error) {
	boot, err := kit.New(kit.Options{Store: store, Logger: logger})
	if err != nil {
		return "", nil, nil, err
	}
	sys := security.AsSystem(ctx)
	main, err := boot.Accounts.CreateMain(sys, account.CreateInput{Name: "Acme", Slug: "acme"})
	if err != nil {
		return "", nil, nil, err
	}
	if _, err := boot.Accounts.CreateSub(sys, main.ID, account.CreateInput{Name: "Acme Support", Slug: "acme-support"}); err != nil {
		return "", nil, nil, err
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", nil, nil, err
	}
	token := "akb_" + base64.RawURLEncoding.EncodeToString(b[:])
	auth, err := security.NewStaticToken(token, security.Principal{
		Username: "admin", AccountID: main.ID,
		Permissions: security.NewPermissionSet(security.AccountSettingsPermissions...),
	})
	return token, auth, main, err
}
