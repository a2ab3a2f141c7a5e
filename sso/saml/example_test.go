package saml_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"strings"

	"github.com/accountkit/accountkit/sso/saml"
)

// Example shows the SP side of a login: publish metadata, import the IdP's
// metadata, redirect the browser with an AuthnRequest, then validate the
// SAMLResponse the browser posts back.
func Example() {
	ctx := context.Background()
	store := saml.NewMemoryStore()
	sp := &saml.ServiceProvider{
		EntityID:     "https://app.example.com/saml/metadata",
		ACSURL:       "https://app.example.com/saml/acs",
		RequestStore: store,
		ReplayCache:  store,
	}

	// 1. The metadata an administrator uploads to the IdP.
	md, err := sp.Metadata()
	if err != nil {
		panic(err)
	}
	fmt.Println(strings.Contains(string(md), `Location="https://app.example.com/saml/acs"`))

	// 2. The IdP as configured for one account. With real metadata:
	//    m, err := saml.ParseIdPMetadata(body); idp := m.IdentityProvider()
	idp := &saml.IdentityProvider{
		EntityID:     "https://idp.example.org/metadata",
		SSOURL:       "https://idp.example.org/sso",
		Certificates: []*x509.Certificate{}, // the IdP signing certificates
	}

	// 3. Send the browser to the IdP.
	redirect, requestID, err := sp.AuthnRequestURL(ctx, idp, "/after-login")
	if err != nil {
		panic(err)
	}
	fmt.Println(strings.HasPrefix(redirect, "https://idp.example.org/sso?SAMLRequest="), requestID != "")

	// 4. Validate what the browser posts to the ACS URL. Without a
	//    configured IdP certificate every response is refused.
	_, err = sp.ValidateResponse(ctx, idp, "PHNhbWxwOlJlc3BvbnNlLz4=")
	fmt.Println(saml.ReasonOf(err))
	// Output:
	// true
	// true true
	// idp_certificate_missing
}
