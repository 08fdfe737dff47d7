package service

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/platform/telegent-facade/resilience"
	"github.com/platform/telegent-facade/telegent"
)

// retryPushbackTrailer is gRPC's retry pushback trailer (gRFC A6): a
// non-negative value tells a client with a retry policy when to retry, a
// negative one tells it not to retry at all.
const retryPushbackTrailer = "grpc-retry-pushback-ms"

// RetryPushback decides what a caller's automatic retry (the published
// service config retries UNAVAILABLE) may do after err. Telegent's create is
// not idempotent, so only failures that certainly created nothing may be
// retried: the connection was never made, or Telegent answered 503. Every
// other UNAVAILABLE (a dropped connection after the request was written, a
// 500, 502 or 504 that may hide a created webhook) forbids the retry. It
// reports false when err does not map to UNAVAILABLE.
func RetryPushback(err error) (string, bool) {
	var rejection *resilience.Rejection
	if errors.As(err, &rejection) && rejection.Reason == resilience.RejectedOpen {
		// Nothing was sent, but retrying before the breaker half-opens
		// would only be refused again.
		return strconv.FormatInt(rejection.RetryAfter.Milliseconds(), 10), true
	}
	var te *telegent.Error
	if !errors.As(err, &te) {
		return "", false
	}
	switch te.Kind {
	case telegent.KindConnection, telegent.KindUpstreamUnavailable:
	default:
		return "", false
	}
	nothingCreated := (te.Kind == telegent.KindConnection && !te.OutcomeUnknown) ||
		te.StatusCode == http.StatusServiceUnavailable
	if !nothingCreated {
		return "-1", true
	}
	if te.RetryAfter > 0 {
		return strconv.FormatInt(te.RetryAfter.Milliseconds(), 10), true
	}
	return "", false
}
