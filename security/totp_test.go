package security_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/security"
)

// rfcSecret is the SHA-1 test key of RFC 6238, appendix B.
var rfcSecret = []byte("12345678901234567890")

func TestMatchTOTP(t *testing.T) {
	t.Parallel()
	// RFC 6238: T = 59 s gives 94287082; the 6-digit code is its tail.
	at59 := time.Unix(59, 0)
	step, ok := security.MatchTOTP(rfcSecret, "287082", at59, 0)
	require.True(t, ok)
	assert.EqualValues(t, 1, step)
	at1111111109 := time.Unix(1111111109, 0) // 07081804
	step, ok = security.MatchTOTP(rfcSecret, "081804", at1111111109, 1)
	require.True(t, ok)
	assert.Equal(t, security.TOTPStep(at1111111109), step)

	// ±1 step around a code of step 1, not ±2.
	for d, want := range map[time.Duration]bool{-2: false, -1: true, 0: true, 1: true, 2: false} {
		_, ok := security.MatchTOTP(rfcSecret, "287082", at59.Add(d*security.TOTPPeriod), 1)
		assert.Equal(t, want, ok, "offset %d steps", d)
	}
	for _, bad := range []string{"", "28708", "2870820", "28708a", " 87082", "２８７０８２"} {
		_, ok := security.MatchTOTP(rfcSecret, bad, at59, 1)
		assert.False(t, ok, "%q", bad)
	}
	assert.EqualValues(t, 0, security.TOTPStep(time.Unix(29, 0)))
	assert.EqualValues(t, 1, security.TOTPStep(time.Unix(30, 0)))
}

func TestSealer(t *testing.T) {
	t.Parallel()
	k1, k2 := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	s1, err := security.NewSealer(security.SealKey{ID: 1, Key: k1})
	require.NoError(t, err)
	secret, err := security.NewTOTPSecret()
	require.NoError(t, err)

	sealed, err := s1.Seal(secret, "user-a")
	require.NoError(t, err)
	assert.Equal(t, byte(1), sealed[0], "version")
	assert.Equal(t, byte(1), sealed[1], "key ID")
	assert.False(t, bytes.Contains(sealed, secret))
	assert.NotContains(t, string(sealed), security.TOTPSecretText(secret))
	again, err := s1.Seal(secret, "user-a")
	require.NoError(t, err)
	assert.NotEqual(t, sealed, again, "a fresh nonce every time")
	got, err := s1.Open(sealed, "user-a")
	require.NoError(t, err)
	assert.Equal(t, secret, got)
	assert.True(t, s1.Current(sealed))

	t.Run("ErrWrongContext", func(t *testing.T) {
		_, err := s1.Open(sealed, "user-b")
		assert.Equal(t, accountkit.Internal, accountkit.ErrorCode(err))
	})
	t.Run("ErrTampered", func(t *testing.T) {
		for i := range sealed {
			for _, bit := range []byte{0x01, 0x80} {
				mod := bytes.Clone(sealed)
				mod[i] ^= bit
				_, err := s1.Open(mod, "user-a")
				require.Equal(t, accountkit.Internal, accountkit.ErrorCode(err), "byte %d", i)
				assert.Equal(t, "internal error", accountkit.ErrorMessage(err), "nothing about the cause reaches clients")
			}
		}
		for n := 0; n < len(sealed); n++ {
			_, err := s1.Open(sealed[:n], "user-a")
			require.Error(t, err, "truncated to %d", n)
		}
		_, err := s1.Open(append(bytes.Clone(sealed), 0), "user-a")
		require.Error(t, err, "extended")
	})
	t.Run("Rotation", func(t *testing.T) {
		s2, err := security.NewSealer(security.SealKey{ID: 2, Key: k2}, security.SealKey{ID: 1, Key: k1})
		require.NoError(t, err)
		got, err := s2.Open(sealed, "user-a")
		require.NoError(t, err, "an older key still opens")
		assert.Equal(t, secret, got)
		assert.False(t, s2.Current(sealed))
		resealed, err := s2.Seal(got, "user-a")
		require.NoError(t, err)
		assert.Equal(t, byte(2), resealed[1])
		_, err = s1.Open(resealed, "user-a")
		assert.Error(t, err, "a value of an unknown key ID does not open")
		// A value claiming another key ID does not open with this key.
		forged := bytes.Clone(resealed)
		forged[1] = 1
		_, err = s2.Open(forged, "user-a")
		assert.Error(t, err)
	})
	t.Run("ErrBadKeys", func(t *testing.T) {
		_, err := security.NewSealer(security.SealKey{ID: 1, Key: k1[:16]})
		assert.Error(t, err, "AES-256 only")
		_, err = security.NewSealer(security.SealKey{ID: 1, Key: k1}, security.SealKey{ID: 1, Key: k2})
		assert.Error(t, err, "duplicate ID")
	})
}

func TestNewTOTPEnrollment(t *testing.T) {
	t.Parallel()
	en, err := security.NewTOTPEnrollment("Acme Corp", "alice", rfcSecret, 128)
	require.NoError(t, err)
	assert.Equal(t, security.TOTPSecretText(rfcSecret), en.Secret)
	assert.Equal(t, "otpauth://totp/Acme%20Corp:alice?algorithm=SHA1&digits=6&issuer=Acme%20Corp&period=30&secret="+en.Secret, en.URI)
	assert.True(t, bytes.HasPrefix(en.QRCodePNG, []byte("\x89PNG\r\n\x1a\n")))
}

// FuzzSealerOpen: no input makes Open panic or open without the key.
func FuzzSealerOpen(f *testing.F) {
	s, err := security.NewSealer(security.SealKey{ID: 1, Key: bytes.Repeat([]byte{9}, 32)})
	require.NoError(f, err)
	sealed, err := s.Seal([]byte("secret"), "u")
	require.NoError(f, err)
	f.Add(bytes.Clone(sealed), "u")
	f.Add([]byte{}, "")
	f.Add([]byte{1, 1}, "u")
	f.Fuzz(func(t *testing.T, blob []byte, ctx string) {
		pt, err := s.Open(blob, ctx)
		// Only genuine seals of "secret" for "u" (the seed, in any
		// process: the key is fixed, the nonce random) may open.
		if err == nil && (ctx != "u" || string(pt) != "secret") {
			t.Fatalf("opened a value that was never sealed: %x -> %q", blob, pt)
		}
	})
}

// FuzzMatchTOTP: arbitrary codes never panic and only 6-digit ones match.
func FuzzMatchTOTP(f *testing.F) {
	f.Add("287082", int64(59))
	f.Add("", int64(0))
	f.Add("\x00\x00\x00\x00\x00\x00", int64(-1))
	f.Fuzz(func(t *testing.T, code string, unix int64) {
		_, ok := security.MatchTOTP(rfcSecret, code, time.Unix(unix, 0), 1)
		if ok && !security.ValidTOTPCodeFormat(code) {
			t.Fatalf("matched malformed code %q", code)
		}
	})
}
