package accountkittest

import (
	"context"
	"errors"
	"regexp"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/users"
)

// Outbox is a users.Mailer that keeps every message.
type Outbox struct {
	mu   sync.Mutex
	msgs []users.Message
	// Fail makes Send fail, as an unreachable mail server would.
	Fail bool
}

// Send implements users.Mailer.
func (o *Outbox) Send(_ context.Context, m users.Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.Fail {
		return errors.New("smtp: connection refused")
	}
	o.msgs = append(o.msgs, m)
	return nil
}

// Last returns the newest message of the kind to the address; its URL is
// the emailed link and its Token the secret in it. It fails the test when
// there is none.
func (o *Outbox) Last(t testing.TB, to string, kind users.MessageKind) users.Message {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(o.msgs) - 1; i >= 0; i-- {
		if o.msgs[i].To == to && o.msgs[i].Kind == kind {
			return o.msgs[i]
		}
	}
	t.Fatalf("no %s email to %s", kind, to)
	return users.Message{}
}

// LastTo returns the newest message of any kind to the address. It fails
// the test when there is none.
func (o *Outbox) LastTo(t testing.TB, to string) users.Message {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(o.msgs) - 1; i >= 0; i-- {
		if o.msgs[i].To == to {
			return o.msgs[i]
		}
	}
	t.Fatalf("no email to %s", to)
	return users.Message{}
}

// Count returns how many messages of the kind went to the address.
func (o *Outbox) Count(to string, kind users.MessageKind) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, m := range o.msgs {
		if m.To == to && m.Kind == kind {
			n++
		}
	}
	return n
}

// Texts is a users.SMSSender that keeps every text message.
type Texts struct {
	mu    sync.Mutex
	texts map[string][]string
}

// SendSMS implements users.SMSSender.
func (x *Texts) SendSMS(_ context.Context, to, text string) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.texts == nil {
		x.texts = map[string][]string{}
	}
	x.texts[to] = append(x.texts[to], text)
	return nil
}

// Last returns the newest text to the number (E.164). It fails the test
// when there is none.
func (x *Texts) Last(t testing.TB, to string) string {
	t.Helper()
	x.mu.Lock()
	defer x.mu.Unlock()
	msgs := x.texts[to]
	require.NotEmpty(t, msgs, "no text to %s", to)
	return msgs[len(msgs)-1]
}

var sixDigits = regexp.MustCompile(`\b[0-9]{6}\b`)

// LastCode returns the 6-digit code in the newest text to the number.
func (x *Texts) LastCode(t testing.TB, to string) string {
	t.Helper()
	m := x.Last(t, to)
	codes := sixDigits.FindAllString(m, -1)
	require.NotEmpty(t, codes, "no 6-digit code in the text to %s", to)
	return codes[len(codes)-1]
}
