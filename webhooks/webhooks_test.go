package webhooks_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/users"
	"github.com/accountkit/accountkit/webhooks"
)

// verify checks a Standard Webhooks request, written from the spec
// (https://www.standardwebhooks.com) independently of the package's
// signer: the secret is "whsec_" + base64 key; the signed content is
// "{webhook-id}.{webhook-timestamp}.{body}"; webhook-signature holds
// space-separated "v1,<base64 HMAC-SHA256>" values, any of which may
// match.
func verify(secret string, h http.Header, body []byte) error {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || !strings.HasPrefix(secret, "whsec_") || len(key) != 32 {
		return errors.New("bad secret")
	}
	id, ts := h.Get("webhook-id"), h.Get("webhook-timestamp")
	if id == "" || ts == "" {
		return errors.New("missing headers")
	}
	if _, err := strconv.ParseInt(ts, 10, 64); err != nil {
		return errors.New("bad timestamp")
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "." + string(body)))
	want := mac.Sum(nil)
	for _, part := range strings.Fields(h.Get("webhook-signature")) {
		version, sig, ok := strings.Cut(part, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(sig)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return errors.New("no valid signature")
}

// receiver is a local endpoint that verifies signatures and records the
// messages it acknowledged, by webhook-id.
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	secret []string // secrets any of which must verify
	// answer decides the status of the n-th request (0-based); default 204.
	answer func(n int) int
	delay  func(n int) time.Duration
	// before runs at the start of the n-th request.
	before func(n int)
	n      int
	acked  []string // webhook-ids acknowledged, in order
	bodies map[string][]byte
	sigs   []string
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{t: t, bodies: map[string][]byte{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	n := r.n
	r.n++
	secrets := append([]string(nil), r.secret...)
	answer, delay, before := r.answer, r.delay, r.before
	r.sigs = append(r.sigs, req.Header.Get("webhook-signature"))
	r.mu.Unlock()
	for _, s := range secrets {
		if err := verify(s, req.Header, body); err != nil {
			r.t.Errorf("signature with secret %d: %v", len(s), err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
	}
	if before != nil {
		before(n)
	}
	if delay != nil {
		time.Sleep(delay(n))
	}
	status := http.StatusNoContent
	if answer != nil {
		status = answer(n)
	}
	w.WriteHeader(status)
	if status/100 == 2 {
		r.mu.Lock()
		id := req.Header.Get("webhook-id")
		if _, dup := r.bodies[id]; !dup {
			r.acked = append(r.acked, id)
		}
		r.bodies[id] = body
		r.mu.Unlock()
	}
}

func (r *receiver) ackedIDs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.acked...)
}

// set changes the receiver's behaviour under its lock.
func (r *receiver) set(fn func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fn()
}

// body returns the body acknowledged under the webhook-id.
func (r *receiver) body(id string) []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bodies[id]
}

// sig returns the signature header of the n-th request.
func (r *receiver) sig(n int) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sigs[n]
}

func (r *receiver) requests() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

// newEnv returns a kit on the store whose webhooks may call local
// servers, with a fixed 1-minute backoff and a 300 ms timeout.
func newEnv(t *testing.T, open kittest.Opener, more ...func(*kit.Options)) *kittest.Env {
	return kittest.NewWithStore(t, open(t), append([]func(*kit.Options){func(o *kit.Options) {
		o.Webhooks.AllowPrivateAddresses = true
		o.Webhooks.Backoff = func(int) time.Duration { return time.Minute }
		o.Webhooks.Timeout = 300 * time.Millisecond
		o.Webhooks.MaxAttempts = 3
	}}, more...)...)
}

func create(t *testing.T, env *kittest.Env, acc *account.Account, in webhooks.CreateInput) *webhooks.Created {
	t.Helper()
	c, err := env.Kit.Webhooks.Create(kittest.As(kittest.Manager(acc.ID, "boss")), acc.ID, in)
	require.NoError(t, err)
	return c
}

func deliver(t *testing.T, env *kittest.Env) int {
	t.Helper()
	n, err := env.Kit.DeliverWebhooksOnce(context.Background())
	require.NoError(t, err)
	return n
}

