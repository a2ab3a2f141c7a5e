package audit

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A Checkpoint stands in for the events a retention purge deleted from the
// start of a main account's hash chain: it names the last deleted event
// (its sequence number and hash) and how many events it replaces, and is
// signed with Ed25519 by the installation's checkpoint key. Verify starts
// the chain from the latest checkpoint instead of from the first event;
// docs/audit-retention.md describes the signed bytes so that anyone with
// the public key can check it without accountkit.
type Checkpoint struct {
	ID            string
	MainAccountID string
	// Seq and Hash are the chain position and hash of the last deleted
	// event: the next remaining event has Seq+1 and PrevHash == Hash.
	Seq  int64
	Hash string
	// Count is how many events this checkpoint deleted: those with
	// sequence numbers Seq-Count+1 to Seq. The previous checkpoint of the
	// chain therefore has Seq-Count as its Seq (0 for the first one).
	Count int64
	// Time is when the checkpoint was made (UTC, microseconds).
	Time time.Time
	// KeyID names the key that signed it (see KeyID).
	KeyID string
	// Signature is the Ed25519 signature of SignedMessage.
	Signature []byte
}

// CheckpointFormat is the first line of every signed checkpoint message;
// it changes if the format ever does.
const CheckpointFormat = "accountkit-audit-checkpoint-v1"

// CheckpointTimeLayout is how a checkpoint's time is written in the signed
// message and in the API: RFC 3339 in UTC with exactly six fractional
// digits.
const CheckpointTimeLayout = "2006-01-02T15:04:05.000000Z"

// SignedMessage returns the bytes the checkpoint's signature covers: seven
// lines, each ended by a line feed (0x0A), in UTF-8:
//
//	accountkit-audit-checkpoint-v1
//	<main account ID>
//	<seq, decimal>
//	<hash, 64 lower-case hex digits>
//	<count, decimal>
//	<time, CheckpointTimeLayout>
//	<key ID>
func (c *Checkpoint) SignedMessage() []byte {
	var b strings.Builder
	for _, line := range []string{
		CheckpointFormat, c.MainAccountID, strconv.FormatInt(c.Seq, 10), c.Hash,
		strconv.FormatInt(c.Count, 10), c.Time.UTC().Format(CheckpointTimeLayout), c.KeyID,
	} {
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// KeyID returns the ID of an Ed25519 public key: the first 16 hex digits
// of the SHA-256 of its 32 bytes. It names the key in checkpoints so that
// Verify can pick the right one among the trusted keys (key rotation).
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// TrustedKey is a public key that Verify accepts checkpoint signatures
// from, with its ID.
type TrustedKey struct {
	ID        string
	PublicKey ed25519.PublicKey
}

// keyring holds the signing key and the trusted public keys.
type keyring struct {
	signer  ed25519.PrivateKey // nil: purges are refused
	signID  string
	trusted []TrustedKey // the signer's public key first
}

// newKeyring checks the configured keys.
func newKeyring(signer ed25519.PrivateKey, trusted []ed25519.PublicKey) (*keyring, error) {
	k := &keyring{}
	if signer != nil {
		if len(signer) != ed25519.PrivateKeySize {
			return nil, fmt.Errorf("audit: Options.CheckpointKey must be an Ed25519 private key of %d bytes", ed25519.PrivateKeySize)
		}
		pub := signer.Public().(ed25519.PublicKey)
		k.signer, k.signID = signer, KeyID(pub)
		k.trusted = append(k.trusted, TrustedKey{ID: k.signID, PublicKey: pub})
	}
	for i, pub := range trusted {
		if len(pub) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("audit: Options.TrustedCheckpointKeys[%d] must be an Ed25519 public key of %d bytes", i, ed25519.PublicKeySize)
		}
		id := KeyID(pub)
		if k.key(id) == nil {
			k.trusted = append(k.trusted, TrustedKey{ID: id, PublicKey: pub})
		}
	}
	return k, nil
}

// key returns the trusted key with the ID, or nil.
func (k *keyring) key(id string) ed25519.PublicKey {
	for _, t := range k.trusted {
		if t.ID == id {
			return t.PublicKey
		}
	}
	return nil
}

// sign fills in c's KeyID and Signature.
func (k *keyring) sign(c *Checkpoint) error {
	if k.signer == nil {
		return errNoCheckpointKey
	}
	c.KeyID = k.signID
	c.Signature = ed25519.Sign(k.signer, c.SignedMessage())
	return nil
}

// check returns "" when c carries a valid signature by a trusted key, else
// the reason it does not.
func (k *keyring) check(c *Checkpoint) string {
	pub := k.key(c.KeyID)
	switch {
	case pub == nil:
		return "checkpoint signed by an untrusted key"
	case !ed25519.Verify(pub, c.SignedMessage(), c.Signature):
		return "checkpoint signature does not verify"
	}
	return ""
}

var errNoCheckpointKey = errors.New("audit: no checkpoint key (Options.CheckpointKey)")
