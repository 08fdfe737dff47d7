package server_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/encoding/protojson"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/internal/example"
	"github.com/platform/telegent-facade/server"
	"github.com/platform/telegent-facade/telegentsim"
)

// startBenchServer runs the facade in-process, logging as in production
// (JSON, info) but into io.Discard, on the simulator served by httptest.
// Everything runs in the benchmark's process, so ns/op and allocs/op cover
// the client, the facade and the simulator together.
func startBenchServer(b *testing.B) *server.Server {
	b.Helper()
	sim := httptest.NewServer(telegentsim.New(telegentsim.Config{}))
	b.Cleanup(sim.Close)
	cfg := server.Config{
		GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", TelegentBaseURL: sim.URL,
		AccountKey: telegentsim.DefaultAccountKey, AccountSecret: telegentsim.DefaultAccountSecret,
		ShutdownGrace: 5 * time.Second, UpstreamTimeout: 5 * time.Second, MaxUpstream: 1024,
		BreakerFailures: 1 << 30, BreakerFailureRatio: 2, BreakerOpenTimeout: time.Second,
	}
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	return server.StartForTest(b, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)), nil)
}

// BenchmarkWholePathGRPC is one CreateWebhook over gRPC on loopback:
// generated client stub, the facade's server and interceptor chain, the
// Telegent client, and the simulator as the upstream.
func BenchmarkWholePathGRPC(b *testing.B) {
	srv := startBenchServer(b)
	conn, err := grpc.NewClient(srv.GRPCAddr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	client := webhookv1.NewWebhookServiceClient(conn)
	req := example.Request()
	ctx := context.Background()
	if _, err := client.CreateWebhook(ctx, req); err != nil { // connect and fetch the token
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := client.CreateWebhook(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWholePathREST is the same call as POST /v1/webhooks.
func BenchmarkWholePathREST(b *testing.B) {
	srv := startBenchServer(b)
	body, err := protojson.Marshal(example.Request())
	if err != nil {
		b.Fatal(err)
	}
	url := "http://" + srv.HTTPAddr().String() + "/v1/webhooks"
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	defer hc.CloseIdleConnections()
	post := func() {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("HTTP %d", resp.StatusCode)
		}
	}
	post()
	b.ReportAllocs()
	for b.Loop() {
		post()
	}
}
