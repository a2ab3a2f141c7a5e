package accountkittest

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/users"
)

// Jar is the cookie jar of the clients NewClient returns. It behaves as
// a browser on the test server: it keeps Secure cookies over the loopback
// server's plain HTTP (browsers treat http://localhost as secure), judges
// expiry by the test clock (the kit's cookies expire in test time, not in
// wall-clock time), and sends a cookie on the paths below its Path. It
// keeps one cookie per name and path, for every host.
type Jar struct {
	clock interface{ Now() time.Time }
	mu    sync.Mutex
	m     map[string]*http.Cookie // by path + " " + name
}

// SetCookies implements http.CookieJar.
func (j *Jar) SetCookies(u *url.URL, cs []*http.Cookie) {
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.clock.Now()
	for _, c := range cs {
		c := *c
		if c.Path == "" || c.Path[0] != '/' {
			c.Path = "/"
		}
		k := c.Path + " " + c.Name
		if c.MaxAge < 0 || c.Value == "" || !c.Expires.IsZero() && !c.Expires.After(now) {
			delete(j.m, k)
			continue
		}
		if c.MaxAge > 0 {
			c.Expires = now.Add(time.Duration(c.MaxAge) * time.Second)
		}
		j.m[k] = &c
	}
}

// Cookies implements http.CookieJar.
func (j *Jar) Cookies(u *url.URL) []*http.Cookie {
	j.mu.Lock()
	defer j.mu.Unlock()
	now, path := j.clock.Now(), u.EscapedPath()
	if path == "" {
		path = "/"
	}
	var out []*http.Cookie
	for _, c := range j.m {
		if !c.Expires.IsZero() && !c.Expires.After(now) {
			continue
		}
		if path == c.Path || strings.HasPrefix(path, strings.TrimSuffix(c.Path, "/")+"/") {
			out = append(out, &http.Cookie{Name: c.Name, Value: c.Value})
		}
	}
	return out
}

