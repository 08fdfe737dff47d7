package server

import (
	"context"
	"fmt"
	"net/http"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
)

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

// upstreamTransport adds the request id to every call to Telegent and
// propagates the trace context (otelhttp records no bodies or headers).
func upstreamTransport(base http.RoundTripper) http.RoundTripper {
	return otelhttp.NewTransport(requestIDTransport{base: base},
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return "telegent " + r.URL.Path }))
}

type requestIDTransport struct{ base http.RoundTripper }

func (t requestIDTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if id := RequestID(r.Context()); id != "" {
		r = r.Clone(r.Context())
		r.Header.Set(RequestIDHeader, id)
	}
	return t.base.RoundTrip(r)
}
