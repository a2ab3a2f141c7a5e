package webhooks

import (
	"bytes"
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/accountkit/accountkit/sso"
)

// ErrAddressForbidden is the cause of a refused send to an endpoint whose
// resolved address is not public (loopback, private, link-local, CGNAT,
// unique local, unspecified, multicast and other special ranges).
var ErrAddressForbidden = errors.New("webhooks: the endpoint's address is not public")

// DefaultBackoff is the wait after the attempt-th failure, after the
// Standard Webhooks schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h),
// with ±10 % jitter so that endpoints recovering together are not hit at
// once.
func DefaultBackoff(attempt int) time.Duration {
	schedule := []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour}
	d := schedule[min(max(attempt, 1), len(schedule))-1]
	if attempt > len(schedule) {
		d = 10 * time.Hour
	}
	jitter := time.Duration(rand.Int64N(int64(d)/5+1)) - d/10
	return d + jitter
}

// Sign returns the webhook-signature header value of a message under the
// keys (raw secret bytes): "v1,<base64>" per key, space-separated, each
// the HMAC-SHA256 of "{id}.{timestamp}.{body}".
func Sign(keys [][]byte, id string, timestamp int64, body []byte) string {
	sigs := make([]string, len(keys))
	for i, k := range keys {
		mac := hmac.New(sha256.New, k)
		mac.Write([]byte(id + "." + strconv.FormatInt(timestamp, 10) + "."))
		mac.Write(body)
		sigs[i] = "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	}
	return strings.Join(sigs, " ")
}

// newClient returns the HTTP client of deliveries: no redirects followed
// (a 3xx answer is a failure), no proxy from the environment, and unless
// AllowPrivateAddresses, https only to addresses checked after DNS
// resolution by sso.PublicAddressControl at every dial.
func (s *Service) newClient() *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	dial := d.DialContext
	if !s.opts.AllowPrivateAddresses {
		d.Control = sso.PublicAddressControl
		resolver := s.opts.Resolver
		if resolver == nil {
			resolver = net.DefaultResolver
		}
		dial = func(ctx context.Context, network, address string) (net.Conn, error) {
			host, port, err := net.SplitHostPort(address)
			if err != nil {
				return nil, err
			}
			addrs, err := resolver.LookupNetIP(ctx, "ip", host)
			if err != nil {
				return nil, err
			}
			var last error = ErrAddressForbidden
			for _, a := range addrs {
				if !sso.PublicAddress(a) {
					continue
				}
				// The Control function checks the address dialled again.
				c, err := d.DialContext(ctx, network, net.JoinHostPort(a.Unmap().String(), port))
				if err == nil {
					return c, nil
				}
				last = err
			}
			return nil, fmt.Errorf("%w: %s", ErrAddressForbidden, last)
		}
	}
	tr := &http.Transport{DialContext: dial, ForceAttemptHTTP2: true, MaxIdleConns: 20, IdleConnTimeout: 90 * time.Second,
		TLSHandshakeTimeout: 5 * time.Second, ResponseHeaderTimeout: s.opts.Timeout}
	var rt http.RoundTripper = tr
	if !s.opts.AllowPrivateAddresses {
		rt = httpsOnly{tr}
	}
	return &http.Client{Timeout: s.opts.Timeout, Transport: rt,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// httpsOnly refuses requests that are not https.
type httpsOnly struct{ next http.RoundTripper }

func (t httpsOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Scheme != "https" {
		if r.Body != nil {
			_ = r.Body.Close()
		}
		return nil, ErrAddressForbidden
	}
	return t.next.RoundTrip(r)
}

// maxPerPair bounds the sends to one endpoint for one account in one
// pass.
const maxPerPair = 100

// maxWorkers bounds the endpoints served at once in one Deliver pass.
const maxWorkers = 8

// claimMargin is added to the request timeout in a claim: a replica that
// dies mid-send leaves its delivery due again after timeout + margin.
const claimMargin = time.Minute

// Deliver makes one pass over the outbox: it sends every due delivery
// (the oldest pending one of each endpoint and account, see the package
// doc) and returns how many deliveries succeeded. Endpoints are served
// concurrently, each one's deliveries in order. kit's "webhooks" job
// calls it; it is safe to run in several replicas at once.
func (s *Service) Deliver(ctx context.Context) (int, error) {
	heads, err := s.store.DueWebhookDeliveries(ctx, s.now(), 500)
	if err != nil {
		return 0, err
	}
	byEndpoint := map[string][]*Delivery{}
	var order []string
	for _, d := range heads {
		if _, ok := byEndpoint[d.EndpointID]; !ok {
			order = append(order, d.EndpointID)
		}
		byEndpoint[d.EndpointID] = append(byEndpoint[d.EndpointID], d)
	}
	var (
		mu    sync.Mutex
		total int
		first error
		wg    sync.WaitGroup
		sem   = make(chan struct{}, maxWorkers)
	)
	for _, id := range order {
		wg.Add(1)
		sem <- struct{}{}
		go func(list []*Delivery) {
			defer func() { <-sem; wg.Done() }()
			for _, head := range list {
				// Drain the pair in order while its sends succeed.
				for range maxPerPair {
					n, err := s.deliverGroup(ctx, head)
					mu.Lock()
					total += n
					if err != nil && first == nil {
						first = err
					}
					mu.Unlock()
					if err != nil {
						return
					}
					if n == 0 {
						break
					}
					next, err := s.store.ListWebhookBatch(ctx, head.EndpointID, head.AccountID, "", 1)
					if err != nil || len(next) == 0 {
						if err != nil {
							mu.Lock()
							first = cmp.Or(first, err)
							mu.Unlock()
						}
						break
					}
					head = next[0]
				}
			}
		}(byEndpoint[id])
	}
	wg.Wait()
	return total, first
}

// deliverGroup claims head, sends its batch and records the outcome. It
// returns how many deliveries succeeded; an error is the store's (the
// endpoint's failures are recorded, not returned).
func (s *Service) deliverGroup(ctx context.Context, head *Delivery) (int, error) {
	now := s.now()
	ok, err := s.store.ClaimWebhookDelivery(ctx, head.ID, now, now.Add(s.opts.Timeout+claimMargin))
	if err != nil || !ok {
		return 0, err
	}
	ep, err := s.store.GetWebhookEndpoint(ctx, head.EndpointID)
	if err != nil {
		return 0, err
	}
	batch := []*Delivery{head}
	batchID := head.BatchID
	if ep.Kind != KindWebhook {
		if batchID == "" {
			batchID = head.ID
		}
		if batch, err = s.store.ListWebhookBatch(ctx, ep.ID, head.AccountID, head.BatchID, s.opts.BatchSize); err != nil {
			return 0, err
		}
		if len(batch) == 0 || batch[0].ID != head.ID {
			batch = append([]*Delivery{head}, slices.DeleteFunc(batch, func(d *Delivery) bool { return d.ID == head.ID })...)
		}
		for _, d := range batch {
			if d.BatchID != batchID {
				d.BatchID, d.UpdatedAt = batchID, now
				if err := s.store.UpdateWebhookDelivery(ctx, d); err != nil {
					return 0, err
				}
			}
		}
	}
	ids := make([]string, len(batch))
	for i, d := range batch {
		ids[i] = d.MessageID
	}
	found, err := s.store.ListWebhookMessages(ctx, ids)
	if err != nil {
		return 0, err
	}
	byID := map[string]*Message{}
	for _, m := range found {
		byID[m.ID] = m
	}
	msgs := make([]Message, 0, len(batch))
	for _, d := range batch {
		if m := byID[d.MessageID]; m != nil {
			msgs = append(msgs, *m)
		}
	}
	result, sendErr := s.send(ctx, ep, batchID, msgs)
	if ctx.Err() != nil {
		// The pass was cut (shutdown): the claim expires and the batch is
		// sent again; nothing is recorded as failed.
		return 0, ctx.Err()
	}
	done := s.now()
	n := 0
	for _, d := range batch {
		d.Attempts++
		d.LastAttemptAt, d.LastResult, d.UpdatedAt = &done, result, done
		switch {
		case sendErr == nil:
			d.Status, d.DeliveredAt = StatusSucceeded, &done
			n++
		case d.Attempts >= s.opts.MaxAttempts:
			d.Status = StatusDead
		default:
			d.NextAttemptAt = done.Add(s.opts.Backoff(d.Attempts))
		}
	}
	// The outcome of a batch is recorded at once, or not at all (then the
	// claim expires and the batch is sent again under the same
	// webhook-id, which receivers deduplicate).
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		for _, d := range batch {
			if err := s.store.UpdateWebhookDelivery(ctx, d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if sendErr != nil {
		s.rt.Logger.WarnContext(ctx, "webhooks: delivery failed", "endpoint_id", ep.ID, "delivery_id", head.ID,
			"attempt", head.Attempts, "result", result)
	}
	return n, nil
}

// envelope is the JSON body of a webhook.
type envelope struct {
	Type      string          `json:"type"`
	Timestamp time.Time       `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
}

// send delivers msgs to ep under the webhook-id id (a webhook's message
// ID, or the batch ID) and returns a short status line and whether it
// failed.
func (s *Service) send(ctx context.Context, ep *Endpoint, batchID string, msgs []Message) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	if ep.Kind == KindSink {
		sink := s.opts.Sinks[ep.Sink]
		if sink == nil {
			return "sink not registered", errors.New("webhooks: sink not registered")
		}
		if err := sink.Deliver(ctx, msgs); err != nil {
			return "sink error", err
		}
		return "ok", nil
	}
	var body []byte
	id := batchID
	contentType := "application/json"
	if ep.Kind == KindWebhook {
		if len(msgs) != 1 {
			return "message missing", errors.New("webhooks: message missing")
		}
		id = msgs[0].ID
		b, err := json.Marshal(envelope{Type: msgs[0].Type, Timestamp: msgs[0].Timestamp, Data: msgs[0].Data})
		if err != nil {
			return "encoding failed", err
		}
		body = b
	} else {
		contentType = "application/x-ndjson"
		var buf bytes.Buffer
		for _, m := range msgs {
			b, err := json.Marshal(envelope{Type: m.Type, Timestamp: m.Timestamp, Data: m.Data})
			if err != nil {
				return "encoding failed", err
			}
			buf.Write(b)
			buf.WriteByte('\n')
		}
		body = buf.Bytes()
	}
	now := s.rt.Now()
	keys, err := s.signingKeys(ep, now)
	if err != nil {
		return "secret unreadable", err
	}
	ts := now.Unix()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(body))
	if err != nil {
		return "bad request", err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "accountkit-webhooks/1")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", Sign(keys, id, ts, body))
	resp, err := s.client.Do(req)
	if err != nil {
		return errorLine(err), err
	}
	defer resp.Body.Close()
	line := "HTTP " + strconv.Itoa(resp.StatusCode)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return line, errors.New("webhooks: endpoint answered " + line)
	}
	return line, nil
}

// errorLine classifies a request error into a short status line without
// the URL or any response text.
func errorLine(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, ErrAddressForbidden) || errors.Is(err, sso.ErrOIDCAddressForbidden):
		return "address forbidden"
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case strings.Contains(err.Error(), "tls:") || strings.Contains(err.Error(), "x509:"):
		return "tls error"
	case strings.Contains(err.Error(), "no such host"):
		return "dns error"
	default:
		return "connection error"
	}
}

// Purge deletes succeeded deliveries older than Options.Retention and the
// messages no delivery needs any more. kit's "webhooks" job calls it
// after each pass.
func (s *Service) Purge(ctx context.Context) (int, error) {
	return s.store.PurgeWebhookDeliveries(ctx, s.now().Add(-s.opts.Retention))
}

// Now returns the service's clock time.
func (s *Service) Now() time.Time { return s.rt.Now() }
