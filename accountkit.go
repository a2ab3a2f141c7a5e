// Package accountkit is the shared vocabulary of the accountkit library: the
// error kinds every service returns, the Clock and ID generator every service
// takes, and the Transactor that carries a transaction in a context.
//
// The package imports the standard library and github.com/google/uuid
// (its UUIDv7 generator) only. The domain packages
// (account, audit, users, ...) build on it; storage adapters implement their
// Store interfaces; the kit package wires everything together.
package accountkit
