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

// ProvisionInput describes a user an identity source vouches for: a
// single sign-on creating users just in time (SAML, OpenID Connect), a
// provisioning client (SCIM), the host importing users from another
// system, or auth.Service.Bootstrap.
type ProvisionInput struct {
	AccountID string
	// Email is taken as verified: the source vouches for it.
	Email string
	// Username, when empty, is derived from the email and made unique.
	Username  string
	FirstName string
	LastName  string
	// Phone, when set, must be a valid E.164 number (unverified).
	Phone string
	// Roles are granted only when the acting principal holds every
	// permission they carry (no escalation).
	Roles []string
	// PasswordHash is a PHC string (argon2id, or bcrypt from an import)
	// the user signs in with; empty for users who sign in through their
	// identity provider.
	PasswordHash string
	// Source names the identity source, recorded as the "method" detail of
	// the "User created." event (e.g. "sso", "scim", "bootstrap").
	Source string
}

// Provision creates an active user with a verified email, skipping the
// invitation. Names sent by an identity source are cleaned (control
// characters dropped) and clipped rather than refused; an explicit
// Username must be valid. It runs in the transaction carried by ctx (or
// one of its own) with the acting principal in ctx, and records "User
// created." there. It checks no permission of its own: the caller — an
// identity source that authenticated the user, or host code — decides that
// the user may exist; the HTTP API never exposes it. Errors:
// Unauthenticated, NotFound (account), Invalid (email, username), Forbidden
// (a role the principal may not grant), Conflict (email taken in the tree,
// or the username taken).
func (s *Service) Provision(ctx context.Context, in ProvisionInput) (*User, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	email := accountkit.NormalizeEmail(in.Email)
	if msg := accountkit.EmailProblem(email); msg != "" {
		return nil, accountkit.InvalidField("email", msg)
	}
	var u *User
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		username := NormalizeUsername(in.Username)
		if username == "" {
			var err error
			if username, err = s.uniqueUsername(ctx, email); err != nil {
				return err
			}
		}
		cin := CreateInput{AccountID: in.AccountID, Username: username, Email: email, Roles: in.Roles, Phone: in.Phone,
			FirstName: cleanPersonName(in.FirstName), LastName: cleanPersonName(in.LastName)}
		var err error
		u, err = s.insertUser(ctx, p, cin, func(u *User) error {
			now := s.now()
			u.Status, u.EmailVerified, u.ActivatedAt = StatusActive, true, &now
			if in.PasswordHash != "" {
				u.PasswordHash, u.PasswordChangedAt = in.PasswordHash, &now
			}
			return nil
		})
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{AccountID: u.AccountID, Item: audit.ItemUser, Action: audit.ActionCreate,
			Description: "User created.", TargetType: "user", TargetID: u.ID, TargetName: u.Username,
			Details: map[string]string{"method": accountkit.Clip(in.Source, 32)}})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// Activate activates an invited user whose identity a source proved (a
// single sign-on): the email becomes verified, the user active, and
// pending invitation links die. It locks and re-reads the user's row in
// the transaction carried by ctx and records "User accepted." with the
// source as "method". A user who is not invited is returned unchanged.
// Like Provision it checks no permission of its own. Errors: NotFound.
func (s *Service) Activate(ctx context.Context, userID, source string) (*User, error) {
	var out *User
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.store.GetUserForUpdate(ctx, userID)
		if err != nil {
			return err
		}
		out = cur
		if cur.Status != StatusInvited {
			return nil
		}
		now := s.now()
		cur.Status, cur.EmailVerified, cur.ActivatedAt, cur.UpdatedAt = StatusActive, true, &now, now
		if err := s.store.UpdateUser(ctx, cur); err != nil {
			return err
		}
		if err := s.store.DeleteTokens(ctx, cur.ID, TokenInvitation); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{AccountID: cur.AccountID, Item: audit.ItemUser, Action: audit.ActionAccept,
			Description: "User accepted.", TargetType: "user", TargetID: cur.ID, TargetName: cur.Username,
			Details: map[string]string{"method": accountkit.Clip(source, 32)}})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
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
