package saml

import (
	"bytes"
	"compress/flate"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServiceProvider_ValidateResponse_OK(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(f *fixture)
		build func(f *fixture) string
	}{
		{"AssertionSigned", nil, func(f *fixture) string {
			return encode(t, f.signedAssertionResponse(respOpts{}))
		}},
		{"ResponseSigned", nil, func(f *fixture) string {
			return encode(t, f.signedResponse(respOpts{}))
		}},
		{"BothSigned", func(f *fixture) { f.idp.SignatureLocation = SignatureBoth }, func(f *fixture) string {
			doc := f.build(respOpts{})
			sign(t, assertionOf(doc), signOpts{})
			sign(t, doc.Root(), signOpts{})
			return encode(t, doc)
		}},
		{"SHA512", nil, func(f *fixture) string {
			doc := f.build(respOpts{})
			sign(t, assertionOf(doc), signOpts{Hash: crypto.SHA512})
			return encode(t, doc)
		}},
		{"ECDSA", func(f *fixture) { f.idp.Certificates = []*x509.Certificate{ecKeys.Cert} }, func(f *fixture) string {
			doc := f.build(respOpts{})
			sign(t, assertionOf(doc), signOpts{Keys: ecKeys})
			return encode(t, doc)
		}},
		{"NoKeyInfoRotation", func(f *fixture) {
			f.idp.Certificates = []*x509.Certificate{idpKeys2.Cert, idpKeys.Cert}
		}, func(f *fixture) string {
			doc := f.build(respOpts{})
			sign(t, assertionOf(doc), signOpts{NoKeyInfo: true})
			return encode(t, doc)
		}},
		{"KeyInfoRotation", func(f *fixture) {
			f.idp.Certificates = []*x509.Certificate{idpKeys.Cert, idpKeys2.Cert}
		}, func(f *fixture) string {
			doc := f.build(respOpts{})
			sign(t, assertionOf(doc), signOpts{Keys: idpKeys2})
			return encode(t, doc)
		}},
		{"EncryptedSignedAssertionGCM", nil, func(f *fixture) string {
			doc := f.signedAssertionResponse(respOpts{})
			encryptAssertion(t, doc, encOpts{})
			return encode(t, doc)
		}},
		{"EncryptedInSignedResponseCBC", nil, func(f *fixture) string {
			doc := f.build(respOpts{})
			encryptAssertion(t, doc, encOpts{ContentAlg: nsXEnc + "aes128-cbc", KeyAlg: algRSAOAEP,
				OAEPDigest: "http://www.w3.org/2001/04/xmlenc#sha256", MGF: nsXEnc11 + "mgf1sha256"})
			sign(t, doc.Root(), signOpts{})
			return encode(t, doc)
		}},
		{"EncryptedAES192GCMKeyOutside", nil, func(f *fixture) string {
			doc := f.signedAssertionResponse(respOpts{})
			encryptAssertion(t, doc, encOpts{ContentAlg: nsXEnc11 + "aes192-gcm", KeyOutside: true,
				OAEPDigest: "http://www.w3.org/2001/04/xmlenc#sha256"})
			return encode(t, doc)
		}},
		{"EncryptedAES256CBC", nil, func(f *fixture) string {
			doc := f.signedAssertionResponse(respOpts{})
			encryptAssertion(t, doc, encOpts{ContentAlg: nsXEnc + "aes256-cbc"})
			return encode(t, doc)
		}},
		{"IdPInitiatedAllowed", func(f *fixture) { f.idp.AllowIdPInitiated = true }, func(f *fixture) string {
			return encode(t, f.signedAssertionResponse(respOpts{Unsolicited: true}))
		}},
		{"NotBeforeWithinSkew", nil, func(f *fixture) string {
			return encode(t, f.signedAssertionResponse(respOpts{NotBefore: t0.Add(2 * time.Minute)}))
		}},
		{"LineWrappedBase64", nil, func(f *fixture) string {
			s := encode(t, f.signedAssertionResponse(respOpts{}))
			var b strings.Builder
			for len(s) > 76 {
				b.WriteString(s[:76] + "\r\n")
				s = s[76:]
			}
			return b.String() + s
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			if tt.setup != nil {
				tt.setup(f)
			}
			a, err := f.validate(tt.build(f))
			require.NoError(t, err)
			assert.Equal(t, testIdPEntityID, a.Issuer)
			assert.Equal(t, "alice@corp.example", a.NameID)
			assert.Equal(t, NameIDFormatEmailAddress, a.NameIDFormat)
			assert.Equal(t, "_session-1", a.SessionIndex)
			assert.Equal(t, t0.Add(-10*time.Second), a.AuthnInstant)
			assert.Equal(t, t0.Add(5*time.Minute), a.NotOnOrAfter)
			assert.Equal(t, map[string][]string{"email": {"alice@corp.example"}, "groups": {"admins", "staff"}}, a.Attributes)
			if f.idp.AllowIdPInitiated {
				assert.Empty(t, a.InResponseTo)
			} else {
				assert.Equal(t, f.requestID, a.InResponseTo)
			}
		})
	}
}

