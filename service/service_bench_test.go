package service_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/platform/telegent-facade/internal/example"
	"github.com/platform/telegent-facade/service"
	"github.com/platform/telegent-facade/telegent"
)

// benchEcho is Telegent's answer to example.Request, decoded.
func benchEcho() *telegent.Webhook {
	active := true
	return &telegent.Webhook{WebhookId: "WID-1000001", Active: &active, AccountId: "AID-1234567",
		WebhookUrl: "https://api.example.com/telegent/events", Method: "POST", DataFormat: "json",
		AuthenticationType: "Basic", AuthenticationUsername: "webhook_user", SubscribedEvents: "Order_Update"}
}

// BenchmarkTranslateAndEncode is the proto-to-Telegent translation plus the
// JSON encoding of the body sent upstream, as the Telegent client encodes it.
func BenchmarkTranslateAndEncode(b *testing.B) {
	req := example.Request()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(service.ToTelegent(req)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTranslateAnswer builds the response from Telegent's decoded
// answer.
func BenchmarkTranslateAnswer(b *testing.B) {
	req, echo := example.Request(), benchEcho()
	b.ReportAllocs()
	for b.Loop() {
		if service.FromTelegent(echo, req).GetWebhookId() == "" {
			b.Fatal("no id")
		}
	}
}

// BenchmarkCreateWebhook is the service method over an upstream that
// answers at once.
func BenchmarkCreateWebhook(b *testing.B) {
	svc := service.New(&fakeUpstream{resp: benchEcho()}, nil)
	req := example.Request()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.CreateWebhook(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}
