package saml

import (
	"crypto"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"strings"
)

// Allowed XML signature algorithms. Everything else, notably SHA-1 and the
// #WithComments canonicalisations, is refused.
var (
	allowedSignatureMethods = map[string]x509.SignatureAlgorithm{
		"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256":   x509.SHA256WithRSA,
		"http://www.w3.org/2001/04/xmldsig-more#rsa-sha384":   x509.SHA384WithRSA,
		"http://www.w3.org/2001/04/xmldsig-more#rsa-sha512":   x509.SHA512WithRSA,
		"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256": x509.ECDSAWithSHA256,
		"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384": x509.ECDSAWithSHA384,
		"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512": x509.ECDSAWithSHA512,
	}
	allowedDigestMethods = map[string]crypto.Hash{
		"http://www.w3.org/2001/04/xmlenc#sha256":       crypto.SHA256,
		"http://www.w3.org/2001/04/xmldsig-more#sha384": crypto.SHA384,
		"http://www.w3.org/2001/04/xmlenc#sha512":       crypto.SHA512,
	}
)

const (
	algExcC14N    = "http://www.w3.org/2001/10/xml-exc-c14n#"
	algEnveloped  = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
	nsExcC14N     = "http://www.w3.org/2001/10/xml-exc-c14n#"
	elemSignature = "Signature"
)

// signature is a ds:Signature whose shape checkSignatureElement accepted,
// with what verification needs.
type signature struct {
	el          *xnode // the ds:Signature element
	signedInfo  *xnode
	siPrefixes  []string // InclusiveNamespaces of CanonicalizationMethod
	refPrefixes []string // InclusiveNamespaces of the exclusive c14n Transform
	method      x509.SignatureAlgorithm
	digest      crypto.Hash
	digestValue string
	value       string
	keyInfo     *xnode
}

