package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/recovery"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/platform/telegent-facade/failure"
	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/service"
)

// CorrelationIDHeader carries the correlation id between caller, facade and
// Telegent: the id that ties a call's log lines, traces and answers
// together. It is not the idempotency key, which is the request's
// request_id field (AIP-155) and is logged only as request_id_hash. In
// gRPC metadata the header is lower case.
const CorrelationIDHeader = "X-Request-Id"

const correlationIDMetadata = "x-request-id"

// Protocols a call arrives by, as logged.
const (
	protocolGRPC = "grpc"
	protocolREST = "rest"
)

// call is what the facade knows about one request while serving it.
type call struct {
	correlationID string
	protocol      string
	// caller is the authenticated caller, "" when authentication is off
	// or failed. Set by the auth interceptor, on the call's goroutine.
	caller string
	// logged is set once the request's log line is written, so that the
	// HTTP layer logs only requests the gRPC chain never saw.
	logged atomic.Bool
}

type callKey struct{}

func withCall(ctx context.Context, c *call) context.Context {
	return context.WithValue(ctx, callKey{}, c)
}

func callFrom(ctx context.Context) *call {
	c, _ := ctx.Value(callKey{}).(*call)
	return c
}

// CorrelationID returns the correlation id of the call ctx belongs to, or "".
func CorrelationID(ctx context.Context) string {
	if c := callFrom(ctx); c != nil {
		return c.correlationID
	}
	return ""
}

// cleanCorrelationID accepts a caller's correlation id if it is short and
// printable ASCII without spaces, and otherwise makes a new one, so that
// nothing hostile is logged or forwarded.
func cleanCorrelationID(id string) string {
	if id == "" || len(id) > 128 {
		return newCorrelationID()
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return newCorrelationID()
		}
	}
	return id
}

func newCorrelationID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// correlationIDInterceptor gives every gRPC call a correlation id (the caller's
// x-request-id if usable) and returns it to the caller, and takes the
// caller's trace context unless otelgrpc already did. REST calls arrive
// with their call already set by the HTTP layer.
func correlationIDInterceptor(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if callFrom(ctx) != nil {
		return handler(ctx, req)
	}
	// Single keys, not FromIncomingContext: that copies all the metadata.
	var id string
	if v := metadata.ValueFromIncomingContext(ctx, correlationIDMetadata); len(v) > 0 {
		id = v[0]
	}
	c := &call{correlationID: cleanCorrelationID(id), protocol: protocolGRPC}
	resp, err := handler(withCall(extractTraceContext(ctx, incomingMetadata{ctx}), c), req)
	// On success the id goes in the response headers. On failure it goes
	// in the trailers: response headers would commit the call, and gRPC
	// clients never retry a committed call, not even an UNAVAILABLE the
	// published retry policy allows.
	md := metadata.Pairs(correlationIDMetadata, c.correlationID)
	if err == nil {
		_ = grpc.SetHeader(ctx, md)
	} else {
		_ = grpc.SetTrailer(ctx, md)
	}
	return resp, err
}

// retryPushbackTrailer is gRPC's retry pushback trailer (gRFC A6): a
// non-negative value tells a client with a retry policy when to retry, a
// negative one tells it not to retry at all.
const retryPushbackTrailer = "grpc-retry-pushback-ms"

// retryPushbackInterceptor sets the pushback trailer of a failed call from
// its final status (failure.Pushback), whoever produced it: the service,
// a replayed answer, the guard.
func retryPushbackInterceptor(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	resp, err := handler(ctx, req)
	if err != nil {
		if pushback, ok := failure.Pushback(status.Convert(err)); ok {
			_ = grpc.SetTrailer(ctx, metadata.Pairs(retryPushbackTrailer, pushback))
		}
	}
	return resp, err
}

