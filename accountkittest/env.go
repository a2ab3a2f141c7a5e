package accountkittest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/internal/dbtest"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/sso"
	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/storage/memory"
	"github.com/accountkit/accountkit/storage/mysql"
	"github.com/accountkit/accountkit/storage/postgres"
	"github.com/accountkit/accountkit/users"
)

// Epoch is the time the test clock starts at.
var Epoch = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

// TOTPKey is the fixed key that seals TOTP secrets in tests.
var TOTPKey = []byte("kittest-totp-key-0123456789abcde")

// BaseURL is the public URL the kit's single sign-on routes are built on
// (the SP entity ID and ACS URL the test identity provider addresses).
const BaseURL = "https://app.test"

// LinkBaseURL is where emailed links (invitations, resets) point.
const LinkBaseURL = "https://app.test/account"

// Password is the password the seed helpers give users.
const Password = "s3cure-Passw0rd!"

// NoLimits turns the sign-in rate limits off, as New does: tests sign in
// many times within a second of the test clock. A test of the limits sets
// its own through WithKitOptions.
var NoLimits = auth.Limits{
	LoginPerIP: off, LoginPerIdentifier: off, ForgotPerIP: off, ForgotPerIdentifier: off,
	TwoFactorPerIP: off, TwoFactorPerUser: off,
}

var off = security.RateLimit{Burst: -1}

// New also turns off the SSO ACS limits (sso.Options.ACSPerIP and
// FailureAuditPerAccount): a test may post many responses from one
// address, and expects every failure in the audit log. Set them through
// WithKitOptions to test them. It turns sso.Options.OIDCAllowLocalIssuers
// on, so the local OIDC issuer (NewOIDCIssuer) on the loopback interface
// can be used; a test of the address guard turns it off.

// CheapArgon2 are the password-hashing parameters New uses: the PHC format
// and the code paths are those of production, the cost is not.
var CheapArgon2 = security.Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// Env is a wired accountkit installation under a test's control.
type Env struct {
	// Store is what the kit runs on.
	Store storage.Store
	// Clock is the kit's clock, at Epoch until the test moves it
	// (Advance, Set).
	Clock *accountkit.TestClock
	// Kit holds the wired services.
	Kit *kit.Kit
	// Tokens is an extra authenticator: bearer tokens for any principal.
	Tokens *Tokens
	// Server serves Handler over HTTP on the loopback interface.
	Server *httptest.Server
	// Handler is what Server serves: the kit's handler, or the host's
	// (WithHandler).
	Handler http.Handler
	// Mail keeps every email the kit sent.
	Mail *Outbox
	// SMS keeps every text message the kit sent.
	SMS *Texts

	mu   sync.Mutex
	totp map[string]*TOTP // by lower-cased username and email
}

// Option changes how New builds an Env.
type Option func(*config)

type config struct {
	open    func(testing.TB) storage.Store
	kitOpts []func(*kit.Options)
	handler func(*kit.Kit) http.Handler
}

// WithStore runs the kit on store (any storage.Store). The caller closes it.
func WithStore(store storage.Store) Option {
	return func(c *config) { c.open = func(testing.TB) storage.Store { return store } }
}

// WithPostgres runs the kit on a fresh PostgreSQL schema of the server
// named by ACCOUNTKIT_TEST_POSTGRES_DSN, dropped when the test ends. Without
// the variable the test is skipped, or fails when CI=true.
func WithPostgres() Option { return func(c *config) { c.open = OpenPostgres } }

// WithMySQL runs the kit on a fresh MariaDB/MySQL database of the server
// named by ACCOUNTKIT_TEST_MYSQL_DSN, dropped when the test ends. Without
// the variable the test is skipped, or fails when CI=true.
func WithMySQL() Option { return func(c *config) { c.open = OpenMySQL } }

// WithKitOptions changes the kit's options before it is built: host roles,
// seat roles, a delivery hook, rate limits. fn sees the test defaults
// (store, clock, mailer, SMS sender, cheap hashing, no rate limits).
func WithKitOptions(fn func(*kit.Options)) Option {
	return func(c *config) { c.kitOpts = append(c.kitOpts, fn) }
}

// WithHandler makes the server serve the host's handler, built from the
// kit as the host builds it in main: the kit's routes mounted beside the
// host's own.
func WithHandler(fn func(k *kit.Kit) http.Handler) Option {
	return func(c *config) { c.handler = fn }
}

