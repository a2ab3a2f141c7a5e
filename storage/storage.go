// Package storage composes the Store interfaces of every domain package into
// one Store that an adapter implements. Adapters live below it: memory,
// sqlite, postgres and mysql; storagetest is the conformance suite they all
// pass.
package storage

import (
	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/apikeys"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/jobs"
	"github.com/accountkit/accountkit/notifications"
	"github.com/accountkit/accountkit/reports"
	"github.com/accountkit/accountkit/scim"
	"github.com/accountkit/accountkit/seats"
	"github.com/accountkit/accountkit/sso"
	"github.com/accountkit/accountkit/teams"
	"github.com/accountkit/accountkit/users"
	"github.com/accountkit/accountkit/webhooks"
)

// Store is everything accountkit persists, behind one transactor.
type Store interface {
	accountkit.Transactor
	account.Store
	account.SettingsStore
	audit.Store
	users.Store
	auth.Store
	sso.Store
	seats.Store
	notifications.Store
	apikeys.Store
	teams.Store
	scim.Store
	jobs.Store
	webhooks.Store
	reports.Store
	// Close releases the adapter's resources.
	Close() error
}

// Capability is something an adapter can do that not all can.
type Capability string

// Capabilities the conformance suite branches on.
const (
	// CapRowLocks means concurrent transactions on different connections are
	// serialized by row locks (SELECT ... FOR UPDATE), as on PostgreSQL and
	// MariaDB; adapters without it serialize whole transactions.
	CapRowLocks Capability = "row-locks"
)