func deliveries(t *testing.T, env *kittest.Env, acc *account.Account, endpointID string, status webhooks.Status) []*webhooks.Delivery {
	t.Helper()
	p, err := env.Kit.Webhooks.Deliveries(kittest.As(kittest.Manager(acc.ID, "boss")),
		webhooks.DeliveriesInput{EndpointID: endpointID, Status: status, PageRequest: accountkit.PageRequest{Limit: 200}})
	require.NoError(t, err)
	return p.Deliveries
}

// TestOutbox_SameTransaction: a change that rolls back leaves no outbox
// row; a committed one leaves exactly one; a failure to write the outbox
// aborts the change.
func TestOutbox_SameTransaction(t *testing.T) {
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			env := newEnv(t, open)
			acc := env.MainAccount(t, "acme")
			ep := create(t, env, acc, webhooks.CreateInput{URL: "https://hooks.example.com/in", EventTypes: []string{webhooks.TypeUserCreated}})
			in := users.CreateInput{AccountID: acc.ID, Username: "ada", FirstName: "Ada", LastName: "L", Email: "ada@acme.test"}

			boom := errors.New("host fails after the change")
			err := env.Store.InTx(env.System(), func(ctx context.Context) error {
				_, err := env.Kit.Users.Create(ctx, in)
				require.NoError(t, err)
				return boom
			})
			require.ErrorIs(t, err, boom)
			assert.Empty(t, deliveries(t, env, acc, ep.Endpoint.ID, ""), "rolled back: no outbox row")

			_, err = env.Kit.Users.Create(env.System(), in)
			require.NoError(t, err)
			list := deliveries(t, env, acc, ep.Endpoint.ID, "")
			require.Len(t, list, 1, "committed: exactly one")
			msgs, err := env.Store.ListWebhookMessages(context.Background(), []string{list[0].MessageID})
			require.NoError(t, err)
			require.Len(t, msgs, 1)
			assert.Equal(t, webhooks.TypeUserCreated, msgs[0].Type)
		})
	}
}

// TestDeliver_RetriesInOrder: a receiver that fails, times out, then
// recovers gets every event exactly once per success, signed, in order
// per account, and a waiting retry does not block another account.
func TestDeliver_RetriesInOrder(t *testing.T) {
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			env := newEnv(t, open)
			acc := env.MainAccount(t, "acme")
			sub := env.SubAccount(t, acc, "acme-eu")
			rcv := newReceiver(t)
			ep := create(t, env, acc, webhooks.CreateInput{URL: rcv.srv.URL + "/hook", EventTypes: []string{webhooks.TypeUserCreated}})
			rcv.set(func() { rcv.secret = []string{ep.Secret} })
			// Request 0 (acme's first) fails with 500, request 2 times out.
			rcv.mu.Lock()
			rcv.answer = func(n int) int {
				if n == 0 {
					return http.StatusInternalServerError
				}
				return http.StatusNoContent
			}
			rcv.delay = func(n int) time.Duration {
				if n == 2 {
					return time.Second
				}
				return 0
			}
			rcv.mu.Unlock()
			for _, u := range []string{"user1", "user2", "user3"} {
				env.User(t, acc, u)
			}
			env.User(t, sub, "subuser1")

			// Pass 1: acme's first fails (500) and holds acme back; sub's
			// goes through.
			assert.Equal(t, 1, deliver(t, env))
			assert.Len(t, rcv.ackedIDs(), 1)
			assert.Equal(t, 0, deliver(t, env), "acme waits for its retry")
			env.Clock.Advance(time.Minute)
			// Pass 2: the retry times out.
			assert.Equal(t, 0, deliver(t, env))
			env.Clock.Advance(time.Minute)
			for range 5 {
				deliver(t, env)
			}
			acked := rcv.ackedIDs()
			require.Len(t, acked, 4, "every event delivered once")
			var order []string
			for _, id := range acked {
				var body struct {
					Type string
					Data struct {
						AccountID  string `json:"account_id"`
						TargetName string `json:"target_name"`
					}
				}
				require.NoError(t, json.Unmarshal(rcv.body(id), &body))
				assert.Equal(t, webhooks.TypeUserCreated, body.Type)
				if body.Data.AccountID == acc.ID {
					order = append(order, body.Data.TargetName)
				}
			}
			assert.Equal(t, []string{"user1", "user2", "user3"}, order, "in order per account")
			succeeded := deliveries(t, env, acc, ep.Endpoint.ID, webhooks.StatusSucceeded)
			assert.Len(t, succeeded, 4)
			for _, d := range succeeded {
				if d.LastResult != "HTTP 204" {
					t.Errorf("last result %q", d.LastResult)
				}
			}
		})
	}
}

