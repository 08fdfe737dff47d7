package server

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

const (
	testTraceID     = "4bf92f3577b34da6a3ce929d0e0e4736"
	testTraceparent = "00-" + testTraceID + "-00f067aa0ba902b7-01"
)

// incoming is a caller's context as restMiddleware builds it: the call
// record and the trace context taken from the caller's headers.
func incoming(t *testing.T) context.Context {
	t.Helper()
	if _, err := setupTracing(t.Context(), false, "", "test", slog.New(slog.DiscardHandler)); err != nil { // installs the propagator
		t.Fatal(err)
	}
	h := http.Header{"Traceparent": {testTraceparent}, "Baggage": {"tenant=blue"}}
	ctx := extractTraceContext(t.Context(), propagation.HeaderCarrier(h))
	return withCall(ctx, &call{correlationID: "req-1", protocol: protocolREST})
}

// TestUpstreamHeadersWithTracingOff: with no span recorded, the caller's
// trace context reaches Telegent unchanged, with the request id; the
// caller's baggage does not.
func TestUpstreamHeadersWithTracingOff(t *testing.T) {
	h := http.Header{}
	upstreamHeaders(incoming(t), h)
	if got := h.Get(CorrelationIDHeader); got != "req-1" {
		t.Errorf("X-Request-Id = %q", got)
	}
	if got := h.Get("Traceparent"); got != testTraceparent {
		t.Errorf("traceparent = %q, want the caller's %q", got, testTraceparent)
	}
	if got := h.Get("Baggage"); got != "" {
		t.Errorf("baggage = %q, want none", got)
	}
}

// TestExtractKeepsTheServerSpan: when otelgrpc or otelhttp has started a
// server span, the caller's headers are not extracted over it.
func TestExtractKeepsTheServerSpan(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	defer func() { _ = tp.Shutdown(context.Background()) }()
	ctx, span := tp.Tracer("test").Start(t.Context(), "server")
	defer span.End()
	h := http.Header{"Traceparent": {testTraceparent}}
	got := trace.SpanContextFromContext(extractTraceContext(ctx, propagation.HeaderCarrier(h)))
	if got.SpanID() != span.SpanContext().SpanID() {
		t.Errorf("span %v replaced by the caller's", got)
	}
}

// headerRecorder records the headers of the requests it is given.
type headerRecorder struct{ got http.Header }

func (r *headerRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.got = req.Header.Clone()
	return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: req}, nil
}

// TestUpstreamHeadersWithTracingOn: with tracing on, the upstream call is a
// span of its own in the caller's trace, and that span's context is what
// Telegent sees.
func TestUpstreamHeadersWithTracingOn(t *testing.T) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	old := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	defer otel.SetTracerProvider(old)
	// The server span otelhttp (or otelgrpc) starts for the call.
	ctx, server := tp.Tracer("test").Start(incoming(t), "rest")
	defer server.End()

	rec := &headerRecorder{}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://127.0.0.1:1/v1.0/webhook/create", http.NoBody)
	if err != nil {
		t.Fatal(err)
	}
	upstreamHeaders(ctx, req.Header) // as the Telegent client does
	resp, err := upstreamTransport(rec, true).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	got := rec.got.Get("Traceparent")
	if !strings.Contains(got, testTraceID) || got == testTraceparent || strings.Contains(got, server.SpanContext().SpanID().String()) {
		t.Errorf("traceparent = %q, want trace %s with the client span's id", got, testTraceID)
	}
	if rec.got.Get(CorrelationIDHeader) != "req-1" {
		t.Errorf("X-Request-Id = %q", rec.got.Get(CorrelationIDHeader))
	}
}
