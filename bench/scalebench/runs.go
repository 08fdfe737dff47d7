package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// The rows of the steps.
const (
	rowHop  = "plain hop REST"
	rowPeer = "peer REST"
	rowREST = "facade REST"
	rowGRPC = "facade gRPC"
)

// rowOrder is the order of the rows at every step.
func rowOrder(o options) []string {
	if o.peer {
		return []string{rowHop, rowPeer, rowREST, rowGRPC}
	}
	return []string{rowHop, rowREST, rowGRPC}
}

// stepRow is one row at one step.
type stepRow struct {
	name        string
	concurrency int
	*stats
}

// steps runs every row at every step.
func (b *bench) steps(ctx context.Context, out io.Writer) ([]stepRow, error) {
	var rows []stepRow
	for _, c := range b.o.steps {
		for _, name := range rowOrder(b.o) {
			s, err := b.step(ctx, name, c)
			if err != nil {
				return nil, fmt.Errorf("%s at %d in flight: %w", name, c, err)
			}
			rows = append(rows, stepRow{name: name, concurrency: c, stats: s})
			fmt.Fprintf(out, "c=%-5d %-15s %7.0f ok/s  p99 %6.0f ms  refused %5.1f %%  errors %d  RSS %4.0f MB  CPU/call %3.0f µs (+ sim %3.0f, load %3.0f)",
				c, name, s.goodput(), ms(percentile(s.latencies, 0.99)), 100*s.refusedShare(), s.failedAll, mb(s.peakRSS),
				micros(s.cpuPerCall(s.cpuJudged)), micros(s.cpuPerCall(s.cpuSim)), micros(s.cpuPerCall(s.cpuLoad)))
			if name != rowHop {
				fmt.Fprintf(out, "  limit %d", s.limitAtEnd)
			}
			fmt.Fprintln(out)
			for _, e := range s.errs {
				fmt.Fprintf(out, "    error: %s\n", e)
			}
		}
	}
	return rows, nil
}

// step runs one row at c calls in flight: warm-up, then the window.
func (b *bench) step(ctx context.Context, name string, c int) (*stats, error) {
	var (
		do      caller
		judged  = b.facade
		ops     = b.ops
		cleanup = func() {}
	)
	switch name {
	case rowHop:
		do, judged = b.hopCaller(), b.proxy
	case rowPeer:
		do, judged, ops = b.peerCaller(), b.peer, b.peerOps
	case rowREST:
		do = b.restCaller()
	case rowGRPC:
		var err error
		if do, cleanup, err = b.grpcCaller(max(2, (c+b.o.grpcPerStream-1)/b.o.grpcPerStream)); err != nil {
			return nil, err
		}
	}
	defer cleanup()

	r := startLoad(ctx, do, c, b.o.callTimeout)
	sleep(ctx, b.o.warmup)
	j0, s0, l0, cpuErr := cpuMeters(judged, b.sim)
	from := time.Since(r.base)
	rctx, stopRSS := context.WithCancel(ctx)
	rss := peakRSS(rctx, judged)
	sleep(ctx, b.o.window)
	to := time.Since(r.base)
	stopRSS()
	j1, s1, l1, cpuErr1 := cpuMeters(judged, b.sim)
	var limit int
	var err error
	if name != rowHop {
		limit, _, err = b.gauges(ctx, ops)
	}
	r.finish()
	if err = errors.Join(err, cpuErr, cpuErr1); err != nil {
		return nil, err
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	s := r.stats(from, to, 0)
	s.peakRSS, s.limitAtEnd = <-rss, limit
	s.cpuJudged, s.cpuSim, s.cpuLoad = j1-j0, s1-s0, l1-l0
	return s, b.resetSim(ctx, b.o.latency)
}

// gaugeSample is the facade's limit and calls in flight at one moment.
type gaugeSample struct {
	at               time.Duration // since the slow-down
	limit, inFlight  int
	ok, refused, bad int64 // calls ended so far
}

// slowResult is what the slow-down run measured.
type slowResult struct {
	samples []gaugeSample
	// before: the last window at the old latency; after: from the switch
	// plus one new latency (every call then started after the switch) to
	// the end.
	before, after *stats
	switchedAt    time.Duration // since the load started
}

// slowDown drives the facade over REST, slows the simulator down in the
// middle and samples the facade's limit throughout.
func (b *bench) slowDown(ctx context.Context, out io.Writer) (*slowResult, error) {
	o := b.o
	fmt.Fprintf(out, "\nslow-down: %d calls in flight over REST, %s at %s, then %s at %s ...\n",
		o.slowC, o.slowBefore, o.latency, o.slowAfter, o.slowLatency)
	if err := b.resetSim(ctx, o.latency); err != nil {
		return nil, err
	}
	res := &slowResult{}
	r := startLoad(ctx, b.restCaller(), o.slowC, o.callTimeout)
	var switched time.Time
	sampleOnce := func() error {
		limit, inFlight, err := b.facadeGauges(ctx)
		if err != nil {
			return err
		}
		at := time.Duration(0)
		if !switched.IsZero() {
			at = time.Since(switched)
		} else {
			at = -time.Until(r.base.Add(o.slowBefore))
		}
		res.samples = append(res.samples, gaugeSample{at: at, limit: limit, inFlight: inFlight,
			ok: r.ok.Load(), refused: r.refusedN.Load(), bad: r.failedN.Load()})
		return nil
	}
	tick := time.NewTicker(o.sample)
	defer tick.Stop()
	end := r.base.Add(o.slowBefore + o.slowAfter)
	var err error
	for time.Now().Before(end) && ctx.Err() == nil && err == nil {
		if switched.IsZero() && !time.Now().Before(r.base.Add(o.slowBefore)) {
			if err = b.setLatency(ctx, o.slowLatency); err != nil {
				break
			}
			switched = time.Now()
			res.switchedAt = switched.Sub(r.base)
		}
		err = sampleOnce()
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
	r.finish()
	if err != nil {
		return nil, err
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if switched.IsZero() {
		return nil, fmt.Errorf("the run ended before the slow-down")
	}
	beforeFrom := max(res.switchedAt-10*time.Second, res.switchedAt/2)
	res.before = r.stats(beforeFrom, res.switchedAt, 0)
	afterFrom := res.switchedAt + o.slowLatency
	res.after = r.stats(afterFrom, o.slowBefore+o.slowAfter, res.switchedAt)
	return res, b.resetSim(ctx, o.latency)
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func mb(b int64) float64 { return float64(b) / 1e6 }

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
