package accountkit

// sentinel is an error standing for every *Error of one Code, for
// errors.Is.
type sentinel Code

// Error returns the code.
func (s sentinel) Error() string { return "accountkit: " + string(s) }

// Sentinels for errors.Is: errors.Is(err, ErrNotFound) reports whether
// err (or an error it wraps) is an *Error with Code NotFound, as
// ErrorCode(err) == NotFound does. They match by Code only, never one
// *Error against another.
var (
	ErrNotFound         error = sentinel(NotFound)
	ErrConflict         error = sentinel(Conflict)
	ErrInvalid          error = sentinel(Invalid)
	ErrUnauthenticated  error = sentinel(Unauthenticated)
	ErrForbidden        error = sentinel(Forbidden)
	ErrLocked           error = sentinel(Locked)
	ErrLimitExceeded    error = sentinel(LimitExceeded)
	ErrTooManyRequests  error = sentinel(TooManyRequests)
	ErrUnavailable      error = sentinel(Unavailable)
	ErrMethodNotAllowed error = sentinel(MethodNotAllowed)
	ErrInternal         error = sentinel(Internal)
)

// Is reports whether target is the sentinel of e's Code (ErrNotFound, …).
func (e *Error) Is(target error) bool {
	s, ok := target.(sentinel)
	return ok && Code(s) == e.Code
}