// loggingInterceptor writes one line per call: method, protocol, code,
// duration, upstream status and correlation id, plus the non-secret request
// fields that help operators find a call. Request bodies are never logged
// whole: they carry secrets. A call with a request_id field also logs a
// keyed hash of it (request_id_hash), and an answer replayed from
// the first call with that id is logged replayed, without an upstream
// status: Telegent was not called.
func loggingInterceptor(logger *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		start := time.Now()
		var note service.RequestIDNote
		resp, err := handler(service.WithRequestIDNote(ctx, &note), req)
		c := callFrom(ctx)
		if c != nil {
			c.logged.Store(true)
		}
		st := status.Convert(err)
		var errInfo *errdetails.ErrorInfo
		if err != nil {
			errInfo = failure.ErrorInfo(st) // decoded once: details are Any-encoded
		}
		attrs := make([]slog.Attr, 0, 13)
		attrs = append(attrs,
			slog.String("method", info.FullMethod),
			slog.String("code", st.Code().String()),
			slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
		)
		if c != nil {
			attrs = append(attrs, slog.String("protocol", c.protocol), slog.String("correlation_id", c.correlationID))
			if c.caller != "" {
				attrs = append(attrs, slog.String("caller", c.caller))
			}
		}
		// Logged whether or not the call was authenticated and valid:
		// bounded and escaped, so a caller cannot forge or flood lines.
		// Every request of the webhook service names its account.
		if r, ok := req.(interface{ GetAccountId() string }); ok {
			attrs = append(attrs, slog.String("account_id", boundedValue(r.GetAccountId())))
		}
		if r, ok := req.(interface{ GetWebhookId() string }); ok {
			attrs = append(attrs, slog.String("webhook_id", boundedValue(r.GetWebhookId())))
		}
		if r, ok := req.(*webhookv1.CreateWebhookRequest); ok {
			attrs = append(attrs, slog.String("webhook_host", boundedValue(urlHost(r.GetWebhookUrl()))))
		}
		if r, ok := resp.(*webhookv1.CreateWebhookResponse); ok && r.GetRecovered() {
			attrs = append(attrs, slog.Bool("recovered", true))
		}
		if sc := trace.SpanContextFromContext(ctx); sc.IsValid() && trace.SpanFromContext(ctx).IsRecording() {
			attrs = append(attrs, slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
		}
		// Health probes come every few seconds from every kubelet and load
		// balancer, and never reach Telegent.
		probe := strings.HasPrefix(info.FullMethod, "/"+healthpb.Health_ServiceDesc.ServiceName+"/")
		if note.KeyHash != "" {
			attrs = append(attrs, slog.String("request_id_hash", note.KeyHash))
		}
		if note.Replayed {
			attrs = append(attrs, slog.Bool("replayed", true))
		} else if up := upstreamStatus(st, errInfo, resp); up != "" && !probe {
			attrs = append(attrs, slog.String("upstream_status", up))
		}
		level := slog.LevelInfo
		if probe {
			level = slog.LevelDebug
		}
		if err != nil {
			attrs = append(attrs, slog.String("error", st.Message()))
			if errInfo != nil {
				attrs = append(attrs, slog.String("reason", errInfo.GetReason()))
				if errInfo.GetMetadata()[failure.MetadataOutcomeUnknown] == "true" {
					attrs = append(attrs, slog.Bool("outcome_unknown", true))
				}
			}
			if l := failure.LogLevel(st); l > slog.LevelInfo {
				level = l
			}
		}
		logger.LogAttrs(ctx, level, "request", attrs...)
		return resp, err
	}
}

// urlHost is the host of a webhook URL: the path and query may carry
// secrets of the webhook's owner, so only the host is logged.
func urlHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// maxLoggedRunes bounds a caller's value in a log line.
const maxLoggedRunes = 128

// boundedValue is s made safe for a log line: at most maxLoggedRunes
// runes, and control, format (bidi) and invalid characters escaped as
// \uXXXX, so that a value can neither flood the log nor reorder or forge
// what a reader sees.
func boundedValue(s string) string {
	if len(s) <= maxLoggedRunes && !strings.ContainsFunc(s, needsEscape) {
		return s
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == maxLoggedRunes {
			b.WriteString("…")
			break
		}
		n++
		if needsEscape(r) {
			fmt.Fprintf(&b, "\\u%04x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func needsEscape(r rune) bool {
	return r == utf8.RuneError || unicode.In(r, unicode.Cc, unicode.Cf)
}

// upstreamStatus is the upstream status to log: info's (the error's
// google.rpc.ErrorInfo) when there is one, 200 for a success.
func upstreamStatus(st *status.Status, info *errdetails.ErrorInfo, resp any) string {
	if info != nil {
		return info.GetMetadata()[failure.MetadataUpstreamStatus]
	}
	if st.Code() == codes.OK && resp != nil {
		return "200"
	}
	return ""
}

// recoveryInterceptor turns a panic into INTERNAL and logs its stack; the
// request itself is not logged (it may hold secrets).
func recoveryInterceptor(logger *slog.Logger) grpc.UnaryServerInterceptor {
	return recovery.UnaryServerInterceptor(recovery.WithRecoveryHandlerContext(func(ctx context.Context, p any) error {
		logger.ErrorContext(ctx, "panic while serving a call", slog.String("correlation_id", CorrelationID(ctx)),
			slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
		return status.Error(codes.Internal, "internal error")
	}))
}
