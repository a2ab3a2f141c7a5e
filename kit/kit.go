// Package kit builds every accountkit service from one storage.Store and
// one accountkit.Runtime, and mounts all their handlers as one
// http.Handler. It is the one import most host applications need besides
// a storage adapter. kit holds no rules: each service declares what it
// needs in its Deps, and the rules that span services are events on the
// Runtime's Events, subscribed by the services themselves — a host may
// build the services by hand and keep every rule (see the README's
// architecture section).
package kit

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/api"
	"github.com/accountkit/accountkit/apikeys"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/internal/httpx"
	"github.com/accountkit/accountkit/internal/telemetry"
	"github.com/accountkit/accountkit/jobs"
	"github.com/accountkit/accountkit/notifications"
	"github.com/accountkit/accountkit/reports"
	"github.com/accountkit/accountkit/scim"
	"github.com/accountkit/accountkit/seats"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/sso"
	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/teams"
	"github.com/accountkit/accountkit/users"
	"github.com/accountkit/accountkit/web"
	"github.com/accountkit/accountkit/webhooks"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
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
	// DetachTimeout bounds work finished after a client has gone (see
	// accountkit.Runtime); default accountkit.DefaultDetachTimeout.
	DetachTimeout time.Duration
	// TrustedProxies are the proxies in front of the host (load balancers,
	// CDNs) whose X-Forwarded-For accountkit believes when it takes the
	// client's IP for rate limits and the audit log; without them the
	// peer's address is the client's.
	TrustedProxies []netip.Prefix
	// Authenticators turn request credentials into principals, tried in
	// order after accountkit's sessions and API keys. A host may add its
	// own.
	Authenticators []security.Authenticator
	// Account configures accounts' customization: HostnameTarget (the
	// host custom hostnames CNAME to), the DNS Resolver and the supported
	// Languages.
	Account account.Options
	// Users configures users and roles: Mailer (required to invite
	// users), SMS, LinkBaseURL, link lifetimes, host roles in Registry.
	Users users.Options
	// Auth configures sign-in: the password hasher and rules, TOTP keys,
	// sign-in step lifetimes, Production.
	Auth auth.Options
	// Seats configures seat licensing: SeatRoles (the host roles that need
	// a seat), InactiveAfter and the OnWarning hook.
	Seats seats.Options
	// SSO configures single sign-on: BaseURL (the public URL of this
	// handler, required to enable SSO), an optional SP key and
	// certificate, TwoFactorPath. Production defaults to Auth.Production,
	// the Resolver of claimed domains to Account.Customization.Resolver.
	SSO sso.Options
	// Notifications configures notifications: the host's own Types and
	// the Deliver hook (e.g. email).
	Notifications notifications.Options
	// APIKeys configures API keys (TouchEvery).
	APIKeys apikeys.Options
	// Development is for a developer's machine: the session cookie works
	// on plain HTTP (Auth.Cookie.Insecure), and emails and text messages
	// are logged with their links (users.LogMailer, users.LogSMS) unless
	// Users.Mailer and Users.SMS are given, and OpenID providers on this
	// machine or network may be used (sso.Options.OIDCAllowLocalIssuers,
	// e.g. a Keycloak at http://localhost:8080), and so may webhook
	// endpoints (webhooks.Options.AllowPrivateAddresses). New refuses it together
	// with Auth.Production. In Production, New requires Users.Mailer.
	Development bool
	// CORSOrigins are the browser origins (scheme://host[:port]) allowed
	// to call the API from another origin, with credentials; preflights
	// from them answer 204. Empty (the default) sets no CORS headers.
	CORSOrigins []string
	// TracerProvider receives a server span per request, named after the
	// route pattern ("GET /api/v1/users/{id}"), and a span per service
	// call that runs in a transaction, named after the service method
	// ("accountkit.users.Create"); see docs/observability.md.
	// Nil means the global provider (otel.GetTracerProvider), a no-op
	// unless the host installs one.
	TracerProvider trace.TracerProvider
	// MeterProvider receives the request metrics (http.server.requests,
	// http.server.request.duration) by method, route and status. Nil
	// means the global provider (otel.GetMeterProvider), a no-op unless
	// the host installs one.
	MeterProvider metric.MeterProvider
	// SCIM configures the SCIM 2.0 service provider (served under
	// /scim/v2/, see docs/scim.md).
	SCIM scim.Options
	// Jobs configures the background jobs run by RunJobs (see
	// docs/jobs.md).
	Jobs JobOptions
	// Audit configures the audit log: CheckpointKey, the Ed25519 key that
	// signs the checkpoints of the retention job (without it, accounts'
	// retentions are not enforced and the job logs why), and
	// TrustedCheckpointKeys, the public keys of earlier CheckpointKeys
	// (see docs/audit-retention.md).
	Audit audit.Options
	// Webhooks configures webhooks, audit streaming and sinks (see
	// docs/webhooks.md). SecretKey defaults to Auth.TOTPKey, Production
	// to Auth.Production; AllowPrivateAddresses is refused in production.
	Webhooks webhooks.Options
	// Reports configures report jobs (see docs/reports.md): Blobs, the
	// BlobStore of their content (default: chunks in Store), and Expiry
	// (default 7 days).
	Reports reports.Options
}

