package saml

import (
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/stretchr/testify/require"
)

// evilCopy returns an unsigned copy of the assertion a with the subject
// replaced and the given ID.
func evilCopy(a *etree.Element, id string) *etree.Element {
	e := a.Copy()
	for _, c := range e.ChildElements() {
		if c.Tag == "Signature" {
			e.RemoveChild(c)
		}
	}
	e.FindElement("./Subject/NameID").SetText("ceo@corp.example")
	e.RemoveAttr("ID")
	e.CreateAttr("ID", id)
	return e
}

func sigOf(el *etree.Element) *etree.Element { return el.FindElement("./Signature") }

// TestValidateResponse_SignatureWrapping covers the classic XML signature
// wrapping layouts (Somorovsky et al., "On Breaking SAML", XSW1-XSW8) and
// their variants.
func TestServiceProvider_ValidateResponse_SignatureWrapping(t *testing.T) {
	t.Parallel()
	runAttacks(t, []attack{
		{"XSW1_OriginalResponseInSignatureObject", nil, func(t *testing.T, f *fixture) string {
			doc := f.signedResponse(respOpts{})
			orig := doc.Root().Copy()
			r := doc.Root()
			r.RemoveAttr("ID")
			r.CreateAttr("ID", "_evil")
			r.FindElement("./Assertion").RemoveAttr("ID")
			r.FindElement("./Assertion").CreateAttr("ID", "_evil-assertion")
			r.FindElement("./Assertion/Subject/NameID").SetText("ceo@corp.example")
			obj := sigOf(r).CreateElement("ds:Object")
			orig.RemoveChild(sigOf(orig))
			obj.AddChild(orig)
			return encode(t, doc)
		}, ReasonSignatureWrapping},
		{"XSW2_OriginalResponseBeforeSignature", nil, func(t *testing.T, f *fixture) string {
			doc := f.signedResponse(respOpts{})
			orig := doc.Root().Copy()
			r := doc.Root()
			r.RemoveAttr("ID")
			r.CreateAttr("ID", "_evil")
			r.FindElement("./Assertion").RemoveAttr("ID")
			r.FindElement("./Assertion").CreateAttr("ID", "_evil-assertion")
			orig.RemoveChild(sigOf(orig))
			r.InsertChildAt(sigOf(r).Index(), orig)
			return encode(t, doc)
		}, ReasonSignatureWrapping},
		{"XSW3_EvilAssertionBeforeSigned", nil, func(t *testing.T, f *fixture) string {
			doc := f.signedAssertionResponse(respOpts{})
			a := assertionOf(doc)
			doc.Root().InsertChildAt(a.Index(), evilCopy(a, "_evil"))
			return encode(t, doc)
		}, ReasonAssertionCount},
		{"EvilAssertionAfterSigned", nil, func(t *testing.T, f *fixture) string {
			doc := f.signedAssertionResponse(respOpts{})
			doc.Root().AddChild(evilCopy(assertionOf(doc), "_evil"))
			return encode(t, doc)
		}, ReasonAssertionCount},
		{"XSW4_EvilAssertionWrapsSigned", nil, func(t *testing.T, f *fixture) string {
			doc := f.signedAssertionResponse(respOpts{})
			a := assertionOf(doc)
			evil := evilCopy(a, "_evil")
			doc.Root().RemoveChild(a)
			evil.AddChild(a)
			doc.Root().AddChild(evil)
			return encode(t, doc)
		}, ReasonAssertionCount},
		{"EvilAssertionInsideSigned", nil, func(t *testing.T, f *fixture) string {
			doc := f.signedAssertionResponse(respOpts{})
			a := assertionOf(doc)
			a.AddChild(evilCopy(a, "_evil"))
			return encode(t, doc)
		}, ReasonAssertionCount},
		{"XSW5_SignatureMovedToEvilAssertion", nil, func(t *testing.T, f *fixture) string {
			doc := f.signedAssertionResponse(respOpts{})
			a := assertionOf(doc)
			evil := evilCopy(a, "_evil")
			sig := sigOf(a)
			a.RemoveChild(sig)
			evil.InsertChildAt(1, sig)
			doc.Root().InsertChildAt(a.Index(), evil)
			return encode(t, doc)
		}, ReasonAssertionCount},
		{"XSW6_SignedAssertionInsideEvilSignatureObject", nil, func(t *testing.T, f *fixture) string {
			doc := f.signedAssertionResponse(respOpts{})
			a := assertionOf(doc)
			evil := evilCopy(a, "_evil")
			sig := sigOf(a).Copy()
			orig := a.Copy()
			orig.RemoveChild(sigOf(orig))
			sig.CreateElement("ds:Object").AddChild(orig)
			evil.InsertChildAt(1, sig)
			doc.Root().InsertChildAt(a.Index(), evil)
			doc.Root().RemoveChild(a)
			return encode(t, doc)
		}, ReasonAssertionCount},
		{"XSW7_SignedAssertionInExtensions", nil, func(t *testing.T, f *fixture) string {
			doc := f.signedAssertionResponse(respOpts{})
			a := assertionOf(doc)
			ext := etree.NewElement("samlp:Extensions")
			doc.Root().InsertChildAt(a.Index(), ext)
			doc.Root().RemoveChild(a)
			ext.AddChild(a)
			doc.Root().AddChild(evilCopy(a, "_evil"))
			return encode(t, doc)
		}, ReasonAssertionCount},
		{"XSW8_SignedAssertionInEvilSignatureObject", nil, func(t *testing.T, f *fixture) string {
			doc := f.signedAssertionResponse(respOpts{})
			a := assertionOf(doc)
			evil := evilCopy(a, "_evil")
			sig := sigOf(a)
			a.RemoveChild(sig)
			sig.CreateElement("ds:Object").AddChild(a.Copy())
			evil.InsertChildAt(1, sig)
			doc.Root().InsertChildAt(a.Index(), evil)
			doc.Root().RemoveChild(a)
			return encode(t, doc)
		}, ReasonAssertionCount},
		{"SignedAssertionCopiedToExtensionsSameID", nil, func(t *testing.T, f *fixture) string {
			doc := f.signedAssertionResponse(respOpts{AssertionID: "_genuine"})
			a := assertionOf(doc)
			ext := etree.NewElement("samlp:Extensions")
			ext.AddChild(a.Copy())
			doc.Root().InsertChildAt(a.Index(), ext)
			doc.Root().AddChild(evilCopy(a, "_genuine"))
			doc.Root().RemoveChild(a)
			return encode(t, doc)
		}, ReasonDuplicateID},
		{"SignatureMovedToResponse", nil, func(t *testing.T, f *fixture) string {
			doc := f.signedAssertionResponse(respOpts{})
			a := assertionOf(doc)
			sig := sigOf(a)
			a.RemoveChild(sig)
			doc.Root().InsertChildAt(1, sig)
			return encode(t, doc)
		}, ReasonSignatureWrapping},
		{"SignatureInExtensions", nil, func(t *testing.T, f *fixture) string {
			doc := f.signedAssertionResponse(respOpts{})
			a := assertionOf(doc)
			sig := sigOf(a)
			a.RemoveChild(sig)
			doc.Root().InsertChildAt(1, etree.NewElement("samlp:Extensions"))
			doc.Root().FindElement("./Extensions").AddChild(sig)
			return encode(t, doc)
		}, ReasonSignatureWrapping},
		{"ResponseSignatureReferencesAssertion", nil, func(t *testing.T, f *fixture) string {
			doc := f.signedAssertionResponse(respOpts{})
			a := assertionOf(doc)
			doc.Root().InsertChildAt(1, sigOf(a).Copy())
			return encode(t, doc)
		}, ReasonSignatureWrapping},
		{"SignatureNotAfterIssuer", nil, func(t *testing.T, f *fixture) string {
			doc := f.signedAssertionResponse(respOpts{})
			a := assertionOf(doc)
			sig := sigOf(a)
			a.RemoveChild(sig)
			a.AddChild(sig)
			return encode(t, doc)
		}, ReasonSignatureWrapping},
		{"EmptyReferenceURI", nil, func(t *testing.T, f *fixture) string {
			doc := f.signedAssertionResponse(respOpts{})
			ref := sigOf(assertionOf(doc)).FindElement("./SignedInfo/Reference")
			ref.RemoveAttr("URI")
			ref.CreateAttr("URI", "")
			return encode(t, doc)
		}, ReasonSignatureWrapping},
		{"TwoReferences", nil, func(t *testing.T, f *fixture) string {
			doc := f.signedAssertionResponse(respOpts{})
			si := sigOf(assertionOf(doc)).FindElement("./SignedInfo")
			si.AddChild(si.FindElement("./Reference").Copy())
			return encode(t, doc)
		}, ReasonSignatureWrapping},
		{"ObjectInSignature", nil, func(t *testing.T, f *fixture) string {
			doc := f.signedAssertionResponse(respOpts{})
			sigOf(assertionOf(doc)).CreateElement("ds:Object").SetText("x")
			return encode(t, doc)
		}, ReasonSignatureWrapping},
		{"SecondSignedResponseWrappedAround", nil, func(t *testing.T, f *fixture) string {
			inner := f.signedResponse(respOpts{})
			outer := f.build(respOpts{NameID: "ceo@corp.example"})
			assertionOf(outer).RemoveAttr("ID")
			assertionOf(outer).CreateAttr("ID", "_evil-assertion")
			r := outer.Root()
			ext := etree.NewElement("samlp:Extensions")
			ext.AddChild(inner.Root().Copy())
			r.InsertChildAt(1, ext)
			sign(t, r, signOpts{Keys: attackerKeys})
			return encode(t, outer)
		}, ReasonSignatureWrapping},
		{"SecondSignedResponseWrappedAroundNoOuterAssertion", nil, func(t *testing.T, f *fixture) string {
			inner := f.signedResponse(respOpts{})
			outer := f.build(respOpts{})
			r := outer.Root()
			r.RemoveChild(assertionOf(outer))
			ext := etree.NewElement("samlp:Extensions")
			ext.AddChild(inner.Root().Copy())
			r.InsertChildAt(1, ext)
			return encode(t, outer)
		}, ReasonSignatureWrapping},
		{"DuplicateResponseAndAssertionID", nil, func(t *testing.T, f *fixture) string {
			return encode(t, f.signedAssertionResponse(respOpts{ResponseID: "_same", AssertionID: "_same"}))
		}, ReasonDuplicateID},
		{"DuplicateIDInExtensions", nil, func(t *testing.T, f *fixture) string {
			doc := f.signedAssertionResponse(respOpts{AssertionID: "_a1"})
			ext := etree.NewElement("samlp:Extensions")
			ext.CreateElement("x").CreateAttr("ID", "_a1")
			doc.Root().InsertChildAt(1, ext)
			return encode(t, doc)
		}, ReasonDuplicateID},
		{"TwoAssertionsBothSigned", nil, func(t *testing.T, f *fixture) string {
			doc := f.signedAssertionResponse(respOpts{})
			second := f.signedAssertionResponse(respOpts{NameID: "bob@corp.example"})
			doc.Root().AddChild(assertionOf(second).Copy())
			return encode(t, doc)
		}, ReasonAssertionCount},
		{"NoAssertion", nil, func(t *testing.T, f *fixture) string {
			doc := f.signedResponse(respOpts{})
			doc = f.build(respOpts{})
			doc.Root().RemoveChild(assertionOf(doc))
			sign(t, doc.Root(), signOpts{})
			return encode(t, doc)
		}, ReasonAssertionCount},
	})
}

