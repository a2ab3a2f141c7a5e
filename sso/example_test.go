package sso_test

import (
	"context"
	"fmt"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/sso"
	"github.com/accountkit/accountkit/storage/memory"
)

func ExampleService() {
	store := memory.New()
	defer store.Close()
	// BaseURL is where the host serves kit's handler.
	k, _ := kit.New(kit.Options{Store: store, SSO: sso.Options{BaseURL: "https://app.example.com"}})

	system := security.AsSystem(context.Background())
	acme, _ := k.Accounts.CreateMain(system, account.CreateInput{Name: "Acme", Slug: "acme"})

	// The Account Manager reads the values to give the IdP administrator...
	v, _ := k.SSO.Config(system, acme.ID)
	fmt.Println(v.URLs.SPEntityID)
	fmt.Println(v.URLs.ACSURL)

	// ... and enters the IdP's (a certificate is needed to enable SSO).
	idp, login := "https://sts.example.net/acme/", "https://sts.example.net/acme/saml2"
	_, err := k.SSO.Update(system, acme.ID, sso.Update{IdPEntityID: &idp, IdPLoginURL: &login, Enabled: ptr(true)})
	fmt.Println(err)

	// Users sign in at the initiation URL.
	fmt.Println(v.URLs.InitiationURL)
	// Output:
	// https://app.example.com/login/saml/acme/metadata
	// https://app.example.com/login/saml/acme/acs
	// invalid: idp_certificates: at least one certificate is required to enable single sign-on
	// https://app.example.com/login/saml/acme/
}

func ptr[T any](v T) *T { return &v }
