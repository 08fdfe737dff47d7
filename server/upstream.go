package server

import (
	"context"

	"github.com/platform/telegent-facade/resilience"
	"github.com/platform/telegent-facade/telegent"
)

// upstream is Telegent as the service uses it: creates go through the
// guard (breaker and concurrency limit), which protects only the create
// call so far; list, update and delete go to the client, which retries
// them under the same rules as every call.
type upstream struct {
	*telegent.Client
	guard *resilience.Guard
}

// CreateWebhook creates through the guard.
func (u upstream) CreateWebhook(ctx context.Context, req *telegent.CreateWebhookRequest) (*telegent.Webhook, error) {
	return u.guard.CreateWebhook(ctx, req)
}
