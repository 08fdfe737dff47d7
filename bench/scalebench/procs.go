package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/platform/telegent-facade/bench/internal/benchproc"
	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/internal/example"
	"github.com/platform/telegent-facade/service"
	"github.com/platform/telegent-facade/telegentsim"
)

// maxFacadeConns stays below the facade's bound of 1,024 connections per
// listener, leaving room for nothing else: metrics are read on the ops port.
const maxFacadeConns = 1000

// bench is one run: the processes and what drives them.
type bench struct {
	o   options
	dir string
	// hc calls the simulator and the proxy; facadeHC the facade's REST.
	hc, facadeHC *http.Client

	sim, proxy, facade          *benchproc.Proc
	simURL, proxyURL            string
	facadeHTTP, facadeGRPC, ops string
	// peer is the usual grpc-gateway deployment (bench/gatewaypeer), nil
	// without -peer; its REST callers use peerHC.
	peer                 *benchproc.Proc
	peerGateway, peerOps string
	peerHC               *http.Client

	token                  string
	telegentBody, restBody []byte
	req                    *webhookv1.CreateWebhookRequest
}

// newBench builds the binaries and starts the simulator (at o.latency),
// the proxy and the facade.
func newBench(ctx context.Context, o options, out io.Writer) (_ *bench, err error) {
	dir, err := os.MkdirTemp("", "scalebench")
	if err != nil {
		return nil, fmt.Errorf("create work folder: %w", err)
	}
	b := &bench{o: o, dir: dir, req: example.Request()}
	defer func() {
		if err != nil {
			b.close()
		}
	}()
	b.hc = &http.Client{Transport: &http.Transport{
		MaxIdleConns: 8192, MaxIdleConnsPerHost: 4096, IdleConnTimeout: 90 * time.Second, DisableCompression: true,
	}}
	// The facade accepts at most 1,024 connections per listener; a 1,025th
	// is completed by the kernel but never served until another closes, so
	// REST callers share at most maxFacadeConns keep-alive connections.
	b.facadeHC = &http.Client{Transport: &http.Transport{
		MaxIdleConns: maxFacadeConns, MaxIdleConnsPerHost: maxFacadeConns, MaxConnsPerHost: maxFacadeConns,
		IdleConnTimeout: 90 * time.Second, DisableCompression: true,
	}}
	b.peerHC = &http.Client{Transport: &http.Transport{
		MaxIdleConns: maxFacadeConns, MaxIdleConnsPerHost: maxFacadeConns, MaxConnsPerHost: maxFacadeConns,
		IdleConnTimeout: 90 * time.Second, DisableCompression: true,
	}}
	if b.telegentBody, err = json.Marshal(service.ToTelegent(b.req)); err != nil {
		return nil, fmt.Errorf("encode Telegent body: %w", err)
	}
	if b.restBody, err = protojson.Marshal(b.req); err != nil {
		return nil, fmt.Errorf("encode REST body: %w", err)
	}

	fmt.Fprintln(out, "building the simulator, the plain proxy and the facade ...")
	root, err := benchproc.ModuleRoot(ctx)
	if err != nil {
		return nil, err
	}
	if err := benchproc.Build(ctx, root, dir+string(filepath.Separator),
		"./cmd/telegent-facade", "./cmd/telegent-sim", "./bench/plainproxy", "./bench/gatewaypeer"); err != nil {
		return nil, err
	}
	bin := func(name string) string { return filepath.Join(dir, name) }

	simAddr, err := benchproc.FreePort()
	if err != nil {
		return nil, err
	}
	if b.sim, err = benchproc.Start("sim", bin("telegent-sim"),
		[]string{"--addr", simAddr, "--log-level", "warn", "--token-lifetime", "30m"}, nil, b.logPath("sim")); err != nil {
		return nil, err
	}
	b.simURL = "http://" + simAddr
	if err := b.sim.WaitHTTP(ctx, b.simURL+"/healthz"); err != nil {
		return nil, err
	}
	if err := b.setLatency(ctx, o.latency); err != nil {
		return nil, err
	}

	proxyAddr, err := benchproc.FreePort()
	if err != nil {
		return nil, err
	}
	if b.proxy, err = benchproc.Start("proxy", bin("plainproxy"), []string{"--addr", proxyAddr, "--target", b.simURL}, nil, b.logPath("proxy")); err != nil {
		return nil, err
	}
	b.proxyURL = "http://" + proxyAddr
	if err := b.proxy.WaitHTTP(ctx, b.proxyURL+"/healthz"); err != nil {
		return nil, err
	}

	for _, p := range []*string{&b.facadeGRPC, &b.facadeHTTP, &b.ops} {
		if *p, err = benchproc.FreePort(); err != nil {
			return nil, err
		}
	}
	// The breaker never opens: this measures the limit alone. Metrics are
	// read on the ops port, which the connection bound of the HTTP port
	// (taken up by the REST callers at 1,024 in flight) does not reach.
	// Every caller comes from 127.0.0.1 and opens its connection at once,
	// as many clients behind one load balancer would: the guard's share
	// per client address is raised accordingly (README, --max-pending-per-client).
	args := []string{
		"--grpc-addr", b.facadeGRPC, "--http-addr", b.facadeHTTP, "--ops-addr", b.ops,
		"--telegent-base-url", b.simURL, "--telegent-account-key", telegentsim.DefaultAccountKey,
		"--breaker-failures", "1000000", "--breaker-failure-ratio", "2",
		"--max-pending-per-client", strconv.Itoa(maxFacadeConns + 24),
	}
	if o.maxUpstream > 0 {
		args = append(args, "--max-upstream", strconv.Itoa(o.maxUpstream))
	}
	args = append(args, o.facadeArgs...)
	if b.facade, err = benchproc.Start("facade", bin("telegent-facade"), args,
		[]string{"TELEGENT_ACCOUNT_SECRET=" + telegentsim.DefaultAccountSecret}, b.logPath("facade")); err != nil {
		return nil, err
	}
	if err := b.facade.WaitHTTP(ctx, "http://"+b.ops+"/readyz"); err != nil {
		return nil, err
	}
	if o.peer {
		if err := b.startPeer(ctx, bin("gatewaypeer"), args); err != nil {
			return nil, err
		}
	}
	if b.token, err = benchproc.Token(ctx, b.hc, b.simURL); err != nil {
		return nil, err
	}
	return b, nil
}

