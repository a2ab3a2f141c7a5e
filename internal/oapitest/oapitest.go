// Package oapitest checks HTTP traffic against the OpenAPI document in
// api/openapi.json, so the document and the server cannot drift apart. It
// is for tests only: internal/kittest wraps the kit's handler with Handler,
// and every request and response of a test that goes through kittest is
// checked.
//
// The rules, for one exchange:
//   - The request must be a documented operation (method and path). A
//     request that is not one may only be answered 404 or 405.
//   - The request must match the operation (path, query and header
//     parameters, security, body). A request that does not is a deliberate
//     negative test only when the server refuses it with a 4xx; a success
//     answer to it means the server accepts what the document forbids.
//   - The response's status must be one the operation documents
//     explicitly (the document has no catch-all "default"), its content
//     type one documented for that status, and a JSON body must match the
//     schema. Bodies that are not JSON (CSV, SAML XML and HTML, images) are
//     checked for status and content type only.
//
// It must not be imported by non-test code: it pulls in the validator.
package oapitest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	verrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/parameters"
	"github.com/pb33f/libopenapi-validator/requests"
	"github.com/pb33f/libopenapi-validator/responses"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/accountkit/accountkit/api"
)

// Validator checks exchanges against one OpenAPI document.
type Validator struct {
	model *v3.Document
	lib   validator.Validator
	// ops finds an exchange's operation with net/http's own pattern
	// matching, so "/users/export" and "/users/{id}" resolve as the
	// server resolves them (the library's finder takes the first path
	// in document order that fits).
	ops     *http.ServeMux
	params  parameters.ParameterValidator
	bodies  requests.RequestBodyValidator
	answers responses.ResponseBodyValidator

	mu   sync.Mutex
	seen map[string]bool

	// checking serializes Check: the validation library builds and
	// caches schemas lazily without locks of its own, and parallel tests
	// share the Default validator (the race detector caught it in CI).
	checking sync.Mutex
}

// Operation is a documented operation.
type Operation struct {
	ID     string
	Method string
	Path   string // as in the document
	item   *v3.PathItem
	op     *v3.Operation
}

type opHandler struct{ op *Operation }

func (opHandler) ServeHTTP(http.ResponseWriter, *http.Request) {}

var (
	defaultOnce sync.Once
	defaultV    *Validator
	defaultErr  error
)

// Default returns the Validator of api.OpenAPI, built once per process.
func Default() (*Validator, error) {
	defaultOnce.Do(func() { defaultV, defaultErr = New(api.OpenAPI) })
	return defaultV, defaultErr
}

// New builds a Validator of the OpenAPI 3.1 document.
func New(spec []byte) (*Validator, error) {
	doc, err := libopenapi.NewDocument(spec)
	if err != nil {
		return nil, fmt.Errorf("oapitest: parse: %w", err)
	}
	lib, errs := validator.NewValidator(doc, config.WithFormatAssertions())
	if len(errs) > 0 {
		return nil, fmt.Errorf("oapitest: build model: %w", errors.Join(errs...))
	}
	model, err := doc.BuildV3Model() // cached by libopenapi: the same model
	if err != nil {
		return nil, fmt.Errorf("oapitest: build model: %w", err)
	}
	v := &Validator{model: &model.Model, lib: lib, ops: http.NewServeMux(), seen: map[string]bool{}}
	v.params = v.lib.GetParameterValidator()
	v.bodies = v.lib.GetRequestBodyValidator()
	v.answers = v.lib.GetResponseBodyValidator()
	for _, op := range v.Operations() {
		pattern := op.Path
		if strings.HasSuffix(pattern, "/") {
			pattern += "{$}"
		}
		v.ops.Handle(op.Method+" "+pattern, opHandler{op})
	}
	return v, nil
}

// ValidateDocument checks the document itself against the OpenAPI 3.1
// schema.
func (v *Validator) ValidateDocument() []string {
	v.checking.Lock()
	defer v.checking.Unlock()
	ok, errs := v.lib.ValidateDocument()
	if ok {
		return nil
	}
	return describe(errs)
}

// Operations returns every documented operation.
func (v *Validator) Operations() []*Operation {
	var out []*Operation
	for path, item := range v.model.Paths.PathItems.FromOldest() {
		for method, op := range item.GetOperations().FromOldest() {
			out = append(out, &Operation{ID: op.OperationId, Method: strings.ToUpper(method), Path: path, item: item, op: op})
		}
	}
	return out
}

// Find returns the operation r is for, or nil.
func (v *Validator) Find(r *http.Request) *Operation {
	h, pattern := v.ops.Handler(r)
	if pattern == "" {
		return nil
	}
	oh, ok := h.(opHandler)
	if !ok {
		return nil
	}
	return oh.op
}

// Seen returns the IDs of the operations this Validator checked a
// response of, with the status, as "operationId status".
func (v *Validator) Seen() map[string]bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make(map[string]bool, len(v.seen))
	for k := range v.seen {
		out[k] = true
	}
	return out
}

// Exchange is one request with its body and the response it got.
type Exchange struct {
	Request      *http.Request
	RequestBody  []byte
	Status       int
	Header       http.Header
	ResponseBody []byte
}

