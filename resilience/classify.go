package resilience

import (
	"context"
	"errors"

	"github.com/platform/telegent-facade/telegent"
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

// kindOutcomes classifies every telegent.Kind. A test fails when telegent
// grows a Kind that is missing here, so each new kind gets a decision.
var kindOutcomes = map[telegent.Kind]outcome{
	// Telegent is failing or unreachable.
	telegent.KindUpstreamUnavailable: upstreamFailed,
	telegent.KindConnection:          upstreamFailed,
	// The caller's deadline passed while Telegent worked on it: slow.
	telegent.KindTimeout:           upstreamFailed,
	telegent.KindMalformedResponse: upstreamFailed,

	// The caller's request was refused: Telegent is up and answering.
	telegent.KindBadRequest: healthy,
	telegent.KindForbidden:  healthy,
	telegent.KindNotFound:   healthy,
	telegent.KindConflict:   healthy,
	// Telegent is healthy, just throttling us; the caller sees the 429.
	telegent.KindRateLimited: healthy,
	// Our credentials are wrong. Telegent is answering; opening the breaker
	// would hide the real cause behind "circuit open".
	telegent.KindUnauthorized:        healthy,
	telegent.KindCredentialsRejected: healthy,

	// The caller canceled: no evidence either way.
	telegent.KindCanceled: ignored,
}

// classify says how a result of the upstream call counts for the breaker.
// Errors that are not *telegent.Error (another Upstream implementation) are
// upstream failures, except context cancellation.
func classify(err error) outcome {
	if err == nil {
		return healthy
	}
	if _, ok := errors.AsType[*guardError](err); ok {
		return ignored
	}
	if _, ok := errors.AsType[*Rejection](err); ok {
		return ignored
	}
	if te, ok := errors.AsType[*telegent.Error](err); ok {
		if o, ok := kindOutcomes[te.Kind]; ok {
			return o
		}
		return upstreamFailed
	}
	if errors.Is(err, context.Canceled) {
		return ignored
	}
	return upstreamFailed
}
