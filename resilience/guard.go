// Package resilience bounds how the facade uses Telegent. Guard decorates the
// upstream with two limits:
//
//   - a circuit breaker (github.com/failsafe-go/failsafe-go/circuitbreaker,
//     driven through its standalone API: breaker.go) that stops sending
//     requests while Telegent is failing, so callers get a fast, definite
//     refusal instead of piling onto a dead upstream, and Telegent gets room
//     to recover;
//   - an adaptive concurrency limit
//     (github.com/failsafe-go/failsafe-go/adaptivelimiter) so a burst of
//     callers cannot open an unbounded number of upstream requests: it
//     grows while Telegent's latency stays near its recent baseline and
//     shrinks when latency rises, when Telegent rate-limits (whose
//     Retry-After also pauses sending) or fails (limit.go).
//
// Both refuse a call before anything is sent upstream, with a *Rejection.
// Only upstream failures trip the breaker: 5xx, connection failures,
// timeouts and malformed answers. The caller's own 4xx, Telegent's rate
// limiting and our credentials being refused prove Telegent is answering, so
// they count as successes; the caller canceling proves nothing and is not
// counted at all (the failure package's table decides; classify.go reads
// it).
//
// Guard adds no timeout and no retry: the caller's deadline bounds every
// upstream attempt, and the create call is not idempotent.
package resilience

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/failsafe-go/failsafe-go/adaptivelimiter"
	"github.com/failsafe-go/failsafe-go/circuitbreaker"

	"github.com/platform/telegent-facade/telegent"
)

// Upstream is the part of Telegent that Guard protects. It has the same
// method set as service.Upstream (this package cannot import service, which
// uses it), so *telegent.Client and *Guard both satisfy either.
type Upstream interface {
	CreateWebhook(ctx context.Context, req *telegent.CreateWebhookRequest) (*telegent.Webhook, error)
	UpdateWebhook(ctx context.Context, req *telegent.UpdateWebhookRequest) (*telegent.Webhook, error)
	DeleteWebhook(ctx context.Context, accountID, webhookID string) error
	ListWebhooks(ctx context.Context, accountID string) ([]*telegent.Webhook, error)
}

// Defaults for zero (or negative) Config fields.
const (
	// DefaultMaxConcurrent is the default ceiling of the concurrency limit.
	// It is high on purpose: the adaptive limit, not the ceiling, is what
	// normally bounds calls in flight, and a fixed low ceiling caps one
	// replica's throughput at ceiling / Telegent's latency (64 / 50 ms is
	// 1,280 calls/s) however fast Telegent is.
	DefaultMaxConcurrent = 1024
	// DefaultMinConcurrent is the default floor of the concurrency limit:
	// however slow Telegent gets, this many calls may still be in flight.
	DefaultMinConcurrent = 16
	// DefaultInitialConcurrent is where the limit starts, and where it
	// falls back to when Telegent fails or rate-limits while it is higher.
	DefaultInitialConcurrent = 64
	// DefaultAcquireTimeout is how long a call waits for a free slot by default.
	DefaultAcquireTimeout = 250 * time.Millisecond
	// DefaultFailureThreshold is the default number of consecutive upstream
	// failures that open the breaker.
	DefaultFailureThreshold = 5
	// DefaultFailureRatio is the default share of failed calls within
	// Interval that opens the breaker (once MinRequests calls completed).
	DefaultFailureRatio = 0.5
	// DefaultMinRequests is the default number of completed calls within
	// Interval before FailureRatio applies.
	DefaultMinRequests = 20
	// DefaultInterval is the default rolling window of the closed breaker.
	DefaultInterval = 30 * time.Second
	// DefaultOpenTimeout is how long the breaker stays open by default.
	DefaultOpenTimeout = 10 * time.Second
	// DefaultHalfOpenMaxRequests is the default number of probes while
	// half-open.
	DefaultHalfOpenMaxRequests = 1
	// OverloadedRetryAfter is the RetryAfter of a RejectedOverloaded
	// rejection: slots free up as fast as Telegent answers, so a short wait
	// is enough.
	OverloadedRetryAfter = time.Second
)

// breakerName names the breaker in logs.
const breakerName = "telegent"

// intervalBuckets is how many buckets the rolling window is cut into: counts
// age out one tenth of Interval at a time instead of all at once (what
// failsafe-go's timed statistics do too).
const intervalBuckets = 10

