// Package resilience bounds how the facade uses Telegent. Guard decorates the
// upstream with two limits:
//
//   - a circuit breaker (github.com/sony/gobreaker/v2) that stops sending
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
// counted at all (classify.go holds the table).
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
	"github.com/sony/gobreaker/v2"

	"github.com/platform/telegent-facade/telegent"
)

// Upstream is the part of Telegent that Guard protects. It has the same
// method set as service.Upstream (this package cannot import service, which
// uses it), so *telegent.Client and *Guard both satisfy either.
type Upstream interface {
	CreateWebhook(ctx context.Context, req *telegent.CreateWebhookRequest) (*telegent.Webhook, error)
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

// breakerName names the breaker in gobreaker's callbacks and in logs.
const breakerName = "telegent"

// intervalBuckets is how many buckets the rolling window is cut into: counts
// age out one tenth of Interval at a time instead of all at once.
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
	// MinRequests completed. A value above 1 turns this rule off.
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
	cb  *gobreaker.CircuitBreaker[*telegent.Webhook]
	lim adaptivelimiter.AdaptiveLimiter[*telegent.Webhook]
	// pausedUntil is when sending may resume after Telegent asked us to
	// back off (Retry-After), as Unix nanoseconds; zero or past: not
	// paused.
	pausedUntil atomic.Int64

	// mu guards the fields below. gobreaker calls onStateChange and the
	// classification with its own lock held, so mu is always taken after
	// that lock and never held while calling into the breaker.
	mu sync.Mutex
	// openUntil is when the breaker leaves the open state.
	openUntil time.Time
	// lastFailure is the most recent error counted as an upstream failure,
	// logged when the breaker opens so operators see the cause.
	lastFailure error
	// pending holds state changes not yet reported; flushing is set while a
	// goroutine reports them. Reporting happens outside the breaker's lock,
	// so an Observer may call State without deadlocking.
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
	}
	st := gobreaker.Settings{
		Name:          breakerName,
		MaxRequests:   cfg.HalfOpenMaxRequests,
		Interval:      cfg.Interval,
		BucketPeriod:  cfg.Interval / intervalBuckets,
		Timeout:       cfg.OpenTimeout,
		ReadyToTrip:   g.readyToTrip,
		OnStateChange: g.onStateChange,
		IsSuccessful:  g.isSuccessful,
		IsExcluded:    isExcluded,
	}
	g.cb = gobreaker.NewCircuitBreaker[*telegent.Webhook](st)
	return g
}

// CreateWebhook sends req upstream unless the breaker is open or no slot
// frees up in time; then it returns a *Rejection and sends nothing. If ctx
// ends while waiting for a slot it returns a *telegent.Error of KindTimeout
// or KindCanceled, again with nothing sent. Otherwise it returns exactly
// what the upstream returned.
func (g *Guard) CreateWebhook(ctx context.Context, req *telegent.CreateWebhookRequest) (*telegent.Webhook, error) {
	if ctx.Err() != nil {
		return nil, contextError(ctx)
	}
	defer g.flush()
	w, err := g.cb.Execute(func() (*telegent.Webhook, error) {
		// Report a pending open -> half-open before the probe runs.
		g.flush()
		permit, err := g.acquire(ctx)
		if err != nil {
			return nil, err
		}
		// A panicking upstream must not keep its slot: Drop, as its
		// duration says nothing about Telegent.
		settled := false
		defer func() {
			if !settled {
				permit.Drop()
			}
		}()
		w, err := g.up.CreateWebhook(ctx, req)
		settled = true
		g.settle(permit, err)
		return w, err
	})
	if err == nil {
		return w, nil
	}
	// gobreaker returns its own refusals unwrapped.
	if err == gobreaker.ErrOpenState || err == gobreaker.ErrTooManyRequests {
		return nil, g.reject(RejectedOpen, g.openRemaining())
	}
	if ge, ok := err.(*guardError); ok { // only acquire makes these, unwrapped
		return nil, ge.err
	}
	return w, err
}

// State reports the breaker's state, e.g. for /readyz details. An open
// breaker whose OpenTimeout has passed reports half-open.
func (g *Guard) State() State {
	s := fromBreaker(g.cb.State())
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
	g.mu.Lock()
	until := g.openUntil
	g.mu.Unlock()
	d := time.Until(until)
	if d <= time.Second {
		return time.Second
	}
	return (d + time.Second - 1).Truncate(time.Second)
}

// contextError reports that ctx ended before anything was sent upstream.
func contextError(ctx context.Context) *telegent.Error {
	return telegent.ContextError(ctx, telegent.OpCreateWebhook, "the call ended before the request was sent")
}

// readyToTrip opens the breaker on FailureThreshold consecutive failures, or
// on FailureRatio once MinRequests calls completed within the window.
// Ignored calls (see isExcluded) and calls still in flight are not in the
// ratio.
func (g *Guard) readyToTrip(c gobreaker.Counts) bool {
	if c.ConsecutiveFailures >= g.cfg.FailureThreshold {
		return true
	}
	completed := c.TotalSuccesses + c.TotalFailures
	return completed >= g.cfg.MinRequests &&
		float64(c.TotalFailures) >= g.cfg.FailureRatio*float64(completed)
}

// isSuccessful tells gobreaker whether a non-ignored result counts as
// success, remembering the last failure for the log line.
func (g *Guard) isSuccessful(err error) bool {
	if classify(err) != upstreamFailed {
		return true
	}
	g.mu.Lock()
	g.lastFailure = err
	g.mu.Unlock()
	return false
}

// isExcluded tells gobreaker to count a result neither way.
func isExcluded(err error) bool { return classify(err) == ignored }
