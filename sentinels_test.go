package accountkit_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/accountkit/accountkit"
)

func TestError_Is(t *testing.T) {
	t.Parallel()
	nf := accountkit.Errorf(accountkit.NotFound, "user not found")
	assert.ErrorIs(t, nf, accountkit.ErrNotFound)
	assert.ErrorIs(t, fmt.Errorf("loading: %w", nf), accountkit.ErrNotFound, "through wrapping")
	assert.NotErrorIs(t, nf, accountkit.ErrConflict)
	assert.ErrorIs(t, accountkit.InvalidField("email", "is required"), accountkit.ErrInvalid)
	// Two *Errors of one code stay distinct; only the sentinel matches by code.
	assert.NotErrorIs(t, nf, accountkit.Errorf(accountkit.NotFound, "account not found"))
	// An error that is not an *Error matches no sentinel, not even
	// ErrInternal (ErrorCode calls it Internal, but it carries no code).
	assert.NotErrorIs(t, errors.New("boom"), accountkit.ErrInternal)
	assert.ErrorIs(t, accountkit.Wrap(errors.New("boom"), "failed"), accountkit.ErrInternal)
	assert.Equal(t, "accountkit: not_found", accountkit.ErrNotFound.Error())
}
