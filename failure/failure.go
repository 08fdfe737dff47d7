// Package failure is the one table of how the facade treats a failure. Each
// Cause has one Policy row: the gRPC code and HTTP status the caller sees,
// the stable google.rpc.ErrorInfo reason, a fixed safe message, whether the
// outcome is unknown, whose fault it is, whether and when a retry may cure
// it, how it counts for the circuit breaker and the concurrency limit,
// whether a repeated request_id replays it, and the level of the request
// log line. Classify is the only place that inspects an error to find its
// cause; code that only holds a status reads the row back with Lookup or
// FromStatus. Adding a cause is adding a constant, a row and, when errors
// carry it, a case in Classify.
package failure

import (
	"log/slog"
	"strconv"
	"time"

	"google.golang.org/grpc/codes"
)

// ErrorDomain is the google.rpc.ErrorInfo domain of every error the facade
// reports.
const ErrorDomain = "telegent-facade"

// ErrorInfo metadata keys.
const (
	// MetadataUpstreamStatus is Telegent's HTTP status, "0" when none came.
	MetadataUpstreamStatus = "upstream_status"
	// MetadataOutcomeUnknown is "true" when the create may have reached
	// Telegent and no definite answer came back: the webhook may exist.
	// Do not retry such a call blindly.
	MetadataOutcomeUnknown = "outcome_unknown"
	// MetadataUpstreamMessage is Telegent's own explanation of a refusal
	// that the caller can act on (4xx), scrubbed of secrets.
	MetadataUpstreamMessage = "upstream_message"
)

// Stable google.rpc.ErrorInfo reasons. Callers may switch on them.
const (
	ReasonUpstreamBadRequest          = "UPSTREAM_BAD_REQUEST"
	ReasonUpstreamUnauthorized        = "UPSTREAM_UNAUTHORIZED"
	ReasonUpstreamCredentialsRejected = "UPSTREAM_CREDENTIALS_REJECTED"
	ReasonUpstreamForbidden           = "UPSTREAM_FORBIDDEN"
	ReasonUpstreamNotFound            = "UPSTREAM_NOT_FOUND"
	ReasonUpstreamConflict            = "UPSTREAM_CONFLICT"
	ReasonUpstreamRateLimited         = "UPSTREAM_RATE_LIMITED"
	ReasonUpstreamUnavailable         = "UPSTREAM_UNAVAILABLE"
	ReasonUpstreamConnection          = "UPSTREAM_CONNECTION_FAILED"
	ReasonUpstreamTimeout             = "UPSTREAM_TIMEOUT"
	ReasonUpstreamMalformedResponse   = "UPSTREAM_MALFORMED_RESPONSE"
	ReasonCircuitOpen                 = "CIRCUIT_OPEN"
	ReasonOverloaded                  = "FACADE_OVERLOADED"
	ReasonCanceled                    = "CANCELED"
	ReasonInternal                    = "INTERNAL"
	// ReasonRequestIDReused: the request_id came before with a different
	// request.
	ReasonRequestIDReused = "REQUEST_ID_REUSED"
	// ReasonRequestIDUnavailable: the store of request ids could not be
	// reached; nothing was sent to Telegent.
	ReasonRequestIDUnavailable = "REQUEST_ID_STORE_UNAVAILABLE"
	// ReasonRequestOutcomeUnknown: the first call with the request_id
	// stopped (its replica went away) before it recorded an outcome.
	ReasonRequestOutcomeUnknown = "REQUEST_OUTCOME_UNKNOWN"
	// ReasonRequestIDBudgetExhausted: the caller has as many request ids
	// remembered as it may; nothing was sent to Telegent.
	ReasonRequestIDBudgetExhausted = "REQUEST_ID_BUDGET_EXHAUSTED"
	// ReasonWebhookNotFound: the account's list has no webhook with the
	// id; also the answer to a repeat of a delete that succeeded.
	ReasonWebhookNotFound = "WEBHOOK_NOT_FOUND"
)

// DefaultRetryDelay is the delay advised for a failure that a retry may
// cure when neither Telegent nor the facade's own guard named one.
const DefaultRetryDelay = time.Second

// Cause is why a call failed. Causes are split wherever the facade treats
// two failures differently, even when the caller sees the same code.
type Cause int