// checkSignatureElement checks that sig, a ds:Signature that is a direct
// child of parent, has the shape of an enveloped SAML signature over parent:
// it follows only an Issuer, holds exactly SignedInfo, SignatureValue and an
// optional KeyInfo, one Reference whose URI is "#" + parent's ID, and only
// allowlisted algorithms.
func checkSignatureElement(parent, sig *xnode) (*signature, *Error) {
	id, _ := attr(parent, "ID")
	if id == "" {
		return nil, failf(ReasonStructure, "signed element has no ID")
	}
	for c := parent.first; c != nil && c != sig; c = c.next {
		if !c.isText && !is(c, nsSAML, "Issuer") {
			return nil, failf(ReasonSignatureWrapping, "signature not right after Issuer")
		}
	}
	out := &signature{el: sig}
	var sigValue *xnode
	for c := sig.first; c != nil; c = c.next {
		if c.isText {
			continue
		}
		var slot **xnode
		switch {
		case is(c, nsDSig, "SignedInfo"):
			slot = &out.signedInfo
		case is(c, nsDSig, "SignatureValue"):
			slot = &sigValue
		case is(c, nsDSig, "KeyInfo"):
			slot = &out.keyInfo
		default:
			return nil, failf(ReasonSignatureWrapping, "unexpected element in Signature")
		}
		if *slot != nil {
			return nil, failf(ReasonSignatureWrapping, "repeated Signature child")
		}
		*slot = c
	}
	if out.signedInfo == nil || sigValue == nil {
		return nil, failf(ReasonSignatureWrapping, "Signature shape")
	}
	var e *Error
	if out.value, e = base64Value(sigValue); e != nil {
		return nil, e
	}

	var c14n, method, ref *xnode
	for c := out.signedInfo.first; c != nil; c = c.next {
		switch {
		case c.isText:
		case is(c, nsDSig, "CanonicalizationMethod") && c14n == nil:
			c14n = c
		case is(c, nsDSig, "SignatureMethod") && method == nil:
			method = c
		case is(c, nsDSig, "Reference"):
			if ref != nil {
				return nil, failf(ReasonSignatureWrapping, "SignedInfo must hold one Reference")
			}
			ref = c
		default:
			return nil, failf(ReasonSignatureWrapping, "unexpected element in SignedInfo")
		}
	}
	if c14n == nil || method == nil || ref == nil {
		return nil, failf(ReasonSignatureWrapping, "SignedInfo must hold one Reference")
	}
	if v, _ := attr(c14n, "Algorithm"); v != algExcC14N {
		return nil, failf(ReasonSignatureAlgorithm, "canonicalization "+v)
	}
	if out.siPrefixes, e = inclusivePrefixes(c14n); e != nil {
		return nil, e
	}
	v, _ := attr(method, "Algorithm")
	alg, ok := allowedSignatureMethods[v]
	if !ok {
		return nil, failf(ReasonSignatureAlgorithm, "signature method "+v)
	}
	out.method = alg
	if method.first != nil && len(method.elements()) > 0 {
		return nil, failf(ReasonSignatureAlgorithm, "unexpected signature method parameter")
	}
	if uri, _ := attr(ref, "URI"); uri != "#"+id {
		return nil, failf(ReasonSignatureWrapping, "reference does not point at the enclosing element")
	}
	var transforms, digest, digestValue *xnode
	for c := ref.first; c != nil; c = c.next {
		switch {
		case c.isText:
		case is(c, nsDSig, "Transforms") && transforms == nil:
			transforms = c
		case is(c, nsDSig, "DigestMethod") && digest == nil:
			digest = c
		case is(c, nsDSig, "DigestValue") && digestValue == nil:
			digestValue = c
		default:
			return nil, failf(ReasonSignatureWrapping, "unexpected element in Reference")
		}
	}
	if digest == nil || digestValue == nil {
		return nil, failf(ReasonStructure, "missing DigestMethod or DigestValue")
	}
	v, _ = attr(digest, "Algorithm")
	if out.digest, ok = allowedDigestMethods[v]; !ok {
		return nil, failf(ReasonSignatureAlgorithm, "digest "+v)
	}
	if out.digestValue, e = base64Value(digestValue); e != nil {
		return nil, e
	}
	if transforms == nil {
		return nil, failf(ReasonSignatureAlgorithm, "no canonicalization transform")
	}
	var algs []string
	for _, t := range transforms.elements() {
		if !is(t, nsDSig, "Transform") {
			return nil, failf(ReasonSignatureWrapping, "unexpected element in Transforms")
		}
		v, _ := attr(t, "Algorithm")
		algs = append(algs, v)
		if v == algExcC14N {
			if out.refPrefixes, e = inclusivePrefixes(t); e != nil {
				return nil, e
			}
		} else if len(t.elements()) > 0 {
			return nil, failf(ReasonSignatureAlgorithm, "unexpected transform parameter")
		}
	}
	ok = (len(algs) == 1 && algs[0] == algExcC14N) ||
		(len(algs) == 2 && algs[0] == algEnveloped && algs[1] == algExcC14N)
	if !ok {
		return nil, failf(ReasonSignatureAlgorithm, "transforms "+strings.Join(algs, " "))
	}
	return out, nil
}

// inclusivePrefixes returns the PrefixList of the only child of an exclusive
// c14n CanonicalizationMethod or Transform, an ec:InclusiveNamespaces, if
// any; "#default" becomes "".
func inclusivePrefixes(m *xnode) ([]string, *Error) {
	els := m.elements()
	if len(els) == 0 {
		return nil, nil
	}
	if len(els) > 1 || !is(els[0], nsExcC14N, "InclusiveNamespaces") || els[0].first != nil {
		return nil, failf(ReasonSignatureAlgorithm, "unexpected transform parameter")
	}
	list, _ := attr(els[0], "PrefixList")
	prefixes := strings.Fields(list)
	for i, p := range prefixes {
		if p == "#default" {
			prefixes[i] = ""
		}
	}
	return prefixes, nil
}

