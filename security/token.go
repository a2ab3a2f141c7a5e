package security

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/accountkit/accountkit"
)

// BearerToken returns the token of an "Authorization: Bearer" header, or "".
func BearerToken(r *http.Request) string {
	h := r.Header.Get("Authorization")
	const prefix = "bearer "
	if len(h) > len(prefix) && strings.EqualFold(h[:len(prefix)], prefix) {
		return strings.TrimSpace(h[len(prefix):])
	}
	return ""
}

// StaticToken is an Authenticator for one fixed bearer token mapped to one
// principal: the bootstrap credential of a fresh installation (as in the
// quickstart) or of a host's operator tooling. Only the token's SHA-256 is
// kept; comparison takes constant time. Bearer tokens it does not know are
// passed on to the next authenticator.
type StaticToken struct {
	hash      [32]byte
	principal Principal
}

// NewStaticToken returns a StaticToken for token, which must be at least 32
// characters long, acting as p.
func NewStaticToken(token string, p Principal) (*StaticToken, error) {
	if len(token) < 32 {
		return nil, accountkit.InvalidField("token", "must be at least 32 characters")
	}
	return &StaticToken{hash: sha256.Sum256([]byte(token)), principal: p}, nil
}

// Authenticate implements Authenticator.
func (s *StaticToken) Authenticate(r *http.Request) (*Principal, error) {
	tok := BearerToken(r)
	if tok == "" {
		return nil, nil
	}
	h := sha256.Sum256([]byte(tok))
	if subtle.ConstantTimeCompare(h[:], s.hash[:]) != 1 {
		return nil, nil
	}
	p := s.principal
	return &p, nil
}

// NewSecret returns a random 256-bit secret in URL-safe base64, with an
// optional visible prefix (e.g. "aks_"), and the hex SHA-256 under which it
// is stored.
func NewSecret(prefix string) (secret, hash string, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", accountkit.Wrap(err, "random source failed")
	}
	secret = prefix + base64.RawURLEncoding.EncodeToString(b[:])
	return secret, HashSecret(secret), nil
}

// HashSecret returns the hex SHA-256 of secret, the form in which secrets
// are stored and looked up.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
