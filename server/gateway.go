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
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/platform/telegent-facade/failure"
	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/validation"
)

// restJSON is the REST API's JSON: the proto3 mapping (lowerCamelCase
// names, enums by name); every scalar and list is emitted, so clients see
// defaults explicitly, but an unset message or optional field is left out
// rather than written as null (EmitDefaultValues, not EmitUnpopulated), as
// the OpenAPI document describes; unknown fields are refused rather than
// dropped, so a misspelt field (say "authenticationPasword") is an error,
// not a silently different request. Request bodies are decoded once, with
// protojson, which also refuses anything after the JSON value.
type restJSON struct{ runtime.JSONPb }

// jsonMarshalOptions writes JSON answers, on REST and Connect alike.
var jsonMarshalOptions = protojson.MarshalOptions{EmitDefaultValues: true}

func newRESTJSON() *restJSON {
	return &restJSON{runtime.JSONPb{
		MarshalOptions:   jsonMarshalOptions,
		UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
	}}
}

// restBody is a REST request's body. A body that does not decode leaves
// its error here, with its field violations: the gateway would pass on
// only its text.
type restBody struct {
	io.ReadCloser
	decodeErr error
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
		err = validation.UnmarshalJSON(m.UnmarshalOptions, body, msg)
		if rb, ok := r.(*restBody); ok && err != nil {
			rb.decodeErr = err
		}
		return err
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
			writeStatus(rec, r, unsupportedContentType("application/json"), http.StatusUnsupportedMediaType)
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
			r.Body, r.ContentLength = &restBody{ReadCloser: io.NopCloser(bytes.NewReader(body))}, int64(len(body))
			r.Header.Del("Content-Length")
			next.ServeHTTP(rec, r.WithContext(withCall(extractTraceContext(r.Context(), propagation.HeaderCarrier(r.Header)), c)))
		default:
			r.Body = &restBody{ReadCloser: http.MaxBytesReader(rec, r.Body, maxBody)}
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

// ReasonUnsupportedContentType is the google.rpc.ErrorInfo reason of a 415
// answer; its metadata "accept" names the content type to send.
const ReasonUnsupportedContentType = "UNSUPPORTED_CONTENT_TYPE"

// unsupportedContentType is the answer to a body of a content type the
// route does not take (HTTP 415). Its code is UNKNOWN: the code the
// gRPC HTTP-to-status mapping, which Connect clients apply
// (connect-go's httpToCode), gives to 415, so a client reading only the
// status line and one reading the body agree; and it is neither retried
// by the published service config (UNAVAILABLE only) nor read as a
// missing method (UNIMPLEMENTED), nor INVALID_ARGUMENT, whose HTTP status
// is 400 and whose callers look for field violations. The message and the
// ErrorInfo say which content type to send.
func unsupportedContentType(accept string) *status.Status {
	st := status.New(codes.Unknown, "unsupported Content-Type: send the body as "+accept+" with the header Content-Type: "+accept)
	withInfo, err := st.WithDetails(&errdetails.ErrorInfo{
		Reason: ReasonUnsupportedContentType, Domain: failure.ErrorDomain,
		Metadata: map[string]string{"accept": accept},
	})
	if err != nil {
		return st
	}
	return withInfo
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
	if rb, ok := r.Body.(*restBody); ok && rb.decodeErr != nil && status.Code(err) == codes.InvalidArgument {
		err = rb.decodeErr
	}
	err = queryError(ctx, r, err)
	st = status.Convert(err)
	setRetryAfter(w, st)
	if httpStatus, ok := failure.HTTPStatus(st); ok {
		err = &runtime.HTTPStatusError{HTTPStatus: httpStatus, Err: err}
	}
	runtime.DefaultHTTPErrorHandler(ctx, mux, m, w, r, err)
}

// queryError gives a query parameter the gateway could not parse (its
// error says only `parsing field "page_size": ...`) its field violation.
func queryError(ctx context.Context, r *http.Request, err error) error {
	st := status.Convert(err)
	name, ok := strings.CutPrefix(st.Message(), `parsing field "`)
	if !ok || st.Code() != codes.InvalidArgument || len(st.Details()) > 0 {
		return err
	}
	name, _, _ = strings.Cut(name, `"`)
	pattern, _ := runtime.HTTPPathPattern(ctx)
	md := restInputs[r.Method+" "+pattern]
	if md == nil {
		return err
	}
	fd := md.Fields().ByName(protoreflect.Name(name))
	if fd == nil {
		return err
	}
	return validation.QueryError(fd)
}

// restInputs maps each REST route ("GET /v1/accounts/{account_id}/webhooks")
// to its request message, read from the google.api.http annotations.
var restInputs = readRESTInputs(webhookv1.File_telegent_webhook_v1_webhook_proto.Services())

func readRESTInputs(services protoreflect.ServiceDescriptors) map[string]protoreflect.MessageDescriptor {
	inputs := map[string]protoreflect.MessageDescriptor{}
	for i := range services.Len() {
		methods := services.Get(i).Methods()
		for j := range methods.Len() {
			rule, ok := proto.GetExtension(methods.Get(j).Options(), annotations.E_Http).(*annotations.HttpRule)
			if !ok || rule == nil {
				continue
			}
			for _, hr := range append([]*annotations.HttpRule{rule}, rule.GetAdditionalBindings()...) {
				method, path := httpRuleRoute(hr)
				inputs[method+" "+path] = methods.Get(j).Input()
			}
		}
	}
	return inputs
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