// TestDeliver_DeadLetter: after MaxAttempts the delivery is dead, listed,
// and a manual redelivery sends it (same webhook-id).
func TestDeliver_DeadLetter(t *testing.T) {
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			env := newEnv(t, open)
			acc := env.MainAccount(t, "acme")
			rcv := newReceiver(t)
			var down atomic.Bool
			down.Store(true)
			rcv.mu.Lock()
			rcv.answer = func(int) int {
				if down.Load() {
					return http.StatusServiceUnavailable
				}
				return http.StatusOK
			}
			rcv.mu.Unlock()
			ep := create(t, env, acc, webhooks.CreateInput{URL: rcv.srv.URL, EventTypes: []string{webhooks.TypeUserCreated}})
			rcv.set(func() { rcv.secret = []string{ep.Secret} })
			env.User(t, acc, "user1")
			for range 3 {
				deliver(t, env)
				env.Clock.Advance(time.Minute)
			}
			dead := deliveries(t, env, acc, ep.Endpoint.ID, webhooks.StatusDead)
			require.Len(t, dead, 1)
			assert.Equal(t, 3, dead[0].Attempts)
			assert.Equal(t, "HTTP 503", dead[0].LastResult)
			assert.Equal(t, 3, rcv.requests())
			deliver(t, env)
			assert.Equal(t, 3, rcv.requests(), "dead: not sent again by itself")

			down.Store(false)
			r := env.Do(t, http.MethodPost, "/api/v1/webhook-deliveries/"+dead[0].ID+"/redeliver",
				env.Tokens.Issue(kittest.Manager(acc.ID, "boss")), nil)
			require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
			assert.Equal(t, 1, deliver(t, env))
			assert.Equal(t, []string{dead[0].MessageID}, rcv.ackedIDs())
			env.RequireEvent(t, acc.ID, "Webhook", "Sent")
		})
	}
}

// TestRotation: during the grace both signatures verify; after it only
// the new secret signs.
func TestRotation(t *testing.T) {
	env := newEnv(t, kittest.Stores()["memory"])
	acc := env.MainAccount(t, "acme")
	rcv := newReceiver(t)
	ep := create(t, env, acc, webhooks.CreateInput{URL: rcv.srv.URL, EventTypes: []string{webhooks.TypeUserCreated}})
	rot, err := env.Kit.Webhooks.RotateSecret(kittest.As(kittest.Manager(acc.ID, "boss")), ep.Endpoint.ID)
	require.NoError(t, err)
	require.NotEqual(t, ep.Secret, rot.Secret)
	rcv.set(func() { rcv.secret = []string{ep.Secret, rot.Secret} })
	env.User(t, acc, "user1")
	assert.Equal(t, 1, deliver(t, env))
	assert.Len(t, strings.Fields(rcv.sig(0)), 2, "two signatures during the grace")

	env.Clock.Advance(webhooks.DefaultRotationGrace + time.Second)
	env.User(t, acc, "user2")
	rcv.set(func() { rcv.secret = []string{rot.Secret} })
	assert.Equal(t, 1, deliver(t, env))
	assert.Len(t, strings.Fields(rcv.sig(1)), 1, "one signature after the grace")
	hdr := http.Header{}
	hdr.Set("webhook-id", "x")
	hdr.Set("webhook-timestamp", "1")
	hdr.Set("webhook-signature", rcv.sig(1))
	assert.Error(t, verify(ep.Secret, hdr, nil), "the old secret no longer verifies anything")
	env.RequireEvent(t, acc.ID, "Webhook", "Generate")
}

