package security_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/accountkit/accountkit/security"
)

// cheap keeps tests fast; the PHC format is the same as the default's.
var cheap = security.Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestPasswordHasher(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := security.NewPasswordHasher(cheap, 0)
	enc, err := h.Hash(ctx, "correct horse battery staple")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(enc, "$argon2id$v=19$m=64,t=1,p=1$"), enc)

	ok, rehash, err := h.Verify(ctx, "correct horse battery staple", enc)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.False(t, rehash)

	ok, _, _ = h.Verify(ctx, "correct horse battery stapl", enc)
	assert.False(t, ok)

	enc2, _ := h.Hash(ctx, "correct horse battery staple")
	assert.NotEqual(t, enc, enc2, "salted")

	stronger := security.NewPasswordHasher(security.Argon2Params{Memory: 128, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 0)
	ok, rehash, _ = stronger.Verify(ctx, "correct horse battery staple", enc)
	assert.True(t, ok)
	assert.True(t, rehash, "parameters changed")
}

func TestPasswordHasher_Refuses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := security.NewPasswordHasher(cheap, 0)
	good, _ := h.Hash(ctx, "pw-123456")
	parts := strings.Split(good, "$")
	for name, enc := range map[string]string{
		"empty":            "",
		"plain text":       "pw-123456",
		"argon2i":          strings.Replace(good, "argon2id", "argon2i", 1),
		"huge memory":      "$argon2id$v=19$m=4194304,t=1,p=1$" + parts[4] + "$" + parts[5],
		"huge time":        "$argon2id$v=19$m=64,t=1000,p=1$" + parts[4] + "$" + parts[5],
		"zero threads":     "$argon2id$v=19$m=64,t=1,p=0$" + parts[4] + "$" + parts[5],
		"bad version":      "$argon2id$v=16$m=64,t=1,p=1$" + parts[4] + "$" + parts[5],
		"truncated key":    "$argon2id$v=19$m=64,t=1,p=1$" + parts[4] + "$AAAA",
		"bad base64":       "$argon2id$v=19$m=64,t=1,p=1$!!!$" + parts[5],
		"too many fields":  good + "$x",
		"injected percent": "$argon2id$v=19$m=%d,t=1,p=1$" + parts[4] + "$" + parts[5],
	} {
		ok, _, err := h.Verify(ctx, "pw-123456", enc)
		assert.NoError(t, err, name)
		assert.False(t, ok, name)
	}
	_, err := h.Hash(ctx, strings.Repeat("x", security.MaxPasswordBytes+1))
	assert.Error(t, err)
	ok, _, _ := h.Verify(ctx, strings.Repeat("x", security.MaxPasswordBytes+1), good)
	assert.False(t, ok)
}

func TestPasswordHasher_ImportedBcrypt(t *testing.T) {
	t.Parallel()
	h := security.NewPasswordHasher(cheap, 0)
	b, err := bcrypt.GenerateFromPassword([]byte("legacy-pass"), bcrypt.MinCost)
	require.NoError(t, err)
	ok, rehash, err := h.Verify(context.Background(), "legacy-pass", string(b))
	require.NoError(t, err)
	assert.True(t, ok)
	assert.True(t, rehash, "imported hashes are upgraded at sign-in")
	ok, _, _ = h.Verify(context.Background(), "wrong", string(b))
	assert.False(t, ok)
}

func TestSecret(t *testing.T) {
	t.Parallel()
	s1, h1, err := security.NewSecret("aks_")
	require.NoError(t, err)
	s2, _, _ := security.NewSecret("aks_")
	assert.NotEqual(t, s1, s2)
	assert.True(t, strings.HasPrefix(s1, "aks_"))
	assert.Len(t, s1, 4+43)
	assert.Equal(t, h1, security.HashSecret(s1))
	assert.NotContains(t, h1, s1)
}

func BenchmarkHash_Default(b *testing.B) {
	h := security.NewPasswordHasher(security.DefaultArgon2, 0)
	for b.Loop() {
		_, _ = h.Hash(context.Background(), "correct horse battery staple")
	}
}

// TestPasswordHasher_MemoryBudget floods a hasher whose budget holds three
// hashes with many simultaneous sign-ins and counts the hashes holding
// memory at once: never more than three, and a waiting caller gives up
// when its context ends.
func TestPasswordHasher_MemoryBudget(t *testing.T) {
	t.Parallel()
	params := security.Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	h := security.NewPasswordHasher(params, 3*64<<10+1000) // 3 hashes and a bit, not 4
	require.Equal(t, 3, h.MaxConcurrentHashes())
	encoded, err := h.Hash(context.Background(), "correct horse")
	require.NoError(t, err)

	var (
		mu             sync.Mutex
		inFlight, most int
		arrived        = make(chan struct{}, 100)
		gate           = make(chan struct{})
	)
	security.SetHashHook(h, func() {
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		mu.Unlock()
		arrived <- struct{}{}
		<-gate
		mu.Lock()
		inFlight--
		mu.Unlock()
	})
	const signIns = 40
	var wg sync.WaitGroup
	for i := range signIns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if i%2 == 0 {
				var ok bool
				ok, _, err = h.Verify(context.Background(), "correct horse", encoded)
				assert.True(t, ok)
			} else {
				_, err = h.Hash(context.Background(), "new password")
			}
			assert.NoError(t, err)
		}()
	}
	for range 3 {
		<-arrived
	}
	// Three hashes hold the whole budget: a fourth waits, and leaves when
	// its context ends, without hashing.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := h.Hash(ctx, "impatient")
		done <- err
	}()
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	ok, _, err := h.Verify(ctx, "correct horse", encoded)
	assert.False(t, ok)
	require.ErrorIs(t, err, context.Canceled, "an ended context is not served from the budget")

	close(gate)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, 3, most, "at most budget/memory hashes at once, and the budget is used")
	assert.Equal(t, 0, inFlight)
}

func TestPasswordHasher_MemoryBudgetDefaults(t *testing.T) {
	t.Parallel()
	// 256 MiB / 19 MiB: 13 hashes, whatever GOMAXPROCS is.
	assert.Equal(t, 13, security.NewPasswordHasher(security.DefaultArgon2, 0).MaxConcurrentHashes())
	// A budget smaller than one hash still lets one run.
	small := security.NewPasswordHasher(cheap, 1024)
	assert.Equal(t, 1, small.MaxConcurrentHashes())
	_, err := small.Hash(context.Background(), "pw")
	require.NoError(t, err)
}
