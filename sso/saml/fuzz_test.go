package saml

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
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

// FuzzParseXML checks the property the engine relies on to read the tree it
// verified instead of parsing the canonical bytes again: whenever a
// document parses, its canonical form parses to the same tree (names,
// namespaces, attributes, text) and is a fixed point of canonicalisation.
// It also checks that the parser accepts nothing encoding/xml finds
// malformed. (xml-roundtrip-validator is no reference here: it also refuses
// valid documents whose tokens encoding/xml's encoder mangles, any xml:lang
// attribute for one; TestParseXML_Unstable holds its known unstable
// inputs.)
func FuzzParseXML(f *testing.F) {
	for _, tc := range c14nInputs {
		f.Add([]byte(tc.in))
	}
	fx := newFixture(f)
	b, _ := fx.signedResponse(respOpts{}).WriteToBytes()
	f.Add(b)
	f.Add([]byte(`<a xmlns:x="urn:u" x:b="1" xmlns:y="urn:u" y:b="2"/>`))
	f.Add([]byte(`<a:b:c xmlns:a="urn:a"/>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		root, e := parseXML(data, strictValues)
		if e != nil {
			checkFuzzError(t, nil, e)
			return
		}
		dec := xml.NewDecoder(bytes.NewReader(data))
		dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
		for {
			_, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("accepted a document encoding/xml refuses: %v", err)
			}
		}
		var c canonicalizer
		out := append([]byte(nil), c.canonicalize(root, nil, nil)...)
		root2, e := parseXML(out, strictValues)
		if e != nil {
			t.Fatalf("canonical form %q does not parse: %v", out, e.cause)
		}
		if again := c.canonicalize(root2, nil, nil); !bytes.Equal(again, out) {
			t.Fatalf("canonicalisation is not idempotent:\n%q\n%q", out, again)
		}
		if msg := sameTree(root, root2); msg != "" {
			t.Fatalf("the canonical form reads differently: %s\n%q", msg, out)
		}
	})
}

// sameTree compares what a reader of the engine can see of two trees.
func sameTree(a, b *xnode) string {
	if a.isText != b.isText || a.text != b.text {
		return fmt.Sprintf("text %q vs %q", a.text, b.text)
	}
	if a.isText {
		return ""
	}
	if a.space != b.space || a.local != b.local || a.prefix != b.prefix {
		return fmt.Sprintf("element {%s}%s vs {%s}%s", a.space, a.local, b.space, b.local)
	}
	if len(a.attrs) != len(b.attrs) {
		return "attribute count of " + a.local
	}
	for _, x := range a.attrs {
		found := false
		for _, y := range b.attrs {
			found = found || x == y
		}
		if !found {
			return fmt.Sprintf("attribute %s:%s=%q of %s", x.prefix, x.local, x.value, a.local)
		}
	}
	ca, cb := a.first, b.first
	for ca != nil && cb != nil {
		if msg := sameTree(ca, cb); msg != "" {
			return msg
		}
		ca, cb = ca.next, cb.next
	}
	if ca != nil || cb != nil {
		return "child count of " + a.local
	}
	return ""
}
