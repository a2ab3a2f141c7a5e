package users

import (
	"context"
	"slices"
	"strings"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/security"
)

// CreateInput describes a new user.
type CreateInput struct {
	// AccountID defaults to the principal's account.
	AccountID string   `json:"account_id,omitempty"`
	Username  string   `json:"username"`
	FirstName string   `json:"first_name"`
	LastName  string   `json:"last_name"`
	Email     string   `json:"email"`
	Phone     string   `json:"phone,omitempty"`
	Roles     []string `json:"roles,omitempty"`
	// Teams are IDs of manual teams of the account to add the user to.
	Teams []string `json:"teams,omitempty"`
}

// Create creates an invited user and emails them a single-use link to set
// their password. It requires PermUsersManage in the account; the principal
// may grant only roles whose permissions it holds. There is no limit on the
// number of users. Audited ("User created" and "Email with password sent").
// Errors: Unauthenticated, NotFound, Forbidden, Invalid, Conflict
// (username or email taken), Internal (email not sent: the user exists and
// the invitation can be resent).
func (s *Service) Create(ctx context.Context, in CreateInput) (*User, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if in.AccountID == "" {
		in.AccountID = p.AccountID
	}
	entry := createEntry(&in)
	var u *User
	var m Message
	err = s.audit.Run(ctx, entry, func(ctx context.Context) error {
		if _, err := s.authz.Require(ctx, security.PermUsersManage, in.AccountID); err != nil {
			return err
		}
		if s.opts.Mailer == nil {
			return accountkit.Errorf(accountkit.Internal, "no Mailer configured: users cannot be invited")
		}
		if u, err = s.insertUser(ctx, p, in, nil); err != nil {
			return err
		}
		entry.TargetID = u.ID
		m, err = s.issueLink(ctx, u, MailInvitation)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := s.sendMail(ctx, u, m); err != nil {
		return u, err
	}
	return u, nil
}

// createEntry normalizes the username of in and returns the audit entry of
// its creation.
func createEntry(in *CreateInput) *audit.Entry {
	in.Username = NormalizeUsername(in.Username)
	return &audit.Entry{AccountID: in.AccountID, Item: audit.ItemUser, Action: audit.ActionCreate,
		Description: "User created.", FailureDescription: "User creation failed.", TargetType: "user", TargetName: in.Username}
}

// insertUser builds a user from in, checks the roles p may grant, lets
// ready adjust it (nil: an invited user) and stores it.
func (s *Service) insertUser(ctx context.Context, p *security.Principal, in CreateInput, ready func(*User) error) (*User, error) {
	acc, err := s.store.GetAccount(ctx, in.AccountID)
	if err != nil {
		return nil, err
	}
	u, err := s.newUser(in, acc)
	if err != nil {
		return nil, err
	}
	if u.Roles, err = s.checkGrants(ctx, p, acc.ID, in.Roles); err != nil {
		return nil, err
	}
	if ready != nil {
		if err := ready(u); err != nil {
			return nil, err
		}
	}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return nil, conflictField(err, u)
	}
	if len(in.Teams) > 0 {
		if err := s.setTeams(ctx, u, in.Teams); err != nil {
			return nil, err
		}
	}
	return u, nil
}

func (s *Service) newUser(in CreateInput, acc *account.Account) (*User, error) {
	var v accountkit.Validation
	if msg := validateUsername(in.Username); msg != "" {
		v.Add("username", msg)
	}
	first, last := strings.TrimSpace(in.FirstName), strings.TrimSpace(in.LastName)
	if msg := validatePersonName(first); msg != "" {
		v.Add("first_name", msg)
	}
	if msg := validatePersonName(last); msg != "" {
		v.Add("last_name", msg)
	}
	email := NormalizeEmail(in.Email)
	if msg := validateEmail(email); msg != "" {
		v.Add("email", msg)
	}
	phone := ""
	if in.Phone != "" {
		var msg string
		if phone, msg = NormalizePhone(in.Phone); msg != "" {
			v.Add("phone", msg)
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	return &User{ID: s.rt.IDs.NewID(), AccountID: acc.ID, MainAccountID: acc.MainID(), Username: in.Username,
		FirstName: first, LastName: last, Email: email, Phone: phone, Status: StatusInvited,
		CreatedAt: now, UpdatedAt: now}, nil
}

// conflictField names the field behind a Conflict from the store.
func conflictField(err error, u *User) error {
	if accountkit.ErrorCode(err) != accountkit.Conflict {
		return err
	}
	return &accountkit.Error{Code: accountkit.Conflict, Message: "username or email already in use",
		Fields: []accountkit.FieldError{{Field: "username", Message: "or email already in use"}}}
}

// Get returns a user. It requires PermUsersRead (or PermUsersManage) in the
// user's account; a user may always read themselves. Errors:
// Unauthenticated, NotFound, Forbidden.
func (s *Service) Get(ctx context.Context, id string) (_ *User, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if id == p.UserID && id != "" {
		return s.store.GetUser(ctx, id)
	}
	perm := security.PermUsersRead
	if p.Permissions.Has(security.PermUsersManage) {
		perm = security.PermUsersManage
	}
	u, _, err := s.userInTree(ctx, perm, id, false)
	return u, err
}

// Update changes a user's names, email, phone or roles. The username never
// changes. An email change clears the verified flag and emails a
// verification link; a phone change clears the phone's verified flag.
// Requires PermUsersManage. Audited. Errors: Unauthenticated, NotFound,
// Forbidden, Invalid, Conflict.
func (s *Service) Update(ctx context.Context, id string, up Update) (*User, error) {
	entry := s.entry(nil, audit.ItemUser, audit.ActionUpdate, "User updated.", "User update failed.")
	entry.TargetID = id
	var u *User
	var m Message
	err := s.audit.Run(ctx, entry, func(ctx context.Context) error {
		var p *security.Principal
		var err error
		if u, p, err = s.userInTree(ctx, security.PermUsersManage, id, true); err != nil {
			return err
		}
		entry.AccountID, entry.TargetName = u.AccountID, u.Username
		before := *u
		if err := up.validate(); err != nil {
			return err
		}
		details := map[string]string{}
		if up.FirstName != nil {
			u.FirstName = strings.TrimSpace(*up.FirstName)
		}
		if up.LastName != nil {
			u.LastName = strings.TrimSpace(*up.LastName)
		}
		if up.Email != nil && NormalizeEmail(*up.Email) != u.Email {
			u.Email, u.EmailVerified = NormalizeEmail(*up.Email), false
			entry.Description = "User changed email address."
			entry.FailureDescription = "Email address change update failed."
			details["email_changed"] = "true"
		}
		if up.Phone != nil {
			phone := ""
			if *up.Phone != "" {
				phone, _ = NormalizePhone(*up.Phone) // validated
			}
			if phone != u.Phone {
				u.Phone, u.PhoneVerified = phone, false
				details["phone_changed"] = "true"
			}
		}
		if up.Roles != nil {
			added := without(*up.Roles, before.Roles)
			if _, err := s.checkGrants(ctx, p, u.AccountID, added); err != nil {
				return err
			}
			roles, err := s.checkGrants(ctx, security.PrincipalFrom(security.AsSystem(ctx)), u.AccountID, *up.Roles)
			if err != nil {
				return err
			}
			u.Roles = roles
			details["roles"] = strings.Join(roles, ",")
		}
		if err := s.guardLastManager(ctx, &before, u); err != nil {
			return err
		}
		u.UpdatedAt = s.now()
		if err := s.store.UpdateUser(ctx, u); err != nil {
			return conflictField(err, u)
		}
		if up.Teams != nil {
			if err := s.setTeams(ctx, u, *up.Teams); err != nil {
				return err
			}
			details["teams"] = "set"
		}
		entry.Details = details
		switch {
		case details["email_changed"] == "":
		case u.Status == StatusInvited: // an invited user verifies by accepting: re-send to the new address
			m, err = s.issueLink(ctx, u, MailInvitation)
		default:
			m, err = s.issueLink(ctx, u, MailVerifyEmail)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if m.Token != "" {
		_ = s.sendMail(ctx, u, m)
	}
	return u, nil
}

func without(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// Update changes a user; nil fields stay as they are. Username exists only
// to refuse it with a clear error: usernames never change.
type Update struct {
	Username  *string   `json:"username,omitempty"`
	FirstName *string   `json:"first_name,omitempty"`
	LastName  *string   `json:"last_name,omitempty"`
	Email     *string   `json:"email,omitempty"`
	Phone     *string   `json:"phone,omitempty"`
	Roles     *[]string `json:"roles,omitempty"`
	// Teams, when set, replaces the user's manual teams (SSO teams stay).
	Teams *[]string `json:"teams,omitempty"`
}

func (up Update) validate() error {
	var v accountkit.Validation
	if up.Username != nil {
		v.Add("username", "cannot be changed after the user is created")
	}
	if up.FirstName != nil {
		if msg := validatePersonName(strings.TrimSpace(*up.FirstName)); msg != "" {
			v.Add("first_name", msg)
		}
	}
	if up.LastName != nil {
		if msg := validatePersonName(strings.TrimSpace(*up.LastName)); msg != "" {
			v.Add("last_name", msg)
		}
	}
	if up.Email != nil {
		if msg := validateEmail(NormalizeEmail(*up.Email)); msg != "" {
			v.Add("email", msg)
		}
	}
	if up.Phone != nil && *up.Phone != "" {
		if _, msg := NormalizePhone(*up.Phone); msg != "" {
			v.Add("phone", msg)
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	if up == (Update{}) {
		return accountkit.Errorf(accountkit.Invalid, "nothing to update")
	}
	return nil
}

// Disable disables a user: they cannot sign in, every session ends at once
// and they receive no notifications; they stay listed as disabled. Nobody
// can disable themselves, nor the last active Account Manager. Requires
// PermUsersManage. Audited. Errors: Unauthenticated, NotFound, Forbidden.
func (s *Service) Disable(ctx context.Context, id string) (*User, error) {
	return s.change(ctx, id, audit.ActionDisable, "User disabled.", "Disabling user failed.", func(p *security.Principal, u *User) error {
		if u.ID == p.UserID {
			return accountkit.Errorf(accountkit.Forbidden, "you cannot disable yourself")
		}
		u.Status = StatusDisabled
		return nil
	})
}

// Enable enables a disabled user (an invited user stays invited).
// Requires PermUsersManage. Audited.
func (s *Service) Enable(ctx context.Context, id string) (*User, error) {
	return s.change(ctx, id, audit.ActionEnable, "User enabled.", "Enabling user failed.", func(_ *security.Principal, u *User) error {
		if u.Status == StatusDisabled {
			u.Status = StatusActive
			if u.PasswordHash == "" {
				u.Status = StatusInvited
			}
		}
		return nil
	})
}

// Lock locks a user out (an admin action): they cannot sign in until
// unlocked; their sessions end. The last active Account Manager cannot be
// locked. Requires PermUsersManage. Audited ("User locked").
func (s *Service) Lock(ctx context.Context, id string) (*User, error) {
	return s.change(ctx, id, audit.ActionLock, "User locked.", "User locking failed.", func(p *security.Principal, u *User) error {
		if u.ID == p.UserID {
			return accountkit.Errorf(accountkit.Forbidden, "you cannot lock yourself")
		}
		if !u.Locked {
			now := s.now()
			u.Locked, u.LockedAt = true, &now
		}
		return nil
	})
}

// Unlock clears a user's lock and failed-attempt count and emails them a
// password-reset link. Requires PermUsersManage. Audited ("User unlocked").
func (s *Service) Unlock(ctx context.Context, id string) (*User, error) {
	var m Message
	u, err := s.change(ctx, id, audit.ActionUnlock, "User unlocked.", "User unlocking failed.", func(_ *security.Principal, u *User) error {
		u.Locked, u.LockedAt, u.FailedLogins, u.LockCount = false, nil, 0, 0
		return nil
	}, func(ctx context.Context, u *User) error {
		if u.Status != StatusActive {
			return nil
		}
		var err error
		m, err = s.issueLink(ctx, u, MailPasswordReset)
		return err
	})
	if err == nil && m.Token != "" {
		_ = s.sendMail(ctx, u, m)
	}
	return u, err
}

// ResendInvitation emails an invited user a new link; the previous link
// stops working. Requires PermUsersManage.
func (s *Service) ResendInvitation(ctx context.Context, id string) error {
	var m Message
	u, err := s.change(ctx, id, audit.ActionCreate, "Invitation resent.", "Invitation resend failed.", func(_ *security.Principal, u *User) error {
		if u.Status != StatusInvited {
			return accountkit.Errorf(accountkit.Invalid, "the user has already accepted the invitation")
		}
		return nil
	}, func(ctx context.Context, u *User) error {
		if err := s.throttle.Take(ctx, "invitation:user", u.ID, s.opts.Limits.InvitationPerUser); err != nil {
			return err
		}
		var err error
		m, err = s.issueLink(ctx, u, MailInvitation)
		return err
	})
	if err != nil {
		return err
	}
	return s.sendMail(ctx, u, m)
}

// change loads a user for update, applies mutate, guards the last Account
// Manager, saves, ends sessions when the user can no longer sign in, runs
// the optional after hooks in the same transaction and audits.
func (s *Service) change(ctx context.Context, id string, action audit.Action, desc, fail string,
	mutate func(*security.Principal, *User) error, after ...func(context.Context, *User) error) (*User, error) {
	entry := s.entry(nil, audit.ItemUser, action, desc, fail)
	entry.TargetID = id
	var u *User
	err := s.audit.Run(ctx, entry, func(ctx context.Context) error {
		var p *security.Principal
		var err error
		if u, p, err = s.userInTree(ctx, security.PermUsersManage, id, true); err != nil {
			return err
		}
		entry.AccountID, entry.TargetName = u.AccountID, u.Username
		before := *u
		if err := mutate(p, u); err != nil {
			return err
		}
		if err := s.guardLastManager(ctx, &before, u); err != nil {
			return err
		}
		u.UpdatedAt = s.now()
		if err := s.store.UpdateUser(ctx, u); err != nil {
			return err
		}
		if u.Status == StatusDisabled || u.Locked {
			if _, err := s.store.DeleteUserSessions(ctx, u.ID, ""); err != nil {
				return err
			}
		}
		for _, fn := range after {
			if err := fn(ctx, u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// Active reports whether the user can receive notifications and use the
// product: enabled (active) and not locked. Other packages use it, e.g. to
// skip disabled users when delivering notifications.
func Active(u *User) bool { return ActiveState(u.Status, u.Locked) }

// ActiveState is Active for a user's status and lock read without the
// whole user (auth.SessionStore.SessionAuth).
func ActiveState(status Status, locked bool) bool { return status == StatusActive && !locked }
