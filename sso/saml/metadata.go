package saml

import (
	"crypto/x509"
	"encoding/base64"
	"net/url"
	"strings"

	"github.com/beevik/etree"
)

// Metadata returns the SP's SAML metadata: an EntityDescriptor with the
// entity ID, one HTTP-POST AssertionConsumerService, the emailAddress NameID
// format and, when the SP has a certificate, its signing and encryption
// KeyDescriptors with AuthnRequestsSigned="true".
func (sp *ServiceProvider) Metadata() ([]byte, error) {
	if sp == nil || sp.EntityID == "" || sp.ACSURL == "" {
		return nil, failf(ReasonConfig, "ServiceProvider.EntityID and ACSURL are required")
	}
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	ed := doc.CreateElement("md:EntityDescriptor")
	ed.CreateAttr("xmlns:md", nsMD)
	ed.CreateAttr("xmlns:ds", nsDSig)
	ed.CreateAttr("entityID", sp.EntityID)
	sd := ed.CreateElement("md:SPSSODescriptor")
	signed := sp.Key != nil && sp.Certificate != nil
	if signed {
		sd.CreateAttr("AuthnRequestsSigned", "true")
	} else {
		sd.CreateAttr("AuthnRequestsSigned", "false")
	}
	sd.CreateAttr("WantAssertionsSigned", "true")
	sd.CreateAttr("protocolSupportEnumeration", nsSAMLP)
	if sp.Certificate != nil {
		for _, use := range []string{"signing", "encryption"} {
			kd := sd.CreateElement("md:KeyDescriptor")
			kd.CreateAttr("use", use)
			kd.CreateElement("ds:KeyInfo").CreateElement("ds:X509Data").CreateElement("ds:X509Certificate").
				SetText(base64.StdEncoding.EncodeToString(sp.Certificate.Raw))
			if use == "encryption" {
				for _, alg := range []string{nsXEnc11 + "aes256-gcm", nsXEnc11 + "aes128-gcm", nsXEnc + "aes256-cbc", nsXEnc + "aes128-cbc", algRSAOAEPMGF1P, algRSAOAEP} {
					kd.CreateElement("md:EncryptionMethod").CreateAttr("Algorithm", alg)
				}
			}
		}
	}
	sd.CreateElement("md:NameIDFormat").SetText(NameIDFormatEmailAddress)
	acs := sd.CreateElement("md:AssertionConsumerService")
	acs.CreateAttr("Binding", BindingHTTPPost)
	acs.CreateAttr("Location", sp.ACSURL)
	acs.CreateAttr("index", "0")
	acs.CreateAttr("isDefault", "true")
	doc.Indent(2)
	return doc.WriteToBytes()
}

// IdPMetadata is what ParseIdPMetadata extracts from IdP metadata.
type IdPMetadata struct {
	// EntityID is the IdP entity ID.
	EntityID string
	// SSORedirectURL and SSOPostURL are the SingleSignOnService locations
	// for the HTTP-Redirect and HTTP-POST bindings; either may be empty.
	SSORedirectURL, SSOPostURL string
	// SLOURL is the SingleLogoutService location (HTTP-Redirect preferred,
	// then HTTP-POST); empty if none.
	SLOURL string
	// SigningCertificates are the certificates of every KeyDescriptor with
	// use="signing" or no use.
	SigningCertificates []*x509.Certificate
	// NameIDFormats are the NameID formats the IdP declares.
	NameIDFormats []string
}

// IdentityProvider returns an IdentityProvider configured from m with the
// default policy (clock skew, signature location, no IdP-initiated login).
func (m *IdPMetadata) IdentityProvider() *IdentityProvider {
	return &IdentityProvider{
		EntityID:     m.EntityID,
		SSOURL:       m.SSORedirectURL,
		SLOURL:       m.SLOURL,
		Certificates: append([]*x509.Certificate(nil), m.SigningCertificates...),
	}
}

// ParseIdPMetadata parses the metadata of one IdP: an EntityDescriptor with
// an IDPSSODescriptor, or an EntitiesDescriptor holding exactly one such
// EntityDescriptor. The input is limited to MaxMetadataSize bytes; DOCTYPE
// and entity declarations are refused. At least one SingleSignOnService and
// one signing certificate are required.
func ParseIdPMetadata(data []byte) (*IdPMetadata, error) {
	m, e := parseIdPMetadata(data)
	if e != nil {
		return nil, e
	}
	return m, nil
}

