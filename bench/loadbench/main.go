// Command loadbench measures, side by side in one run on one machine, what
// the facade costs over calling Telegent directly, against what one plain Go
// HTTP hop costs. It builds the simulator, a bare httputil.ReverseProxy
// (bench/plainproxy) and the facade, runs each as its own process on
// loopback, and drives the same webhook through five rows:
//
//	direct       the simulator's POST /v1.0/webhook/create, bearer token included
//	plain hop    the same request through the reverse proxy
//	facade gRPC  CreateWebhook over gRPC (generated stubs)
//	peer REST    POST /v1/webhooks to the usual grpc-gateway deployment
//	             (bench/gatewaypeer: a gateway dialling the facade's gRPC
//	             server over loopback, in one process)
//	facade REST  POST /v1/webhooks (proto3 JSON)
//
// With -baseline REF it also builds the facade as committed at git REF and
// runs it as two more rows (baseline gRPC, baseline REST) beside the
// working tree's, so that a change is measured against what it replaces in
// the same run; -baseline-pgo off builds it without its default.pgo (the
// working tree's facade is built with it), for the profile-guided build's
// A/B.
//
// Rows alternate round-robin (A B C D A B C D ...) so that drift of the
// machine spreads over all of them. Each row runs at concurrency 1 for
// latency and at a fixed concurrency for throughput, each after a warm-up.
// CPU time per request is read from the kernel's accounting of the process
// under test (/proc/<pid>/stat): the simulator for direct, the proxy for the
// hop, the facade for its rows; the simulator's and the load generator's
// own CPU are reported beside it.
//
// Run it from the module (make bench-load); --help lists the knobs.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/platform/telegent-facade/bench/internal/benchproc"
	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/internal/example"
	"github.com/platform/telegent-facade/service"
	"github.com/platform/telegent-facade/telegentsim"
)

type options struct {
	duration    time.Duration
	c1Duration  time.Duration
	warmup      time.Duration
	concurrency int
	rounds      int
	grpcConns   int
	first       int
	profileDir  string
	profileTime time.Duration
	keepLogs    bool
	facadeEnv   envList
	baseline    string
	baselinePGO string
	pgo         string
	peer        bool
}

// envList collects repeated KEY=VALUE flags.
type envList []string

func (e *envList) String() string { return strings.Join(*e, " ") }

func (e *envList) Set(v string) error {
	if !strings.Contains(v, "=") {
		return fmt.Errorf("want KEY=VALUE, got %q", v)
	}
	*e = append(*e, v)
	return nil
}

func main() {
	var o options
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "measured time per row and round at the fixed concurrency")
	flag.DurationVar(&o.c1Duration, "c1-duration", 3*time.Second, "measured time per row and round at concurrency 1")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "warm-up before every measured window")
	flag.IntVar(&o.concurrency, "concurrency", 32, "calls in flight in the throughput runs")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds of A B C D")
	flag.IntVar(&o.grpcConns, "grpc-conns", 2, "gRPC connections the calls are spread over")
	flag.IntVar(&o.first, "first-requests", 3, "fresh facades started per protocol to time their first call (0: none)")
	flag.StringVar(&o.profileDir, "profile", "", "`dir` to write CPU and allocation profiles of the facade under load into (off when empty)")
	flag.DurationVar(&o.profileTime, "profile-time", 10*time.Second, "how long each profile samples")
	flag.Var(&o.facadeEnv, "facade-env", "`KEY=VALUE` added to the facade's environment, e.g. GOGC=100 (repeatable)")
	flag.StringVar(&o.baseline, "baseline", "", "git `ref` of a facade to run as two more rows beside the working tree's, e.g. HEAD~1 (off when empty)")
	flag.StringVar(&o.pgo, "pgo", "", "go build -pgo `value` for the processes under test, e.g. off (empty: go's default, auto: the facade uses cmd/telegent-facade/default.pgo)")
	flag.StringVar(&o.baselinePGO, "baseline-pgo", "", "go build -pgo `value` for the baseline facade, e.g. off (empty: go's default, auto)")
	flag.BoolVar(&o.peer, "peer", true, "run the peer REST row (the usual grpc-gateway deployment)")
	flag.BoolVar(&o.keepLogs, "keep-logs", false, "keep the processes' logs (the facade logs a line per call) and print where they are")
	flag.Parse()
	if o.concurrency < 1 || o.rounds < 1 || o.grpcConns < 1 || o.duration <= 0 || o.c1Duration <= 0 {
		fmt.Fprintln(os.Stderr, "loadbench: --concurrency, --rounds and --grpc-conns must be at least 1, durations positive")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(1)
	}
}