// OpenMemory returns a fresh memory store, closed when the test ends.
func OpenMemory(t testing.TB) storage.Store {
	s := memory.New()
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// OpenPostgres returns a migrated store on a fresh PostgreSQL schema (see
// WithPostgres), closed and dropped when the test ends.
func OpenPostgres(t testing.TB) storage.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), dbtest.FreshPostgres(t), postgres.WithMigrate(), postgres.WithMaxOpenConns(8))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// OpenMySQL returns a migrated store on a fresh MariaDB/MySQL database
// (see WithMySQL), closed and dropped when the test ends.
func OpenMySQL(t testing.TB) storage.Store {
	t.Helper()
	s, err := mysql.Open(context.Background(), dbtest.FreshMySQL(t), mysql.WithMigrate(), mysql.WithMaxOpenConns(8))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// Opener returns a fresh, migrated store, closed when the test ends.
type Opener func(t testing.TB) storage.Store

// Stores returns the stores to run a test body on: memory always,
// PostgreSQL and MariaDB/MySQL when ACCOUNTKIT_TEST_POSTGRES_DSN and
// ACCOUNTKIT_TEST_MYSQL_DSN are set (both required under CI=true). A store
// left out is announced on the terminal, as internal/dbtest announces a
// skip (go test ./... hides a passing package's output).
//
//	for name, open := range accountkittest.Stores() {
//		t.Run(name, func(t *testing.T) {
//			kt := accountkittest.New(t, accountkittest.WithStore(open(t)))
//			...
//		})
//	}
func Stores() map[string]Opener {
	out := map[string]Opener{"memory": OpenMemory}
	if os.Getenv(dbtest.PostgresEnv) != "" || os.Getenv("CI") == "true" {
		out["postgres"] = OpenPostgres
	} else {
		dbtest.NotTested(dbtest.PostgresEnv)
	}
	if os.Getenv(dbtest.MySQLEnv) != "" || os.Getenv("CI") == "true" {
		out["mysql"] = OpenMySQL
	} else {
		dbtest.NotTested(dbtest.MySQLEnv)
	}
	return out
}

// New returns a wired kit on a fresh memory store (or the store the
// options name), its clock at Epoch, email and SMS captured, served by an
// httptest server. Everything is closed through t.Cleanup.
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	c := config{open: OpenMemory}
	for _, o := range opts {
		o(&c)
	}
	store := c.open(t)
	clock := accountkit.NewTestClock(Epoch)
	tokens := &Tokens{m: map[string]security.Principal{}}
	mail, sms := &Outbox{}, &Texts{}
	ko := kit.Options{Store: store, Clock: clock, Authenticators: []security.Authenticator{tokens},
		Users: users.Options{Mailer: mail, SMS: sms, LinkBaseURL: LinkBaseURL},
		Auth:  auth.Options{Hasher: security.NewPasswordHasher(CheapArgon2, 0), TOTPKey: TOTPKey, Limits: NoLimits},
		SSO: sso.Options{BaseURL: BaseURL, ACSPerIP: off, FailureAuditPerAccount: off,
			OIDCAllowLocalIssuers: true}}
	for _, fn := range c.kitOpts {
		fn(&ko)
	}
	k, err := kit.New(ko)
	require.NoError(t, err, "kit.New")
	var h http.Handler = k.Handler()
	if c.handler != nil {
		h = c.handler(k)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	t.Cleanup(k.Close)
	return &Env{Store: store, Clock: clock, Kit: k, Tokens: tokens, Server: srv, Handler: h, Mail: mail, SMS: sms,
		totp: map[string]*TOTP{}}
}

// URL returns the server's URL of path ("/api/v1/auth/me").
func (e *Env) URL(path string) string { return e.Server.URL + path }

// System returns a context acting as the host application (the system
// principal, which may do anything).
func (e *Env) System() context.Context { return security.AsSystem(context.Background()) }

// As returns a context acting as p, for calls to the services.
func As(p *security.Principal) context.Context {
	return security.WithPrincipal(context.Background(), p)
}

// Tokens is an Authenticator mapping random bearer tokens to principals,
// for requests made as a principal no sign-in could produce (a principal
// of a host service, a user with hand-picked permissions).
type Tokens struct {
	mu sync.Mutex
	m  map[string]security.Principal
}

// Issue returns a new bearer token acting as p.
func (t *Tokens) Issue(p *security.Principal) string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	tok := hex.EncodeToString(b[:])
	t.mu.Lock()
	t.m[tok] = *p
	t.mu.Unlock()
	return tok
}

// Authenticate implements security.Authenticator.
func (t *Tokens) Authenticate(r *http.Request) (*security.Principal, error) {
	tok := security.BearerToken(r)
	t.mu.Lock()
	p, ok := t.m[tok]
	t.mu.Unlock()
	if !ok {
		return nil, nil
	}
	return &p, nil
}

// Response is a recorded HTTP response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.Body, v), string(r.Body))
}

// Problem decodes a problem+json body (RFC 9457).
func (r *Response) Problem(t testing.TB) map[string]any {
	t.Helper()
	require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"), string(r.Body))
	var p map[string]any
	r.JSON(t, &p)
	return p
}

// Do sends a request to the server with the bearer token (if not empty)
// and body (sent as is when a string or []byte, as JSON otherwise, none
// when nil).
func (e *Env) Do(t testing.TB, method, path, token string, body any) *Response {
	t.Helper()
	return e.send(t, e.Server.Client(), method, path, token, body)
}

// send is Do with the client c (which may hold cookies).
func (e *Env) send(t testing.TB, c *http.Client, method, path, token string, body any) *Response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = strings.NewReader(string(b))
	default:
		j, err := json.Marshal(b)
		require.NoError(t, err)
		rd = strings.NewReader(string(j))
	}
	req, err := http.NewRequest(method, e.Server.URL+path, rd)
	require.NoError(t, err)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}
