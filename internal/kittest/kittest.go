// Package kittest builds a wired accountkit installation for tests: a store,
// a fixed clock, the kit, principals and bearer tokens for HTTP calls.
package kittest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/internal/oapitest"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/sso"
	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/storage/memory"
	"github.com/accountkit/accountkit/users"
)

// Epoch is the time the test clock starts at.
var Epoch = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

// Env is a wired installation.
type Env struct {
	Store  storage.Store
	Clock  *accountkit.TestClock
	Kit    *kit.Kit
	Tokens *Tokens
	Server *httptest.Server
	// Handler is the kit's handler checked against api/openapi.json (what
	// Server serves), for tests that call it in process.
	Handler http.Handler
	Mail    *Outbox
	SMS     *Texts
}

// TOTPKey is the fixed key that seals TOTP secrets in tests.
var TOTPKey = []byte("kittest-totp-key-0123456789abcde")

// BaseURL is the public URL the kit's SSO routes are built on in tests.
const BaseURL = "https://app.test"

// NoLimits turns the sign-in rate limits off: most tests sign in many
// times within a second of the test clock. Tests of the limits set them.
var NoLimits = auth.Limits{
	LoginPerIP: off, LoginPerIdentifier: off, ForgotPerIP: off, ForgotPerIdentifier: off,
	TwoFactorPerIP: off, TwoFactorPerUser: off,
}

var off = security.RateLimit{Burst: -1}

// CheapArgon2 keeps tests fast; the PHC format and code paths are the same
// as with the default parameters.
var CheapArgon2 = security.Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// New returns an Env on a fresh memory store.
func New(t testing.TB) *Env {
	t.Helper()
	s := memory.New()
	t.Cleanup(func() { _ = s.Close() })
	return NewWithStore(t, s)
}

// NewWithStore returns an Env on store.
// Options may change the kit's options before it is built (e.g. a fake
// DNS resolver or a notification delivery hook).
func NewWithStore(t testing.TB, store storage.Store, options ...func(*kit.Options)) *Env {
	t.Helper()
	clock := accountkit.NewTestClock(Epoch)
	tokens := &Tokens{m: map[string]security.Principal{}}
	mail, sms := &Outbox{}, &Texts{}
	ko := kit.Options{Store: store, Clock: clock, Authenticators: []security.Authenticator{tokens},
		Users: users.Options{Mailer: mail, SMS: sms, LinkBaseURL: "https://app.test/account"},
		Auth:  auth.Options{Hasher: security.NewPasswordHasher(CheapArgon2, 0), TOTPKey: TOTPKey, Limits: NoLimits},
		SSO:   sso.Options{BaseURL: BaseURL, ACSPerIP: off, FailureAuditPerAccount: off}}
	for _, o := range options {
		o(&ko)
	}
	k, err := kit.New(ko)
	require.NoError(t, err)
	// Every exchange with the server is checked against api/openapi.json:
	// a request or response the document does not describe fails the test.
	v, err := oapitest.Default()
	require.NoError(t, err, "api/openapi.json")
	h := v.Handler(t, k.Handler())
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	t.Cleanup(k.Close)
	return &Env{Store: store, Clock: clock, Kit: k, Tokens: tokens, Server: srv, Handler: h, Mail: mail, SMS: sms}
}

// System returns a context acting as the host application.
func (e *Env) System() context.Context { return security.AsSystem(context.Background()) }

// MainAccount creates a main account with the slug.
func (e *Env) MainAccount(t testing.TB, slug string) *account.Account {
	t.Helper()
	a, err := e.Kit.Accounts.CreateMain(e.System(), account.CreateInput{Name: strings.ToUpper(slug[:1]) + slug[1:], Slug: slug})
	require.NoError(t, err)
	return a
}

// SubAccount creates a sub-account below parent.
func (e *Env) SubAccount(t testing.TB, parent *account.Account, slug string) *account.Account {
	t.Helper()
	a, err := e.Kit.Accounts.CreateSub(e.System(), parent.ID, account.CreateInput{Name: "Sub " + slug, Slug: slug})
	require.NoError(t, err)
	return a
}

// Manager returns a principal of the account holding every account-settings
// permission, like the built-in Account Manager role.
func Manager(accountID, username string) *security.Principal {
	return &security.Principal{UserID: (&accountkit.UUIDv7{}).NewID(), Username: username, AccountID: accountID,
		Permissions: security.NewPermissionSet(security.AccountSettingsPermissions...)}
}

// Member returns a principal of the account with only the given permissions.
func Member(accountID, username string, perms ...security.Permission) *security.Principal {
	return &security.Principal{UserID: (&accountkit.UUIDv7{}).NewID(), Username: username, AccountID: accountID,
		Permissions: security.NewPermissionSet(perms...)}
}

