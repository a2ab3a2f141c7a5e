// Package saml is the SAML 2.0 Web Browser SSO protocol engine of the
// service provider: SP metadata, IdP metadata import, AuthnRequests over
// HTTP-Redirect and validation of Responses received over HTTP-POST. It owns
// no storage and no HTTP routing; hosts supply a RequestStore and a
// ReplayCache (MemoryStore serves tests and single-instance hosts) and the
// sso package maps accounts to IdentityProvider configurations. It imports
// only the standard library and etree (to write metadata and AuthnRequests),
// and must not import other accountkit packages. Responses and metadata are
// read with the package's own XML parser (dom.go), and signatures verified
// with its own exclusive canonicaliser (c14n.go), tested against xmlsec1,
// xmllint and goxmldsig.
//
// # Response validation
//
// ServiceProvider.ValidateResponse returns an Assertion only when every
// check below holds. Each failure is an *Error whose Reason names the check;
// Error() is "saml: " + reason and never contains XML, input or secrets, and
// UserMessage is the one text for end users.
//
// Decoding and XML safety:
//   - the form value is at most MaxResponseSize bytes (too_large);
//   - it is base64 and decodes to XML, never DEFLATE (encoding_invalid);
//   - no DOCTYPE, DTD, ENTITY or other markup declaration, no processing
//     instruction other than the XML declaration (xml_dtd_forbidden);
//   - no CDATA section anywhere, and no comment inside an element that
//     holds text or has no child element, that is inside a value (NameID,
//     AttributeValue, Issuer, Audience, KeyInfo certificate, signature and
//     cipher values...): exclusive c14n drops comments and turns CDATA into
//     text, so "victim@corp.example.com<!---->.evil.example" verifies as
//     the signed "victim@corp.example.com.evil.example" while a reader of
//     the first text node, here or downstream, would see the victim; such
//     a value is refused rather than joined (xml_comment_forbidden), in the
//     Response and in a decrypted assertion alike. Comments between
//     elements are allowed and never read;
//   - the XML is namespace-well-formed: every name a QName (one colon at
//     most, no empty prefix or local part), every prefix bound, no
//     declaration of the xml or xmlns prefixes or namespaces, no empty
//     prefixed declaration, no two attributes with the same expanded name.
//     These are the constructs whose parse, serialise, parse round trip is
//     unstable under encoding/xml (the xml-roundtrip-validator advisories),
//     refused as xml_roundtrip_mismatch; the document is parsed once and
//     never serialised and parsed again;
//   - the XML is well formed (UTF-8, XML characters only, only the five
//     predefined entities, an XML declaration only at the start, version
//     1.0 and encoding UTF-8 if declared) and at most 48 levels deep; an
//     element has at most 64 attributes and namespace declarations, a
//     document at most 256 namespace declarations (8192 in metadata, which
//     aggregates entities), so that parsing and canonicalisation stay
//     linear on hostile input (xml_malformed);
//   - the root is a samlp:Response with Version 2.0, an ID and an
//     IssueInstant; required elements appear once (structure_invalid).
//
// Structure, against signature wrapping:
//   - the status is Success; it is read from the unverified Response only to
//     fail fast and read again from the verified one (status_not_success);
//   - no two elements share an ID, including IDs inside a decrypted
//     assertion (duplicate_id);
//   - the document holds no second Response (signature_wrapping) and
//     exactly one Assertion or EncryptedAssertion anywhere
//     (assertion_count), which is a direct child of the Response
//     (signature_wrapping);
//   - every ds:Signature is a direct child of the Response or the Assertion,
//     follows only its Issuer, at most one per element, holds only
//     SignedInfo, SignatureValue and KeyInfo (no Object) and exactly one
//     Reference whose URI is "#" + the parent's ID (signature_wrapping).
//
// Signature:
//   - only RSA-SHA256/384/512 and ECDSA-SHA256/384/512 (ASN.1 signature
//     values) signatures, SHA-256/384/512 digests, exclusive c14n without
//     comments as canonicalisation and as the only transform besides
//     enveloped-signature, with no parameter but an InclusiveNamespaces
//     PrefixList (honoured on both); SHA-1 and #WithComments are refused
//     (signature_algorithm_forbidden); a Reference has exactly one
//     DigestMethod and DigestValue (structure_invalid);
//   - the IdP has at least one certificate (idp_certificate_missing);
//   - a certificate in KeyInfo is only used to pick one of the configured
//     certificates and must equal one (certificate_untrusted); without
//     KeyInfo each configured certificate is tried, so keys can rotate; the
//     chosen certificate must be within its validity period
//     (certificate_expired);
//   - the signature verifies (signature_invalid); the policy of
//     IdentityProvider.SignatureLocation holds and an unsigned assertion is
//     accepted only inside a signed Response (signature_missing);
//   - the digest covers the exclusive canonical form of the signed element
//     without its Signature, written from the very tree the engine then
//     reads, so only signed content is read: the verified Response, or the
//     verified Assertion when only the Assertion is signed (the
//     unauthenticated outer Response then only serves to fail fast).
//     Canonicalisation keeps every element, attribute, namespace and text
//     node of the subtree and drops only comments, which the parser refuses
//     inside values and nothing reads elsewhere; FuzzParseXML checks that
//     the canonical form parses back to the same tree.
//
// Encryption:
//   - EncryptedAssertion uses RSA-OAEP key transport (xmlenc#rsa-oaep-mgf1p
//     or xmlenc11#rsa-oaep, SHA-1/256/384/512 digests, MGF1) and AES-128/192/
//     256 in GCM or CBC; RSA PKCS#1 v1.5 and anything else is refused
//     (encryption_algorithm_forbidden); decryption failures of any kind,
//     bad padding included, are one indistinguishable error
//     (decryption_failed); the decrypted assertion passes the same XML,
//     structure and signature checks.
//
// Content of the verified assertion and Response:
//   - Issuer of the assertion (required) and of the Response (if present)
//     equals the IdP entity ID, with entity format if given
//     (issuer_mismatch);
//   - Destination equals the ACS URL; required when the Response is signed
//     (destination_mismatch);
//   - Conditions exist; NotBefore and NotOnOrAfter hold with the clock skew
//     (not_yet_valid, expired); every AudienceRestriction names the SP
//     entity ID (audience_mismatch);
//   - a NameID exists and holds only text (name_id_invalid); its format
//     is accepted
//     (name_id_format_not_allowed);
//   - a bearer SubjectConfirmation exists (subject_confirmation_invalid)
//     whose data has Recipient = ACS URL (recipient_mismatch) and a future
//     NotOnOrAfter (expired);
//   - an AuthnStatement with AuthnInstant exists (authn_statement_missing);
//     SessionNotOnOrAfter, if given, has not passed (expired);
//   - InResponseTo comes from the verified SubjectConfirmationData; a
//     Response InResponseTo must agree with it (in_response_to_mismatch);
//     without one the response is IdP-initiated and refused unless
//     AllowIdPInitiated (unsolicited_response);
//   - the assertion ID is recorded in the ReplayCache until its last
//     NotOnOrAfter plus skew, atomically, and a second use is refused
//     (replayed);
//   - InResponseTo names a request this SP issued to this IdP, not expired,
//     and is consumed atomically exactly once (in_response_to_unknown);
//   - store failures are store_unavailable, configuration mistakes
//     config_invalid.
//
// Other reason codes: metadata_invalid (ParseIdPMetadata), relay_state_invalid
// (AuthnRequestURL).
//
// The host must still bind the login to the browser that started it (for
// example a cookie holding the request ID or RelayState) to prevent login
// CSRF; this package cannot see the browser.
package saml
