package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/platform/telegent-facade/failure"
	"github.com/platform/telegent-facade/internal/testutil"
	"github.com/platform/telegent-facade/telegentsim"
)

// noBreaker keeps the circuit breaker out of tests about other behaviour.
var noBreaker = []string{"--breaker-failures", "100000", "--breaker-failure-ratio", "2"}

// withinDeadline is how long after its start a call with deadline d may be
// answered: five times d, since -race binaries on a loaded 2-core machine
// are slow. It still catches a call that waits for Telegent's slow
// answer, which the faults below hold for longer than that.
func withinDeadline(d time.Duration) time.Duration { return 5 * d }

// TestFaultInjectionUnderLoad sends concurrent calls over gRPC and REST,
// each meeting a random upstream fault, while tokens are revoked mid-load.
// Every call gets one definite answer well before Telegent's slowest, and
// no webhook is ever created twice.
func TestFaultInjectionUnderLoad(t *testing.T) {
	s := startSim(t)
	f := startFacade(t, s.url, nil, noBreaker...)
	faults := map[string]codes.Code{
		"":                     codes.OK,
		"latency:20ms":         codes.OK,
		"latency:30s":          codes.DeadlineExceeded, // above withinDeadline(deadline)
		"status:500":           codes.Unavailable,
		"status:503":           codes.Unavailable,
		"status:500;once":      codes.Unavailable, // a burst: never retried, so still one failure
		"drop:before-body":     codes.Unavailable,
		"drop:after-body":      codes.Unavailable,
		"body:malformed":       codes.Internal,
		"status:429":           codes.ResourceExhausted,
		"latency:100ms;once":   codes.OK,
		"status:503;body:html": codes.Unavailable,
	}
	specs := make([]string, 0, len(faults))
	for spec := range faults {
		specs = append(specs, spec)
	}

	const calls = 240
	// Seconds, not milliseconds: on a loaded 2-core machine a call that
	// meets no fault may itself take several hundred milliseconds.
	const deadline = 3 * time.Second
	stopRevoking := make(chan struct{})
	var revoker sync.WaitGroup
	revoker.Go(func() {
		for range 5 {
			select {
			case <-stopRevoking:
				return
			case <-time.After(100 * time.Millisecond):
				s.admin(t, http.MethodPost, "/_sim/revoke-tokens", nil, nil)
			}
		}
	})

	type result struct {
		url     string
		want    codes.Code
		got     codes.Code
		reason  string
		elapsed time.Duration
	}
	results := make(chan result, calls)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 24)
	for i := range calls {
		spec := specs[rand.IntN(len(specs))]
		p := protocols[i%2]
		url := fmt.Sprintf("https://hooks.example.com/load/%d", i)
		if spec != "" {
			url += "?sim-fault=" + spec
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(t.Context(), deadline)
			defer cancel()
			start := time.Now()
			o := p.call(ctx, t, f, basicReq(url))
			r := result{url: url, want: faults[spec], got: o.code, elapsed: time.Since(start)}
			if o.status != nil {
				r.reason = errorInfo(o.status).GetReason()
			}
			results <- r
		})
	}
	wg.Wait()
	close(stopRevoking)
	revoker.Wait()
	close(results)

	answered, revokedTwice := 0, 0
	for r := range results {
		answered++
		switch {
		case r.got == r.want:
		case r.got == codes.Internal && r.reason == failure.ReasonUpstreamUnauthorized:
			// Its token was revoked, and the fresh one revoked again before
			// the single retry: "401 after one fresh-token retry".
			revokedTwice++
		default:
			t.Errorf("%s: code %v (%s), want %v", r.url, r.got, r.reason, r.want)
		}
		if r.elapsed > withinDeadline(deadline) {
			t.Errorf("%s: answered after %v, deadline %v", r.url, r.elapsed, deadline)
		}
	}
	if answered != calls {
		t.Errorf("%d answers for %d calls", answered, calls)
	}
	c := s.counters(t)
	if c.DuplicateCreates != 0 {
		t.Errorf("a webhook was created twice: %+v", c)
	}
	var byURL map[string]int
	s.admin(t, http.MethodGet, "/_sim/creates-by-url", nil, &byURL)
	for url, n := range byURL {
		if n > 1 {
			t.Errorf("%s created %d times", url, n)
		}
	}
	t.Logf("counters after load: %+v; calls whose fresh token was revoked too: %d", c, revokedTwice)
}

