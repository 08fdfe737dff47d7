// Command scalebench measures how the facade scales with calls in flight
// when Telegent is some distance away, beside a plain Go reverse proxy
// (bench/plainproxy) in front of the same simulator, and how its adaptive
// limit on calls to Telegent reacts when Telegent slows down.
//
// It builds cmd/telegent-sim, bench/plainproxy and cmd/telegent-facade and
// runs each as its own process on loopback. The simulator answers every
// create after -latency (its default fault, set with PUT /_sim/faults).
//
// Part 1, the steps: at each number of calls in flight (-steps), a closed
// loop of that many callers drives, one after the other, the plain hop
// (Telegent's REST call through the proxy), the peer (the usual
// grpc-gateway deployment, bench/gatewaypeer, over REST), the facade over
// REST and the facade over gRPC, each for -warmup plus -window. A refused call (429 /
// RESOURCE_EXHAUSTED) is counted and the caller calls again at once, as a
// load generator that ignores Retry-After would. Reported per row:
// goodput (successful calls per second), p99 of successful calls, the
// refused share, other errors, the peak RSS of the process under test
// and, for the facade, its limit at the end.
//
// Part 2, the slow-down: -slow-concurrency callers drive the facade over
// REST; after -slow-before the simulator's latency goes from -latency to
// -slow-latency, and the run goes on for -slow-after. Every -sample the
// facade's limit and calls in flight are read from its /metrics. Reported:
// the limit at the switch, when it first fell below that and by how much
// within 5 s, p99 of the calls admitted after the switch, goodput against
// what the new latency allows (the callers, capped by the ceiling, over the
// new latency), refusals and errors, and a timeline.
//
// Run it from the module (make bench-scale); --help lists the knobs.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type options struct {
	latency       time.Duration
	steps         []int
	warmup        time.Duration
	window        time.Duration
	slowLatency   time.Duration
	slowC         int
	slowBefore    time.Duration
	slowAfter     time.Duration
	sample        time.Duration
	maxUpstream   int
	skipSteps     bool
	skipSlow      bool
	keepLogs      bool
	callTimeout   time.Duration
	grpcPerStream int
	facadeArgs    argList
	peer          bool
}

// argList collects repeated flag values.
type argList []string

func (a *argList) String() string { return strings.Join(*a, " ") }

func (a *argList) Set(v string) error {
	*a = append(*a, v)
	return nil
}

// intList is a comma-separated list of positive integers.
type intList []int

func (l *intList) String() string {
	s := make([]string, len(*l))
	for i, v := range *l {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, ",")
}

func (l *intList) Set(v string) error {
	var out []int
	for f := range strings.SplitSeq(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return fmt.Errorf("want positive integers, got %q", f)
		}
		out = append(out, n)
	}
	*l = out
	return nil
}

func main() {
	o := options{steps: []int{16, 64, 256, 1024}}
	flag.DurationVar(&o.latency, "latency", 50*time.Millisecond, "Telegent's distance: the simulator answers every create after this long")
	flag.Var((*intList)(&o.steps), "steps", "calls in flight at each step, comma-separated")
	flag.DurationVar(&o.warmup, "warmup", 3*time.Second, "warm-up of every row before its measured window")
	flag.DurationVar(&o.window, "window", 6*time.Second, "measured window of every row")
	flag.DurationVar(&o.slowLatency, "slow-latency", 500*time.Millisecond, "the simulator's latency after the slow-down")
	flag.IntVar(&o.slowC, "slow-concurrency", 256, "calls in flight during the slow-down run")
	flag.DurationVar(&o.slowBefore, "slow-before", 15*time.Second, "time at -latency before the slow-down")
	flag.DurationVar(&o.slowAfter, "slow-after", 20*time.Second, "time at -slow-latency after it")
	flag.DurationVar(&o.sample, "sample", 250*time.Millisecond, "how often the facade's limit is read during the slow-down run")
	flag.IntVar(&o.maxUpstream, "max-upstream", 0, "the facade's --max-upstream (0: its default)")
	flag.DurationVar(&o.callTimeout, "call-timeout", 30*time.Second, "each call's own deadline; a call that hits it is a transport error")
	flag.IntVar(&o.grpcPerStream, "grpc-streams-per-conn", 64, "gRPC calls in flight per client connection (connections = in flight / this, at least 2)")
	flag.Var(&o.facadeArgs, "facade-arg", "an argument added to the facade's command line, e.g. --log-level=debug (repeatable)")
	flag.BoolVar(&o.peer, "peer", true, "run the peer REST row (the usual grpc-gateway deployment, bench/gatewaypeer) at every step")
	flag.BoolVar(&o.skipSteps, "skip-steps", false, "run only the slow-down")
	flag.BoolVar(&o.skipSlow, "skip-slowdown", false, "run only the steps")
	flag.BoolVar(&o.keepLogs, "keep-logs", false, "keep the processes' logs and print where they are")
	flag.Parse()
	if len(o.steps) == 0 || o.slowC < 1 || o.grpcPerStream < 1 || o.window <= 0 || o.sample <= 0 || o.latency < 0 || o.slowLatency <= 0 {
		fmt.Fprintln(os.Stderr, "scalebench: -steps, -slow-concurrency and -grpc-streams-per-conn must be positive, -window, -sample and -slow-latency too")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "scalebench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, out io.Writer) error {
	b, err := newBench(ctx, o, out)
	if err != nil {
		return err
	}
	defer b.close()
	fmt.Fprintf(out, "machine: %s\n", machine())
	fmt.Fprintf(out, "load average at start: %s\n\n", loadAverage())

	if !o.skipSteps {
		rows, err := b.steps(ctx, out)
		if err != nil {
			return err
		}
		reportSteps(out, o, rows)
	}
	if !o.skipSlow {
		s, err := b.slowDown(ctx, out)
		if err != nil {
			return err
		}
		reportSlowDown(out, o, s)
	}
	fmt.Fprintf(out, "\nload average at the end: %s\n", loadAverage())
	if o.keepLogs {
		fmt.Fprintf(out, "logs kept in %s\n", b.dir)
	}
	return nil
}
