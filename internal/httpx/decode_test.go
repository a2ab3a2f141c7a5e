package httpx

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
)

type decodeTarget struct {
	Name     string            `json:"name"`
	Hostname *string           `json:"hostname" required:"true"`
	Roles    []string          `json:"roles"`
	Attrs    map[string]string `json:"attrs"`
}

// TestDecode_HostileText: invalid UTF-8 and lone surrogates are refused
// naming the field, never turned into U+FFFD.
func TestDecode_HostileText(t *testing.T) {
	cases := []struct{ body, field string }{
		{"{\"hostname\":\"a\",\"name\":\"x\xff\"}", "name"},
		{`{"hostname":"a","name":"x\ud800"}`, "name"},
		{`{"hostname":"a","name":"x\udc00y"}`, "name"},
		{`{"hostname":"a","name":"x\ud800\u0041"}`, "name"},
		{`{"hostname":"a","roles":["ok","bad\udfff"]}`, "roles[1]"},
		{"{\"hostname\":\"a\",\"attrs\":{\"k\":\"\xc3\"}}", "attrs.k"},
		{"{\"hostname\":\"a\",\"attrs\":{\"\xe2\x82\":\"v\"}}", "attrs.(key)"},
		{"{\"hostname\":\"\xed\xa0\x80\"}", "hostname"}, // a surrogate encoded as UTF-8 bytes
	}
	for _, c := range cases {
		var v decodeTarget
		err := decodeBytes([]byte(c.body), &v)
		require.Error(t, err, c.body)
		assert.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err))
		var e *accountkit.Error
		require.ErrorAs(t, err, &e)
		require.Len(t, e.Fields, 1, c.body)
		assert.Equal(t, c.field, e.Fields[0].Field, c.body)
	}
	// Proper pairs and real non-ASCII text pass.
	var v decodeTarget
	require.NoError(t, decodeBytes([]byte(`{"hostname":"a","name":"\ud83d\ude00 Zoë 日本"}`), &v))
	assert.Equal(t, "😀 Zoë 日本", v.Name)
}

// TestDecode_Required: a required field missing or null is refused; a null
// is never "not given".
func TestDecode_Required(t *testing.T) {
	for _, body := range []string{`{}`, `{"hostname":null}`, `{"name":"x","hostname": null }`} {
		var v decodeTarget
		err := decodeBytes([]byte(body), &v)
		require.Error(t, err, body)
		var e *accountkit.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, []accountkit.FieldError{{Field: "hostname", Message: "is required"}}, e.Fields, body)
	}
	var v decodeTarget
	require.NoError(t, decodeBytes([]byte(`{"hostname":""}`), &v), "an empty value is given (the service judges it)")
}

// FuzzDecodeJSON: whatever the body, decoding never panics, and a body it
// accepts never had text replaced by U+FFFD.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"hostname":"a"}`, `{"hostname":"a","name":"\ud800"}`, "{\"hostname\":\"\xff\"}",
		`{"hostname":"a","roles":["\ud83d\ude00"]}`, `{"hostname":"a","attrs":{"\u0000":"\\"}}`, `[`, `{"a":`, `"\u12`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v decodeTarget
		if decodeBytes(data, &v) != nil {
			return
		}
		literal := bytes.Contains(data, []byte("\uFFFD")) || strings.Contains(strings.ToLower(string(data)), `\ufffd`)
		for _, s := range append([]string{v.Name, deref(v.Hostname)}, v.Roles...) {
			if !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError) && !literal {
				t.Fatalf("accepted %q as %q", data, s)
			}
		}
		for k, s := range v.Attrs {
			if strings.ContainsRune(k+s, utf8.RuneError) && !literal {
				t.Fatalf("accepted %q as %q=%q", data, k, s)
			}
		}
	})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
