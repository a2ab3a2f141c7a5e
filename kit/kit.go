// Package kit wires every accountkit service from one storage.Store and
// mounts all their handlers as one http.Handler. It is the one import most
// host applications need besides a storage adapter.
package kit

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/api"
	"github.com/accountkit/accountkit/apikeys"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/internal/httpx"
	"github.com/accountkit/accountkit/notifications"
	"github.com/accountkit/accountkit/seats"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/sso"
	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/teams"
	"github.com/accountkit/accountkit/users"
)

// Options configures New. Only Store is required.
type Options struct {
	// Store is where everything is kept (storage/memory, sqlite, postgres
	// or mysql).
	Store storage.Store
	// Clock defaults to the system clock.
	Clock accountkit.Clock
	// IDs defaults to UUIDv7.
	IDs accountkit.IDGenerator
	// Logger defaults to slog.Default(). Secrets are never logged.
	Logger *slog.Logger
	// Authenticators turn request credentials into principals, tried in
	// order after accountkit's sessions. A host may add its own.
	Authenticators []security.Authenticator
	// Users configures users, sign-in and roles: Mailer (required to invite
	// users), SMS, LinkBaseURL, password rules, host roles in Registry. Its
	// Clock, IDs and Logger default to the ones above.
	Users users.Options
	// Seats configures seat licensing: SeatRoles (the host roles that need
	// a seat), InactiveAfter and the OnWarning hook. Its Clock, IDs and
	// Logger default to the ones above.
	Seats seats.Options
	// SSO configures single sign-on: BaseURL (the public URL of this
	// handler, required to enable SSO), an optional SP key and
	// certificate, and the group sync. Its Clock and Logger default to
	// the ones above.
	SSO sso.Options
	// Account configures accounts' customization: HostnameTarget (the
	// host custom hostnames CNAME to), the DNS Resolver and the supported
	// Languages. Its Clock and IDs default to the ones above.
	Account account.Options
	// Notifications configures notifications: the host's own Types and
	// the Deliver hook (e.g. email). Its Clock, IDs and Logger default to
	// the ones above.
	Notifications notifications.Options
	// APIKeys configures API keys (TouchEvery). Its Clock, IDs and Logger
	// default to the ones above and its Registry to the users' one.
	APIKeys apikeys.Options
}

// Kit holds the wired services.
type Kit struct {
	Authorizer *security.Authorizer
	Recorder   *audit.Recorder
	Accounts   *account.Service
	Audit      *audit.Service
	Users      *users.Service
	// Teams manages teams; users inherit their teams' roles, and SSO
	// group sync fills SSO teams through it.
	Teams *teams.Service
	Seats *seats.Service
	SSO   *sso.Service
	// Notifications publishes notifications (as the system) and serves
	// inboxes.
	Notifications *notifications.Service
	// APIKeys manages API keys; it is also the API key Authenticator.
	APIKeys *apikeys.Service

	handler http.Handler
}