// TestTokenEndpointFaults: Telegent's token endpoint down or slow gives a
// fast, precise answer, and the facade recovers when it comes back.
func TestTokenEndpointFaults(t *testing.T) {
	s := startSim(t)
	f := startFacade(t, s.url, nil, noBreaker...)
	tests := []struct {
		name     string
		fault    telegentsim.Faults
		deadline time.Duration
		want     codes.Code
		reason   string
	}{
		{"down", telegentsim.Faults{TokenStatus: 503}, 5 * time.Second, codes.Unavailable, failure.ReasonUpstreamUnavailable},
		{"dropping", telegentsim.Faults{TokenDrop: true}, 5 * time.Second, codes.Unavailable, failure.ReasonUpstreamConnection},
		// withinDeadline(1s) is well below the token call's latency.
		{"slow", telegentsim.Faults{TokenLatency: 8 * time.Second}, time.Second, codes.DeadlineExceeded, ""},
		{"refusing", telegentsim.Faults{TokenStatus: 401}, 5 * time.Second, codes.Internal, failure.ReasonUpstreamCredentialsRejected},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s.admin(t, http.MethodPut, "/_sim/faults", tc.fault, nil)
			s.admin(t, http.MethodPost, "/_sim/revoke-tokens", nil, nil) // force a fetch
			for _, p := range protocols {
				ctx, cancel := context.WithTimeout(t.Context(), tc.deadline)
				start := time.Now()
				o := p.call(ctx, t, f, basicReq(uniqueURL(t, "")+"&"+p.name))
				cancel()
				o.check(t, tc.want)
				if elapsed := time.Since(start); elapsed > withinDeadline(tc.deadline) {
					t.Errorf("%s: answered after %v", p.name, elapsed)
				}
				if tc.reason != "" {
					if info := errorInfo(o.status); info.GetReason() != tc.reason {
						t.Errorf("%s: reason %q, want %q", p.name, info.GetReason(), tc.reason)
					}
				}
			}
			s.admin(t, http.MethodPut, "/_sim/faults", telegentsim.Faults{}, nil)
			o := protocols[0].call(t.Context(), t, f, basicReq(uniqueURL(t, "")+"&recovered"))
			o.check(t, codes.OK)
		})
	}
	if c := s.counters(t); c.DuplicateCreates != 0 {
		t.Errorf("duplicates: %+v", c)
	}
}

