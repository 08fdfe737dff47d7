package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/platform/telegent-facade/internal/testutil"
	"github.com/platform/telegent-facade/server"
)

// testService is a second service, known only to these tests: UnaryCall
// echoes its payload, EmptyCall panics.
type testService struct {
	testgrpc.UnimplementedTestServiceServer
}

func (testService) UnaryCall(ctx context.Context, req *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
	if req.GetFillUsername() {
		// Waits for the caller's deadline, then answers as the webhook
		// service does, DEADLINE_EXCEEDED with details, after a moment of
		// its own (the webhook service closes the upstream request).
		<-ctx.Done()
		time.Sleep(300 * time.Millisecond)
		st, err := status.New(codes.DeadlineExceeded, "the service saw the deadline").
			WithDetails(&errdetails.ErrorInfo{Reason: "SERVICE_DEADLINE", Domain: "test"})
		if err != nil {
			return nil, err
		}
		return nil, st.Err()
	}
	return &testgrpc.SimpleResponse{Payload: req.GetPayload(), Username: "echo"}, nil
}

func (testService) EmptyCall(context.Context, *testgrpc.Empty) (*testgrpc.Empty, error) {
	panic("the handler broke")
}

// restRoute serves a REST route for one method of testService through the
// server's in-process connection, as a generated gateway handler does.
func restRoute[Req, Resp any, PReq interface {
	*Req
	proto.Message
}](t *testing.T, gw *runtime.ServeMux, path, method string, call func(context.Context, PReq) (Resp, error)) {
	t.Helper()
	err := gw.HandlePath(http.MethodPost, path, func(w http.ResponseWriter, r *http.Request, _ map[string]string) {
		inbound, outbound := runtime.MarshalerForRequest(gw, r)
		req := PReq(new(Req))
		if err := inbound.NewDecoder(r.Body).Decode(req); err != nil && err != io.EOF {
			runtime.HTTPError(r.Context(), gw, outbound, w, r, status.Error(codes.InvalidArgument, err.Error()))
			return
		}
		ctx, err := runtime.AnnotateContext(r.Context(), gw, r, method, runtime.WithHTTPPathPattern(path))
		if err != nil {
			runtime.HTTPError(r.Context(), gw, outbound, w, r, err)
			return
		}
		resp, err := call(ctx, req)
		if err != nil {
			runtime.HTTPError(r.Context(), gw, outbound, w, r, err)
			return
		}
		runtime.ForwardResponseMessage(r.Context(), gw, outbound, w, r, any(resp).(proto.Message))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// startWithTestService runs a dev-mode facade with testService registered
// beside the webhook service, its REST routes under /v1/test/, and its log
// in logs.
func startWithTestService(t *testing.T) (*server.Server, *testutil.SyncBuffer) {
	t.Helper()
	logs := &testutil.SyncBuffer{}
	cfg := server.Config{
		GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Dev: true,
		ShutdownGrace: 5 * time.Second, UpstreamTimeout: 5 * time.Second, MaxUpstream: 8,
		BreakerFailures: 5, BreakerFailureRatio: 0.5, BreakerOpenTimeout: time.Second,
	}
	srv := server.StartForTest(t, cfg, slog.New(slog.NewJSONHandler(logs, nil)), func(srv *server.Server) {
		srv.RegisterService(&testgrpc.TestService_ServiceDesc, testService{})
		client := testgrpc.NewTestServiceClient(srv.InProcess())
		restRoute(t, srv.Gateway(), "/v1/test/unary", "/grpc.testing.TestService/UnaryCall", func(ctx context.Context, req *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
			return client.UnaryCall(ctx, req)
		})
		restRoute(t, srv.Gateway(), "/v1/test/empty", "/grpc.testing.TestService/EmptyCall", func(ctx context.Context, req *testgrpc.Empty) (*testgrpc.Empty, error) {
			return client.EmptyCall(ctx, req)
		})
	})
	return srv, logs
}

func postJSON(t *testing.T, url, requestID, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-Id", requestID)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// logLines returns the JSON log lines whose msg is msg.
func logLines(t *testing.T, logs *testutil.SyncBuffer, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

func findLine(lines []map[string]any, key, value string) map[string]any {
	for _, l := range lines {
		if l[key] == value {
			return l
		}
	}
	return nil
}

// TestSecondServiceOverREST: a service registered beside the webhook
// service is served over REST through the in-process connection with the whole
// chain (its call is logged with its request id and counted), with no
// gateway code of the server's.
func TestSecondServiceOverREST(t *testing.T) {
	srv, logs := startWithTestService(t)
	code, body := postJSON(t, "http://"+srv.HTTPAddr().String()+"/v1/test/unary", "rest-unary-1", `{"payload":{"body":"aGVsbG8="}}`)
	if code != http.StatusOK || !strings.Contains(body, `"aGVsbG8="`) || !strings.Contains(body, `"echo"`) {
		t.Fatalf("REST: %d %s", code, body)
	}
	line := findLine(logLines(t, logs, "request"), "correlation_id", "rest-unary-1")
	if line == nil || line["method"] != "/grpc.testing.TestService/UnaryCall" || line["protocol"] != "rest" || line["code"] != "OK" {
		t.Errorf("request line %v, want the chain's line for UnaryCall over REST:\n%s", line, logs.String())
	}
	// Unknown fields are refused on every service's routes, as on the
	// webhook service's.
	if code, body := postJSON(t, "http://"+srv.HTTPAddr().String()+"/v1/test/unary", "rest-unary-2", `{"nope":1}`); code != http.StatusBadRequest {
		t.Errorf("unknown field: %d %s", code, body)
	}
}

// TestPanicIsLoggedCountedAndInternal: a handler that panics is answered
// INTERNAL (HTTP 500), logged with its request id, and counted, over gRPC
// and over REST: recovery is the innermost interceptor.
func TestPanicIsLoggedCountedAndInternal(t *testing.T) {
	srv, logs := startWithTestService(t)

	conn, err := grpc.NewClient(srv.GRPCAddr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx := metadata.AppendToOutgoingContext(t.Context(), "x-request-id", "grpc-panic-1")
	_, err = testgrpc.NewTestServiceClient(conn).EmptyCall(ctx, &testgrpc.Empty{})
	if status.Code(err) != codes.Internal {
		t.Errorf("gRPC: %v, want INTERNAL", err)
	}
	if code, body := postJSON(t, "http://"+srv.HTTPAddr().String()+"/v1/test/empty", "rest-panic-1", `{}`); code != http.StatusInternalServerError {
		t.Errorf("REST: %d %s, want 500", code, body)
	}

	panics, requests := logLines(t, logs, "panic while serving a call"), logLines(t, logs, "request")
	for id, protocol := range map[string]string{"grpc-panic-1": "grpc", "rest-panic-1": "rest"} {
		if p := findLine(panics, "correlation_id", id); p == nil || !strings.Contains(p["panic"].(string), "the handler broke") {
			t.Errorf("%s: no panic line with its request id:\n%s", protocol, logs.String())
		}
		r := findLine(requests, "correlation_id", id)
		if r == nil || r["code"] != "Internal" || r["protocol"] != protocol || r["method"] != "/grpc.testing.TestService/EmptyCall" {
			t.Errorf("%s: request line %v, want code Internal", protocol, r)
		}
	}

	resp, err := http.Get("http://" + srv.HTTPAddr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	metrics, _ := io.ReadAll(resp.Body)
	for _, protocol := range []string{"grpc", "rest"} {
		want := `telegent_facade_grpc_server_handled_total{grpc_code="Internal",grpc_method="EmptyCall",grpc_service="grpc.testing.TestService",grpc_type="unary",protocol="` + protocol + `"} 1`
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestRESTDeadlineAnswerHasTheServiceDetails: when a REST caller's deadline
// passes, the answer is the service's (with its details), not a bare one
// from the in-process connection.
func TestRESTDeadlineAnswerHasTheServiceDetails(t *testing.T) {
	srv, _ := startWithTestService(t)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, "http://"+srv.HTTPAddr().String()+"/v1/test/unary", strings.NewReader(`{"fillUsername":true}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Grpc-Timeout", "1S")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusGatewayTimeout || !strings.Contains(string(body), "SERVICE_DEADLINE") {
		t.Errorf("HTTP %d %s, want 504 with the service's ErrorInfo", resp.StatusCode, body)
	}
}