// attack is one malicious or invalid response and the reason it must be
// refused for.
type attack struct {
	name  string
	setup func(f *fixture)
	build func(t *testing.T, f *fixture) string
	want  Reason
}

func runAttacks(t *testing.T, attacks []attack) {
	t.Helper()
	for _, tt := range attacks {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			if tt.setup != nil {
				tt.setup(f)
			}
			a, err := f.validate(tt.build(t, f))
			require.Error(t, err)
			assert.Nil(t, a)
			assert.Equal(t, tt.want, ReasonOf(err), "cause: %v", errorsUnwrap(err))
			assert.Equal(t, "saml: "+string(tt.want), err.Error())
			assert.NotContains(t, err.Error(), "<")
		})
	}
}

func errorsUnwrap(err error) error {
	if e, ok := err.(*Error); ok && e.cause != nil {
		return e.cause
	}
	return err
}

// mutateXML serialises doc, applies string replacements, and encodes.
func mutateXML(t *testing.T, doc *etree.Document, oldNew ...string) string {
	t.Helper()
	b, err := doc.WriteToString()
	require.NoError(t, err)
	for i := 0; i < len(oldNew); i += 2 {
		require.Contains(t, b, oldNew[i])
		b = strings.Replace(b, oldNew[i], oldNew[i+1], 1)
	}
	return encodeString(b)
}

func TestServiceProvider_ValidateResponse_Decoding(t *testing.T) {
	t.Parallel()
	runAttacks(t, []attack{
		{"ErrTooLarge", nil, func(t *testing.T, f *fixture) string {
			return strings.Repeat("A", DefaultMaxResponseSize+4)
		}, ReasonTooLarge},
		{"ErrNotBase64", nil, func(t *testing.T, f *fixture) string { return "%%%not base64%%%" }, ReasonEncoding},
		{"ErrDeflateOnPost", nil, func(t *testing.T, f *fixture) string {
			b, _ := f.signedAssertionResponse(respOpts{}).WriteToBytes()
			var buf bytes.Buffer
			w, _ := flate.NewWriter(&buf, flate.DefaultCompression)
			_, _ = w.Write(b)
			_ = w.Close()
			return base64.StdEncoding.EncodeToString(buf.Bytes())
		}, ReasonEncoding},
		{"ErrMalformed", nil, func(t *testing.T, f *fixture) string {
			return encodeString(`<samlp:Response xmlns:samlp="` + nsSAMLP + `"><unclosed>`)
		}, ReasonMalformedXML},
		{"ErrDoctypeEntities", nil, func(t *testing.T, f *fixture) string {
			b, _ := f.signedAssertionResponse(respOpts{NameID: "&x;"}).WriteToString()
			b = strings.Replace(b, "&amp;x;", "&x;", 1)
			return encodeString(`<!DOCTYPE r [<!ENTITY x "victim@corp.example">]>` + b)
		}, ReasonDTD},
		{"ErrBillionLaughs", nil, func(t *testing.T, f *fixture) string {
			return encodeString(`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><lolz>&lol2;</lolz>`)
		}, ReasonDTD},
		{"ErrProcessingInstruction", nil, func(t *testing.T, f *fixture) string {
			b, _ := f.signedAssertionResponse(respOpts{}).WriteToString()
			return encodeString(`<?xml-stylesheet href="x"?>` + b)
		}, ReasonDTD},
		{"ErrRoundTrip", nil, func(t *testing.T, f *fixture) string {
			return mutateXML(t, f.signedAssertionResponse(respOpts{}), "<samlp:Status>", `<samlp:Extensions><a xmlns:x="urn:u" x:b="1" xmlns:y="urn:u" y:b="2"/></samlp:Extensions><samlp:Status>`)
		}, ReasonRoundTrip},
		{"ErrNotAResponse", nil, func(t *testing.T, f *fixture) string {
			return encodeString(`<samlp:AuthnRequest xmlns:samlp="` + nsSAMLP + `" ID="_x"/>`)
		}, ReasonStructure},
		{"ErrWrongNamespace", nil, func(t *testing.T, f *fixture) string {
			return mutateXML(t, f.signedAssertionResponse(respOpts{}), `xmlns:samlp="`+nsSAMLP+`"`, `xmlns:samlp="urn:evil"`)
		}, ReasonStructure},
		{"ErrNoStatus", nil, func(t *testing.T, f *fixture) string {
			doc := f.build(respOpts{})
			doc.Root().RemoveChild(doc.Root().FindElement("./Status"))
			sign(t, assertionOf(doc), signOpts{})
			return encode(t, doc)
		}, ReasonStructure},
	})
}
