package saml

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	"time"
)

// ValidateResponse validates the raw SAMLResponse form value of an HTTP-POST
// binding response from idp and returns the authenticated Assertion. It
// returns an *Error naming the first failed check otherwise; doc.go lists
// every check. A successful call consumes the request ID the response
// answers and records the assertion ID in the ReplayCache, so the same
// response is accepted at most once.
func (sp *ServiceProvider) ValidateResponse(ctx context.Context, idp *IdentityProvider, samlResponse string) (*Assertion, error) {
	a, err := sp.validateResponse(ctx, idp, samlResponse)
	if err != nil {
		return nil, err
	}
	return a, nil
}

// validation carries the state of one ValidateResponse call.
type validation struct {
	sp   *ServiceProvider
	idp  *IdentityProvider
	now  time.Time
	skew time.Duration
	c14n canonicalizer
}

func (sp *ServiceProvider) validateResponse(ctx context.Context, idp *IdentityProvider, samlResponse string) (*Assertion, *Error) {
	if e := sp.check(); e != nil {
		return nil, e
	}
	if e := idp.check(); e != nil {
		return nil, e
	}
	if len(idp.Certificates) == 0 {
		return nil, failf(ReasonNoCertificate, "no IdP certificate configured")
	}
	v := &validation{sp: sp, idp: idp, now: sp.now(), skew: idp.clockSkew()}

	// Decoding: size, base64, XML (never DEFLATE on POST).
	if len(samlResponse) > sp.maxResponseSize() {
		return nil, failf(ReasonTooLarge, "SAMLResponse too large")
	}
	raw, err := base64.StdEncoding.DecodeString(stripSpace(samlResponse))
	if err != nil {
		return nil, fail(ReasonEncoding, err)
	}
	if !looksLikeXML(raw) {
		return nil, failf(ReasonEncoding, "decoded SAMLResponse is not XML")
	}
	// One buffer for every canonical form: the Response's is the largest.
	v.c14n.buf = make([]byte, 0, len(raw)+len(raw)/8)
	root, e := parseXML(raw, strictValues)
	if e != nil {
		return nil, e
	}
	if !is(root, nsSAMLP, "Response") {
		return nil, failf(ReasonStructure, "root is not a samlp:Response")
	}
	// Fail fast on a non-Success status; it is checked again on the
	// verified Response when the Response is signed.
	if e := checkStatus(root); e != nil {
		return nil, e
	}

	// Structure: IDs, wrapping, one assertion, signature placement.
	sc := scanDocument(root, nil)
	if sc.dupID {
		return nil, failf(ReasonDuplicateID, "duplicate ID")
	}
	if sc.responses != 1 {
		return nil, failf(ReasonSignatureWrapping, "nested Response")
	}
	if len(sc.assertions) != 1 {
		return nil, failf(ReasonAssertionCount, "not exactly one assertion")
	}
	asn := sc.assertions[0]
	if asn.parent != root {
		return nil, failf(ReasonSignatureWrapping, "assertion is not a child of the Response")
	}
	sigs, e := placeSignatures(sc.signatures, root, asn)
	if e != nil {
		return nil, e
	}
	respSig, asnSig := sigs[root], sigs[asn]
	encrypted := is(asn, nsSAML, "EncryptedAssertion")
	// Policy checks that need no verification come first.
	switch {
	case respSig == nil && (idp.SignatureLocation == SignatureResponse || idp.SignatureLocation == SignatureBoth):
		return nil, failf(ReasonSignatureMissing, "Response is not signed")
	case respSig == nil && asnSig == nil && !encrypted:
		return nil, failf(ReasonSignatureMissing, "neither Response nor Assertion is signed")
	}

	// The Response signature. The tree read from here on is the one whose
	// canonical form the digest covers: once the Response is verified,
	// everything under it is authenticated (its Signature aside).
	if respSig != nil {
		if e := v.verify(root, respSig); e != nil {
			return nil, e
		}
		if e := checkStatus(root); e != nil {
			return nil, e
		}
	}
	respIRT, e := v.checkResponse(root, respSig != nil)
	if e != nil {
		return nil, e
	}

	// Decryption: the plaintext assertion gets the same structural checks.
	if is(asn, nsSAML, "EncryptedAssertion") {
		if asn, asnSig, e = v.decrypt(asn, sc.ids); e != nil {
			return nil, e
		}
	}

	// The Assertion signature. The assertion read below is either the
	// verified Assertion or the assertion inside the verified Response.
	switch {
	case asnSig != nil:
		if e := v.verify(asn, asnSig); e != nil {
			return nil, e
		}
	case respSig == nil:
		return nil, failf(ReasonSignatureMissing, "assertion is not signed")
	case idp.SignatureLocation == SignatureAssertion || idp.SignatureLocation == SignatureBoth:
		return nil, failf(ReasonSignatureMissing, "assertion is not signed")
	}

	a, expires, e := v.readAssertion(asn)
	if e != nil {
		return nil, e
	}
	if respIRT != "" && respIRT != a.InResponseTo {
		return nil, failf(ReasonInResponseToMismatch, "Response and assertion InResponseTo differ")
	}
	if a.InResponseTo == "" && !idp.AllowIdPInitiated {
		return nil, failf(ReasonUnsolicited, "IdP-initiated response not allowed")
	}

	// One-time use: the assertion ID, then the request ID.
	first, err := sp.ReplayCache.MarkUsed(ctx, idp.EntityID+"\x00"+a.ID, expires, v.now)
	if err != nil {
		return nil, fail(ReasonStore, err)
	}
	if !first {
		return nil, failf(ReasonReplayed, "assertion already used")
	}
	if a.InResponseTo != "" {
		issuedTo, ok, err := sp.RequestStore.ConsumeRequest(ctx, a.InResponseTo, v.now)
		if err != nil {
			return nil, fail(ReasonStore, err)
		}
		if !ok || issuedTo != idp.EntityID {
			return nil, failf(ReasonInResponseToUnknown, "unknown, expired or consumed request ID")
		}
	}
	return a, nil
}

