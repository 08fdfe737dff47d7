package service

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/platform/telegent-facade/resilience"
	"github.com/platform/telegent-facade/telegent"
)

// retryPushbackTrailer is gRPC's retry pushback trailer (gRFC A6): a
// non-negative value tells a client with a retry policy when to retry, a
// negative one tells it not to retry at all.
const retryPushbackTrailer = "grpc-retry-pushback-ms"

// DefaultRetryDelay is the delay advised for a failure that a retry may
// cure when neither Telegent nor the facade's own guard named one.
const DefaultRetryDelay = time.Second

// retrySignal is what every protocol tells a caller about repeating a
// failed call: google.rpc.RetryInfo and the pushback trailer over gRPC and
// Connect, Retry-After over REST. It is decided here, once, so that the
// protocols never disagree.
type retrySignal struct {
	// mayRetry: nothing was created and repeating the call later may
	// succeed.
	mayRetry bool
	// after is when to repeat the call; set only with mayRetry.
	after time.Duration
	// outcomeUnknown: the create may have reached Telegent and no definite
	// answer came back. Repeating it blindly may create a second webhook.
	outcomeUnknown bool
}

// retrySignalOf classifies err. Telegent's create is not idempotent, so a
// retry is advised only for failures that certainly created nothing: the
// guard refused the call (breaker open, too many in flight), the
// connection was never made, Telegent rate limited the call or answered
// 503, or the token fetch before the create failed.
func retrySignalOf(err error) retrySignal {
	var rejection *resilience.Rejection
	if errors.As(err, &rejection) {
		return mayRetryAfter(rejection.RetryAfter)
	}
	var te *telegent.Error
	if !errors.As(err, &te) {
		return retrySignal{}
	}
	if outcomeUnknown(te) {
		return retrySignal{outcomeUnknown: true}
	}
	switch {
	case te.Kind == telegent.KindRateLimited:
		return mayRetryAfter(te.RetryAfter)
	case te.Kind == telegent.KindConnection:
		// Not outcome-unknown: no byte of the request was sent.
		return mayRetryAfter(0)
	case te.Kind == telegent.KindUpstreamUnavailable &&
		(te.StatusCode == http.StatusServiceUnavailable || te.Op == telegent.OpFetchToken):
		// 503 is Telegent refusing to take the call; a failed token fetch
		// means the create was never sent.
		return mayRetryAfter(te.RetryAfter)
	}
	return retrySignal{}
}

func mayRetryAfter(d time.Duration) retrySignal {
	if d <= 0 {
		d = DefaultRetryDelay
	}
	return retrySignal{mayRetry: true, after: d}
}

// outcomeUnknown reports whether the create may have reached Telegent
// without a definite answer. Beyond what the client already knows (a
// dropped connection or timeout after the request was written, a proxy's
// 502 or 504, an unreadable success body), a 500 on the create counts too:
// Telegent fails that way after storing the webhook as well as before. A
// 500 on a call that creates nothing (the token, the list) is a definite
// failure.
func outcomeUnknown(te *telegent.Error) bool {
	if te.OutcomeUnknown {
		return true
	}
	return te.StatusCode == http.StatusInternalServerError && te.Op != telegent.OpFetchToken && te.Op != telegent.OpListWebhooks
}

// RetryPushback is the value of gRPC's pushback trailer for a failed
// call's status, what a caller's automatic retry (the published service
// config retries UNAVAILABLE) may do: the delay its google.rpc.RetryInfo
// advises when nothing was created, "-1" (do not retry) for every other
// UNAVAILABLE, among them those that may have created the webhook. It
// reports false for other codes. Deriving it from the status, the one
// place that decides the retry signal, keeps trailer, RetryInfo and
// Retry-After in agreement on every path, replayed answers included.
func RetryPushback(st *status.Status) (string, bool) {
	if st.Code() != codes.Unavailable {
		return "", false
	}
	if d, ok := RetryAfter(st); ok {
		return strconv.FormatInt(d.Milliseconds(), 10), true
	}
	return "-1", true
}

// setRetryPushback sets the pushback trailer of a failed call. Outside a
// gRPC call (unit tests) there is no stream to set it on.
func setRetryPushback(ctx context.Context, err error) {
	if pushback, ok := RetryPushback(status.Convert(err)); ok {
		_ = grpc.SetTrailer(ctx, metadata.Pairs(retryPushbackTrailer, pushback))
	}
}

// RetryAfter is the delay a failure's status advises before the call is
// repeated (its google.rpc.RetryInfo), and false when the status advises
// no retry. REST answers it as the Retry-After header; a status that says
// the outcome is unknown never carries one.
func RetryAfter(st *status.Status) (time.Duration, bool) {
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.RetryInfo); ok && info.GetRetryDelay() != nil {
			return info.GetRetryDelay().AsDuration(), true
		}
	}
	return 0, false
}
