// Package service implements telegent.webhook.v1.WebhookService: it
// translates a validated request into Telegent's create call, and Telegent's
// answer or failure back into the contract's response or a precise status.
//
// Requests reach CreateWebhook already validated: the server's interceptor
// chain (shared by gRPC and REST) runs the validator first.
package service

import (
	"context"
	"log/slog"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/telegent"
)

// Upstream is the part of Telegent the service needs. *telegent.Client
// implements it; errors it returns are mapped by Status.
type Upstream interface {
	CreateWebhook(ctx context.Context, req *telegent.CreateWebhookRequest) (*telegent.Webhook, error)
}

// Service implements webhookv1.WebhookServiceServer.
type Service struct {
	webhookv1.UnimplementedWebhookServiceServer

	upstream Upstream
	logger   *slog.Logger
}

// New returns a Service that creates webhooks through upstream.
func New(upstream Upstream, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{upstream: upstream, logger: logger}
}

// CreateWebhook creates the webhook with Telegent.
func (s *Service) CreateWebhook(ctx context.Context, req *webhookv1.CreateWebhookRequest) (*webhookv1.CreateWebhookResponse, error) {
	w, err := s.upstream.CreateWebhook(ctx, ToTelegent(req))
	if err != nil {
		if pushback, ok := RetryPushback(err); ok {
			// Outside a gRPC call (unit tests) there is no stream to set it on.
			_ = grpc.SetTrailer(ctx, metadata.Pairs(retryPushbackTrailer, pushback))
		}
		return nil, Status(ctx, s.logger, err)
	}
	return &webhookv1.CreateWebhookResponse{Webhook: FromTelegent(w, req)}, nil
}
