package security

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/sync/semaphore"

	"github.com/accountkit/accountkit"
)

// Argon2Params are argon2id cost parameters.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	SaltLen uint32
	KeyLen  uint32
}

// DefaultArgon2 follows OWASP's recommendation: m=19 MiB, t=2, p=1.
var DefaultArgon2 = Argon2Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// MaxPasswordBytes bounds the input of a hash so a huge "password" cannot be
// used to burn CPU.
const MaxPasswordBytes = 1024

// DefaultHashMemoryBudget is the memory budget of a PasswordHasher built
// with a budget <= 0: 256 MiB, that is 13 hashes at once with
// DefaultArgon2 (19 MiB each), whatever the number of cores.
const DefaultHashMemoryBudget = 256 << 20

// PasswordHasher hashes and verifies passwords with argon2id, encoded as PHC
// strings. The hashes running at once share an absolute memory budget: each
// argon2id hash reserves its Memory (the stored hash's, when verifying) for
// as long as it runs, and a sign-in flood queues (respecting each caller's
// context) instead of exhausting memory. Budget / Memory hashes run at
// once; one hash always may, even if it needs more than the whole budget.
type PasswordHasher struct {
	params Argon2Params
	// budget is the memory budget in KiB, the unit of Argon2Params.Memory.
	budget int64
	sem    *semaphore.Weighted
	dummy  string
	// hook, when set (by tests), runs while a hash holds its reservation.
	hook func()
}

// NewPasswordHasher returns a hasher with the parameters and a memory
// budget in bytes for all hashes running at once; memoryBudget <= 0 means
// DefaultHashMemoryBudget. With DefaultArgon2 (19 MiB a hash) the default
// lets 13 hashes run at once.
func NewPasswordHasher(p Argon2Params, memoryBudget int64) *PasswordHasher {
	if memoryBudget <= 0 {
		memoryBudget = DefaultHashMemoryBudget
	}
	budget := max(memoryBudget>>10, 1)
	h := &PasswordHasher{params: p, budget: budget, sem: semaphore.NewWeighted(budget)}
	h.dummy = h.encode(make([]byte, p.SaltLen), argon2.IDKey([]byte("accountkit-dummy"), make([]byte, p.SaltLen), p.Time, p.Memory, p.Threads, p.KeyLen))
	return h
}

// MaxConcurrentHashes is how many hashes at the hasher's own parameters
// run at once: the budget divided by their memory, at least 1.
func (h *PasswordHasher) MaxConcurrentHashes() int {
	return int(h.budget / h.weight(h.params.Memory))
}

// weight is the reservation of a hash of memKiB: its memory, capped at the
// whole budget so that one hash can always run.
func (h *PasswordHasher) weight(memKiB uint32) int64 {
	return min(max(int64(memKiB), 1), h.budget)
}

// acquire reserves the memory of one hash of memKiB, waiting until it fits
// in the budget or ctx ends; the caller must release the returned weight.
func (h *PasswordHasher) acquire(ctx context.Context, memKiB uint32) (int64, error) {
	w := h.weight(memKiB)
	if err := h.sem.Acquire(ctx, w); err != nil {
		return 0, err
	}
	if h.hook != nil {
		h.hook()
	}
	return w, nil
}

func (h *PasswordHasher) release(w int64) { h.sem.Release(w) }

func (h *PasswordHasher) encode(salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.params.Memory, h.params.Time, h.params.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Hash returns the PHC string of password.
func (h *PasswordHasher) Hash(ctx context.Context, password string) (string, error) {
	if len(password) > MaxPasswordBytes {
		return "", accountkit.InvalidField("password", "is too long")
	}
	salt := make([]byte, h.params.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", accountkit.Wrap(err, "random source failed")
	}
	w, err := h.acquire(ctx, h.params.Memory)
	if err != nil {
		return "", err
	}
	defer h.release(w)
	key := argon2.IDKey([]byte(password), salt, h.params.Time, h.params.Memory, h.params.Threads, h.params.KeyLen)
	return h.encode(salt, key), nil
}

// Verify reports whether password matches the encoded hash, and whether the
// hash should be replaced because it uses other parameters or bcrypt (an
// imported hash). An empty or malformed hash never matches.
func (h *PasswordHasher) Verify(ctx context.Context, password, encoded string) (ok, rehash bool, err error) {
	if len(password) > MaxPasswordBytes {
		h.spend(ctx, password)
		return false, false, nil
	}
	if strings.HasPrefix(encoded, "$2a$") || strings.HasPrefix(encoded, "$2b$") || strings.HasPrefix(encoded, "$2y$") {
		// bcrypt needs little memory; it is weighed as a hash at the
		// current parameters, which also bounds its CPU.
		w, err := h.acquire(ctx, h.params.Memory)
		if err != nil {
			return false, false, err
		}
		defer h.release(w)
		return bcrypt.CompareHashAndPassword([]byte(encoded), []byte(password)) == nil, true, nil
	}
	p, salt, key, perr := decodePHC(encoded)
	if perr != nil {
		h.spend(ctx, password)
		return false, false, nil
	}
	w, err := h.acquire(ctx, p.Memory)
	if err != nil {
		return false, false, err
	}
	defer h.release(w)
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	ok = subtle.ConstantTimeCompare(got, key) == 1
	rehash = p.Memory != h.params.Memory || p.Time != h.params.Time || p.Threads != h.params.Threads ||
		uint32(len(key)) != h.params.KeyLen || uint32(len(salt)) != h.params.SaltLen
	return ok, rehash, nil
}

// Spend computes one hash at the current parameters and throws it away, so
// a sign-in for an unknown user costs as much as one for a real user.
func (h *PasswordHasher) Spend(ctx context.Context, password string) { h.spend(ctx, password) }

func (h *PasswordHasher) spend(ctx context.Context, password string) {
	if len(password) > MaxPasswordBytes {
		password = password[:MaxPasswordBytes]
	}
	_, _, _ = h.Verify(ctx, password, h.dummy)
}

func decodePHC(s string) (Argon2Params, []byte, []byte, error) {
	var p Argon2Params
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("not an argon2id PHC string")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, fmt.Errorf("unsupported argon2 version")
	}
	var threads uint32
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &threads); err != nil {
		return p, nil, nil, fmt.Errorf("bad parameters")
	}
	// Refuse parameters that would let a stored hash exhaust the machine.
	if p.Memory < 8 || p.Memory > 1<<20 || p.Time < 1 || p.Time > 10 || threads < 1 || threads > 16 {
		return p, nil, nil, fmt.Errorf("parameters out of range")
	}
	p.Threads = uint8(threads)
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return p, nil, nil, fmt.Errorf("bad salt")
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, fmt.Errorf("bad key")
	}
	return p, salt, key, nil
}
