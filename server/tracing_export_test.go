package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	collectortracev1 "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonv1 "go.opentelemetry.io/proto/otlp/common/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/internal/buildinfo"
	"github.com/platform/telegent-facade/internal/testutil"
	"github.com/platform/telegent-facade/server"
)

// otlpReceiver is a minimal OpenTelemetry collector: it keeps every span it
// is sent over OTLP/gRPC, with its resource's attributes.
type otlpReceiver struct {
	collectortracev1.UnimplementedTraceServiceServer
	mu    sync.Mutex
	spans []receivedSpan
}

type receivedSpan struct {
	name     string
	resource map[string]string
}

func (r *otlpReceiver) Export(_ context.Context, req *collectortracev1.ExportTraceServiceRequest) (*collectortracev1.ExportTraceServiceResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rs := range req.GetResourceSpans() {
		attrs := attributes(rs.GetResource().GetAttributes())
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				r.spans = append(r.spans, receivedSpan{name: s.GetName(), resource: attrs})
			}
		}
	}
	return &collectortracev1.ExportTraceServiceResponse{}, nil
}

func (r *otlpReceiver) received() []receivedSpan {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]receivedSpan(nil), r.spans...)
}

func attributes(kvs []*commonv1.KeyValue) map[string]string {
	m := map[string]string{}
	for _, kv := range kvs {
		m[kv.GetKey()] = kv.GetValue().GetStringValue()
	}
	return m
}

// TestTracingExportsToAStandardCollector: with OTEL_EXPORTER_OTLP_ENDPOINT
// set to a plaintext http:// URL, the facade exports its spans to an OTLP
// receiver, under the service name from OTEL_SERVICE_NAME and the build's
// version; exporter errors are logged as JSON.
func TestTracingExportsToAStandardCollector(t *testing.T) {
	var lc net.ListenConfig
	lis, err := lc.Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	receiver := &otlpReceiver{}
	collector := grpc.NewServer()
	collectortracev1.RegisterTraceServiceServer(collector, receiver)
	go func() { _ = collector.Serve(lis) }()
	defer collector.Stop()

	endpoint := "http://" + lis.Addr().String()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
	t.Setenv("OTEL_SERVICE_NAME", "facade-under-test")
	t.Setenv("OTEL_TRACES_EXPORTER", "")
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")

	cfg, err := server.LoadConfig([]string{"--dev", "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--shutdown-delay", "0s"},
		func(k string) string {
			if k == "OTEL_EXPORTER_OTLP_ENDPOINT" {
				return endpoint
			}
			return ""
		}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var logs testutil.SyncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := server.New(ctx, cfg, slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()

	conn, err := grpc.NewClient(srv.GRPCAddr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := &webhookv1.CreateWebhookRequest{AccountId: "AID-1", WebhookUrl: "https://h.example.com/traced",
		SubscribedEvents: []webhookv1.WebhookEvent{webhookv1.WebhookEvent_WEBHOOK_EVENT_NEW_SMS}}
	if _, err := webhookv1.NewWebhookServiceClient(conn).CreateWebhook(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	if _, err := healthpb.NewHealthClient(conn).Check(t.Context(), &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}

	// The exporter reports its errors through OpenTelemetry's handler.
	otel.Handle(errors.New("collector unreachable"))

	cancel() // shutdown flushes the spans
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the server did not stop")
	}

	names := map[string]bool{}
	for _, s := range receiver.received() {
		names[s.name] = true
		if got := s.resource["service.name"]; got != "facade-under-test" {
			t.Errorf("span %q: service.name = %q, want OTEL_SERVICE_NAME's", s.name, got)
		}
		if got, want := s.resource["service.version"], buildinfo.Read().Version; got != want {
			t.Errorf("span %q: service.version = %q, want %q", s.name, got, want)
		}
	}
	for _, want := range []string{"telegent.webhook.v1.WebhookService/CreateWebhook", "telegent /v1.0/webhook/create"} {
		if !names[want] {
			t.Errorf("no span %q among %v", want, names)
		}
	}
	var exportErr, create, probe map[string]any
	for line := range strings.Lines(logs.String()) {
		var l map[string]any
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Errorf("not a JSON log line: %s", line)
			continue
		}
		switch {
		case strings.Contains(fmt.Sprint(l["error"]), "collector unreachable"):
			exportErr = l
		case l["msg"] == "request" && l["method"] == webhookv1.WebhookService_CreateWebhook_FullMethodName:
			create = l
		case l["msg"] == "request" && l["method"] == healthpb.Health_Check_FullMethodName:
			probe = l
		}
	}
	if exportErr == nil || exportErr["level"] != "WARN" {
		t.Errorf("the exporter's error is not logged as a warning: %v", exportErr)
	}
	traceID, _ := create["trace_id"].(string)
	spanID, _ := create["span_id"].(string)
	if len(traceID) != 32 || len(spanID) != 16 {
		t.Errorf("the request line lacks trace_id and span_id: %v", create)
	}
	if probe == nil || probe["level"] != "DEBUG" || probe["upstream_status"] != nil {
		t.Errorf("health probe line %v: want level DEBUG and no upstream_status", probe)
	}
}

// TestMalformedOTLPEndpointIsAStartupError: the endpoint is a URL, as the
// OpenTelemetry specification has it; a bare host:port is refused at start.
func TestMalformedOTLPEndpointIsAStartupError(t *testing.T) {
	for _, endpoint := range []string{"collector:4317", "grpc://collector:4317", "http://", "http://col lector:4317"} {
		_, err := server.LoadConfig([]string{"--dev", "--otlp-endpoint", endpoint}, func(string) string { return "" }, nil)
		if err == nil || !strings.Contains(err.Error(), "--otlp-endpoint") {
			t.Errorf("--otlp-endpoint %q: err = %v, want a configuration error", endpoint, err)
		}
	}
	for _, endpoint := range []string{"http://collector:4317", "https://collector.example.com:4317"} {
		if _, err := server.LoadConfig([]string{"--dev", "--otlp-endpoint", endpoint}, func(string) string { return "" }, nil); err != nil {
			t.Errorf("--otlp-endpoint %q: %v", endpoint, err)
		}
	}
}

// TestTracingFromTheTracesEndpointAlone: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
// alone turns tracing on, and a REST call's server span is named by its
// route, not its path.
func TestTracingFromTheTracesEndpointAlone(t *testing.T) {
	var lc net.ListenConfig
	lis, err := lc.Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	receiver := &otlpReceiver{}
	collector := grpc.NewServer()
	collectortracev1.RegisterTraceServiceServer(collector, receiver)
	go func() { _ = collector.Serve(lis) }()
	defer collector.Stop()

	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_TRACES_EXPORTER", "")
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://"+lis.Addr().String())
	cfg, err := server.LoadConfig([]string{"--dev", "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--shutdown-delay", "0s"},
		func(string) string { return "" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := server.New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	body := `{"accountId":"AID-1","webhookUrl":"https://h.example.com/route","subscribedEvents":["WEBHOOK_EVENT_NEW_SMS"]}`
	resp, err := http.Post("http://"+srv.HTTPAddr().String()+"/v1/webhooks", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /v1/webhooks = %d", resp.StatusCode)
	}
	cancel() // shutdown flushes the spans
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	names := map[string]bool{}
	for _, s := range receiver.received() {
		names[s.name] = true
	}
	if !names["POST /v1/webhooks"] {
		t.Errorf("no span \"POST /v1/webhooks\" among %v", names)
	}
}