// The rows.
const (
	rowDirect   = "direct"
	rowHop      = "plain hop"
	rowGRPC     = "facade gRPC"
	rowREST     = "facade REST"
	rowPeer     = "peer REST"
	rowBaseGRPC = "baseline gRPC"
	rowBaseREST = "baseline REST"
)

// rowOrder is the order every round runs the rows in; a baseline's rows
// come right before the working tree's.
func rowOrder(o options) []string {
	rows := []string{rowDirect, rowHop}
	if o.baseline != "" {
		rows = append(rows, rowBaseGRPC)
	}
	rows = append(rows, rowGRPC)
	if o.peer {
		rows = append(rows, rowPeer)
	}
	if o.baseline != "" {
		rows = append(rows, rowBaseREST)
	}
	return append(rows, rowREST)
}

// undertest names the process whose CPU a row is judged by.
var undertest = map[string]string{
	rowDirect: "sim", rowHop: "proxy", rowGRPC: "facade", rowREST: "facade", rowBaseGRPC: "baseline", rowBaseREST: "baseline",
	rowPeer: "peer",
}

// bench is one run: the processes and the clients that drive them.
type bench struct {
	o        options
	dir      string
	bins     map[string]string
	sim      *benchproc.Proc
	proxy    *benchproc.Proc
	facade   *facade
	baseline *facade // nil without -baseline
	peer     *facade // nil without -peer
	simURL   string
	proxyURL string
	hc       *http.Client
	// proxyDebugAddr serves the proxy's profiles when profiling.
	proxyDebugAddr string
	// bodies of the rows, encoded once
	telegentBody, restBody []byte
	req                    *webhookv1.CreateWebhookRequest
}

// facade is a running facade with its gRPC connections.
type facade struct {
	*benchproc.Proc
	grpcAddr, httpAddr, debugAddr string
	gatewayAddr                   string // the peer's REST listener
	conns                         []*grpc.ClientConn
	clients                       []webhookv1.WebhookServiceClient
}

func run(ctx context.Context, o options, out io.Writer) (err error) {
	dir, err := os.MkdirTemp("", "loadbench")
	if err != nil {
		return err
	}
	defer func() {
		if !o.keepLogs {
			_ = os.RemoveAll(dir)
		}
	}()
	b := &bench{o: o, dir: dir, req: example.Request()}
	b.hc = &http.Client{Transport: &http.Transport{
		MaxIdleConns: 4096, MaxIdleConnsPerHost: 1024, IdleConnTimeout: 90 * time.Second, DisableCompression: true,
	}}
	if b.telegentBody, err = json.Marshal(service.ToTelegent(b.req)); err != nil {
		return err
	}
	if b.restBody, err = protojson.Marshal(b.req); err != nil {
		return err
	}

	fmt.Fprintln(out, "building the simulator, the plain proxy and the facade ...")
	if b.bins, err = build(ctx, dir, o.pgo); err != nil {
		return err
	}
	if o.baseline != "" {
		fmt.Fprintf(out, "building the facade at %s (-pgo %q) ...\n", o.baseline, o.baselinePGO)
		if b.bins["baseline"], err = buildBaseline(ctx, dir, o.baseline, o.baselinePGO); err != nil {
			return err
		}
	}
	defer b.stop()
	if err := b.start(ctx); err != nil {
		return err
	}
	m := machine()
	fmt.Fprintf(out, "machine: %s\n", m)
	fmt.Fprintf(out, "load average at start: %s\n", loadAverage())
	fmt.Fprintf(out, "run: %d rounds of %s, %s at concurrency 1 and %s at concurrency %d per row and round, %s warm-up each; gRPC over %d connections\n\n",
		o.rounds, strings.Join(rowOrder(o), ", "), o.c1Duration, o.duration, o.concurrency, o.warmup, o.grpcConns)

	results := map[string]*rowResult{}
	for _, name := range rowOrder(o) {
		results[name] = &rowResult{name: name}
	}
	for round := 1; round <= o.rounds; round++ {
		for _, name := range rowOrder(o) {
			c1, load, err := b.runRow(ctx, name)
			if err != nil {
				return fmt.Errorf("round %d, %s: %w", round, name, err)
			}
			r := results[name]
			r.c1, r.load = append(r.c1, c1), append(r.load, load)
			fmt.Fprintf(out, "round %d  %-13s %8.0f req/s at c=%d  %6.1f µs CPU/req (%s)  p50 c=1 %5.0f µs  errors %d\n",
				round, name, load.rps(), o.concurrency, micros(load.cpuPerCall(undertest[name])), undertest[name],
				micros(percentile(c1.latencies, 0.5)), c1.failures+load.failures)
		}
	}

	var first map[string][]time.Duration
	if o.first > 0 {
		if first, err = b.firstRequests(ctx); err != nil {
			return err
		}
	}
	report(out, o, m, results, first)
	fmt.Fprintf(out, "\nload average at the end: %s\n", loadAverage())

	if o.profileDir != "" {
		if err := b.profile(ctx, out); err != nil {
			return err
		}
	}
	if o.keepLogs {
		fmt.Fprintf(out, "\nlogs kept in %s\n", dir)
	}
	return nil
}