// base64Value returns the text of a DigestValue or SignatureValue.
func base64Value(e *xnode) (string, *Error) {
	text, ok, err := valueText(e)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", failf(ReasonSignatureWrapping, "element inside a signature value")
	}
	return stripSpace(text), nil
}

// verify checks the enveloped signature sig of el against the IdP
// certificates. It digests the exclusive canonical form of el without the
// Signature, from the same parsed tree the engine reads afterwards, so
// what is read is what was signed (comments, the only content c14n drops,
// are refused inside values by the parser). A certificate in KeyInfo is
// never trusted by itself: it must equal a configured certificate; without
// KeyInfo each configured certificate is tried.
func (v *validation) verify(el *xnode, sig *signature) *Error {
	certs := v.idp.Certificates
	if len(certs) == 0 {
		return failf(ReasonNoCertificate, "no IdP certificate configured")
	}
	candidates := certs
	if sig.keyInfo != nil {
		c, err := keyInfoCertificate(sig.keyInfo, certs)
		if err != nil {
			return err
		}
		candidates = []*x509.Certificate{c}
	}
	last := failf(ReasonNoCertificate, "no usable IdP certificate")
	usable := candidates[:0:0]
	for _, c := range candidates {
		switch {
		case c == nil:
		case v.now.Before(c.NotBefore) || v.now.After(c.NotAfter):
			last = failf(ReasonCertificateExpired, "certificate outside its validity period")
		default:
			usable = append(usable, c)
		}
	}
	if len(usable) == 0 {
		return last
	}

	want, err := base64.StdEncoding.DecodeString(sig.digestValue)
	if err != nil {
		return fail(ReasonSignatureInvalid, err)
	}
	h := sig.digest.New()
	h.Write(v.c14n.canonicalize(el, sig.el, sig.refPrefixes))
	if subtle.ConstantTimeCompare(h.Sum(nil), want) != 1 {
		return failf(ReasonSignatureInvalid, "digest mismatch")
	}
	value, err := base64.StdEncoding.DecodeString(sig.value)
	if err != nil {
		return fail(ReasonSignatureInvalid, err)
	}
	signedInfo := v.c14n.canonicalize(sig.signedInfo, nil, sig.siPrefixes)
	for _, c := range usable {
		if err := c.CheckSignature(sig.method, signedInfo, value); err != nil {
			last = fail(ReasonSignatureInvalid, err)
			continue
		}
		return nil
	}
	return last
}

// keyInfoCertificate returns the configured certificate equal to the one in
// KeyInfo. KeyInfo must hold exactly one X509Data whose first certificate
// is the one used.
func keyInfoCertificate(ki *xnode, certs []*x509.Certificate) (*x509.Certificate, *Error) {
	xd := children(ki, nsDSig, "X509Data")
	if len(xd) != 1 {
		return nil, failf(ReasonCertificateUntrusted, "KeyInfo without exactly one X509Data")
	}
	xc, _ := firstChild(xd[0], nsDSig, "X509Certificate")
	if xc == nil {
		return nil, failf(ReasonCertificateUntrusted, "KeyInfo without certificate")
	}
	text, _, e := valueText(xc)
	if e != nil {
		return nil, e
	}
	der, err := base64.StdEncoding.DecodeString(stripSpace(text))
	if err != nil {
		return nil, fail(ReasonCertificateUntrusted, err)
	}
	for _, c := range certs {
		if c != nil && string(c.Raw) == string(der) {
			return c, nil
		}
	}
	return nil, failf(ReasonCertificateUntrusted, "KeyInfo certificate is not a configured IdP certificate")
}

// firstChild returns the first child element {ns}local of e.
func firstChild(e *xnode, ns, local string) (*xnode, bool) {
	for c := e.first; c != nil; c = c.next {
		if is(c, ns, local) {
			return c, true
		}
	}
	return nil, false
}

// stripSpace removes all XML whitespace from s.
func stripSpace(s string) string {
	if !strings.ContainsAny(s, " \t\r\n") {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, s)
}
