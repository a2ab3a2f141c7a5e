package saml

import (
	"crypto/rsa"
	"crypto/x509"
	"time"
)

// XML namespaces.
const (
	nsSAML   = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsSAMLP  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsMD     = "urn:oasis:names:tc:SAML:2.0:metadata"
	nsDSig   = "http://www.w3.org/2000/09/xmldsig#"
	nsXEnc   = "http://www.w3.org/2001/04/xmlenc#"
	nsXEnc11 = "http://www.w3.org/2009/xmlenc11#"
)

// SAML bindings, NameID formats and other protocol constants.
const (
	// BindingHTTPPost is the HTTP-POST binding URI.
	BindingHTTPPost = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
	// BindingHTTPRedirect is the HTTP-Redirect binding URI.
	BindingHTTPRedirect = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"

	// NameIDFormatEmailAddress is the emailAddress NameID format.
	NameIDFormatEmailAddress = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
	// NameIDFormatUnspecified is the unspecified NameID format, assumed when
	// a NameID carries no Format.
	NameIDFormatUnspecified = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
	// NameIDFormatPersistent is the persistent NameID format.
	NameIDFormatPersistent = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
	// NameIDFormatTransient is the transient NameID format.
	NameIDFormatTransient = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"

	// StatusSuccess is the top-level status code of a successful Response.
	StatusSuccess = "urn:oasis:names:tc:SAML:2.0:status:Success"
	// ConfirmationMethodBearer is the bearer SubjectConfirmation method.
	ConfirmationMethodBearer = "urn:oasis:names:tc:SAML:2.0:cm:bearer"

	// SigAlgRSASHA256 is the SigAlg used to sign Redirect-binding requests.
	SigAlgRSASHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"

	nameIDFormatEntity = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity"
)

// Defaults used when the corresponding field is zero.
const (
	// DefaultClockSkew is the clock skew tolerated when IdentityProvider.ClockSkew is 0.
	DefaultClockSkew = 180 * time.Second
	// DefaultRequestMaxAge is how long an AuthnRequest ID stays valid when
	// ServiceProvider.RequestMaxAge is 0.
	DefaultRequestMaxAge = 10 * time.Minute
	// DefaultMaxResponseSize bounds the base64 SAMLResponse form value when
	// ServiceProvider.MaxResponseSize is 0.
	DefaultMaxResponseSize = 512 << 10
	// MaxMetadataSize bounds the IdP metadata accepted by ParseIdPMetadata.
	MaxMetadataSize = 1 << 20
	// maxRelayState is the RelayState limit of the SAML bindings spec (3.4.3).
	maxRelayState = 80
	// maxXMLDepth bounds the nesting depth of any parsed document.
	maxXMLDepth = 48
	// maxXMLAttrs bounds the attributes and namespace declarations of one
	// element, and maxXMLNamespaces the namespace declarations of a
	// document, so that duplicate checks, prefix lookups and attribute
	// sorting stay cheap on hostile input.
	// Metadata aggregates (an EntitiesDescriptor) redeclare namespaces
	// in every entity, hence maxMetadataNamespaces.
	maxXMLAttrs           = 64
	maxXMLNamespaces      = 256
	maxMetadataNamespaces = 8192
)

// Clock tells the time. A nil Clock means time.Now.
type Clock interface {
	Now() time.Time
}

// SignatureLocation says which element an IdP must sign.
type SignatureLocation int

// The signature locations.
const (
	// SignatureEither (the zero value) requires a valid signature on the
	// Response or on the Assertion (or both).
	SignatureEither SignatureLocation = iota
	// SignatureAssertion requires the Assertion itself to be signed.
	SignatureAssertion
	// SignatureResponse requires the Response to be signed.
	SignatureResponse
	// SignatureBoth requires both the Response and the Assertion to be signed.
	SignatureBoth
)

// ServiceProvider is this application's side of SAML: it issues
// AuthnRequests, publishes metadata and validates Responses. It holds no
// mutable state of its own and is safe for concurrent use once configured.
type ServiceProvider struct {
	// EntityID is the SP entity ID, the Audience IdPs must name. Required.
	EntityID string
	// ACSURL is the Assertion Consumer Service URL (HTTP-POST). Required.
	ACSURL string
	// Key, if set, signs AuthnRequests and decrypts EncryptedAssertions.
	Key *rsa.PrivateKey
	// Certificate is the certificate of Key, published in the metadata.
	Certificate *x509.Certificate
	// RequestStore records issued request IDs. Required.
	RequestStore RequestStore
	// ReplayCache remembers used assertion IDs. Required.
	ReplayCache ReplayCache
	// Clock tells the time; nil means time.Now.
	Clock Clock
	// RequestMaxAge is how long a request ID can be answered; 0 means
	// DefaultRequestMaxAge.
	RequestMaxAge time.Duration
	// MaxResponseSize bounds the SAMLResponse form value in bytes; 0 means
	// DefaultMaxResponseSize.
	MaxResponseSize int
}

