package users

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/audit"
)

// SSOUserInput describes a user created at their first single sign-on.
type SSOUserInput struct {
	AccountID string
	// Email is the address the identity provider vouched for.
	Email     string
	FirstName string
	LastName  string
}

// CreateSSOUser creates an active user with a verified email and no
// password, for the sso package's just-in-time provisioning: the identity
// provider has authenticated them. The username is derived from the email
// and made unique; names are cleaned (control characters dropped) and
// clipped rather than refused. It must run inside the caller's transaction
// with the acting principal in ctx, and records "User created." there.
// Errors: Unauthenticated, NotFound (account), Invalid (email), Conflict
// (email taken in the tree, or a concurrent sign-in took the username).
func (s *Service) CreateSSOUser(ctx context.Context, in SSOUserInput) (*User, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	email := NormalizeEmail(in.Email)
	if msg := validateEmail(email); msg != "" {
		return nil, accountkit.InvalidField("email", msg)
	}
	username, err := s.uniqueUsername(ctx, email)
	if err != nil {
		return nil, err
	}
	cin := CreateInput{AccountID: in.AccountID, Username: username, Email: email,
		FirstName: cleanPersonName(in.FirstName), LastName: cleanPersonName(in.LastName)}
	u, err := s.insertUser(ctx, p, cin, func(u *User) error {
		now := s.now()
		u.Status, u.EmailVerified, u.ActivatedAt = StatusActive, true, &now
		return nil
	})
	if err != nil {
		return nil, err
	}
	return u, s.audit.Record(ctx, audit.Entry{AccountID: u.AccountID, Item: audit.ItemUser, Action: audit.ActionCreate,
		Description: "User created.", TargetType: "user", TargetID: u.ID, TargetName: u.Username,
		Details: map[string]string{"method": string(LoginSSO)}})
}

// ActivateSSOUser activates an invited user who proved their identity
// through single sign-on: the email becomes verified, the user active, and
// pending invitation links die. It locks and re-reads the user's row and
// must run inside the caller's transaction; it records "User accepted.".
// A user who is not invited is returned unchanged. Errors: NotFound.
func (s *Service) ActivateSSOUser(ctx context.Context, userID string) (*User, error) {
	cur, err := s.store.GetUserForUpdate(ctx, userID)
	if err != nil {
		return nil, err
	}
	if cur.Status != StatusInvited {
		return cur, nil
	}
	now := s.now()
	cur.Status, cur.EmailVerified, cur.ActivatedAt, cur.UpdatedAt = StatusActive, true, &now, now
	if err := s.store.UpdateUser(ctx, cur); err != nil {
		return nil, err
	}
	if err := s.store.DeleteTokens(ctx, cur.ID, TokenInvitation); err != nil {
		return nil, err
	}
	return cur, s.audit.Record(ctx, audit.Entry{AccountID: cur.AccountID, Item: audit.ItemUser, Action: audit.ActionAccept,
		Description: "User accepted.", TargetType: "user", TargetID: cur.ID, TargetName: cur.Username,
		Details: map[string]string{"method": string(LoginSSO)}})
}

// uniqueUsername derives a valid username from an email address and
// appends "-2", "-3", ... (then a random suffix) until it is free.
func (s *Service) uniqueUsername(ctx context.Context, email string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(email); i++ {
		c := email[i]
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("._-@", c) >= 0 {
			b.WriteByte(c)
		} else {
			b.WriteByte('-')
		}
	}
	base := strings.TrimLeft(b.String(), "._-@")
	if len(base) < MinUsernameLength {
		base = "user-" + base
	}
	free := func(name string) (bool, error) {
		_, err := s.store.GetUserByUsername(ctx, name)
		switch accountkit.ErrorCode(err) {
		case accountkit.NotFound:
			return true, nil
		case "":
			return false, nil
		}
		return false, err
	}
	for i := 1; i <= 20; i++ {
		suffix := ""
		if i > 1 {
			suffix = "-" + strconv.Itoa(i)
		}
		if i == 20 {
			var r [4]byte
			_, _ = rand.Read(r[:])
			suffix = "-" + hex.EncodeToString(r[:])
		}
		name := base
		if len(name)+len(suffix) > MaxUsernameLength {
			name = name[:MaxUsernameLength-len(suffix)]
		}
		name += suffix
		if validateUsername(name) != "" {
			continue
		}
		ok, err := free(name)
		if err != nil {
			return "", err
		}
		if ok {
			return name, nil
		}
	}
	return "", accountkit.Errorf(accountkit.Conflict, "no free username could be derived from the email")
}

// cleanPersonName drops control characters and invalid UTF-8 from a name
// sent by an identity provider and clips it to MaxNameLength characters.
func cleanPersonName(s string) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > MaxNameLength {
		s = strings.TrimSpace(string([]rune(s)[:MaxNameLength]))
	}
	return s
}

// passwordAllowed asks Options.PasswordLoginAllowed, if set, whether u may
// use a password.
func (s *Service) passwordAllowed(ctx context.Context, u *User) error {
	if s.opts.PasswordLoginAllowed == nil {
		return nil
	}
	return s.opts.PasswordLoginAllowed(ctx, u)
}
