package main

import (
	"context"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// call makes one request and reports whether it got the expected answer.
// worker is the index of the calling goroutine, for spreading calls over
// connections.
type call func(ctx context.Context, worker int) error

// sample is one completed call: when it ended (since the phase began) and
// how long it took.
type sample struct{ end, lat time.Duration }

// cpuMeter reads the CPU time used so far by one party of the benchmark.
type cpuMeter func() (time.Duration, error)

// phase is what one run at one concurrency measured.
type phase struct {
	concurrency int
	window      time.Duration   // the measured window, warm-up excluded
	latencies   []time.Duration // calls that ended in the window, sorted
	// cpu is the CPU time each party used during the window: the process
	// under test, the simulator, the load generator.
	cpu          map[string]time.Duration
	ok, failures int64 // every call, warm-up included
	errs         []string
}

func (p *phase) rps() float64 { return float64(len(p.latencies)) / p.window.Seconds() }

// cpuPerCall is party's CPU time per call completed in the window.
func (p *phase) cpuPerCall(party string) time.Duration {
	if len(p.latencies) == 0 {
		return 0
	}
	return p.cpu[party] / time.Duration(len(p.latencies))
}

// runPhase keeps concurrency goroutines calling do for warmup plus window,
// and measures the window: the calls that ended in it, and the CPU time of
// every meter across it.
func runPhase(ctx context.Context, do call, concurrency int, warmup, window time.Duration, meters map[string]cpuMeter) (*phase, error) {
	var (
		stop     atomic.Bool
		wg       sync.WaitGroup
		ok, fail atomic.Int64
		mu       sync.Mutex
		errs     []string
	)
	base := time.Now()
	perWorker := make([][]sample, concurrency)
	for w := range concurrency {
		wg.Go(func() {
			samples := make([]sample, 0, 1<<14)
			for !stop.Load() && ctx.Err() == nil {
				t0 := time.Now()
				err := do(ctx, w)
				t1 := time.Now()
				if err != nil {
					fail.Add(1)
					mu.Lock()
					if len(errs) < 5 {
						errs = append(errs, err.Error())
					}
					mu.Unlock()
					continue
				}
				ok.Add(1)
				samples = append(samples, sample{end: t1.Sub(base), lat: t1.Sub(t0)})
			}
			perWorker[w] = samples
		})
	}

	sleep(ctx, warmup)
	before, err := readMeters(meters)
	start := time.Since(base)
	if err == nil {
		sleep(ctx, window)
	}
	var after map[string]time.Duration
	if err == nil {
		after, err = readMeters(meters)
	}
	end := time.Since(base)
	stop.Store(true)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}

	p := &phase{concurrency: concurrency, window: end - start, cpu: map[string]time.Duration{},
		ok: ok.Load(), failures: fail.Load(), errs: errs}
	for name := range meters {
		p.cpu[name] = after[name] - before[name]
	}
	for _, samples := range perWorker {
		for _, s := range samples {
			if s.end >= start && s.end < end {
				p.latencies = append(p.latencies, s.lat)
			}
		}
	}
	slices.Sort(p.latencies)
	return p, nil
}

func readMeters(meters map[string]cpuMeter) (map[string]time.Duration, error) {
	out := make(map[string]time.Duration, len(meters))
	for name, m := range meters {
		d, err := m()
		if err != nil {
			return nil, err
		}
		out[name] = d
	}
	return out, nil
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// merge combines the phases of one row over every round: latencies are
// pooled, windows and CPU times added.
func merge(phases []*phase) *phase {
	out := &phase{cpu: map[string]time.Duration{}}
	for _, p := range phases {
		out.concurrency = p.concurrency
		out.window += p.window
		out.latencies = append(out.latencies, p.latencies...)
		for k, v := range p.cpu {
			out.cpu[k] += v
		}
		out.ok += p.ok
		out.failures += p.failures
		out.errs = append(out.errs, p.errs...)
	}
	slices.Sort(out.latencies)
	return out
}

// percentile returns the q-quantile (0 < q <= 1) of sorted latencies, by
// the nearest-rank method.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(float64(len(sorted))*q)) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