// startPeer runs the peer with the facade's flags (facadeArgs), on its own
// ports, in front of the same simulator.
func (b *bench) startPeer(ctx context.Context, bin string, facadeArgs []string) error {
	var grpcAddr, httpAddr string
	for _, p := range []*string{&grpcAddr, &httpAddr, &b.peerOps, &b.peerGateway} {
		var err error
		if *p, err = benchproc.FreePort(); err != nil {
			return err
		}
	}
	// The gateway's one connection to its gRPC server carries every call:
	// the facade's default of 100 streams per connection would cap the peer
	// at 100 calls in flight, which a boilerplate (grpc-go's default: no
	// limit) does not have.
	args := []string{"--gateway-addr", b.peerGateway, "--max-concurrent-streams", "4096"}
	for i := 0; i < len(facadeArgs); i++ {
		a := facadeArgs[i]
		switch a {
		case "--grpc-addr", "--http-addr", "--ops-addr":
			args = append(args, a, map[string]string{"--grpc-addr": grpcAddr, "--http-addr": httpAddr, "--ops-addr": b.peerOps}[a])
			i++
		default:
			args = append(args, a)
		}
	}
	var err error
	if b.peer, err = benchproc.Start("peer", bin, args,
		[]string{"TELEGENT_ACCOUNT_SECRET=" + telegentsim.DefaultAccountSecret}, b.logPath("peer")); err != nil {
		return err
	}
	return b.peer.WaitHTTP(ctx, "http://"+b.peerOps+"/readyz")
}

func (b *bench) close() {
	b.peer.Stop()
	b.facade.Stop()
	b.proxy.Stop()
	b.sim.Stop()
	if !b.o.keepLogs {
		_ = os.RemoveAll(b.dir)
	}
}

func (b *bench) logPath(name string) string {
	if b.o.keepLogs {
		return filepath.Join(b.dir, name+".log")
	}
	return os.DevNull
}

// setLatency makes the simulator answer every create after d.
func (b *bench) setLatency(ctx context.Context, d time.Duration) error {
	spec := ""
	if d > 0 {
		spec = "latency:" + d.String()
	}
	return b.simAdmin(ctx, http.MethodPut, "/_sim/faults", "text/plain", spec)
}

// resetSim forgets the webhooks created so far (keeping the simulator's
// memory bounded), sets the latency again and takes a fresh token for the
// hop: a reset also forgets the tokens. The facade fetches its own again
// after one 401.
func (b *bench) resetSim(ctx context.Context, d time.Duration) (err error) {
	if err := b.simAdmin(ctx, http.MethodPost, "/_sim/reset", "", ""); err != nil {
		return err
	}
	if err := b.setLatency(ctx, d); err != nil {
		return err
	}
	b.token, err = benchproc.Token(ctx, b.hc, b.simURL)
	return err
}

func (b *bench) simAdmin(ctx context.Context, method, path, contentType, body string) error {
	req, err := http.NewRequestWithContext(ctx, method, b.simURL+path, strings.NewReader(body))
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := b.hc.Do(req)
	if err != nil {
		return fmt.Errorf("simulator %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return fmt.Errorf("simulator %s: HTTP %d: %s", path, resp.StatusCode, msg)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// facadeGauges reads the limit and the calls in flight from the facade's
// /metrics.
func (b *bench) facadeGauges(ctx context.Context) (limit, inFlight int, err error) {
	return b.gauges(ctx, b.ops)
}

// gauges reads the limit and the calls in flight from the /metrics of the
// ops listener at ops (the facade's or the peer's).
func (b *bench) gauges(ctx context.Context, ops string) (limit, inFlight int, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+ops+"/metrics", nil)
	if err != nil {
		return 0, 0, err
	}
	resp, err := b.hc.Do(req)
	if err != nil {
		return 0, 0, fmt.Errorf("read the facade's metrics: %w", err)
	}
	defer resp.Body.Close()
	limit, inFlight = -1, -1
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		switch name {
		case "telegent_facade_upstream_concurrency_limit":
			limit, err = strconv.Atoi(value)
		case "telegent_facade_upstream_inflight":
			inFlight, err = strconv.Atoi(value)
		}
		if err != nil {
			return 0, 0, fmt.Errorf("read the facade's metrics: %s: %w", name, err)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, 0, fmt.Errorf("read the facade's metrics: %w", err)
	}
	if limit < 0 || inFlight < 0 {
		return 0, 0, errors.New("read the facade's metrics: no telegent_facade_upstream_concurrency_limit or telegent_facade_upstream_inflight")
	}
	return limit, inFlight, nil
}

// machine describes the host: CPU model and count, memory, kernel, Go.
func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
				mem = fmt.Sprintf(", %.1f GiB RAM", float64(kb)/(1<<20))
			}
		}
	}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return fmt.Sprintf("%s, %d CPUs%s, Linux %s, %s", model, runtime.NumCPU(), mem, strings.TrimSpace(string(kernel)), runtime.Version())
}

// loadAverage is the 1, 5 and 15 minute load averages: other work on the
// machine shows here.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