// TestFilters: an endpoint receives the types it asked for only; the
// default is every domain type but audit.event.
func TestFilters(t *testing.T) {
	env := newEnv(t, kittest.Stores()["memory"])
	acc := env.MainAccount(t, "acme")
	only := create(t, env, acc, webhooks.CreateInput{URL: "https://a.example.com", EventTypes: []string{webhooks.TypeUserDisabled}})
	all := create(t, env, acc, webhooks.CreateInput{URL: "https://b.example.com"})
	auditOnly := create(t, env, acc, webhooks.CreateInput{URL: "https://c.example.com", Kind: webhooks.KindAuditStream})
	u := env.User(t, acc, "user1")
	assert.Empty(t, deliveries(t, env, acc, only.Endpoint.ID, ""))
	_, err := env.Kit.Users.Disable(env.System(), u.ID)
	require.NoError(t, err)
	assert.Len(t, deliveries(t, env, acc, only.Endpoint.ID, ""), 1)
	types := map[string]bool{}
	for _, d := range deliveries(t, env, acc, all.Endpoint.ID, "") {
		m, err := env.Store.ListWebhookMessages(context.Background(), []string{d.MessageID})
		require.NoError(t, err)
		types[m[0].Type] = true
	}
	assert.True(t, types[webhooks.TypeUserCreated] && types[webhooks.TypeUserDisabled])
	assert.False(t, types[webhooks.TypeAuditEvent], "audit.event only when asked for")
	events := env.Events(t, acc.ID)
	assert.Len(t, deliveries(t, env, acc, auditOnly.Endpoint.ID, ""), len(events)-3,
		"the audit stream gets every audit event after its creation")

	_, err = env.Kit.Webhooks.Create(kittest.As(kittest.Manager(acc.ID, "boss")), acc.ID,
		webhooks.CreateInput{URL: "https://d.example.com", EventTypes: []string{"user.exploded"}})
	requireField(t, err, "event_types")
}

func requireField(t *testing.T, err error, field string) {
	t.Helper()
	var e *accountkit.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, accountkit.Invalid, e.Code, "%v", err)
	require.Equal(t, field, e.Fields[0].Field)
}

// fakeDNS resolves every name to one address.
type fakeDNS map[string]netip.Addr

func (f fakeDNS) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := f[host]; ok {
		return []netip.Addr{a}, nil
	}
	return nil, errors.New("no such host")
}

// TestSSRF: non-public addresses are refused when the URL is set and when
// a name resolves to one at dial time; redirects are not followed.
func TestSSRF(t *testing.T) {
	t.Run("Create", func(t *testing.T) {
		env := kittest.New(t)
		acc := env.MainAccount(t, "acme")
		ctx := kittest.As(kittest.Manager(acc.ID, "boss"))
		for _, u := range []string{"http://hooks.example.com/", "https://127.0.0.1/", "https://169.254.169.254/latest",
			"https://10.1.2.3/", "https://[::1]/", "https://localhost/", "https://100.64.0.1/", "https://[fd00::1]/",
			"https://0.0.0.0/", "https://224.0.0.1/", "https://intranet/", "https://user:pw@hooks.example.com/", "ftp://x.example.com"} {
			_, err := env.Kit.Webhooks.Create(ctx, acc.ID, webhooks.CreateInput{URL: u})
			requireField(t, err, "url")
			ok := create(t, env, acc, webhooks.CreateInput{URL: "https://hooks.example.com/"})
			_, err = env.Kit.Webhooks.Update(ctx, ok.Endpoint.ID, webhooks.Update{URL: &u})
			requireField(t, err, "url")
			require.NoError(t, env.Kit.Webhooks.Delete(ctx, ok.Endpoint.ID))
		}
	})
	t.Run("Dial", func(t *testing.T) {
		var hit atomic.Bool
		srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hit.Store(true) }))
		t.Cleanup(srv.Close)
		port := srv.URL[strings.LastIndex(srv.URL, ":"):]
		dns := fakeDNS{"loop.example.com": netip.MustParseAddr("127.0.0.1"), "meta.example.com": netip.MustParseAddr("169.254.169.254"),
			"ten.example.com": netip.MustParseAddr("10.0.0.7"), "six.example.com": netip.MustParseAddr("::1")}
		env := kittest.NewWithStore(t, kittest.Stores()["memory"](t), func(o *kit.Options) {
			o.Webhooks.Resolver = dns
			o.Webhooks.Timeout = time.Second
		})
		acc := env.MainAccount(t, "acme")
		var ids []string
		for host := range dns {
			ep := create(t, env, acc, webhooks.CreateInput{URL: "https://" + host + port + "/", EventTypes: []string{webhooks.TypeUserCreated}})
			ids = append(ids, ep.Endpoint.ID)
		}
		env.User(t, acc, "user1")
		assert.Equal(t, 0, deliver(t, env))
		assert.False(t, hit.Load(), "no request reached the local server")
		for _, id := range ids {
			d := deliveries(t, env, acc, id, "")
			require.Len(t, d, 1)
			assert.Equal(t, "address forbidden", d[0].LastResult)
		}
	})
	t.Run("Redirect", func(t *testing.T) {
		env := newEnv(t, kittest.Stores()["memory"])
		target := newReceiver(t)
		redirect := httptest.NewServer(http.RedirectHandler(target.srv.URL, http.StatusTemporaryRedirect))
		t.Cleanup(redirect.Close)
		acc := env.MainAccount(t, "acme")
		ep := create(t, env, acc, webhooks.CreateInput{URL: redirect.URL, EventTypes: []string{webhooks.TypeUserCreated}})
		env.User(t, acc, "user1")
		assert.Equal(t, 0, deliver(t, env))
		assert.Equal(t, 0, target.requests(), "the redirect is not followed")
		assert.Equal(t, "HTTP 307", deliveries(t, env, acc, ep.Endpoint.ID, "")[0].LastResult)
	})
	t.Run("ProductionRefusesPrivate", func(t *testing.T) {
		_, err := webhooks.NewService(webhooks.Deps{Runtime: accountkit.Runtime{Events: accountkit.NewEvents()}, Store: kittest.Stores()["memory"](t)},
			webhooks.Options{Production: true, AllowPrivateAddresses: true})
		require.Error(t, err)
	})
}