func looksLikeXML(b []byte) bool {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && b[0] == '<'
}

func checkStatus(resp *xnode) *Error {
	st, e := requiredChild(resp, nsSAMLP, "Status")
	if e != nil {
		return e
	}
	code, e := requiredChild(st, nsSAMLP, "StatusCode")
	if e != nil {
		return e
	}
	if v, _ := attr(code, "Value"); v != StatusSuccess {
		return failf(ReasonStatus, "status is not Success")
	}
	return nil
}

// docScan is what one pass over a document finds.
type docScan struct {
	ids        map[string]bool
	dupID      bool
	responses  int
	assertions []*xnode
	signatures []*xnode
}

// scanDocument walks the whole tree under root. IDs already in ids (from
// an enclosing document) count as duplicates.
func scanDocument(root *xnode, ids map[string]bool) *docScan {
	sc := &docScan{ids: make(map[string]bool, len(ids)+4)}
	for id := range ids {
		sc.ids[id] = true
	}
	walk(root, func(e *xnode) bool {
		for _, a := range e.attrs {
			if (a.prefix == "" && (a.local == "ID" || a.local == "Id" || a.local == "id")) || (a.prefix == "xml" && a.local == "id") {
				if sc.ids[a.value] {
					sc.dupID = true
				}
				sc.ids[a.value] = true
			}
		}
		switch ns := e.space; {
		case ns == nsSAMLP && e.local == "Response":
			sc.responses++
		case ns == nsSAML && (e.local == "Assertion" || e.local == "EncryptedAssertion"):
			sc.assertions = append(sc.assertions, e)
		case ns == nsDSig && e.local == elemSignature:
			sc.signatures = append(sc.signatures, e)
		}
		return true
	})
	return sc
}

