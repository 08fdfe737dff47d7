package service_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/google/go-cmp/cmp"

	"github.com/platform/telegent-facade/auth"
	"github.com/platform/telegent-facade/failure"
	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/idempotency"
	"github.com/platform/telegent-facade/service"
	"github.com/platform/telegent-facade/telegent"
)

// countingUpstream answers from a queue of outcomes and counts calls.
type countingUpstream struct {
	mu       sync.Mutex
	calls    int
	outcomes []error // nil: success
}

func (u *countingUpstream) CreateWebhook(_ context.Context, req *telegent.CreateWebhookRequest) (*telegent.Webhook, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.calls++
	var err error
	if len(u.outcomes) > 0 {
		err, u.outcomes = u.outcomes[0], u.outcomes[1:]
	}
	if err != nil {
		return nil, err
	}
	return &telegent.Webhook{WebhookId: fmt.Sprintf("WID-%d", u.calls), AccountId: req.AccountId, WebhookUrl: req.WebhookUrl,
		Method: req.Method, DataFormat: req.DataFormat, AuthenticationType: req.AuthenticationType,
		AuthenticationUsername: req.AuthenticationUsername, SubscribedEvents: req.SubscribedEvents, Active: ptr(true)}, nil
}

func (u *countingUpstream) UpdateWebhook(context.Context, *telegent.UpdateWebhookRequest) (*telegent.Webhook, error) {
	return nil, &telegent.Error{Kind: telegent.KindBadRequest}
}

func (u *countingUpstream) DeleteWebhook(context.Context, string, string) error {
	return &telegent.Error{Kind: telegent.KindBadRequest}
}

// ListWebhooks lists nothing: the calls counted here only create.
func (u *countingUpstream) ListWebhooks(context.Context, string) ([]*telegent.Webhook, error) {
	return nil, nil
}

func (u *countingUpstream) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.calls
}

func idempotentService(u service.Upstream) *service.Service {
	d := idempotency.New(idempotency.Config{Store: idempotency.NewMemoryStore(idempotency.MemoryConfig{})})
	return service.New(u, nil, service.WithIdempotency(d, idempotency.NewFingerprinter([]byte("test secret"))))
}

func idemRequest(id string) *webhookv1.CreateWebhookRequest {
	return &webhookv1.CreateWebhookRequest{
		AccountId: "AID-1", WebhookUrl: "https://h.example/x", AuthenticationType: webhookv1.AuthenticationType_AUTHENTICATION_TYPE_BASIC,
		AuthenticationUsername: "u", AuthenticationPassword: "p",
		SubscribedEvents: []webhookv1.WebhookEvent{webhookv1.WebhookEvent_WEBHOOK_EVENT_ORDER_UPDATE}, RequestId: id,
	}
}

const reqID = "8b9c3f2e-4d5a-4b6c-8d7e-9f0a1b2c3d4e"

func TestRequestIDRepeatReturnsFirstAnswer(t *testing.T) {
	t.Parallel()
	u := &countingUpstream{}
	svc := idempotentService(u)
	ctx := context.Background()
	first, err := svc.CreateWebhook(ctx, idemRequest(reqID))
	if err != nil {
		t.Fatal(err)
	}
	again, err := svc.CreateWebhook(ctx, idemRequest(reqID))
	if err != nil {
		t.Fatal(err)
	}
	if first.GetReplayed() || !again.GetReplayed() {
		t.Errorf("replayed: first %v, repeat %v; want false, true", first.GetReplayed(), again.GetReplayed())
	}
	if diff := cmp.Diff(first, again, protocmp.Transform(), protocmp.IgnoreFields(&webhookv1.CreateWebhookResponse{}, "replayed")); diff != "" {
		t.Fatalf("repeat answered differently (-first +repeat):\n%s", diff)
	}
	if n := u.count(); n != 1 {
		t.Fatalf("Telegent called %d times, want 1", n)
	}
	// Without a request id, every call creates.
	for range 2 {
		if _, err := svc.CreateWebhook(ctx, idemRequest("")); err != nil {
			t.Fatal(err)
		}
	}
	if n := u.count(); n != 3 {
		t.Fatalf("Telegent called %d times, want 3", n)
	}
}

func TestRequestIDConcurrentRepeatsCreateOnce(t *testing.T) {
	t.Parallel()
	u := &countingUpstream{}
	svc := idempotentService(u)
	var wg sync.WaitGroup
	var ids sync.Map
	var failed atomic.Int32
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := svc.CreateWebhook(context.Background(), idemRequest(reqID))
			if err != nil {
				failed.Add(1)
				return
			}
			ids.Store(resp.GetWebhook().GetWebhookId(), true)
		}()
	}
	wg.Wait()
	n := 0
	ids.Range(func(any, any) bool { n++; return true })
	if failed.Load() != 0 || n != 1 || u.count() != 1 {
		t.Fatalf("failed %d, distinct webhooks %d, Telegent calls %d; want 0, 1, 1", failed.Load(), n, u.count())
	}
}

