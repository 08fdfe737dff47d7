package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
)

// h2cClient speaks HTTP/2 without TLS (prior knowledge), as buf curl does
// for reflection on an http:// URL.
func h2cClient() *http.Client {
	protocols := new(http.Protocols)
	protocols.SetUnencryptedHTTP2(true)
	return &http.Client{Transport: &http.Transport{Protocols: protocols}}
}

// listServicesOverConnect asks the HTTP port's reflection service, over
// the Connect protocol, which services it serves.
func listServicesOverConnect(t *testing.T, httpAddr string, header http.Header) ([]string, error) {
	t.Helper()
	hc := h2cClient()
	defer hc.CloseIdleConnections()
	client := connect.NewClient[reflectionpb.ServerReflectionRequest, reflectionpb.ServerReflectionResponse](
		hc, "http://"+httpAddr+reflectionpb.ServerReflection_ServerReflectionInfo_FullMethodName)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	stream := client.CallBidiStream(ctx)
	for k, v := range header {
		stream.RequestHeader()[k] = v
	}
	if err := stream.Send(&reflectionpb.ServerReflectionRequest{
		MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{},
	}); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	// The request side stays open, as buf curl keeps it for its next
	// question.
	resp, err := stream.Receive()
	_ = stream.CloseRequest()
	_ = stream.CloseResponse()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, s := range resp.GetListServicesResponse().GetService() {
		names = append(names, s.GetName())
	}
	return names, nil
}

func discoveryConfig() Config {
	return Config{GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Dev: true, ShutdownGrace: 5 * time.Second,
		UpstreamTimeout: 5 * time.Second, MaxUpstream: 4, BreakerFailures: 5, BreakerFailureRatio: 0.5,
		BreakerOpenTimeout: time.Second}
}

// TestReflectionOnHTTPPort: the HTTP port serves gRPC reflection over
// Connect (HTTP/2 without TLS), open without credentials like reflection
// on the gRPC port, and behind authentication under --protect-ops.
func TestReflectionOnHTTPPort(t *testing.T) {
	t.Parallel()
	t.Run("open", func(t *testing.T) {
		t.Parallel()
		srv := StartForTest(t, discoveryConfig(), slog.New(slog.DiscardHandler), nil)
		names, err := listServicesOverConnect(t, srv.HTTPAddr().String(), nil)
		if err != nil {
			t.Fatalf("reflection over Connect: %v", err)
		}
		if !strings.Contains(strings.Join(names, " "), "telegent.webhook.v1.WebhookService") {
			t.Errorf("reflection lists %v, want telegent.webhook.v1.WebhookService", names)
		}
	})
	t.Run("protect-ops", func(t *testing.T) {
		t.Parallel()
		f := writeSecurityFiles(t)
		cfg := discoveryConfig()
		cfg.AuthTokensFile, cfg.AuthPolicyFile, cfg.ProtectOps = f.tokens, f.policy, true
		srv := StartForTest(t, cfg, slog.New(slog.DiscardHandler), nil)
		_, err := listServicesOverConnect(t, srv.HTTPAddr().String(), nil)
		if connect.CodeOf(err) != connect.CodeUnauthenticated {
			t.Errorf("reflection without credentials under --protect-ops: %v, want unauthenticated", err)
		}
		names, err := listServicesOverConnect(t, srv.HTTPAddr().String(), http.Header{"Authorization": {"Bearer " + f.token}})
		if err != nil || len(names) == 0 {
			t.Errorf("reflection with a token under --protect-ops: %v %v", names, err)
		}
	})
}

// TestBufCurlListsMethods: buf curl, the pinned one make tools installs,
// lists the service's methods from the HTTP port with no local schema.
// Skipped when .tmp/bin/buf is absent, except under CI.
func TestBufCurlListsMethods(t *testing.T) {
	t.Parallel()
	buf, err := filepath.Abs("../.tmp/bin/buf")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(buf); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("buf not installed (make tools): %v", err)
		}
		t.Skipf("buf not installed (make tools): %v", err)
	}
	srv := StartForTest(t, discoveryConfig(), slog.New(slog.DiscardHandler), nil)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, buf, "curl", "--list-methods", "http://"+srv.HTTPAddr().String())
	cmd.Env = append(os.Environ(), "BUF_CACHE_DIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("buf curl --list-methods: %v\n%s", err, out)
	}
	for _, m := range []string{"CreateWebhook", "GetWebhook", "ListWebhooks", "UpdateWebhook", "DeleteWebhook"} {
		if !strings.Contains(string(out), "telegent.webhook.v1.WebhookService/"+m+"\n") {
			t.Errorf("buf curl --list-methods does not list %s:\n%s", m, out)
		}
	}
}

// TestDevUsagePrintsWebExamples: make run's printed examples include a
// Connect, a gRPC-Web and a buf curl call, and the Connect one, sent as
// printed, creates a webhook.
func TestDevUsagePrintsWebExamples(t *testing.T) {
	t.Parallel()
	srv := StartForTest(t, discoveryConfig(), slog.New(slog.DiscardHandler), nil)
	var out strings.Builder
	srv.PrintDevUsage(&out)
	text := out.String()
	for _, want := range []string{"buf curl --protocol grpcweb ", "buf curl --list-methods http://", "/telegent.webhook.v1.WebhookService/CreateWebhook -H 'Content-Type: application/json'"} {
		if !strings.Contains(text, want) {
			t.Errorf("dev usage lacks %q:\n%s", want, text)
		}
	}
	var url, body string
	for line := range strings.Lines(text) {
		fields := strings.Fields(line)
		if len(fields) > 5 && fields[0] == "curl" && strings.HasSuffix(fields[4], "/CreateWebhook") {
			url = fields[4]
			_, quoted, _ := strings.Cut(line, "-d '")
			body, _, _ = strings.Cut(quoted, "'")
		}
	}
	if url == "" || body == "" {
		t.Fatalf("no Connect curl example found:\n%s", text)
	}
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
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(answer), `"webhookId"`) {
		t.Errorf("printed Connect example: %d %s", resp.StatusCode, answer)
	}
}
