package service_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/status"

	"github.com/platform/telegent-facade/failure"
	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/service"
	"github.com/platform/telegent-facade/telegent"
)

// TestRetrySignal checks that the status's RetryInfo, its outcome_unknown
// and the pushback trailer value all tell the same story for every kind of
// failure: a retry is advised exactly when nothing was created.
func TestRetrySignal(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		err            error
		outcomeUnknown bool
		retryAfter     time.Duration // 0: no retry advised
		pushback       string        // "" when not UNAVAILABLE
	}{
		"create 500":          {&telegent.Error{Kind: telegent.KindUpstreamUnavailable, Op: telegent.OpCreateWebhook, StatusCode: 500, OutcomeUnknown: true}, true, 0, "-1"},
		"list 500":            {&telegent.Error{Kind: telegent.KindUpstreamUnavailable, Op: telegent.OpListWebhooks, StatusCode: 500}, false, 0, "-1"},
		"token 500":           {&telegent.Error{Kind: telegent.KindUpstreamUnavailable, Op: telegent.OpFetchToken, StatusCode: 500}, false, failure.DefaultRetryDelay, "1000"},
		"502":                 {&telegent.Error{Kind: telegent.KindUpstreamUnavailable, Op: telegent.OpCreateWebhook, StatusCode: 502, OutcomeUnknown: true}, true, 0, "-1"},
		"503 named":           {&telegent.Error{Kind: telegent.KindUpstreamUnavailable, Op: telegent.OpCreateWebhook, StatusCode: 503, RetryAfter: 7 * time.Second}, false, 7 * time.Second, "7000"},
		"503 unnamed":         {&telegent.Error{Kind: telegent.KindUpstreamUnavailable, Op: telegent.OpCreateWebhook, StatusCode: 503}, false, failure.DefaultRetryDelay, "1000"},
		"501":                 {&telegent.Error{Kind: telegent.KindUpstreamUnavailable, Op: telegent.OpCreateWebhook, StatusCode: 501}, false, 0, "-1"},
		"429 named":           {&telegent.Error{Kind: telegent.KindRateLimited, StatusCode: 429, RetryAfter: 3 * time.Second}, false, 3 * time.Second, ""},
		"429 unnamed":         {&telegent.Error{Kind: telegent.KindRateLimited, StatusCode: 429}, false, failure.DefaultRetryDelay, ""},
		"never connected":     {&telegent.Error{Kind: telegent.KindConnection, Op: telegent.OpCreateWebhook}, false, failure.DefaultRetryDelay, "1000"},
		"dropped after write": {&telegent.Error{Kind: telegent.KindConnection, Op: telegent.OpCreateWebhook, OutcomeUnknown: true}, true, 0, "-1"},
		"timeout after write": {&telegent.Error{Kind: telegent.KindTimeout, Op: telegent.OpCreateWebhook, OutcomeUnknown: true}, true, 0, ""},
		"breaker open":        {&failure.Rejection{Reason: failure.RejectedOpen, RetryAfter: 4 * time.Second}, false, 4 * time.Second, "4000"},
		"overloaded":          {&failure.Rejection{Reason: failure.RejectedOverloaded, RetryAfter: time.Second}, false, time.Second, ""},
		"400":                 {&telegent.Error{Kind: telegent.KindBadRequest, StatusCode: 400}, false, 0, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			svc := service.New(&fakeUpstream{err: tc.err}, nil)
			_, err := svc.CreateWebhook(context.Background(), &webhookv1.CreateWebhookRequest{AccountId: "AID-1"})
			st := status.Convert(err)

			var info *errdetails.ErrorInfo
			for _, d := range st.Details() {
				if d, ok := d.(*errdetails.ErrorInfo); ok {
					info = d
				}
			}
			if got := info.GetMetadata()[failure.MetadataOutcomeUnknown]; got != map[bool]string{true: "true", false: "false"}[tc.outcomeUnknown] {
				t.Errorf("outcome_unknown = %q, want %v", got, tc.outcomeUnknown)
			}
			mayExist := strings.Contains(st.Message(), "may have been created")
			if mayExist != tc.outcomeUnknown {
				t.Errorf("message %q: says the webhook may exist = %v, want %v", st.Message(), mayExist, tc.outcomeUnknown)
			}
			if tc.outcomeUnknown && strings.Contains(st.Message(), "retry later") {
				t.Errorf("message %q invites a retry of a call whose outcome is unknown", st.Message())
			}

			after, ok := failure.StatusRetryAfter(st)
			if ok != (tc.retryAfter > 0) || after != tc.retryAfter {
				t.Errorf("RetryAfter = %v, %v; want %v", after, ok, tc.retryAfter)
			}

			pushback, ok := failure.Pushback(st)
			if pushback != tc.pushback || ok != (tc.pushback != "") {
				t.Errorf("RetryPushback = %q, %v; want %q", pushback, ok, tc.pushback)
			}
		})
	}
}
