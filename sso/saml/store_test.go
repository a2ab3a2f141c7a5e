package saml

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMemoryStore_ConsumeRequest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		s := NewMemoryStore()
		require.NoError(t, s.SaveRequest(ctx, "_r1", "idp", t0.Add(time.Minute)))
		idp, ok, err := s.ConsumeRequest(ctx, "_r1", t0)
		require.NoError(t, err)
		assert.True(t, ok)
		assert.Equal(t, "idp", idp)
	})
	t.Run("ErrConsumedTwice", func(t *testing.T) {
		s := NewMemoryStore()
		require.NoError(t, s.SaveRequest(ctx, "_r1", "idp", t0.Add(time.Minute)))
		_, ok, _ := s.ConsumeRequest(ctx, "_r1", t0)
		require.True(t, ok)
		_, ok, err := s.ConsumeRequest(ctx, "_r1", t0)
		require.NoError(t, err)
		assert.False(t, ok)
	})
	t.Run("ErrExpired", func(t *testing.T) {
		s := NewMemoryStore()
		require.NoError(t, s.SaveRequest(ctx, "_r1", "idp", t0.Add(time.Minute)))
		_, ok, err := s.ConsumeRequest(ctx, "_r1", t0.Add(time.Minute))
		require.NoError(t, err)
		assert.False(t, ok)
	})
	t.Run("ErrUnknown", func(t *testing.T) {
		_, ok, err := NewMemoryStore().ConsumeRequest(ctx, "_nope", t0)
		require.NoError(t, err)
		assert.False(t, ok)
	})
	t.Run("ErrCanceledContext", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, _, err := NewMemoryStore().ConsumeRequest(cctx, "_r1", t0)
		require.ErrorIs(t, err, context.Canceled)
	})
	t.Run("ConcurrentExactlyOnce", func(t *testing.T) {
		s := NewMemoryStore()
		require.NoError(t, s.SaveRequest(ctx, "_r1", "idp", t0.Add(time.Minute)))
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, ok, _ := s.ConsumeRequest(ctx, "_r1", t0); ok {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		assert.EqualValues(t, 1, wins.Load())
	})
}

func TestMemoryStore_MarkUsed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("FirstThenReplay", func(t *testing.T) {
		s := NewMemoryStore()
		first, err := s.MarkUsed(ctx, "k", t0.Add(time.Minute), t0)
		require.NoError(t, err)
		assert.True(t, first)
		first, err = s.MarkUsed(ctx, "k", t0.Add(time.Minute), t0.Add(30*time.Second))
		require.NoError(t, err)
		assert.False(t, first)
	})
	t.Run("ForgottenAfterExpiry", func(t *testing.T) {
		s := NewMemoryStore()
		_, _ = s.MarkUsed(ctx, "k", t0.Add(time.Minute), t0)
		first, err := s.MarkUsed(ctx, "k", t0.Add(3*time.Minute), t0.Add(2*time.Minute))
		require.NoError(t, err)
		assert.True(t, first)
		assert.Len(t, s.used, 1, "expired entries are swept")
	})
	t.Run("ConcurrentExactlyOnce", func(t *testing.T) {
		s := NewMemoryStore()
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if ok, _ := s.MarkUsed(ctx, "k", t0.Add(time.Minute), t0); ok {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		assert.EqualValues(t, 1, wins.Load())
	})
}

// TestServiceProvider_ValidateResponse_ConcurrentReplay submits one valid
// response from many goroutines: exactly one may succeed.
func TestServiceProvider_ValidateResponse_ConcurrentReplay(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := encode(t, f.signedAssertionResponse(respOpts{}))
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.validate(s); err == nil {
				wins.Add(1)
			} else {
				assert.Equal(t, ReasonReplayed, ReasonOf(err))
			}
		}()
	}
	wg.Wait()
	assert.EqualValues(t, 1, wins.Load())
}
