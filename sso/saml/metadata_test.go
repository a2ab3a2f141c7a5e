package saml

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServiceProvider_Metadata(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b, err := f.sp.Metadata()
	require.NoError(t, err)
	_, e := parseXML(b, strictValues)
	require.Nil(t, e)
	doc := etree.NewDocument()
	require.NoError(t, doc.ReadFromBytes(b))
	ed := doc.Root()
	require.Equal(t, nsMD, ed.NamespaceURI())
	require.Equal(t, "EntityDescriptor", ed.Tag)
	assert.Equal(t, testSPEntityID, ed.SelectAttrValue("entityID", ""))
	sd := ed.FindElement("./SPSSODescriptor")
	require.NotNil(t, sd)
	assert.Equal(t, "true", sd.SelectAttrValue("AuthnRequestsSigned", ""))
	assert.Equal(t, NameIDFormatEmailAddress, strings.TrimSpace(sd.FindElement("./NameIDFormat").Text()))
	acs := sd.FindElement("./AssertionConsumerService")
	assert.Equal(t, BindingHTTPPost, acs.SelectAttrValue("Binding", ""))
	assert.Equal(t, testACSURL, acs.SelectAttrValue("Location", ""))
	kds := sd.FindElements("./KeyDescriptor")
	require.Len(t, kds, 2)
	assert.Equal(t, base64.StdEncoding.EncodeToString(spKeys.Cert.Raw), kds[0].FindElement(".//X509Certificate").Text())

	t.Run("WithoutKey", func(t *testing.T) {
		sp := *f.sp
		sp.Key, sp.Certificate = nil, nil
		b, err := sp.Metadata()
		require.NoError(t, err)
		assert.Contains(t, string(b), `AuthnRequestsSigned="false"`)
		assert.NotContains(t, string(b), "KeyDescriptor")
	})
	t.Run("ErrNoEntityID", func(t *testing.T) {
		_, err := (&ServiceProvider{ACSURL: testACSURL}).Metadata()
		assert.Equal(t, ReasonConfig, ReasonOf(err))
	})
}

func certB64(t *testing.T) (string, string) {
	testKeys(t)
	return base64.StdEncoding.EncodeToString(idpKeys.Cert.Raw), base64.StdEncoding.EncodeToString(idpKeys2.Cert.Raw)
}

func idpMetadataXML(keyDescriptors string) string {
	return `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://idp.example.org/metadata">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    ` + keyDescriptors + `
    <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example.org/slo/post"/>
    <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.org/slo"/>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example.org/sso/post"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.org/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`
}

func keyDescriptor(use, cert string) string {
	u := ""
	if use != "" {
		u = fmt.Sprintf(` use="%s"`, use)
	}
	return `<md:KeyDescriptor` + u + `><ds:KeyInfo><ds:X509Data><ds:X509Certificate>
` + cert + `
</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`
}

func TestParseIdPMetadata(t *testing.T) {
	t.Parallel()
	c1, c2 := certB64(t)
	t.Run("OK", func(t *testing.T) {
		t.Parallel()
		m, err := ParseIdPMetadata([]byte(idpMetadataXML(keyDescriptor("signing", c1) + keyDescriptor("", c2) +
			keyDescriptor("encryption", c1) + keyDescriptor("signing", c1))))
		require.NoError(t, err)
		assert.Equal(t, "https://idp.example.org/metadata", m.EntityID)
		assert.Equal(t, "https://idp.example.org/sso", m.SSORedirectURL)
		assert.Equal(t, "https://idp.example.org/sso/post", m.SSOPostURL)
		assert.Equal(t, "https://idp.example.org/slo", m.SLOURL)
		require.Len(t, m.SigningCertificates, 2)
		assert.True(t, m.SigningCertificates[0].Equal(idpKeys.Cert))
		assert.True(t, m.SigningCertificates[1].Equal(idpKeys2.Cert))
		assert.Equal(t, []string{NameIDFormatEmailAddress}, m.NameIDFormats)
		idp := m.IdentityProvider()
		assert.Equal(t, m.EntityID, idp.EntityID)
		assert.Equal(t, m.SSORedirectURL, idp.SSOURL)
		assert.Len(t, idp.Certificates, 2)
	})
	t.Run("EntitiesDescriptorWithOneIdP", func(t *testing.T) {
		t.Parallel()
		ed := strings.TrimPrefix(idpMetadataXML(keyDescriptor("signing", c1)), `<?xml version="1.0"?>`)
		sp := `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sp.example"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>`
		m, err := ParseIdPMetadata([]byte(`<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">` + sp + ed + `</md:EntitiesDescriptor>`))
		require.NoError(t, err)
		assert.Equal(t, "https://idp.example.org/metadata", m.EntityID)
	})
	one := idpMetadataXML(keyDescriptor("signing", c1))
	errs := []struct {
		name string
		xml  string
		want Reason
	}{
		{"ErrDoctype", `<!DOCTYPE md [<!ENTITY x "y">]>` + strings.TrimPrefix(one, `<?xml version="1.0"?>`), ReasonDTD},
		{"ErrTooLarge", one + strings.Repeat(" ", MaxMetadataSize), ReasonTooLarge},
		{"ErrMalformed", one[:200], ReasonMalformedXML},
		{"ErrNotMetadata", `<foo/>`, ReasonMetadata},
		{"ErrNoSigningCert", idpMetadataXML(keyDescriptor("encryption", c1)), ReasonMetadata},
		{"ErrBadCert", idpMetadataXML(keyDescriptor("signing", "AAAA")), ReasonMetadata},
		{"ErrNoEntityID", strings.Replace(one, `entityID="https://idp.example.org/metadata"`, "", 1), ReasonMetadata},
		{"ErrNoSSO", strings.ReplaceAll(one, "SingleSignOnService", "ArtifactResolutionService"), ReasonMetadata},
		{"ErrRelativeLocation", strings.Replace(one, `Location="https://idp.example.org/sso"`, `Location="/sso"`, 1), ReasonMetadata},
		{"ErrNotSAML2", strings.Replace(one, `protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"`, `protocolSupportEnumeration="urn:oasis:names:tc:SAML:1.1:protocol"`, 1), ReasonMetadata},
		{"ErrTwoIdPs", `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">` +
			strings.TrimPrefix(one, `<?xml version="1.0"?>`) + strings.TrimPrefix(one, `<?xml version="1.0"?>`) + `</md:EntitiesDescriptor>`, ReasonMetadata},
		{"ErrNoIdP", `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"/>`, ReasonMetadata},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := ParseIdPMetadata([]byte(tt.xml))
			assert.Nil(t, m)
			assert.Equal(t, tt.want, ReasonOf(err), "%v", err)
		})
	}
}

// TestMetadata_RoundTrip feeds IdP metadata made from the test IdP into a
// full login.
func TestMetadata_RoundTrip(t *testing.T) {
	t.Parallel()
	c1, _ := certB64(t)
	m, err := ParseIdPMetadata([]byte(idpMetadataXML(keyDescriptor("", c1))))
	require.NoError(t, err)
	f := newFixture(t)
	f.idp = m.IdentityProvider()
	f.idp.EntityID = testIdPEntityID
	_, id, err := f.sp.AuthnRequestURL(t.Context(), f.idp, "")
	require.NoError(t, err)
	f.requestID = id
	_, err = f.validate(encode(t, f.signedAssertionResponse(respOpts{})))
	require.NoError(t, err)
}
