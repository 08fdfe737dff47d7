package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// rowResult holds a row's phases over every round.
type rowResult struct {
	name     string
	c1, load []*phase
}

// machine describes where the run happened.
func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	kernel := "?"
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = strings.TrimSpace(string(b))
	}
	return fmt.Sprintf("%s, %d cores, Linux %s, %s %s/%s, %s", model, runtime.NumCPU(), kernel,
		runtime.Version(), runtime.GOOS, runtime.GOARCH, time.Now().UTC().Format("2006-01-02 15:04 MST"))
}

// loadAverage is the 1, 5 and 15 minute load averages: other work on the
// machine shows here.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func lat3(p *phase) string {
	return fmt.Sprintf("%.0f / %.0f / %.0f", micros(percentile(p.latencies, 0.5)),
		micros(percentile(p.latencies, 0.99)), micros(percentile(p.latencies, 0.999)))
}

// verdict renders a ratio against its target.
func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT MET"
}

// report prints the table and the ratios between its rows.
func report(out io.Writer, o options, m string, results map[string]*rowResult, first map[string][]time.Duration) {
	c1, load := map[string]*phase{}, map[string]*phase{}
	var errTotal int64
	for name, r := range results {
		c1[name], load[name] = merge(r.c1), merge(r.load)
		errTotal += c1[name].failures + load[name].failures
	}
	c := o.concurrency
	fmt.Fprintf(out, "\n## Results (%d rounds pooled)\n\n%s\n\n", o.rounds, m)
	fmt.Fprintf(out, "| row | req/s at c=%d | c=1 p50 / p99 / p99.9 (µs) | c=%d p50 / p99 / p99.9 (µs) | CPU µs/req, process under test | sim CPU µs/req | generator CPU µs/req | errors |\n", c, c)
	fmt.Fprintln(out, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, name := range rowOrder(o) {
		l := load[name]
		fmt.Fprintf(out, "| %s | %.0f | %s | %s | %.1f (%s) | %.1f | %.1f | %d |\n",
			name, l.rps(), lat3(c1[name]), lat3(l), micros(l.cpuPerCall(undertest[name])), undertest[name],
			micros(l.cpuPerCall("sim")), micros(l.cpuPerCall("generator")), c1[name].failures+l.failures)
	}

	hopCPU := l2f(load[rowHop].cpuPerCall("proxy"))
	cpuRatio := func(row string) float64 { return l2f(load[row].cpuPerCall("facade")) / hopCPU }
	rpsRatio := func(row string) float64 { return load[row].rps() / load[rowHop].rps() }
	directP50 := percentile(c1[rowDirect].latencies, 0.5)
	added := func(row string) time.Duration { return percentile(c1[row].latencies, 0.5) - directP50 }
	genRatio := func(row string) float64 {
		return l2f(load[row].cpuPerCall("generator")) / l2f(load[rowHop].cpuPerCall("generator"))
	}

	fmt.Fprintf(out, "\n## Ratios\n\n")
	fmt.Fprintf(out, "- CPU per request, facade / plain hop: gRPC %.3fx (target <= 1.30: %s), REST %.3fx (target <= 1.60: %s)\n",
		cpuRatio(rowGRPC), verdict(cpuRatio(rowGRPC) <= 1.3), cpuRatio(rowREST), verdict(cpuRatio(rowREST) <= 1.6))
	if o.peer {
		peerCPU := l2f(load[rowPeer].cpuPerCall("peer"))
		restPeer := l2f(load[rowREST].cpuPerCall("facade")) / peerCPU
		fmt.Fprintf(out, "- CPU per request, facade REST / peer REST (grpc-gateway over loopback gRPC): %.3fx (target <= 0.70: %s); peer / plain hop %.3fx; req/s facade REST / peer %.3fx\n",
			restPeer, verdict(restPeer <= 0.7), peerCPU/hopCPU, load[rowREST].rps()/load[rowPeer].rps())
	}
	fmt.Fprintf(out, "- Throughput at c=%d, facade / plain hop: gRPC %.3fx (target >= 1.00: %s), REST %.3fx (target >= 0.85: %s)\n",
		c, rpsRatio(rowGRPC), verdict(rpsRatio(rowGRPC) >= 1.0), rpsRatio(rowREST), verdict(rpsRatio(rowREST) >= 0.85))
	fmt.Fprintf(out, "- Added p50 latency over direct at c=1: plain hop %+.0f µs; gRPC %+.0f µs (target <= 100: %s); REST %+.0f µs (target <= 150: %s)\n",
		micros(added(rowHop)), micros(added(rowGRPC)), verdict(added(rowGRPC) <= 100*time.Microsecond),
		micros(added(rowREST)), verdict(added(rowREST) <= 150*time.Microsecond))
	fmt.Fprintf(out, "- Load generator CPU per request / the hop's generator: gRPC %.2fx, REST %.2fx\n", genRatio(rowGRPC), genRatio(rowREST))
	if o.rounds > 1 {
		fmt.Fprintf(out, "- Round by round, median (lowest to highest) of the CPU per request ratio to the plain hop: gRPC %s, REST %s\n",
			perRound(results, rowGRPC, rowHop), perRound(results, rowREST, rowHop))
		if o.peer {
			fmt.Fprintf(out, "- Round by round, CPU per request of facade REST / peer REST: %s; peer / plain hop: %s\n",
				perRound(results, rowREST, rowPeer), perRound(results, rowPeer, rowHop))
		}
	}
	for _, row := range []string{rowGRPC, rowREST} {
		if ds := first[row]; len(ds) > 0 {
			p99 := percentile(c1[row].latencies, 0.99)
			worst := slices.Max(ds)
			times := make([]string, len(ds))
			for i, d := range ds {
				times[i] = fmt.Sprintf("%.0f", micros(d))
			}
			fmt.Fprintf(out, "- First %s call to a fresh facade (%d facades): %s µs; the slowest is %.2fx the steady c=1 p99 of %.0f µs (target <= 2x: %s)\n",
				strings.TrimPrefix(row, "facade "), len(ds), strings.Join(times, ", "), l2f(worst)/l2f(p99), micros(p99), verdict(worst <= 2*p99))
		}
	}
	if o.baseline != "" {
		against := func(row, base string) string {
			return fmt.Sprintf("CPU per request %.3fx, req/s %.3fx, c=1 p50 %+.0f µs",
				l2f(load[row].cpuPerCall("facade"))/l2f(load[base].cpuPerCall("baseline")), load[row].rps()/load[base].rps(),
				micros(percentile(c1[row].latencies, 0.5)-percentile(c1[base].latencies, 0.5)))
		}
		fmt.Fprintf(out, "- Working tree / baseline %s: gRPC %s; REST %s\n", o.baseline, against(rowGRPC, rowBaseGRPC), against(rowREST, rowBaseREST))
		fmt.Fprintf(out, "- Baseline CPU per request / plain hop: gRPC %.3fx, REST %.3fx\n",
			l2f(load[rowBaseGRPC].cpuPerCall("baseline"))/hopCPU, l2f(load[rowBaseREST].cpuPerCall("baseline"))/hopCPU)
		if o.rounds > 1 {
			fmt.Fprintf(out, "- Round by round, CPU per request of working tree / baseline: gRPC %s, REST %s\n",
				perRound(results, rowGRPC, rowBaseGRPC), perRound(results, rowREST, rowBaseREST))
		}
	}
	fmt.Fprintf(out, "- Errors: %d (target 0: %s)\n", errTotal, verdict(errTotal == 0))
	for _, name := range rowOrder(o) {
		for _, e := range append(c1[name].errs, load[name].errs...) {
			fmt.Fprintf(out, "  - %s: %s\n", name, e)
		}
	}
}

func l2f(d time.Duration) float64 { return float64(d) }

// perRound is the ratio of row's CPU per request to ref's, taken in each
// round (the two rows ran minutes apart at most), as "median (low to
// high)": the spread shows how far one run's pooled ratio can be trusted.
func perRound(results map[string]*rowResult, row, ref string) string {
	a, b := results[row].load, results[ref].load
	ratios := make([]float64, 0, len(a))
	for i := range min(len(a), len(b)) {
		if den := l2f(b[i].cpuPerCall(undertest[ref])); den > 0 {
			ratios = append(ratios, l2f(a[i].cpuPerCall(undertest[row]))/den)
		}
	}
	if len(ratios) == 0 {
		return "n/a"
	}
	slices.Sort(ratios)
	n := len(ratios)
	median := ratios[n/2]
	if n%2 == 0 {
		median = (ratios[n/2-1] + ratios[n/2]) / 2
	}
	return fmt.Sprintf("%.3fx (%.3fx to %.3fx)", median, ratios[0], ratios[n-1])
}