// build compiles the binaries into dir, with -pgo=pgo unless empty.
func build(ctx context.Context, dir, pgo string) (map[string]string, error) {
	root, err := benchproc.ModuleRoot(ctx)
	if err != nil {
		return nil, err
	}
	var flags []string
	if pgo != "" {
		flags = []string{"-pgo=" + pgo}
	}
	if err := benchproc.BuildWith(ctx, root, dir+string(filepath.Separator), flags,
		"./cmd/telegent-facade", "./cmd/telegent-sim", "./bench/plainproxy", "./bench/gatewaypeer"); err != nil {
		return nil, err
	}
	bins := map[string]string{}
	for _, name := range []string{"telegent-facade", "telegent-sim", "plainproxy", "gatewaypeer"} {
		bins[name] = filepath.Join(dir, name)
	}
	return bins, nil
}

// buildBaseline compiles the facade as committed at ref (generated code is
// committed, so no generator is needed) and returns the binary's path. The
// module is the repository's root folder.
func buildBaseline(ctx context.Context, dir, ref, pgo string) (string, error) {
	root, err := benchproc.ModuleRoot(ctx)
	if err != nil {
		return "", err
	}
	src := filepath.Join(dir, "baseline-src")
	if err := os.Mkdir(src, 0o755); err != nil {
		return "", err
	}
	archive := exec.CommandContext(ctx, "git", "archive", "--format=tar", ref)
	archive.Dir = root
	extract := exec.CommandContext(ctx, "tar", "-x", "-C", src)
	pipe, err := archive.StdoutPipe()
	if err != nil {
		return "", err
	}
	extract.Stdin, archive.Stderr, extract.Stderr = pipe, os.Stderr, os.Stderr
	if err := extract.Start(); err != nil {
		return "", err
	}
	if err := errors.Join(archive.Run(), extract.Wait()); err != nil {
		return "", fmt.Errorf("extract %s: %w", ref, err)
	}
	bin := filepath.Join(dir, "telegent-facade-baseline")
	var flags []string
	if pgo != "" {
		flags = []string{"-pgo=" + pgo}
	}
	if err := benchproc.BuildWith(ctx, src, bin, flags, "./cmd/telegent-facade"); err != nil {
		return "", fmt.Errorf("at %s: %w", ref, err)
	}
	return bin, nil
}

func (b *bench) logPath(name string) string {
	if b.o.keepLogs {
		return filepath.Join(b.dir, name+".log")
	}
	return os.DevNull
}

