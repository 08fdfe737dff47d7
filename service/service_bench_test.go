package service_test

import (
	"context"
	"testing"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/service"
	"github.com/platform/telegent-facade/telegent"
)

// benchRequest is the example of Telegent's reference page, over the
// contract.
func benchRequest() *webhookv1.CreateWebhookRequest {
	return &webhookv1.CreateWebhookRequest{
		AccountId:              "AID-1234567",
		WebhookUrl:             "https://api.example.com/telegent/events",
		Method:                 webhookv1.HttpMethod_HTTP_METHOD_POST,
		DataFormat:             webhookv1.DataFormat_DATA_FORMAT_JSON,
		AuthenticationType:     webhookv1.AuthenticationType_AUTHENTICATION_TYPE_BASIC,
		AuthenticationUsername: "webhook_user",
		AuthenticationPassword: "s3cureP@ss",
		SubscribedEvents:       []webhookv1.WebhookEvent{webhookv1.WebhookEvent_WEBHOOK_EVENT_ORDER_UPDATE},
	}
}

// benchEcho is Telegent's answer to benchRequest, decoded.
func benchEcho() *telegent.Webhook {
	active := true
	return &telegent.Webhook{WebhookId: "WID-1000001", Active: &active, AccountId: "AID-1234567",
		WebhookUrl: "https://api.example.com/telegent/events", Method: "POST", DataFormat: "json",
		AuthenticationType: "Basic", AuthenticationUsername: "webhook_user", SubscribedEvents: "Order_Update"}
}

// BenchmarkTranslateAndEncode is the proto-to-Telegent translation plus the
// JSON encoding of the body sent upstream, as the Telegent client encodes it.
func BenchmarkTranslateAndEncode(b *testing.B) {
	req := benchRequest()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := service.ToTelegent(req).MarshalJSON(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTranslateAnswer builds the response from Telegent's decoded
// answer.
func BenchmarkTranslateAnswer(b *testing.B) {
	req, echo := benchRequest(), benchEcho()
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
	req := benchRequest()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.CreateWebhook(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}
