package resilience

import (
	"context"
	"time"

	"github.com/failsafe-go/failsafe-go/adaptivelimiter"

	"github.com/platform/telegent-facade/failure"
	"github.com/platform/telegent-facade/internal/ctxutil"
	"github.com/platform/telegent-facade/telegent"
)

// How the adaptive limiter samples Telegent's latency. It compares the p90
// of each window with a moving baseline and moves the limit once per
// window: by 1 below 100, by 2 below 1,000, and so on.
const (
	// limitWindowMin is the shortest window; a window also lasts at least
	// twice the fastest call in it, up to limitWindowMax, so at 50 ms the
	// limit moves every 100 ms. Short windows let the limit grow from its
	// initial value to a few hundred in seconds, not minutes.
	limitWindowMin = 100 * time.Millisecond
	// limitWindowMax bounds a window however slow Telegent is: at 500 ms
	// the limit still moves four times a second, so a slow-down shows in
	// it within seconds (the limiter takes the median of the last five
	// windows' p90, so three slow windows are needed first).
	limitWindowMax = 250 * time.Millisecond
	// limitWindowSamples is the fewest calls a window needs: below it a
	// p90 is noise.
	limitWindowSamples = 20
)

// newLimiter builds the adaptive limit of cfg (defaults applied).
func newLimiter(cfg Config) adaptivelimiter.AdaptiveLimiter[*telegent.Webhook] {
	return adaptivelimiter.NewBuilder[*telegent.Webhook]().
		WithLimits(uint(cfg.MinConcurrent), uint(cfg.MaxConcurrent), uint(cfg.InitialConcurrent)).
		WithRecentWindow(limitWindowMin, limitWindowMax, limitWindowSamples).
		WithLogger(cfg.Logger). // each adjustment, at debug level
		Build()
}

// Concurrency is a snapshot of the limit on calls to Telegent.
type Concurrency struct {
	// Limit is the current adaptive limit, between the configured floor
	// and ceiling.
	Limit int
	// InFlight is how many calls to Telegent are in flight.
	InFlight int
	// PausedFor is how long sending stays paused because Telegent asked
	// us to back off (Retry-After); zero when not paused.
	PausedFor time.Duration
}

// Concurrency reports the limit, the calls in flight and any pause, e.g.
// for metrics and /readyz.
func (g *Guard) Concurrency() Concurrency {
	return Concurrency{Limit: g.lim.Limit(), InFlight: g.lim.Inflight(), PausedFor: g.pauseRemaining()}
}

// acquire takes a permit for one upstream call. It waits at most
// AcquireTimeout, never beyond ctx's deadline, and first for a pause to end
// when that is sooner; a pause that outlasts the wait is refused at once.
func (g *Guard) acquire(ctx context.Context) (adaptivelimiter.Permit, error) {
	start := time.Now()
	if pause := g.pauseRemaining(); pause > 0 {
		dl, hasDeadline := ctx.Deadline()
		if pause > g.cfg.AcquireTimeout || (hasDeadline && start.Add(pause).After(dl)) {
			return nil, &guardError{g.reject(RejectedOverloaded, roundUpSeconds(pause))}
		}
		if ctxutil.Sleep(ctx, pause) != nil {
			return nil, &guardError{contextError(ctx)}
		}
	}
	if p, ok := g.lim.TryAcquirePermit(); ok {
		return p, nil
	}
	p, err := g.lim.AcquirePermitWithMaxWait(ctx, g.cfg.AcquireTimeout-time.Since(start))
	switch {
	case err == nil:
		return p, nil
	case ctx.Err() != nil:
		return nil, &guardError{contextError(ctx)}
	default:
		return nil, &guardError{g.reject(RejectedOverloaded, OverloadedRetryAfter)}
	}
}

// settle releases permit after the upstream answered err, telling the
// limiter what the call says about Telegent:
//   - an answer (a webhook, or the caller's request refused) and a timeout
//     count with their duration: this is the latency the limit follows;
//   - a 429 or 503 (Telegent saying it is too busy) drops the limit back to
//     its initial value when it is above it, and so does a run of
//     failuresToFallBack other failures (5xx, connection errors, malformed
//     answers): a lone one among thousands of calls says little about
//     load, and falling back on each would pin the limit at its initial
//     value. Failures are not counted as latency (a fast 503 is no sign of
//     health). A Retry-After also pauses sending for that long, since every
//     call sent before then would be refused the same way;
//   - a canceled call is not counted at all.
func (g *Guard) settle(permit adaptivelimiter.Permit, err error) {
	if err == nil {
		permit.Record()
		return
	}
	cause, te := failure.Classify(err)
	p := cause.Policy()
	switch {
	case p.Limiter == failure.LimiterRecord:
		permit.Record()
	case p.Limiter == failure.LimiterBusy, p.Breaker == failure.BreakerFailure:
		permit.Drop()
		// The breaker has not counted this failure yet.
		if p.Limiter == failure.LimiterBusy || g.consecutiveFailures()+1 >= failuresToFallBack {
			g.fallBack()
		}
		if te != nil && te.RetryAfter > 0 {
			g.pause(te.RetryAfter)
		}
	default:
		permit.Drop()
	}
}

// failuresToFallBack is how many upstream failures in a row, other than
// 429 and 503, drop the limit back to its initial value.
const failuresToFallBack = 3

// fallBack returns the limit to InitialConcurrent when it is above it:
// Telegent failing or rate-limiting at this concurrency is the plainest
// sign that it is too high.
func (g *Guard) fallBack() {
	if g.lim.Limit() > g.cfg.InitialConcurrent {
		g.lim.Reset()
	}
}

// pause stops sending for d from now, unless a longer pause is on.
func (g *Guard) pause(d time.Duration) {
	until := time.Now().Add(d).UnixNano()
	for {
		cur := g.pausedUntil.Load()
		if cur >= until || g.pausedUntil.CompareAndSwap(cur, until) {
			return
		}
	}
}

// pauseRemaining is how long the current pause lasts; zero when none.
func (g *Guard) pauseRemaining() time.Duration {
	until := g.pausedUntil.Load()
	if until == 0 {
		return 0
	}
	return max(time.Until(time.Unix(0, until)), 0)
}

// roundUpSeconds rounds d up to whole seconds, at least one: what a
// Retry-After can say.
func roundUpSeconds(d time.Duration) time.Duration {
	if d <= time.Second {
		return time.Second
	}
	return (d + time.Second - 1).Truncate(time.Second)
}
