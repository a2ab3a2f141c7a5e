package saml

import (
	"crypto/x509"
	"encoding/base64"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"
)

// Allowed XML signature algorithms. Everything else, notably SHA-1 and the
// #WithComments canonicalisations, is refused.
var (
	allowedSignatureMethods = map[string]bool{
		dsig.RSASHA256SignatureMethod:   true,
		dsig.RSASHA384SignatureMethod:   true,
		dsig.RSASHA512SignatureMethod:   true,
		dsig.ECDSASHA256SignatureMethod: true,
		dsig.ECDSASHA384SignatureMethod: true,
		dsig.ECDSASHA512SignatureMethod: true,
	}
	allowedDigestMethods = map[string]bool{
		"http://www.w3.org/2001/04/xmlenc#sha256":       true,
		"http://www.w3.org/2001/04/xmldsig-more#sha384": true,
		"http://www.w3.org/2001/04/xmlenc#sha512":       true,
	}
)

const (
	algExcC14N    = string(dsig.CanonicalXML10ExclusiveAlgorithmId)
	algEnveloped  = string(dsig.EnvelopedSignatureAltorithmId)
	nsExcC14N     = "http://www.w3.org/2001/10/xml-exc-c14n#"
	elemSignature = "Signature"
)

// checkSignatureElement checks that sig, a ds:Signature that is a direct
// child of parent, has the shape of an enveloped SAML signature over parent:
// it follows only an Issuer, holds exactly SignedInfo, SignatureValue and an
// optional KeyInfo, one Reference whose URI is "#" + parent's ID, and only
// allowlisted algorithms.
func checkSignatureElement(parent, sig *etree.Element) *Error {
	id, _ := attr(parent, "ID")
	if id == "" {
		return failf(ReasonStructure, "signed element has no ID")
	}
	for _, c := range parent.ChildElements() {
		if c == sig {
			break
		}
		if !is(c, nsSAML, "Issuer") {
			return failf(ReasonSignatureWrapping, "signature not right after Issuer")
		}
	}
	var signedInfo *etree.Element
	var nSI, nSV, nKI int
	for _, c := range sig.ChildElements() {
		switch {
		case is(c, nsDSig, "SignedInfo"):
			signedInfo = c
			nSI++
		case is(c, nsDSig, "SignatureValue"):
			nSV++
		case is(c, nsDSig, "KeyInfo"):
			nKI++
		default:
			return failf(ReasonSignatureWrapping, "unexpected element in Signature")
		}
	}
	if nSI != 1 || nSV != 1 || nKI > 1 {
		return failf(ReasonSignatureWrapping, "Signature shape")
	}
	// Every child element of Signature must be in the dsig namespace and
	// appear once: goxmldsig counts children by local name only.
	seen := map[string]bool{}
	for _, c := range sig.ChildElements() {
		if seen[c.Tag] {
			return failf(ReasonSignatureWrapping, "repeated Signature child")
		}
		seen[c.Tag] = true
	}

	var c14n, method *etree.Element
	var refs []*etree.Element
	for _, c := range signedInfo.ChildElements() {
		switch {
		case is(c, nsDSig, "CanonicalizationMethod") && c14n == nil:
			c14n = c
		case is(c, nsDSig, "SignatureMethod") && method == nil:
			method = c
		case is(c, nsDSig, "Reference"):
			refs = append(refs, c)
		default:
			return failf(ReasonSignatureWrapping, "unexpected element in SignedInfo")
		}
	}
	if c14n == nil || method == nil || len(refs) != 1 {
		return failf(ReasonSignatureWrapping, "SignedInfo must hold one Reference")
	}
	if v, _ := attr(c14n, "Algorithm"); v != algExcC14N {
		return failf(ReasonSignatureAlgorithm, "canonicalization "+v)
	}
	if v, _ := attr(method, "Algorithm"); !allowedSignatureMethods[v] {
		return failf(ReasonSignatureAlgorithm, "signature method "+v)
	}
	ref := refs[0]
	if uri, _ := attr(ref, "URI"); uri != "#"+id {
		return failf(ReasonSignatureWrapping, "reference does not point at the enclosing element")
	}
	var transforms, digest *etree.Element
	for _, c := range ref.ChildElements() {
		switch {
		case is(c, nsDSig, "Transforms") && transforms == nil:
			transforms = c
		case is(c, nsDSig, "DigestMethod") && digest == nil:
			digest = c
		case is(c, nsDSig, "DigestValue"):
		default:
			return failf(ReasonSignatureWrapping, "unexpected element in Reference")
		}
	}
	if digest == nil {
		return failf(ReasonStructure, "missing DigestMethod")
	}
	if v, _ := attr(digest, "Algorithm"); !allowedDigestMethods[v] {
		return failf(ReasonSignatureAlgorithm, "digest "+v)
	}
	if transforms == nil {
		return failf(ReasonSignatureAlgorithm, "no canonicalization transform")
	}
	ts := transforms.ChildElements()
	var algs []string
	for _, t := range ts {
		if !is(t, nsDSig, "Transform") {
			return failf(ReasonSignatureWrapping, "unexpected element in Transforms")
		}
		v, _ := attr(t, "Algorithm")
		algs = append(algs, v)
		for _, tc := range t.ChildElements() {
			if !is(tc, nsExcC14N, "InclusiveNamespaces") || v != algExcC14N {
				return failf(ReasonSignatureAlgorithm, "unexpected transform parameter")
			}
		}
	}
	ok := (len(algs) == 1 && algs[0] == algExcC14N) ||
		(len(algs) == 2 && algs[0] == algEnveloped && algs[1] == algExcC14N)
	if !ok {
		return failf(ReasonSignatureAlgorithm, "transforms "+strings.Join(algs, " "))
	}
	return nil
}