// Kit holds the wired services.
type Kit struct {
	// Runtime is what every service shares: clock, IDs, logger and the
	// event bus that carries the rules spanning services.
	Runtime accountkit.Runtime
	// Authorizer checks a principal's permission and tenant tree, for
	// the host's own services.
	Authorizer *security.Authorizer
	// Recorder writes the host's own events into the audit log (in the
	// host's transaction, through the Store's InTx).
	Recorder *audit.Recorder
	Accounts *account.Service
	Audit    *audit.Service
	Users    *users.Service
	// Auth signs users in: passwords, sessions, two-factor
	// authentication; every sign-in method ends in Auth.Complete.
	Auth *auth.Service
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
	// SCIM is the SCIM 2.0 service provider: identity providers provision
	// users and teams through it with an API key holding scim.provision.
	SCIM *scim.Service
	// Webhooks manages webhook and audit stream endpoints and delivers
	// the outbox the audit log fills (RunJobs' "webhooks" job).
	Webhooks *webhooks.Service
	// Reports runs large exports as background jobs (RunJobs runs them).
	Reports *reports.Service

	handler     http.Handler
	store       storage.Store
	auths       []security.Authenticator
	trusted     []netip.Prefix
	development bool
	jobs        *jobs.Runner
}

// New builds every service on one Store and one Runtime, and their
// handlers as one http.Handler. Services depend on the ones below them
// through their Deps; the rules that run the other way (a user who leaves
// frees their seat and loses their API keys, single sign-on enforcement
// refuses passwords, teams asked for at user creation) are events on the
// shared accountkit.Events, and New checks that each has its reaction.
func New(opts Options) (*Kit, error) {
	if opts.Store == nil {
		return nil, errors.New("kit: Options.Store is required")
	}
	if err := opts.modes(); err != nil {
		return nil, err
	}
	rt, err := accountkit.Runtime{Clock: opts.Clock, IDs: opts.IDs, Logger: opts.Logger, Events: accountkit.NewEvents(),
		DetachTimeout: opts.DetachTimeout}.WithDefaults()
	if err != nil {
		return nil, err
	}
	opts.devSenders(rt.Logger)
	opts.pageDefaults()
	if opts.Auth.Production && opts.Users.SMS == nil {
		rt.Logger.Warn("kit: no Options.Users.SMS: phone verification is refused until a sender is set")
	}
	// The services share one store whose transactions open the service
	// spans (accountkit.users.Create, ...); the kit's own checks (ready,
	// jobs) use the host's store as given.
	// Read-only service calls open theirs through the Runtime's Tracer.
	spans := telemetry.NewServices(opts.TracerProvider)
	rt.Tracer = spans
	var st storage.Store = tracedStore{Store: opts.Store, spans: spans}
	k := &Kit{Runtime: rt, Authorizer: security.NewAuthorizer(opts.Store), store: opts.Store, trusted: opts.TrustedProxies, development: opts.Development}
	if k.Accounts, err = account.NewService(account.Deps{Runtime: rt, Store: st}, opts.Account); err != nil {
		return nil, err
	}
	if k.Audit, err = audit.NewService(audit.Deps{Runtime: rt, Store: st}, opts.Audit); err != nil {
		return nil, err
	}
	k.Recorder = k.Audit.Recorder()
	if k.Users, err = users.NewService(users.Deps{Runtime: rt, Store: st}, opts.Users); err != nil {
		return nil, err
	}
	if k.Seats, err = seats.NewService(seats.Deps{Runtime: rt, Store: st}, opts.Seats); err != nil {
		return nil, err
	}
	if k.Auth, err = auth.NewService(auth.Deps{Runtime: rt, Store: st, Accounts: k.Accounts, Users: k.Users, Seats: k.Seats}, opts.Auth); err != nil {
		return nil, err
	}
	if k.Teams, err = teams.NewService(teams.Deps{Runtime: rt, Store: st, Users: k.Users}, teams.Options{}); err != nil {
		return nil, err
	}
	if k.APIKeys, err = apikeys.NewService(apikeys.Deps{Runtime: rt, Store: st, Users: k.Users}, opts.APIKeys); err != nil {
		return nil, err
	}
	if k.Notifications, err = notifications.NewService(notifications.Deps{Runtime: rt, Store: st}, opts.Notifications); err != nil {
		return nil, err
	}
	ssoOpts := opts.SSO
	ssoOpts.Production = ssoOpts.Production || opts.Auth.Production
	ssoOpts.OIDCAllowLocalIssuers = ssoOpts.OIDCAllowLocalIssuers || opts.Development
	if ssoOpts.Resolver == nil {
		ssoOpts.Resolver = opts.Account.Customization.Resolver
	}
	if k.SSO, err = sso.NewService(sso.Deps{Runtime: rt, Store: st, Users: k.Users, Auth: k.Auth, Teams: k.Teams}, ssoOpts); err != nil {
		return nil, err
	}
	scimSeats := scim.Seats{Roles: k.Seats.SeatRoles(),
		Assign:  func(ctx context.Context, userID string) error { _, err := k.Seats.Assign(ctx, userID); return err },
		Release: k.Seats.ReleaseUser}
	if k.SCIM, err = scim.NewService(scim.Deps{Runtime: rt, Store: st, Users: k.Users, Teams: k.Teams, Seats: scimSeats}, opts.SCIM); err != nil {
		return nil, err
	}
	whOpts := opts.Webhooks
	whOpts.Production = whOpts.Production || opts.Auth.Production
	whOpts.AllowPrivateAddresses = whOpts.AllowPrivateAddresses || opts.Development
	if whOpts.SecretKey == nil && len(opts.Auth.TOTPKey) > 0 {
		whOpts.SecretKey = opts.Auth.TOTPKey
	}
	if k.Webhooks, err = webhooks.NewService(webhooks.Deps{Runtime: rt, Store: st}, whOpts); err != nil {
		return nil, err
	}
	if k.Reports, err = reports.NewService(reports.Deps{Runtime: rt, Store: st, Users: k.Users, Seats: k.Seats, Audit: k.Audit,
		APIKeys: k.APIKeys}, opts.Reports); err != nil {
		return nil, err
	}
	if err := rt.Events.Check(); err != nil {
		return nil, err
	}
	if k.jobs, err = k.newJobs(opts.Jobs, opts.jobLimits(), rt.Logger); err != nil {
		return nil, err
	}
	tel, err := telemetry.NewHTTP(opts.TracerProvider, opts.MeterProvider)
	if err != nil {
		return nil, errors.New("kit: OpenTelemetry instruments: " + err.Error())
	}
	k.handler = tel.Handler(k.newHandler(opts))
	return k, nil
}

