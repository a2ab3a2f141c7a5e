package saml

import (
	"encoding/base64"
	"strings"
	"testing"
)

// checkFuzzError asserts the invariants every failure must keep.
func checkFuzzError(t *testing.T, a any, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if a != nil {
		t.Fatalf("result and error both set")
	}
	r := ReasonOf(err)
	if r == "" {
		t.Fatalf("error without reason: %v", err)
	}
	if err.Error() != "saml: "+string(r) {
		t.Fatalf("Error() leaks detail: %q", err.Error())
	}
}

func FuzzValidateResponse(f *testing.F) {
	fx := newFixture(f)
	add := func(s string) {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	add(encode(f, fx.signedAssertionResponse(respOpts{})))
	add(encode(f, fx.signedResponse(respOpts{})))
	doc := fx.signedAssertionResponse(respOpts{})
	encryptAssertion(f, doc, encOpts{})
	add(encode(f, doc))
	doc = fx.signedAssertionResponse(respOpts{})
	encryptAssertion(f, doc, encOpts{ContentAlg: nsXEnc + "aes128-cbc", KeyOutside: true})
	add(encode(f, doc))
	doc = fx.build(respOpts{})
	sign(f, assertionOf(doc), signOpts{})
	sign(f, doc.Root(), signOpts{})
	add(encode(f, doc))
	f.Add([]byte(`<!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>`))
	f.Add([]byte(`<samlp:Response xmlns:samlp="` + nsSAMLP + `"><samlp:Status><samlp:StatusCode Value="` + StatusSuccess + `"/></samlp:Status></samlp:Response>`))

	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := fx.sp.ValidateResponse(t.Context(), fx.idp, base64.StdEncoding.EncodeToString(data))
		if a == nil {
			checkFuzzError(t, nil, err)
		} else {
			checkFuzzError(t, a, err)
		}
	})
}

func FuzzParseIdPMetadata(f *testing.F) {
	testKeys(f)
	c1 := base64.StdEncoding.EncodeToString(idpKeys.Cert.Raw)
	one := idpMetadataXML(keyDescriptor("signing", c1))
	f.Add([]byte(one))
	f.Add([]byte(idpMetadataXML(keyDescriptor("", c1) + keyDescriptor("encryption", c1))))
	f.Add([]byte(`<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">` +
		strings.TrimPrefix(one, `<?xml version="1.0"?>`) + `</md:EntitiesDescriptor>`))
	f.Add([]byte(`<!DOCTYPE md [<!ENTITY x "y">]><md/>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseIdPMetadata(data)
		if m == nil {
			checkFuzzError(t, nil, err)
			return
		}
		checkFuzzError(t, m, err)
		if m.EntityID == "" || len(m.SigningCertificates) == 0 || (m.SSORedirectURL == "" && m.SSOPostURL == "") {
			t.Fatalf("incomplete metadata accepted")
		}
	})
}
