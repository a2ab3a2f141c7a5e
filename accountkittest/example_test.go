package accountkittest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/accountkittest"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/sso"
	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/storage/memory"
)

// hostApp is a host application's handler, built as its main builds it:
// accountkit's routes beside the host's own. /reports needs the audit.read
// permission; /inbox needs a seat.
func hostApp(k *kit.Kit, store storage.Store) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", k.Handler())
	mux.HandleFunc("GET /reports", func(w http.ResponseWriter, r *http.Request) {
		ctx, ok := signedIn(k, w, r)
		if !ok {
			return
		}
		p := security.PrincipalFrom(ctx)
		if _, err := k.Authorizer.Require(ctx, security.PermAuditRead, p.AccountID); err != nil {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		fmt.Fprintln(w, "the report")
	})
	mux.HandleFunc("GET /inbox", func(w http.ResponseWriter, r *http.Request) {
		ctx, ok := signedIn(k, w, r)
		if !ok {
			return
		}
		if _, err := store.GetSeat(ctx, security.PrincipalFrom(ctx).UserID); err != nil {
			http.Error(w, "a seat is required", http.StatusPaymentRequired)
			return
		}
		fmt.Fprintln(w, "the inbox")
	})
	return mux
}

// signedIn authenticates the request with accountkit's sessions (cookie or
// bearer) and returns a context carrying the principal.
func signedIn(k *kit.Kit, w http.ResponseWriter, r *http.Request) (context.Context, bool) {
	p, err := k.Auth.Authenticate(r)
	if err != nil || p == nil {
		http.Error(w, "sign in", http.StatusUnauthorized)
		return nil, false
	}
	return security.WithPrincipal(r.Context(), p), true
}

