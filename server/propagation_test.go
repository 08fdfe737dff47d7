package server_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/server"
	"github.com/platform/telegent-facade/telegentsim"
)

// headerLog records the headers of every create call the simulator gets.
type headerLog struct {
	mu      sync.Mutex
	headers []http.Header
}

func (l *headerLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/webhook/create") {
			l.mu.Lock()
			l.headers = append(l.headers, r.Header.Clone())
			l.mu.Unlock()
		}
		next.ServeHTTP(w, r)
	})
}

func (l *headerLog) last() http.Header {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.headers[len(l.headers)-1]
}

// startServer runs the facade in-process on loopback against upstream.
func startServer(t *testing.T, upstream string) *server.Server {
	t.Helper()
	cfg := server.Config{
		GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", TelegentBaseURL: upstream,
		AccountKey: telegentsim.DefaultAccountKey, AccountSecret: telegentsim.DefaultAccountSecret,
		ShutdownGrace: 5 * time.Second, UpstreamTimeout: 5 * time.Second, MaxUpstream: 8,
		BreakerFailures: 5, BreakerFailureRatio: 0.5, BreakerOpenTimeout: time.Second,
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return server.StartForTest(t, cfg, slog.New(slog.DiscardHandler), nil)
}

// TestRequestIDAndTraceContextReachTelegent: the caller's request id and
// W3C trace context are carried to Telegent over both protocols; the
// caller's baggage is not.
func TestRequestIDAndTraceContextReachTelegent(t *testing.T) {
	log := &headerLog{}
	upstream := httptest.NewServer(log.wrap(telegentsim.New(telegentsim.Config{})))
	defer upstream.Close()
	srv := startServer(t, upstream.URL)

	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	traceparent := "00-" + traceID + "-00f067aa0ba902b7-01"
	req := &webhookv1.CreateWebhookRequest{AccountId: "AID-1", WebhookUrl: "https://h.example.com/x",
		SubscribedEvents: []webhookv1.WebhookEvent{webhookv1.WebhookEvent_WEBHOOK_EVENT_NEW_SMS}}

	conn, err := grpc.NewClient(srv.GRPCAddr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx := metadata.AppendToOutgoingContext(t.Context(), "x-request-id", "grpc-req-1", "traceparent", traceparent, "baggage", "user=grpc-caller-secret")
	var header metadata.MD
	if _, err := webhookv1.NewWebhookServiceClient(conn).CreateWebhook(ctx, req, grpc.Header(&header)); err != nil {
		t.Fatal(err)
	}
	checkPropagated(t, "grpc", log.last(), "grpc-req-1", traceID)
	if got := header.Get("x-request-id"); len(got) != 1 || got[0] != "grpc-req-1" {
		t.Errorf("gRPC response header x-request-id = %v", got)
	}

	body := `{"accountId":"AID-1","webhookUrl":"https://h.example.com/y","subscribedEvents":["WEBHOOK_EVENT_NEW_SMS"]}`
	httpReq, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, "http://"+srv.HTTPAddr().String()+"/v1/webhooks", strings.NewReader(body))
	httpReq.Header.Set("X-Request-Id", "rest-req-1")
	httpReq.Header.Set("Traceparent", traceparent)
	httpReq.Header.Set("Baggage", "user=rest-caller-secret")
	httpReq.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(httpReq)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("REST: %d %s", resp.StatusCode, b)
	}
	checkPropagated(t, "rest", log.last(), "rest-req-1", traceID)
	if got := resp.Header.Get("X-Request-Id"); got != "rest-req-1" {
		t.Errorf("REST response X-Request-Id = %q", got)
	}
}

func checkPropagated(t *testing.T, proto string, h http.Header, requestID, traceID string) {
	t.Helper()
	if got := h.Get("X-Request-Id"); got != requestID {
		t.Errorf("%s: Telegent saw X-Request-Id %q, want %q", proto, got, requestID)
	}
	if got := h.Get("Traceparent"); !strings.Contains(got, traceID) {
		t.Errorf("%s: Telegent saw traceparent %q, want trace id %s", proto, got, traceID)
	}
	// Baggage is the caller's to its own services, not Telegent's to read.
	if got := h.Values("Baggage"); len(got) > 0 {
		t.Errorf("%s: Telegent saw the caller's baggage %q", proto, got)
	}
}
