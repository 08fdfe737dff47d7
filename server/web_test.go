package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/durationpb"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/internal/example"
	"github.com/platform/telegent-facade/telegentsim"
)

func TestParseOrigins(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		list    string
		want    []string
		wantErr bool
	}{
		"empty":               {"", nil, false},
		"one":                 {"https://app.example.com", []string{"https://app.example.com"}, false},
		"several with port":   {"https://a.example, http://127.0.0.1:8081", []string{"https://a.example", "http://127.0.0.1:8081"}, false},
		"upper case folded":   {"HTTPS://App.Example.COM", []string{"https://app.example.com"}, false},
		"ipv6":                {"http://[::1]:3000", []string{"http://[::1]:3000"}, false},
		"empty items skipped": {" ,https://a.example,, ", []string{"https://a.example"}, false},
		"wildcard":            {"*", nil, true},
		"subdomain wildcard":  {"https://*.example.com", nil, true},
		"no scheme":           {"app.example.com", nil, true},
		"other scheme":        {"ftp://app.example.com", nil, true},
		"path":                {"https://app.example.com/", nil, true},
		"query":               {"https://app.example.com?x=1", nil, true},
		"empty query":         {"https://app.example.com?", nil, true},
		"fragment":            {"https://app.example.com#x", nil, true},
		"user":                {"https://u@app.example.com", nil, true},
		"bad port":            {"https://app.example.com:99999", nil, true},
		"empty port":          {"https://app.example.com:", nil, true},
		"null":                {"null", nil, true},
		"one bad of two":      {"https://a.example,https://b.example/path", nil, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := parseOrigins(tc.list)
			if (err != nil) != tc.wantErr {
				t.Fatalf("parseOrigins(%q) error = %v, want error %v", tc.list, err, tc.wantErr)
			}
			if !tc.wantErr && !slices.Equal(got, tc.want) {
				t.Errorf("parseOrigins(%q) = %q, want %q", tc.list, got, tc.want)
			}
		})
	}
}

func TestCORSOriginsFromConfig(t *testing.T) {
	t.Parallel()
	env := map[string]string{"CORS_ALLOWED_ORIGINS": "https://app.example,https://x.example/path"}
	_, err := LoadConfig([]string{"--dev"}, func(k string) string { return env[k] }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--cors-allowed-origins") || !strings.Contains(err.Error(), "x.example/path") {
		t.Fatalf("LoadConfig error = %v, want one naming --cors-allowed-origins and the bad origin", err)
	}
	cfg, err := LoadConfig([]string{"--dev", "--cors-allowed-origins", "https://app.example"}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.CORSAllowedOrigins != "https://app.example" {
		t.Errorf("CORSAllowedOrigins = %q", cfg.CORSAllowedOrigins)
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	next := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set(CorrelationIDHeader, "rid-1")
		w.Header().Set("Grpc-Status", "3")
		w.WriteHeader(http.StatusOK)
	})
	const allowed, other = "https://app.example", "https://evil.example"
	h := withCORS([]string{allowed}, next)

	preflight := func(origin, method, headers string) *http.Response {
		r := httptest.NewRequest(http.MethodOptions, "/telegent.webhook.v1.WebhookService/CreateWebhook", nil)
		r.Header.Set("Origin", origin)
		r.Header.Set("Access-Control-Request-Method", method)
		if headers != "" {
			r.Header.Set("Access-Control-Request-Headers", headers)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Result()
	}

	t.Run("preflight from an allowed origin", func(t *testing.T) {
		t.Parallel()
		resp := preflight(allowed, http.MethodPost, "authorization,connect-protocol-version,content-type,x-grpc-web,x-request-id,x-user-agent")
		if resp.StatusCode/100 != 2 {
			t.Errorf("status = %d, want 2xx", resp.StatusCode)
		}
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != allowed {
			t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, allowed)
		}
		if got := resp.Header.Get("Access-Control-Allow-Methods"); got != http.MethodPost {
			t.Errorf("Access-Control-Allow-Methods = %q, want POST", got)
		}
		if got := resp.Header.Get("Access-Control-Allow-Headers"); !strings.Contains(got, "authorization") || !strings.Contains(got, "x-grpc-web") {
			t.Errorf("Access-Control-Allow-Headers = %q", got)
		}
		if got := resp.Header.Get("Access-Control-Allow-Credentials"); got != "" {
			t.Errorf("Access-Control-Allow-Credentials = %q, want none", got)
		}
	})
	t.Run("preflight from another origin", func(t *testing.T) {
		t.Parallel()
		resp := preflight(other, http.MethodPost, "content-type")
		for k := range resp.Header {
			if strings.HasPrefix(k, "Access-Control-Allow") {
				t.Errorf("answer to a foreign origin carries %s: %q", k, resp.Header.Get(k))
			}
		}
	})
	t.Run("preflight for a method not allowed", func(t *testing.T) {
		t.Parallel()
		resp := preflight(allowed, http.MethodPut, "")
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("Access-Control-Allow-Origin = %q for PUT", got)
		}
	})
	t.Run("actual request from an allowed origin", func(t *testing.T) {
		t.Parallel()
		r := httptest.NewRequest(http.MethodPost, "/telegent.webhook.v1.WebhookService/CreateWebhook", nil)
		r.Header.Set("Origin", allowed)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if got := w.Header().Get("Access-Control-Allow-Origin"); got != allowed {
			t.Errorf("Access-Control-Allow-Origin = %q", got)
		}
		exposed := strings.ToLower(w.Header().Get("Access-Control-Expose-Headers"))
		for _, want := range []string{"grpc-status", "grpc-message", "grpc-status-details-bin", "x-request-id", "retry-after", "connect-protocol-version", "trailer-grpc-retry-pushback-ms"} {
			if !strings.Contains(exposed, want) {
				t.Errorf("Access-Control-Expose-Headers = %q lacks %s", exposed, want)
			}
		}
	})
	t.Run("actual request from another origin", func(t *testing.T) {
		t.Parallel()
		r := httptest.NewRequest(http.MethodPost, "/v1/webhooks", nil)
		r.Header.Set("Origin", other)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if got := w.Header().Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("Access-Control-Allow-Origin = %q", got)
		}
	})
	t.Run("no origins, no CORS", func(t *testing.T) {
		t.Parallel()
		r := httptest.NewRequest(http.MethodPost, "/v1/webhooks", nil)
		r.Header.Set("Origin", allowed)
		w := httptest.NewRecorder()
		withCORS(nil, next).ServeHTTP(w, r)
		if got := w.Header().Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("Access-Control-Allow-Origin = %q with no origins configured", got)
		}
	})
}

