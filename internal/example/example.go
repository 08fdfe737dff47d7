// Package example holds the webhook of Telegent's reference page for
// POST /v1.0/webhook/create: the request every benchmark of the request path
// sends, and the server warms up with, in the forms it takes on the way.
package example

import webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"

// Request returns the example over the contract, a new message each time.
func Request() *webhookv1.CreateWebhookRequest {
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

// TelegentAnswer is Telegent's (and the simulator's) answer to the example:
// the request echoed, secrets included, plus WebhookId and Active.
const TelegentAnswer = `{"AccountId":"AID-1234567","WebhookUrl":"https://api.example.com/telegent/events",` +
	`"Method":"POST","DataFormat":"json","AuthenticationType":"Basic","AuthenticationUsername":"webhook_user",` +
	`"AuthenticationPassword":"s3cureP@ss","AuthenticationToken":"","SubscribedEvents":"Order_Update",` +
	`"WebhookId":"WID-1000001","Active":true}`
