package telegent

import (
	"context"
)

// This file is a stand-in for the update, delete and list calls, so that the
// service can be built against their signatures before the client
// implements them. Every call fails without contacting Telegent. Delete the
// file when the real calls land.

// Ops of the stand-in calls.
const (
	// OpUpdateWebhook is POST /v1.0/webhook/update.
	OpUpdateWebhook = "update webhook"
	// OpDeleteWebhook is POST /v1.0/webhook/delete.
	OpDeleteWebhook = "delete webhook"
	// OpListWebhooks is GET /v1.0/account/webhooks.
	OpListWebhooks = "list webhooks"
)

// UpdateWebhookRequest is the body of POST /v1.0/webhook/update: the create
// body plus the id of the webhook to replace.
type UpdateWebhookRequest struct {
	WebhookId string `json:"WebhookId"`
	CreateWebhookRequest
}

func notImplemented(op string) error {
	return &Error{Kind: KindUpstreamUnavailable, Op: op, Reason: "not implemented"}
}

// UpdateWebhook is a stand-in: it always fails.
func (c *Client) UpdateWebhook(context.Context, *UpdateWebhookRequest) (*Webhook, error) {
	return nil, notImplemented(OpUpdateWebhook)
}

// DeleteWebhook is a stand-in: it always fails.
func (c *Client) DeleteWebhook(_ context.Context, _, _ string) error {
	return notImplemented(OpDeleteWebhook)
}

// ListWebhooks is a stand-in: it always fails.
func (c *Client) ListWebhooks(context.Context, string) ([]*Webhook, error) {
	return nil, notImplemented(OpListWebhooks)
}
