package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"go.opentelemetry.io/contrib/exporters/autoexport"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
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
// caller's W3C trace context (traceparent, tracestate) to Telegent,
// but without those wrappers: with no span to record they would still cost
// several allocations per call and stats event, a clone of every upstream
// request, and, because their body wrapper hides the in-memory body from
// net/http, a second write system call per upstream request. Instead,
// correlationIDInterceptor and restMiddleware extract the caller's context, and
// the Telegent client injects it through upstreamHeaders.

// tracingWanted reports whether tracing is on: when any standard setting
// names where spans go (OTEL_TRACES_EXPORTER other than none, console
// included; OTEL_EXPORTER_OTLP_ENDPOINT or --otlp-endpoint, given as
// endpoint; OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), unless OTEL_SDK_DISABLED
// is true.
func tracingWanted(endpoint string) bool {
	if strings.EqualFold(os.Getenv("OTEL_SDK_DISABLED"), "true") {
		return false
	}
	switch exporter := os.Getenv("OTEL_TRACES_EXPORTER"); exporter {
	case "none":
		return false
	case "":
		return endpoint != "" || os.Getenv(otlpTracesEndpointEnv) != ""
	default:
		return true
	}
}

// otlpTracesEndpointEnv is the standard variable for the OTLP endpoint of
// traces alone.
const otlpTracesEndpointEnv = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"

// setupTracing installs W3C trace-context propagation always, so a caller's
// traceparent reaches Telegent even with tracing off, and, when on (see
// tracingWanted), a span exporter configured the standard way: by the OTEL_*
// environment variables (OTEL_TRACES_EXPORTER, OTEL_EXPORTER_OTLP_PROTOCOL,
// _HEADERS, _TIMEOUT, _CERTIFICATE, ...; an http:// endpoint means
// plaintext), with the resource's service.name and service.version
// overridable by OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES. Exporter
// errors go to logger. It returns the function that flushes and stops it.
func setupTracing(ctx context.Context, on bool, endpoint, version string, logger *slog.Logger) (func(context.Context) error, error) {
	otel.SetTextMapPropagator(propagation.TraceContext{})
	if !on {
		return func(context.Context) error { return nil }, nil
	}
	for _, e := range []string{endpoint, os.Getenv(otlpTracesEndpointEnv)} {
		if err := checkOTLPEndpoint(e); err != nil {
			return nil, fmt.Errorf("check OTLP endpoint: %w", err)
		}
	}
	// --otlp-endpoint is another way to set the standard variable, which
	// the OTLP exporters read along with the others.
	if endpoint != "" && os.Getenv(otlpEndpointEnv) != endpoint {
		if err := os.Setenv(otlpEndpointEnv, endpoint); err != nil {
			return nil, fmt.Errorf("set %s: %w", otlpEndpointEnv, err)
		}
	}
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		logger.Warn("tracing: exporting spans failed", slog.Any("error", err))
	}))
	exporter, err := autoexport.NewSpanExporter(ctx, autoexport.WithFallbackSpanExporter(otlpSpanExporter))
	if err != nil {
		return nil, fmt.Errorf("create span exporter: %w", err)
	}
	// Later detectors override earlier ones: the environment wins over the
	// built-in name and version.
	res, err := resource.New(ctx,
		resource.WithTelemetrySDK(),
		resource.WithAttributes(semconv.ServiceName("telegent-facade"), semconv.ServiceVersion(version)),
		resource.WithFromEnv(),
	)
	if err != nil {
		return nil, fmt.Errorf("describe the trace resource: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter), sdktrace.WithResource(res))
	otel.SetTracerProvider(tp)
	return tp.Shutdown, nil
}

// otlpEndpointEnv is the standard variable for the OTLP endpoint of every
// signal.
const otlpEndpointEnv = "OTEL_EXPORTER_OTLP_ENDPOINT"

// otlpSpanExporter is the exporter when OTEL_TRACES_EXPORTER is unset: OTLP
// over OTEL_EXPORTER_OTLP_TRACES_PROTOCOL or OTEL_EXPORTER_OTLP_PROTOCOL.
// Unset, that is grpc, the facade's protocol before these variables were
// read, rather than the specification's http/protobuf.
func otlpSpanExporter(ctx context.Context) (sdktrace.SpanExporter, error) {
	protocol := os.Getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if protocol == "" {
		protocol = os.Getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	switch protocol {
	case "", "grpc":
		return otlptracegrpc.New(ctx)
	case "http/protobuf":
		return otlptracehttp.New(ctx)
	default:
		return nil, fmt.Errorf("OTLP protocol %q: want grpc or http/protobuf", protocol)
	}
}

// checkOTLPEndpoint accepts what the OpenTelemetry specification allows for
// OTEL_EXPORTER_OTLP_ENDPOINT: an absolute http:// (plaintext) or https://
// URL with a host. A bare host:port, which some exporters used to take,
// would otherwise fail only when the first spans are sent.
func checkOTLPEndpoint(endpoint string) error {
	if endpoint == "" {
		return nil
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return fmt.Errorf("%q: %w", endpoint, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q: want a URL such as http://collector:4317 (plaintext) or https://collector:4317", endpoint)
	}
	return nil
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
	// The route is known only once the gateway has matched it: the span
	// starts named by the method alone, restSpanName renames it and
	// records the route where otelhttp's final renaming finds it.
	traced := otelhttp.NewHandler(h, "rest", otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
		if route, _ := r.Context().Value(restRouteKey{}).(*string); route != nil && *route != "" {
			return r.Method + " " + *route
		}
		return r.Method
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		traced.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), restRouteKey{}, new(string))))
	})
}

// restRouteKey holds a *string, the REST route matched, while tracing.
type restRouteKey struct{}

// restSpanName is the gateway middleware that names a REST call's server
// span by its route, e.g. "POST /v1/webhooks", and sets http.route: the
// route's pattern, never the path, which may carry ids.
func restSpanName(next runtime.HandlerFunc) runtime.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, pathParams map[string]string) {
		if span := trace.SpanFromContext(r.Context()); span.IsRecording() {
			if p, ok := runtime.HTTPPattern(r.Context()); ok {
				route := p.String()
				if holder, _ := r.Context().Value(restRouteKey{}).(*string); holder != nil {
					*holder = route
				}
				span.SetName(r.Method + " " + route)
				span.SetAttributes(semconv.HTTPRoute(route))
			}
		}
		next(w, r, pathParams)
	}
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

// upstreamHeaders adds to every request to Telegent the call's correlation id
// and trace context. It is the Telegent client's SetHeaders hook.
func upstreamHeaders(ctx context.Context, h http.Header) {
	if id := CorrelationID(ctx); id != "" {
		h.Set(CorrelationIDHeader, id)
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
