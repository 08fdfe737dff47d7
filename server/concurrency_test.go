package server_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/internal/example"
	"github.com/platform/telegent-facade/internal/testutil"
	"github.com/platform/telegent-facade/server"
	"github.com/platform/telegent-facade/telegentsim"
)

// TestConcurrencyIsVisible: the adaptive limit and the calls in flight show
// on /metrics and in /readyz, and follow a call held at the simulator.
func TestConcurrencyIsVisible(t *testing.T) {
	t.Parallel()
	srv := startDev(t, server.Config{}) // a ceiling of 8 calls
	base := "http://" + srv.HTTPAddr().String()
	testutil.Poll(t, 30*time.Second, "/readyz is 200", func() bool { code, _ := getJSON(t, base+"/readyz"); return code == http.StatusOK })

	_, detail := getJSON(t, base+"/readyz")
	if got := detail["upstream_concurrency"]; got != "limit 8, in flight 0" {
		t.Errorf("/readyz upstream_concurrency = %q, want %q", got, "limit 8, in flight 0")
	}
	metrics := scrape(t, base)
	for _, want := range []string{"telegent_facade_upstream_concurrency_limit 8\n", "telegent_facade_upstream_inflight 0\n", "telegent_facade_upstream_paused_seconds 0\n"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", strings.TrimSpace(want))
		}
	}

	// One call held at the simulator until canceled.
	conn, err := grpc.NewClient(srv.GRPCAddr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := example.Request()
	req.WebhookUrl = telegentsim.FaultURL(req.WebhookUrl, telegentsim.Faults{Latency: time.Hour})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = webhookv1.NewWebhookServiceClient(conn).CreateWebhook(ctx, req)
	}()
	testutil.Poll(t, 30*time.Second, "one call in flight", func() bool {
		return strings.Contains(scrape(t, base), "telegent_facade_upstream_inflight 1\n")
	})
	if _, detail := getJSON(t, base+"/readyz"); detail["upstream_concurrency"] != "limit 8, in flight 1" {
		t.Errorf("/readyz upstream_concurrency = %q with one call held", detail["upstream_concurrency"])
	}
	cancel()
	<-done
	testutil.Poll(t, 30*time.Second, "no call in flight", func() bool {
		return strings.Contains(scrape(t, base), "telegent_facade_upstream_inflight 0\n")
	})
}

func scrape(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read /metrics: %v", err)
	}
	return string(b)
}

// TestShedsWhenFull: with every slot taken, a call waits its 250 ms and is
// refused over REST (429, FACADE_OVERLOADED, Retry-After) and gRPC
// (RESOURCE_EXHAUSTED), and nothing more reaches Telegent.
func TestShedsWhenFull(t *testing.T) {
	t.Parallel()
	sim := telegentsim.New(telegentsim.Config{})
	ts := httptest.NewServer(sim)
	defer ts.Close()
	srv := startServer(t, ts.URL) // a ceiling of 8 calls
	base := "http://" + srv.HTTPAddr().String()
	conn, err := grpc.NewClient(srv.GRPCAddr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := webhookv1.NewWebhookServiceClient(conn)

	held := example.Request()
	held.WebhookUrl = telegentsim.FaultURL(held.WebhookUrl, telegentsim.Faults{Latency: time.Hour})
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { _, _ = client.CreateWebhook(ctx, held) })
	}
	defer func() {
		cancel()
		wg.Wait()
	}()
	testutil.Poll(t, 30*time.Second, "eight calls in flight", func() bool { return strings.Contains(scrape(t, base), "telegent_facade_upstream_inflight 8\n") })

	body, err := protojson.Marshal(example.Request())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(base+"/v1/webhooks", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" || !strings.Contains(string(answer), `"FACADE_OVERLOADED"`) {
		t.Errorf("REST with every slot taken: %d, Retry-After %q, body %s; want 429, 1, reason FACADE_OVERLOADED", resp.StatusCode, resp.Header.Get("Retry-After"), answer)
	}

	_, err = client.CreateWebhook(t.Context(), example.Request())
	st := status.Convert(err)
	reason := ""
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			reason = info.GetReason()
		}
	}
	if st.Code() != codes.ResourceExhausted || reason != "FACADE_OVERLOADED" {
		t.Errorf("gRPC with every slot taken: %v (reason %q), want RESOURCE_EXHAUSTED, FACADE_OVERLOADED", err, reason)
	}
	if got := sim.Counters().CreatesAttempted; got != 8 {
		t.Errorf("creates at Telegent = %d, want the 8 held: a refused call was sent", got)
	}
	if !strings.Contains(scrape(t, base), `telegent_facade_upstream_rejections_total{reason="overloaded"} 2`) {
		t.Error(`/metrics lacks telegent_facade_upstream_rejections_total{reason="overloaded"} 2`)
	}
}
