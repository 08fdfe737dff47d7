package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"connectrpc.com/connect"
	connectcors "connectrpc.com/cors"
	"connectrpc.com/vanguard"
	"connectrpc.com/vanguard/vanguardgrpc"
	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/rs/cors"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/platform/telegent-facade/failure"
	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/validation"
)

// Protocols a call arrives by on the HTTP port besides REST, as logged.
const (
	protocolConnect = "connect"
	protocolGRPCWeb = "grpc_web"
)

// webServicePath is where the Connect protocol and gRPC-Web are served:
// the service's gRPC path, as Connect and gRPC-Web clients expect.
var webServicePath = "/" + webhookv1.WebhookService_ServiceDesc.ServiceName + "/"

// reflectionPaths are the gRPC reflection services (v1 and v1alpha) served
// on the HTTP port beside webServicePath.
var reflectionPaths = []string{
	"/grpc.reflection.v1.ServerReflection/",
	"/grpc.reflection.v1alpha.ServerReflection/",
}

// httpProtocols are the HTTP port's protocols: HTTP/1.1, HTTP/2 over TLS,
// and HTTP/2 without TLS (prior knowledge), which reflection's
// bidirectional stream needs on a plain-text port (buf curl switches to it
// for reflection on an http:// URL).
func httpProtocols() *http.Protocols {
	p := new(http.Protocols)
	p.SetHTTP1(true)
	p.SetHTTP2(true)
	p.SetUnencryptedHTTP2(true)
	return p
}

// corsMaxAge is how long, in seconds, a browser may cache a preflight
// answer. Chromium caps it at two hours.
const corsMaxAge = 7200

// parseOrigins splits a comma-separated list of browser origins and checks
// that each is an origin as browsers send it: scheme://host[:port], nothing
// more. "*" and wildcards are refused on purpose: the list is an allow-list.
// Origins are returned lower-cased, as browsers serialise them.
func parseOrigins(list string) ([]string, error) {
	var origins []string
	var errs []error
	for raw := range strings.SplitSeq(list, ",") {
		origin := strings.TrimSpace(raw)
		if origin == "" {
			continue
		}
		if err := checkOrigin(origin); err != nil {
			errs = append(errs, fmt.Errorf("%q: %w", origin, err))
			continue
		}
		origins = append(origins, strings.ToLower(origin))
	}
	return origins, errors.Join(errs...)
}