func TestServiceProvider_ValidateResponse_Signature(t *testing.T) {
	t.Parallel()
	withKeys := func(k *keyPair) signOpts { return signOpts{Keys: k} }
	runAttacks(t, []attack{
		{"Unsigned", nil, func(t *testing.T, f *fixture) string {
			return encode(t, f.build(respOpts{}))
		}, ReasonSignatureMissing},
		{"ResponseRequiredAssertionSigned", func(f *fixture) { f.idp.SignatureLocation = SignatureResponse }, func(t *testing.T, f *fixture) string {
			return encode(t, f.signedAssertionResponse(respOpts{}))
		}, ReasonSignatureMissing},
		{"AssertionRequiredResponseSigned", func(f *fixture) { f.idp.SignatureLocation = SignatureAssertion }, func(t *testing.T, f *fixture) string {
			return encode(t, f.signedResponse(respOpts{}))
		}, ReasonSignatureMissing},
		{"BothRequiredResponseSigned", func(f *fixture) { f.idp.SignatureLocation = SignatureBoth }, func(t *testing.T, f *fixture) string {
			return encode(t, f.signedResponse(respOpts{}))
		}, ReasonSignatureMissing},
		{"SHA1", nil, func(t *testing.T, f *fixture) string {
			doc := f.build(respOpts{})
			sign(t, assertionOf(doc), signOpts{Hash: crypto.SHA1})
			return encode(t, doc)
		}, ReasonSignatureAlgorithm},
		{"SHA1DigestOnly", nil, func(t *testing.T, f *fixture) string {
			return mutateXML(t, f.signedAssertionResponse(respOpts{}),
				"http://www.w3.org/2001/04/xmlenc#sha256", "http://www.w3.org/2000/09/xmldsig#sha1")
		}, ReasonSignatureAlgorithm},
		{"ExcC14NWithComments", nil, func(t *testing.T, f *fixture) string {
			doc := f.build(respOpts{})
			sign(t, assertionOf(doc), signOpts{WithComments: true})
			return encode(t, doc)
		}, ReasonSignatureAlgorithm},
		{"InclusiveC14N11", nil, func(t *testing.T, f *fixture) string {
			doc := f.build(respOpts{})
			ctx, err := dsig.NewSigningContext(idpKeys.Key, [][]byte{idpKeys.Cert.Raw})
			require.NoError(t, err)
			sig, err := ctx.ConstructSignature(assertionOf(doc), true)
			require.NoError(t, err)
			assertionOf(doc).InsertChildAt(1, sig)
			return encode(t, doc)
		}, ReasonSignatureAlgorithm},
		{"NoCertificateConfigured", func(f *fixture) { f.idp.Certificates = nil }, func(t *testing.T, f *fixture) string {
			return encode(t, f.signedAssertionResponse(respOpts{}))
		}, ReasonNoCertificate},
		{"NilCertificateConfigured", func(f *fixture) { f.idp.Certificates = []*x509.Certificate{nil} }, func(t *testing.T, f *fixture) string {
			doc := f.build(respOpts{})
			sign(t, assertionOf(doc), signOpts{NoKeyInfo: true})
			return encode(t, doc)
		}, ReasonNoCertificate},
		{"SelfSignedKeyInfoCertificate", nil, func(t *testing.T, f *fixture) string {
			doc := f.build(respOpts{})
			sign(t, assertionOf(doc), withKeys(attackerKeys))
			return encode(t, doc)
		}, ReasonCertificateUntrusted},
		{"SelfSignedResponseKeyInfoCertificate", nil, func(t *testing.T, f *fixture) string {
			doc := f.build(respOpts{})
			sign(t, doc.Root(), withKeys(attackerKeys))
			return encode(t, doc)
		}, ReasonCertificateUntrusted},
		{"GarbageKeyInfoCertificate", nil, func(t *testing.T, f *fixture) string {
			doc := f.signedAssertionResponse(respOpts{})
			sigOf(assertionOf(doc)).FindElement("./KeyInfo/X509Data/X509Certificate").SetText("!!!")
			return encode(t, doc)
		}, ReasonCertificateUntrusted},
		{"AttackerCertFirstInKeyInfo", nil, func(t *testing.T, f *fixture) string {
			doc := f.build(respOpts{})
			sign(t, assertionOf(doc), withKeys(attackerKeys))
			xd := sigOf(assertionOf(doc)).FindElement("./KeyInfo/X509Data")
			xd.CreateElement("ds:X509Certificate").SetText(base64.StdEncoding.EncodeToString(idpKeys.Cert.Raw))
			return encode(t, doc)
		}, ReasonCertificateUntrusted},
		{"KeyInfoWithoutCertificate", nil, func(t *testing.T, f *fixture) string {
			doc := f.signedAssertionResponse(respOpts{})
			ki := sigOf(assertionOf(doc)).FindElement("./KeyInfo")
			ki.RemoveChild(ki.FindElement("./X509Data"))
			ki.CreateElement("ds:KeyName").SetText("idp")
			return encode(t, doc)
		}, ReasonCertificateUntrusted},
		{"AttackerKeyWithGenuineKeyInfo", nil, func(t *testing.T, f *fixture) string {
			doc := f.build(respOpts{})
			sign(t, assertionOf(doc), withKeys(&keyPair{Key: attackerKeys.Key, Cert: idpKeys.Cert}))
			return encode(t, doc)
		}, ReasonSignatureInvalid},
		{"AttackerKeyNoKeyInfo", nil, func(t *testing.T, f *fixture) string {
			doc := f.build(respOpts{})
			sign(t, assertionOf(doc), signOpts{Keys: attackerKeys, NoKeyInfo: true})
			return encode(t, doc)
		}, ReasonSignatureInvalid},
		{"ExpiredCertificate", func(f *fixture) { f.idp.Certificates = []*x509.Certificate{expiredIdPCert} }, func(t *testing.T, f *fixture) string {
			doc := f.build(respOpts{})
			sign(t, assertionOf(doc), withKeys(&keyPair{Key: idpKeys.Key, Cert: expiredIdPCert}))
			return encode(t, doc)
		}, ReasonCertificateExpired},
		{"ModifiedAttributeAfterSigning", nil, func(t *testing.T, f *fixture) string {
			return mutateXML(t, f.signedAssertionResponse(respOpts{}), ">admins<", ">superadmins<")
		}, ReasonSignatureInvalid},
		{"ModifiedNameIDAfterSigning", nil, func(t *testing.T, f *fixture) string {
			return mutateXML(t, f.signedAssertionResponse(respOpts{}), ">alice@corp.example</saml:NameID>", ">ceo@corp.example</saml:NameID>")
		}, ReasonSignatureInvalid},
		{"ModifiedAssertionInSignedResponse", nil, func(t *testing.T, f *fixture) string {
			return mutateXML(t, f.signedResponse(respOpts{}), ">admins<", ">superadmins<")
		}, ReasonSignatureInvalid},
		{"CommentAppendedToSignedNameID", nil, func(t *testing.T, f *fixture) string {
			return mutateXML(t, f.signedAssertionResponse(respOpts{}), "alice@corp.example</saml:NameID>", "alice@corp.example<!---->.evil.com</saml:NameID>")
		}, ReasonXMLComment},
		{"EmptySignatureValue", nil, func(t *testing.T, f *fixture) string {
			doc := f.signedAssertionResponse(respOpts{})
			sigOf(assertionOf(doc)).FindElement("./SignatureValue").SetText("")
			return encode(t, doc)
		}, ReasonSignatureInvalid},
	})
}

