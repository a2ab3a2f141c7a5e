package security

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"image/png"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"

	"github.com/accountkit/accountkit"
)

// TOTP parameters: what every authenticator app expects (RFC 6238 with
// SHA-1, 6 digits and 30-second steps).
const (
	TOTPPeriod     = 30 * time.Second
	TOTPDigits     = 6
	TOTPSecretSize = 20 // bytes, 160 bits as RFC 4226 recommends
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewTOTPSecret returns a new random TOTP secret of TOTPSecretSize bytes.
func NewTOTPSecret() ([]byte, error) {
	b := make([]byte, TOTPSecretSize)
	if _, err := rand.Read(b); err != nil {
		return nil, accountkit.Wrap(err, "random source failed")
	}
	return b, nil
}

// TOTPSecretText returns secret in the unpadded base32 form users type into
// an authenticator app.
func TOTPSecretText(secret []byte) string { return b32.EncodeToString(secret) }

// TOTPEnrollment is what an authenticator app needs to add an account.
type TOTPEnrollment struct {
	// Secret is the base32 secret, for manual entry.
	Secret string
	// URI is the otpauth:// key URI.
	URI string
	// QRCodePNG is the URI as a QR code image.
	QRCodePNG []byte
}

// NewTOTPEnrollment returns the otpauth URI and a QR code PNG (qrSize
// pixels square, 256 when <= 0) for secret, labelled "issuer:accountName".
func NewTOTPEnrollment(issuer, accountName string, secret []byte, qrSize int) (*TOTPEnrollment, error) {
	if qrSize <= 0 {
		qrSize = 256
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: accountName, Period: uint(TOTPPeriod / time.Second),
		Secret: secret, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return nil, accountkit.Wrap(err, "creating the TOTP key failed")
	}
	img, err := key.Image(qrSize, qrSize)
	if err != nil {
		return nil, accountkit.Wrap(err, "rendering the QR code failed")
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, accountkit.Wrap(err, "encoding the QR code failed")
	}
	return &TOTPEnrollment{Secret: key.Secret(), URI: key.URL(), QRCodePNG: buf.Bytes()}, nil
}

// TOTPStep returns the time step t lies in: seconds since the Unix epoch
// divided by the period.
func TOTPStep(t time.Time) int64 {
	u := t.Unix()
	p := int64(TOTPPeriod / time.Second)
	if u < 0 {
		return (u - p + 1) / p
	}
	return u / p
}

// ValidTOTPCodeFormat reports whether code is exactly TOTPDigits ASCII
// digits.
func ValidTOTPCodeFormat(code string) bool {
	if len(code) != TOTPDigits {
		return false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	return true
}

// MatchTOTP checks code against secret for the steps from now's step −skew
// to +skew and returns the step it matched. Every candidate is compared in
// constant time, so timing does not tell which step (if any) matched.
// Replay protection is the caller's: it must refuse a step at or below the
// last one it accepted.
func MatchTOTP(secret []byte, code string, now time.Time, skew int) (step int64, ok bool) {
	if !ValidTOTPCodeFormat(code) {
		return 0, false
	}
	s := TOTPSecretText(secret)
	cur := TOTPStep(now)
	for d := -int64(skew); d <= int64(skew); d++ {
		c := cur + d
		if c < 0 {
			continue
		}
		want, err := hotp.GenerateCodeCustom(s, uint64(c), hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			continue
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && !ok {
			step, ok = c, true
		}
	}
	return step, ok
}

// SealKeySize is the size of a Sealer key: AES-256.
const SealKeySize = 32

// sealVersion is the first byte of every sealed value.
const sealVersion byte = 1

// sealHeader is version + key ID; nonce and ciphertext follow.
const sealHeader = 2

// SealKey is one AES-256 key of a Sealer and the ID that sealed values
// carry to name it.
type SealKey struct {
	ID  byte
	Key []byte
}

// Sealer encrypts small secrets (TOTP secrets) at rest with AES-256-GCM.
// A sealed value is
//
//	version (1) | key ID (1) | nonce (12) | ciphertext | tag (16)
//
// and its additional data binds the version, the key ID and a caller-given
// context (the owner's user ID), so a sealed value copied to another owner
// does not open. Values sealed with an older key keep opening while that key
// is configured; Current tells whether a value should be resealed.
type Sealer struct {
	current byte
	aeads   map[byte]cipher.AEAD
}

// NewSealer returns a Sealer that seals with current and opens values
// sealed with current or any of older. Keys must be SealKeySize bytes and
// IDs distinct.
func NewSealer(current SealKey, older ...SealKey) (*Sealer, error) {
	s := &Sealer{current: current.ID, aeads: map[byte]cipher.AEAD{}}
	for _, k := range append([]SealKey{current}, older...) {
		if len(k.Key) != SealKeySize {
			return nil, fmt.Errorf("security: seal key %d must be %d bytes, got %d", k.ID, SealKeySize, len(k.Key))
		}
		if _, dup := s.aeads[k.ID]; dup {
			return nil, fmt.Errorf("security: seal key ID %d used twice", k.ID)
		}
		block, err := aes.NewCipher(k.Key)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		s.aeads[k.ID] = aead
	}
	return s, nil
}

// errSealed is the one answer to a sealed value that does not open: the
// cause is never shown to clients.
var errSealed = accountkit.Wrap(errors.New("security: sealed value does not open (tampered, moved, or sealed with an unknown key)"), "stored secret is unreadable")

func sealAAD(version, keyID byte, context string) []byte {
	return append([]byte{version, keyID}, "accountkit/sealed:"+context...)
}

// Seal encrypts plaintext for the context (e.g. the owner's user ID) with
// the current key.
func (s *Sealer) Seal(plaintext []byte, context string) ([]byte, error) {
	aead := s.aeads[s.current]
	out := make([]byte, sealHeader+aead.NonceSize(), sealHeader+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out[0], out[1] = sealVersion, s.current
	if _, err := rand.Read(out[sealHeader:]); err != nil {
		return nil, accountkit.Wrap(err, "random source failed")
	}
	return aead.Seal(out, out[sealHeader:], plaintext, sealAAD(sealVersion, s.current, context)), nil
}

// Open decrypts a value sealed for the context. Any failure — wrong
// version, unknown key, truncated or altered bytes, another context — is an
// Internal error that says nothing about the value; Open never panics.
func (s *Sealer) Open(sealed []byte, context string) ([]byte, error) {
	if len(sealed) < sealHeader || sealed[0] != sealVersion {
		return nil, errSealed
	}
	aead, ok := s.aeads[sealed[1]]
	if !ok || len(sealed) < sealHeader+aead.NonceSize()+aead.Overhead() {
		return nil, errSealed
	}
	nonce := sealed[sealHeader : sealHeader+aead.NonceSize()]
	pt, err := aead.Open(nil, nonce, sealed[sealHeader+aead.NonceSize():], sealAAD(sealed[0], sealed[1], context))
	if err != nil {
		return nil, errSealed
	}
	return pt, nil
}

// Current reports whether sealed was sealed with the current key (so it
// needs no resealing).
func (s *Sealer) Current(sealed []byte) bool {
	return len(sealed) >= sealHeader && sealed[0] == sealVersion && sealed[1] == s.current
}
