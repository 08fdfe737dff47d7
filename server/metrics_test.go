package server_test

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/platform/telegent-facade/server"
)

// TestHTTPRefusalsCounted: requests the HTTP layer refuses before the
// interceptor chain (so never in telegent_facade_grpc_server_*) are counted
// by protocol and reason, and no label value has a space.
func TestHTTPRefusalsCounted(t *testing.T) {
	cfg := server.Config{
		GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Dev: true,
		ShutdownGrace: 5 * time.Second, UpstreamTimeout: 5 * time.Second, MaxUpstream: 8,
		BreakerFailures: 5, BreakerFailureRatio: 0.5, BreakerOpenTimeout: time.Second,
	}
	srv := server.StartForTest(t, cfg, slog.New(slog.DiscardHandler), nil)
	base := "http://" + srv.HTTPAddr().String()
	post := func(path, contentType, body string, header map[string]string) int {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", contentType)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, c := range []struct {
		path, contentType, body string
		header                  map[string]string
		want                    int
	}{
		{"/v1/webhooks", "application/json", `{"accountId":`, nil, http.StatusBadRequest},
		{"/v1/webhooks", "text/plain", `{}`, nil, http.StatusUnsupportedMediaType},
		{"/v1/webhooks", "application/json", `{"accountId":"` + strings.Repeat("a", server.DefaultMaxRequestBytes) + `"}`, nil, http.StatusRequestEntityTooLarge},
		{"/telegent.webhook.v1.WebhookService/CreateWebhook", "text/plain", `{}`, nil, http.StatusUnsupportedMediaType},
		{"/v1/webhooks", "application/json", `{}`, map[string]string{"X-Big": strings.Repeat("b", server.DefaultMaxHeaderBytes)}, http.StatusRequestHeaderFieldsTooLarge},
	} {
		if got := post(c.path, c.contentType, c.body, c.header); got != c.want {
			t.Errorf("POST %s (%s) = %d, want %d", c.path, c.contentType, got, c.want)
		}
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	metrics := string(b)
	for _, want := range []string{
		`telegent_facade_http_refusals_total{protocol="rest",reason="malformed_request"} 1`,
		`telegent_facade_http_refusals_total{protocol="rest",reason="unsupported_media_type"} 1`,
		`telegent_facade_http_refusals_total{protocol="rest",reason="body_too_large"} 1`,
		`telegent_facade_http_refusals_total{protocol="rest",reason="headers_too_large"} 1`,
		`telegent_facade_http_refusals_total{protocol="connect",reason="unsupported_media_type"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// Every metric of the facade's own has its prefix; label values have
	// no spaces.
	for line := range strings.Lines(metrics) {
		if strings.HasPrefix(line, "#") {
			continue
		}
		name, rest, _ := strings.Cut(line, "{")
		if !strings.HasPrefix(name, "telegent_facade_") && !strings.HasPrefix(name, "go_") && !strings.HasPrefix(name, "process_") {
			t.Errorf("metric without the telegent_facade_ prefix: %s", strings.TrimSpace(line))
		}
		if labels, _, ok := strings.Cut(rest, "}"); ok && strings.Contains(labels, " ") {
			t.Errorf("a label value with a space: %s", strings.TrimSpace(line))
		}
	}
}