// newHandler mounts every service's handler on one mux, behind the
// authentication middleware (but for the SAML sign-in routes).
func (k *Kit) newHandler(opts Options) http.Handler {
	logger := k.Runtime.Logger
	ssoHandler := sso.NewHandler(k.SSO, logger)
	mux := http.NewServeMux()
	account.NewHandler(k.Accounts, logger).Register(mux)
	audit.NewHandler(k.Audit, logger).Register(mux)
	users.NewHandler(k.Users, logger).Register(mux)
	auth.NewHandler(k.Auth, logger).Register(mux)
	teams.NewHandler(k.Teams, logger).Register(mux)
	seats.NewHandler(k.Seats, logger).Register(mux)
	ssoHandler.RegisterAPI(mux)
	notifications.NewHandler(k.Notifications, logger).Register(mux)
	apikeys.NewHandler(k.APIKeys, logger).Register(mux)
	scim.NewSettingsHandler(k.SCIM, logger).Register(mux)
	webhooks.NewHandler(k.Webhooks, logger).Register(mux)
	reports.NewHandler(k.Reports, logger).Register(mux)
	mux.HandleFunc(api.Route, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(api.OpenAPI)
	})
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		if allow := allowed(mux, r); allow != "" {
			w.Header().Set("Allow", allow)
			httpx.WriteError(w, r, logger, accountkit.Errorf(accountkit.MethodNotAllowed, "method %s not allowed; allowed: %s", r.Method, allow))
			return
		}
		httpx.WriteError(w, r, logger, accountkit.Errorf(accountkit.NotFound, "no such endpoint"))
	})
	var h http.Handler = telemetry.Inner(mux)
	k.auths = append([]security.Authenticator{k.Auth, k.APIKeys}, opts.Authenticators...)
	h = httpx.Authenticate(logger, k.auths, h)
	// The SAML and OIDC sign-in routes (/login/saml/..., /login/oidc/...)
	// authenticate on their own: the IdP's cross-site POST carries no CSRF
	// token, the OIDC callback is bound by its state cookie.
	outer := http.NewServeMux()
	ssoHandler.RegisterLogin(outer)
	// SCIM authenticates on its own (API keys only) and answers SCIM
	// error bodies.
	outer.Handle(scim.Base+"/", scim.NewHandler(k.SCIM, logger, k.APIKeys))
	outer.Handle("/", telemetry.Defer(h))
	return httpx.WithRequestID(cors(opts.CORSOrigins, httpx.Clients(opts.TrustedProxies, httpx.Recover(logger, telemetry.Route(outer)))))
}