func status(c *http.Client, url string) int {
	resp, err := c.Get(url)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// A host route guarded by a permission: an Account Manager holds
// audit.read, a plain member does not.
func Example_permission() {
	t := exampleT()
	defer t.done()

	store := memory.New()
	kt := accountkittest.New(t, accountkittest.WithStore(store),
		accountkittest.WithHandler(func(k *kit.Kit) http.Handler { return hostApp(k, store) }))
	acc := kt.MainAccount(t, "acme")
	admin := kt.User(t, acc, "admin", accountkittest.Roles(security.RoleAccountManager))
	bob := kt.User(t, acc, "bob")

	fmt.Println("anonymous:", status(kt.NewClient(), kt.URL("/reports")))
	fmt.Println("admin:", status(kt.SignIn(t, admin), kt.URL("/reports")))
	fmt.Println("bob:", status(kt.SignIn(t, bob), kt.URL("/reports")))
	// Output:
	// anonymous: 401
	// admin: 200
	// bob: 403
}

// A seat-gated route: the tree bought one seat, alice holds it.
func Example_seat() {
	t := exampleT()
	defer t.done()

	store := memory.New()
	kt := accountkittest.New(t, accountkittest.WithStore(store),
		accountkittest.WithHandler(func(k *kit.Kit) http.Handler { return hostApp(k, store) }))
	acc := kt.MainAccount(t, "acme")
	kt.Seats(t, acc, 1)
	alice := kt.User(t, acc, "alice", accountkittest.WithSeat())
	bob := kt.User(t, acc, "bob")

	fmt.Println("alice:", status(kt.SignIn(t, alice), kt.URL("/inbox")))
	fmt.Println("bob:", status(kt.SignIn(t, bob), kt.URL("/inbox")))
	s := kt.SeatState(t, acc.ID)
	fmt.Printf("seats: %d of %d assigned\n", s.Assigned, s.Purchased)
	// Output:
	// alice: 200
	// bob: 402
	// seats: 1 of 1 assigned
}

// Single sign-on against the test identity provider: a signed response
// signs alice in; an expired one is refused.
func Example_sso() {
	t := exampleT()
	defer t.done()

	kt := accountkittest.New(t)
	acc := kt.MainAccount(t, "contoso")
	alice := kt.User(t, acc, "alice")
	idp := kt.EnableSSO(t, acc, sso.Update{})

	res := idp.SignIn(t, "/dashboard", accountkittest.Assertion{NameID: alice.Email})
	fmt.Println(res.Status, res.Location)
	fmt.Println("me:", status(res.Client, kt.URL("/api/v1/auth/me")))

	res = idp.SignIn(t, "", accountkittest.Assertion{NameID: alice.Email, Expired: true})
	fmt.Println(res.Status, res.Reason)
	// Output:
	// 303 /dashboard
	// me: 200
	// 400 expired
}

// Single sign-on through OpenID Connect against the local test issuer:
// the whole authorization code flow signs alice in over HTTP; an expired
// ID token and one for another client are refused; alice's password no
// longer works while the connection is enabled.
func Example_oidc() {
	t := exampleT()
	defer t.done()

	kt := accountkittest.New(t)
	acc := kt.MainAccount(t, "contoso")
	alice := kt.User(t, acc, "alice")
	issuer := kt.EnableOIDC(t, acc, sso.OIDCUpdate{})

	res := issuer.SignIn(t, "/dashboard", accountkittest.IDToken{Subject: "alice-1", Email: alice.Email})
	fmt.Println(res.Status, res.Location)
	fmt.Println("me:", status(res.Client, kt.URL("/api/v1/auth/me")))

	res = issuer.SignIn(t, "", accountkittest.IDToken{Email: alice.Email, Expired: true})
	fmt.Println(res.Status, res.Reason)
	res = issuer.SignIn(t, "", accountkittest.IDToken{Email: alice.Email, Audience: "another-client"})
	fmt.Println(res.Status, res.Reason)
	fmt.Println("password:", kt.TryLogin(t, "alice", accountkittest.Password).Status)
	// Output:
	// 303 /dashboard
	// me: 200
	// 403 oidc_id_token_expired
	// 403 oidc_id_token_invalid
	// password: 403
}

// A lockout test with the clock: three wrong passwords lock alice for
// fifteen minutes; the right password works again once they have passed.
func Example_lockout() {
	t := exampleT()
	defer t.done()

	kt := accountkittest.New(t)
	acc := kt.MainAccount(t, "acme")
	alice := kt.User(t, acc, "alice")
	three, fifteen := 3, 15
	kt.Security(t, acc, account.SecurityUpdate{MaxLoginAttempts: &three, LockoutMinutes: &fifteen})

	for range 3 {
		kt.TryLogin(t, "alice", "wrong password")
	}
	fmt.Println("locked:", kt.TryLogin(t, "alice", accountkittest.Password).Status)
	kt.Clock.Advance(15*time.Minute + time.Second)
	fmt.Println("later:", kt.TryLogin(t, "alice", accountkittest.Password).Status)
	u, _ := kt.Kit.Users.Get(kt.System(), alice.ID)
	fmt.Println(u.Status)
	// Output:
	// locked: 401
	// later: 200
	// active
}

// exampleT returns the testing.TB an Example has no other way to get; a
// real test passes its *testing.T instead. Cleanups run at done; a failure
// prints and stops the example.
func exampleT() *exT { return &exT{} }

type exT struct {
	testing.TB // nil: only the methods below are used
	cleanups   []func()
}

type exFailed struct{}

func (t *exT) Helper()                      {}
func (t *exT) Name() string                 { return "Example" }
func (t *exT) Cleanup(f func())             { t.cleanups = append(t.cleanups, f) }
func (t *exT) Context() context.Context     { return context.Background() }
func (t *exT) Failed() bool                 { return false }
func (t *exT) Logf(format string, a ...any) {}
func (t *exT) Log(a ...any)                 {}
func (t *exT) Errorf(format string, a ...any) {
	fmt.Fprintf(os.Stdout, "FAIL: "+strings.TrimSpace(format)+"\n", a...)
}
func (t *exT) Error(a ...any)                 { fmt.Println(append([]any{"FAIL:"}, a...)...) }
func (t *exT) FailNow()                       { panic(exFailed{}) }
func (t *exT) Fatalf(format string, a ...any) { t.Errorf(format, a...); t.FailNow() }
func (t *exT) Fatal(a ...any)                 { t.Error(a...); t.FailNow() }
func (t *exT) Skipf(format string, a ...any)  { t.Fatalf("skipped: "+format, a...) }

// done runs the cleanups, last first, and swallows the panic of a failure
// (already printed, so the example's output check fails).
func (t *exT) done() {
	r := recover()
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
	if _, ok := r.(exFailed); r != nil && !ok {
		panic(r)
	}
}
