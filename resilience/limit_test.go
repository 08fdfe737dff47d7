package resilience

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/platform/telegent-facade/telegent"
)

// The limiter reads time.Now, so these tests run in a synctest bubble: its
// fake clock moves only when every goroutine in it waits, which makes
// Telegent's latency exact and the test independent of the machine's load.

// slowUpstream answers after a settable latency; while failWith is set it
// answers that error at once instead.
type slowUpstream struct {
	latency  atomic.Int64 // time.Duration
	mu       sync.Mutex
	failWith error
	calls    atomic.Int64
	inFlight atomic.Int64
	maxSeen  atomic.Int64
}

func (u *slowUpstream) setLatency(d time.Duration) { u.latency.Store(int64(d)) }

func (u *slowUpstream) fail(err error) {
	u.mu.Lock()
	u.failWith = err
	u.mu.Unlock()
}

func (u *slowUpstream) CreateWebhook(ctx context.Context, req *telegent.CreateWebhookRequest) (*telegent.Webhook, error) {
	u.calls.Add(1)
	n := u.inFlight.Add(1)
	defer u.inFlight.Add(-1)
	for {
		m := u.maxSeen.Load()
		if n <= m || u.maxSeen.CompareAndSwap(m, n) {
			break
		}
	}
	u.mu.Lock()
	err := u.failWith
	u.mu.Unlock()
	if err != nil {
		return nil, err
	}
	t := time.NewTimer(time.Duration(u.latency.Load()))
	defer t.Stop()
	select {
	case <-t.C:
		return &telegent.Webhook{WebhookId: "WID-1", AccountId: req.AccountId}, nil
	case <-ctx.Done():
		return nil, &telegent.Error{Kind: telegent.KindCanceled, Op: telegent.OpCreateWebhook, Err: ctx.Err()}
	}
}

// drive keeps workers callers calling g for d of (fake) time and returns
// how many calls succeeded.
func drive(g *Guard, workers int, d time.Duration) int64 {
	var ok atomic.Int64
	end := time.Now().Add(d)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for time.Now().Before(end) {
				if _, err := call(g); err == nil {
					ok.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return ok.Load()
}

// TestLimitFollowsLatency drives one guard through growth at a steady
// latency, a tenfold latency rise, a 429 with Retry-After, and recovery.
func TestLimitFollowsLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const (
			ceiling = 400
			floor   = 4
			initial = 8
			workers = 200
		)
		u := &slowUpstream{}
		u.setLatency(50 * time.Millisecond)
		g := New(u, Config{MaxConcurrent: ceiling, MinConcurrent: floor, InitialConcurrent: initial, FailureThreshold: 1000})
		if c := g.Concurrency(); c.Limit != initial || c.InFlight != 0 || c.PausedFor != 0 {
			t.Fatalf("at start: %+v, want limit %d, nothing in flight, no pause", c, initial)
		}

		// Growth: latency stays at its minimum while callers want more.
		drive(g, workers, 20*time.Second)
		grown := g.Concurrency().Limit
		if grown < 4*initial || grown > ceiling {
			t.Fatalf("limit after 20s at a steady 50ms = %d, want it grown to at least %d (ceiling %d)", grown, 4*initial, ceiling)
		}
		if got := u.maxSeen.Load(); got > ceiling {
			t.Errorf("%d calls in flight at once, above the ceiling %d", got, ceiling)
		}

		// A latency rise: the limit falls.
		u.setLatency(500 * time.Millisecond)
		drive(g, workers, 10*time.Second)
		risen := g.Concurrency().Limit
		t.Logf("limit: %d at start, %d after 20s at 50ms, %d 10s after the rise to 500ms", initial, grown, risen)
		if risen >= grown {
			t.Fatalf("limit 10s after latency rose tenfold = %d, want below %d", risen, grown)
		}
		if risen < floor {
			t.Fatalf("limit %d fell through the floor %d", risen, floor)
		}

		// A 429 with Retry-After: the limit falls back to its initial value
		// and nothing is sent until Retry-After passes.
		rateLimited := upstreamErr(telegent.KindRateLimited)
		rateLimited.RetryAfter = 2 * time.Second
		u.fail(rateLimited)
		if _, err := call(g); err != rateLimited {
			t.Fatalf("call answered 429: error %v, want the upstream's", err)
		}
		u.fail(nil)
		c := g.Concurrency()
		if c.Limit != initial || c.PausedFor != 2*time.Second {
			t.Fatalf("after a 429 with Retry-After 2s: %+v, want limit %d and a 2s pause", c, initial)
		}
		sent := u.calls.Load()
		start := time.Now()
		_, err := call(g)
		wantRejection(t, err, RejectedOverloaded, 2*time.Second)
		if waited := time.Since(start); waited != 0 {
			t.Errorf("a call during a pause longer than AcquireTimeout waited %v, want a refusal at once", waited)
		}
		if u.calls.Load() != sent {
			t.Error("a call was sent during the pause")
		}
		time.Sleep(2 * time.Second)
		u.setLatency(50 * time.Millisecond)
		if _, err := call(g); err != nil {
			t.Fatalf("call after the pause: %v", err)
		}

		// Recovery: latency back at its minimum, the limit grows again.
		drive(g, workers, 20*time.Second)
		if got := g.Concurrency().Limit; got < 4*initial {
			t.Errorf("limit 20s after recovery = %d, want it grown to at least %d again", got, 4*initial)
		}
		if got := u.maxSeen.Load(); got > ceiling {
			t.Errorf("%d calls in flight at once, above the ceiling %d", got, ceiling)
		}
		wantState(t, g, StateClosed)
		if !slotsFree(g, g.Concurrency().Limit) {
			t.Error("slots leaked")
		}
	})
}