// TestServiceProvider_ValidateResponse_CommentInjection: the IdP signed the
// NameID "victim@corp.example.evil.com" for an attacker; a comment inserted
// after "victim@corp.example" leaves the signature valid (exclusive c14n
// drops comments). The SP refuses the response rather than read either the
// truncated or the joined text: a comment inside a value is never accepted.
func TestServiceProvider_ValidateResponse_CommentInjection(t *testing.T) {
	t.Parallel()
	for _, signed := range []string{"assertion", "response"} {
		t.Run(signed, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			doc := f.build(respOpts{NameID: "victim@corp.example.evil.com"})
			if signed == "assertion" {
				sign(t, assertionOf(doc), signOpts{})
			} else {
				sign(t, doc.Root(), signOpts{})
			}
			s := mutateXML(t, doc, "victim@corp.example.evil.com", "victim@corp.example<!---->.evil.com")
			a, err := f.validate(s)
			require.Error(t, err)
			require.Nil(t, a)
			require.Equal(t, ReasonXMLComment, ReasonOf(err))
		})
	}
}

func TestServiceProvider_ValidateResponse_Content(t *testing.T) {
	t.Parallel()
	other := func(o respOpts) func(t *testing.T, f *fixture) string {
		return func(t *testing.T, f *fixture) string { return encode(t, f.signedAssertionResponse(o)) }
	}
	otherSignedResponse := func(o respOpts) func(t *testing.T, f *fixture) string {
		return func(t *testing.T, f *fixture) string { return encode(t, f.signedResponse(o)) }
	}
	runAttacks(t, []attack{
		{"StatusRequester", nil, func(t *testing.T, f *fixture) string {
			doc := f.build(respOpts{Status: "urn:oasis:names:tc:SAML:2.0:status:Requester"})
			doc.Root().RemoveChild(assertionOf(doc))
			return encode(t, doc)
		}, ReasonStatus},
		{"StatusResponderSigned", nil, otherSignedResponse(respOpts{Status: "urn:oasis:names:tc:SAML:2.0:status:Responder"}), ReasonStatus},
		{"AssertionIssuer", nil, other(respOpts{AssertionIssuer: "https://evil.example/idp"}), ReasonIssuer},
		{"ResponseIssuer", nil, otherSignedResponse(respOpts{ResponseIssuer: "https://evil.example/idp"}), ReasonIssuer},
		{"IssuerFormat", nil, func(t *testing.T, f *fixture) string {
			doc := f.build(respOpts{})
			assertionOf(doc).FindElement("./Issuer").CreateAttr("Format", NameIDFormatEmailAddress)
			sign(t, assertionOf(doc), signOpts{})
			return encode(t, doc)
		}, ReasonIssuer},
		{"DestinationOtherSP", nil, other(respOpts{Destination: "https://other.example/acs"}), ReasonDestination},
		{"DestinationOtherSPSignedResponse", nil, otherSignedResponse(respOpts{Destination: "https://other.example/acs"}), ReasonDestination},
		{"NoDestinationSignedResponse", nil, otherSignedResponse(respOpts{NoDestination: true}), ReasonDestination},
		{"AudienceOtherSP", nil, other(respOpts{Audience: "https://other.example/sp"}), ReasonAudience},
		{"NoConditions", nil, func(t *testing.T, f *fixture) string {
			doc := f.build(respOpts{})
			assertionOf(doc).RemoveChild(assertionOf(doc).FindElement("./Conditions"))
			sign(t, assertionOf(doc), signOpts{})
			return encode(t, doc)
		}, ReasonAudience},
		{"RecipientOtherSP", nil, other(respOpts{Recipient: "https://other.example/acs"}), ReasonRecipient},
		{"HolderOfKey", nil, other(respOpts{Method: "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key"}), ReasonSubjectConfirmation},
		{"Expired", func(f *fixture) { f.clock.Set(t0.Add(9 * time.Minute)) }, func(t *testing.T, f *fixture) string {
			f.clock.Set(t0)
			s := encode(t, f.signedAssertionResponse(respOpts{}))
			f.clock.Set(t0.Add(9 * time.Minute))
			return s
		}, ReasonExpired},
		{"ExpiredSubjectConfirmation", nil, other(respOpts{SCDNotOnOrAfter: t0.Add(-5 * time.Minute)}), ReasonExpired},
		{"ExpiredConditionsOnly", nil, other(respOpts{NotOnOrAfter: t0.Add(-4 * time.Minute)}), ReasonExpired},
		{"NotYetValid", nil, other(respOpts{NotBefore: t0.Add(10 * time.Minute)}), ReasonNotYetValid},
		{"NotYetValidWithoutSkew", func(f *fixture) { f.idp.ClockSkew = -1 }, other(respOpts{NotBefore: t0.Add(2 * time.Minute)}), ReasonNotYetValid},
		{"ExpiredWithSmallSkew", func(f *fixture) { f.idp.ClockSkew = time.Second }, other(respOpts{NotOnOrAfter: t0.Add(-2 * time.Minute)}), ReasonExpired},
		{"InResponseToDiffers", nil, func(t *testing.T, f *fixture) string {
			doc := f.build(respOpts{})
			doc.Root().RemoveAttr("InResponseTo")
			doc.Root().CreateAttr("InResponseTo", "_other")
			sign(t, doc.Root(), signOpts{})
			return encode(t, doc)
		}, ReasonInResponseToMismatch},
		{"InResponseToUnknown", nil, other(respOpts{InResponseTo: "_never-issued"}), ReasonInResponseToUnknown},
		{"InResponseToOtherIdP", func(f *fixture) {
			other := *f.idp
			other.EntityID = "https://other-idp.example"
			_, id, err := f.sp.AuthnRequestURL(t.Context(), &other, "")
			require.NoError(t, err)
			f.requestID = id
		}, other(respOpts{}), ReasonInResponseToUnknown},
		{"InResponseToExpired", nil, func(t *testing.T, f *fixture) string {
			f.clock.Set(t0.Add(DefaultRequestMaxAge + time.Second))
			return encode(t, f.signedAssertionResponse(respOpts{}))
		}, ReasonInResponseToUnknown},
		{"InResponseToConsumed", nil, func(t *testing.T, f *fixture) string {
			_, err := f.validate(encode(t, f.signedAssertionResponse(respOpts{})))
			require.NoError(t, err)
			return encode(t, f.signedAssertionResponse(respOpts{}))
		}, ReasonInResponseToUnknown},
		{"Unsolicited", nil, other(respOpts{Unsolicited: true}), ReasonUnsolicited},
		{"Replayed", nil, func(t *testing.T, f *fixture) string {
			s := encode(t, f.signedAssertionResponse(respOpts{}))
			_, err := f.validate(s)
			require.NoError(t, err)
			return s
		}, ReasonReplayed},
		{"ReplayedIdPInitiated", func(f *fixture) { f.idp.AllowIdPInitiated = true }, func(t *testing.T, f *fixture) string {
			s := encode(t, f.signedAssertionResponse(respOpts{Unsolicited: true}))
			_, err := f.validate(s)
			require.NoError(t, err)
			f.clock.Set(t0.Add(4 * time.Minute))
			return s
		}, ReasonReplayed},
		{"NameIDFormat", func(f *fixture) { f.idp.NameIDFormats = []string{NameIDFormatPersistent} }, other(respOpts{}), ReasonNameIDFormat},
		{"NoNameID", nil, func(t *testing.T, f *fixture) string {
			doc := f.build(respOpts{})
			subj := assertionOf(doc).FindElement("./Subject")
			subj.RemoveChild(subj.FindElement("./NameID"))
			sign(t, assertionOf(doc), signOpts{})
			return encode(t, doc)
		}, ReasonNameID},
		{"NameIDWithElement", nil, func(t *testing.T, f *fixture) string {
			doc := f.build(respOpts{})
			assertionOf(doc).FindElement("./Subject/NameID").CreateElement("saml:b").SetText("x")
			sign(t, assertionOf(doc), signOpts{})
			return encode(t, doc)
		}, ReasonNameID},
		{"NoAuthnStatement", nil, func(t *testing.T, f *fixture) string {
			doc := f.build(respOpts{})
			assertionOf(doc).RemoveChild(assertionOf(doc).FindElement("./AuthnStatement"))
			sign(t, assertionOf(doc), signOpts{})
			return encode(t, doc)
		}, ReasonAuthnStatement},
		{"WrongVersion", nil, func(t *testing.T, f *fixture) string {
			doc := f.build(respOpts{})
			assertionOf(doc).RemoveAttr("Version")
			assertionOf(doc).CreateAttr("Version", "1.1")
			sign(t, assertionOf(doc), signOpts{})
			return encode(t, doc)
		}, ReasonStructure},
		{"BadTimestamp", nil, func(t *testing.T, f *fixture) string {
			doc := f.build(respOpts{})
			assertionOf(doc).FindElement("./Conditions").RemoveAttr("NotBefore")
			assertionOf(doc).FindElement("./Conditions").CreateAttr("NotBefore", "yesterday")
			sign(t, assertionOf(doc), signOpts{})
			return encode(t, doc)
		}, ReasonStructure},
	})
}

