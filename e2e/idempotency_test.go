package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/platform/telegent-facade/failure"
	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/internal/testredis"
)

func createsByURL(t *testing.T, s *sim) map[string]int {
	t.Helper()
	var byURL map[string]int
	s.admin(t, http.MethodGet, "/_sim/creates-by-url", nil, &byURL)
	return byURL
}

// TestRequestIDAcrossReplicas runs two replicas on one Redis: concurrent
// calls with one request_id, half to each replica over gRPC and REST, make
// one Telegent create and all get its webhook; with Redis stopped, calls
// with a request_id are refused UNAVAILABLE and create nothing, and calls
// without one are served as usual.
func TestRequestIDAcrossReplicas(t *testing.T) {
	t.Parallel()
	redis := testredis.Start(t)
	s := startSim(t)
	replicas := []*facade{
		startFacade(t, s.url, nil, "--idempotency-store", redis.URL()),
		startFacade(t, s.url, nil, "--idempotency-store", redis.URL()),
	}

	// The create takes a while, so that the repeats arrive while the first
	// call is in flight and have to wait for it.
	url := uniqueURL(t, "latency:300ms")
	req := basicReq(url)
	req.RequestId = uuid.NewString()
	body, err := protojson.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}

	const perReplica = 8
	var (
		mu  sync.Mutex
		ids = map[string]int{}
		wg  sync.WaitGroup
	)
	record := func(id string, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			t.Errorf("call failed: %v", err)
			return
		}
		ids[id]++
	}
	for i, f := range replicas {
		for j := range perReplica {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if (i+j)%2 == 0 {
					resp, err := f.client.CreateWebhook(context.Background(), req)
					record(resp.GetWebhook().GetWebhookId(), err)
					return
				}
				code, answer := f.restCall(context.Background(), t, strings.NewReader(string(body)), nil)
				var resp webhookv1.CreateWebhookResponse
				if code != http.StatusOK {
					record("", status.Errorf(codes.Unknown, "REST %d: %s", code, answer))
				} else if err := protojson.Unmarshal(answer, &resp); err != nil {
					record("", err)
				} else {
					record(resp.GetWebhook().GetWebhookId(), nil)
				}
			}()
		}
	}
	wg.Wait()
	if len(ids) != 1 {
		t.Fatalf("calls with one request_id got webhooks %v, want one webhook for all", ids)
	}
	if n := createsByURL(t, s)[url]; n != 1 {
		t.Fatalf("Telegent saw %d creates for one request_id, want 1", n)
	}

	// The same id with another request is refused on either replica.
	other := proto.CloneOf(req)
	other.SubscribedEvents = []webhookv1.WebhookEvent{webhookv1.WebhookEvent_WEBHOOK_EVENT_CALL_RINGING}
	_, err = replicas[1].client.CreateWebhook(context.Background(), other)
	if st := status.Convert(err); st.Code() != codes.InvalidArgument || errorInfo(st).GetReason() != failure.ReasonRequestIDReused {
		t.Fatalf("reused request_id = %v, want INVALID_ARGUMENT %s", err, failure.ReasonRequestIDReused)
	}
	otherBody, _ := protojson.Marshal(other)
	if code, answer := replicas[0].restCall(context.Background(), t, strings.NewReader(string(otherBody)), nil); code != http.StatusBadRequest || !strings.Contains(string(answer), failure.ReasonRequestIDReused) {
		t.Fatalf("reused request_id over REST = %d %s, want 400 %s", code, answer, failure.ReasonRequestIDReused)
	}
	if got := readyDetail(t, replicas[0])["request_id_store"]; got != "redis: up" {
		t.Fatalf("/readyz request_id_store = %q, want %q", got, "redis: up")
	}

	redis.Stop()
	lost := basicReq(uniqueURL(t, "") + "-redis-down")
	lost.RequestId = uuid.NewString()
	_, err = replicas[0].client.CreateWebhook(context.Background(), lost)
	if st := status.Convert(err); st.Code() != codes.Unavailable || errorInfo(st).GetReason() != failure.ReasonRequestIDUnavailable {
		t.Fatalf("with Redis down, a call with a request_id = %v, want UNAVAILABLE %s", err, failure.ReasonRequestIDUnavailable)
	}
	if n := createsByURL(t, s)[lost.GetWebhookUrl()]; n != 0 {
		t.Fatalf("a call refused for want of a claim created %d webhooks", n)
	}
	plain := basicReq(uniqueURL(t, "") + "-no-id")
	if _, err := replicas[1].client.CreateWebhook(context.Background(), plain); err != nil {
		t.Fatalf("with Redis down, a call without a request_id failed: %v", err)
	}
	code, _ := replicas[1].get(t, "/readyz")
	if got := readyDetail(t, replicas[1])["request_id_store"]; code != http.StatusOK || got != "redis: unreachable" {
		t.Fatalf("/readyz with Redis down = %d, request_id_store %q; want 200 and %q", code, got, "redis: unreachable")
	}
	if _, metrics := replicas[0].get(t, "/metrics"); !strings.Contains(metrics, "telegent_facade_request_id_store_up 0") {
		t.Fatal("/metrics does not show the request-id store down")
	}
}

// TestRequestIDInMemory checks the default store: a repeat on the same
// replica is answered from the first call, including a definite failure.
func TestRequestIDInMemory(t *testing.T) {
	t.Parallel()
	s := startSim(t)
	f := startFacade(t, s.url, nil)
	ok := basicReq(uniqueURL(t, ""))
	ok.RequestId = uuid.NewString()
	first, err := f.client.CreateWebhook(context.Background(), ok)
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.client.CreateWebhook(context.Background(), ok)
	if err != nil || !proto.Equal(first.GetWebhook(), again.GetWebhook()) || first.GetReplayed() || !again.GetReplayed() {
		t.Fatalf("repeat = %v, %v; want the first answer %v, marked replayed", again, err, first)
	}
	conflict := basicReq(uniqueURL(t, "status:409") + "&conflict")
	conflict.RequestId = uuid.NewString()
	for range 2 {
		_, err := f.client.CreateWebhook(context.Background(), conflict)
		if st := status.Convert(err); st.Code() != codes.AlreadyExists {
			t.Fatalf("conflict = %v, want ALREADY_EXISTS both times", err)
		}
	}
	byURL := createsByURL(t, s)
	if byURL[ok.GetWebhookUrl()] != 1 {
		t.Fatalf("creates for the repeated request = %d, want 1", byURL[ok.GetWebhookUrl()])
	}
	if c := s.counters(t); c.CreatesAttempted != 2 {
		t.Fatalf("Telegent saw %d create requests, want 2 (one per request_id)", c.CreatesAttempted)
	}
	if got := readyDetail(t, f)["request_id_store"]; got != "memory" {
		t.Fatalf("/readyz request_id_store = %q, want memory", got)
	}
}

func readyDetail(t *testing.T, f *facade) map[string]string {
	t.Helper()
	_, body := f.get(t, "/readyz")
	var detail map[string]string
	if err := json.Unmarshal([]byte(body), &detail); err != nil {
		t.Fatalf("/readyz body %q: %v", body, err)
	}
	return detail
}
