package saml

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rsa"
	_ "crypto/sha1" // OAEP digests and MGF1
	_ "crypto/sha256"
	_ "crypto/sha512"
	"encoding/base64"
	"errors"
)

// Allowed XML Encryption algorithms. RSA PKCS#1 v1.5 key transport
// (xmlenc#rsa-1_5) is refused: it is a padding oracle.
const (
	algRSAOAEPMGF1P = nsXEnc + "rsa-oaep-mgf1p"
	algRSAOAEP      = nsXEnc11 + "rsa-oaep"
)

type blockAlg struct {
	keyLen int
	gcm    bool
}

var (
	blockAlgs = map[string]blockAlg{
		nsXEnc + "aes128-cbc":   {16, false},
		nsXEnc + "aes192-cbc":   {24, false},
		nsXEnc + "aes256-cbc":   {32, false},
		nsXEnc11 + "aes128-gcm": {16, true},
		nsXEnc11 + "aes192-gcm": {24, true},
		nsXEnc11 + "aes256-gcm": {32, true},
	}
	oaepDigests = map[string]crypto.Hash{
		"http://www.w3.org/2000/09/xmldsig#sha1":        crypto.SHA1,
		"http://www.w3.org/2001/04/xmlenc#sha256":       crypto.SHA256,
		"http://www.w3.org/2001/04/xmldsig-more#sha384": crypto.SHA384,
		"http://www.w3.org/2001/04/xmlenc#sha512":       crypto.SHA512,
	}
	mgfDigests = map[string]crypto.Hash{
		nsXEnc11 + "mgf1sha1":   crypto.SHA1,
		nsXEnc11 + "mgf1sha224": crypto.SHA224,
		nsXEnc11 + "mgf1sha256": crypto.SHA256,
		nsXEnc11 + "mgf1sha384": crypto.SHA384,
		nsXEnc11 + "mgf1sha512": crypto.SHA512,
	}
)

var errDecrypt = errors.New("decryption failed")

// decryptAssertion returns the plaintext of an EncryptedAssertion. Every
// failure after the algorithm checks is the same ReasonDecryption with the
// same cause, so the result cannot serve as a padding oracle.
func decryptAssertion(key *rsa.PrivateKey, ea *xnode) ([]byte, *Error) {
	if key == nil {
		return nil, failf(ReasonDecryption, "no SP key to decrypt with")
	}
	ed, e := requiredChild(ea, nsXEnc, "EncryptedData")
	if e != nil {
		return nil, fail(ReasonDecryption, e)
	}
	em, e := requiredChild(ed, nsXEnc, "EncryptionMethod")
	if e != nil {
		return nil, fail(ReasonDecryption, e)
	}
	algURI, _ := attr(em, "Algorithm")
	alg, ok := blockAlgs[algURI]
	if !ok {
		return nil, failf(ReasonEncryptionAlgorithm, "content encryption "+algURI)
	}
	var keys []*xnode
	if ki, _ := child(ed, nsDSig, "KeyInfo"); ki != nil {
		keys = append(keys, children(ki, nsXEnc, "EncryptedKey")...)
	}
	keys = append(keys, children(ea, nsXEnc, "EncryptedKey")...)
	if len(keys) == 0 {
		return nil, failf(ReasonDecryption, "no EncryptedKey")
	}
	ciphertext, e := cipherValue(ed)
	if e != nil {
		return nil, e
	}
	var last *Error
	for _, ek := range keys {
		cek, e := decryptKey(key, ek)
		if e != nil {
			if e.Reason == ReasonEncryptionAlgorithm {
				return nil, e
			}
			last = e
			continue
		}
		if len(cek) != alg.keyLen {
			last = fail(ReasonDecryption, errDecrypt)
			continue
		}
		plain, err := decryptContent(cek, ciphertext, alg.gcm)
		if err != nil {
			last = fail(ReasonDecryption, errDecrypt)
			continue
		}
		return plain, nil
	}
	return nil, last
}

