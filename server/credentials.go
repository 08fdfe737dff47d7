package server

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/idempotency"
	"github.com/platform/telegent-facade/service"
	"github.com/platform/telegent-facade/telegent"
)

// While Telegent refuses the facade's credentials every call would fail, so
// the replica reports not ready (503 with the reason on /readyz,
// NOT_SERVING) and telegent_facade_upstream_credentials_rejected is 1. It
// retries a token in the background, with backoff, re-reading
// --telegent-account-secret-file first: once the secret is fixed (the file
// rewritten, as a Kubernetes Secret update does) or Telegent accepts the
// credentials again, it turns ready by itself.

// Readiness status while Telegent refuses the credentials.
const statusCredentialsRejected = "credentials rejected"

// credentialsRejectedDetail is /readyz's explanation of that status.
const credentialsRejectedDetail = "Telegent refuses the facade's account key or secret: fix the Secret; the secret file is re-read and a token retried in the background"

// Backoff of the background token attempts while the credentials are
// refused.
const (
	credentialsRetryFirst = time.Second
	credentialsRetryMax   = 30 * time.Second
)

// upstream is the Telegent client and the webhook service built on it,
// replaced together when the account secret changes: the service's
// request-id fingerprints are keyed by the secret, like every other
// replica's.
type upstream struct {
	client  *telegent.Client
	service webhookv1.WebhookServiceServer
	secret  []byte
}

// accountCredentials tracks whether Telegent accepts the facade's credentials and
// rebuilds the upstream when the secret file changes.
type accountCredentials struct {
	webhookv1.UnimplementedWebhookServiceServer

	cur      atomic.Pointer[upstream]
	build    func(secret string, opt service.Option) (*upstream, error)
	dedup    *idempotency.Deduper
	file     string // --telegent-account-secret-file, "" without one
	rejected atomic.Bool
	retrying atomic.Bool
	gauge    prometheus.Gauge
	// changed is called when rejected flips.
	changed func()

	retryFirst, retryMax time.Duration
	mu                   sync.Mutex // guards stopped and the start of the loop
	stopped              bool
	wg                   sync.WaitGroup
}

func newCredentials(file string, reg prometheus.Registerer) (*accountCredentials, error) {
	c := &accountCredentials{
		file: file,
		gauge: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "telegent_facade_upstream_credentials_rejected",
			Help: "1 while Telegent refuses the facade's account key and secret (the replica is not ready), else 0.",
		}),
		retryFirst: credentialsRetryFirst,
		retryMax:   credentialsRetryMax,
	}
	if err := reg.Register(c.gauge); err != nil {
		return nil, fmt.Errorf("register metrics: %w", err)
	}
	return c, nil
}

// tokenFetched is told the outcome of every token fetch (see
// upstreamObserver).
func (c *accountCredentials) tokenFetched(outcome string) {
	var rejected bool
	switch outcome {
	case telegent.TokenFetchRejected:
		rejected = true
	case telegent.TokenFetchOK:
	default:
		return // Telegent unreachable says nothing about the credentials
	}
	if c.rejected.Swap(rejected) != rejected {
		if rejected {
			c.gauge.Set(1)
		} else {
			c.gauge.Set(0)
		}
		if c.changed != nil {
			c.changed()
		}
	}
}

// The RPCs are served by the current upstream's service: accountCredentials
// is what the gRPC server and the in-process connection have registered.

// CreateWebhook serves the current service's CreateWebhook.
func (c *accountCredentials) CreateWebhook(ctx context.Context, req *webhookv1.CreateWebhookRequest) (*webhookv1.CreateWebhookResponse, error) {
	return c.cur.Load().service.CreateWebhook(ctx, req)
}

// GetWebhook serves the current service's GetWebhook.
func (c *accountCredentials) GetWebhook(ctx context.Context, req *webhookv1.GetWebhookRequest) (*webhookv1.GetWebhookResponse, error) {
	return c.cur.Load().service.GetWebhook(ctx, req)
}