// TestFailureFallsBack: a 429 or 503, or three other upstream failures in
// a row, drop a limit above the initial value back to it, and a
// Retry-After pauses sending; a lone failure, and answers that say nothing
// against Telegent, leave the limit alone.
func TestFailureFallsBack(t *testing.T) {
	t.Parallel()
	unavailable := upstreamErr(telegent.KindUpstreamUnavailable)
	unavailable.RetryAfter = 3 * time.Second
	internal := upstreamErr(telegent.KindUpstreamUnavailable)
	internal.StatusCode = 500
	initial := func(int) int { return 8 }
	unchanged := func(g int) int { return g }
	tests := map[string]struct {
		err       error
		times     int // answers in a row
		wantLimit func(grown int) int
		wantPause time.Duration
	}{
		"503 with Retry-After":         {unavailable, 1, initial, 3 * time.Second},
		"429 without Retry-After":      {upstreamErr(telegent.KindRateLimited), 1, initial, 0},
		"one 500":                      {internal, 1, unchanged, 0},
		"two connection failures":      {upstreamErr(telegent.KindConnection), 2, unchanged, 0},
		"three connection failures":    {upstreamErr(telegent.KindConnection), 3, initial, 0},
		"three malformed answers":      {upstreamErr(telegent.KindMalformedResponse), 3, initial, 0},
		"three 500s":                   {internal, 3, initial, 0},
		"caller's 4xx, three times":    {upstreamErr(telegent.KindConflict), 3, unchanged, 0},
		"caller canceled, three times": {upstreamErr(telegent.KindCanceled), 3, unchanged, 0},
		"our credentials (refused)":    {upstreamErr(telegent.KindCredentialsRejected), 3, unchanged, 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				u := &slowUpstream{}
				u.setLatency(50 * time.Millisecond)
				g := New(u, Config{MaxConcurrent: 400, MinConcurrent: 4, InitialConcurrent: 8, FailureThreshold: 1000})
				drive(g, 100, 10*time.Second)
				grown := g.Concurrency().Limit
				if grown <= 8 {
					t.Fatalf("limit did not grow: %d", grown)
				}
				u.fail(tc.err)
				for range tc.times {
					if _, err := call(g); err != tc.err {
						t.Fatalf("error = %v, want the upstream's %v", err, tc.err)
					}
				}
				c := g.Concurrency()
				if want := tc.wantLimit(grown); c.Limit != want || c.PausedFor != tc.wantPause {
					t.Errorf("after the answer: %+v, want limit %d, pause %v", c, want, tc.wantPause)
				}
			})
		})
	}
}

// TestShortPauseDelays: a pause that ends within AcquireTimeout delays the
// call instead of refusing it; one that outlasts the caller's deadline is
// refused at once.
func TestShortPauseDelays(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		u := &slowUpstream{}
		g := New(u, Config{FailureThreshold: 1000})
		rateLimited := upstreamErr(telegent.KindRateLimited)
		rateLimited.RetryAfter = 200 * time.Millisecond
		u.fail(rateLimited)
		_, _ = call(g)
		u.fail(nil)

		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := g.CreateWebhook(ctx, testReq)
		wantRejection(t, err, RejectedOverloaded, time.Second)
		if waited := time.Since(start); waited != 0 {
			t.Errorf("a call whose deadline ends inside the pause waited %v", waited)
		}

		start = time.Now()
		if _, err := call(g); err != nil {
			t.Fatalf("call during a short pause: %v", err)
		}
		if waited := time.Since(start); waited != 200*time.Millisecond {
			t.Errorf("call waited %v, want the pause's 200ms", waited)
		}
		if got := u.calls.Load(); got != 2 {
			t.Errorf("upstream calls = %d, want 2", got)
		}
	})
}

func (u *slowUpstream) UpdateWebhook(ctx context.Context, req *telegent.UpdateWebhookRequest) (*telegent.Webhook, error) {
	return u.CreateWebhook(ctx, &req.CreateWebhookRequest)
}

func (u *slowUpstream) DeleteWebhook(ctx context.Context, _, _ string) error {
	_, err := u.CreateWebhook(ctx, &telegent.CreateWebhookRequest{})
	return err
}

func (u *slowUpstream) ListWebhooks(ctx context.Context, _ string) ([]*telegent.Webhook, error) {
	w, err := u.CreateWebhook(ctx, &telegent.CreateWebhookRequest{})
	if err != nil {
		return nil, err
	}
	return []*telegent.Webhook{w}, nil
}
