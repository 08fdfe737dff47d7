package resilience

import (
	"context"
	"log/slog"
	"strconv"

	"github.com/failsafe-go/failsafe-go/circuitbreaker"
)

// State is the circuit breaker's state.
type State int

// The breaker's states.
const (
	// StateClosed: calls go upstream; failures are counted.
	StateClosed State = iota
	// StateHalfOpen: OpenTimeout passed; up to HalfOpenMaxRequests probes
	// go upstream to test whether Telegent recovered.
	StateHalfOpen
	// StateOpen: calls are refused with RejectedOpen without being sent.
	StateOpen
)

// String returns "closed", "half-open" or "open".
func (s State) String() string {
	switch s {
	case StateClosed:
		return "closed"
	case StateHalfOpen:
		return "half-open"
	case StateOpen:
		return "open"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

func fromBreaker(s circuitbreaker.State) State {
	switch s {
	case circuitbreaker.HalfOpenState:
		return StateHalfOpen
	case circuitbreaker.OpenState:
		return StateOpen
	}
	return StateClosed
}

// Observer receives Guard's events, e.g. to export metrics. Calls come from
// the goroutines calling Guard, never while Guard holds a lock, so an
// Observer may call Guard.State; it should be quick, since a caller waits
// for it. State changes arrive in the order they happened.
type Observer interface {
	// BreakerStateChanged reports a transition of the breaker.
	BreakerStateChanged(from, to State)
	// Rejected reports a call refused without being sent: RejectedOpen or
	// RejectedOverloaded.
	Rejected(reason string)
}

type nopObserver struct{}

func (nopObserver) BreakerStateChanged(State, State) {}
func (nopObserver) Rejected(string)                  {}

// stateChange is one transition waiting to be reported.
type stateChange struct {
	from, to    State
	lastFailure error // set when to is StateOpen
}

// onStateChange is the breaker's listener. Every call into the breaker is
// made with bmu held, so it runs with bmu held: it starts the guard's own
// counts afresh, records the change, and leaves reporting to flush.
func (g *Guard) onStateChange(e circuitbreaker.StateChangedEvent) {
	if g.rearming {
		return
	}
	g.gen++
	g.run.reset()
	g.probes = 0
	c := stateChange{from: fromBreaker(e.OldState), to: fromBreaker(e.NewState)}
	g.mu.Lock()
	defer g.mu.Unlock()
	if c.to == StateOpen {
		c.lastFailure = g.lastFailure
	}
	g.pending = append(g.pending, c)
	g.hasPending.Store(true)
}

// flush reports pending state changes, in order, outside every lock. Only
// one goroutine reports at a time; changes recorded meanwhile are picked up
// by that goroutine's loop. Every call runs it, so the usual case, nothing
// pending, takes no lock.
func (g *Guard) flush() {
	if !g.hasPending.Load() {
		return
	}
	g.mu.Lock()
	if g.flushing || len(g.pending) == 0 {
		g.mu.Unlock()
		return
	}
	g.flushing = true
	done := false
	defer func() {
		if !done { // an Observer or the log handler panicked
			g.mu.Lock()
			g.flushing = false
			g.mu.Unlock()
		}
	}()
	for {
		batch := g.pending
		g.pending = nil
		g.hasPending.Store(false)
		g.mu.Unlock()
		for _, c := range batch {
			g.report(c)
		}
		g.mu.Lock()
		if len(g.pending) == 0 {
			g.flushing = false
			done = true
			g.mu.Unlock()
			return
		}
	}
}

func (g *Guard) report(c stateChange) {
	attrs := []slog.Attr{
		slog.String("breaker", breakerName),
		slog.String("from", c.from.String()),
		slog.String("to", c.to.String()),
	}
	if c.to == StateOpen {
		attrs = append(attrs, slog.Duration("open_for", g.cfg.OpenTimeout))
		if c.lastFailure != nil {
			attrs = append(attrs, slog.String("last_failure", c.lastFailure.Error()))
		}
	}
	g.cfg.Logger.LogAttrs(context.Background(), slog.LevelWarn, "Telegent circuit breaker changed state", attrs...)
	g.cfg.Observer.BreakerStateChanged(c.from, c.to)
}
