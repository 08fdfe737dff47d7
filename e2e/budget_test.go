package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/platform/telegent-facade/failure"
	"github.com/platform/telegent-facade/internal/testutil"
)

// TestRequestIDBudgetOverGRPCAndREST: with a budget of one id, a caller
// whose one call is still in flight at Telegent is refused a second id,
// RESOURCE_EXHAUSTED over gRPC and 429 over REST, with the reason
// REQUEST_ID_BUDGET_EXHAUSTED and a retry hint; once the call finishes,
// the next id is served.
func TestRequestIDBudgetOverGRPCAndREST(t *testing.T) {
	t.Parallel()
	s := startSim(t)
	f := startFacade(t, s.url, nil, "--idempotency-caller-limit", "1")

	slow := basicReq(uniqueURL(t, "latency:20s"))
	slow.RequestId = uuid.NewString()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	slowDone := make(chan error, 1)
	go func() {
		_, err := f.client.CreateWebhook(ctx, slow)
		slowDone <- err
	}()
	// The slow call holds the caller's one place once it is claimed.
	testutil.Poll(t, time.Minute, "the slow call to hold the caller's place", func() bool {
		_, metrics := f.get(t, "/metrics")
		return strings.Contains(metrics, `telegent_facade_request_ids_total{outcome="claimed"} 1`)
	})

	next := basicReq(uniqueURL(t, "") + "-next")
	next.RequestId = uuid.NewString()
	_, err := f.client.CreateWebhook(context.Background(), next)
	st := status.Convert(err)
	if st.Code() != codes.ResourceExhausted || errorInfo(st).GetReason() != failure.ReasonRequestIDBudgetExhausted {
		t.Fatalf("gRPC over the budget = %v, want RESOURCE_EXHAUSTED %s", err, failure.ReasonRequestIDBudgetExhausted)
	}
	body, _ := protojson.Marshal(next)
	code, header, answer := f.restExchange(context.Background(), t, strings.NewReader(string(body)), nil)
	if code != http.StatusTooManyRequests || !strings.Contains(string(answer), failure.ReasonRequestIDBudgetExhausted) || !strings.Contains(string(answer), "retryDelay") {
		t.Fatalf("REST over the budget = %d %s (headers %v), want 429 %s with a retry delay", code, answer, header, failure.ReasonRequestIDBudgetExhausted)
	}
	if n := createsByURL(t, s)[next.GetWebhookUrl()]; n != 0 {
		t.Fatalf("a refused call reached Telegent %d times", n)
	}

	cancel()
	<-slowDone
	// The canceled call's outcome is unknown or it was released; either
	// way a finished record is forgotten to make room.
	testutil.Poll(t, time.Minute, "the canceled call to make room", func() bool {
		_, err := f.client.CreateWebhook(context.Background(), next)
		return err == nil
	})
}