// Cookie returns the value of the named cookie the jar holds for any
// path, or "".
func (j *Jar) Cookie(name string) string {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, c := range j.m {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// csrfTransport adds the session's CSRF token to unsafe requests, as the
// host's front end does with the token GET /api/v1/auth/me returns.
type csrfTransport struct {
	base  http.RoundTripper
	mu    sync.Mutex
	token string
}

// RoundTrip implements http.RoundTripper.
func (c *csrfTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	tok := c.token
	c.mu.Unlock()
	if tok != "" && r.Header.Get(auth.CSRFHeader) == "" && !safeMethod(r.Method) {
		r = r.Clone(r.Context())
		r.Header.Set(auth.CSRFHeader, tok)
	}
	return c.base.RoundTrip(r)
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// NewClient returns an HTTP client for the server that acts like a
// browser with no session yet: it keeps cookies (Secure ones too, on the
// loopback server) and, once signed in, sends the session's CSRF token on
// unsafe requests. It does not follow redirects, so a test sees them.
func (e *Env) NewClient() *http.Client {
	return &http.Client{
		Transport:     &csrfTransport{base: e.Server.Client().Transport},
		Jar:           &Jar{clock: e.Clock, m: map[string]*http.Cookie{}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// loginJSON is the part of the sign-in answer the helpers read.
type loginJSON struct {
	Status         auth.LoginStatus `json:"status"`
	ChallengeToken string           `json:"challenge_token"`
	Token          string           `json:"token"`
	CSRFToken      string           `json:"csrf_token"`
}

// SignIn signs the user in with Password through POST /api/v1/auth/login,
// as a browser does, and returns the browser: an *http.Client holding the
// session cookie that sends the CSRF token (read from GET /api/v1/auth/me)
// on unsafe requests. A user enrolled with EnrollTOTP is asked for a code
// and answers it; when the account requires two-factor authentication and
// the user has none, SignIn enrolls them (see TOTPOf).
func (e *Env) SignIn(t testing.TB, u *users.User) *http.Client {
	t.Helper()
	return e.SignInWith(t, u.Username, Password)
}

// SignInWith is SignIn with an identifier (username or email) and a
// password.
func (e *Env) SignInWith(t testing.TB, identifier, password string) *http.Client {
	t.Helper()
	c := e.NewClient()
	e.login(t, c, identifier, password)
	e.AdoptSession(t, c)
	return c
}

// AdoptSession reads the CSRF token of the session c holds (after a sign-in
// the helpers did not make, e.g. single sign-on) from GET /api/v1/auth/me
// and makes c send it. c must come from NewClient.
func (e *Env) AdoptSession(t testing.TB, c *http.Client) {
	t.Helper()
	tr, ok := c.Transport.(*csrfTransport)
	require.True(t, ok, "the client does not come from NewClient")
	r := e.send(t, c, http.MethodGet, "/api/v1/auth/me", "", nil)
	require.Equal(t, http.StatusOK, r.Status, "GET /api/v1/auth/me: %s", r.Body)
	var me struct {
		CSRFToken string `json:"csrf_token"`
	}
	r.JSON(t, &me)
	require.NotEmpty(t, me.CSRFToken, "no CSRF token: the client holds no session cookie")
	tr.mu.Lock()
	tr.token = me.CSRFToken
	tr.mu.Unlock()
}

// Token signs the user in with Password through the HTTP API and returns
// the session token, sent as "Authorization: Bearer <token>" (Do takes
// it). Two-factor authentication is handled as in SignIn.
func (e *Env) Token(t testing.TB, u *users.User) string {
	t.Helper()
	return e.login(t, e.Server.Client(), u.Username, Password).Token
}

// TryLogin posts one sign-in attempt and returns the answer as is, for
// tests of refusals (wrong passwords, lockout).
func (e *Env) TryLogin(t testing.TB, identifier, password string) *Response {
	t.Helper()
	return e.Do(t, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": identifier, "password": password})
}

// login runs the sign-in over HTTP with c up to a session.
func (e *Env) login(t testing.TB, c *http.Client, identifier, password string) loginJSON {
	t.Helper()
	r := e.send(t, c, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": identifier, "password": password})
	require.Equal(t, http.StatusOK, r.Status, "sign-in of %s: %s", identifier, r.Body)
	var out loginJSON
	r.JSON(t, &out)
	switch out.Status {
	case auth.LoginOK:
	case auth.LoginTwoFactorRequired:
		x := e.totpFor(identifier)
		require.NotNil(t, x, "%s has two-factor authentication but did not enroll through EnrollTOTP", identifier)
		r = e.send(t, c, http.MethodPost, "/api/v1/auth/2fa/verify", "", map[string]string{"challenge_token": out.ChallengeToken, "code": x.Code(t)})
		require.Equal(t, http.StatusOK, r.Status, "two-factor step of %s: %s", identifier, r.Body)
		out = loginJSON{}
		r.JSON(t, &out)
	case auth.LoginTwoFactorEnrollmentRequired:
		var x *TOTP
		out, x = e.enroll(t, c, "", out.ChallengeToken)
		e.remember(t, identifier, x)
	default:
		t.Fatalf("sign-in of %s answered %q", identifier, out.Status)
	}
	require.Equal(t, auth.LoginOK, out.Status)
	require.NotEmpty(t, out.Token)
	return out
}

// EnrollTOTP enrolls the user in two-factor authentication through the
// HTTP API (sign in, enroll, confirm with a first code) and returns the
// authenticator app: its codes follow the test clock. Later sign-ins by
// the helpers answer the second-factor step with it.
func (e *Env) EnrollTOTP(t testing.TB, u *users.User) *TOTP {
	t.Helper()
	tok := e.Token(t, u)
	_, x := e.enroll(t, e.Server.Client(), tok, "")
	e.remember(t, u.Username, x)
	return x
}

// TOTPOf returns the authenticator of a user the helpers enrolled, or nil.
func (e *Env) TOTPOf(u *users.User) *TOTP { return e.totpFor(u.Username) }

func (e *Env) remember(t testing.TB, identifier string, x *TOTP) {
	t.Helper()
	u, err := e.Store.GetUserByUsername(context.Background(), strings.ToLower(identifier))
	if err != nil { // an email address
		us, ferr := e.Store.FindUsersByEmail(context.Background(), strings.ToLower(identifier))
		require.NoError(t, ferr)
		require.Len(t, us, 1, "who is %s?", identifier)
		u = us[0]
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.totp == nil {
		e.totp = map[string]*TOTP{}
	}
	x.User = u
	e.totp[strings.ToLower(u.Username)] = x
	e.totp[strings.ToLower(u.Email)] = x
}

func (e *Env) totpFor(identifier string) *TOTP {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.totp[strings.ToLower(identifier)]
}

// enroll runs enrollment with a bearer token or an enrollment challenge.
func (e *Env) enroll(t testing.TB, c *http.Client, token, challenge string) (loginJSON, *TOTP) {
	t.Helper()
	var body any
	if challenge != "" {
		body = map[string]string{"challenge_token": challenge}
	}
	r := e.send(t, c, http.MethodPost, "/api/v1/auth/2fa/enroll", token, body)
	require.Equal(t, http.StatusOK, r.Status, "2FA enrollment: %s", r.Body)
	var en struct {
		Secret string `json:"secret"`
	}
	r.JSON(t, &en)
	x := &TOTP{Secret: en.Secret, clock: e.Clock}
	confirm := map[string]string{"code": x.Code(t)}
	if challenge != "" {
		confirm["challenge_token"] = challenge
	}
	r = e.send(t, c, http.MethodPost, "/api/v1/auth/2fa/enroll/confirm", token, confirm)
	require.Equal(t, http.StatusOK, r.Status, "2FA confirmation: %s", r.Body)
	var out struct {
		RecoveryCodes []string   `json:"recovery_codes"`
		Login         *loginJSON `json:"login"`
	}
	r.JSON(t, &out)
	x.RecoveryCodes = out.RecoveryCodes
	if out.Login != nil {
		return *out.Login, x
	}
	return loginJSON{}, x
}

// TOTP is an authenticator app enrolled for a user: it computes RFC 6238
// codes (SHA-1, 30 s, 6 digits) at the test clock's time.
type TOTP struct {
	// User is who enrolled.
	User *users.User
	// Secret is the base32 secret the enrollment showed.
	Secret string
	// RecoveryCodes are the codes the enrollment issued, each usable once.
	RecoveryCodes []string

	clock accountkit.Clock
	mu    sync.Mutex
	last  int64
}

// Code returns a code valid at the clock's time that this TOTP has not
// handed out yet. The kit accepts each time step once and allows one step
// either side, so Code gives the previous step first, then the current,
// then the next; after that the test must Advance the clock.
func (x *TOTP) Code(t testing.TB) string {
	t.Helper()
	x.mu.Lock()
	defer x.mu.Unlock()
	now := security.TOTPStep(x.clock.Now())
	step := max(now-1, x.last+1)
	require.LessOrEqual(t, step, now+1, "every code of this time window is used: advance the clock by 30 s")
	x.last = step
	return x.codeAt(t, step)
}

// CodeAt returns the code of the time step holding at (whether or not it
// was used).
func (x *TOTP) CodeAt(t testing.TB, at time.Time) string {
	t.Helper()
	return x.codeAt(t, security.TOTPStep(at))
}

func (x *TOTP) codeAt(t testing.TB, step int64) string {
	t.Helper()
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(strings.TrimRight(x.Secret, "=")))
	require.NoError(t, err, "TOTP secret")
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(step))
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", v%1_000_000)
}

// Login signs in through the service (not HTTP) with the password and
// returns the session token; the sign-in must succeed in one step.
func (e *Env) Login(t testing.TB, username, password string) string {
	t.Helper()
	res, err := e.Kit.Auth.Login(context.Background(), auth.LoginInput{Identifier: username, Password: password, IP: "192.0.2.1"})
	require.NoError(t, err)
	require.Equal(t, auth.LoginOK, res.Status)
	return res.Token
}

// UserCtx returns a context acting as the user, with the effective
// permissions (roles and teams) a session would give, for calls to the
// services.
func (e *Env) UserCtx(t testing.TB, u *users.User) context.Context {
	t.Helper()
	perms, err := e.Kit.Users.EffectivePermissions(context.Background(), u)
	require.NoError(t, err)
	return As(&security.Principal{UserID: u.ID, Username: u.Username, AccountID: u.AccountID, Permissions: perms})
}

// CompleteTwoFactor answers the second-factor step of a sign-in the
// browser c (from NewClient) started and the helpers did not finish — a
// single sign-on with the account's local two-factor requirement — with a
// code of x, through POST /api/v1/auth/2fa/verify (the challenge travels
// in its cookie), and adopts the session.
func (e *Env) CompleteTwoFactor(t testing.TB, c *http.Client, x *TOTP) {
	t.Helper()
	r := e.send(t, c, http.MethodPost, "/api/v1/auth/2fa/verify", "", map[string]string{"code": x.Code(t)})
	require.Equal(t, http.StatusOK, r.Status, "two-factor step: %s", r.Body)
	var out loginJSON
	r.JSON(t, &out)
	require.Equal(t, auth.LoginOK, out.Status)
	e.AdoptSession(t, c)
}
