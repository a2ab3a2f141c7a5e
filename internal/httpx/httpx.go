// Package httpx holds the HTTP conventions every accountkit handler follows:
// JSON decoding with limits, RFC 9457 problem+json errors with a stable
// code, request IDs, authentication middleware and paging parameters.
package httpx

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/security"
)

// DefaultMaxBody is the default limit on a request body.
const DefaultMaxBody = 1 << 20

func decodeError(err error) error {
	var (
		mbe  *http.MaxBytesError
		syn  *json.SyntaxError
		typ  *json.UnmarshalTypeError
		unkn = "json: unknown field "
	)
	switch {
	case errors.As(err, &mbe):
		return &accountkit.Error{Code: accountkit.LimitExceeded, Message: fmt.Sprintf("the body is larger than %d bytes", mbe.Limit), Err: mbe}
	case errors.Is(err, io.EOF):
		return accountkit.Errorf(accountkit.Invalid, "the body is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return accountkit.Errorf(accountkit.Invalid, "the body is truncated JSON")
	case errors.As(err, &syn):
		return accountkit.Errorf(accountkit.Invalid, "malformed JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return accountkit.InvalidField(field, "must be a JSON "+typ.Type.Kind().String())
	case bytes.HasPrefix([]byte(err.Error()), []byte(unkn)):
		name, _ := strconv.Unquote(err.Error()[len(unkn):])
		return accountkit.InvalidField(name, "unknown field")
	default:
		return accountkit.Errorf(accountkit.Invalid, "malformed JSON")
	}
}

// WriteJSON writes v as JSON with the status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// List returns s, or an empty slice when s is nil: every array in a
// response is [] when empty, never null (clients generated from the
// OpenAPI document refuse null where an array is documented).
func List[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Status maps an error code to its HTTP status.
func Status(code accountkit.Code) int {
	switch code {
	case accountkit.NotFound:
		return http.StatusNotFound
	case accountkit.Conflict:
		return http.StatusConflict
	case accountkit.Invalid:
		return http.StatusBadRequest
	case accountkit.Unauthenticated:
		return http.StatusUnauthorized
	case accountkit.Forbidden:
		return http.StatusForbidden
	case accountkit.Locked:
		return http.StatusLocked
	case accountkit.LimitExceeded:
		return http.StatusUnprocessableEntity
	case accountkit.TooManyRequests:
		return http.StatusTooManyRequests
	case accountkit.Unavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// Problem is an RFC 9457 problem details body with accountkit's extensions.
type Problem struct {
	Type      string                  `json:"type"`
	Title     string                  `json:"title"`
	Status    int                     `json:"status"`
	Detail    string                  `json:"detail,omitempty"`
	Code      accountkit.Code         `json:"code"`
	Fields    []accountkit.FieldError `json:"fields,omitempty"`
	RequestID string                  `json:"request_id,omitempty"`
}

// WriteError writes err as application/problem+json. Only the safe message
// of an *accountkit.Error reaches the client; internal errors are logged
// with their cause and answered with a generic text.
func WriteError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	code := accountkit.ErrorCode(err)
	status := Status(code)
	if code == accountkit.LimitExceeded {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			status = http.StatusRequestEntityTooLarge
		}
	}
	p := Problem{
		Type:      "https://accountkit.dev/problems/" + string(code),
		Title:     http.StatusText(status),
		Status:    status,
		Detail:    accountkit.ErrorMessage(err),
		Code:      code,
		RequestID: RequestID(r.Context()),
	}
	var e *accountkit.Error
	if errors.As(err, &e) {
		p.Fields = e.Fields
	}
	if status >= 500 && logger != nil {
		logger.LogAttrs(r.Context(), slog.LevelError, "request failed", failureAttrs(r, p, err)...)
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="accountkit"`)
	}
	if d := accountkit.RetryAfterOf(err); d > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((d+time.Second-1)/time.Second)))
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p)
}

// failureAttrs are the slog attributes of a failed request: where it went
// (method, path, route pattern), who sent it (the principal's IDs, never
// its secrets), the request ID the client saw, and the whole cause chain,
// which only the server's log ever sees.
func failureAttrs(r *http.Request, p Problem, err error) []slog.Attr {
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("route", r.Pattern),
		slog.String("request_id", p.RequestID),
		slog.Int("status", p.Status),
		slog.String("code", string(p.Code)),
	}
	if pr := security.PrincipalFrom(r.Context()); pr != nil {
		for _, a := range []struct{ k, v string }{{"account_id", pr.AccountID}, {"user_id", pr.UserID}, {"api_key_id", pr.APIKeyID}, {"session_id", pr.SessionID}} {
			if a.v != "" {
				attrs = append(attrs, slog.String(a.k, a.v))
			}
		}
	}
	return append(attrs, slog.String("err", err.Error()))
}

type requestIDKey struct{}

// RequestID returns the request ID that WithRequestID put in ctx.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// WithRequestID gives every request an ID: the client's X-Request-ID when it
// is 1–64 safe characters, else a random one. The ID is echoed in the
// response header and in problem bodies.
func WithRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if !safeID(id) {
			var b [12]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-ID", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

func safeID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// QueryInt parses the query parameter name as an int; absent means 0.
func QueryInt(r *http.Request, name string) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, accountkit.InvalidField(name, "must be an integer")
	}
	return n, nil
}

// QueryBool parses the query parameter name as a boolean; absent is false.
func QueryBool(r *http.Request, name string) (bool, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, accountkit.InvalidField(name, "must be true or false")
	}
	return b, nil
}

// Recover turns a panic in next into a logged 500 problem.
func Recover(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler { //nolint:errorlint // sentinel compared as net/http does
					panic(v)
				}
				WriteError(w, r, logger, accountkit.Wrap(fmt.Errorf("panic: %v", v), "internal error"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// StartedWriter remembers whether anything was written, so a streaming
// handler knows whether it can still answer with a problem.
type StartedWriter struct {
	W       io.Writer
	Started bool
}

// Write implements io.Writer.
func (s *StartedWriter) Write(p []byte) (int, error) {
	s.Started = true
	return s.W.Write(p)
}