func TestRESTRoutesFromProto(t *testing.T) {
	t.Parallel()
	want := map[string][]string{
		"/v1/webhooks":                                    {http.MethodPost},
		"/v1/accounts/{account_id}/webhooks":              {http.MethodGet, http.MethodPost},
		"/v1/accounts/{account_id}/webhooks/{webhook_id}": {http.MethodDelete, http.MethodGet, http.MethodPatch},
	}
	if diff := cmp.Diff(want, restRoutes); diff != "" {
		t.Errorf("restRoutes (-want +got):\n%s", diff)
	}
}

// stubService answers every create with err, or a webhook.
type stubService struct {
	webhookv1.UnimplementedWebhookServiceServer
	err error
}

func (s stubService) CreateWebhook(_ context.Context, req *webhookv1.CreateWebhookRequest) (*webhookv1.CreateWebhookResponse, error) {
	if s.err != nil {
		return nil, s.err
	}
	return &webhookv1.CreateWebhookResponse{Webhook: &webhookv1.Webhook{WebhookId: "WID-1", AccountId: req.GetAccountId()}}, nil
}

// startStubWeb serves the Connect and gRPC-Web handler over a gRPC server
// that has svc as its webhook service, and stops both when t ends.
func startStubWeb(t *testing.T, svc stubService, opts ...grpc.ServerOption) *httptest.Server {
	t.Helper()
	gs := grpc.NewServer(opts...)
	webhookv1.RegisterWebhookServiceServer(gs, svc)
	web, err := newWebHandler(gs, DefaultMaxRequestBytes, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(web)
	t.Cleanup(ts.Close)
	t.Cleanup(gs.Stop)
	t.Cleanup(ts.Client().CloseIdleConnections)
	return ts
}

// startWebServer runs the whole facade in-process on a simulator with the
// given CORS origins and returns its HTTP base URL.
func startWebServer(t *testing.T, origins string) string {
	t.Helper()
	sim := httptest.NewServer(telegentsim.New(telegentsim.Config{}))
	t.Cleanup(sim.Close)
	cfg := Config{
		GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", TelegentBaseURL: sim.URL,
		AccountKey: telegentsim.DefaultAccountKey, AccountSecret: telegentsim.DefaultAccountSecret,
		ShutdownGrace: 5 * time.Second, UpstreamTimeout: 5 * time.Second, MaxUpstream: 16,
		BreakerFailures: 1 << 30, BreakerFailureRatio: 2, BreakerOpenTimeout: time.Second,
		CORSAllowedOrigins: origins,
	}
	srv := StartForTest(t, cfg, slog.New(slog.DiscardHandler), nil)
	return "http://" + srv.HTTPAddr().String()
}

func TestRESTUnknownMethodIs405(t *testing.T) {
	t.Parallel()
	base := startWebServer(t, "")
	hc := &http.Client{}
	t.Cleanup(hc.CloseIdleConnections)
	for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete, http.MethodOptions, "PROPFIND"} {
		req, err := http.NewRequestWithContext(t.Context(), method, base+"/v1/webhooks", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		}
		decodeErr := json.NewDecoder(resp.Body).Decode(&body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s /v1/webhooks: status = %d, want 405", method, resp.StatusCode)
		}
		if got := resp.Header.Get("Allow"); got != http.MethodPost {
			t.Errorf("%s /v1/webhooks: Allow = %q, want POST", method, got)
		}
		if decodeErr != nil || body.Message == "" {
			t.Errorf("%s /v1/webhooks: body is not a google.rpc.Status: %v %+v", method, decodeErr, body)
		}
	}
	resp, err := hc.Get(base + "/v1/elsewhere")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown path: status = %d, want 404", resp.StatusCode)
	}
}

