package saml

import "errors"

// Reason is the stable code of one failed check. Its string value is meant for
// logs and the audit log and never changes; it carries no input data.
type Reason string

// The reason codes, one per check. doc.go lists which check yields which code.
const (
	// ReasonConfig: the ServiceProvider or IdentityProvider is incomplete.
	ReasonConfig Reason = "config_invalid"
	// ReasonTooLarge: the input exceeds the size limit.
	ReasonTooLarge Reason = "too_large"
	// ReasonEncoding: the input is not base64, or not XML once decoded
	// (for example DEFLATE-compressed, which the POST binding forbids).
	ReasonEncoding Reason = "encoding_invalid"
	// ReasonMalformedXML: the XML is not well formed.
	ReasonMalformedXML Reason = "xml_malformed"
	// ReasonDTD: the XML carries a DOCTYPE, DTD, entity declaration or
	// processing instruction.
	ReasonDTD Reason = "xml_dtd_forbidden"
	// ReasonXMLComment: a comment, CDATA section or processing instruction
	// inside an element whose text is read (NameID, AttributeValue, Issuer,
	// Audience, KeyInfo certificate, signature and cipher values...).
	ReasonXMLComment Reason = "xml_comment_forbidden"
	// ReasonRoundTrip: the XML is not namespace-well-formed (names that
	// are not QNames, unbound prefixes, xml/xmlns declarations, two
	// attributes with one expanded name): the constructs that do not
	// survive an encoding/xml parse, serialise, parse round trip.
	ReasonRoundTrip Reason = "xml_roundtrip_mismatch"
	// ReasonStructure: a required element or attribute is missing, repeated,
	// misplaced or unparsable (wrong root, Version, timestamps...).
	ReasonStructure Reason = "structure_invalid"
	// ReasonDuplicateID: two elements of the document carry the same ID.
	ReasonDuplicateID Reason = "duplicate_id"
	// ReasonAssertionCount: the document does not contain exactly one
	// Assertion or EncryptedAssertion.
	ReasonAssertionCount Reason = "assertion_count"
	// ReasonSignatureMissing: no signature where the configuration needs one.
	ReasonSignatureMissing Reason = "signature_missing"
	// ReasonSignatureWrapping: a signature is not a direct child of the
	// element it signs, references another element, or sits where no
	// signature may be (Extensions, Object, a nested Response...).
	ReasonSignatureWrapping Reason = "signature_wrapping"
	// ReasonSignatureAlgorithm: a signature, digest, canonicalisation or
	// transform algorithm outside the allowlist (SHA-1, #WithComments...).
	ReasonSignatureAlgorithm Reason = "signature_algorithm_forbidden"
	// ReasonNoCertificate: the IdentityProvider has no certificate configured.
	ReasonNoCertificate Reason = "idp_certificate_missing"
	// ReasonCertificateUntrusted: KeyInfo carries a certificate that is not
	// one of the configured IdP certificates.
	ReasonCertificateUntrusted Reason = "certificate_untrusted"
	// ReasonCertificateExpired: the configured certificate that matches is
	// outside its validity period.
	ReasonCertificateExpired Reason = "certificate_expired"
	// ReasonSignatureInvalid: the signature does not verify.
	ReasonSignatureInvalid Reason = "signature_invalid"
	// ReasonEncryptionAlgorithm: an encryption algorithm outside the
	// allowlist (RSA PKCS#1 v1.5 key transport...).
	ReasonEncryptionAlgorithm Reason = "encryption_algorithm_forbidden"
	// ReasonDecryption: an EncryptedAssertion could not be decrypted.
	ReasonDecryption Reason = "decryption_failed"
	// ReasonStatus: the Response status is not Success.
	ReasonStatus Reason = "status_not_success"
	// ReasonIssuer: an Issuer is not the IdP entity ID.
	ReasonIssuer Reason = "issuer_mismatch"
	// ReasonDestination: the Response Destination is not the ACS URL.
	ReasonDestination Reason = "destination_mismatch"
	// ReasonAudience: no AudienceRestriction names the SP entity ID.
	ReasonAudience Reason = "audience_mismatch"
	// ReasonRecipient: the bearer SubjectConfirmationData Recipient is not
	// the ACS URL.
	ReasonRecipient Reason = "recipient_mismatch"
	// ReasonSubjectConfirmation: no usable bearer SubjectConfirmation.
	ReasonSubjectConfirmation Reason = "subject_confirmation_invalid"
	// ReasonExpired: a NotOnOrAfter bound has passed.
	ReasonExpired Reason = "expired"
	// ReasonNotYetValid: a NotBefore bound or IssueInstant lies in the future.
	ReasonNotYetValid Reason = "not_yet_valid"
	// ReasonInResponseToMismatch: the Response and the assertion disagree
	// about the request they answer.
	ReasonInResponseToMismatch Reason = "in_response_to_mismatch"
	// ReasonInResponseToUnknown: InResponseTo names no pending request of
	// this SP and IdP (unknown, expired or already consumed).
	ReasonInResponseToUnknown Reason = "in_response_to_unknown"
	// ReasonUnsolicited: an IdP-initiated response while the IdP does not
	// allow them.
	ReasonUnsolicited Reason = "unsolicited_response"
	// ReasonReplayed: the assertion ID was already used.
	ReasonReplayed Reason = "replayed"
	// ReasonNameID: the Subject has no usable NameID.
	ReasonNameID Reason = "name_id_invalid"
	// ReasonNameIDFormat: the NameID format is not accepted for this IdP.
	ReasonNameIDFormat Reason = "name_id_format_not_allowed"
	// ReasonAuthnStatement: the assertion has no usable AuthnStatement.
	ReasonAuthnStatement Reason = "authn_statement_missing"
	// ReasonStore: the RequestStore or ReplayCache failed.
	ReasonStore Reason = "store_unavailable"
	// ReasonMetadata: IdP metadata lacks something required or is malformed.
	ReasonMetadata Reason = "metadata_invalid"
	// ReasonRelayState: the RelayState exceeds 80 bytes.
	ReasonRelayState Reason = "relay_state_invalid"
)

// UserMessage is the message to show an end user for any SAML failure. It
// deliberately says nothing about which check failed.
const UserMessage = "Single sign-on failed. Please try again, or contact your administrator if the problem persists."

// Error is the only error type this package returns. Reason says which check
// failed; Error() returns only the package prefix and the reason code, never
// input data, XML or key material. The wrapped cause (Unwrap) is for operator
// logs only: it may quote attacker-controlled text such as algorithm URIs.
type Error struct {
	// Reason is the failed check.
	Reason Reason
	cause  error
}

// Error returns "saml: <reason>".
func (e *Error) Error() string { return "saml: " + string(e.Reason) }

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error { return e.cause }

// UserMessage returns the generic message for end users.
func (e *Error) UserMessage() string { return UserMessage }

// ReasonOf returns the Reason of err if it is (or wraps) an *Error, and the
// empty Reason otherwise.
func ReasonOf(err error) Reason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

func fail(r Reason, cause error) *Error { return &Error{Reason: r, cause: cause} }

func failf(r Reason, msg string) *Error { return &Error{Reason: r, cause: errors.New(msg)} }
