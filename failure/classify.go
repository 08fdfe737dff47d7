package failure

import (
	"context"
	"errors"
	"net/http"
	"os"
	"time"

	"github.com/platform/telegent-facade/idempotency"
	"github.com/platform/telegent-facade/telegent"
)

// Reasons for a Rejection, also passed to resilience's Observer.Rejected.
// They are stable: metrics labels use them.
const (
	// RejectedOpen: the breaker is open (or half-open with every probe
	// slot taken), so the call was not sent.
	RejectedOpen = "circuit_open"
	// RejectedOverloaded: no concurrency slot freed up in time, so the
	// call was not sent.
	RejectedOverloaded = "overloaded"
)

// Rejection is the error the resilience guard returns when it refuses a
// call without sending anything upstream. Retrying after RetryAfter is
// safe: no webhook was created.
type Rejection struct {
	// Reason is RejectedOpen or RejectedOverloaded.
	Reason string
	// RetryAfter is a hint for when trying again may succeed; at least a
	// second.
	RetryAfter time.Duration
}

// Error describes the refusal; it is safe to log and to show.
func (r *Rejection) Error() string {
	return "resilience: call to Telegent not sent: " + r.Reason +
		"; retry after " + r.RetryAfter.String()
}

// Error is a failure of the facade's own making that names its cause, for
// causes no other error type carries (the request id store, for one).
type Error struct {
	Cause Cause
	// RetryAfter is a hint that overrides the row's DefaultAfter; zero for
	// none.
	RetryAfter time.Duration
	// Err is the underlying error, if any; it is logged, never shown.
	Err error
}

func (e *Error) Error() string {
	if e.Err == nil {
		return "failure: " + e.Cause.String()
	}
	return "failure: " + e.Cause.String() + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Classify finds err's cause, and the *telegent.Error in its chain when
// there is one. It is the only switch over the kinds of error a call can
// end with; err must not be nil. Errors of no known kind are Internal.
func Classify(err error) (Cause, *telegent.Error) {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Cause, nil
	}
	if r, ok := errors.AsType[*Rejection](err); ok {
		switch r.Reason {
		case RejectedOpen:
			return CircuitOpen, nil
		case RejectedOverloaded:
			return Overloaded, nil
		}
		return Internal, nil
	}
	if te, ok := errors.AsType[*telegent.Error](err); ok {
		return classifyTelegent(te), te
	}
	// The request id store's failures come before context errors: a
	// store that timed out wraps context.DeadlineExceeded.
	switch {
	case errors.Is(err, idempotency.ErrReused):
		return RequestIDReused, nil
	case errors.Is(err, idempotency.ErrAbandoned):
		return RequestAbandoned, nil
	case errors.Is(err, idempotency.ErrBudgetExhausted):
		return RequestIDBudgetExhausted, nil
	}
	if _, ok := errors.AsType[*idempotency.StoreError](err); ok {
		return RequestIDStoreDown, nil
	}
	switch {
	case errors.Is(err, context.Canceled):
		return Canceled, nil
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return Deadline, nil
	}
	return Internal, nil
}

// classifyTelegent splits the upstream's kinds where the facade treats
// them differently. Whether the outcome is unknown is the client's
// Error.OutcomeUnknown alone.
func classifyTelegent(te *telegent.Error) Cause {
	switch te.Kind {
	case telegent.KindBadRequest:
		return UpstreamBadRequest
	case telegent.KindUnauthorized:
		return UpstreamUnauthorized
	case telegent.KindCredentialsRejected:
		return CredentialsRejected
	case telegent.KindForbidden:
		return UpstreamForbidden
	case telegent.KindNotFound:
		return UpstreamNotFound
	case telegent.KindConflict:
		return UpstreamConflict
	case telegent.KindRateLimited:
		return UpstreamRateLimited
	case telegent.KindUpstreamUnavailable:
		switch {
		// The client decides whether the outcome is unknown (a 500, 502 or
		// 504 on a call that changes Telegent's state).
		case te.OutcomeUnknown:
			return UpstreamUnknown
		case te.StatusCode == http.StatusServiceUnavailable:
			return UpstreamBusy
		case te.Op == telegent.OpFetchToken:
			// The create was never sent.
			return TokenFetchFailed
		}
		return UpstreamUnavailable
	case telegent.KindConnection:
		if te.OutcomeUnknown {
			return ConnectionDropped
		}
		return ConnectionNeverMade
	case telegent.KindTimeout:
		if te.OutcomeUnknown {
			return UpstreamTimeoutUnknown
		}
		return UpstreamTimeout
	case telegent.KindMalformedResponse:
		if te.OutcomeUnknown {
			return MalformedResponseUnknown
		}
		return MalformedResponse
	case telegent.KindCanceled:
		return Canceled
	}
	return Internal
}

// RetryAfter is the delay to advise before repeating the call that failed
// with err, and false when the cause advises no retry: the hint the error
// carries (Telegent's Retry-After, the guard's), else the row's default.
func RetryAfter(err error) (time.Duration, bool) {
	c, te := Classify(err)
	p := c.Policy()
	if !p.Retry {
		return 0, false
	}
	var hint time.Duration
	if te != nil {
		hint = te.RetryAfter
	} else if r, ok := errors.AsType[*Rejection](err); ok {
		hint = r.RetryAfter
	} else if e, ok := errors.AsType[*Error](err); ok {
		hint = e.RetryAfter
	}
	if hint <= 0 {
		return p.DefaultAfter, true
	}
	return hint, true
}