// start runs the simulator, the proxy and the facade, and waits for each
// to be ready.
func (b *bench) start(ctx context.Context) error {
	simAddr, err := benchproc.FreePort()
	if err != nil {
		return err
	}
	// The simulator logs nothing per request at warn; its tokens outlive
	// the run.
	b.sim, err = benchproc.Start("sim", b.bins["telegent-sim"],
		[]string{"--addr", simAddr, "--log-level", "warn", "--token-lifetime", "30m"}, nil, b.logPath("sim"))
	if err != nil {
		return err
	}
	b.simURL = "http://" + simAddr
	if err := b.sim.WaitHTTP(ctx, b.simURL+"/healthz"); err != nil {
		return err
	}

	proxyAddr, err := benchproc.FreePort()
	if err != nil {
		return err
	}
	proxyArgs := []string{"--addr", proxyAddr, "--target", b.simURL}
	if b.o.profileDir != "" {
		if b.proxyDebugAddr, err = benchproc.FreePort(); err != nil {
			return err
		}
		proxyArgs = append(proxyArgs, "--debug-addr", b.proxyDebugAddr)
	}
	if b.proxy, err = benchproc.Start("proxy", b.bins["plainproxy"], proxyArgs, nil, b.logPath("proxy")); err != nil {
		return err
	}
	b.proxyURL = "http://" + proxyAddr
	if err := b.proxy.WaitHTTP(ctx, b.proxyURL+"/healthz"); err != nil {
		return err
	}

	if b.facade, err = b.startFacade(ctx, "facade", b.bins["telegent-facade"], b.o.profileDir != ""); err != nil {
		return err
	}
	if bin := b.bins["baseline"]; bin != "" {
		if b.baseline, err = b.startFacade(ctx, "baseline", bin, false); err != nil {
			return err
		}
	}
	if b.o.peer {
		gatewayAddr, err := benchproc.FreePort()
		if err != nil {
			return err
		}
		if b.peer, err = b.startFacade(ctx, "peer", b.bins["gatewaypeer"], false, "--gateway-addr", gatewayAddr); err != nil {
			return err
		}
		b.peer.gatewayAddr = gatewayAddr
	}
	return nil
}

// startFacade runs a facade on the simulator with limits that never
// interfere with the benchmark, and connects to it.
func (b *bench) startFacade(ctx context.Context, name, bin string, debug bool, extra ...string) (*facade, error) {
	f := &facade{}
	var err error
	if f.grpcAddr, err = benchproc.FreePort(); err != nil {
		return nil, err
	}
	if f.httpAddr, err = benchproc.FreePort(); err != nil {
		return nil, err
	}
	args := []string{
		"--grpc-addr", f.grpcAddr, "--http-addr", f.httpAddr,
		"--telegent-base-url", b.simURL, "--telegent-account-key", telegentsim.DefaultAccountKey,
		"--max-upstream", "1024", "--breaker-failures", "1000000", "--breaker-failure-ratio", "2",
	}
	if debug {
		if f.debugAddr, err = benchproc.FreePort(); err != nil {
			return nil, err
		}
		args = append(args, "--debug-addr", f.debugAddr)
	}
	args = append(args, extra...)
	f.Proc, err = benchproc.Start(name, bin, args,
		append([]string{"TELEGENT_ACCOUNT_SECRET=" + telegentsim.DefaultAccountSecret}, b.o.facadeEnv...), b.logPath(name))
	if err != nil {
		return nil, err
	}
	if err := f.WaitHTTP(ctx, "http://"+f.httpAddr+"/readyz"); err != nil {
		f.stop()
		return nil, err
	}
	for range b.o.grpcConns {
		conn, err := grpc.NewClient(f.grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			f.stop()
			return nil, err
		}
		f.conns = append(f.conns, conn)
		f.clients = append(f.clients, webhookv1.NewWebhookServiceClient(conn))
	}
	return f, nil
}

// connect establishes every gRPC connection without making a call.
func (f *facade) connect(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for _, conn := range f.conns {
		conn.Connect()
		for s := conn.GetState(); s != connectivity.Ready; s = conn.GetState() {
			if !conn.WaitForStateChange(ctx, s) {
				return fmt.Errorf("connect to the facade: %w", ctx.Err())
			}
		}
	}
	return nil
}

func (f *facade) stop() {
	if f == nil {
		return
	}
	for _, c := range f.conns {
		_ = c.Close()
	}
	f.Proc.Stop()
}

func (b *bench) stop() {
	b.peer.stop()
	b.baseline.stop()
	b.facade.stop()
	b.proxy.Stop()
	b.sim.Stop()
}

// meters are the CPU clocks read around every measured window.
func (b *bench) meters(f *facade) map[string]cpuMeter {
	m := map[string]cpuMeter{"sim": b.sim.CPU, "proxy": b.proxy.CPU, "facade": f.CPU, "generator": benchproc.SelfCPU}
	if b.baseline != nil {
		m["baseline"] = b.baseline.CPU
	}
	if b.peer != nil {
		m["peer"] = b.peer.CPU
	}
	return m
}

