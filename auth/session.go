package auth

import (
	"context"
	"crypto/subtle"
	"net/http"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/users"
)

// SessionCookie is the name of the session cookie.
const SessionCookie = "accountkit_session"

// CSRFHeader carries the CSRF token on cookie-authenticated mutations.
const CSRFHeader = "X-CSRF-Token"

// The prefix of session tokens, which tells them from other bearer tokens.
const sessionPrefix = "aks_"

func newSessionSecret() (token, hash string, err error) { return security.NewSecret(sessionPrefix) }

// CSRFToken returns the CSRF token of the session whose token is
// sessionToken: a one-way derivation, so whoever holds the session (the
// browser, through its HttpOnly cookie) can be told its CSRF token at any
// time — GET /api/v1/auth/me returns it — however the session started
// (password, single sign-on, any later method), while the token reveals
// nothing of the session's. The session stores only its hash.
func CSRFToken(sessionToken string) string {
	return security.HashSecret("accountkit-csrf:" + sessionToken)
}

// ValidCSRF reports whether got is the CSRF token of the session whose
// token is sessionToken, in constant time. Routes outside the API that end
// or change a cookie session (the SAML logout form) check it themselves.
func ValidCSRF(sessionToken, got string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(CSRFToken(sessionToken))) == 1
}

// touchEvery throttles LastSeenAt writes: a busy session is written at most
// once a minute.
const touchEvery = time.Minute

var errSession = accountkit.Errorf(accountkit.Unauthenticated, "the session has expired; sign in again")

// Authenticate implements security.Authenticator for sessions: a bearer
// token or the session cookie becomes a Principal with the user's effective
// permissions. Expired (idle or absolute) sessions, and sessions of users
// who are no longer active or whose account is disabled, are refused and
// removed. A cookie-authenticated request with an unsafe method must carry
// the session's CSRF token in the X-CSRF-Token header.
func (s *Service) Authenticate(r *http.Request) (*security.Principal, error) {
	token, viaCookie := security.BearerToken(r), false
	if token == "" {
		token, viaCookie = s.SessionCookieValue(r), true
		if token == "" {
			return nil, nil
		}
	}
	if len(token) < 8 || token[:4] != sessionPrefix {
		return nil, nil // not a session token: let another authenticator try
	}
	p, sess, err := s.SessionPrincipal(r.Context(), token)
	if err != nil {
		return nil, err
	}
	if viaCookie && !safeMethod(r.Method) {
		got := r.Header.Get(CSRFHeader)
		if got == "" || subtle.ConstantTimeCompare([]byte(security.HashSecret(got)), []byte(sess.CSRFHash)) != 1 {
			return nil, accountkit.Errorf(accountkit.Forbidden, "missing or wrong CSRF token")
		}
	}
	return p, nil
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// SessionPrincipal resolves a session token to its principal. It reads
// the session, its user, the user's account path and role grants with one
// store call (SessionAuth, one statement on the SQL stores) and applies
// every rule here: idle and absolute expiry (an ended session is
// removed), the user's status and lock (the user's sessions are
// removed), the account and every account above it enabled, registry
// roles and the custom roles of the user's account path only
// (users.Service.GrantedPermissions), and the LastSeenAt write at most
// once per touchEvery.
func (s *Service) SessionPrincipal(ctx context.Context, token string) (*security.Principal, *Session, error) {
	info, err := s.store.SessionAuth(ctx, security.HashSecret(token))
	if err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			return nil, nil, errSession
		}
		return nil, nil, err
	}
	sess := info.Session
	now := s.now()
	if !s.live(sess) {
		_ = s.store.DeleteSession(ctx, sess.ID)
		return nil, nil, errSession
	}
	u := info.User
	if u == nil {
		return nil, nil, errSession
	}
	if !users.ActiveState(u.Status, u.Locked) {
		_, _ = s.store.DeleteUserSessions(ctx, u.ID, "")
		return nil, nil, errSession
	}
	if len(info.Accounts) == 0 {
		return nil, nil, accountkit.Errorf(accountkit.NotFound, "account not found")
	}
	ancestry := make([]string, len(info.Accounts))
	for i, a := range info.Accounts {
		if a.Status != account.StatusEnabled { // account.PathEnabled
			return nil, nil, errSession
		}
		ancestry[i] = a.ID
	}
	perms := s.users.GrantedPermissions(ancestry, info.Grants)
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		if err := s.store.TouchSession(ctx, sess.ID, now); err != nil && accountkit.ErrorCode(err) != accountkit.NotFound {
			return nil, nil, err
		}
	}
	return &security.Principal{UserID: u.ID, Username: u.Username, AccountID: u.AccountID, SessionID: sess.ID, Permissions: perms}, sess, nil
}

// SetSessionCookie writes the session cookie with the default Cookie
// settings: HttpOnly, Secure, SameSite=Lax, expiring with the session.
// A service configured with other settings writes it with
// (*Service).SetCookie.
func SetSessionCookie(w http.ResponseWriter, token string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", Expires: expires,
		HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
}

// ClearSessionCookie removes the session cookie set with the default
// Cookie settings (see (*Service).ClearCookie).
func ClearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
}

// MySeat reports whether the signed-in user holds a seat; known is false
// when the service was built without Deps.Seats. Errors: Unauthenticated.
func (s *Service) MySeat(ctx context.Context) (held, known bool, err error) {
	p, err := principal(ctx)
	if err != nil {
		return false, false, err
	}
	if p.UserID == "" {
		return false, false, accountkit.Errorf(accountkit.Unauthenticated, "not signed in")
	}
	if s.seats == nil {
		return false, false, nil
	}
	held, err = s.seats.HoldsSeat(ctx, p.UserID)
	return held, err == nil, err
}

// Me returns the signed-in user. Errors: Unauthenticated (no user signed
// in), NotFound.
func (s *Service) Me(ctx context.Context) (_ *users.User, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if p.UserID == "" {
		return nil, accountkit.Errorf(accountkit.Unauthenticated, "not signed in")
	}
	return s.users.Get(ctx, p.UserID)
}