func TestRequestIDReusedWithAnotherRequest(t *testing.T) {
	t.Parallel()
	u := &countingUpstream{}
	svc := idempotentService(u)
	ctx := context.Background()
	if _, err := svc.CreateWebhook(ctx, idemRequest(reqID)); err != nil {
		t.Fatal(err)
	}
	other := idemRequest(reqID)
	other.AuthenticationPassword = "another password"
	_, err := svc.CreateWebhook(ctx, other)
	st := status.Convert(err)
	if st.Code() != codes.InvalidArgument || reasonOf(st) != failure.ReasonRequestIDReused {
		t.Fatalf("reuse = %v (reason %q), want INVALID_ARGUMENT %s", err, reasonOf(st), failure.ReasonRequestIDReused)
	}
	var field string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok && len(br.GetFieldViolations()) == 1 {
			field = br.GetFieldViolations()[0].GetField()
		}
	}
	if field != "request_id" {
		t.Fatalf("field violation names %q, want request_id", field)
	}
	if u.count() != 1 {
		t.Fatalf("Telegent called %d times, want 1", u.count())
	}
}

func TestRequestIDBelongsToItsCaller(t *testing.T) {
	t.Parallel()
	u := &countingUpstream{}
	svc := idempotentService(u)
	alice := auth.WithIdentity(context.Background(), auth.Identity{Caller: "alice", Method: auth.MethodToken})
	bob := auth.WithIdentity(context.Background(), auth.Identity{Caller: "bob", Method: auth.MethodToken})
	a, err := svc.CreateWebhook(alice, idemRequest(reqID))
	if err != nil {
		t.Fatal(err)
	}
	b, err := svc.CreateWebhook(bob, idemRequest(reqID))
	if err != nil {
		t.Fatal(err)
	}
	if a.GetWebhook().GetWebhookId() == b.GetWebhook().GetWebhookId() || u.count() != 2 {
		t.Fatalf("two callers with one id got %s and %s after %d creates; want two webhooks",
			a.GetWebhook().GetWebhookId(), b.GetWebhook().GetWebhookId(), u.count())
	}
}

func TestRequestIDRemembersDefiniteAndUnknownOutcomes(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		first     error
		code      codes.Code
		remember  bool
		wantCalls int // after the first call and one repeat
	}{
		"Telegent conflict is remembered": {
			first: &telegent.Error{Kind: telegent.KindConflict, Op: telegent.OpCreateWebhook, StatusCode: 409},
			code:  codes.AlreadyExists, remember: true, wantCalls: 1,
		},
		// The list shows no webhook from the first attempt, so the repeat
		// makes the second (see TestRequestIDRecovers* for the others).
		"outcome unknown is resolved by the repeat": {
			first: &telegent.Error{Kind: telegent.KindConnection, Op: telegent.OpCreateWebhook, OutcomeUnknown: true},
			code:  codes.Unavailable, remember: false, wantCalls: 2,
		},
		"a 503 that created nothing is tried again": {
			first: &telegent.Error{Kind: telegent.KindUpstreamUnavailable, Op: telegent.OpCreateWebhook, StatusCode: 503},
			code:  codes.Unavailable, remember: false, wantCalls: 2,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			u := &countingUpstream{outcomes: []error{tc.first}}
			svc := idempotentService(u)
			_, err := svc.CreateWebhook(context.Background(), idemRequest(reqID))
			if status.Code(err) != tc.code {
				t.Fatalf("first call = %v, want %v", err, tc.code)
			}
			resp, again := svc.CreateWebhook(context.Background(), idemRequest(reqID))
			if tc.remember {
				if !proto.Equal(status.Convert(again).Proto(), status.Convert(err).Proto()) {
					t.Fatalf("repeat = %v, want the first call's failure %v", again, err)
				}
			} else if again != nil || resp.GetWebhook().GetWebhookId() == "" {
				t.Fatalf("repeat = %v, %v; want a new attempt that succeeds", resp, again)
			}
			if u.count() != tc.wantCalls {
				t.Fatalf("Telegent called %d times, want %d", u.count(), tc.wantCalls)
			}
		})
	}
}

func reasonOf(st *status.Status) string {
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info.GetReason()
		}
	}
	return ""
}