// Config sets Guard's limits. Zero values (and negative ones) mean the
// matching Default constant.
type Config struct {
	// MaxConcurrent is the ceiling of the adaptive concurrency limit: at
	// most this many upstream calls are ever in flight at once.
	MaxConcurrent int
	// MinConcurrent is the floor of the limit; it is lowered to
	// MaxConcurrent when above it.
	MinConcurrent int
	// InitialConcurrent is the limit at start, and the one the limit falls
	// back to after an upstream failure or rate limiting; it is kept
	// between MinConcurrent and MaxConcurrent.
	InitialConcurrent int
	// AcquireTimeout is how long a call may wait for a free slot before it
	// is refused with RejectedOverloaded. The caller's deadline shortens it.
	AcquireTimeout time.Duration

	// FailureThreshold is the number of consecutive upstream failures that
	// opens the breaker.
	FailureThreshold uint32
	// FailureRatio also opens the breaker: the share of upstream failures
	// among the calls completed within the rolling Interval, once at least
	// MinRequests completed. A value above 1 (or infinite) turns this rule
	// off; zero, negative and NaN mean the default.
	FailureRatio float64
	// MinRequests is how many completed calls FailureRatio needs.
	MinRequests uint32
	// Interval is the rolling window the closed breaker counts over.
	Interval time.Duration
	// OpenTimeout is how long the breaker stays open before it lets
	// probes through (half-open).
	OpenTimeout time.Duration
	// HalfOpenMaxRequests is how many probes may run while half-open; that
	// many must succeed in a row to close the breaker again.
	HalfOpenMaxRequests uint32

	// Observer receives breaker state changes and rejections, e.g. for
	// metrics. Nil means none.
	Observer Observer
	// Logger gets one warning per breaker state change. Nil discards.
	Logger *slog.Logger
}

