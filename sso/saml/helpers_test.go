package saml

import (
	"context"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/stretchr/testify/require"
)

// t0 is the fixed "now" of every test.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

const (
	testSPEntityID  = "https://sp.example.com/saml/metadata"
	testACSURL      = "https://sp.example.com/saml/acs"
	testIdPEntityID = "https://idp.example.org/metadata"
	testSSOURL      = "https://idp.example.org/sso"
)

// fakeClock is a settable Clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// keyPair is a test key with its self-signed certificate.
type keyPair struct {
	Key    crypto.Signer
	Cert   *x509.Certificate
	RSAKey *rsa.PrivateKey
}

var (
	keysOnce sync.Once
	// idpKeys signs the genuine IdP's responses; idpKeys2 is its rotation
	// successor; attackerKeys is anyone else; spKeys is the SP's key.
	idpKeys, idpKeys2, attackerKeys, spKeys, ecKeys *keyPair
	// expiredIdPCert is a certificate for idpKeys' key that expired.
	expiredIdPCert *x509.Certificate
)

func testKeys(tb testing.TB) {
	tb.Helper()
	keysOnce.Do(func() {
		from, to := t0.Add(-24*time.Hour), t0.Add(365*24*time.Hour)
		idpKeys = loadKeyPair(tb, "idp", 1, from, to)
		idpKeys2 = loadKeyPair(tb, "idp-next", 2, from, to)
		attackerKeys = loadKeyPair(tb, "attacker", 3, from, to)
		spKeys = loadKeyPair(tb, "sp", 4, from, to)
		ecKeys = loadKeyPair(tb, "idp-ec", 5, from, to)
		expiredIdPCert = selfSign(tb, idpKeys.RSAKey, "idp", 6, t0.Add(-48*time.Hour), t0.Add(-time.Hour))
	})
	require.NotNil(tb, idpKeys, "key loading failed earlier")
}

// loadKeyPair reads a fixed test key from testdata/keys and certifies it
// deterministically, so that fuzz workers and the coordinator agree.
func loadKeyPair(tb testing.TB, name string, serial int64, from, to time.Time) *keyPair {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "keys", name+".pem"))
	require.NoError(tb, err)
	block, _ := pem.Decode(b)
	require.NotNil(tb, block)
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	require.NoError(tb, err)
	signer := k.(crypto.Signer)
	kp := &keyPair{Key: signer, Cert: selfSign(tb, signer, "test-"+name, serial, from, to)}
	kp.RSAKey, _ = k.(*rsa.PrivateKey)
	return kp
}