// As returns a context acting as p.
func As(p *security.Principal) context.Context {
	return security.WithPrincipal(context.Background(), p)
}

// Tokens is an Authenticator mapping random bearer tokens to principals.
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

// Problem decodes a problem+json body.
func (r *Response) Problem(t testing.TB) map[string]any {
	t.Helper()
	require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"), string(r.Body))
	var p map[string]any
	r.JSON(t, &p)
	return p
}

// Do sends a request to the Env's server with the token (if not empty) and
// body (sent as is when a string, as JSON otherwise, none when nil).
func (e *Env) Do(t testing.TB, method, path, token string, body any) *Response {
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
	resp, err := e.Server.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// Events returns every audit event of the main account, newest first.
func (e *Env) Events(t testing.TB, mainAccountID string) []*audit.Event {
	t.Helper()
	evs, err := e.Store.ListAuditEvents(context.Background(), audit.Filter{MainAccountID: mainAccountID, Limit: 10000})
	require.NoError(t, err)
	return evs
}

// LastEvent returns the newest audit event of the main account.
func (e *Env) LastEvent(t testing.TB, mainAccountID string) *audit.Event {
	t.Helper()
	evs := e.Events(t, mainAccountID)
	require.NotEmpty(t, evs)
	return evs[0]
}

// Outbox is a Mailer that keeps every message (a recording test double).
type Outbox struct {
	mu   sync.Mutex
	msgs []users.Message
	// Fail makes Send fail.
	Fail bool
}

// Send implements users.Mailer.
func (o *Outbox) Send(_ context.Context, m users.Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.Fail {
		return errors.New("smtp: connection refused")
	}
	o.msgs = append(o.msgs, m)
	return nil
}

// Last returns the newest message to the address of the kind.
func (o *Outbox) Last(t testing.TB, to string, kind users.MessageKind) users.Message {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(o.msgs) - 1; i >= 0; i-- {
		if o.msgs[i].To == to && o.msgs[i].Kind == kind {
			return o.msgs[i]
		}
	}
	t.Fatalf("no %s email to %s", kind, to)
	return users.Message{}
}

// Count returns how many messages of the kind went to the address.
func (o *Outbox) Count(to string, kind users.MessageKind) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, m := range o.msgs {
		if m.To == to && m.Kind == kind {
			n++
		}
	}
	return n
}

// Texts is an SMSSender that keeps every text.
type Texts struct {
	mu    sync.Mutex
	texts map[string][]string
}

// SendSMS implements users.SMSSender.
func (x *Texts) SendSMS(_ context.Context, to, text string) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.texts == nil {
		x.texts = map[string][]string{}
	}
	x.texts[to] = append(x.texts[to], text)
	return nil
}

// LastCode returns the 6-digit code of the newest text to the number.
func (x *Texts) LastCode(t testing.TB, to string) string {
	t.Helper()
	x.mu.Lock()
	defer x.mu.Unlock()
	msgs := x.texts[to]
	require.NotEmpty(t, msgs, "no text to %s", to)
	m := msgs[len(msgs)-1]
	return m[len(m)-6:]
}

// Password is the password ActiveUser sets.
const Password = "s3cure-Passw0rd!"

// ActiveUser invites a user into the account with the roles and accepts the
// invitation with Password, as the user would through the emailed link.
func (e *Env) ActiveUser(t testing.TB, acc *account.Account, username string, roles ...string) *users.User {
	t.Helper()
	u, err := e.Kit.Users.Create(e.System(), users.CreateInput{AccountID: acc.ID, Username: username,
		FirstName: "First", LastName: "Last", Email: username + "@" + acc.Slug + ".test", Roles: roles})
	require.NoError(t, err)
	m := e.Mail.Last(t, u.Email, users.MailInvitation)
	u, err = e.Kit.Auth.AcceptInvitation(context.Background(), m.Token, Password)
	require.NoError(t, err)
	return u
}

// Login signs in with the password and returns the session token.
func (e *Env) Login(t testing.TB, username, password string) string {
	t.Helper()
	res, err := e.Kit.Auth.Login(context.Background(), auth.LoginInput{Identifier: username, Password: password, IP: "192.0.2.1"})
	require.NoError(t, err)
	require.Equal(t, auth.LoginOK, res.Status)
	return res.Token
}

// UserCtx returns a context acting as the user, with the effective
// permissions a session would give.
func (e *Env) UserCtx(t testing.TB, u *users.User) context.Context {
	t.Helper()
	perms, err := e.Kit.Users.EffectivePermissions(context.Background(), u)
	require.NoError(t, err)
	return As(&security.Principal{UserID: u.ID, Username: u.Username, AccountID: u.AccountID, Permissions: perms})
}