// withDefaults returns c with every unset field at its default.
func (c Config) withDefaults() Config {
	if c.MaxConcurrent <= 0 {
		c.MaxConcurrent = DefaultMaxConcurrent
	}
	if c.MinConcurrent <= 0 {
		c.MinConcurrent = DefaultMinConcurrent
	}
	if c.InitialConcurrent <= 0 {
		c.InitialConcurrent = DefaultInitialConcurrent
	}
	c.MinConcurrent = min(c.MinConcurrent, c.MaxConcurrent)
	c.InitialConcurrent = min(max(c.InitialConcurrent, c.MinConcurrent), c.MaxConcurrent)
	if c.AcquireTimeout <= 0 {
		c.AcquireTimeout = DefaultAcquireTimeout
	}
	if c.FailureThreshold == 0 {
		c.FailureThreshold = DefaultFailureThreshold
	}
	if !(c.FailureRatio > 0) { // also catches NaN
		c.FailureRatio = DefaultFailureRatio
	}
	if c.MinRequests == 0 {
		c.MinRequests = DefaultMinRequests
	}
	if c.Interval <= 0 {
		c.Interval = DefaultInterval
	}
	if c.OpenTimeout <= 0 {
		c.OpenTimeout = DefaultOpenTimeout
	}
	if c.HalfOpenMaxRequests == 0 {
		c.HalfOpenMaxRequests = DefaultHalfOpenMaxRequests
	}
	if c.Observer == nil {
		c.Observer = nopObserver{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Guard is an Upstream that applies the circuit breaker and the concurrency
// limit to another Upstream. It is safe for concurrent use and starts no
// goroutines.
type Guard struct {
	up  Upstream
	cfg Config
	cb  circuitbreaker.CircuitBreaker[*telegent.Webhook]
	lim adaptivelimiter.AdaptiveLimiter[*telegent.Webhook]
	// pausedUntil is when sending may resume after Telegent asked us to
	// back off (Retry-After), as Unix nanoseconds; zero or past: not
	// paused.
	pausedUntil atomic.Int64

	// bmu serialises every call into the breaker, so that the guard's own
	// bookkeeping (run, probes, rearming) sees each transition in order.
	// The breaker calls onStateChange with bmu held.
	bmu sync.Mutex
	// run counts the current run of consecutive upstream failures within
	// the rolling Interval (failsafe-go's breaker has no such count).
	run failureRun
	// gen counts the breaker's reported transitions.
	gen uint64
	// probes is how many half-open probes of this generation are in
	// flight.
	probes int
	// rearming is set while a probe that proved nothing gives its slot
	// back: the transitions that takes are not reported.
	rearming bool

	// mu guards the fields below. It is taken after bmu, never before.
	mu sync.Mutex
	// lastFailure is the most recent error counted as an upstream failure,
	// logged when the breaker opens so operators see the cause.
	lastFailure error
	// pending holds state changes not yet reported; flushing is set while a
	// goroutine reports them. Reporting happens outside every lock, so an
	// Observer may call State without deadlocking.
	pending  []stateChange
	flushing bool
	// hasPending is len(pending) > 0, readable without mu.
	hasPending atomic.Bool
}

var _ Upstream = (*Guard)(nil)

// New returns a Guard that sends calls to up within the limits of cfg.
func New(up Upstream, cfg Config) *Guard {
	cfg = cfg.withDefaults()
	g := &Guard{
		up:  up,
		cfg: cfg,
		lim: newLimiter(cfg),
		run: failureRun{period: cfg.Interval / intervalBuckets},
	}
	g.cb = newBreaker(cfg, g.onStateChange)
	return g
}

// CreateWebhook sends req upstream unless the breaker is open or no slot
// frees up in time; then it returns a *Rejection and sends nothing. If ctx
// ends while waiting for a slot it returns a *telegent.Error of KindTimeout
// or KindCanceled, again with nothing sent. Otherwise it returns exactly
// what the upstream returned. UpdateWebhook, DeleteWebhook and
// ListWebhooks are guarded the same way: every call to Telegent counts for
// the breaker and the limit alike.
func (g *Guard) CreateWebhook(ctx context.Context, req *telegent.CreateWebhookRequest) (*telegent.Webhook, error) {
	return guarded(ctx, g, func(ctx context.Context) (*telegent.Webhook, error) { return g.up.CreateWebhook(ctx, req) })
}

// UpdateWebhook sends req upstream within the guard (see CreateWebhook).
func (g *Guard) UpdateWebhook(ctx context.Context, req *telegent.UpdateWebhookRequest) (*telegent.Webhook, error) {
	return guarded(ctx, g, func(ctx context.Context) (*telegent.Webhook, error) { return g.up.UpdateWebhook(ctx, req) })
}

// DeleteWebhook deletes upstream within the guard (see CreateWebhook).
func (g *Guard) DeleteWebhook(ctx context.Context, accountID, webhookID string) error {
	_, err := guarded(ctx, g, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, g.up.DeleteWebhook(ctx, accountID, webhookID)
	})
	return err
}

// ListWebhooks lists upstream within the guard (see CreateWebhook).
func (g *Guard) ListWebhooks(ctx context.Context, accountID string) ([]*telegent.Webhook, error) {
	return guarded(ctx, g, func(ctx context.Context) ([]*telegent.Webhook, error) { return g.up.ListWebhooks(ctx, accountID) })
}

// guarded runs one call to Telegent within the breaker and the limit.
func guarded[T any](ctx context.Context, g *Guard, call func(context.Context) (T, error)) (T, error) {
	var zero T
	if ctx.Err() != nil {
		return zero, contextError(ctx)
	}
	defer g.flush()
	t, ok := g.admit()
	// Report a pending open -> half-open before the probe runs.
	g.flush()
	if !ok {
		return zero, g.reject(RejectedOpen, g.openRemaining())
	}
	permit, err := g.acquire(ctx)
	if err != nil {
		g.record(t, ignored, nil)
		return zero, err.(*guardError).err // only acquire makes these
	}
	// A panicking upstream must not keep its slot (Drop: its duration says
	// nothing about Telegent) and counts as a failure, as any error would.
	settled := false
	defer func() {
		if !settled {
			permit.Drop()
			g.record(t, upstreamFailed, errUpstreamPanicked)
		}
	}()
	res, err := call(ctx)
	settled = true
	g.settle(permit, err)
	g.record(t, classify(err), err)
	return res, err
}

// State reports the breaker's state, e.g. for /readyz details. An open
// breaker whose OpenTimeout has passed turns half-open.
func (g *Guard) State() State {
	s := g.state()
	g.flush()
	return s
}

// guardError marks an error the guard made itself inside the breaker (no
// slot, or the caller gave up waiting for one), so the breaker ignores it.
type guardError struct{ err error }

func (e *guardError) Error() string { return e.err.Error() }
func (e *guardError) Unwrap() error { return e.err }

// reject reports and returns a refusal.
func (g *Guard) reject(reason string, retryAfter time.Duration) *Rejection {
	g.cfg.Observer.Rejected(reason)
	return &Rejection{Reason: reason, RetryAfter: retryAfter}
}

// openRemaining is how long the breaker stays open, rounded up to whole
// seconds (what a Retry-After can say) and at least one second. While
// half-open with every probe slot taken it is that minimum.
func (g *Guard) openRemaining() time.Duration {
	return roundUpSeconds(g.cb.RemainingDelay())
}

// contextError reports that ctx ended before anything was sent upstream.
func contextError(ctx context.Context) *telegent.Error {
	return telegent.ContextError(ctx, telegent.OpCreateWebhook, "the call ended before the request was sent")
}
