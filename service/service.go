// Package service implements telegent.webhook.v1.WebhookService: it
// translates a validated request into Telegent's webhook calls (create,
// update, delete, list), and Telegent's answer or failure back into the
// contract's response or a precise status.
//
// Requests arrive already validated: the server's interceptor chain (shared
// by every protocol) runs the validator first. An update is checked once
// more after it is merged into the stored webhook (see UpdateWebhook).
package service

import (
	"context"
	"log/slog"
	"sync"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/idempotency"
	"github.com/platform/telegent-facade/telegent"
	"github.com/platform/telegent-facade/validation"
)

// Upstream is the part of Telegent the service needs. *telegent.Client
// implements it; errors it returns are mapped by Status.
type Upstream interface {
	CreateWebhook(ctx context.Context, req *telegent.CreateWebhookRequest) (*telegent.Webhook, error)
	UpdateWebhook(ctx context.Context, req *telegent.UpdateWebhookRequest) (*telegent.Webhook, error)
	DeleteWebhook(ctx context.Context, accountID, webhookID string) error
	// ListWebhooks is every webhook of the account; it is the only way to
	// read one, so get, update, delete and the recovery of a create use it.
	ListWebhooks(ctx context.Context, accountID string) ([]*telegent.Webhook, error)
}

// Service implements webhookv1.WebhookServiceServer.
type Service struct {
	webhookv1.UnimplementedWebhookServiceServer

	upstream Upstream
	logger   *slog.Logger

	// Set by WithIdempotency; nil means request ids are not remembered.
	dedup         *idempotency.Deduper
	fingerprinter *idempotency.Fingerprinter

	// rules checks the webhook an update would send; set by WithValidator
	// or, on first use, built from the compiled-in rules.
	rules     *validation.Validator
	rulesOnce sync.Once
	rulesErr  error
}

// WithValidator makes updates check their merged webhook with v (the
// server's validator, whose rules are compiled at start-up).
func WithValidator(v *validation.Validator) Option {
	return func(s *Service) { s.rules = v }
}

func (s *Service) validator() (*validation.Validator, error) {
	s.rulesOnce.Do(func() {
		if s.rules == nil {
			s.rules, s.rulesErr = validation.New(&webhookv1.CreateWebhookRequest{})
		}
	})
	return s.rules, s.rulesErr
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