// placeSignatures checks that every ds:Signature in the document is a
// direct child of one of the allowed parents, at most one each, and has the
// shape and algorithms of an enveloped signature over that parent.
func placeSignatures(sigs []*xnode, parents ...*xnode) (map[*xnode]*signature, *Error) {
	out := make(map[*xnode]*signature, 2)
	for _, s := range sigs {
		p := s.parent
		allowed := false
		for _, ap := range parents {
			if p == ap && is(ap, nsSAML, "EncryptedAssertion") {
				break
			}
			if p == ap {
				allowed = true
			}
		}
		if !allowed {
			return nil, failf(ReasonSignatureWrapping, "signature in an unexpected place")
		}
		if out[p] != nil {
			return nil, failf(ReasonSignatureWrapping, "two signatures on one element")
		}
		out[p] = &signature{el: s}
	}
	for p, s := range out {
		checked, e := checkSignatureElement(p, s.el)
		if e != nil {
			return nil, e
		}
		out[p] = checked
	}
	return out, nil
}

// checkResponse checks the Response-level fields. resp is the verified
// Response when signed, otherwise the unauthenticated one, whose fields then
// only serve to fail fast. It returns the Response's InResponseTo.
func (v *validation) checkResponse(resp *xnode, signed bool) (string, *Error) {
	if ver, _ := attr(resp, "Version"); ver != "2.0" {
		return "", failf(ReasonStructure, "Response Version is not 2.0")
	}
	if id, _ := attr(resp, "ID"); id == "" {
		return "", failf(ReasonStructure, "Response without ID")
	}
	issued, e := parseTimeAttr(resp, "IssueInstant", true)
	if e != nil {
		return "", e
	}
	if issued.After(v.now.Add(v.skew)) {
		return "", failf(ReasonNotYetValid, "Response issued in the future")
	}
	dest, ok := attr(resp, "Destination")
	if (signed && !ok) || (ok && dest != v.sp.ACSURL) {
		return "", failf(ReasonDestination, "Destination is not the ACS URL")
	}
	iss, e := child(resp, nsSAML, "Issuer")
	if e != nil {
		return "", e
	}
	if iss != nil {
		if e := v.checkIssuer(iss); e != nil {
			return "", e
		}
	}
	irt, _ := attr(resp, "InResponseTo")
	return irt, nil
}

func (v *validation) checkIssuer(iss *xnode) *Error {
	if f, ok := attr(iss, "Format"); ok && f != nameIDFormatEntity {
		return failf(ReasonIssuer, "Issuer Format is not entity")
	}
	text, ok, e := valueText(iss)
	if e != nil {
		return e
	}
	if !ok || strings.TrimSpace(text) != v.idp.EntityID {
		return failf(ReasonIssuer, "Issuer is not the IdP entity ID")
	}
	return nil
}

// decrypt decrypts an EncryptedAssertion and returns the plaintext Assertion
// and its signature element (nil if unsigned) after the structural checks.
func (v *validation) decrypt(ea *xnode, outerIDs map[string]bool) (*xnode, *signature, *Error) {
	plain, e := decryptAssertion(v.sp.Key, ea)
	if e != nil {
		return nil, nil, e
	}
	if len(plain) > v.sp.maxResponseSize() || !looksLikeXML(plain) {
		return nil, nil, fail(ReasonDecryption, errDecrypt)
	}
	asn, e := parseXML(plain, strictValues)
	if e != nil {
		if e.Reason == ReasonDTD || e.Reason == ReasonXMLComment {
			return nil, nil, e
		}
		return nil, nil, fail(ReasonDecryption, errDecrypt)
	}
	if !is(asn, nsSAML, "Assertion") {
		return nil, nil, fail(ReasonDecryption, errDecrypt)
	}
	sc := scanDocument(asn, outerIDs)
	switch {
	case sc.dupID:
		return nil, nil, failf(ReasonDuplicateID, "duplicate ID")
	case sc.responses != 0:
		return nil, nil, failf(ReasonSignatureWrapping, "Response inside assertion")
	case len(sc.assertions) != 1:
		return nil, nil, failf(ReasonAssertionCount, "not exactly one assertion")
	}
	sigs, e := placeSignatures(sc.signatures, asn)
	if e != nil {
		return nil, nil, e
	}
	return asn, sigs[asn], nil
}

