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

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/idempotency"
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

	// Set by WithIdempotency; nil means request ids are not remembered.
	dedup         *idempotency.Deduper
	fingerprinter *idempotency.Fingerprinter
}

// Option configures a Service.
type Option func(*Service)

// New returns a Service that creates webhooks through upstream.
func New(upstream Upstream, logger *slog.Logger, opts ...Option) *Service {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{upstream: upstream, logger: logger}
	for _, o := range opts {
		o(s)
	}
	return s
}

// CreateWebhook creates the webhook with Telegent; with a request_id, at
// most once (see createOnce).
func (s *Service) CreateWebhook(ctx context.Context, req *webhookv1.CreateWebhookRequest) (*webhookv1.CreateWebhookResponse, error) {
	if s.dedup != nil && req.GetRequestId() != "" {
		return s.createOnce(ctx, req)
	}
	return s.create(ctx, req)
}

// create makes one create call to Telegent.
func (s *Service) create(ctx context.Context, req *webhookv1.CreateWebhookRequest) (*webhookv1.CreateWebhookResponse, error) {
	w, err := s.upstream.CreateWebhook(ctx, ToTelegent(req))
	if err != nil {
		return nil, Status(ctx, s.logger, err)
	}
	return &webhookv1.CreateWebhookResponse{Webhook: FromTelegent(w, req)}, nil
}
