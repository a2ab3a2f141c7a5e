// Package web serves accountkit's pages: sign-in (branded per account by
// custom hostname or /{slug}, with the account's single sign-on), the
// second factor (code, recovery code, forced TOTP enrolment), the
// expired-password step, forgot and reset password, accepting an
// invitation, verifying an email, and the signed-in user's "My account"
// pages (profile and phone, password, two-factor authentication, sessions,
// notifications). They are server-rendered with html/template, work with
// JavaScript off (plain forms, POST-redirect-GET) and call the services
// directly — the same ones the JSON API calls — through the small
// interfaces of Services, never the API.
//
// # The console
//
// With Services.Users and Services.Teams, Services.APIKeys and
// Services.Audit set (kit.Pages sets them), the administration console is
// served under "/console": Users & Teams (list with search, filters,
// teams and pager; detail card; New user; disable, enable, resend
// invitation; CSV/JSON export), API keys (the secret shown once; revoke)
// and the audit log (presets, filters, CSV export, hash-chain check);
// with Services.Seats the Seats page (usage cards and warning, accounts
// and limits, the Assign seat panel, inactive users with bulk removal,
// logs, report) and with Services.ManagedNotifications the Account
// notifications page (an account's notifications, its users'
// subscriptions). The
// navigation lists only the pages the person's permissions allow; anyone
// else gets a 403 page, and the services refuse the actions anyway. An ID
// of another tenant answers the same 404 page as a random one. See
// docs/console.md.
//
// # Mounting
//
// One handler, mounted at its path (default "/account"), beside the kit's
// handler on the same host:
//
//	pages, err := web.New(web.Options{Services: web.Services{
//		SignIn: k.Auth, Links: k.Auth, Self: k.Users, Security: k.Auth, Branding: k.Accounts,
//		SSO: k.SSO, Notifications: k.Notifications}})
//	mux.Handle("/account/", pages)
//	mux.Handle("/", k.Handler())
//
// Set users.Options.LinkBaseURL to the public URL of that path
// ("https://app.example.com/account"): the emailed links lead to its
// /accept-invitation, /reset-password and /verify-email pages. Set
// sso.Options.TwoFactorPath to TwoFactorPath("/account") so the local
// second factor after a single sign-on is asked on these pages. The
// session cookie is auth.SessionCookie with Path "/", so the JSON API
// accepts the pages' session in the same browser; its CSRF token for the
// API is in the script-readable cookie Cookies.CSRF.
//
// # Security
//
// Every page has a Content-Security-Policy with a fresh nonce (no inline
// script or style without it), frame-ancestors 'none' and X-Frame-Options
// DENY, Referrer-Policy no-referrer and Cache-Control no-store. Every form
// carries a CSRF token: an HMAC (Options.FormKey) of its issue time and
// of a form cookie plus, once signed in, the session, so a form is bound
// to the browser and the session it was shown to and expires after
// Options.FormTTL. Refused forms (bad token, oversized or non-UTF-8 field,
// oversized body) answer with a message on the page and reach no
// service. return_to must pass sso.SafeReturnPath. Sign-in failures of
// every kind answer the same page, status and words. Cookies are Secure
// unless Options.Development is set (for http://127.0.0.1).
//
// # Customizing without forking
//
// The account's branding sets the logo, name and theme: light, dark, or
// the account's custom colours, written as CSS variables
// (--brand-primary, --brand-secondary, --brand-accent,
// --brand-background, --brand-text) in a nonce'd style element. A host
// adds its own CSS in Options.Static as "static/custom.css", linked from
// every page after the built-in stylesheet, and may replace any template
// by putting "templates/<name>.html" in Options.Templates (the embedded
// ones under templates/ show the names and the data each receives; a
// page template defines "content"). Strings come from the message
// catalogue (English and German), in the account's language when the
// pages ship it, else the browser's Accept-Language.
//
// It imports the root package, security, audit, account, users, teams,
// apikeys, notifications and sso for their types and helpers (SafeReturnPath, RoutePath), and
// internal/httpx for the client IP; never kit or storage.
package web