func TestRESTRetryAfter(t *testing.T) {
	t.Parallel()
	base := startWebServer(t, "")
	hc := &http.Client{}
	t.Cleanup(hc.CloseIdleConnections)
	tests := map[string]struct {
		fault      string
		httpStatus int
		want       string
	}{
		"503 created nothing":  {"status:503;body:empty", http.StatusServiceUnavailable, "1"},
		"429":                  {"status:429", http.StatusTooManyRequests, "1"},
		"500 outcome unknown":  {"status:500", http.StatusServiceUnavailable, ""},
		"502 outcome unknown":  {"status:502", http.StatusServiceUnavailable, ""},
		"400 is not retryable": {"status:400", http.StatusBadRequest, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			req := example.Request()
			req.WebhookUrl = "https://hooks.example.com/" + strings.ReplaceAll(name, " ", "-") + "?sim-fault=" + tc.fault
			body, err := protojson.Marshal(req)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := hc.Post(base+"/v1/webhooks", "application/json", bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != tc.httpStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tc.httpStatus)
			}
			if got := resp.Header.Get("Retry-After"); got != tc.want {
				t.Errorf("Retry-After = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRetryAfterRoundsUp(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		delay time.Duration
		want  string
	}{
		"fraction rounds up":       {1500 * time.Millisecond, "2"},
		"whole seconds":            {7 * time.Second, "7"},
		"sub-second is one second": {10 * time.Millisecond, "1"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			st, err := status.New(codes.Unavailable, "x").WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(tc.delay)})
			if err != nil {
				t.Fatal(err)
			}
			w := httptest.NewRecorder()
			setRetryAfter(w, st)
			if got := w.Header().Get("Retry-After"); got != tc.want {
				t.Errorf("Retry-After = %q, want %q", got, tc.want)
			}
		})
	}
	w := httptest.NewRecorder()
	setRetryAfter(w, status.New(codes.Unavailable, "x"))
	if got := w.Header().Get("Retry-After"); got != "" {
		t.Errorf("Retry-After = %q without RetryInfo", got)
	}
}

func TestCORSOnTheServer(t *testing.T) {
	t.Parallel()
	const allowed = "http://127.0.0.1:5173"
	base := startWebServer(t, allowed)
	hc := &http.Client{}
	t.Cleanup(hc.CloseIdleConnections)
	for _, path := range []string{"/v1/webhooks", webhookv1.WebhookService_CreateWebhook_FullMethodName} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodOptions, base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Origin", allowed)
		req.Header.Set("Access-Control-Request-Method", http.MethodPost)
		// Browsers send the names sorted and lower case (Fetch standard).
		req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode/100 != 2 || resp.Header.Get("Access-Control-Allow-Origin") != allowed {
			t.Errorf("preflight of %s: %d, Access-Control-Allow-Origin %q", path, resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
		}
	}
}

// seenCalls records the call record each request reached the chain with.
type seenCalls struct {
	mu    sync.Mutex
	calls []*call
}

func (s *seenCalls) interceptor(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	s.mu.Lock()
	s.calls = append(s.calls, callFrom(ctx))
	s.mu.Unlock()
	return handler(ctx, req)
}

func (s *seenCalls) last() *call {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.calls) == 0 {
		return nil
	}
	return s.calls[len(s.calls)-1]
}

