package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"go.opentelemetry.io/otel/propagation"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/platform/telegent-facade/failure"
	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
)

// restJSON is the REST API's JSON: the proto3 mapping (lowerCamelCase
// names, enums by name); every field is emitted, so clients see defaults
// explicitly; unknown fields are refused rather than dropped, so a misspelt
// field (say "authenticationPasword") is an error, not a silently different
// request. Request bodies are decoded once, with protojson, which also
// refuses anything after the JSON value.
type restJSON struct{ runtime.JSONPb }

// errMalformedJSON is the text of every REST body that is not the method's
// JSON message.
var errMalformedJSON = errors.New(errBodyMalformed.Message())

func newRESTJSON() *restJSON {
	return &restJSON{runtime.JSONPb{
		MarshalOptions:   protojson.MarshalOptions{EmitUnpopulated: true},
		UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
	}}
}

// NewDecoder decodes the whole of r as one message. runtime.JSONPb's own
// decoder would scan the body with encoding/json first, then hand the value
// to protojson, and ignore what follows it.
func (m *restJSON) NewDecoder(r io.Reader) runtime.Decoder {
	return runtime.DecoderFunc(func(v any) error {
		msg, ok := v.(proto.Message)
		if !ok {
			return m.JSONPb.NewDecoder(r).Decode(v)
		}
		body, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		if len(bytes.TrimSpace(body)) == 0 {
			// An empty body is an empty request, as for JSONPb.
			return io.EOF
		}
		if m.UnmarshalOptions.Unmarshal(body, msg) != nil {
			// The generated handler puts the error's text in the answer:
			// a fixed one, not protojson's.
			return errMalformedJSON
		}
		return nil
	})
}

// newGateway builds the REST mux, whose routes call the services through
// conn (the in-process connection, inprocConn). Request id and trace context are handled by
// the HTTP layer; no other header becomes gRPC metadata, and no metadata
// becomes a response header.
func newGateway(ctx context.Context, conn grpc.ClientConnInterface) (*runtime.ServeMux, error) {
	mux := runtime.NewServeMux(
		runtime.WithMarshalerOption(runtime.MIMEWildcard, newRESTJSON()),
		runtime.WithIncomingHeaderMatcher(func(string) (string, bool) { return "", false }),
		runtime.WithOutgoingHeaderMatcher(func(string) (string, bool) { return "", false }),
		runtime.WithOutgoingTrailerMatcher(func(string) (string, bool) { return "", false }),
		runtime.WithErrorHandler(restErrorHandler),
		runtime.WithRoutingErrorHandler(restRoutingErrorHandler),
		runtime.WithMiddlewares(restSpanName),
	)
	if err := webhookv1.RegisterWebhookServiceHandlerClient(ctx, mux, webhookv1.NewWebhookServiceClient(conn)); err != nil {
		return nil, err
	}
	return mux, nil
}

// restMiddleware gives every REST call its correlation id and call record,
// takes the caller's trace context unless otelhttp already did, refuses
// bodies that are not JSON or too large, and logs the calls that never
// reached the interceptor chain (malformed JSON, unknown fields, oversized
// bodies, wrong routes), and counts them in
// telegent_facade_http_refusals_total.
func restMiddleware(next http.Handler, maxBody int64, logger *slog.Logger, m *metrics) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		c := &call{correlationID: cleanCorrelationID(r.Header.Get(CorrelationIDHeader)), protocol: protocolREST}
		w.Header().Set(CorrelationIDHeader, c.correlationID)
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		switch {
		case r.ContentLength > maxBody:
			writeStatus(rec, r, errBodyTooLarge, http.StatusRequestEntityTooLarge)
		case hasBody(r) && !isJSON(r.Header.Get("Content-Type")):
			// Only JSON: a form or text/plain post from another site's page
			// (no CORS preflight for those) must never create anything.
			writeStatus(rec, r, status.New(codes.InvalidArgument, "Content-Type must be application/json"), http.StatusUnsupportedMediaType)
		case r.Header.Get("Content-Encoding") != "":
			// A compressed body is read and decompressed here, within the
			// limit, as on the Connect path.
			st, body := readWebBody(r, maxBody)
			if st == nil && r.Header.Get("Content-Encoding") != "" {
				st = status.New(codes.InvalidArgument, "Content-Encoding must be gzip or none")
			}
			if st != nil {
				writeStatus(rec, r, st, bodyHTTPStatus(st))
				break
			}
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
			r.Header.Del("Content-Length")
			next.ServeHTTP(rec, r.WithContext(withCall(extractTraceContext(r.Context(), propagation.HeaderCarrier(r.Header)), c)))
		default:
			r.Body = http.MaxBytesReader(rec, r.Body, maxBody)
			ctx := extractTraceContext(r.Context(), propagation.HeaderCarrier(r.Header))
			next.ServeHTTP(rec, r.WithContext(withCall(ctx, c)))
		}
		if !c.logged.Load() {
			logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("method", r.Method+" "+boundedValue(r.URL.Path)),
				slog.Int("http_status", rec.status),
				slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
				slog.String("protocol", protocolREST),
				slog.String("correlation_id", c.correlationID),
			)
		}
		if !c.logged.Load() {
			m.refused(protocolREST, rec.status)
		}
	})
}

// hasBody reports whether r carries a body (of known or unknown length).
func hasBody(r *http.Request) bool {
	return r.ContentLength != 0
}

// isJSON reports whether a Content-Type is application/json, with at most
// a charset parameter.
func isJSON(contentType string) bool {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil || mediaType != "application/json" {
		return false
	}
	for name := range params {
		if name != "charset" {
			return false
		}
	}
	return true
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
// body cut off by the size limit is answered 413 rather than 400, and a
// status of the failure table gets its row's HTTP status (recovered from
// the ErrorInfo reason: the in-process hop keeps only the status).
func restErrorHandler(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
	var tooLarge *http.MaxBytesError
	st := status.Convert(err)
	if errors.As(err, &tooLarge) || strings.Contains(st.Message(), "http: request body too large") {
		writeStatus(w, r, errBodyTooLarge, http.StatusRequestEntityTooLarge)
		return
	}
	setRetryAfter(w, st)
	if httpStatus, ok := failure.HTTPStatus(st); ok {
		err = &runtime.HTTPStatusError{HTTPStatus: httpStatus, Err: err}
	}
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
