package web

import (
	"context"

	"io"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/apikeys"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/notifications"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/teams"
	"github.com/accountkit/accountkit/users"
)

// The pages call the services through these small interfaces and nothing
// else: every rule stays in the services, and a refactoring of the
// services touches only this file and the place that fills Services.

// SignIn is the sign-in side of the auth service: password, expired
// password, second factor, sessions. *auth.Service implements it.
type SignIn interface {
	Login(ctx context.Context, in auth.LoginInput) (*auth.LoginResult, error)
	Logout(ctx context.Context, sessionToken string) error
	ChangeExpiredPassword(ctx context.Context, changeToken, password, ip, userAgent string) (*auth.LoginResult, error)
	VerifyTwoFactor(ctx context.Context, in auth.VerifyInput) (*auth.LoginResult, error)
	// BeginTwoFactorEnrollment and ConfirmTwoFactorEnrollment serve both
	// the forced enrolment of a sign-in (with a challenge token) and the
	// signed-in user's own (without).
	BeginTwoFactorEnrollment(ctx context.Context, challengeToken string) (*auth.Enrollment, error)
	ConfirmTwoFactorEnrollment(ctx context.Context, in auth.ConfirmInput) (*auth.EnrollmentResult, error)
	SessionPrincipal(ctx context.Context, token string) (*security.Principal, *auth.Session, error)
}

// Links is what the links in emails lead to: forgot and reset password,
// accept an invitation, verify an email address. *auth.Service
// implements it.
type Links interface {
	ForgotPassword(ctx context.Context, identifier string) error
	ResetPassword(ctx context.Context, secret, password string) error
	AcceptInvitation(ctx context.Context, secret, password string) (*users.User, error)
	VerifyEmail(ctx context.Context, secret string) error
}

// Self is what a signed-in user changes of their own profile on the "My
// account" pages. *users.Service implements it.
type Self interface {
	Get(ctx context.Context, id string) (*users.User, error)
	UpdateProfile(ctx context.Context, in users.ProfileUpdate) (*users.User, error)
	SendPhoneCode(ctx context.Context) error
	VerifyPhone(ctx context.Context, code string) error
}

// Security is what a signed-in user changes of their own credentials and
// sessions: password, two-factor authentication, other sessions.
// *auth.Service implements it.
type Security interface {
	ChangePassword(ctx context.Context, current, password string) error
	TwoFactorStatus(ctx context.Context) (*auth.TwoFactorStatus, error)
	DisableTwoFactor(ctx context.Context, code string) error
	RegenerateRecoveryCodes(ctx context.Context, code string) ([]string, error)
	Sessions(ctx context.Context) ([]*auth.Session, error)
	EndOtherSessions(ctx context.Context) (int, error)
}

// Branding gives the pages an account's public branding (name, logo,
// theme, language) by slug or custom hostname, and the signed-in user's
// account. *account.Service implements it.
type Branding interface {
	BrandingBySlug(ctx context.Context, slug string) (*account.Branding, error)
	BrandingByHost(ctx context.Context, host string) (*account.Branding, error)
	Logo(ctx context.Context, slug string) (*account.Logo, error)
	Current(ctx context.Context) (*account.Account, error)
}

// SSO tells whether an account offers single sign-on. *sso.Service
// implements it.
type SSO interface {
	Enabled(ctx context.Context, slug string) (bool, error)
}

// Notifications is the signed-in user's inbox and subscriptions.
// *notifications.Service implements it.
type Notifications interface {
	Inbox(ctx context.Context, in notifications.InboxInput) (*notifications.InboxPage, error)
	MarkRead(ctx context.Context, notificationID string) error
	MarkAllRead(ctx context.Context) (int, error)
	Subscriptions(ctx context.Context) ([]notifications.Subscription, error)
	SetSubscriptions(ctx context.Context, set map[notifications.Type]bool) ([]notifications.Subscription, error)
}