// TestCrossTenant: a manager of another main account gets NotFound for
// every operation, exactly as for a random ID.
func TestCrossTenant(t *testing.T) {
	env := newEnv(t, kittest.Stores()["memory"])
	acc := env.MainAccount(t, "acme")
	other := env.MainAccount(t, "evil")
	rcv := newReceiver(t)
	ep := create(t, env, acc, webhooks.CreateInput{URL: rcv.srv.URL, EventTypes: []string{webhooks.TypeUserCreated}})
	env.User(t, acc, "user1")
	d := deliveries(t, env, acc, ep.Endpoint.ID, "")[0]
	evil := env.Tokens.Issue(kittest.Manager(other.ID, "mallory"))
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/v1/accounts/" + acc.ID + "/webhooks"},
		{"GET", "/api/v1/webhooks/" + ep.Endpoint.ID},
		{"PATCH", "/api/v1/webhooks/" + ep.Endpoint.ID},
		{"DELETE", "/api/v1/webhooks/" + ep.Endpoint.ID},
		{"POST", "/api/v1/webhooks/" + ep.Endpoint.ID + "/rotate-secret"},
		{"GET", "/api/v1/webhooks/" + ep.Endpoint.ID + "/deliveries"},
		{"POST", "/api/v1/webhook-deliveries/" + d.ID + "/redeliver"},
	} {
		var body any
		if c.method == "PATCH" {
			body = map[string]any{"enabled": false}
		}
		r := env.Do(t, c.method, c.path, evil, body)
		assert.Equal(t, http.StatusNotFound, r.Status, "%s %s: %s", c.method, c.path, r.Body)
	}
	got, err := env.Kit.Webhooks.Get(kittest.As(kittest.Manager(acc.ID, "boss")), ep.Endpoint.ID)
	require.NoError(t, err)
	assert.True(t, got.Enabled, "unchanged")
}

