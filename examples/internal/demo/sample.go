package demo

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/apikeys"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/notifications"
	"github.com/accountkit/accountkit/seats"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/sso"
	"github.com/accountkit/accountkit/teams"
	"github.com/accountkit/accountkit/users"
)

// Sample figures, also printed by Instructions.
const (
	// SamplePurchasedSeats is what the host bought: 11 are held, so the
	// seats page shows its usage warning (85 % up to 50 seats).
	SamplePurchasedSeats = 12
	// SampleSupportSeatLimit is the seat limit of the sub-account "Acme
	// Support".
	SampleSupportSeatLimit = 3
	// SampleIdPEntityID is the sample identity provider's entity ID.
	SampleIdPEntityID = "https://idp.acme.example/saml/metadata"
	// SamplePendingHostname is the custom hostname "Acme Sales" has set
	// but not verified (its DNS records are not published).
	SamplePendingHostname = "login.acme-sales.example"
)

// sampleMailer prints emails through next, except the sample users'
// invitations while quiet is set: those it keeps, so the sample can
// accept them itself without filling the terminal.
type sampleMailer struct {
	next   users.Mailer
	mu     sync.Mutex
	quiet  bool
	tokens map[string]string
}

// Send implements users.Mailer.
func (m *sampleMailer) Send(ctx context.Context, msg users.Message) error {
	m.mu.Lock()
	if m.quiet && msg.Kind == users.MailInvitation {
		if m.tokens == nil {
			m.tokens = map[string]string{}
		}
		m.tokens[msg.To] = msg.Token
		m.mu.Unlock()
		return nil
	}
	m.mu.Unlock()
	return m.next.Send(ctx, msg)
}

func (m *sampleMailer) setQuiet(on bool) {
	m.mu.Lock()
	m.quiet = on
	m.mu.Unlock()
}

func (m *sampleMailer) token(to string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tokens[to]
}

// sampleUser is one sample person.
type sampleUser struct {
	account                *account.Account
	username, first, last  string
	roles, teams           []string // role keys, team IDs
	accept, seat, disabled bool
}

