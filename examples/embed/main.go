// Command embed is a host application that embeds accountkit: its own
// mux with its own routes (including "GET /"), accountkit's API, SAML
// sign-in and pages mounted beside them, the host's routes told who is
// signed in, a store chosen by DSN, and a bootstrap safe to run on every
// start. The code between the embed:start and embed:end markers is the
// README's "Embedding it" snippet (a test keeps them identical).
//
//	go run ./examples/embed                                            # in memory
//	go run ./examples/embed -dsn 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
//	go run ./examples/embed -dsn 'root@tcp(127.0.0.1:3306)/test'      # MariaDB/MySQL
//
// The first start creates the main account "acme" and its manager
// "admin" with the password in $ACCOUNTKIT_ADMIN_PASSWORD (a random one,
// printed, when unset); later starts find them and change nothing.
// Without -dev=false the session cookie works on plain HTTP and emails are
// logged with their links instead of sent.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/storage/memory"
	"github.com/accountkit/accountkit/storage/mysql"
	"github.com/accountkit/accountkit/storage/postgres"
	"github.com/accountkit/accountkit/users"
	"github.com/accountkit/accountkit/web"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	dsn := flag.String("dsn", os.Getenv("DATABASE_URL"),
		"store: empty for memory, postgres://… for PostgreSQL, user:pass@tcp(host:3306)/db for MariaDB/MySQL (default $DATABASE_URL)")
	dev := flag.Bool("dev", true, "development mode: cookies on plain HTTP, emails logged instead of sent")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, *dsn, *dev, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// run opens the store, wires the host, bootstraps and serves until ctx is
// done.
func run(ctx context.Context, addr, dsn string, dev bool, out io.Writer) error {
	store, err := openStore(ctx, dsn)
	if err != nil {
		return err
	}
	defer store.Close()
	k, handler, err := newHost(store, "http://"+addr, dev)
	if err != nil {
		return err
	}
	defer k.Close()
	password := os.Getenv("ACCOUNTKIT_ADMIN_PASSWORD")
	if password == "" {
		if password, err = randomPassword(); err != nil {
			return err
		}
	}
	created, err := bootstrap(ctx, k, password)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "listening on http://%s — sign in at http://%s/account/sign-in\n", addr, addr)
	if created {
		fmt.Fprintf(out, "created the main account acme and its manager: username admin, password %s\n", password)
	}
	srv := &http.Server{Addr: addr, Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func randomPassword() (string, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// embed:start
// openStore picks the store by DSN: memory when empty, PostgreSQL for
// postgres://…, MariaDB/MySQL otherwise (user:pass@tcp(host:3306)/db).
// Open migrates the database, so every start may call it.
func openStore(ctx context.Context, dsn string) (storage.Store, error) {
	switch {
	case dsn == "":
		return memory.New(), nil
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return postgres.Open(ctx, dsn, postgres.WithMigrate())
	default:
		return mysql.Open(ctx, dsn, mysql.WithMigrate())
	}
}

// newHost mounts accountkit on the host's existing mux, beside the host's
// own routes, and returns the server's handler.
func newHost(store storage.Store, baseURL string, dev bool) (*kit.Kit, http.Handler, error) {
	k, err := kit.New(kit.Options{
		Store: store,
		// Development: cookies work on plain HTTP and emails are logged
		// with their links. In production set users.Options.Mailer.
		Development: dev,
		Users:       users.Options{LinkBaseURL: baseURL + "/account"},
	})
	if err != nil {
		return nil, nil, err
	}
	pages, err := k.Pages(web.Options{}) // sign-in and self-service pages under /account/
	if err != nil {
		return nil, nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /", home) // the host's own routes
	mux.Handle("GET /hello", k.RequireSignedIn(http.HandlerFunc(hello)))
	k.Register(mux)                    // the API, SAML and SCIM (kit.Prefixes)
	kit.Mount(mux, "/account/", pages) // one pattern per method: no clash with "GET /"
	return k, k.Middleware(mux), nil   // the host's routes see who is signed in
}

// home is the host's own page.
func home(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	fmt.Fprintln(w, "Welcome to the host application. Sign in at /account/sign-in.")
}

// hello is a host route for signed-in users only.
func hello(w http.ResponseWriter, r *http.Request) {
	p := security.PrincipalFrom(r.Context())
	fmt.Fprintf(w, "Hello, %s.\n", p.ActorName())
}

// bootstrap creates the main account and its first manager when they are
// missing, and changes nothing when they exist: it runs on every start,
// on every instance. It reports whether it created the manager.
func bootstrap(ctx context.Context, k *kit.Kit, password string) (bool, error) {
	sys := security.AsSystem(ctx) // the host acting as the platform
	acme, err := k.Accounts.GetBySlug(sys, "acme")
	if accountkit.ErrorCode(err) == accountkit.NotFound {
		acme, err = k.Accounts.CreateMain(sys, account.CreateInput{Name: "Acme", Slug: "acme"})
		if accountkit.ErrorCode(err) == accountkit.Conflict { // another instance was first
			acme, err = k.Accounts.GetBySlug(sys, "acme")
		}
	}
	if err != nil {
		return false, err
	}
	managers, err := k.Users.List(sys, users.ListInput{AccountID: acme.ID, Role: security.RoleAccountManager, Limit: 1})
	if err != nil || len(managers.Users) > 0 {
		return false, err
	}
	_, err = k.Auth.Bootstrap(sys, users.CreateInput{AccountID: acme.ID, Username: "admin",
		Email: "admin@acme.example", Roles: []string{security.RoleAccountManager}}, password)
	if accountkit.ErrorCode(err) == accountkit.Conflict { // another instance was first
		return false, nil
	}
	return err == nil, err
}

// embed:end