// verify checks the enveloped signature sig of el against the IdP
// certificates and returns the element goxmldsig verified: a fresh tree
// parsed from the canonical bytes the digest covers. Callers must read only
// from that tree. A certificate in KeyInfo is never trusted by itself: it
// must equal a configured certificate; without KeyInfo each configured
// certificate is tried.
func verify(el, sig *etree.Element, certs []*x509.Certificate, now time.Time) (*etree.Element, *Error) {
	if len(certs) == 0 {
		return nil, failf(ReasonNoCertificate, "no IdP certificate configured")
	}
	candidates := certs
	if ki, _ := child(sig, nsDSig, "KeyInfo"); ki != nil {
		c, err := keyInfoCertificate(ki, certs)
		if err != nil {
			return nil, err
		}
		candidates = []*x509.Certificate{c}
	}

	detached := el
	if el.Parent() != nil {
		nsCtx, err := etreeutils.NSBuildParentContext(el)
		if err != nil {
			return nil, fail(ReasonStructure, err)
		}
		if detached, err = etreeutils.NSDetatch(nsCtx, el); err != nil {
			return nil, fail(ReasonStructure, err)
		}
	}

	wantID, _ := attr(el, "ID")
	last := failf(ReasonNoCertificate, "no usable IdP certificate")
	for _, c := range candidates {
		if c == nil {
			continue
		}
		if now.Before(c.NotBefore) || now.After(c.NotAfter) {
			if last.Reason == ReasonNoCertificate {
				last = failf(ReasonCertificateExpired, "certificate outside its validity period")
			}
			continue
		}
		vctx := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{c}})
		vctx.Clock = dsig.NewFakeClockAt(now)
		out, err := vctx.Validate(detached)
		if err != nil {
			last = fail(ReasonSignatureInvalid, err)
			continue
		}
		if out == nil || out.Tag != el.Tag || out.NamespaceURI() != el.NamespaceURI() {
			return nil, failf(ReasonSignatureInvalid, "verified element differs")
		}
		if id, _ := attr(out, "ID"); id != wantID {
			return nil, failf(ReasonSignatureInvalid, "verified element differs")
		}
		return out, nil
	}
	return nil, last
}

// keyInfoCertificate returns the configured certificate equal to the one in
// KeyInfo. KeyInfo must hold exactly one X509Data whose first certificate
// goxmldsig will also use.
func keyInfoCertificate(ki *etree.Element, certs []*x509.Certificate) (*x509.Certificate, *Error) {
	xd := children(ki, nsDSig, "X509Data")
	if len(xd) != 1 {
		return nil, failf(ReasonCertificateUntrusted, "KeyInfo without exactly one X509Data")
	}
	xcs := children(xd[0], nsDSig, "X509Certificate")
	if len(xcs) == 0 {
		return nil, failf(ReasonCertificateUntrusted, "KeyInfo without certificate")
	}
	text, _, e := valueText(xcs[0])
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
