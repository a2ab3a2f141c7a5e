package accountkit

import "context"

// Transactor runs functions in a transaction carried by the context.
//
// InTx begins a transaction, calls fn with a context that carries it and
// commits when fn returns nil; when fn returns an error or panics, everything
// fn wrote is rolled back and the error is returned. Calling InTx with a
// context that already carries a transaction joins it: the outermost InTx
// decides. Store methods called with the context given to fn take part in the
// transaction; they must not be called with an unrelated context while fn
// runs. A store method that fails inside fn with any code but NotFound may
// leave the transaction unusable (PostgreSQL aborts it after a unique
// violation): fn must then return an error, so the transaction rolls back.
// NotFound answers leave it usable on every adapter. Adapters retry the whole of fn a bounded number of times when the
// database reports a serialization failure or deadlock, so fn must have no
// side effects outside the store.
type Transactor interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}