// readAssertion checks the verified assertion a and extracts its contents.
// It returns the time until which the assertion ID must be remembered.
func (v *validation) readAssertion(a *xnode) (*Assertion, time.Time, *Error) {
	now, skew := v.now, v.skew
	out := &Assertion{Attributes: map[string][]string{}}
	if ver, _ := attr(a, "Version"); ver != "2.0" {
		return nil, time.Time{}, failf(ReasonStructure, "Assertion Version is not 2.0")
	}
	out.ID, _ = attr(a, "ID")
	if out.ID == "" {
		return nil, time.Time{}, failf(ReasonStructure, "Assertion without ID")
	}
	issued, e := parseTimeAttr(a, "IssueInstant", true)
	if e != nil {
		return nil, time.Time{}, e
	}
	if issued.After(now.Add(skew)) {
		return nil, time.Time{}, failf(ReasonNotYetValid, "Assertion issued in the future")
	}

	// Issuer.
	iss, e := child(a, nsSAML, "Issuer")
	if e != nil {
		return nil, time.Time{}, e
	}
	if iss == nil {
		return nil, time.Time{}, failf(ReasonIssuer, "Assertion without Issuer")
	}
	if e := v.checkIssuer(iss); e != nil {
		return nil, time.Time{}, e
	}
	out.Issuer = v.idp.EntityID

	// Conditions: validity window and audience.
	cond, e := child(a, nsSAML, "Conditions")
	if e != nil {
		return nil, time.Time{}, e
	}
	if cond == nil {
		return nil, time.Time{}, failf(ReasonAudience, "no Conditions")
	}
	if out.NotBefore, e = parseTimeAttr(cond, "NotBefore", false); e != nil {
		return nil, time.Time{}, e
	}
	if out.NotOnOrAfter, e = parseTimeAttr(cond, "NotOnOrAfter", false); e != nil {
		return nil, time.Time{}, e
	}
	if !out.NotBefore.IsZero() && now.Add(skew).Before(out.NotBefore) {
		return nil, time.Time{}, failf(ReasonNotYetValid, "Conditions NotBefore in the future")
	}
	if !out.NotOnOrAfter.IsZero() && !now.Before(out.NotOnOrAfter.Add(skew)) {
		return nil, time.Time{}, failf(ReasonExpired, "Conditions NotOnOrAfter passed")
	}
	ars := children(cond, nsSAML, "AudienceRestriction")
	if len(ars) == 0 {
		return nil, time.Time{}, failf(ReasonAudience, "no AudienceRestriction")
	}
	for _, ar := range ars {
		found := false
		for _, au := range children(ar, nsSAML, "Audience") {
			t, ok, e := valueText(au)
			if e != nil {
				return nil, time.Time{}, e
			}
			if ok && strings.TrimSpace(t) == v.sp.EntityID {
				found = true
				break
			}
		}
		if !found {
			return nil, time.Time{}, failf(ReasonAudience, "SP is not an audience")
		}
	}

	// Subject: NameID and bearer confirmation.
	subj, e := requiredChild(a, nsSAML, "Subject")
	if e != nil {
		return nil, time.Time{}, fail(ReasonNameID, e)
	}
	nid, e := requiredChild(subj, nsSAML, "NameID")
	if e != nil {
		return nil, time.Time{}, fail(ReasonNameID, e)
	}
	text, ok, e := valueText(nid)
	if e != nil {
		return nil, time.Time{}, e
	}
	out.NameID = strings.TrimSpace(text)
	if !ok || out.NameID == "" {
		return nil, time.Time{}, failf(ReasonNameID, "NameID empty or not text")
	}
	out.NameIDFormat, _ = attr(nid, "Format")
	if out.NameIDFormat == "" {
		out.NameIDFormat = NameIDFormatUnspecified
	}
	if len(v.idp.NameIDFormats) > 0 && !contains(v.idp.NameIDFormats, out.NameIDFormat) {
		return nil, time.Time{}, failf(ReasonNameIDFormat, "NameID format not accepted")
	}
	scdEnd, irt, e := v.checkConfirmation(subj)
	if e != nil {
		return nil, time.Time{}, e
	}
	out.InResponseTo = irt

	// AuthnStatement.
	as := children(a, nsSAML, "AuthnStatement")
	if len(as) == 0 {
		return nil, time.Time{}, failf(ReasonAuthnStatement, "no AuthnStatement")
	}
	if out.AuthnInstant, e = parseTimeAttr(as[0], "AuthnInstant", true); e != nil {
		return nil, time.Time{}, fail(ReasonAuthnStatement, e)
	}
	out.SessionIndex, _ = attr(as[0], "SessionIndex")
	if out.SessionNotOnOrAfter, e = parseTimeAttr(as[0], "SessionNotOnOrAfter", false); e != nil {
		return nil, time.Time{}, e
	}
	if !out.SessionNotOnOrAfter.IsZero() && !now.Before(out.SessionNotOnOrAfter.Add(skew)) {
		return nil, time.Time{}, failf(ReasonExpired, "SessionNotOnOrAfter passed")
	}

	// Attributes.
	for _, st := range children(a, nsSAML, "AttributeStatement") {
		for _, at := range children(st, nsSAML, "Attribute") {
			name, _ := attr(at, "Name")
			if name == "" {
				return nil, time.Time{}, failf(ReasonStructure, "Attribute without Name")
			}
			for _, av := range children(at, nsSAML, "AttributeValue") {
				t, ok, e := valueText(av)
				if e != nil {
					return nil, time.Time{}, e
				}
				if ok {
					out.Attributes[name] = append(out.Attributes[name], t)
				}
			}
		}
	}

	expires := scdEnd
	if out.NotOnOrAfter.After(expires) {
		expires = out.NotOnOrAfter
	}
	return out, expires.Add(skew), nil
}

