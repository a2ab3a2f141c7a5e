package oapitest_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/internal/oapitest"
)

// TestDocument_Valid: api/openapi.json loads and is a valid OpenAPI 3.1
// document (checked against the specification's own schema), so a
// malformed document fails here before any exchange is checked.
func TestDocument_Valid(t *testing.T) {
	t.Parallel()
	v, err := oapitest.Default()
	require.NoError(t, err)
	require.Empty(t, v.ValidateDocument())
	require.NotEmpty(t, v.Operations())
}
