package telegent

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/platform/telegent-facade/internal/example"
)

// benchCreateRequest is the example of Telegent's reference page.
func benchCreateRequest() *CreateWebhookRequest {
	return &CreateWebhookRequest{
		AccountId: "AID-1234567", WebhookUrl: "https://api.example.com/telegent/events",
		Method: "POST", DataFormat: "json", AuthenticationType: "Basic",
		AuthenticationUsername: "webhook_user", AuthenticationPassword: "s3cureP@ss",
		SubscribedEvents: "Order_Update",
	}
}

func BenchmarkEncodeCreateRequest(b *testing.B) {
	req := benchCreateRequest()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeCreateResponse(b *testing.B) {
	body := []byte(example.TelegentAnswer)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeWebhook(body); err != nil {
			b.Fatal(err)
		}
	}
}

// primedClient is a Client whose create token is cached and fresh, talking
// to rt.
func primedClient(tb testing.TB, rt http.RoundTripper) *Client {
	tb.Helper()
	c, err := New(Config{BaseURL: "http://127.0.0.1:1", AccountKey: "DID-bench", AccountSecret: "bench-secret",
		HTTPClient: &http.Client{Transport: rt}})
	if err != nil {
		tb.Fatal(err)
	}
	now := time.Now()
	c.tokens.store(c.targets[epCreate].scope, token{value: "bench-token", expiry: now.Add(time.Hour), refreshAt: now.Add(50 * time.Minute)})
	return c
}

func BenchmarkTokenCacheHit(b *testing.B) {
	c := primedClient(b, http.DefaultTransport)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.token(ctx, c.targets[epCreate].scope); err != nil {
			b.Fatal(err)
		}
	}
}

// cannedTransport answers every request with the create answer, without a
// network, so that BenchmarkClientCreateWebhook measures the client alone.
type cannedTransport struct{}

func (cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	_, _ = io.Copy(io.Discard, r.Body)
	_ = r.Body.Close()
	return &http.Response{
		StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json; charset=utf-8"}},
		Body:          io.NopCloser(strings.NewReader(example.TelegentAnswer)),
		ContentLength: int64(len(example.TelegentAnswer)), Request: r,
	}, nil
}

// BenchmarkClientCreateWebhook is one create through the whole client
// (encoding, token, request, decoding) against a transport that answers at
// once: the client's own cost per call, net/http's client included.
func BenchmarkClientCreateWebhook(b *testing.B) {
	c := primedClient(b, cannedTransport{})
	req := benchCreateRequest()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.CreateWebhook(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}
