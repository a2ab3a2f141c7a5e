package security

import (
	"bufio"
	"context"
	"crypto/sha1" //nolint:gosec // the k-anonymity range API is keyed by SHA-1; nothing here relies on its strength
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// PwnedRange fetches the hash suffixes of breached passwords whose SHA-1
// starts with prefix (5 upper-case hex characters), in the k-anonymity
// range format of Have I Been Pwned: one "SUFFIX:COUNT" per line, SUFFIX
// the other 35 hex characters. Only the prefix leaves the process: the
// password, and even its whole hash, never do. The host supplies it —
// HIBPRange for the public Pwned Passwords API, or a function reading a
// mirror of the data set.
type PwnedRange func(ctx context.Context, prefix string) (io.ReadCloser, error)

// Breached reports whether password appears in the range fetch returns
// for its hash (with a count above 0: padding entries have count 0).
func Breached(ctx context.Context, fetch PwnedRange, password string) (bool, error) {
	sum := sha1.Sum([]byte(password)) //nolint:gosec // see the import
	h := strings.ToUpper(hex.EncodeToString(sum[:]))
	prefix, suffix := h[:5], h[5:]
	body, err := fetch(ctx, prefix)
	if errors.Is(err, ErrNoRange) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer body.Close()
	sc := bufio.NewScanner(io.LimitReader(body, 4<<20))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		s, count, ok := strings.Cut(line, ":")
		if !ok || !strings.EqualFold(s, suffix) {
			continue
		}
		return strings.TrimLeft(count, "0") != "", nil
	}
	return false, sc.Err()
}

// HIBPRange returns a PwnedRange on the Pwned Passwords range API
// (https://api.pwnedpasswords.com/range/{prefix}), asking for padded
// answers so the response size does not hint at the prefix either. A nil
// client means one with a 5-second timeout.
func HIBPRange(client *http.Client) PwnedRange {
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	return func(ctx context.Context, prefix string) (io.ReadCloser, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://api.pwnedpasswords.com/range/"+prefix, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Add-Padding", "true")
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return nil, fmt.Errorf("pwned passwords: status %d", resp.StatusCode)
		}
		return resp.Body, nil
	}
}

// ErrNoRange is what a PwnedRange may return when it has no data for a
// prefix; Breached then reports false.
var ErrNoRange = errors.New("security: no range for the prefix")
