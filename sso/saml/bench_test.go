package saml

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// benchStore accepts every request ID and assertion ID. It exists only so
// one response can be validated b.N times; production stores consume IDs.
type benchStore struct{ idp string }

func (s benchStore) SaveRequest(context.Context, string, string, time.Time) error { return nil }

func (s benchStore) ConsumeRequest(context.Context, string, time.Time) (string, bool, error) {
	return s.idp, true, nil
}

func (benchStore) MarkUsed(context.Context, string, time.Time, time.Time) (bool, error) {
	return true, nil
}

// BenchmarkValidateResponse validates a realistic response: RSA-2048
// signatures, ten attributes; the assertion, the Response or both signed,
// or the signed assertion encrypted.
func BenchmarkValidateResponse(b *testing.B) {
	f := newFixture(b)
	attrs := map[string][]string{}
	for i := range 9 {
		attrs[fmt.Sprintf("urn:oid:1.3.6.1.4.1.5923.1.1.1.%d", i)] = []string{fmt.Sprintf("value-%d", i)}
	}
	attrs["groups"] = []string{"admins", "staff", "engineering"}
	for _, tc := range []struct {
		name string
		doc  func() string
	}{
		{"AssertionSigned", func() string { return encode(b, f.signedAssertionResponse(respOpts{Attributes: attrs})) }},
		{"ResponseSigned", func() string { return encode(b, f.signedResponse(respOpts{Attributes: attrs})) }},
		{"BothSigned", func() string {
			doc := f.build(respOpts{Attributes: attrs})
			sign(b, assertionOf(doc), signOpts{})
			sign(b, doc.Root(), signOpts{})
			return encode(b, doc)
		}},
		{"EncryptedAssertion", func() string {
			doc := f.signedAssertionResponse(respOpts{Attributes: attrs})
			encryptAssertion(b, doc, encOpts{})
			return encode(b, doc)
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s := tc.doc()
			sp := *f.sp
			st := benchStore{idp: f.idp.EntityID}
			sp.RequestStore, sp.ReplayCache = st, st
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := sp.ValidateResponse(ctx, f.idp, s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
