// Package demo is the code the examples share: it bootstraps an
// installation (a main account, a sub-account and an administrator) on any
// store and serves it until Ctrl-C. Emails are printed to the terminal in
// place of a real mail server.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/notifications"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/sso"
	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/teams"
	"github.com/accountkit/accountkit/users"
	"github.com/accountkit/accountkit/web"
)

// Installation is what Setup created.
type Installation struct {
	Kit      *kit.Kit
	Main     *account.Account
	Password string
	// Handler serves the API and the pages under /account/.
	Handler http.Handler
}

// Setup wires accountkit on store and creates the main account "Acme", a
// sub-account and the administrator "admin" with a random password.
func Setup(ctx context.Context, store storage.Store, addr string, out io.Writer) (*Installation, error) {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	// Development mode: cookies work on plain HTTP, and emails and text
	// messages are printed to out with their links (users.LogMailer,
	// users.LogSMS) in place of a mail server.
	printer := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelInfo}))
	k, err := kit.New(kit.Options{Store: store, Logger: logger, Development: true,
		Users: users.Options{Mailer: users.LogMailer{Logger: printer}, SMS: users.LogSMS{Logger: printer},
			LinkBaseURL: "http://" + addr + "/account"},
		// BaseURL lets an account configure SAML single sign-on (its SP
		// URLs are on this address; http is allowed to 127.0.0.1).
		SSO: sso.Options{BaseURL: "http://" + addr, TwoFactorPath: web.TwoFactorPath("/account")}})
	if err != nil {
		return nil, err
	}
	pages, err := k.Pages(web.Options{})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/account/", pages)
	mux.Handle("/", k.Handler())
	sys := security.AsSystem(ctx)
	main, err := k.Accounts.CreateMain(sys, account.CreateInput{Name: "Acme", Slug: "acme"})
	if err != nil {
		return nil, err
	}
	if _, err := k.Accounts.CreateSub(sys, main.ID, account.CreateInput{Name: "Acme Support", Slug: "acme-support"}); err != nil {
		return nil, err
	}
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	password := base64.RawURLEncoding.EncodeToString(b[:])
	admin, err := k.Auth.Bootstrap(sys, users.CreateInput{AccountID: main.ID, Username: "admin", FirstName: "Ada", LastName: "Admin",
		Email: "admin@acme.example", Roles: []string{security.RoleAccountManager}}, password)
	if err != nil {
		return nil, err
	}
	if err := sample(sys, k, main, admin); err != nil {
		return nil, err
	}
	return &Installation{Kit: k, Main: main, Password: password, Handler: mux}, nil
}

// sample gives the installation something to look at: 25 purchased seats
// (the administrator holds one), a team with a member, an invited user
// (the invitation link is printed with the emails and opens the
// accept-invitation page), a notification in every inbox, and the audit
// events all of this writes.
func sample(sys context.Context, k *kit.Kit, main *account.Account, admin *users.User) error {
	if _, err := k.Seats.SetPurchased(sys, main.ID, 25); err != nil {
		return err
	}
	if _, err := k.Seats.Assign(sys, admin.ID); err != nil {
		return err
	}
	team, err := k.Teams.Create(sys, teams.CreateInput{AccountID: main.ID, Name: "Support", Description: "Answers customers"})
	if err != nil {
		return err
	}
	if _, err := k.Teams.AddMembers(sys, team.ID, []string{admin.ID}); err != nil {
		return err
	}
	if _, err := k.Users.Create(sys, users.CreateInput{AccountID: main.ID, Username: "sam", FirstName: "Sam", LastName: "Sample",
		Email: "sam@acme.example", Roles: []string{security.RoleMember}}); err != nil {
		return err
	}
	_, err = k.Notifications.Publish(sys, notifications.PublishInput{AccountID: main.ID, Type: notifications.CampaignEvents,
		Title: "Welcome to accountkit", Body: "This notification was published by the quickstart."})
	return err
}

// Run bootstraps store and serves it on addr until SIGINT or SIGTERM, then
// closes the store.
func Run(addr string, store storage.Store, out io.Writer) error {
	defer store.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	inst, err := Setup(ctx, store, addr, out)
	if err != nil {
		return err
	}
	defer inst.Kit.Close()
	srv := &http.Server{Addr: addr, Handler: inst.Handler, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()

	base := "http://" + addr + "/api/v1"
	fmt.Fprintf(out, `accountkit quickstart listening on http://%s (Ctrl-C stops it)

Main account %q (id %s) and its administrator:
  username: admin
  password: %s

Sign in in a browser: http://%s/account/sign-in  (or the branded http://%s/account/acme)

Sample data: 25 purchased seats (admin holds one), the team "Support", the
invited user sam (the invitation email above carries a working link), a
notification in every inbox, and the audit events of all of it. Single
sign-on can be configured per account (its URLs are on this address).

Sign in, then call the API with the session token:
  TOKEN=$(curl -s %s/auth/login -H 'Content-Type: application/json' \
      -d '{"username":"admin","password":"%s"}' | sed 's/.*"token":"\([^"]*\)".*/\1/')
  curl -s -H "Authorization: Bearer $TOKEN" %s/auth/me
  curl -s -H "Authorization: Bearer $TOKEN" %s/accounts/%s/subaccounts
  curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
      -d '{"username":"jane","email":"jane@acme.example","roles":["member"]}' %s/users
  curl -s -H "Authorization: Bearer $TOKEN" '%s/audit/events?range=today&include_subaccounts=true'
`, addr, inst.Main.Name, inst.Main.ID, inst.Password, addr, addr, base, inst.Password, base, base, inst.Main.ID, base, base)
	fmt.Fprintf(out, "\nAdministration console (Users & Teams, API keys, audit log): http://%s/account/console\n", addr)

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
	fmt.Fprintln(out, "shutting down")
	return srv.Shutdown(shutdown)
}