// The causes. New ones go above causeCount, each with a row in table.
const (
	// Internal: an error the facade did not expect (a bug, or an
	// upstream error of no known kind).
	Internal Cause = iota
	// UpstreamBadRequest: Telegent refused the request as invalid (4xx).
	UpstreamBadRequest
	// UpstreamUnauthorized: the create was refused with 401 twice.
	UpstreamUnauthorized
	// CredentialsRejected: the token call refused the account key and
	// secret.
	CredentialsRejected
	// UpstreamForbidden: Telegent answered 403.
	UpstreamForbidden
	// UpstreamNotFound: Telegent answered 404.
	UpstreamNotFound
	// UpstreamConflict: Telegent answered 409.
	UpstreamConflict
	// UpstreamRateLimited: Telegent answered 429; nothing was created.
	UpstreamRateLimited
	// UpstreamBusy: Telegent answered 503, refusing to take the call;
	// nothing was created.
	UpstreamBusy
	// TokenFetchFailed: the token call failed with a 5xx (other than 503)
	// or an undocumented status, so the create was never sent.
	TokenFetchFailed
	// UpstreamUnavailable: the create got a definite failure status (a
	// 5xx other than 500, 502, 503 and 504, 408, or an undocumented one).
	UpstreamUnavailable
	// UpstreamUnknown: the create got 500 (Telegent fails that way after
	// storing the webhook as well as before), or a proxy's 502 or 504.
	UpstreamUnknown
	// ConnectionNeverMade: no connection to Telegent could be made; no
	// byte of the request was sent.
	ConnectionNeverMade
	// ConnectionDropped: the connection failed after the create was (or
	// may have been) sent.
	ConnectionDropped
	// UpstreamTimeout: the deadline passed before the create was sent
	// (while fetching a token, or waiting for a slot).
	UpstreamTimeout
	// UpstreamTimeoutUnknown: the deadline passed after the create was
	// sent, before Telegent answered.
	UpstreamTimeoutUnknown
	// MalformedResponse: the token call's successful answer could not be
	// understood.
	MalformedResponse
	// MalformedResponseUnknown: the create's successful answer could not be
	// read or understood: the webhook may exist.
	MalformedResponseUnknown
	// CircuitOpen: the breaker refused the call; nothing was sent.
	CircuitOpen
	// Overloaded: no concurrency slot freed up in time (or Telegent asked
	// the facade to pause); nothing was sent.
	Overloaded
	// RequestIDReused: the request_id came before with another request.
	RequestIDReused
	// RequestIDStoreDown: the request id store could not be reached;
	// nothing was sent.
	RequestIDStoreDown
	// RequestAbandoned: the first call with the request_id stopped before
	// it recorded an outcome.
	RequestAbandoned
	// RequestIDBudgetExhausted: the caller has as many request ids
	// remembered as it may; nothing was sent.
	RequestIDBudgetExhausted
	// WebhookNotFound: the webhook is not in the account's list (never
	// there, another account's, or deleted); nothing was changed.
	WebhookNotFound
	// Canceled: the caller canceled the call.
	Canceled
	// Deadline: the caller's deadline passed outside an upstream call
	// (e.g. while waiting for another call with the same request_id).
	Deadline

	// causeCount is not a cause: it counts them.
	causeCount
)

// Causes lists every cause, in order.
func Causes() []Cause {
	cs := make([]Cause, 0, causeCount)
	for c := range causeCount {
		cs = append(cs, c)
	}
	return cs
}

var causeNames = [...]string{
	Internal:                 "Internal",
	UpstreamBadRequest:       "UpstreamBadRequest",
	UpstreamUnauthorized:     "UpstreamUnauthorized",
	CredentialsRejected:      "CredentialsRejected",
	UpstreamForbidden:        "UpstreamForbidden",
	UpstreamNotFound:         "UpstreamNotFound",
	UpstreamConflict:         "UpstreamConflict",
	UpstreamRateLimited:      "UpstreamRateLimited",
	UpstreamBusy:             "UpstreamBusy",
	TokenFetchFailed:         "TokenFetchFailed",
	UpstreamUnavailable:      "UpstreamUnavailable",
	UpstreamUnknown:          "UpstreamUnknown",
	ConnectionNeverMade:      "ConnectionNeverMade",
	ConnectionDropped:        "ConnectionDropped",
	UpstreamTimeout:          "UpstreamTimeout",
	UpstreamTimeoutUnknown:   "UpstreamTimeoutUnknown",
	MalformedResponse:        "MalformedResponse",
	MalformedResponseUnknown: "MalformedResponseUnknown",
	CircuitOpen:              "CircuitOpen",
	Overloaded:               "Overloaded",
	RequestIDReused:          "RequestIDReused",
	RequestIDStoreDown:       "RequestIDStoreDown",
	RequestAbandoned:         "RequestAbandoned",
	RequestIDBudgetExhausted: "RequestIDBudgetExhausted",
	WebhookNotFound:          "WebhookNotFound",
	Canceled:                 "Canceled",
	Deadline:                 "Deadline",
}