func cipherValue(e *xnode) ([]byte, *Error) {
	cd, err := requiredChild(e, nsXEnc, "CipherData")
	if err != nil {
		return nil, fail(ReasonDecryption, err)
	}
	cv, err := requiredChild(cd, nsXEnc, "CipherValue")
	if err != nil {
		return nil, fail(ReasonDecryption, err)
	}
	text, ok, verr := valueText(cv)
	if verr != nil {
		return nil, verr
	}
	if !ok {
		return nil, failf(ReasonDecryption, "CipherValue has child elements")
	}
	b, derr := base64.StdEncoding.DecodeString(stripSpace(text))
	if derr != nil {
		return nil, fail(ReasonDecryption, derr)
	}
	return b, nil
}

// decryptKey unwraps the content-encryption key with RSA-OAEP.
func decryptKey(key *rsa.PrivateKey, ek *xnode) ([]byte, *Error) {
	em, e := requiredChild(ek, nsXEnc, "EncryptionMethod")
	if e != nil {
		return nil, fail(ReasonDecryption, e)
	}
	alg, _ := attr(em, "Algorithm")
	opts := &rsa.OAEPOptions{Hash: crypto.SHA1, MGFHash: crypto.SHA1}
	switch alg {
	case algRSAOAEPMGF1P, algRSAOAEP:
	default:
		return nil, failf(ReasonEncryptionAlgorithm, "key transport "+alg)
	}
	for _, c := range em.elements() {
		switch {
		case is(c, nsDSig, "DigestMethod"):
			v, _ := attr(c, "Algorithm")
			h, ok := oaepDigests[v]
			if !ok {
				return nil, failf(ReasonEncryptionAlgorithm, "OAEP digest "+v)
			}
			opts.Hash = h
		case is(c, nsXEnc11, "MGF") && alg == algRSAOAEP:
			v, _ := attr(c, "Algorithm")
			h, ok := mgfDigests[v]
			if !ok {
				return nil, failf(ReasonEncryptionAlgorithm, "MGF "+v)
			}
			opts.MGFHash = h
		case is(c, nsXEnc, "OAEPparams"):
			text, _, e := valueText(c)
			if e != nil {
				return nil, e
			}
			label, err := base64.StdEncoding.DecodeString(stripSpace(text))
			if err != nil {
				return nil, fail(ReasonDecryption, err)
			}
			opts.Label = label
		default:
			return nil, failf(ReasonEncryptionAlgorithm, "unexpected EncryptionMethod parameter")
		}
	}
	ct, e := cipherValue(ek)
	if e != nil {
		return nil, e
	}
	cek, err := key.Decrypt(nil, ct, opts)
	if err != nil {
		return nil, fail(ReasonDecryption, errDecrypt)
	}
	return cek, nil
}

// decryptContent decrypts XML Encryption content: IV || ciphertext for CBC
// (ISO 10126 padding, only the final length byte is checked), IV || ciphertext
// || tag for GCM.
func decryptContent(cek, data []byte, gcm bool) ([]byte, error) {
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, errDecrypt
	}
	if gcm {
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, errDecrypt
		}
		ns := aead.NonceSize()
		if len(data) < ns+aead.Overhead() {
			return nil, errDecrypt
		}
		plain, err := aead.Open(nil, data[:ns], data[ns:], nil)
		if err != nil {
			return nil, errDecrypt
		}
		return plain, nil
	}
	bs := block.BlockSize()
	if len(data) < 2*bs || len(data)%bs != 0 {
		return nil, errDecrypt
	}
	iv, ct := data[:bs], data[bs:]
	plain := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(plain, ct)
	pad := int(plain[len(plain)-1])
	if pad < 1 || pad > bs {
		return nil, errDecrypt
	}
	return plain[:len(plain)-pad], nil
}
