package postgres_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/storage/postgres"
)

// TestSessionAuth_SchemaChange: SessionAuth runs as a statement cached on
// the connection; after a schema change that alters its result type
// (0A000 "cached plan must not change result type" from the server) it
// still answers, retried once, on a pool of one connection so the cached
// statement is surely the stale one.
func TestSessionAuth_SchemaChange(t *testing.T) {
	t.Parallel()
	s := newStore(t).(*postgres.Store)
	s.DB().SetMaxOpenConns(1)
	ctx := context.Background()
	for range 7 { // past the 5 custom plans: the generic plan is cached
		_, err := s.SessionAuth(ctx, "tok-none")
		require.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err), "%v", err)
	}
	_, err := s.DB().ExecContext(ctx, "ALTER TABLE accountkit_sessions ALTER COLUMN idle_timeout_us TYPE NUMERIC(20, 0)")
	require.NoError(t, err)
	_, err = s.SessionAuth(ctx, "tok-none")
	require.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err), "after the schema change: %v", err)
}
