package saml

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strings"
	"time"

	"github.com/beevik/etree"
)

// AuthnRequestURL builds an AuthnRequest for idp and returns the
// HTTP-Redirect binding URL to send the browser to, and the request ID. The
// request is DEFLATE-compressed and base64-encoded into SAMLRequest; when the
// SP has a Key the query is signed with RSA-SHA256 (SigAlg and Signature
// parameters over the exact query string, SAML bindings 3.4.4.1). The ID is
// recorded in the RequestStore until RequestMaxAge passes, so the Response
// can be matched exactly once on any host instance. relayState, if not
// empty, must be at most 80 bytes.
func (sp *ServiceProvider) AuthnRequestURL(ctx context.Context, idp *IdentityProvider, relayState string) (redirectURL, requestID string, err error) {
	if e := sp.check(); e != nil {
		return "", "", e
	}
	if e := idp.check(); e != nil {
		return "", "", e
	}
	sso, perr := url.Parse(idp.SSOURL)
	if perr != nil || (sso.Scheme != "https" && sso.Scheme != "http") || sso.Host == "" {
		return "", "", failf(ReasonConfig, "IdentityProvider.SSOURL is not an absolute http(s) URL")
	}
	if len(relayState) > maxRelayState {
		return "", "", failf(ReasonRelayState, "RelayState longer than 80 bytes")
	}
	id, e := newID()
	if e != nil {
		return "", "", e
	}
	now := sp.now()

	req, e := sp.authnRequestXML(idp, id, now)
	if e != nil {
		return "", "", e
	}
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestCompression)
	if _, err := fw.Write(req); err != nil {
		return "", "", fail(ReasonConfig, err)
	}
	if err := fw.Close(); err != nil {
		return "", "", fail(ReasonConfig, err)
	}

	// The query is built by hand: signature verification works on the
	// exact bytes, in this order (SAMLRequest, RelayState, SigAlg).
	q := "SAMLRequest=" + url.QueryEscape(base64.StdEncoding.EncodeToString(buf.Bytes()))
	if relayState != "" {
		q += "&RelayState=" + url.QueryEscape(relayState)
	}
	if sp.Key != nil {
		q += "&SigAlg=" + url.QueryEscape(SigAlgRSASHA256)
		sum := sha256.Sum256([]byte(q))
		sig, err := rsa.SignPKCS1v15(rand.Reader, sp.Key, crypto.SHA256, sum[:])
		if err != nil {
			return "", "", fail(ReasonConfig, err)
		}
		q += "&Signature=" + url.QueryEscape(base64.StdEncoding.EncodeToString(sig))
	}
	sep := "?"
	if strings.Contains(idp.SSOURL, "?") {
		sep = "&"
	}

	if err := sp.RequestStore.SaveRequest(ctx, id, idp.EntityID, now.Add(sp.requestMaxAge())); err != nil {
		return "", "", fail(ReasonStore, err)
	}
	return idp.SSOURL + sep + q, id, nil
}

func (sp *ServiceProvider) authnRequestXML(idp *IdentityProvider, id string, now time.Time) ([]byte, *Error) {
	doc := etree.NewDocument()
	r := doc.CreateElement("samlp:AuthnRequest")
	r.CreateAttr("xmlns:samlp", nsSAMLP)
	r.CreateAttr("xmlns:saml", nsSAML)
	r.CreateAttr("ID", id)
	r.CreateAttr("Version", "2.0")
	r.CreateAttr("IssueInstant", now.UTC().Format(time.RFC3339))
	r.CreateAttr("Destination", idp.SSOURL)
	r.CreateAttr("AssertionConsumerServiceURL", sp.ACSURL)
	r.CreateAttr("ProtocolBinding", BindingHTTPPost)
	r.CreateElement("saml:Issuer").SetText(sp.EntityID)
	policy := r.CreateElement("samlp:NameIDPolicy")
	format := NameIDFormatEmailAddress
	if len(idp.NameIDFormats) > 0 {
		format = idp.NameIDFormats[0]
	}
	policy.CreateAttr("Format", format)
	policy.CreateAttr("AllowCreate", "true")
	b, err := doc.WriteToBytes()
	if err != nil {
		return nil, fail(ReasonConfig, err)
	}
	return b, nil
}

// newID returns a random XML ID: "_" and 40 hex digits (160 bits).
func newID() (string, *Error) {
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fail(ReasonConfig, err)
	}
	return "_" + hex.EncodeToString(b[:]), nil
}