func parseIdPMetadata(data []byte) (*IdPMetadata, *Error) {
	if len(data) > MaxMetadataSize {
		return nil, failf(ReasonTooLarge, "metadata too large")
	}
	root, e := parseXML(data, lenientValues)
	if e != nil {
		return nil, e
	}
	var ed *xnode
	switch {
	case is(root, nsMD, "EntityDescriptor"):
		ed = root
	case is(root, nsMD, "EntitiesDescriptor"):
		for _, c := range children(root, nsMD, "EntityDescriptor") {
			if len(children(c, nsMD, "IDPSSODescriptor")) > 0 {
				if ed != nil {
					return nil, failf(ReasonMetadata, "EntitiesDescriptor holds several IdPs")
				}
				ed = c
			}
		}
		if ed == nil {
			return nil, failf(ReasonMetadata, "EntitiesDescriptor holds no IdP")
		}
	default:
		return nil, failf(ReasonMetadata, "root is not an EntityDescriptor")
	}
	m := &IdPMetadata{}
	m.EntityID, _ = attr(ed, "entityID")
	m.EntityID = strings.TrimSpace(m.EntityID)
	if m.EntityID == "" {
		return nil, failf(ReasonMetadata, "no entityID")
	}
	idps := children(ed, nsMD, "IDPSSODescriptor")
	if len(idps) != 1 {
		return nil, failf(ReasonMetadata, "not exactly one IDPSSODescriptor")
	}
	idp := idps[0]
	if p, _ := attr(idp, "protocolSupportEnumeration"); !contains(strings.Fields(p), nsSAMLP) {
		return nil, failf(ReasonMetadata, "IdP does not support SAML 2.0")
	}
	for _, s := range children(idp, nsMD, "SingleSignOnService") {
		b, _ := attr(s, "Binding")
		loc, e := location(s)
		if e != nil {
			return nil, e
		}
		switch {
		case b == BindingHTTPRedirect && m.SSORedirectURL == "":
			m.SSORedirectURL = loc
		case b == BindingHTTPPost && m.SSOPostURL == "":
			m.SSOPostURL = loc
		}
	}
	if m.SSORedirectURL == "" && m.SSOPostURL == "" {
		return nil, failf(ReasonMetadata, "no SingleSignOnService with a supported binding")
	}
	var sloPost string
	for _, s := range children(idp, nsMD, "SingleLogoutService") {
		b, _ := attr(s, "Binding")
		loc, e := location(s)
		if e != nil {
			return nil, e
		}
		switch {
		case b == BindingHTTPRedirect && m.SLOURL == "":
			m.SLOURL = loc
		case b == BindingHTTPPost && sloPost == "":
			sloPost = loc
		}
	}
	if m.SLOURL == "" {
		m.SLOURL = sloPost
	}
	for _, kd := range children(idp, nsMD, "KeyDescriptor") {
		if use, ok := attr(kd, "use"); ok && use != "signing" {
			continue
		}
		ki, e := requiredChild(kd, nsDSig, "KeyInfo")
		if e != nil {
			return nil, fail(ReasonMetadata, e)
		}
		for _, xd := range children(ki, nsDSig, "X509Data") {
			for _, xc := range children(xd, nsDSig, "X509Certificate") {
				text, _ := textContent(xc)
				der, err := base64.StdEncoding.DecodeString(stripSpace(text))
				if err != nil {
					return nil, fail(ReasonMetadata, err)
				}
				cert, err := x509.ParseCertificate(der)
				if err != nil {
					return nil, fail(ReasonMetadata, err)
				}
				dup := false
				for _, c := range m.SigningCertificates {
					dup = dup || c.Equal(cert)
				}
				if !dup {
					m.SigningCertificates = append(m.SigningCertificates, cert)
				}
			}
		}
	}
	if len(m.SigningCertificates) == 0 {
		return nil, failf(ReasonMetadata, "no signing certificate")
	}
	for _, f := range children(idp, nsMD, "NameIDFormat") {
		if t, ok := textContent(f); ok && strings.TrimSpace(t) != "" {
			m.NameIDFormats = append(m.NameIDFormats, strings.TrimSpace(t))
		}
	}
	return m, nil
}

// location returns an endpoint's Location, which must be an absolute
// http(s) URL.
func location(s *xnode) (string, *Error) {
	loc, _ := attr(s, "Location")
	loc = strings.TrimSpace(loc)
	u, err := url.Parse(loc)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", failf(ReasonMetadata, "endpoint Location is not an absolute http(s) URL")
	}
	return loc, nil
}