func checkOrigin(origin string) error {
	u, err := url.Parse(origin)
	switch {
	case err != nil:
		return fmt.Errorf("parse origin: %w", err)
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("want scheme://host[:port] with scheme http or https")
	case u.Host == "" || u.Hostname() == "" || strings.Contains(u.Host, "*"):
		return errors.New("want scheme://host[:port]: no host")
	case u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" ||
		strings.HasSuffix(origin, "?") || strings.HasSuffix(origin, "#"):
		return errors.New("want scheme://host[:port] alone: no user, path, query or fragment")
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > math.MaxUint16 {
			return errors.New("want scheme://host[:port]: port out of range")
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return errors.New("want scheme://host[:port]: empty port")
	}
	return nil
}

// withCORS lets browsers on the allowed origins call the HTTP port (REST,
// Connect and gRPC-Web) and read the answers: preflights are answered here,
// before authentication (a preflight carries no credentials), and the
// response headers that Connect and gRPC-Web clients read (grpc-status,
// grpc-message, grpc-status-details-bin), the retry pushback, the request
// id and Retry-After are exposed. Requests from other origins get no CORS headers, so browsers
// withhold the answers and refuse to send non-simple requests at all.
// Without origins there is no CORS handling at all.
func withCORS(origins []string, next http.Handler) http.Handler {
	if len(origins) == 0 {
		// rs/cors would read an empty list as "every origin".
		return next
	}
	return cors.New(cors.Options{
		AllowedOrigins: origins,
		// REST's update and delete besides Connect's GET and POST.
		AllowedMethods: append(connectcors.AllowedMethods(), http.MethodPatch, http.MethodDelete),
		AllowedHeaders: append(connectcors.AllowedHeaders(), "Authorization", CorrelationIDHeader, "Traceparent", "Tracestate"),
		ExposedHeaders: append(connectcors.ExposedHeaders(),
			// Connect's unary answers: their protocol and encoding headers.
			"Connect-Protocol-Version", "Connect-Content-Encoding", "Connect-Accept-Encoding",
			// gRPC's retry pushback, which Connect's unary answers carry as
			// a header: without it a browser client would retry what the
			// facade said not to.
			"Trailer-Grpc-Retry-Pushback-Ms",
			CorrelationIDHeader, "Retry-After"),
		MaxAge: corsMaxAge,
		// Credentials (cookies, HTTP authentication) are never needed:
		// callers authenticate with a bearer token they set themselves.
		AllowCredentials: false,
	}).Handler(next)
}

// newWebHandler serves the Connect protocol and gRPC-Web by transcoding
// them to gRPC for the facade's own grpc.Server, in-process: every call
// runs the server's interceptor chain (correlation id, logging, metrics,
// authentication, validation) exactly as a gRPC call does, and its errors
// carry the same details. Plain gRPC reaching the HTTP port over HTTP/2 is
// passed through. Calls refused before the chain (a wrong method or content
// type, an unreadable body) are logged and counted here.
func newWebHandler(grpcServer *grpc.Server, maxBody int64, logger *slog.Logger, m *metrics) (http.Handler, error) {
	transcoder, err := vanguardgrpc.NewTranscoder(grpcServer, vanguard.WithCodec(newConnectJSON))
	if err != nil {
		return nil, fmt.Errorf("build Connect and gRPC-Web transcoder: %w", err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		protocol, known := webProtocol(r)
		c := &call{correlationID: cleanCorrelationID(r.Header.Get(CorrelationIDHeader)), protocol: protocol}
		// The correlation id goes back as a header over every protocol of the
		// HTTP port; the gRPC chain sees the call and does not set it again.
		w.Header().Set(CorrelationIDHeader, c.correlationID)
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		switch {
		case r.Method != http.MethodPost:
			// The service's only method is not idempotent, so not even
			// Connect's GET applies; the transcoder would take any other
			// method for REST and answer 404.
			rec.Header().Set("Allow", http.MethodPost)
			writeStatus(rec, r, status.New(codes.Unimplemented, "method not allowed"), http.StatusMethodNotAllowed)
		case !known:
			// Forms and text/plain posts from other sites' pages among
			// them; the transcoder would take them for REST and answer 404.
			writeStatus(rec, r, unsupportedContentType("application/json"), http.StatusUnsupportedMediaType)
		default:
			if protocol == protocolConnect && r.Header.Get("Connect-Protocol-Version") == "" {
				// The header is optional in Connect's protocol, but the
				// transcoder takes a call without it for REST: on this path
				// it can only be Connect.
				r.Header.Set("Connect-Protocol-Version", "1")
			}
			if protocol == protocolConnect && !validConnectTimeout(r.Header.Get("Connect-Timeout-Ms")) {
				writeWebStatus(rec, protocol, r.Header.Get("Content-Type"), errConnectTimeout)
				break
			}
			if clientStreams(r.URL.Path) {
				// A stream of requests (reflection) goes to the transcoder
				// as it comes; the limits of the gRPC server apply.
				transcoder.ServeHTTP(rec, r.WithContext(withCall(r.Context(), c)))
				break
			}
			// The body is read here, whole and within the limit, so that
			// a body too large, a decompression bomb or a broken
			// compressed stream gets its one status (see badbody.go)
			// rather than whatever the transcoder makes of a failed read.
			st, body := readWebBody(r, maxBody)
			if st == nil {
				st = checkWebMessages(r.URL.Path, r.Header.Get("Content-Type"), body)
			}
			if st != nil {
				writeWebStatus(rec, protocol, r.Header.Get("Content-Type"), st)
				break
			}
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
			transcoder.ServeHTTP(rec, r.WithContext(withCall(r.Context(), c)))
		}
		if !c.logged.Load() {
			logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("method", r.Method+" "+r.URL.Path),
				slog.Int("http_status", rec.status),
				slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
				slog.String("protocol", c.protocol),
				slog.String("correlation_id", c.correlationID),
			)
		}
		if !c.logged.Load() {
			m.refused(c.protocol, rec.status)
		}
	}), nil
}

// connectJSON is the JSON codec of Connect and gRPC-Web calls: REST's
// rules (unknown fields refused, as vanguard's default would drop them; no
// nulls written) and the same field violations for a body that does not
// decode.
type connectJSON struct{ *vanguard.JSONCodec }

func newConnectJSON(res vanguard.TypeResolver) vanguard.Codec {
	c := vanguard.NewJSONCodec(res)
	c.MarshalOptions = jsonMarshalOptions
	c.MarshalOptions.Resolver = res
	c.UnmarshalOptions.DiscardUnknown = false
	return connectJSON{c}
}

// Unmarshal decodes a request, answering a body that does not decode with
// INVALID_ARGUMENT and its field violations.
func (c connectJSON) Unmarshal(data []byte, msg proto.Message) error {
	err := validation.UnmarshalJSON(c.UnmarshalOptions, data, msg)
	if err == nil {
		return nil
	}
	return connectError(status.Convert(err))
}

