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
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/sso"
	"github.com/accountkit/accountkit/storage"
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
	dns := newLocalDNS()
	mail := &sampleMailer{next: users.LogMailer{Logger: printer}}
	k, err := kit.New(kit.Options{Store: store, Logger: logger, Development: true,
		// Custom hostnames point at HostnameTarget and are verified
		// through the quickstart's own DNS (see localDNS).
		Account: account.Options{Customization: account.CustomizationOptions{HostnameTarget: HostnameTarget, Resolver: dns}},
		Users: users.Options{Mailer: mail, SMS: users.LogSMS{Logger: printer},
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
	// The bare address (printed first) leads to the sign-in page.
	mux.Handle("GET /{$}", http.RedirectHandler("/account/sign-in", http.StatusSeeOther))
	mux.Handle("/account/", pages)
	mux.Handle("/", k.Handler())
	sys := security.AsSystem(ctx)
	main, err := k.Accounts.CreateMain(sys, account.CreateInput{Name: "Acme", Slug: "acme"})
	if err != nil {
		return nil, err
	}
	support, err := k.Accounts.CreateSub(sys, main.ID, account.CreateInput{Name: "Acme Support", Slug: "acme-support"})
	if err != nil {
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
	if err := sample(sys, k, main, support, admin, mail); err != nil {
		return nil, err
	}
	if err := hostname(sys, k, main, dns); err != nil {
		return nil, err
	}
	return &Installation{Kit: k, Main: main, Password: password, Handler: mux}, nil
}

// hostname gives the main account the custom hostname CustomHostname: it
// sets it, publishes the two records accountkit asks for in the local
// DNS (as the customer would at their DNS provider) and verifies them,
// so the hostname is verified and its pages are branded.
func hostname(sys context.Context, k *kit.Kit, main *account.Account, dns *localDNS) error {
	setup, err := k.Accounts.SetHostname(sys, main.ID, CustomHostname)
	if err != nil {
		return err
	}
	dns.publish(setup.Records)
	c, err := k.Accounts.VerifyHostname(sys, main.ID)
	if err != nil {
		return err
	}
	if c.HostnameStatus != account.HostnameVerified {
		return fmt.Errorf("demo: custom hostname not verified: %s", c.HostnameError)
	}
	return nil
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

	fmt.Fprint(out, inst.Instructions(addr))

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

// Instructions is what Run prints once the server listens on addr: how to
// sign in and every URL to try. Each URL answers (TestInstructions_URLs).
func (inst *Installation) Instructions(addr string) string {
	base := "http://" + addr + "/api/v1"
	var b strings.Builder
	fmt.Fprintf(&b, `accountkit quickstart listening on http://%s (Ctrl-C stops it)

Main account %q (id %s) and its administrator:
  username: admin
  password: %s

Sign in in a browser: http://%s/account/sign-in  (or the branded http://%s/account/acme)
Administration console (accounts, users, teams, roles, seats, notifications, security, SSO, customization, API keys, audit log): http://%s/account/console
`, addr, inst.Main.Name, inst.Main.ID, inst.Password, addr, addr, addr)
	if _, port, err := net.SplitHostPort(addr); err == nil {
		fmt.Fprintf(&b, `
Custom hostname: %s, verified through the quickstart's
local DNS resolver (CNAME %s -> %s and the TXT
challenge record). Browsers and curl send *.localhost to this machine,
so Acme's branded sign-in page answers at
  http://%s:%s/account/sign-in
`, CustomHostname, CustomHostname, HostnameTarget, CustomHostname, port)
	}
	fmt.Fprintf(&b, `
Sample data (see it in the console): the sub-accounts Acme Support (with
Acme Support EU below it) and Acme Sales; users with roles and teams —
active, invited and never signed in, disabled —, the custom role
"Support agent", the teams Support, Sales EMEA and Engineering (managed by
single sign-on); %d purchased seats of which 11 are held (the usage
warning shows) and a seat limit of %d on Acme Support; notifications; the
API key "reporting"; single sign-on filled from sample IdP metadata (left
off on Acme so admin's password keeps working, enforced on Acme Support);
a colour scheme, and the pending hostname %s of Acme Sales; the invited
user sam (the invitation email above carries a working link); and the
audit events of all of it.

`, SamplePurchasedSeats, SampleSupportSeatLimit, SamplePendingHostname)
	fmt.Fprintf(&b, `Sign in, then call the API with the session token:
  TOKEN=$(curl -s %s/auth/login -H 'Content-Type: application/json' \
      -d '{"username":"admin","password":"%s"}' | sed 's/.*"token":"\([^"]*\)".*/\1/')
  curl -s -H "Authorization: Bearer $TOKEN" %s/auth/me
  curl -s -H "Authorization: Bearer $TOKEN" %s/accounts/%s/subaccounts
  curl -s -H "Authorization: Bearer $TOKEN" %s/accounts/%s/customization
  curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
      -d '{"username":"jane","email":"jane@acme.example","roles":["member"]}' %s/users
  curl -s -H "Authorization: Bearer $TOKEN" '%s/audit/events?range=today&include_subaccounts=true'
`, base, inst.Password, base, base, inst.Main.ID, base, inst.Main.ID, base, base)
	return b.String()
}