// sample gives every console page something to look at, done through
// the services as the administrator (so the audit log tells the story):
// sub-accounts on two levels, a custom role, teams (one managed by single
// sign-on), users with roles and teams — active, invited (never signed
// in), disabled —, 12 purchased seats of which 11 are held (the usage
// warning) and a seat limit on "Acme Support", notifications, an API key,
// single sign-on filled from sample IdP metadata (left disabled on Acme,
// so the administrator's password keeps working; enforced on Acme
// Support), a theme and language, a pending hostname on "Acme Sales", and
// sam's invitation printed with its link.
func sample(sys context.Context, k *kit.Kit, main, support *account.Account, admin *users.User, mail *sampleMailer) error {
	perms, err := k.Users.EffectivePermissions(sys, admin)
	if err != nil {
		return err
	}
	as := security.WithPrincipal(context.Background(), &security.Principal{UserID: admin.ID, Username: admin.Username,
		AccountID: admin.AccountID, Permissions: perms})
	eu, err := k.Accounts.CreateSub(as, support.ID, account.CreateInput{Name: "Acme Support EU", Slug: "acme-support-eu"})
	if err != nil {
		return err
	}
	sales, err := k.Accounts.CreateSub(as, main.ID, account.CreateInput{Name: "Acme Sales", Slug: "acme-sales"})
	if err != nil {
		return err
	}
	agent, err := k.Users.CreateRole(as, users.RoleInput{AccountID: main.ID, Name: "Support agent",
		Description: "Reads users and the audit log",
		Permissions: []string{string(security.PermUsersRead), string(security.PermAuditRead)}})
	if err != nil {
		return err
	}
	supportTeam, err := k.Teams.Create(as, teams.CreateInput{AccountID: main.ID, Name: "Support", Description: "Answers customers"})
	if err != nil {
		return err
	}
	emea, err := k.Teams.Create(as, teams.CreateInput{AccountID: main.ID, Name: "Sales EMEA", Description: "Sells in Europe"})
	if err != nil {
		return err
	}
	if _, err := k.Teams.AddMembers(as, supportTeam.ID, []string{admin.ID}); err != nil {
		return err
	}
	if _, err := k.Seats.SetPurchased(sys, main.ID, SamplePurchasedSeats); err != nil {
		return err
	}
	if _, err := k.Seats.Assign(as, admin.ID); err != nil {
		return err
	}

	member := []string{security.RoleMember}
	people := []sampleUser{
		{account: main, username: "lea", first: "Lea", last: "Lopez", roles: []string{agent.ID}, teams: []string{supportTeam.ID}, accept: true, seat: true},
		{account: main, username: "max", first: "Max", last: "Muster", roles: member, teams: []string{emea.ID}, seat: true},
		{account: main, username: "ola", first: "Ola", last: "Olsen", roles: member, seat: true},
		{account: main, username: "ben", first: "Ben", last: "Bauer", roles: member, teams: []string{emea.ID}, seat: true, disabled: true},
		{account: main, username: "ivy", first: "Ivy", last: "Ito", roles: member, seat: true},
		{account: main, username: "dan", first: "Dan", last: "Dormant", roles: member, disabled: true},
		{account: support, username: "sue", first: "Sue", last: "Svensson", roles: []string{security.RoleAccountManager}, accept: true, seat: true},
		{account: support, username: "tom", first: "Tom", last: "Tanaka", roles: member, seat: true},
		{account: eu, username: "eva", first: "Eva", last: "Eder", roles: member, seat: true},
		{account: eu, username: "emil", first: "Emil", last: "Engel", roles: member},
		{account: sales, username: "sal", first: "Sal", last: "Sanchez", roles: member, seat: true},
		{account: sales, username: "kim", first: "Kim", last: "Kowalski", roles: member, seat: true},
	}
	byName := map[string]*users.User{}
	var pw [12]byte
	if _, err := rand.Read(pw[:]); err != nil {
		return err
	}
	password := base64.RawURLEncoding.EncodeToString(pw[:]) // nobody signs in as them
	mail.setQuiet(true)
	for _, p := range people {
		u, err := k.Users.Create(as, users.CreateInput{AccountID: p.account.ID, Username: p.username, FirstName: p.first, LastName: p.last,
			Email: p.username + "@" + p.account.Slug + ".example", Roles: p.roles, Teams: p.teams})
		if err != nil {
			mail.setQuiet(false)
			return fmt.Errorf("demo: user %s: %w", p.username, err)
		}
		if p.accept {
			if u, err = k.Auth.AcceptInvitation(context.Background(), mail.token(u.Email), password); err != nil {
				mail.setQuiet(false)
				return fmt.Errorf("demo: accepting %s's invitation: %w", p.username, err)
			}
		}
		byName[p.username] = u
	}
	mail.setQuiet(false)
	// sam's invitation is printed, with its working link.
	if _, err := k.Users.Create(as, users.CreateInput{AccountID: main.ID, Username: "sam", FirstName: "Sam", LastName: "Sample",
		Email: "sam@acme.example", Roles: member, Teams: []string{supportTeam.ID}}); err != nil {
		return err
	}
	// lea has signed in once.
	if _, err := k.Auth.Login(context.Background(), auth.LoginInput{Identifier: "lea", Password: password, IP: "192.0.2.10", UserAgent: "quickstart"}); err != nil {
		return err
	}
	for _, p := range people {
		if p.seat {
			if _, err := k.Seats.Assign(as, byName[p.username].ID); err != nil {
				return fmt.Errorf("demo: seat for %s: %w", p.username, err)
			}
		}
		if p.disabled {
			if _, err := k.Users.Disable(as, byName[p.username].ID); err != nil {
				return err
			}
		}
	}
	limit := SampleSupportSeatLimit
	if _, err := k.Seats.SetLimit(as, support.ID, seats.LimitInput{Limit: &limit}); err != nil {
		return err
	}

	// A team the identity provider manages: its members come from the
	// IdP's groups at each SSO sign-in.
	if _, err := k.Teams.FindOrCreateSSOTeam(sys, main.ID, "Engineering"); err != nil {
		return err
	}
	if err := k.Teams.SetSSOMemberships(sys, byName["ola"].ID, main.ID, []string{"Engineering"}); err != nil {
		return err
	}

	for _, n := range []notifications.PublishInput{
		{AccountID: main.ID, Type: notifications.CampaignEvents, Title: "Welcome to accountkit", Body: "This notification was published by the quickstart."},
		{AccountID: main.ID, Type: notifications.AccountBalance, Title: "Invoice for November available"},
		{AccountID: support.ID, Type: notifications.LowAccountBalance, Title: "Support credit is running low"},
	} {
		if _, err := k.Notifications.Publish(sys, n); err != nil {
			return err
		}
	}
	if _, err := k.APIKeys.Create(as, main.ID, apikeys.CreateInput{Name: "reporting",
		Permissions: []security.Permission{security.PermUsersRead, security.PermAuditRead}}); err != nil {
		return err
	}

	// Single sign-on from the sample IdP's metadata: on Acme, filled in
	// but left off (admin's password keeps working); on Acme Support,
	// enforced with sue as the break-glass Account Manager.
	md, err := sampleIdPMetadata()
	if err != nil {
		return err
	}
	if _, err := k.SSO.ImportMetadata(as, main.ID, md); err != nil {
		return err
	}
	if _, err := k.SSO.ImportMetadata(as, support.ID, md); err != nil {
		return err
	}
	on, breakGlass := true, byName["sue"].ID
	if _, err := k.SSO.Update(as, support.ID, sso.Update{Enabled: &on, AutoCreateUsers: &on, BreakGlassUserID: &breakGlass}); err != nil {
		return err
	}

	// Customization: a colour scheme and a language; "Acme Sales" has set
	// a hostname whose DNS records are not published yet (pending).
	if _, err := k.Accounts.SetTheme(as, main.ID, account.ThemeInput{Theme: account.ThemeCustom,
		Colors: map[string]string{"primary": "#0f766e"}}); err != nil {
		return err
	}
	if _, err := k.Accounts.SetLanguage(as, main.ID, "en"); err != nil {
		return err
	}
	if _, err := k.Accounts.SetLanguage(as, sales.ID, "de"); err != nil {
		return err
	}
	if _, err := k.Accounts.SetHostname(as, sales.ID, SamplePendingHostname); err != nil {
		return err
	}
	return nil
}

// sampleIdPMetadata is the SAML metadata of a sample identity provider,
// with a fresh self-signed ECDSA P-256 certificate (fast to make, unlike
// an RSA key).
func sampleIdPMetadata() ([]byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Acme sample IdP", Organization: []string{"Acme"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(2, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="` + SampleIdPEntityID + `">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>` + base64.StdEncoding.EncodeToString(der) + `</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.acme.example/saml/logout"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.acme.example/saml/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`), nil
}