// connectError is st as a Connect error, its details included, for an
// answer written in the caller's protocol (connect.NewErrorWriter).
func connectError(st *status.Status) *connect.Error {
	ce := connect.NewError(connect.Code(st.Code()), errors.New(st.Message()))
	for _, d := range st.Proto().GetDetails() {
		if detail, err := connect.NewErrorDetail(d); err == nil {
			ce.AddDetail(detail)
		}
	}
	return ce
}

// webProtocol names the protocol of a call to webServicePath by its
// content type (parameters aside), as the transcoder tells them apart, and
// reports false for a content type none of them uses.
func webProtocol(r *http.Request) (string, bool) {
	ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	switch strings.ToLower(strings.TrimSpace(ct)) {
	case "application/grpc-web", "application/grpc-web+proto", "application/grpc-web+json":
		return protocolGRPCWeb, true
	case "application/grpc", "application/grpc+proto", "application/grpc+json":
		return protocolGRPC, true
	case "application/json", "application/proto", "application/connect+json", "application/connect+proto":
		return protocolConnect, true
	}
	return protocolConnect, false
}

// restRoutes maps each REST path of the contract to the HTTP methods it
// takes, read from the google.api.http annotations of the service.
var restRoutes = readRESTRoutes(webhookv1.File_telegent_webhook_v1_webhook_proto.Services())

func readRESTRoutes(services protoreflect.ServiceDescriptors) map[string][]string {
	routes := map[string][]string{}
	for i := range services.Len() {
		methods := services.Get(i).Methods()
		for j := range methods.Len() {
			rule, ok := proto.GetExtension(methods.Get(j).Options(), annotations.E_Http).(*annotations.HttpRule)
			if !ok || rule == nil {
				continue
			}
			for _, r := range append([]*annotations.HttpRule{rule}, rule.GetAdditionalBindings()...) {
				method, path := httpRuleRoute(r)
				if path != "" && !slices.Contains(routes[path], method) {
					routes[path] = append(routes[path], method)
				}
			}
		}
	}
	for _, methods := range routes {
		slices.Sort(methods)
	}
	return routes
}

func httpRuleRoute(r *annotations.HttpRule) (method, path string) {
	switch p := r.GetPattern().(type) {
	case *annotations.HttpRule_Get:
		return http.MethodGet, p.Get
	case *annotations.HttpRule_Put:
		return http.MethodPut, p.Put
	case *annotations.HttpRule_Post:
		return http.MethodPost, p.Post
	case *annotations.HttpRule_Delete:
		return http.MethodDelete, p.Delete
	case *annotations.HttpRule_Patch:
		return http.MethodPatch, p.Patch
	case *annotations.HttpRule_Custom:
		return p.Custom.GetKind(), p.Custom.GetPath()
	}
	return "", ""
}

// restRoutingErrorHandler answers a known REST path called with another
// method 405 with an Allow header, where grpc-gateway would answer 501
// (it maps 405 to UNIMPLEMENTED); other routing errors are the gateway's.
func restRoutingErrorHandler(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, httpStatus int) {
	if httpStatus != http.StatusMethodNotAllowed {
		runtime.DefaultRoutingErrorHandler(ctx, mux, m, w, r, httpStatus)
		return
	}
	for template, methods := range restRoutes {
		if matchesTemplate(template, r.URL.Path) {
			w.Header().Set("Allow", strings.Join(methods, ", "))
			break
		}
	}
	writeStatus(w, r, status.New(codes.Unimplemented, "method not allowed"), http.StatusMethodNotAllowed)
}

// matchesTemplate reports whether path is an instance of a route template
// such as /v1/accounts/{account_id}/webhooks: a {variable} segment
// matches any one non-empty segment. The contract's templates never match
// the same path, so the first match is the route.
func matchesTemplate(template, path string) bool {
	ts, ps := strings.Split(template, "/"), strings.Split(path, "/")
	if len(ts) != len(ps) {
		return false
	}
	for i, t := range ts {
		if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
			if ps[i] == "" {
				return false
			}
		} else if t != ps[i] {
			return false
		}
	}
	return true
}

// setRetryAfter gives a REST error answer the Retry-After header (in whole
// seconds, rounded up) when its status advises a retry: the same signal as
// google.rpc.RetryInfo and gRPC's pushback. A status whose outcome is
// unknown advises none, so such answers never carry it.
func setRetryAfter(w http.ResponseWriter, st *status.Status) {
	after, ok := failure.StatusRetryAfter(st)
	if !ok {
		return
	}
	seconds := int64(math.Ceil(after.Seconds()))
	w.Header().Set("Retry-After", strconv.FormatInt(max(seconds, 1), 10))
}
