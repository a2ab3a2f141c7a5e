package users

import (
	"context"
	"strings"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/audit"
)

// The self-service methods: what a signed-in user does to their own
// user (the "My account" pages), without any permission.

// errNotUser answers a principal without a user (an API key, the system).
var errNotUser = accountkit.Errorf(accountkit.Forbidden, "only users have their own profile")

// self returns the signed-in user. Errors: Unauthenticated, Forbidden (not
// a user).
func (s *Service) self(ctx context.Context) (*User, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if p.UserID == "" {
		return nil, errNotUser
	}
	u, err := s.store.GetUser(ctx, p.UserID)
	if accountkit.ErrorCode(err) == accountkit.NotFound {
		return nil, accountkit.Errorf(accountkit.Unauthenticated, "the session has expired; sign in again")
	}
	return u, err
}

// ProfileUpdate is what a user may change of their own: names and phone.
// Nil fields stay as they are; Phone "" removes the phone.
type ProfileUpdate struct {
	FirstName *string `json:"first_name,omitempty"`
	LastName  *string `json:"last_name,omitempty"`
	Phone     *string `json:"phone,omitempty"`
}

// UpdateProfile changes the signed-in user's names and phone (E.164; a
// changed phone must be verified again with SendPhoneCode and
// VerifyPhone). Email, username and roles stay for an administrator's
// Update. Audited ("User updated."). Errors: Unauthenticated, Forbidden
// (not a user), Invalid.
func (s *Service) UpdateProfile(ctx context.Context, in ProfileUpdate) (*User, error) {
	u, err := s.self(ctx)
	if err != nil {
		return nil, err
	}
	up := Update{FirstName: in.FirstName, LastName: in.LastName, Phone: in.Phone}
	e := s.entry(u, audit.ItemUser, audit.ActionUpdate, "User updated.", "User update failed.")
	var out *User
	err = s.audit.Run(ctx, e, func(ctx context.Context) error {
		if err := up.validate(); err != nil {
			return err
		}
		cur, err := s.store.GetUserForUpdate(ctx, u.ID)
		if err != nil {
			return err
		}
		details := map[string]string{"self": "true"}
		if in.FirstName != nil {
			cur.FirstName = strings.TrimSpace(*in.FirstName)
		}
		if in.LastName != nil {
			cur.LastName = strings.TrimSpace(*in.LastName)
		}
		if in.Phone != nil {
			phone := ""
			if *in.Phone != "" {
				phone, _ = NormalizePhone(*in.Phone) // validated
			}
			if phone != cur.Phone {
				cur.Phone, cur.PhoneVerified = phone, false
				details["phone_changed"] = "true"
			}
		}
		e.Details = details
		cur.UpdatedAt = s.now()
		out = cur
		return s.store.UpdateUser(ctx, cur)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
