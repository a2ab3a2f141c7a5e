package saml

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServiceProvider_AuthnRequestURL(t *testing.T) {
	t.Parallel()
	t.Run("SignedWithRelayState", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		u, id, err := f.sp.AuthnRequestURL(context.Background(), f.idp, "/dashboard?tab=1")
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(u, testSSOURL+"?SAMLRequest="))
		raw := u[len(testSSOURL)+1:]

		// Signature over the exact query string (bindings 3.4.4.1).
		i := strings.Index(raw, "&Signature=")
		require.Positive(t, i)
		q, err := url.ParseQuery(raw)
		require.NoError(t, err)
		sig, err := base64.StdEncoding.DecodeString(q.Get("Signature"))
		require.NoError(t, err)
		sum := sha256.Sum256([]byte(raw[:i]))
		require.NoError(t, rsa.VerifyPKCS1v15(&spKeys.RSAKey.PublicKey, crypto.SHA256, sum[:], sig))
		assert.Equal(t, SigAlgRSASHA256, q.Get("SigAlg"))
		assert.Equal(t, "/dashboard?tab=1", q.Get("RelayState"))
		assert.True(t, strings.HasPrefix(raw, "SAMLRequest="))
		assert.Contains(t, raw, "&RelayState=")

		// DEFLATE + base64 AuthnRequest.
		deflated, err := base64.StdEncoding.DecodeString(q.Get("SAMLRequest"))
		require.NoError(t, err)
		xml, err := io.ReadAll(flate.NewReader(bytes.NewReader(deflated)))
		require.NoError(t, err)
		doc := etree.NewDocument()
		require.NoError(t, doc.ReadFromBytes(xml))
		r := doc.Root()
		assert.Equal(t, nsSAMLP, r.NamespaceURI())
		assert.Equal(t, "AuthnRequest", r.Tag)
		assert.Equal(t, id, r.SelectAttrValue("ID", ""))
		assert.Equal(t, testSSOURL, r.SelectAttrValue("Destination", ""))
		assert.Equal(t, testACSURL, r.SelectAttrValue("AssertionConsumerServiceURL", ""))
		assert.Equal(t, BindingHTTPPost, r.SelectAttrValue("ProtocolBinding", ""))
		assert.Equal(t, t0.Format("2006-01-02T15:04:05Z"), r.SelectAttrValue("IssueInstant", ""))
		assert.Equal(t, testSPEntityID, r.FindElement("./Issuer").Text())
		assert.Equal(t, NameIDFormatEmailAddress, r.FindElement("./NameIDPolicy").SelectAttrValue("Format", ""))

		// Recorded for the IdP, once.
		idp, ok, err := f.store.ConsumeRequest(context.Background(), id, t0)
		require.NoError(t, err)
		assert.True(t, ok)
		assert.Equal(t, testIdPEntityID, idp)
	})
	t.Run("UnsignedWithoutKey", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.sp.Key = nil
		f.idp.SSOURL = testSSOURL + "?tenant=a"
		u, _, err := f.sp.AuthnRequestURL(context.Background(), f.idp, "")
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(u, testSSOURL+"?tenant=a&SAMLRequest="))
		assert.NotContains(t, u, "Signature=")
		assert.NotContains(t, u, "RelayState=")
	})
	t.Run("UniqueIDs", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		_, id2, err := f.sp.AuthnRequestURL(context.Background(), f.idp, "")
		require.NoError(t, err)
		assert.NotEqual(t, f.requestID, id2)
		assert.Len(t, id2, 41)
	})
	errs := []struct {
		name  string
		setup func(f *fixture)
		relay string
		want  Reason
	}{
		{"ErrRelayStateTooLong", nil, strings.Repeat("r", 81), ReasonRelayState},
		{"ErrNoSSOURL", func(f *fixture) { f.idp.SSOURL = "" }, "", ReasonConfig},
		{"ErrRelativeSSOURL", func(f *fixture) { f.idp.SSOURL = "/sso" }, "", ReasonConfig},
		{"ErrNoEntityID", func(f *fixture) { f.sp.EntityID = "" }, "", ReasonConfig},
		{"ErrNoStore", func(f *fixture) { f.sp.RequestStore = nil }, "", ReasonConfig},
		{"ErrNoIdPEntityID", func(f *fixture) { f.idp.EntityID = "" }, "", ReasonConfig},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			if tt.setup != nil {
				tt.setup(f)
			}
			_, _, err := f.sp.AuthnRequestURL(context.Background(), f.idp, tt.relay)
			assert.Equal(t, tt.want, ReasonOf(err))
		})
	}
}

func TestError(t *testing.T) {
	t.Parallel()
	err := error(fail(ReasonSignatureInvalid, io.ErrUnexpectedEOF))
	assert.Equal(t, "saml: signature_invalid", err.Error())
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Equal(t, ReasonSignatureInvalid, ReasonOf(err))
	assert.Equal(t, Reason(""), ReasonOf(io.EOF))
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, UserMessage, e.UserMessage())
}
