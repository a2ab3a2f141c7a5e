package oapitest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/internal/oapitest"
)

// TestDocument_Valid: api/openapi.json loads and is a valid OpenAPI 3.1
// document (checked against the specification's own schema), so a
// malformed document fails here before any exchange is checked.
func TestDocument_Valid(t *testing.T) {
	t.Parallel()
	v, err := oapitest.Default()
	require.NoError(t, err)
	require.Empty(t, v.ValidateDocument())
	require.Greater(t, len(v.Operations()), 90)
}

// TestDocument_Invalid: the document check does catch a malformed
// document.
func TestDocument_Invalid(t *testing.T) {
	t.Parallel()
	v, err := oapitest.New([]byte(`{"openapi": "3.1.0", "info": {"title": "x"}, "paths": {"/a": {"get": {"responses": {"200": {"content": {}}}}}}}`))
	require.NoError(t, err)
	assert.NotEmpty(t, v.ValidateDocument(), "info.version and the response's description are required")
}

const spec = `{
  "openapi": "3.1.0",
  "info": {"title": "t", "version": "1"},
  "paths": {
    "/things/{id}": {
      "get": {
        "operationId": "get_thing",
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": {
          "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
          "404": {"description": "no", "content": {"application/problem+json": {"schema": {"type": "object"}}}}
        }
      }
    },
    "/things/export": {
      "get": {
        "operationId": "export_things",
        "responses": {"200": {"description": "OK", "content": {"text/csv": {"schema": {"type": "string"}}}}}
      }
    },
    "/things": {
      "post": {
        "operationId": "post_thing",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
        "responses": {
          "201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
          "204": {"description": "nothing"},
          "400": {"description": "bad", "content": {"application/problem+json": {"schema": {"type": "object"}}}}
        }
      }
    }
  },
  "components": {"schemas": {"Thing": {
    "type": "object",
    "properties": {"name": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}}, "note": {"type": ["string", "null"]}},
    "required": ["name", "tags", "note"],
    "additionalProperties": false
  }}}
}`

type reporter struct{ msgs []string }

func (r *reporter) Errorf(format string, args ...any) {
	r.msgs = append(r.msgs, format)
	if len(args) > 0 {
		r.msgs[len(r.msgs)-1] = args[0].(string)
	}
}

// TestHandler: each rule of the package doc, through the handler wrapper.
func TestHandler(t *testing.T) {
	t.Parallel()
	v, err := oapitest.New([]byte(spec))
	require.NoError(t, err)
	require.Empty(t, v.ValidateDocument())

	tests := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        string
		status      int
		respCT      string
		resp        string
		want        string // substring of the one mismatch; "" for none
	}{
		{"OK", "GET", "/things/1", "", "", 200, "application/json", `{"name":"a","tags":[],"note":null}`, ""},
		{"ExportNotID", "GET", "/things/export", "", "", 200, "text/csv; charset=utf-8", "a,b\n", ""},
		{"NullArray", "GET", "/things/1", "", "", 200, "application/json", `{"name":"a","tags":null,"note":null}`, "tags"},
		{"MissingRequired", "GET", "/things/1", "", "", 200, "application/json", `{"name":"a","tags":[]}`, "note"},
		{"ExtraProperty", "GET", "/things/1", "", "", 200, "application/json", `{"name":"a","tags":[],"note":"x","x":1}`, "x"},
		{"UndocumentedStatus", "GET", "/things/1", "", "", 409, "application/problem+json", `{}`, "status 409 is not documented"},
		{"WrongContentType", "GET", "/things/1", "", "", 200, "text/plain", "hi", "text/plain"},
		{"WrongContentTypeNotJSON", "GET", "/things/export", "", "", 200, "application/json", "[]", "application/json"},
		{"BodyOnNoContent", "POST", "/things", "application/json", `{"name":"a","tags":[],"note":null}`, 204, "application/json", "{}", "no body"},
		{"InvalidRequestRefused", "POST", "/things", "application/json", `{"name":1}`, 400, "application/problem+json", `{}`, ""},
		{"InvalidRequestAccepted", "POST", "/things", "application/json", `{"name":1}`, 201, "application/json", `{"name":"a","tags":[],"note":null}`, "request does not match"},
		{"UnknownPathNotFound", "GET", "/nope", "", "", 404, "application/problem+json", `{}`, ""},
		{"UnknownPathServed", "GET", "/nope", "", "", 200, "application/json", `{}`, "not a documented operation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				assert.Equal(t, tt.body, string(b), "the handler still reads the body")
				w.Header().Set("Content-Type", tt.respCT)
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.resp)
			})
			rep := &reporter{}
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			req := httptest.NewRequest(tt.method, tt.path, body)
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			rec := httptest.NewRecorder()
			v.Handler(rep, h).ServeHTTP(rec, req)
			assert.Equal(t, tt.status, rec.Code)
			assert.Equal(t, tt.resp, rec.Body.String(), "the response passes through")
			if tt.want == "" {
				assert.Empty(t, rep.msgs)
				return
			}
			require.NotEmpty(t, rep.msgs)
			assert.Contains(t, strings.Join(rep.msgs, "\n"), tt.want)
		})
	}
}

// TestValidator_ParallelChecks: parallel tests share one validator, and
// the validation library builds its schemas lazily; checks from many
// goroutines at once, on a validator whose caches are cold, must not
// race (run with -race; CI caught one before Check was serialized).
func TestValidator_ParallelChecks(t *testing.T) {
	t.Parallel()
	v, err := oapitest.New([]byte(spec))
	require.NoError(t, err)
	exchanges := []oapitest.Exchange{
		{Request: httptest.NewRequest("GET", "/things/7", nil), Status: 200,
			Header: http.Header{"Content-Type": {"application/json"}}, ResponseBody: []byte(`{"name":"seven","tags":["a"],"note":null}`)},
		{Request: httptest.NewRequest("POST", "/things", strings.NewReader(`{"name":"eight","tags":[],"note":"n"}`)), RequestBody: []byte(`{"name":"eight","tags":[],"note":"n"}`), Status: 201,
			Header: http.Header{"Content-Type": {"application/json"}}, ResponseBody: []byte(`{"name":"eight","tags":[],"note":"n"}`)},
		{Request: httptest.NewRequest("GET", "/things/9", nil), Status: 404,
			Header: http.Header{"Content-Type": {"application/problem+json"}}, ResponseBody: []byte(`{"title":"no"}`)},
	}
	exchanges[1].Request.Header.Set("Content-Type", "application/json")
	done := make(chan []string)
	for i := 0; i < 16; i++ {
		go func() {
			var all []string
			for _, x := range exchanges {
				c := x
				c.Request = x.Request.Clone(x.Request.Context())
				all = append(all, v.Check(c)...)
			}
			done <- all
		}()
	}
	for i := 0; i < 16; i++ {
		assert.Empty(t, <-done)
	}
}
