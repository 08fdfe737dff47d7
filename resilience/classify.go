package resilience

import (
	"errors"

	"github.com/platform/telegent-facade/failure"
)

// outcome is what one upstream result says about Telegent's health.
type outcome int

const (
	// healthy: Telegent answered (possibly refusing the request); counts as
	// a success, which also ends a run of consecutive failures.
	healthy outcome = iota
	// ignored: says nothing about Telegent (the caller gave up, or the
	// guard refused the call itself); counted neither way, and a half-open
	// probe ending like this frees its probe slot.
	ignored
	// upstreamFailed: Telegent is failing; counts toward opening the breaker.
	upstreamFailed
)

// breakerOutcomes turns the failure table's breaker verdict into outcome.
var breakerOutcomes = map[failure.Breaker]outcome{
	failure.BreakerSuccess: healthy,
	failure.BreakerIgnore:  ignored,
	failure.BreakerFailure: upstreamFailed,
}

// classify says how a result of the upstream call counts for the breaker,
// as the failure table's Breaker column says. The guard's own errors
// (waiting for a slot) count neither way.
func classify(err error) outcome {
	if err == nil {
		return healthy
	}
	if _, ok := errors.AsType[*guardError](err); ok {
		return ignored
	}
	c, _ := failure.Classify(err)
	return breakerOutcomes[c.Policy().Breaker]
}