// Handler returns every accountkit route (under /api/v1/, the SAML
// sign-in routes under /login/saml/ and SCIM under /scim/v2/: see
// Prefixes) as one handler. Mount it beside the host's own routes with
// Register, or serve it at the root of its own server. A wrong method on
// an existing route answers 405 with an Allow header.
func (k *Kit) Handler() http.Handler { return k.handler }

// RunInactivityJob disables inactive users (see users.Service.DisableInactive)
// now and then every interval until ctx is done, logging to logger (nil:
// the Kit's). It takes the same lease as RunJobs' inactivity job, so it
// is safe in every replica; RunJobs does this and the purges.
func (k *Kit) RunInactivityJob(ctx context.Context, every time.Duration, logger *slog.Logger) {
	if logger == nil {
		logger = k.Runtime.Logger
	}
	r, err := jobs.NewRunner(k.store, []jobs.Job{{Name: JobInactivity, Every: every, Run: k.Users.DisableInactive}},
		jobs.Options{Holder: k.jobs.Holder(), Logger: logger, Clock: k.Runtime.Clock})
	if err != nil {
		logger.ErrorContext(ctx, "inactivity job not started", "err", err)
		return
	}
	r.Run(security.AsSystem(ctx))
}

// Close waits for background work (emails being sent) to finish. It does
// not close the store.
func (k *Kit) Close() { k.Auth.Wait() }

// modes checks Development against Production and what production needs.
func (o *Options) modes() error {
	switch {
	case o.Development && (o.Auth.Production || o.SSO.Production):
		return errors.New("kit: Options.Development is refused in production (Auth.Production or SSO.Production)")
	case o.Auth.Production && o.Users.Mailer == nil:
		return errors.New("kit: Options.Users.Mailer is required in production (Auth.Production): invitations and password resets are sent by email; set Options.Development on a developer's machine to log them instead")
	}
	for _, origin := range o.CORSOrigins {
		if !validOrigin(origin) {
			return errors.New("kit: Options.CORSOrigins: " + strconv.Quote(origin) + " is not an origin such as https://app.example.com")
		}
	}
	if o.Development {
		o.Auth.Cookie.Insecure = true
	}
	return nil
}

// devSenders installs the logging Mailer and SMS sender in Development
// mode where the host gave none.
func (o *Options) devSenders(logger *slog.Logger) {
	if !o.Development {
		return
	}
	if o.Users.Mailer == nil {
		o.Users.Mailer = users.LogMailer{Logger: logger}
	}
	if o.Users.SMS == nil {
		o.Users.SMS = users.LogSMS{Logger: logger}
	}
}

// pageDefaults points the emailed links at the web pages (Kit.Pages) at
// their default path, web.DefaultPath, when the host did not set
// Users.LinkBaseURL: with SSO.BaseURL they are BaseURL + "/account/…". A
// host that mounts the pages elsewhere, or has pages of its own, sets
// Users.LinkBaseURL. (SSO.TwoFactorPath is not defaulted: an account's
// local second factor must fail closed on a host that serves no page for
// it; hosts mounting the pages set it to web.TwoFactorPath("").)
func (o *Options) pageDefaults() {
	if o.Users.LinkBaseURL == "" && o.SSO.BaseURL != "" {
		o.Users.LinkBaseURL = strings.TrimRight(o.SSO.BaseURL, "/") + web.DefaultPath
	}
}