func TestConnectAndGRPCWebReachTheChain(t *testing.T) {
	t.Parallel()
	failure, err := status.New(codes.Unavailable, "Telegent is unavailable; retry later").WithDetails(
		&errdetails.ErrorInfo{Reason: "UPSTREAM_UNAVAILABLE", Domain: "telegent-facade"},
		&errdetails.RetryInfo{RetryDelay: durationpb.New(time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	for name, svcErr := range map[string]error{"ok": nil, "failure": failure.Err()} {
		for _, proto := range []struct {
			name string
			opts []connect.ClientOption
		}{
			{protocolConnect, nil},
			{protocolConnect + "-json", []connect.ClientOption{connect.WithProtoJSON()}},
			{protocolGRPCWeb, []connect.ClientOption{connect.WithGRPCWeb()}},
		} {
			t.Run(name+"/"+proto.name, func(t *testing.T) {
				t.Parallel()
				seen := &seenCalls{}
				ts := startStubWeb(t, stubService{err: svcErr}, grpc.ChainUnaryInterceptor(seen.interceptor))
				hc := ts.Client()

				client := connect.NewClient[webhookv1.CreateWebhookRequest, webhookv1.CreateWebhookResponse](
					hc, ts.URL+webhookv1.WebhookService_CreateWebhook_FullMethodName, proto.opts...)
				req := connect.NewRequest(&webhookv1.CreateWebhookRequest{AccountId: "AID-1"})
				req.Header().Set(CorrelationIDHeader, "rid-"+name)
				resp, err := client.CallUnary(t.Context(), req)

				c := seen.last()
				if c == nil {
					t.Fatal("the call never reached the interceptor chain")
				}
				wantProtocol := strings.TrimSuffix(proto.name, "-json")
				if c.protocol != wantProtocol || c.correlationID != "rid-"+name {
					t.Errorf("chain saw protocol %q, request id %q; want %q, %q", c.protocol, c.correlationID, wantProtocol, "rid-"+name)
				}
				if svcErr == nil {
					if err != nil {
						t.Fatal(err)
					}
					if resp.Msg.GetWebhook().GetWebhookId() != "WID-1" {
						t.Errorf("response = %v", resp.Msg)
					}
					if got := resp.Header().Get(CorrelationIDHeader); got != "rid-"+name {
						t.Errorf("%s = %q", CorrelationIDHeader, got)
					}
					return
				}
				var ce *connect.Error
				if !errors.As(err, &ce) {
					t.Fatalf("error = %v, want a connect error", err)
				}
				if ce.Code() != connect.CodeUnavailable || ce.Message() != failure.Message() {
					t.Errorf("error = %v %q, want unavailable %q", ce.Code(), ce.Message(), failure.Message())
				}
				var reasons []string
				var retry time.Duration
				for _, d := range ce.Details() {
					v, err := d.Value()
					if err != nil {
						t.Fatalf("detail %s: %v", d.Type(), err)
					}
					switch v := v.(type) {
					case *errdetails.ErrorInfo:
						reasons = append(reasons, v.GetReason())
					case *errdetails.RetryInfo:
						retry = v.GetRetryDelay().AsDuration()
					}
				}
				if !slices.Equal(reasons, []string{"UPSTREAM_UNAVAILABLE"}) || retry != time.Second {
					t.Errorf("details: ErrorInfo reasons %v, RetryInfo %v; want the gRPC status's", reasons, retry)
				}
				if got := ce.Meta().Get(CorrelationIDHeader); got != "rid-"+name {
					t.Errorf("%s = %q", CorrelationIDHeader, got)
				}
			})
		}
	}
}

func TestWebUnknownMethodIs405(t *testing.T) {
	t.Parallel()
	ts := startStubWeb(t, stubService{})
	for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
		req, err := http.NewRequestWithContext(t.Context(), method, ts.URL+webhookv1.WebhookService_CreateWebhook_FullMethodName, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || !strings.Contains(resp.Header.Get("Allow"), http.MethodPost) {
			t.Errorf("%s: status %d, Allow %q; want 405 allowing POST", method, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
}

func TestWebContentTypes(t *testing.T) {
	t.Parallel()
	ts := startStubWeb(t, stubService{})
	hc := ts.Client()
	tests := map[string]struct {
		contentType string
		want        int
	}{
		// Connect's unary JSON without Connect-Protocol-Version, as curl
		// sends it.
		"plain JSON":   {"application/json", http.StatusOK},
		"text/plain":   {"text/plain", http.StatusUnsupportedMediaType},
		"form":         {"application/x-www-form-urlencoded", http.StatusUnsupportedMediaType},
		"multipart":    {"multipart/form-data; boundary=x", http.StatusUnsupportedMediaType},
		"no type":      {"", http.StatusUnsupportedMediaType},
		"unknown type": {"application/xml", http.StatusUnsupportedMediaType},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, ts.URL+webhookv1.WebhookService_CreateWebhook_FullMethodName,
				strings.NewReader(`{"accountId":"AID-1"}`))
			if err != nil {
				t.Fatal(err)
			}
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("status = %d %s, want %d", resp.StatusCode, b, tc.want)
			}
			if tc.want == http.StatusOK && !strings.Contains(string(b), "WID-1") {
				t.Errorf("answer = %s", b)
			}
		})
	}
}
