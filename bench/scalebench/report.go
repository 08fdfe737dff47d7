package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/platform/telegent-facade/resilience"
)

// Targets the report checks; they are benchmark targets, never test
// assertions.
const (
	targetRESTVsHop    = 0.75 // facade REST and gRPC goodput / hop goodput, at the highest step
	targetP99VsHop     = 2.0  // facade p99 / hop p99 there
	targetLimitFalls   = 5 * time.Second
	targetGoodputShare = 0.9 // of what the new latency allows
)

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

// reportSteps prints the steps as a Markdown table and checks the targets:
// at the highest step of 1,024 or more in flight (or the highest step),
// facade REST and gRPC goodput at least targetRESTVsHop the hop's, and
// their p99 under twice the hop's.
func reportSteps(out io.Writer, o options, rows []stepRow) {
	fmt.Fprintf(out, "\n### Steps: Telegent %s away, %s warm-up and %s measured per row\n\n", o.latency, o.warmup, o.window)
	fmt.Fprintln(out, "| in flight | row | goodput | vs hop | p99 | refused | errors (warm-up too) | peak RSS | limit at end | CPU per call: judged + sim + load generator |")
	fmt.Fprintln(out, "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	top := slices.Max(o.steps)
	hop, hopP99, peer := map[int]float64{}, map[int]time.Duration{}, map[int]*stepRow{}
	errorsTotal := 0
	ok := true
	var verdicts, peerRatios []string
	for i, r := range rows {
		errorsTotal += int(r.failedAll)
		p99 := percentile(r.latencies, 0.99)
		switch r.name {
		case rowHop:
			hop[r.concurrency], hopP99[r.concurrency] = r.goodput(), p99
		case rowPeer:
			peer[r.concurrency] = &rows[i]
		}
		ratio, limit := "", ""
		if h := hop[r.concurrency]; r.name != rowHop && h > 0 {
			ratio = fmt.Sprintf("%.2fx", r.goodput()/h)
			limit = fmt.Sprint(r.limitAtEnd)
			if (r.name == rowREST || r.name == rowGRPC) && r.concurrency == top {
				p99Ratio := float64(p99) / float64(hopP99[r.concurrency])
				verdicts = append(verdicts, fmt.Sprintf("%s %.2fx goodput, p99 %.2fx", r.name, r.goodput()/h, p99Ratio))
				ok = ok && r.goodput()/h >= targetRESTVsHop && p99Ratio < targetP99VsHop
			}
		}
		if p := peer[r.concurrency]; r.name == rowREST && p != nil && p.goodput() > 0 {
			peerRatios = append(peerRatios, fmt.Sprintf("at %d: goodput %.2fx, CPU per call %.2fx", r.concurrency,
				r.goodput()/p.goodput(), float64(r.cpuPerCall(r.cpuJudged))/float64(p.cpuPerCall(p.cpuJudged))))
		}
		fmt.Fprintf(out, "| %d | %s | %.0f/s | %s | %.0f ms | %.1f %% | %d | %.0f MB | %s | %.0f + %.0f + %.0f µs |\n",
			r.concurrency, r.name, r.goodput(), ratio, ms(p99), 100*r.refusedShare(), r.failedAll, mb(r.peakRSS), limit,
			micros(r.cpuPerCall(r.cpuJudged)), micros(r.cpuPerCall(r.cpuSim)), micros(r.cpuPerCall(r.cpuLoad)))
	}
	fmt.Fprintln(out)
	if len(verdicts) > 0 {
		fmt.Fprintf(out, "- at %d in flight, facade REST and gRPC goodput >= %.2fx the hop's and p99 < %.0fx the hop's: %s (%s)\n",
			top, targetRESTVsHop, targetP99VsHop, verdict(ok), strings.Join(verdicts, "; "))
	}
	if len(peerRatios) > 0 {
		fmt.Fprintf(out, "- facade REST / peer REST (grpc-gateway over loopback gRPC): %s\n", strings.Join(peerRatios, "; "))
	}
	fmt.Fprintf(out, "- no transport errors at any step: %s (%d)\n", verdict(errorsTotal == 0), errorsTotal)
}

// reportSlowDown prints the slow-down run: a summary with the targets and
// a timeline, one line a second.
func reportSlowDown(out io.Writer, o options, s *slowResult) {
	ceiling := o.maxUpstream
	if ceiling == 0 {
		ceiling = resilience.DefaultMaxConcurrent
	}
	atSwitch, after5s, lowest := -1, -1, -1
	fell := time.Duration(-1)
	for _, g := range s.samples {
		switch {
		case g.at < 0:
			atSwitch = g.limit
		default:
			if fell < 0 && atSwitch >= 0 && g.limit < atSwitch {
				fell = g.at
			}
			if after5s < 0 && g.at >= targetLimitFalls {
				after5s = g.limit
			}
			if lowest < 0 || g.limit < lowest {
				lowest = g.limit
			}
		}
	}
	allowed := float64(min(o.slowC, ceiling)) / o.slowLatency.Seconds()
	p99 := percentile(s.after.latencies, 0.99)
	p99Target := 2*o.slowLatency + resilience.DefaultAcquireTimeout
	// The first whole second after the switch still holds the gap between
	// the last fast answers and the first slow ones; per-second goodput is
	// judged from one new latency on (s.after starts there).
	minSecond := slices.Min(append([]float64{s.after.goodput()}, s.after.goodputPerSecond...))

	fmt.Fprintf(out, "\n### Slow-down: %d calls in flight over REST, Telegent from %s to %s\n\n", o.slowC, o.latency, o.slowLatency)
	fmt.Fprintln(out, "| measure | value |")
	fmt.Fprintln(out, "| --- | ---: |")
	fmt.Fprintf(out, "| goodput before (last %.0f s at %s) | %.0f/s |\n", s.before.window.Seconds(), o.latency, s.before.goodput())
	fmt.Fprintf(out, "| limit at the slow-down | %d |\n", atSwitch)
	if fell >= 0 {
		fmt.Fprintf(out, "| limit first lower | %.2f s after |\n", fell.Seconds())
	} else {
		fmt.Fprintln(out, "| limit first lower | never |")
	}
	fmt.Fprintf(out, "| limit 5 s after / lowest after | %d / %d |\n", after5s, lowest)
	fmt.Fprintf(out, "| p99 of calls admitted after | %.0f ms |\n", ms(p99))
	fmt.Fprintf(out, "| goodput after (mean / lowest second) | %.0f/s / %.0f/s |\n", s.after.goodput(), minSecond)
	fmt.Fprintf(out, "| what the new latency allows (min(in flight, ceiling %d) / %s) | %.0f/s |\n", ceiling, o.slowLatency, allowed)
	fmt.Fprintf(out, "| refused after | %d (%.1f %%) |\n", s.after.refused, 100*s.after.refusedShare())
	fmt.Fprintf(out, "| transport errors (whole run) | %d |\n", s.after.failedAll)
	fmt.Fprintln(out)
	fmt.Fprintf(out, "- the limit falls within %s: %s\n", targetLimitFalls, verdict(fell >= 0 && fell <= targetLimitFalls))
	fmt.Fprintf(out, "- p99 of admitted calls < 2 x %s + %s = %s: %s (%.0f ms)\n", o.slowLatency, resilience.DefaultAcquireTimeout, p99Target, verdict(p99 < p99Target), ms(p99))
	fmt.Fprintf(out, "- goodput never below %.1fx what the new latency allows (%.0f/s): %s (lowest second %.0f/s)\n",
		targetGoodputShare, targetGoodputShare*allowed, verdict(minSecond >= targetGoodputShare*allowed), minSecond)
	fmt.Fprintf(out, "- no transport errors: %s\n", verdict(s.after.failedAll == 0))
	for _, e := range s.after.errs {
		fmt.Fprintf(out, "    error: %s\n", e)
	}

	fmt.Fprintln(out, "\ntimeline (t from the slow-down; goodput and refusals over the second before):")
	fmt.Fprintln(out, "| t | limit | in flight | goodput | refused |")
	fmt.Fprintln(out, "| ---: | ---: | ---: | ---: | ---: |")
	var prev *gaugeSample
	for i := range s.samples {
		g := &s.samples[i]
		if prev != nil && g.at-prev.at < time.Second-o.sample/2 {
			continue
		}
		if prev != nil {
			d := (g.at - prev.at).Seconds()
			fmt.Fprintf(out, "| %+.1f s | %d | %d | %.0f/s | %.0f/s |\n", g.at.Seconds(), g.limit, g.inFlight,
				float64(g.ok-prev.ok)/d, float64(g.refused-prev.refused)/d)
		}
		prev = g
	}
}
