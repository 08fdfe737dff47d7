package server

import (
	"context"
	"fmt"
	"net/http"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// Tracing has two modes. With an OTLP endpoint, otelgrpc, otelhttp and the
// otelhttp transport record spans for every call and carry the trace
// context. Without one, which is the default, the facade still carries the
// caller's W3C trace context (traceparent, tracestate, baggage) to Telegent,
// but without those wrappers: with no span to record they would still cost
// several allocations per call and stats event, a clone of every upstream
// request, and, because their body wrapper hides the in-memory body from
// net/http, a second write system call per upstream request. Instead,
// requestIDInterceptor and restMiddleware extract the caller's context, and
// the Telegent client injects it through upstreamHeaders.

// setupTracing installs W3C trace-context propagation always, so a caller's
// traceparent reaches Telegent even with tracing off, and an OTLP exporter
// when endpoint is set. It returns the function that flushes and stops it.
func setupTracing(ctx context.Context, endpoint, version string) (func(context.Context) error, error) {
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	if endpoint == "" {
		return func(context.Context) error { return nil }, nil
	}
	exporter, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(endpoint))
	if err != nil {
		return nil, fmt.Errorf("create OTLP exporter: %w", err)
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exporter),
		sdktrace.WithResource(resource.NewWithAttributes(semconv.SchemaURL,
			semconv.ServiceName("telegent-facade"), semconv.ServiceVersion(version))),
	)
	otel.SetTracerProvider(tp)
	return tp.Shutdown, nil
}

// grpcTracing is the gRPC server option that records a span per call when
// tracing is on, and nothing otherwise.
func grpcTracing(on bool) grpc.ServerOption {
	if !on {
		return grpc.EmptyServerOption{}
	}
	return grpc.StatsHandler(otelgrpc.NewServerHandler())
}

// restTracing records a span per REST call when tracing is on.
func restTracing(on bool, h http.Handler) http.Handler {
	if !on {
		return h
	}
	return otelhttp.NewHandler(h, "rest")
}

// upstreamTransport records a span per call to Telegent when tracing is on
// (otelhttp records no bodies or headers); the span's context then replaces
// the one upstreamHeaders set.
func upstreamTransport(base http.RoundTripper, on bool) http.RoundTripper {
	if !on {
		return base
	}
	return otelhttp.NewTransport(base,
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return "telegent " + r.URL.Path }))
}

// upstreamHeaders adds to every request to Telegent the call's request id
// and trace context. It is the Telegent client's SetHeaders hook.
func upstreamHeaders(ctx context.Context, h http.Header) {
	if id := RequestID(ctx); id != "" {
		h.Set(RequestIDHeader, id)
	}
	otel.GetTextMapPropagator().Inject(ctx, propagation.HeaderCarrier(h))
}

// extractTraceContext returns ctx with the caller's trace context read from
// carrier, unless ctx already has a span: then otelgrpc or otelhttp has
// extracted it and started the server span, which must stay the parent.
func extractTraceContext(ctx context.Context, carrier propagation.TextMapCarrier) context.Context {
	if trace.SpanContextFromContext(ctx).IsValid() {
		return ctx
	}
	return otel.GetTextMapPropagator().Extract(ctx, carrier)
}

// incomingMetadata reads a gRPC call's metadata as a propagation carrier,
// one key at a time, without copying all of it.
type incomingMetadata struct{ ctx context.Context }

func (m incomingMetadata) Get(key string) string {
	if v := metadata.ValueFromIncomingContext(m.ctx, key); len(v) > 0 {
		return v[0]
	}
	return ""
}

// Set is never called: extraction only reads.
func (incomingMetadata) Set(string, string) {}

func (m incomingMetadata) Keys() []string {
	md, _ := metadata.FromIncomingContext(m.ctx)
	keys := make([]string, 0, len(md))
	for k := range md {
		keys = append(keys, k)
	}
	return keys
}