// TestAPI_SecretShownOnce: the secret appears in the creation answer and
// never again.
func TestAPI_SecretShownOnce(t *testing.T) {
	env := newEnv(t, kittest.Stores()["memory"])
	acc := env.MainAccount(t, "acme")
	token := env.Tokens.Issue(kittest.Manager(acc.ID, "boss"))
	r := env.Do(t, "POST", "/api/v1/accounts/"+acc.ID+"/webhooks", token, map[string]any{"url": "https://hooks.example.com/x"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	var out map[string]any
	r.JSON(t, &out)
	secret := out["secret"].(string)
	require.True(t, strings.HasPrefix(secret, "whsec_"))
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	require.NoError(t, err)
	require.Len(t, key, 32)
	for _, p := range []string{"/api/v1/webhooks/" + out["id"].(string), "/api/v1/accounts/" + acc.ID + "/webhooks"} {
		r := env.Do(t, "GET", p, token, nil)
		require.Equal(t, http.StatusOK, r.Status)
		assert.NotContains(t, string(r.Body), strings.TrimPrefix(secret, "whsec_"))
	}
	env.RequireEvent(t, acc.ID, "Webhook", "Create")
	// Bad input names the field.
	r = env.Do(t, "POST", "/api/v1/accounts/"+acc.ID+"/webhooks", token, map[string]any{"url": "ftp://hooks.example.com/"})
	require.Equal(t, http.StatusBadRequest, r.Status)
	assert.Contains(t, string(r.Body), `"url"`)
}

// recordingSink is a host Sink that fails its first call.
type recordingSink struct {
	mu      sync.Mutex
	calls   int
	batches [][]webhooks.Message
}

func (s *recordingSink) Deliver(_ context.Context, batch []webhooks.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.calls == 1 {
		return errors.New("broker down")
	}
	s.batches = append(s.batches, batch)
	return nil
}

// TestAuditStream: an audit stream endpoint receives the account's audit
// events in one signed application/x-ndjson batch, one event per line;
// a host Sink receives batches with retries.
func TestAuditStream(t *testing.T) {
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			sink := &recordingSink{}
			env := newEnv(t, open, func(o *kit.Options) { o.Webhooks.Sinks = map[string]webhooks.Sink{"broker": sink} })
			acc := env.MainAccount(t, "acme")
			var (
				mu    sync.Mutex
				lines []string
				ctype string
			)
			var secret string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				mu.Lock()
				key := secret
				mu.Unlock()
				if err := verify(key, r.Header, body); err != nil {
					t.Errorf("audit stream signature: %v", err)
				}
				mu.Lock()
				ctype = r.Header.Get("Content-Type")
				lines = append(lines, strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")...)
				mu.Unlock()
			}))
			t.Cleanup(srv.Close)
			ep := create(t, env, acc, webhooks.CreateInput{Kind: webhooks.KindAuditStream, URL: srv.URL})
			mu.Lock()
			secret = ep.Secret
			mu.Unlock()
			sk := create(t, env, acc, webhooks.CreateInput{Kind: webhooks.KindSink, Sink: "broker", EventTypes: []string{webhooks.TypeUserCreated, webhooks.TypeAuditEvent}})
			env.User(t, acc, "user1")
			env.User(t, acc, "user2")
			want := len(deliveries(t, env, acc, ep.Endpoint.ID, ""))
			require.Greater(t, want, 2)

			deliver(t, env)
			mu.Lock()
			assert.Equal(t, "application/x-ndjson", ctype)
			assert.Len(t, lines, want, "one line per audit event")
			for _, l := range lines {
				var m struct {
					Type string
					Data struct{ Item, Action string }
				}
				require.NoError(t, json.Unmarshal([]byte(l), &m), l)
				assert.Equal(t, webhooks.TypeAuditEvent, m.Type)
				assert.NotEmpty(t, m.Data.Item)
			}
			mu.Unlock()

			assert.Empty(t, sink.batches, "the sink failed first")
			env.Clock.Advance(time.Minute)
			deliver(t, env)
			require.Len(t, sink.batches, 1, "the same batch is retried")
			assert.Len(t, sink.batches[0], len(deliveries(t, env, acc, sk.Endpoint.ID, "")))
			assert.Len(t, deliveries(t, env, acc, sk.Endpoint.ID, webhooks.StatusSucceeded), len(sink.batches[0]))

			_, err := env.Kit.Webhooks.Create(kittest.As(kittest.Manager(acc.ID, "boss")), acc.ID,
				webhooks.CreateInput{Kind: webhooks.KindSink, Sink: "nope"})
			requireField(t, err, "sink")
		})
	}
}