// IdentityProvider is the configuration of one IdP as trusted by this SP.
type IdentityProvider struct {
	// EntityID is the IdP entity ID; Issuers must equal it. Required.
	EntityID string
	// SSOURL is the IdP's HTTP-Redirect single sign-on endpoint.
	SSOURL string
	// SLOURL is the IdP's single logout endpoint, if any.
	SLOURL string
	// Certificates are the IdP signing certificates; several may be given
	// during a key rotation. With none, every response is refused.
	Certificates []*x509.Certificate
	// ClockSkew is the tolerated clock difference: 0 means
	// DefaultClockSkew, a negative value means none.
	ClockSkew time.Duration
	// AllowIdPInitiated accepts unsolicited (IdP-initiated) responses.
	AllowIdPInitiated bool
	// NameIDFormats, if not empty, lists the accepted NameID formats. A
	// NameID without Format counts as NameIDFormatUnspecified. The first
	// entry is also requested in AuthnRequests.
	NameIDFormats []string
	// SignatureLocation says which element must be signed.
	SignatureLocation SignatureLocation
}

// Assertion is what a validated Response establishes about the user. Every
// field comes from signature-verified XML.
type Assertion struct {
	// ID is the assertion ID.
	ID string
	// Issuer is the IdP entity ID.
	Issuer string
	// NameID is the subject's name identifier, whole text content.
	NameID string
	// NameIDFormat is the NameID Format (NameIDFormatUnspecified if absent).
	NameIDFormat string
	// SessionIndex is the IdP session index, for single logout.
	SessionIndex string
	// AuthnInstant is when the IdP authenticated the user.
	AuthnInstant time.Time
	// SessionNotOnOrAfter is when the IdP wants the session to end; zero if
	// not given.
	SessionNotOnOrAfter time.Time
	// Attributes maps attribute Name to its values.
	Attributes map[string][]string
	// NotBefore and NotOnOrAfter are the Conditions validity window; either
	// may be zero when absent.
	NotBefore, NotOnOrAfter time.Time
	// InResponseTo is the AuthnRequest ID answered; empty if IdP-initiated.
	InResponseTo string
}

func (sp *ServiceProvider) now() time.Time {
	if sp.Clock == nil {
		return time.Now().UTC()
	}
	return sp.Clock.Now().UTC()
}

func (sp *ServiceProvider) requestMaxAge() time.Duration {
	if sp.RequestMaxAge <= 0 {
		return DefaultRequestMaxAge
	}
	return sp.RequestMaxAge
}

func (sp *ServiceProvider) maxResponseSize() int {
	if sp.MaxResponseSize <= 0 {
		return DefaultMaxResponseSize
	}
	return sp.MaxResponseSize
}

func (sp *ServiceProvider) check() *Error {
	switch {
	case sp == nil:
		return failf(ReasonConfig, "nil ServiceProvider")
	case sp.EntityID == "":
		return failf(ReasonConfig, "ServiceProvider.EntityID is empty")
	case sp.ACSURL == "":
		return failf(ReasonConfig, "ServiceProvider.ACSURL is empty")
	case sp.RequestStore == nil:
		return failf(ReasonConfig, "ServiceProvider.RequestStore is nil")
	case sp.ReplayCache == nil:
		return failf(ReasonConfig, "ServiceProvider.ReplayCache is nil")
	}
	return nil
}

func (idp *IdentityProvider) check() *Error {
	switch {
	case idp == nil:
		return failf(ReasonConfig, "nil IdentityProvider")
	case idp.EntityID == "":
		return failf(ReasonConfig, "IdentityProvider.EntityID is empty")
	}
	return nil
}

func (idp *IdentityProvider) clockSkew() time.Duration {
	switch {
	case idp.ClockSkew == 0:
		return DefaultClockSkew
	case idp.ClockSkew < 0:
		return 0
	}
	return idp.ClockSkew
}
