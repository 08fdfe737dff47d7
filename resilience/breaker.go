package resilience

import (
	"errors"
	"math"
	"time"

	"github.com/failsafe-go/failsafe-go/circuitbreaker"

	"github.com/platform/telegent-facade/telegent"
)

// The breaker is failsafe-go's, driven through its standalone API
// (TryAcquirePermit, RecordSuccess, RecordFailure), since the failure
// table, not a library predicate, decides what a result counts as. Three
// rules of the facade's breaker are kept here because the library has no
// equivalent:
//   - failsafe-go's closed state opens on a failure rate or on a failure
//     count, never on either: the rate rule is the library's, and
//     FailureThreshold consecutive failures (within the rolling Interval)
//     is counted in run and opens the breaker explicitly;
//   - a result that proves nothing (the caller canceled, the guard found
//     no slot) cannot be left unrecorded without using up a half-open
//     probe slot for good: such a probe gives its slot back by rearming
//     the half-open state;
//   - half-open admits HalfOpenMaxRequests probes, and closes when all of
//     them succeed (WithSuccessThreshold), not after the rate rule's
//     MinRequests.

// errUpstreamPanicked is the failure recorded when the upstream panics.
var errUpstreamPanicked = errors.New("the upstream call panicked")

// newBreaker builds the breaker of cfg (defaults applied).
func newBreaker(cfg Config, onStateChange func(circuitbreaker.StateChangedEvent)) circuitbreaker.CircuitBreaker[*telegent.Webhook] {
	ratio, minRequests := cfg.FailureRatio, uint(cfg.MinRequests)
	if ratio > 1 {
		// The rate rule is off: a rate of 1 that no number of calls reaches.
		ratio, minRequests = 1, math.MaxUint
	}
	return circuitbreaker.NewBuilder[*telegent.Webhook]().
		WithFailureRateThreshold(ratio, minRequests, cfg.Interval).
		WithSuccessThreshold(uint(cfg.HalfOpenMaxRequests)).
		WithDelay(cfg.OpenTimeout).
		OnStateChanged(onStateChange).
		Build()
}

// ticket is what admit hands a call it lets through.
type ticket struct {
	// gen is the breaker's generation (its count of transitions) when the
	// call was let through.
	gen uint64
	// probe: the call is a half-open probe.
	probe bool
}

// admit asks the breaker for a permit.
func (g *Guard) admit() (ticket, bool) {
	g.bmu.Lock()
	defer g.bmu.Unlock()
	if !g.cb.TryAcquirePermit() {
		return ticket{}, false
	}
	t := ticket{gen: g.gen, probe: g.cb.IsHalfOpen()}
	if t.probe {
		g.probes++
	}
	return t, true
}

// record tells the breaker how a call that admit let through ended. A
// result from before the last transition is not counted: it says nothing
// about the state the breaker is in now (and a stale success would hand
// half-open a probe slot it never gave out).
func (g *Guard) record(t ticket, o outcome, err error) {
	g.bmu.Lock()
	defer g.bmu.Unlock()
	if t.gen != g.gen {
		return
	}
	if t.probe {
		g.probes--
	}
	switch o {
	case healthy:
		g.run.reset()
		g.cb.RecordSuccess()
	case upstreamFailed:
		g.mu.Lock()
		g.lastFailure = err
		g.mu.Unlock()
		n := g.run.add(time.Now())
		g.cb.RecordFailure()
		if g.cb.IsClosed() && n >= g.cfg.FailureThreshold {
			g.cb.Open()
		}
	case ignored:
		if t.probe {
			g.rearm()
		}
	}
}

// rearm gives a probe's slot back after it proved nothing: a fresh
// half-open state, less the slots of the probes still in flight. The
// transitions are not reported: the breaker stays half-open throughout.
// bmu must be held.
func (g *Guard) rearm() {
	g.rearming = true
	g.cb.Open()
	g.cb.HalfOpen()
	g.rearming = false
	for range g.probes {
		g.cb.TryAcquirePermit()
	}
}

// state is the breaker's state, moving an open breaker whose delay has
// passed to half-open (as a call would).
func (g *Guard) state() State {
	g.bmu.Lock()
	defer g.bmu.Unlock()
	if g.cb.IsOpen() && g.cb.RemainingDelay() <= 0 {
		g.cb.HalfOpen()
	}
	return fromBreaker(g.cb.State())
}

// consecutiveFailures is the current run of upstream failures within the
// rolling Interval.
func (g *Guard) consecutiveFailures() uint32 {
	g.bmu.Lock()
	defer g.bmu.Unlock()
	return g.run.count(time.Now())
}

// failureRun counts a run of consecutive failures over a rolling window cut
// into intervalBuckets buckets of period, so that failures age out of the
// run as they age out of the failure rate's window.
type failureRun struct {
	period time.Duration
	// counts[i] holds the failures of bucket epochs[i] (time / period).
	counts [intervalBuckets]uint32
	epochs [intervalBuckets]int64
}

func (r *failureRun) epoch(now time.Time) int64 {
	return now.UnixNano() / int64(max(r.period, 1))
}

// add counts a failure at now and returns the run's length.
func (r *failureRun) add(now time.Time) uint32 {
	e := r.epoch(now)
	i := e % intervalBuckets
	if r.epochs[i] != e {
		r.epochs[i], r.counts[i] = e, 0
	}
	r.counts[i]++
	return r.count(now)
}

// count is the run's length at now: its failures in the last
// intervalBuckets buckets.
func (r *failureRun) count(now time.Time) uint32 {
	e := r.epoch(now)
	var n uint32
	for i := range r.counts {
		if r.epochs[i] > e-intervalBuckets && r.epochs[i] <= e {
			n += r.counts[i]
		}
	}
	return n
}

func (r *failureRun) reset() {
	r.counts = [intervalBuckets]uint32{}
}