// runRow runs one row at concurrency 1 and at the fixed concurrency, then
// checks that the simulator created exactly one webhook per successful
// call, and resets it so that its memory stays bounded.
func (b *bench) runRow(ctx context.Context, name string) (c1, load *phase, err error) {
	f := b.facade
	if name == rowBaseGRPC || name == rowBaseREST {
		f = b.baseline
	}
	do, err := b.call(ctx, name, f)
	if err != nil {
		return nil, nil, err
	}
	meters := b.meters(b.facade)
	if c1, err = runPhase(ctx, do, 1, b.o.warmup/2, b.o.c1Duration, meters); err != nil {
		return nil, nil, err
	}
	if load, err = runPhase(ctx, do, b.o.concurrency, b.o.warmup, b.o.duration, meters); err != nil {
		return nil, nil, err
	}
	var counters telegentsim.Counters
	if err := b.simAdmin(ctx, http.MethodGet, "/_sim/counters", &counters); err != nil {
		return nil, nil, err
	}
	if created := c1.ok + load.ok; counters.CreatesAccepted != created {
		load.failures++
		load.errs = append(load.errs, fmt.Sprintf("the simulator created %d webhooks for %d successful calls", counters.CreatesAccepted, created))
	}
	return c1, load, b.simAdmin(ctx, http.MethodPost, "/_sim/reset", nil)
}

// call returns the function that makes one call of row name.
func (b *bench) call(ctx context.Context, name string, f *facade) (call, error) {
	switch name {
	case rowDirect, rowHop:
		token, err := benchproc.Token(ctx, b.hc, b.simURL)
		if err != nil {
			return nil, err
		}
		base := b.simURL
		if name == rowHop {
			base = b.proxyURL
		}
		return b.httpCall(base+telegentsim.CreatePath, b.telegentBody, "Bearer "+token), nil
	case rowREST, rowBaseREST:
		return b.httpCall("http://"+f.httpAddr+"/v1/webhooks", b.restBody, ""), nil
	case rowPeer:
		return b.httpCall("http://"+b.peer.gatewayAddr+"/v1/webhooks", b.restBody, ""), nil
	case rowGRPC, rowBaseGRPC:
		if err := f.connect(ctx); err != nil {
			return nil, err
		}
		return func(ctx context.Context, worker int) error {
			resp, err := f.clients[worker%len(f.clients)].CreateWebhook(ctx, b.req)
			if err != nil {
				return err
			}
			if resp.GetWebhook().GetWebhookId() == "" {
				return errors.New("answer without a webhook id")
			}
			return nil
		}, nil
	}
	return nil, fmt.Errorf("unknown row %q", name)
}

// httpCall POSTs body to url; only 200 counts as success.
func (b *bench) httpCall(url string, body []byte, authorization string) call {
	return func(ctx context.Context, _ int) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		resp, err := b.hc.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			msg, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
			return fmt.Errorf("HTTP %d: %s", resp.StatusCode, msg)
		}
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
}

// simAdmin calls one of the simulator's /_sim/ endpoints.
func (b *bench) simAdmin(ctx context.Context, method, path string, into any) error {
	req, err := http.NewRequestWithContext(ctx, method, b.simURL+path, nil)
	if err != nil {
		return err
	}
	resp, err := b.hc.Do(req)
	if err != nil {
		return fmt.Errorf("simulator %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("simulator %s: HTTP %d", path, resp.StatusCode)
	}
	if into != nil {
		return json.NewDecoder(resp.Body).Decode(into)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// firstRequests starts fresh facades, o.first per protocol, connects to
// each without calling it, and times its very first CreateWebhook.
func (b *bench) firstRequests(ctx context.Context) (map[string][]time.Duration, error) {
	out := map[string][]time.Duration{}
	for i := range 2 * b.o.first {
		name := []string{rowGRPC, rowREST}[i%2]
		f, err := b.startFacade(ctx, "facade-first", b.bins["telegent-facade"], false)
		if err != nil {
			return nil, err
		}
		// An established connection, as a long-running client has: gRPC
		// connects without a call, REST keeps the connection of a /healthz.
		err = f.connect(ctx)
		if err == nil && name == rowREST {
			err = b.get(ctx, "http://"+f.httpAddr+"/healthz")
		}
		if err != nil {
			f.stop()
			return nil, err
		}
		do, err := b.call(ctx, name, f)
		if err == nil {
			start := time.Now()
			err = do(ctx, 0)
			out[name] = append(out[name], time.Since(start))
		}
		f.stop()
		if err != nil {
			return nil, fmt.Errorf("first %s call: %w", name, err)
		}
	}
	return out, b.simAdmin(ctx, http.MethodPost, "/_sim/reset", nil)
}

func (b *bench) get(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := b.hc.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}