// ListWebhooks serves the current service's ListWebhooks.
func (c *accountCredentials) ListWebhooks(ctx context.Context, req *webhookv1.ListWebhooksRequest) (*webhookv1.ListWebhooksResponse, error) {
	return c.cur.Load().service.ListWebhooks(ctx, req)
}

// UpdateWebhook serves the current service's UpdateWebhook.
func (c *accountCredentials) UpdateWebhook(ctx context.Context, req *webhookv1.UpdateWebhookRequest) (*webhookv1.UpdateWebhookResponse, error) {
	return c.cur.Load().service.UpdateWebhook(ctx, req)
}

// DeleteWebhook serves the current service's DeleteWebhook.
func (c *accountCredentials) DeleteWebhook(ctx context.Context, req *webhookv1.DeleteWebhookRequest) (*webhookv1.DeleteWebhookResponse, error) {
	return c.cur.Load().service.DeleteWebhook(ctx, req)
}

// retry takes a token again and again, with backoff, until Telegent accepts
// the credentials or ctx ends; a single loop runs at a time.
func (c *accountCredentials) retry(ctx context.Context, timeout time.Duration, logger *slog.Logger) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped || !c.retrying.CompareAndSwap(false, true) {
		return
	}
	c.wg.Go(func() {
		defer c.retrying.Store(false)
		delay := c.retryFirst
		timer := time.NewTimer(delay)
		defer timer.Stop()
		for c.rejected.Load() {
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
			c.reload(logger)
			actx, cancel := context.WithTimeout(ctx, timeout)
			err := c.cur.Load().client.PrefetchToken(actx)
			cancel()
			if err == nil {
				logger.Info("Telegent accepts the facade's credentials again: ready")
				return
			}
			delay = min(2*delay, c.retryMax)
			timer.Reset(delay)
		}
	})
}

// reload rebuilds the upstream when the secret file holds another secret.
// Its content is never logged.
func (c *accountCredentials) reload(logger *slog.Logger) {
	if c.file == "" {
		return
	}
	b, err := os.ReadFile(c.file)
	if err != nil {
		logger.Warn("could not re-read --telegent-account-secret-file", slog.String("file", c.file), slog.Any("error", err))
		return
	}
	secret := bytes.TrimSpace(b)
	old := c.cur.Load()
	if len(secret) == 0 || bytes.Equal(secret, old.secret) {
		return
	}
	up, err := c.build(string(secret), service.WithIdempotency(c.dedup, idempotency.NewFingerprinter(secret)))
	if err != nil {
		logger.Warn("could not use the new account secret", slog.Any("error", err))
		return
	}
	c.cur.Store(up)
	old.client.CloseIdleConnections()
	logger.Info("--telegent-account-secret-file changed: using the new account secret", slog.String("file", c.file))
}

// guardUpstream is what the resilience guard calls: the current client.
type guardUpstream struct{ c *accountCredentials }

func (g guardUpstream) CreateWebhook(ctx context.Context, req *telegent.CreateWebhookRequest) (*telegent.Webhook, error) {
	return g.c.client().CreateWebhook(ctx, req)
}

func (g guardUpstream) UpdateWebhook(ctx context.Context, req *telegent.UpdateWebhookRequest) (*telegent.Webhook, error) {
	return g.c.client().UpdateWebhook(ctx, req)
}

func (g guardUpstream) DeleteWebhook(ctx context.Context, accountID, webhookID string) error {
	return g.c.client().DeleteWebhook(ctx, accountID, webhookID)
}

func (g guardUpstream) ListWebhooks(ctx context.Context, accountID string) ([]*telegent.Webhook, error) {
	return g.c.client().ListWebhooks(ctx, accountID)
}

// client is the current Telegent client.
func (c *accountCredentials) client() *telegent.Client { return c.cur.Load().client }

// stop waits for the background token attempts to end (their context is
// done by then) and starts no more.
func (c *accountCredentials) stop() {
	c.mu.Lock()
	c.stopped = true
	c.mu.Unlock()
	c.wg.Wait()
}
