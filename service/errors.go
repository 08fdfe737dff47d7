package service

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/platform/telegent-facade/resilience"
	"github.com/platform/telegent-facade/telegent"
)

// ErrorDomain is the google.rpc.ErrorInfo domain of every error this service
// reports.
const ErrorDomain = "telegent-facade"

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
)

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

// mapping says how one kind of upstream failure is reported.
type mapping struct {
	code    codes.Code
	reason  string
	message string
	// callerFault marks refusals the caller can fix: Telegent's reason text
	// is passed on for those.
	callerFault bool
	// ourFault marks failures of the facade's own credentials, which
	// operators must hear about.
	ourFault bool
}

// Refusals of the resilience guard: nothing was sent to Telegent.
var rejections = map[string]mapping{
	resilience.RejectedOpen:       {code: codes.Unavailable, reason: ReasonCircuitOpen, message: "Telegent is failing; calls are paused, retry later"},
	resilience.RejectedOverloaded: {code: codes.ResourceExhausted, reason: ReasonOverloaded, message: "too many calls to Telegent in flight; retry later"},
}

var mappings = map[telegent.Kind]mapping{
	telegent.KindBadRequest:          {codes.InvalidArgument, ReasonUpstreamBadRequest, "Telegent rejected the request as invalid", true, false},
	telegent.KindUnauthorized:        {codes.Internal, ReasonUpstreamUnauthorized, "the facade could not authenticate to Telegent", false, true},
	telegent.KindCredentialsRejected: {codes.Internal, ReasonUpstreamCredentialsRejected, "the facade could not authenticate to Telegent", false, true},
	telegent.KindForbidden:           {codes.PermissionDenied, ReasonUpstreamForbidden, "Telegent refused the request", true, false},
	telegent.KindNotFound:            {codes.NotFound, ReasonUpstreamNotFound, "Telegent did not find what the request refers to", true, false},
	telegent.KindConflict:            {codes.AlreadyExists, ReasonUpstreamConflict, "Telegent reports a conflicting webhook", true, false},
	telegent.KindRateLimited:         {codes.ResourceExhausted, ReasonUpstreamRateLimited, "Telegent is rate limiting requests; retry later", false, false},
	telegent.KindUpstreamUnavailable: {codes.Unavailable, ReasonUpstreamUnavailable, "Telegent is unavailable; retry later", false, false},
	telegent.KindConnection:          {codes.Unavailable, ReasonUpstreamConnection, "Telegent could not be reached", false, false},
	telegent.KindTimeout:             {codes.DeadlineExceeded, ReasonUpstreamTimeout, "Telegent did not answer before the deadline", false, false},
	telegent.KindCanceled:            {codes.Canceled, ReasonCanceled, "the call was canceled", false, false},
	telegent.KindMalformedResponse:   {codes.Internal, ReasonUpstreamMalformedResponse, "Telegent's answer could not be understood", false, false},
}

// Status maps an error from the upstream to the gRPC status the caller
// sees: a fixed, safe message and a google.rpc.ErrorInfo with a stable
// reason, the upstream status and whether the outcome is unknown (plus
// google.rpc.RetryInfo exactly when a retry may cure the failure; see
// retrySignalOf). Failures of our
// own credentials are logged at error level, since only operators can fix
// them.
func Status(ctx context.Context, logger *slog.Logger, err error) error {
	m := mapping{code: codes.Internal, reason: ReasonInternal, message: "internal error"}
	upstreamStatus := 0
	var te *telegent.Error
	var rejection *resilience.Rejection
	switch {
	case errors.As(err, &te):
		if known, ok := mappings[te.Kind]; ok {
			m = known
		}
		upstreamStatus = te.StatusCode
	case errors.As(err, &rejection):
		if known, ok := rejections[rejection.Reason]; ok {
			m = known
		}
	case errors.Is(err, context.DeadlineExceeded):
		m = mappings[telegent.KindTimeout]
	case errors.Is(err, context.Canceled):
		m = mappings[telegent.KindCanceled]
	}

	retry := retrySignalOf(err)
	outcomeUnknown := retry.outcomeUnknown
	msg := m.message
	if outcomeUnknown {
		// "Retry later" would invite a second webhook.
		msg = strings.TrimSuffix(msg, "; retry later") + "; the webhook may have been created: check before creating it again"
	}
	info := errorInfo(m.reason, upstreamStatus, outcomeUnknown)
	if m.callerFault && te.Reason != "" {
		info.Metadata[MetadataUpstreamMessage] = te.Reason
	}
	if m.ourFault {
		logger.ErrorContext(ctx, "Telegent refused the facade's credentials: check the account key and secret",
			slog.String("reason", m.reason), slog.Int("upstream_status", upstreamStatus), slog.Any("error", err))
	} else if m.reason == ReasonInternal {
		logger.ErrorContext(ctx, "unexpected error", slog.Any("error", err))
	}

	var retryAfter time.Duration
	if retry.mayRetry {
		retryAfter = retry.after
	}
	return statusError(m.code, msg, info, retryAfter)
}

// errorInfo is the google.rpc.ErrorInfo every failure of the facade carries.
func errorInfo(reason string, upstreamStatus int, outcomeUnknown bool) *errdetails.ErrorInfo {
	return &errdetails.ErrorInfo{
		Reason: reason,
		Domain: ErrorDomain,
		Metadata: map[string]string{
			MetadataUpstreamStatus: strconv.Itoa(upstreamStatus),
			MetadataOutcomeUnknown: strconv.FormatBool(outcomeUnknown),
		},
	}
}

// statusError is the status the caller sees: a fixed message, info, a
// google.rpc.RetryInfo when retryAfter is positive (a retry may cure the
// failure), then extra details.
func statusError(code codes.Code, msg string, info *errdetails.ErrorInfo, retryAfter time.Duration, extra ...protoadapt.MessageV1) error {
	st := status.New(code, msg)
	details := []protoadapt.MessageV1{info}
	if retryAfter > 0 {
		details = append(details, &errdetails.RetryInfo{RetryDelay: durationpb.New(retryAfter)})
	}
	withDetails, err := st.WithDetails(append(details, extra...)...)
	if err != nil {
		return st.Err()
	}
	return withDetails.Err()
}