// String returns the cause's Go name, e.g. "UpstreamBusy".
func (c Cause) String() string {
	if c < 0 || c >= causeCount {
		return "Cause(" + strconv.Itoa(int(c)) + ")"
	}
	return causeNames[c]
}

// Breaker is how a result counts for the circuit breaker.
type Breaker int

const (
	// BreakerSuccess: Telegent answered (perhaps refusing the request);
	// it also ends a run of consecutive failures.
	BreakerSuccess Breaker = iota
	// BreakerFailure: Telegent is failing; counts toward opening.
	BreakerFailure
	// BreakerIgnore: says nothing about Telegent (the caller gave up, or
	// the facade refused the call itself).
	BreakerIgnore
)

// Limiter is how a result counts for the adaptive concurrency limit.
type Limiter int

const (
	// LimiterRecord: the call's duration is Telegent's latency.
	LimiterRecord Limiter = iota
	// LimiterDrop: the duration says nothing about load (a fast 5xx is no
	// sign of health); a run of such failures lowers the limit.
	LimiterDrop
	// LimiterBusy: Telegent says it is too busy: the limit falls back at
	// once, and a Retry-After pauses sending.
	LimiterBusy
)

// Policy is one row of the table: everything the facade decides about a
// cause.
type Policy struct {
	// Code is the gRPC code the caller sees.
	Code codes.Code
	// HTTP is the REST answer's status. Not always what the gateway would
	// derive from Code, so REST reads it from here.
	HTTP int
	// Reason is the google.rpc.ErrorInfo reason. Rows may share one when
	// they differ only in OutcomeUnknown and what follows from it.
	Reason string
	// Message is the status message: fixed, safe to show and to put in a
	// header.
	Message string
	// OutcomeUnknown: the create may have reached Telegent and no definite
	// answer came back; the webhook may exist.
	OutcomeUnknown bool
	// CallerFault: the caller can fix it; Telegent's reason text is passed
	// on as ErrorInfo metadata.
	CallerFault bool
	// OurFault: the facade's own credentials failed; operators must hear
	// about it (logged at error level).
	OurFault bool
	// Retry: nothing was created and repeating the call later may succeed
	// (google.rpc.RetryInfo, the pushback trailer, Retry-After).
	Retry bool
	// DefaultAfter is the advised delay when the error names none; only
	// with Retry.
	DefaultAfter time.Duration
	// Breaker is how the result counts for the circuit breaker.
	Breaker Breaker
	// Limiter is how the result counts for the concurrency limit.
	Limiter Limiter
	// Replay: a repeat with the same request_id gets this answer again
	// instead of trying anew.
	Replay bool
	// Log is the level of the call's request log line.
	Log slog.Level
}

// unknownSuffix ends the message of every outcome-unknown row: "retry
// later" would invite a second webhook.
const unknownSuffix = "; Telegent may have applied the call: the webhook may have been created, so list the account's webhooks before creating it again; an update or a delete may be repeated as it is"

