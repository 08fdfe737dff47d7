package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/platform/telegent-facade/failure"
	"github.com/platform/telegent-facade/server"
	"github.com/platform/telegent-facade/service"
)

// causeService fails every UnaryCall with the cause its ResponseSize
// names, through service.Status as the webhook service does.
type causeService struct {
	testgrpc.UnimplementedTestServiceServer
}

func (causeService) UnaryCall(ctx context.Context, req *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
	return nil, service.Status(ctx, slog.New(slog.DiscardHandler), &failure.Error{Cause: failure.Cause(req.GetResponseSize())})
}

// TestEveryCauseOnTheWire walks the failure table over gRPC and REST: each
// row's code, HTTP status, reason, outcome, RetryInfo, pushback trailer and
// Retry-After. A new row is tested without changing this test.
func TestEveryCauseOnTheWire(t *testing.T) {
	t.Parallel()
	cfg := server.Config{
		GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Dev: true,
		ShutdownGrace: 5 * time.Second, UpstreamTimeout: 5 * time.Second, MaxUpstream: 8,
		BreakerFailures: 5, BreakerFailureRatio: 0.5, BreakerOpenTimeout: time.Second,
	}
	srv := server.StartForTest(t, cfg, slog.New(slog.DiscardHandler), func(srv *server.Server) {
		srv.RegisterService(&testgrpc.TestService_ServiceDesc, causeService{})
		client := testgrpc.NewTestServiceClient(srv.InProcess())
		restRoute(t, srv.Gateway(), "/v1/test/cause", "/grpc.testing.TestService/UnaryCall", func(ctx context.Context, req *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
			return client.UnaryCall(ctx, req)
		})
	})
	conn, err := grpc.NewClient(srv.GRPCAddr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := testgrpc.NewTestServiceClient(conn)

	for _, c := range failure.Causes() {
		p := c.Policy()
		t.Run(c.String(), func(t *testing.T) {
			wantAfter := p.DefaultAfter // what the row advises; the error names no delay

			var trailer metadata.MD
			_, err := client.UnaryCall(t.Context(), &testgrpc.SimpleRequest{ResponseSize: int32(c)}, grpc.Trailer(&trailer))
			st := status.Convert(err)
			info := failure.ErrorInfo(st)
			if st.Code() != p.Code || st.Message() != p.Message || info.GetReason() != p.Reason ||
				info.GetMetadata()[failure.MetadataOutcomeUnknown] != strconv.FormatBool(p.OutcomeUnknown) {
				t.Errorf("gRPC: %v %q, ErrorInfo %v; want %v %q, reason %s, outcome unknown %v", st.Code(), st.Message(), info, p.Code, p.Message, p.Reason, p.OutcomeUnknown)
			}
			if after, ok := failure.StatusRetryAfter(st); ok != p.Retry || after != wantAfter {
				t.Errorf("gRPC: RetryInfo %v, %v; want %v", after, ok, wantAfter)
			}
			var wantPushback []string
			if p.Code == codes.Unavailable {
				wantPushback = []string{"-1"}
				if p.Retry {
					wantPushback = []string{strconv.FormatInt(wantAfter.Milliseconds(), 10)}
				}
			}
			if got := trailer.Get("grpc-retry-pushback-ms"); fmt.Sprint(got) != fmt.Sprint(wantPushback) {
				t.Errorf("gRPC: pushback trailer %q, want %q", got, wantPushback)
			}

			code, body, header := postJSONHeader(t, "http://"+srv.HTTPAddr().String()+"/v1/test/cause", fmt.Sprintf(`{"responseSize": %d}`, c))
			var got struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
				Details []struct {
					Reason   string            `json:"reason"`
					Metadata map[string]string `json:"metadata"`
				} `json:"details"`
			}
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("REST body %q: %v", body, err)
			}
			if code != p.HTTP || got.Code != int(p.Code) || got.Message != p.Message || len(got.Details) == 0 || got.Details[0].Reason != p.Reason {
				t.Errorf("REST: %d %s; want %d, code %d, reason %s", code, body, p.HTTP, p.Code, p.Reason)
			}
			wantRetryAfter := ""
			if p.Retry {
				wantRetryAfter = strconv.Itoa(int(math.Ceil(wantAfter.Seconds())))
			}
			if got := header.Get("Retry-After"); got != wantRetryAfter {
				t.Errorf("REST: Retry-After %q, want %q", got, wantRetryAfter)
			}
		})
	}
}

func postJSONHeader(t *testing.T, url, body string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}