func TestServiceProvider_ValidateResponse_Encrypted(t *testing.T) {
	t.Parallel()
	testKeys(t)
	encrypted := func(o encOpts) func(t *testing.T, f *fixture) string {
		return func(t *testing.T, f *fixture) string {
			doc := f.signedAssertionResponse(respOpts{})
			encryptAssertion(t, doc, o)
			return encode(t, doc)
		}
	}
	withPlain := func(plain func(f *fixture) string) func(t *testing.T, f *fixture) string {
		return func(t *testing.T, f *fixture) string {
			doc := f.build(respOpts{})
			r := doc.Root()
			a := assertionOf(doc)
			idx := a.Index()
			r.RemoveChild(a)
			r.InsertChildAt(idx, encryptedAssertion(t, []byte(plain(f)), encOpts{}))
			return encode(t, doc)
		}
	}
	signedAssertionXML := func(f *fixture, o respOpts) string {
		doc := f.signedAssertionResponse(o)
		ad := etree.NewDocument()
		ad.SetRoot(assertionOf(doc).Copy())
		s, err := ad.WriteToString()
		require.NoError(t, err)
		return s
	}
	runAttacks(t, []attack{
		{"RSA15KeyTransport", nil, encrypted(encOpts{RSA15: true}), ReasonEncryptionAlgorithm},
		{"TripleDES", nil, encrypted(encOpts{ContentAlg: nsXEnc + "tripledes-cbc"}), ReasonEncryptionAlgorithm},
		{"OAEPDigestMD5", nil, func(t *testing.T, f *fixture) string {
			doc := f.signedAssertionResponse(respOpts{})
			encryptAssertion(t, doc, encOpts{OAEPDigest: "http://www.w3.org/2001/04/xmlenc#sha256"})
			return mutateXML(t, doc, `Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"`, `Algorithm="http://www.w3.org/2001/04/xmldsig-more#md5"`)
		}, ReasonEncryptionAlgorithm},
		{"WrongRecipientKey", nil, encrypted(encOpts{To: &attackerKeys.RSAKey.PublicKey}), ReasonDecryption},
		{"BadCBCPadding", nil, encrypted(encOpts{ContentAlg: nsXEnc + "aes128-cbc", BadPadding: true}), ReasonDecryption},
		{"TamperedGCM", nil, func(t *testing.T, f *fixture) string {
			doc := f.signedAssertionResponse(respOpts{})
			encryptAssertion(t, doc, encOpts{})
			cv := doc.Root().FindElement("./EncryptedAssertion/EncryptedData/CipherData/CipherValue")
			b, _ := base64.StdEncoding.DecodeString(cv.Text())
			b[len(b)-1] ^= 1
			cv.SetText(base64.StdEncoding.EncodeToString(b))
			return encode(t, doc)
		}, ReasonDecryption},
		{"TruncatedCiphertext", nil, func(t *testing.T, f *fixture) string {
			doc := f.signedAssertionResponse(respOpts{})
			encryptAssertion(t, doc, encOpts{ContentAlg: nsXEnc + "aes256-cbc"})
			doc.Root().FindElement("./EncryptedAssertion/EncryptedData/CipherData/CipherValue").SetText("AAAA")
			return encode(t, doc)
		}, ReasonDecryption},
		{"TruncatedKey", nil, func(t *testing.T, f *fixture) string {
			doc := f.signedAssertionResponse(respOpts{})
			encryptAssertion(t, doc, encOpts{})
			doc.Root().FindElement("./EncryptedAssertion/EncryptedData/KeyInfo/EncryptedKey/CipherData/CipherValue").SetText("AAAA")
			return encode(t, doc)
		}, ReasonDecryption},
		{"NoSPKey", func(f *fixture) { f.sp.Key = nil }, encrypted(encOpts{}), ReasonDecryption},
		{"UnsignedEncryptedAssertion", nil, func(t *testing.T, f *fixture) string {
			doc := f.build(respOpts{})
			encryptAssertion(t, doc, encOpts{})
			return encode(t, doc)
		}, ReasonSignatureMissing},
		{"NotXML", nil, withPlain(func(f *fixture) string { return "hello" }), ReasonDecryption},
		{"DoctypeInPlaintext", nil, withPlain(func(f *fixture) string {
			return `<!DOCTYPE a [<!ENTITY x "y">]>` + signedAssertionXML(f, respOpts{})
		}), ReasonDTD},
		{"NotAnAssertion", nil, withPlain(func(f *fixture) string {
			return `<saml:Foo xmlns:saml="` + nsSAML + `"/>`
		}), ReasonDecryption},
		{"NestedEvilAssertion", nil, withPlain(func(f *fixture) string {
			s := signedAssertionXML(f, respOpts{})
			i := strings.LastIndex(s, "</saml:Assertion>")
			return s[:i] + `<saml:Assertion ID="_evil"/>` + s[i:]
		}), ReasonAssertionCount},
		{"IDCollidesWithResponse", nil, func(t *testing.T, f *fixture) string {
			doc := f.signedAssertionResponse(respOpts{ResponseID: "_r", AssertionID: "_x"})
			encryptAssertion(t, doc, encOpts{})
			doc.Root().RemoveAttr("ID")
			doc.Root().CreateAttr("ID", "_x")
			return encode(t, doc)
		}, ReasonDuplicateID},
		{"CommentInDecryptedNameID", nil, withPlain(func(f *fixture) string {
			return strings.Replace(signedAssertionXML(f, respOpts{}), ">alice@corp.example<", ">alice@corp<!---->.example<", 1)
		}), ReasonXMLComment},
		{"CDATAInDecryptedAttributeValue", nil, withPlain(func(f *fixture) string {
			return strings.Replace(signedAssertionXML(f, respOpts{}), ">admins<", "><![CDATA[admins]]><", 1)
		}), ReasonXMLComment},
		{"ModifiedDecryptedAssertion", nil, withPlain(func(f *fixture) string {
			return strings.Replace(signedAssertionXML(f, respOpts{}), ">admins<", ">superadmins<", 1)
		}), ReasonSignatureInvalid},
	})
}