// table holds one row per cause. TestTable checks that every cause has one.
var table = [causeCount]Policy{
	Internal: {Code: codes.Internal, HTTP: 500, Reason: ReasonInternal, Message: "internal error",
		Breaker: BreakerFailure, Limiter: LimiterDrop, Log: slog.LevelWarn},

	UpstreamBadRequest: {Code: codes.InvalidArgument, HTTP: 400, Reason: ReasonUpstreamBadRequest,
		Message: "Telegent rejected the request as invalid", CallerFault: true, Replay: true, Log: slog.LevelInfo},
	UpstreamUnauthorized: {Code: codes.Internal, HTTP: 500, Reason: ReasonUpstreamUnauthorized,
		Message: "the facade could not authenticate to Telegent", OurFault: true, Log: slog.LevelWarn},
	CredentialsRejected: {Code: codes.Internal, HTTP: 500, Reason: ReasonUpstreamCredentialsRejected,
		Message: "the facade could not authenticate to Telegent", OurFault: true, Log: slog.LevelWarn},
	UpstreamForbidden: {Code: codes.PermissionDenied, HTTP: 403, Reason: ReasonUpstreamForbidden,
		Message: "Telegent refused the request", CallerFault: true, Replay: true, Log: slog.LevelInfo},
	UpstreamNotFound: {Code: codes.NotFound, HTTP: 404, Reason: ReasonUpstreamNotFound,
		Message: "Telegent did not find what the request refers to", CallerFault: true, Replay: true, Log: slog.LevelInfo},
	UpstreamConflict: {Code: codes.AlreadyExists, HTTP: 409, Reason: ReasonUpstreamConflict,
		Message: "Telegent reports a conflicting webhook", CallerFault: true, Replay: true, Log: slog.LevelInfo},
	// Telegent is healthy, just throttling the facade.
	UpstreamRateLimited: {Code: codes.ResourceExhausted, HTTP: 429, Reason: ReasonUpstreamRateLimited,
		Message: "Telegent is rate limiting requests; retry later", Retry: true, DefaultAfter: DefaultRetryDelay,
		Limiter: LimiterBusy, Log: slog.LevelInfo},

	UpstreamBusy: {Code: codes.Unavailable, HTTP: 503, Reason: ReasonUpstreamUnavailable,
		Message: "Telegent is unavailable; retry later", Retry: true, DefaultAfter: DefaultRetryDelay,
		Breaker: BreakerFailure, Limiter: LimiterBusy, Log: slog.LevelWarn},
	TokenFetchFailed: {Code: codes.Unavailable, HTTP: 503, Reason: ReasonUpstreamUnavailable,
		Message: "Telegent is unavailable; retry later", Retry: true, DefaultAfter: DefaultRetryDelay,
		Breaker: BreakerFailure, Limiter: LimiterDrop, Log: slog.LevelWarn},
	UpstreamUnavailable: {Code: codes.Unavailable, HTTP: 503, Reason: ReasonUpstreamUnavailable,
		Message: "Telegent is unavailable; retry later", Breaker: BreakerFailure, Limiter: LimiterDrop, Log: slog.LevelWarn},
	UpstreamUnknown: {Code: codes.Unavailable, HTTP: 503, Reason: ReasonUpstreamUnavailable,
		Message: "Telegent is unavailable" + unknownSuffix, OutcomeUnknown: true,
		Breaker: BreakerFailure, Limiter: LimiterDrop, Replay: true, Log: slog.LevelWarn},
	ConnectionNeverMade: {Code: codes.Unavailable, HTTP: 503, Reason: ReasonUpstreamConnection,
		Message: "Telegent could not be reached", Retry: true, DefaultAfter: DefaultRetryDelay,
		Breaker: BreakerFailure, Limiter: LimiterDrop, Log: slog.LevelWarn},
	ConnectionDropped: {Code: codes.Unavailable, HTTP: 503, Reason: ReasonUpstreamConnection,
		Message: "Telegent could not be reached" + unknownSuffix, OutcomeUnknown: true,
		Breaker: BreakerFailure, Limiter: LimiterDrop, Replay: true, Log: slog.LevelWarn},
	// A timeout is Telegent being slow: its duration is latency.
	UpstreamTimeout: {Code: codes.DeadlineExceeded, HTTP: 504, Reason: ReasonUpstreamTimeout,
		Message: "Telegent did not answer before the deadline", Breaker: BreakerFailure, Limiter: LimiterRecord, Log: slog.LevelWarn},
	UpstreamTimeoutUnknown: {Code: codes.DeadlineExceeded, HTTP: 504, Reason: ReasonUpstreamTimeout,
		Message: "Telegent did not answer before the deadline" + unknownSuffix, OutcomeUnknown: true,
		Breaker: BreakerFailure, Limiter: LimiterRecord, Replay: true, Log: slog.LevelWarn},
	MalformedResponse: {Code: codes.Internal, HTTP: 500, Reason: ReasonUpstreamMalformedResponse,
		Message: "Telegent's answer could not be understood", Breaker: BreakerFailure, Limiter: LimiterDrop, Log: slog.LevelWarn},
	MalformedResponseUnknown: {Code: codes.Internal, HTTP: 500, Reason: ReasonUpstreamMalformedResponse,
		Message: "Telegent's answer could not be understood" + unknownSuffix, OutcomeUnknown: true,
		Breaker: BreakerFailure, Limiter: LimiterDrop, Replay: true, Log: slog.LevelWarn},

	// The breaker's own verdict; the table, not the library, says 503.
	CircuitOpen: {Code: codes.Unavailable, HTTP: 503, Reason: ReasonCircuitOpen,
		Message: "Telegent is failing; calls are paused, retry later", Retry: true, DefaultAfter: DefaultRetryDelay,
		Breaker: BreakerIgnore, Limiter: LimiterDrop, Log: slog.LevelWarn},
	Overloaded: {Code: codes.ResourceExhausted, HTTP: 429, Reason: ReasonOverloaded,
		Message: "too many calls to Telegent in flight; retry later", Retry: true, DefaultAfter: DefaultRetryDelay,
		Breaker: BreakerIgnore, Limiter: LimiterDrop, Log: slog.LevelInfo},
	RequestIDReused: {Code: codes.InvalidArgument, HTTP: 400, Reason: ReasonRequestIDReused,
		Message: "request_id was already used with a different request", CallerFault: true,
		Breaker: BreakerIgnore, Limiter: LimiterDrop, Log: slog.LevelInfo},
	RequestIDStoreDown: {Code: codes.Unavailable, HTTP: 503, Reason: ReasonRequestIDUnavailable, Retry: true,
		DefaultAfter: DefaultRetryDelay, Breaker: BreakerIgnore, Limiter: LimiterDrop, Log: slog.LevelWarn,
		Message: "calls with a request_id cannot be served now; nothing was sent to Telegent; retry later"},
	RequestAbandoned: {Code: codes.Unavailable, HTTP: 503, Reason: ReasonRequestOutcomeUnknown,
		Message: "the first call with this request_id did not finish" + unknownSuffix, OutcomeUnknown: true,
		Breaker: BreakerIgnore, Limiter: LimiterDrop, Replay: true, Log: slog.LevelWarn},
	RequestIDBudgetExhausted: {Code: codes.ResourceExhausted, HTTP: 429, Reason: ReasonRequestIDBudgetExhausted, CallerFault: true,
		Retry: true, DefaultAfter: DefaultRetryDelay, Breaker: BreakerIgnore, Limiter: LimiterDrop, Log: slog.LevelInfo,
		Message: "too many request_ids of this caller are remembered; nothing was sent to Telegent; retry later"},
	// The facade's own finding in the account's list: Telegent was asked
	// for the list only, and answered.
	WebhookNotFound: {Code: codes.NotFound, HTTP: 404, Reason: ReasonWebhookNotFound,
		Message: "webhook not found in the account", CallerFault: true,
		Breaker: BreakerIgnore, Limiter: LimiterDrop, Replay: true, Log: slog.LevelInfo},

	// The caller gave up: no evidence about Telegent either way. 499 is
	// what the gateway answers for CANCELED.
	Canceled: {Code: codes.Canceled, HTTP: 499, Reason: ReasonCanceled, Message: "the call was canceled",
		Breaker: BreakerIgnore, Limiter: LimiterDrop, Log: slog.LevelInfo},
	Deadline: {Code: codes.DeadlineExceeded, HTTP: 504, Reason: ReasonUpstreamTimeout,
		Message: "Telegent did not answer before the deadline", Breaker: BreakerFailure, Limiter: LimiterDrop, Log: slog.LevelWarn},
}

// Policy is the cause's row; Internal's for a cause out of range.
func (c Cause) Policy() Policy {
	if c < 0 || c >= causeCount {
		return table[Internal]
	}
	return table[c]
}

// Lookup is the row of a google.rpc.ErrorInfo reason, for code that holds
// only a status. Rows sharing a reason agree on Code, HTTP and Log; for
// the rest (OutcomeUnknown, Replay) use FromStatus, which also reads the
// outcome_unknown metadata. It reports false for reasons not in the table
// (those of auth, say).
func Lookup(reason string) (Policy, bool) {
	for _, p := range table {
		if p.Reason == reason {
			return p, true
		}
	}
	return Policy{}, false
}

// lookup is the row of a reason whose OutcomeUnknown is outcomeUnknown.
func lookup(reason string, outcomeUnknown bool) (Policy, bool) {
	for _, p := range table {
		if p.Reason == reason && p.OutcomeUnknown == outcomeUnknown {
			return p, true
		}
	}
	return Policy{}, false
}
