package accountkittest

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/apikeys"
	"github.com/accountkit/accountkit/seats"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/teams"
	"github.com/accountkit/accountkit/users"
)

// MainAccount creates a main account with the slug, named after it
// ("acme" → "Acme").
func (e *Env) MainAccount(t testing.TB, slug string) *account.Account {
	t.Helper()
	a, err := e.Kit.Accounts.CreateMain(e.System(), account.CreateInput{Name: strings.ToUpper(slug[:1]) + slug[1:], Slug: slug})
	require.NoError(t, err)
	return a
}

// SubAccount creates a sub-account with the slug below parent.
func (e *Env) SubAccount(t testing.TB, parent *account.Account, slug string) *account.Account {
	t.Helper()
	a, err := e.Kit.Accounts.CreateSub(e.System(), parent.ID, account.CreateInput{Name: "Sub " + slug, Slug: slug})
	require.NoError(t, err)
	return a
}

// UserOption changes a user User creates.
type UserOption func(*userConfig)

type userConfig struct {
	in   users.CreateInput
	seat bool
}

// Roles gives the user the role keys (security.RoleAccountManager,
// security.RoleMember, a host role).
func Roles(keys ...string) UserOption {
	return func(c *userConfig) { c.in.Roles = append(c.in.Roles, keys...) }
}

// InTeams adds the user to the manual teams.
func InTeams(ts ...*teams.Team) UserOption {
	return func(c *userConfig) {
		for _, tm := range ts {
			c.in.Teams = append(c.in.Teams, tm.ID)
		}
	}
}

// WithSeat assigns the user a seat once active (the tree must have one
// left: see Seats).
func WithSeat() UserOption { return func(c *userConfig) { c.seat = true } }

// Email sets the user's email address (default username@slug.test).
func Email(addr string) UserOption { return func(c *userConfig) { c.in.Email = addr } }

// Phone sets the user's phone number (E.164).
func Phone(number string) UserOption { return func(c *userConfig) { c.in.Phone = number } }

// Name sets the user's first and last name (default "First" "Last").
func Name(first, last string) UserOption {
	return func(c *userConfig) { c.in.FirstName, c.in.LastName = first, last }
}

// User creates an active user of the account, as the host would: invited,
// then the emailed invitation accepted with Password. By default the user
// is "First Last" <username@slug.test> with no role.
func (e *Env) User(t testing.TB, acc *account.Account, username string, opts ...UserOption) *users.User {
	t.Helper()
	c := userConfig{in: users.CreateInput{AccountID: acc.ID, Username: username,
		FirstName: "First", LastName: "Last", Email: username + "@" + acc.Slug + ".test"}}
	for _, o := range opts {
		o(&c)
	}
	u, err := e.Kit.Users.Create(e.System(), c.in)
	require.NoError(t, err)
	m := e.Mail.Last(t, u.Email, users.MailInvitation)
	u, err = e.Kit.Auth.AcceptInvitation(context.Background(), m.Token, Password)
	require.NoError(t, err)
	if c.seat {
		e.AssignSeat(t, u)
	}
	return u
}

// ActiveUser is User with roles only.
func (e *Env) ActiveUser(t testing.TB, acc *account.Account, username string, roles ...string) *users.User {
	t.Helper()
	return e.User(t, acc, username, Roles(roles...))
}

// Team creates a manual team of the account whose members hold the roles.
func (e *Env) Team(t testing.TB, acc *account.Account, name string, roles ...string) *teams.Team {
	t.Helper()
	tm, err := e.Kit.Teams.Create(e.System(), teams.CreateInput{AccountID: acc.ID, Name: name, Roles: roles})
	require.NoError(t, err)
	return tm
}

// Seats sets how many seats the main account's tree has purchased, as the
// host's billing code does.
func (e *Env) Seats(t testing.TB, main *account.Account, purchased int) *seats.Pool {
	t.Helper()
	p, err := e.Kit.Seats.SetPurchased(e.System(), main.ID, purchased)
	require.NoError(t, err)
	return p
}

// SeatLimit limits the seats the users of the account may hold.
func (e *Env) SeatLimit(t testing.TB, acc *account.Account, limit int) *seats.Limit {
	t.Helper()
	l, err := e.Kit.Seats.SetLimit(e.System(), acc.ID, seats.LimitInput{Limit: &limit})
	require.NoError(t, err)
	return l
}

// AssignSeat gives the user a seat.
func (e *Env) AssignSeat(t testing.TB, u *users.User) *seats.Seat {
	t.Helper()
	s, err := e.Kit.Seats.Assign(e.System(), u.ID)
	require.NoError(t, err, "assign a seat to %s (purchased seats left?)", u.Username)
	return s
}

// Security changes the account's security settings (two-factor
// requirement, login attempts before lockout, password rules...).
func (e *Env) Security(t testing.TB, acc *account.Account, up account.SecurityUpdate) *account.SecuritySettings {
	t.Helper()
	s, err := e.Kit.Accounts.UpdateSecuritySettings(e.System(), acc.ID, up)
	require.NoError(t, err)
	return s
}

// APIKey creates an API key of the account holding the permissions and
// returns it with its secret, the bearer token a machine sends.
func (e *Env) APIKey(t testing.TB, acc *account.Account, name string, perms ...security.Permission) *apikeys.Created {
	t.Helper()
	c, err := e.Kit.APIKeys.Create(e.System(), acc.ID, apikeys.CreateInput{Name: name, Permissions: perms})
	require.NoError(t, err)
	return c
}

// Manager returns a principal of the account holding every
// account-settings permission, like the built-in Account Manager role,
// whose user does not exist: for service calls (As) and bearer tokens
// (Tokens.Issue) where no real user is needed.
func Manager(accountID, username string) *security.Principal {
	return Member(accountID, username, security.AccountSettingsPermissions...)
}

// Member returns a principal of the account holding only perms, whose user
// does not exist (see Manager).
func Member(accountID, username string, perms ...security.Permission) *security.Principal {
	return &security.Principal{UserID: (&accountkit.UUIDv7{}).NewID(), Username: username, AccountID: accountID,
		Permissions: security.NewPermissionSet(perms...)}
}
