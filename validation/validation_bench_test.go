package validation_test

import (
	"testing"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
)

// benchRequest is the request every benchmark of the request path uses: the
// example of Telegent's documentation, over the contract.
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

func BenchmarkValidateValid(b *testing.B) {
	v := newValidator(b)
	req := benchRequest()
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Validate(req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidateInvalid breaks three rules at once: the error path builds
// the google.rpc.BadRequest and buf.validate.Violations details.
func BenchmarkValidateInvalid(b *testing.B) {
	v := newValidator(b)
	req := benchRequest()
	req.AccountId = "nope"
	req.WebhookUrl = "http://api.example.com/x"
	req.AuthenticationPassword = ""
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Validate(req); err == nil {
			b.Fatal("invalid request passed")
		}
	}
}