// Check returns what in the exchange disagrees with the document, each
// line naming the operation and status; none when they agree.
func (v *Validator) Check(x Exchange) []string {
	v.checking.Lock()
	defer v.checking.Unlock()
	r := x.Request
	op := v.Find(r)
	if op == nil {
		if x.Status == http.StatusNotFound || x.Status == http.StatusMethodNotAllowed {
			return nil
		}
		return []string{fmt.Sprintf("%s %s: not a documented operation, yet answered %d", r.Method, r.URL.Path, x.Status)}
	}
	name := fmt.Sprintf("%s (%s %s) → %d", op.ID, op.Method, op.Path, x.Status)
	var out []string

	reqErrs := v.checkRequest(op, x)
	if len(reqErrs) > 0 && (x.Status < 400 || x.Status >= 500) {
		for _, e := range reqErrs {
			out = append(out, fmt.Sprintf("%s: request does not match the document, yet the server answered %d: %s", name, x.Status, e))
		}
	}

	resp, ok := op.op.Responses.Codes.Get(fmt.Sprint(x.Status))
	if !ok || resp == nil {
		out = append(out, fmt.Sprintf("%s: status %d is not documented for this operation (documented: %s)", name, x.Status, strings.Join(codes(op.op), ", ")))
		return out
	}
	ct := x.Header.Get("Content-Type")
	if resp.Content == nil || resp.Content.Len() == 0 {
		if len(x.ResponseBody) > 0 && x.Status != http.StatusFound && x.Status != http.StatusSeeOther {
			out = append(out, fmt.Sprintf("%s: the document says no body, the server sent %d bytes of %q", name, len(x.ResponseBody), ct))
		}
	} else if ct == "" {
		out = append(out, fmt.Sprintf("%s: the response has no Content-Type", name))
	}
	hresp := &http.Response{StatusCode: x.Status, Header: x.Header, Body: io.NopCloser(bytes.NewReader(x.ResponseBody)), Request: r}
	if ok, errs := v.answers.ValidateResponseBodyWithPathItem(clone(r, x.RequestBody), hresp, op.item, op.Path); !ok {
		for _, e := range describe(errs) {
			out = append(out, fmt.Sprintf("%s: response: %s", name, e))
		}
	}
	if len(out) == 0 {
		v.mu.Lock()
		v.seen[fmt.Sprintf("%s %d", op.ID, x.Status)] = true
		v.mu.Unlock()
	}
	return out
}

// checkRequest validates the request's parameters, security and body.
func (v *Validator) checkRequest(op *Operation, x Exchange) []string {
	var errs []*verrors.ValidationError
	for _, f := range []func(*http.Request, *v3.PathItem, string) (bool, []*verrors.ValidationError){
		v.params.ValidatePathParamsWithPathItem,
		v.params.ValidateQueryParamsWithPathItem,
		v.params.ValidateHeaderParamsWithPathItem,
		v.params.ValidateCookieParamsWithPathItem,
		v.params.ValidateSecurityWithPathItem,
		v.bodies.ValidateRequestBodyWithPathItem,
	} {
		if ok, e := f(clone(x.Request, x.RequestBody), op.item, op.Path); !ok {
			errs = append(errs, e...)
		}
	}
	return describe(errs)
}

func clone(r *http.Request, body []byte) *http.Request {
	c := r.Clone(r.Context())
	c.Body = io.NopCloser(bytes.NewReader(body))
	c.ContentLength = int64(len(body))
	return c
}

func codes(op *v3.Operation) []string {
	var out []string
	for code := range op.Responses.Codes.KeysFromOldest() {
		out = append(out, code)
	}
	if op.Responses.Default != nil {
		out = append(out, "default")
	}
	return out
}

// describe turns the library's errors into one line each, with the schema
// failures (field path and reason) spelled out.
func describe(errs []*verrors.ValidationError) []string {
	var out []string
	for _, e := range errs {
		if e == nil {
			continue
		}
		s := e.Message
		if e.Reason != "" && e.Reason != e.Message {
			s += ": " + e.Reason
		}
		for _, f := range e.SchemaValidationErrors {
			loc := f.FieldPath
			if loc == "" {
				loc = f.Location
			}
			s += fmt.Sprintf("\n\t\t%s: %s", loc, f.Reason)
		}
		out = append(out, s)
	}
	return out
}

// Reporter receives mismatches; testing.TB is one.
type Reporter interface {
	Errorf(format string, args ...any)
}

// Handler returns h with every exchange checked by v; each mismatch is
// reported with t.Errorf (safe from the server's goroutines). The response
// is passed through as it is written (streaming and flushing unchanged)
// and copied aside for the check; the request body is read before h runs.
func (v *Validator) Handler(t Reporter, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		if r.Body != nil {
			var err error
			body, err = io.ReadAll(r.Body)
			if err != nil {
				t.Errorf("oapitest: reading the request body of %s %s: %v", r.Method, r.URL.Path, err)
			}
			_ = r.Body.Close()
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		// The check sees the request as the client sent it.
		orig := r.Clone(r.Context())
		rec := &recorder{ResponseWriter: w, status: 0}
		h.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		for _, msg := range v.Check(Exchange{Request: orig, RequestBody: body, Status: rec.status, Header: rec.Header().Clone(), ResponseBody: rec.body.Bytes()}) {
			t.Errorf("openapi mismatch: %s", msg)
		}
	})
}

// recorder passes a response through and keeps a copy of it.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.body.Write(p)
	return r.ResponseWriter.Write(p)
}

// Flush implements http.Flusher when the underlying writer does.
func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