// Users is what the console's Users & Teams page does with the users of
// the signed-in person's account tree. *users.Service implements it.
type Users interface {
	List(ctx context.Context, in users.ListInput) (*users.Page, error)
	Get(ctx context.Context, id string) (*users.User, error)
	Teams(ctx context.Context, id string) ([]users.TeamRef, error)
	Create(ctx context.Context, in users.CreateInput) (*users.User, error)
	Disable(ctx context.Context, id string) (*users.User, error)
	Enable(ctx context.Context, id string) (*users.User, error)
	ResendInvitation(ctx context.Context, id string) error
	Export(ctx context.Context, in users.ListInput, format users.ExportFormat, w io.Writer) error
	Roles(ctx context.Context, accountID string) ([]users.RoleView, error)
	// The quick actions of the console's users list.
	Lock(ctx context.Context, id string) (*users.User, error)
	Unlock(ctx context.Context, id string) (*users.User, error)
	Move(ctx context.Context, id, toAccountID string) (*users.User, error)
	Delete(ctx context.Context, id string) error
}

// Teams lists an account's teams for the console's filters and the New
// user form, and is the console's Teams page. *teams.Service implements
// it.
type Teams interface {
	List(ctx context.Context, in teams.ListInput) (*teams.Page, error)
	Get(ctx context.Context, id string) (*teams.Team, error)
	Create(ctx context.Context, in teams.CreateInput) (*teams.Team, error)
	Update(ctx context.Context, id string, up teams.Update) (*teams.Team, error)
	Delete(ctx context.Context, id string) error
	Members(ctx context.Context, teamID string, in teams.MembersInput) (*users.Page, error)
	AddMembers(ctx context.Context, teamID string, userIDs []string) (*teams.Team, error)
	RemoveMembers(ctx context.Context, teamID string, userIDs []string) (*teams.Team, error)
}

// APIKeys is the console's API keys page. *apikeys.Service implements it.
type APIKeys interface {
	List(ctx context.Context, in apikeys.ListInput) (*apikeys.Page, error)
	Create(ctx context.Context, accountID string, in apikeys.CreateInput) (*apikeys.Created, error)
	Revoke(ctx context.Context, id string) (*apikeys.Key, error)
}

// Audit is the console's audit log page. *audit.Service implements it.
type Audit interface {
	List(ctx context.Context, q audit.Query) (*audit.Page, error)
	Export(ctx context.Context, q audit.Query, w io.Writer) error
	Verify(ctx context.Context, accountID string) (*audit.VerifyResult, error)
	Catalogue(ctx context.Context) (*audit.CatalogueView, error)
}

// Services are the services the pages call. SignIn, Links, Self, Security
// and Branding are required; without SSO the pages offer no single
// sign-on, without Notifications they have no notifications page. The
// console pages (under Path + "/console") appear with their services:
// Users & Teams with Users and Teams, API keys with APIKeys, the audit log
// with Audit; each only for those whose permissions allow it.
type Services struct {
	SignIn        SignIn
	Links         Links
	Self          Self
	Security      Security
	Branding      Branding
	SSO           SSO
	Notifications Notifications
	Users         Users
	Teams         Teams
	APIKeys       APIKeys
	Audit         Audit
	// Console part 2: the Roles page appears with Roles; the users list
	// offers "Reset 2FA" with TwoFactorReset, the account filter and
	// "Move" with AccountTree, and the detail card shows the seat with
	// SeatHolder (each only to those whose permissions allow it).
	Roles          Roles
	TwoFactorReset TwoFactorReset
	AccountTree    AccountTree
	SeatHolder     SeatHolder
	// Seats is the console's Seats page; ManagedNotifications its
	// Notifications page for managers, SubAccounts that page's account
	// picker (optional: without it, the person's own account only).
	Seats                Seats
	ManagedNotifications ManagedNotifications
	SubAccounts          SubAccounts
	// Policies is the console's Security page (console_security.go);
	// *account.Service implements it.
	Policies Policies
	// SSOConfig is the console's SSO configuration page
	// (console_sso.go), shown to those holding sso.manage;
	// *sso.Service implements it.
	SSOConfig SSOConfig
	// Customization is the console's Customization page
	// (console_custom.go); *account.Service implements it.
	Customization Customization
	// Accounts is the console's Accounts page (console_accounts.go) and
	// the New user page's ?account=; *account.Service implements it.
	Accounts Accounts
}