// New wires the services and their handlers.
func New(opts Options) (*Kit, error) {
	if opts.Store == nil {
		return nil, errors.New("kit: Options.Store is required")
	}
	if opts.Clock == nil {
		opts.Clock = accountkit.SystemClock{}
	}
	if opts.IDs == nil {
		opts.IDs = &accountkit.UUIDv7{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	st := opts.Store
	k := &Kit{Authorizer: security.NewAuthorizer(st)}
	k.Recorder = audit.NewRecorder(st, st, st, audit.RecorderOptions{Clock: opts.Clock, IDs: opts.IDs, Logger: opts.Logger})
	ao := opts.Account
	if ao.Clock == nil {
		ao.Clock = opts.Clock
	}
	if ao.IDs == nil {
		ao.IDs = opts.IDs
	}
	k.Accounts = account.NewService(st, st, st, k.Authorizer, k.Recorder, ao)
	k.Audit = audit.NewService(st, st, k.Authorizer, k.Recorder, opts.Clock)
	uo := opts.Users
	if uo.Clock == nil {
		uo.Clock = opts.Clock
	}
	if uo.IDs == nil {
		uo.IDs = opts.IDs
	}
	if uo.Logger == nil {
		uo.Logger = opts.Logger
	}
	// While an account enforces SSO its users may not use passwords.
	hostPolicy := uo.PasswordLoginAllowed
	uo.PasswordLoginAllowed = func(ctx context.Context, u *users.User) error {
		if hostPolicy != nil {
			if err := hostPolicy(ctx, u); err != nil {
				return err
			}
		}
		return k.SSO.PasswordLoginAllowed(ctx, u)
	}
	k.wireTeamsIntoUsers(&uo)
	k.wireLeavingUsers(&uo)
	k.Users = users.NewService(st, st, k.Accounts, st, k.Authorizer, k.Recorder, uo)
	k.newTeams(opts)
	so := opts.Seats
	if so.Clock == nil {
		so.Clock = opts.Clock
	}
	if so.IDs == nil {
		so.IDs = opts.IDs
	}
	if so.Logger == nil {
		so.Logger = opts.Logger
	}
	k.Seats = seats.NewService(st, st, st, st, k.Authorizer, k.Recorder, so)
	ssoOpts := opts.SSO
	if ssoOpts.Clock == nil {
		ssoOpts.Clock = opts.Clock
	}
	if ssoOpts.Logger == nil {
		ssoOpts.Logger = opts.Logger
	}
	ssoOpts.Production = ssoOpts.Production || uo.Production
	if ssoOpts.Groups == nil {
		ssoOpts.Groups = k.Teams
	}
	var err error
	if k.SSO, err = sso.NewService(st, st, st, k.Users, st, k.Authorizer, k.Recorder, ssoOpts); err != nil {
		return nil, err
	}
	ssoHandler := sso.NewHandler(k.SSO, opts.Logger)

	mux := http.NewServeMux()
	account.NewHandler(k.Accounts, opts.Logger).Register(mux)
	audit.NewHandler(k.Audit, opts.Logger).Register(mux)
	users.NewHandler(k.Users, opts.Logger).Register(mux)
	teams.NewHandler(k.Teams, opts.Logger).Register(mux)
	seats.NewHandler(k.Seats, opts.Logger).Register(mux)
	ssoHandler.RegisterAPI(mux)
	k.wireNotificationsAndKeys(opts)
	notifications.NewHandler(k.Notifications, opts.Logger).Register(mux)
	apikeys.NewHandler(k.APIKeys, opts.Logger).Register(mux)
	mux.HandleFunc(api.Route, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(api.OpenAPI)
	})
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteError(w, r, opts.Logger, accountkit.Errorf(accountkit.NotFound, "no such endpoint"))
	})
	var h http.Handler = mux
	auths := append([]security.Authenticator{k.Users, k.APIKeys}, opts.Authenticators...)
	h = httpx.Authenticate(opts.Logger, auths, h)
	// The SAML sign-in routes (/login/saml/...) authenticate on their own:
	// the IdP's cross-site POST carries no CSRF token.
	outer := http.NewServeMux()
	ssoHandler.RegisterLogin(outer)
	outer.Handle("/", h)
	h = httpx.Recover(opts.Logger, outer)
	k.handler = httpx.WithRequestID(h)
	return k, nil
}

// Handler returns every accountkit route (under /api/v1/, and the SAML
// sign-in routes under /login/saml/) as one handler;
// mount it at the root of the host's server or under a prefix with
// http.StripPrefix.
func (k *Kit) Handler() http.Handler { return k.handler }

// RunInactivityJob disables inactive users (see users.Service.DisableInactive)
// now and then every interval until ctx is done. Run it in one instance of
// the host, in its own goroutine.
func (k *Kit) RunInactivityJob(ctx context.Context, every time.Duration, logger *slog.Logger) {
	if logger == nil {
		logger = slog.Default()
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := k.Users.DisableInactive(security.AsSystem(ctx))
		if err != nil {
			logger.ErrorContext(ctx, "inactivity job failed", "err", err)
		} else if n > 0 {
			logger.InfoContext(ctx, "inactivity job disabled users", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Close waits for background work (emails being sent) to finish. It does
// not close the store.
func (k *Kit) Close() { k.Users.Wait() }