// TestCircuitBreaker: Telegent failures open the breaker, which then
// answers UNAVAILABLE without calling Telegent, shows in /readyz and the
// metrics, and closes again once a probe succeeds. The caller's own bad
// requests never open it.
func TestCircuitBreaker(t *testing.T) {
	s := startSim(t)
	f := startFacade(t, s.url, nil, "--breaker-failures", "3", "--breaker-failure-ratio", "2", "--breaker-open-timeout", "300ms")
	grpcCall := protocols[0].call

	for i := range 10 {
		o := grpcCall(t.Context(), t, f, basicReq(uniqueURL(t, "status:400")+fmt.Sprint("&", i)))
		o.check(t, codes.InvalidArgument)
	}
	if _, body := f.get(t, "/readyz"); !strings.Contains(body, `"closed"`) {
		t.Fatalf("caller errors opened the breaker: %s", body)
	}

	for i := range 3 {
		grpcCall(t.Context(), t, f, basicReq(uniqueURL(t, "status:503")+fmt.Sprint("&", i))).check(t, codes.Unavailable)
	}
	before := s.counters(t).CreatesAttempted
	for _, p := range protocols {
		o := p.call(t.Context(), t, f, basicReq(uniqueURL(t, "")+"&"+p.name))
		o.check(t, codes.Unavailable)
		if info := errorInfo(o.status); info.GetReason() != failure.ReasonCircuitOpen {
			t.Errorf("%s: reason %q, want %s", p.name, info.GetReason(), failure.ReasonCircuitOpen)
		}
	}
	if after := s.counters(t).CreatesAttempted; after != before {
		t.Errorf("calls reached Telegent while the breaker was open: %d -> %d", before, after)
	}
	if _, body := f.get(t, "/readyz"); !strings.Contains(body, `"open"`) {
		t.Errorf("/readyz does not show the open breaker: %s", body)
	}
	if _, m := f.get(t, "/metrics"); !strings.Contains(m, "telegent_facade_upstream_circuit_breaker_state 2") ||
		!strings.Contains(m, `telegent_facade_upstream_rejections_total{reason="circuit_open"} 2`) {
		t.Errorf("metrics lack the open breaker and its rejections")
	}

	// After the open timeout one probe goes through; its success closes
	// the breaker.
	testutil.Poll(t, 10*time.Second, "the breaker no longer open", func() bool {
		_, body := f.get(t, "/readyz")
		return !strings.Contains(body, `"open"`)
	})
	grpcCall(t.Context(), t, f, basicReq(uniqueURL(t, "")+"&probe")).check(t, codes.OK)
	if _, body := f.get(t, "/readyz"); !strings.Contains(body, `"closed"`) {
		t.Errorf("breaker did not close after a successful probe: %s", body)
	}
}

// TestDrainUnderLoad: SIGTERM while calls stream in over both protocols.
// Every call that reached Telegent is answered OK; calls refused after the
// listeners closed never reached Telegent; the process exits 0.
func TestDrainUnderLoad(t *testing.T) {
	s := startSim(t)
	f := startFacade(t, s.url, nil, append([]string{"--shutdown-grace", "20s"}, noBreaker...)...)

	var sent atomic.Int64
	type result struct {
		url string
		ok  bool
	}
	var mu sync.Mutex
	var results []result
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 8 {
		p := protocols[w%2]
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				url := fmt.Sprintf("https://hooks.example.com/drain/%d/%d?sim-fault=latency:150ms", w, i)
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				o := p.call(ctx, t, f, basicReq(url))
				cancel()
				sent.Add(1)
				mu.Lock()
				results = append(results, result{url, o.code == codes.OK})
				mu.Unlock()
				if o.code != codes.OK {
					return // the facade is gone: stop this worker
				}
			}
		})
	}
	testutil.Poll(t, 10*time.Second, "16 calls sent", func() bool { return sent.Load() >= 16 })
	if err := f.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := f.wait(t); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
	close(stop)
	wg.Wait()

	var created map[string]int
	s.admin(t, http.MethodGet, "/_sim/creates-by-url", nil, &created)
	okCount, refused := 0, 0
	for _, r := range results {
		switch {
		case r.ok:
			okCount++
			if created[r.url] != 1 {
				t.Errorf("%s answered OK but created %d times", r.url, created[r.url])
			}
		case created[r.url] > 0:
			t.Errorf("%s reached Telegent but failed: a call lost in the drain", r.url)
		default:
			refused++
		}
	}
	if okCount < 16 {
		t.Errorf("only %d calls succeeded", okCount)
	}
	if c := s.counters(t); c.DuplicateCreates != 0 || c.CreatesAccepted != int64(okCount) {
		t.Errorf("sim counters %+v, want %d creates and no duplicates", c, okCount)
	}
	t.Logf("drain: %d calls answered OK, %d refused after the listeners closed", okCount, refused)
}
