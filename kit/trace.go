package kit

import (
	"context"

	"github.com/accountkit/accountkit/internal/telemetry"
	"github.com/accountkit/accountkit/storage"
)

// tracedStore is the store every service gets from New: the host's store,
// whose InTx also opens the span of the service method that called it
// (see telemetry.Services). Everything else is the host's store itself.
type tracedStore struct {
	storage.Store
	spans *telemetry.Services
}

// InTx implements accountkit.Transactor.
func (s tracedStore) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return s.spans.InTx(ctx, s.Store.InTx, fn)
}