// checkConfirmation finds a bearer SubjectConfirmation whose data is
// addressed to the ACS URL and still valid. It returns its NotOnOrAfter and
// InResponseTo. When none qualifies, the failure of the first bearer
// confirmation is returned.
func (v *validation) checkConfirmation(subj *xnode) (time.Time, string, *Error) {
	var first *Error
	for _, sc := range children(subj, nsSAML, "SubjectConfirmation") {
		if m, _ := attr(sc, "Method"); m != ConfirmationMethodBearer {
			continue
		}
		end, irt, e := v.checkBearer(sc)
		if e == nil {
			return end, irt, nil
		}
		if first == nil {
			first = e
		}
	}
	if first == nil {
		first = failf(ReasonSubjectConfirmation, "no bearer SubjectConfirmation")
	}
	return time.Time{}, "", first
}

func (v *validation) checkBearer(sc *xnode) (time.Time, string, *Error) {
	data, e := requiredChild(sc, nsSAML, "SubjectConfirmationData")
	if e != nil {
		return time.Time{}, "", fail(ReasonSubjectConfirmation, e)
	}
	if r, _ := attr(data, "Recipient"); r != v.sp.ACSURL {
		return time.Time{}, "", failf(ReasonRecipient, "Recipient is not the ACS URL")
	}
	end, e := parseTimeAttr(data, "NotOnOrAfter", true)
	if e != nil {
		return time.Time{}, "", fail(ReasonSubjectConfirmation, e)
	}
	if !v.now.Before(end.Add(v.skew)) {
		return time.Time{}, "", failf(ReasonExpired, "SubjectConfirmationData NotOnOrAfter passed")
	}
	nb, e := parseTimeAttr(data, "NotBefore", false)
	if e != nil {
		return time.Time{}, "", fail(ReasonSubjectConfirmation, e)
	}
	if !nb.IsZero() && v.now.Add(v.skew).Before(nb) {
		return time.Time{}, "", failf(ReasonNotYetValid, "SubjectConfirmationData NotBefore in the future")
	}
	irt, _ := attr(data, "InResponseTo")
	return end, irt, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
