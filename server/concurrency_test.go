package server_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/internal/example"
	"github.com/platform/telegent-facade/server"
	"github.com/platform/telegent-facade/telegentsim"
)

// TestConcurrencyIsVisible: the adaptive limit and the calls in flight show
// on /metrics and in /readyz, and follow a call held at the simulator.
func TestConcurrencyIsVisible(t *testing.T) {
	t.Parallel()
	srv := startDev(t, server.Config{}) // a ceiling of 8 calls
	base := "http://" + srv.HTTPAddr().String()
	waitFor(t, func() bool { code, _ := getJSON(t, base+"/readyz"); return code == http.StatusOK })

	_, detail := getJSON(t, base+"/readyz")
	if got := detail["upstream_concurrency"]; got != "limit 8, in flight 0" {
		t.Errorf("/readyz upstream_concurrency = %q, want %q", got, "limit 8, in flight 0")
	}
	metrics := scrape(t, base)
	for _, want := range []string{"telegent_upstream_concurrency_limit 8\n", "telegent_upstream_inflight 0\n", "telegent_upstream_paused_seconds 0\n"} {
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
	waitFor(t, func() bool {
		return strings.Contains(scrape(t, base), "telegent_upstream_inflight 1\n")
	})
	if _, detail := getJSON(t, base+"/readyz"); detail["upstream_concurrency"] != "limit 8, in flight 1" {
		t.Errorf("/readyz upstream_concurrency = %q with one call held", detail["upstream_concurrency"])
	}
	cancel()
	<-done
	waitFor(t, func() bool {
		return strings.Contains(scrape(t, base), "telegent_upstream_inflight 0\n")
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
