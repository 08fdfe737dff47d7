package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"go.opentelemetry.io/otel/propagation"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
)

// chainedService serves REST calls through the same interceptor chain as
// the gRPC server. The gateway calls it in-process (no second network hop);
// without it, grpc-gateway's in-process registration would skip every
// interceptor: validation, recovery, logging and metrics.
type chainedService struct {
	webhookv1.UnimplementedWebhookServiceServer
	create grpc.UnaryHandler
}

func newChainedService(srv webhookv1.WebhookServiceServer, interceptors []grpc.UnaryServerInterceptor) *chainedService {
	info := &grpc.UnaryServerInfo{Server: srv, FullMethod: webhookv1.WebhookService_CreateWebhook_FullMethodName}
	handler := func(ctx context.Context, req any) (any, error) {
		return srv.CreateWebhook(ctx, req.(*webhookv1.CreateWebhookRequest))
	}
	return &chainedService{create: chainUnary(info, handler, interceptors...)}
}

func (c *chainedService) CreateWebhook(ctx context.Context, req *webhookv1.CreateWebhookRequest) (*webhookv1.CreateWebhookResponse, error) {
	resp, err := c.create(ctx, req)
	if err != nil {
		return nil, err
	}
	return resp.(*webhookv1.CreateWebhookResponse), nil
}

// newGateway builds the REST mux. JSON uses the proto3 mapping
// (lowerCamelCase names, enums by name); every field is emitted, so clients
// see defaults explicitly; unknown fields are refused rather than dropped,
// so a misspelt field (say "authenticationPasword") is an error, not a
// silently different request.
func newGateway(ctx context.Context, srv webhookv1.WebhookServiceServer) (*runtime.ServeMux, error) {
	mux := runtime.NewServeMux(
		runtime.WithMarshalerOption(runtime.MIMEWildcard, restJSON{&runtime.JSONPb{
			MarshalOptions:   protojson.MarshalOptions{EmitUnpopulated: true},
			UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
		}}),
		// Request id and trace context are handled by the HTTP layer; no
		// other header becomes gRPC metadata, and no metadata becomes a
		// response header.
		runtime.WithIncomingHeaderMatcher(func(string) (string, bool) { return "", false }),
		runtime.WithOutgoingHeaderMatcher(func(string) (string, bool) { return "", false }),
		runtime.WithOutgoingTrailerMatcher(func(string) (string, bool) { return "", false }),
		runtime.WithErrorHandler(restErrorHandler),
		runtime.WithRoutingErrorHandler(restRoutingErrorHandler),
	)
	if err := webhookv1.RegisterWebhookServiceHandlerServer(ctx, mux, srv); err != nil {
		return nil, err
	}
	return mux, nil
}

// restMiddleware gives every REST call its request id and call record,
// takes the caller's trace context unless otelhttp already did, bounds the
// body, and logs the calls that never reached the gRPC chain
// (malformed JSON, unknown fields, oversized bodies, wrong routes).
func restMiddleware(next http.Handler, maxBody int64, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		c := &call{requestID: cleanRequestID(r.Header.Get(RequestIDHeader)), protocol: protocolREST}
		w.Header().Set(RequestIDHeader, c.requestID)
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		if r.ContentLength > maxBody {
			writeStatus(rec, r, status.New(codes.InvalidArgument, "request body is too large"), http.StatusRequestEntityTooLarge)
		} else {
			r.Body = http.MaxBytesReader(rec, r.Body, maxBody)
			ctx := extractTraceContext(r.Context(), propagation.HeaderCarrier(r.Header))
			next.ServeHTTP(rec, r.WithContext(withCall(ctx, c)))
		}
		if !c.logged.Load() {
			logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("method", r.Method+" "+r.URL.Path),
				slog.Int("http_status", rec.status),
				slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
				slog.String("protocol", protocolREST),
				slog.String("request_id", c.requestID),
			)
		}
	})
}

// writeStatus answers with a google.rpc.Status JSON body, as the gateway
// does for its own errors.
func writeStatus(w http.ResponseWriter, r *http.Request, st *status.Status, httpStatus int) {
	body, err := protojson.Marshal(st.Proto())
	if err != nil {
		http.Error(w, http.StatusText(httpStatus), httpStatus)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(httpStatus)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// restErrorHandler is the gateway's default error handler, except that a
// body cut off by the size limit is answered 413 rather than 400.
func restErrorHandler(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) || strings.Contains(status.Convert(err).Message(), "http: request body too large") {
		writeStatus(w, r, status.New(codes.InvalidArgument, "request body is too large"), http.StatusRequestEntityTooLarge)
		return
	}
	setRetryAfter(w, status.Convert(err))
	runtime.DefaultHTTPErrorHandler(ctx, mux, m, w, r, err)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