func selfSign(tb testing.TB, k crypto.Signer, cn string, serial int64, from, to time.Time) *x509.Certificate {
	tb.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    from,
		NotAfter:     to,
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	require.NoError(tb, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(tb, err)
	return cert
}

// fixture is one SP, one IdP and one pending AuthnRequest.
type fixture struct {
	tb        testing.TB
	clock     *fakeClock
	store     *MemoryStore
	sp        *ServiceProvider
	idp       *IdentityProvider
	requestID string
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	testKeys(tb)
	f := &fixture{tb: tb, clock: &fakeClock{now: t0}, store: NewMemoryStore()}
	f.sp = &ServiceProvider{
		EntityID:     testSPEntityID,
		ACSURL:       testACSURL,
		Key:          spKeys.RSAKey,
		Certificate:  spKeys.Cert,
		RequestStore: f.store,
		ReplayCache:  f.store,
		Clock:        f.clock,
	}
	f.idp = &IdentityProvider{
		EntityID:     testIdPEntityID,
		SSOURL:       testSSOURL,
		Certificates: []*x509.Certificate{idpKeys.Cert},
	}
	_, id, err := f.sp.AuthnRequestURL(context.Background(), f.idp, "")
	require.NoError(tb, err)
	f.requestID = id
	return f
}

// respOpts describes the response an IdP would send. The zero value of a
// field means "the genuine value".
type respOpts struct {
	ResponseID, AssertionID string
	InResponseTo            string // both Response and SCD
	Destination             string
	NoDestination           bool
	ResponseIssuer          string
	AssertionIssuer         string
	Audience                string
	Recipient               string
	Method                  string
	NameID                  string
	NameIDFormat            string
	NotBefore, NotOnOrAfter time.Time
	SCDNotOnOrAfter         time.Time
	Status                  string
	Attributes              map[string][]string
	Unsolicited             bool
}

// build returns the unsigned Response document for o.
func (f *fixture) build(o respOpts) *etree.Document {
	def := func(v, d string) string {
		if v == "" {
			return d
		}
		return v
	}
	deft := func(v, d time.Time) time.Time {
		if v.IsZero() {
			return d
		}
		return v
	}
	ts := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	irt := def(o.InResponseTo, f.requestID)
	if o.Unsolicited {
		irt = ""
	}
	now := f.clock.Now()

	doc := etree.NewDocument()
	r := doc.CreateElement("samlp:Response")
	r.CreateAttr("xmlns:samlp", nsSAMLP)
	r.CreateAttr("xmlns:saml", nsSAML)
	r.CreateAttr("ID", def(o.ResponseID, "_resp-"+randHex()))
	r.CreateAttr("Version", "2.0")
	r.CreateAttr("IssueInstant", ts(now))
	if !o.NoDestination {
		r.CreateAttr("Destination", def(o.Destination, testACSURL))
	}
	if irt != "" {
		r.CreateAttr("InResponseTo", irt)
	}
	r.CreateElement("saml:Issuer").SetText(def(o.ResponseIssuer, testIdPEntityID))
	r.CreateElement("samlp:Status").CreateElement("samlp:StatusCode").CreateAttr("Value", def(o.Status, StatusSuccess))

	a := r.CreateElement("saml:Assertion")
	a.CreateAttr("xmlns:saml", nsSAML)
	a.CreateAttr("xmlns:xs", "http://www.w3.org/2001/XMLSchema")
	a.CreateAttr("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance")
	a.CreateAttr("ID", def(o.AssertionID, "_asrt-"+randHex()))
	a.CreateAttr("Version", "2.0")
	a.CreateAttr("IssueInstant", ts(now))
	a.CreateElement("saml:Issuer").SetText(def(o.AssertionIssuer, testIdPEntityID))
	subj := a.CreateElement("saml:Subject")
	nid := subj.CreateElement("saml:NameID")
	nid.CreateAttr("Format", def(o.NameIDFormat, NameIDFormatEmailAddress))
	nid.SetText(def(o.NameID, "alice@corp.example"))
	sc := subj.CreateElement("saml:SubjectConfirmation")
	sc.CreateAttr("Method", def(o.Method, ConfirmationMethodBearer))
	scd := sc.CreateElement("saml:SubjectConfirmationData")
	if irt != "" {
		scd.CreateAttr("InResponseTo", irt)
	}
	scd.CreateAttr("NotOnOrAfter", ts(deft(o.SCDNotOnOrAfter, now.Add(5*time.Minute))))
	scd.CreateAttr("Recipient", def(o.Recipient, testACSURL))
	cond := a.CreateElement("saml:Conditions")
	cond.CreateAttr("NotBefore", ts(deft(o.NotBefore, now.Add(-time.Minute))))
	cond.CreateAttr("NotOnOrAfter", ts(deft(o.NotOnOrAfter, now.Add(5*time.Minute))))
	cond.CreateElement("saml:AudienceRestriction").CreateElement("saml:Audience").SetText(def(o.Audience, testSPEntityID))
	as := a.CreateElement("saml:AuthnStatement")
	as.CreateAttr("AuthnInstant", ts(now.Add(-10*time.Second)))
	as.CreateAttr("SessionIndex", "_session-1")
	as.CreateElement("saml:AuthnContext").CreateElement("saml:AuthnContextClassRef").
		SetText("urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport")
	attrs := o.Attributes
	if attrs == nil {
		attrs = map[string][]string{"email": {"alice@corp.example"}, "groups": {"admins", "staff"}}
	}
	if len(attrs) > 0 {
		st := a.CreateElement("saml:AttributeStatement")
		for _, name := range sortedKeys(attrs) {
			at := st.CreateElement("saml:Attribute")
			at.CreateAttr("Name", name)
			at.CreateAttr("NameFormat", "urn:oasis:names:tc:SAML:2.0:attrname-format:basic")
			for _, v := range attrs[name] {
				av := at.CreateElement("saml:AttributeValue")
				av.CreateAttr("xsi:type", "xs:string")
				av.SetText(v)
			}
		}
	}
	return doc
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

func randHex() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%x", b)
}

// signOpts tweaks a signature.
type signOpts struct {
	Keys         *keyPair
	Hash         crypto.Hash // default SHA-256
	WithComments bool
	NoKeyInfo    bool
}

// sign signs el (enveloped, exclusive c14n) and inserts the signature right
// after its Issuer.
func sign(tb testing.TB, el *etree.Element, o signOpts) {
	tb.Helper()
	kp := o.Keys
	if kp == nil {
		kp = idpKeys
	}
	ctx, err := dsig.NewSigningContext(kp.Key, [][]byte{kp.Cert.Raw})
	require.NoError(tb, err)
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if o.WithComments {
		ctx.Canonicalizer = dsig.MakeC14N10ExclusiveWithCommentsCanonicalizerWithPrefixList("")
	}
	if o.Hash != 0 {
		ctx.Hash = o.Hash
	}
	sig, err := ctx.ConstructSignature(el, true)
	require.NoError(tb, err)
	if o.NoKeyInfo {
		for _, c := range sig.ChildElements() {
			if c.Tag == "KeyInfo" {
				sig.RemoveChild(c)
			}
		}
	}
	idx := 0
	for _, c := range el.ChildElements() {
		if c.Tag == "Issuer" {
			idx = c.Index() + 1
			break
		}
	}
	el.InsertChildAt(idx, sig)
}

func assertionOf(doc *etree.Document) *etree.Element {
	return doc.Root().FindElement("./Assertion")
}

// encode serialises doc and base64-encodes it like the POST binding.
func encode(tb testing.TB, doc *etree.Document) string {
	tb.Helper()
	b, err := doc.WriteToBytes()
	require.NoError(tb, err)
	return base64.StdEncoding.EncodeToString(b)
}

func encodeString(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// reparse round-trips doc through bytes, as an attacker editing the XML would.
func reparse(tb testing.TB, doc *etree.Document) *etree.Document {
	tb.Helper()
	b, err := doc.WriteToBytes()
	require.NoError(tb, err)
	out := etree.NewDocument()
	require.NoError(tb, out.ReadFromBytes(b))
	return out
}

// encOpts tweaks an encryption.
type encOpts struct {
	ContentAlg string // default aes256-gcm
	KeyAlg     string // default rsa-oaep-mgf1p
	OAEPDigest string // DigestMethod; "" = none (SHA-1)
	MGF        string // xenc11 MGF; "" = none
	RSA15      bool
	To         *rsa.PublicKey
	KeyOutside bool // EncryptedKey as sibling of EncryptedData
	BadPadding bool // CBC: last padding byte out of range
}

// encryptAssertion replaces the Assertion of doc by an EncryptedAssertion.
func encryptAssertion(tb testing.TB, doc *etree.Document, o encOpts) {
	tb.Helper()
	a := assertionOf(doc)
	require.NotNil(tb, a)
	ad := etree.NewDocument()
	ad.SetRoot(a.Copy())
	plain, err := ad.WriteToBytes()
	require.NoError(tb, err)
	ea := encryptedAssertion(tb, plain, o)
	r := doc.Root()
	idx := a.Index()
	r.RemoveChild(a)
	r.InsertChildAt(idx, ea)
}

func encryptedAssertion(tb testing.TB, plain []byte, o encOpts) *etree.Element {
	tb.Helper()
	if o.ContentAlg == "" {
		o.ContentAlg = nsXEnc11 + "aes256-gcm"
	}
	if o.KeyAlg == "" {
		o.KeyAlg = algRSAOAEPMGF1P
	}
	if o.To == nil {
		o.To = &spKeys.RSAKey.PublicKey
	}
	alg, ok := blockAlgs[o.ContentAlg]
	keyLen := 24
	if ok {
		keyLen = alg.keyLen
	}
	cek := make([]byte, keyLen)
	_, _ = rand.Read(cek)
	var data []byte
	if ok && alg.gcm {
		block, _ := aes.NewCipher(cek)
		aead, _ := cipher.NewGCM(block)
		nonce := make([]byte, aead.NonceSize())
		_, _ = rand.Read(nonce)
		data = aead.Seal(nonce, nonce, plain, nil)
	} else if ok {
		block, _ := aes.NewCipher(cek)
		pad := 16 - len(plain)%16
		padded := append(append([]byte{}, plain...), make([]byte, pad)...)
		padded[len(padded)-1] = byte(pad)
		if o.BadPadding {
			padded[len(padded)-1] = 0
		}
		iv := make([]byte, 16)
		_, _ = rand.Read(iv)
		ct := make([]byte, len(padded))
		cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, padded)
		data = append(iv, ct...)
	} else {
		data = make([]byte, 64)
	}
	var wrapped []byte
	var err error
	if o.RSA15 {
		wrapped, err = rsa.EncryptPKCS1v15(rand.Reader, o.To, cek)
	} else {
		h, mgf := crypto.SHA1, crypto.SHA1
		if o.OAEPDigest != "" {
			h = oaepDigests[o.OAEPDigest]
		}
		if o.MGF != "" {
			mgf = mgfDigests[o.MGF]
		}
		wrapped, err = encryptOAEP(o.To, cek, h, mgf)
	}
	require.NoError(tb, err)

	ea := etree.NewElement("saml:EncryptedAssertion")
	ed := ea.CreateElement("xenc:EncryptedData")
	ed.CreateAttr("xmlns:xenc", nsXEnc)
	ed.CreateAttr("Type", nsXEnc+"Element")
	ed.CreateElement("xenc:EncryptionMethod").CreateAttr("Algorithm", o.ContentAlg)
	ek := etree.NewElement("xenc:EncryptedKey")
	ek.CreateAttr("xmlns:xenc", nsXEnc)
	em := ek.CreateElement("xenc:EncryptionMethod")
	if o.RSA15 {
		em.CreateAttr("Algorithm", nsXEnc+"rsa-1_5")
	} else {
		em.CreateAttr("Algorithm", o.KeyAlg)
	}
	if o.OAEPDigest != "" {
		dm := em.CreateElement("ds:DigestMethod")
		dm.CreateAttr("xmlns:ds", nsDSig)
		dm.CreateAttr("Algorithm", o.OAEPDigest)
	}
	if o.MGF != "" {
		m := em.CreateElement("xenc11:MGF")
		m.CreateAttr("xmlns:xenc11", nsXEnc11)
		m.CreateAttr("Algorithm", o.MGF)
	}
	ek.CreateElement("xenc:CipherData").CreateElement("xenc:CipherValue").SetText(base64.StdEncoding.EncodeToString(wrapped))
	if o.KeyOutside {
		ea.AddChild(ek)
	} else {
		ki := ed.CreateElement("ds:KeyInfo")
		ki.CreateAttr("xmlns:ds", nsDSig)
		ki.AddChild(ek)
	}
	ed.CreateElement("xenc:CipherData").CreateElement("xenc:CipherValue").SetText(base64.StdEncoding.EncodeToString(data))
	// The key must come before the data in the schema when outside.
	if o.KeyOutside {
		ea.RemoveChild(ek)
		ea.InsertChildAt(0, ek)
	}
	return ea
}

// signedAssertionResponse is the most common genuine response: the
// assertion is signed, the Response is not.
func (f *fixture) signedAssertionResponse(o respOpts) *etree.Document {
	doc := f.build(o)
	sign(f.tb, assertionOf(doc), signOpts{})
	return doc
}

// signedResponse is a genuine response with only the Response signed.
func (f *fixture) signedResponse(o respOpts) *etree.Document {
	doc := f.build(o)
	sign(f.tb, doc.Root(), signOpts{})
	return doc
}

func (f *fixture) validate(samlResponse string) (*Assertion, error) {
	return f.sp.ValidateResponse(context.Background(), f.idp, samlResponse)
}

// encryptOAEP is RSAES-OAEP (RFC 8017 7.1.1) with independent digest and
// MGF1 hashes, which crypto/rsa only offers for encryption from Go 1.26.
func encryptOAEP(pub *rsa.PublicKey, msg []byte, h, mgf crypto.Hash) ([]byte, error) {
	k := pub.Size()
	hLen := h.Size()
	if len(msg) > k-2*hLen-2 {
		return nil, fmt.Errorf("message too long")
	}
	lHash := h.New().Sum(nil)
	db := make([]byte, k-hLen-1)
	copy(db, lHash)
	db[len(db)-len(msg)-1] = 1
	copy(db[len(db)-len(msg):], msg)
	seed := make([]byte, hLen)
	_, _ = rand.Read(seed)
	xorMGF1(mgf, db, seed)
	xorMGF1(mgf, seed, db)
	em := append([]byte{0}, append(seed, db...)...)
	m := new(big.Int).SetBytes(em)
	c := new(big.Int).Exp(m, big.NewInt(int64(pub.E)), pub.N)
	out := make([]byte, k)
	c.FillBytes(out)
	return out, nil
}

func xorMGF1(h crypto.Hash, out, seed []byte) {
	var counter [4]byte
	done := 0
	for done < len(out) {
		d := h.New()
		d.Write(seed)
		d.Write(counter[:])
		for _, b := range d.Sum(nil) {
			if done >= len(out) {
				break
			}
			out[done] ^= b
			done++
		}
		for i := 3; i >= 0; i-- {
			counter[i]++
			if counter[i] != 0 {
				break
			}
		}
	}
}
