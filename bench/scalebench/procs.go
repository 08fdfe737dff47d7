package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/internal/example"
	"github.com/platform/telegent-facade/service"
	"github.com/platform/telegent-facade/telegentsim"
)

// proc is one process under test, started from a binary built by the
// harness.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  *os.File
	done chan struct{}
}

// startProc runs bin with args and env; its output goes to logPath.
func startProc(name, bin string, args, env []string, logPath string) (*proc, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create log of %s: %w", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, log: logFile, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// rss is the process's resident set size now, from /proc/<pid>/status.
func (p *proc) rss() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("read RSS of %s: %w", p.name, err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("read RSS of %s: %w", p.name, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("read RSS of %s: no VmRSS line", p.name)
}

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat:
// 100 on every Linux architecture Go supports.
const clockTicks = 100

// cpu is the CPU time (user plus system, every thread) the process has
// used so far, from the kernel's accounting.
func (p *proc) cpu() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("read CPU time of %s: %w", p.name, err)
	}
	// Fields are counted from the last ')': the command name may hold
	// spaces. utime and stime are fields 14 and 15.
	st := string(b)
	f := strings.Fields(st[strings.LastIndexByte(st, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("read CPU time of %s: short stat line", p.name)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("read CPU time of %s: %w", p.name, err)
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// selfCPU is the load generator's own CPU time.
func selfCPU() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("read own CPU time: %w", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM and waits, killing the process if it lingers.
func (p *proc) stop() {
	if p == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	_ = p.log.Close()
}

// freePort asks the kernel for a free loopback port.
func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	addr := l.Addr().String()
	return addr, l.Close()
}

// waitHTTP polls url until it answers 200, the process exits, or a minute
// passes.
func waitHTTP(ctx context.Context, p *proc, url string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if p.exited() {
			return fmt.Errorf("%s exited before it was ready (see its log with -keep-logs)", p.name)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready at %s: %w", p.name, url, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// maxFacadeConns stays below the facade's bound of 1,024 connections per
// listener, leaving room for nothing else: metrics are read on the ops port.
const maxFacadeConns = 1000

// bench is one run: the processes and what drives them.
type bench struct {
	o   options
	dir string
	// hc calls the simulator and the proxy; facadeHC the facade's REST.
	hc, facadeHC *http.Client

	sim, proxy, facade          *proc
	simURL, proxyURL            string
	facadeHTTP, facadeGRPC, ops string

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
	if b.telegentBody, err = json.Marshal(service.ToTelegent(b.req)); err != nil {
		return nil, fmt.Errorf("encode Telegent body: %w", err)
	}
	if b.restBody, err = protojson.Marshal(b.req); err != nil {
		return nil, fmt.Errorf("encode REST body: %w", err)
	}

	fmt.Fprintln(out, "building the simulator, the plain proxy and the facade ...")
	root, err := moduleRoot(ctx)
	if err != nil {
		return nil, err
	}
	build := exec.CommandContext(ctx, "go", "build", "-o", dir+string(filepath.Separator),
		"./cmd/telegent-facade", "./cmd/telegent-sim", "./bench/plainproxy")
	build.Dir, build.Stdout, build.Stderr = root, os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	bin := func(name string) string { return filepath.Join(dir, name) }

	simAddr, err := freePort()
	if err != nil {
		return nil, err
	}
	if b.sim, err = startProc("sim", bin("telegent-sim"),
		[]string{"--addr", simAddr, "--log-level", "warn", "--token-lifetime", "30m"}, nil, b.logPath("sim")); err != nil {
		return nil, err
	}
	b.simURL = "http://" + simAddr
	if err := waitHTTP(ctx, b.sim, b.simURL+"/healthz"); err != nil {
		return nil, err
	}
	if err := b.setLatency(ctx, o.latency); err != nil {
		return nil, err
	}

	proxyAddr, err := freePort()
	if err != nil {
		return nil, err
	}
	if b.proxy, err = startProc("proxy", bin("plainproxy"), []string{"--addr", proxyAddr, "--target", b.simURL}, nil, b.logPath("proxy")); err != nil {
		return nil, err
	}
	b.proxyURL = "http://" + proxyAddr
	if err := waitHTTP(ctx, b.proxy, b.proxyURL+"/healthz"); err != nil {
		return nil, err
	}

	for _, p := range []*string{&b.facadeGRPC, &b.facadeHTTP, &b.ops} {
		if *p, err = freePort(); err != nil {
			return nil, err
		}
	}
	// The breaker never opens: this measures the limit alone. Metrics are
	// read on the ops port, which the connection bound of the HTTP port
	// (taken up by the REST callers at 1,024 in flight) does not reach.
	args := []string{
		"--grpc-addr", b.facadeGRPC, "--http-addr", b.facadeHTTP, "--ops-addr", b.ops,
		"--telegent-base-url", b.simURL, "--telegent-account-key", telegentsim.DefaultAccountKey,
		"--breaker-failures", "1000000", "--breaker-failure-ratio", "2",
	}
	if o.maxUpstream > 0 {
		args = append(args, "--max-upstream", strconv.Itoa(o.maxUpstream))
	}
	args = append(args, o.facadeArgs...)
	if b.facade, err = startProc("facade", bin("telegent-facade"), args,
		[]string{"TELEGENT_ACCOUNT_SECRET=" + telegentsim.DefaultAccountSecret}, b.logPath("facade")); err != nil {
		return nil, err
	}
	if err := waitHTTP(ctx, b.facade, "http://"+b.ops+"/readyz"); err != nil {
		return nil, err
	}
	if b.token, err = b.fetchToken(ctx); err != nil {
		return nil, err
	}
	return b, nil
}

func (b *bench) close() {
	b.facade.stop()
	b.proxy.stop()
	b.sim.stop()
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

// moduleRoot is the folder of the go.mod scalebench runs in.
func moduleRoot(ctx context.Context) (string, error) {
	gomod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	mod := strings.TrimSpace(string(gomod))
	if err != nil || mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("run scalebench inside the module (go env GOMOD: %v)", err)
	}
	return filepath.Dir(mod), nil
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
	b.token, err = b.fetchToken(ctx)
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

// fetchToken gets a bearer token scoped to the simulator's create URL; the
// proxy keeps the simulator's Host, so it is valid through the hop.
func (b *bench) fetchToken(ctx context.Context) (string, error) {
	body, _ := json.Marshal(map[string]string{
		"AccountKey": telegentsim.DefaultAccountKey, "AccountSecret": telegentsim.DefaultAccountSecret,
		"ApiEndpoint": b.simURL + telegentsim.CreatePath,
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.simURL+telegentsim.TokenPath, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("fetch a token: %w", err)
	}
	defer resp.Body.Close()
	var tr struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil || tr.Token == "" {
		return "", fmt.Errorf("fetch a token: HTTP %d, %v", resp.StatusCode, err)
	}
	return tr.Token, nil
}

// facadeGauges reads the limit and the calls in flight from the facade's
// /metrics.
func (b *bench) facadeGauges(ctx context.Context) (limit, inFlight int, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+b.ops+"/metrics", nil)
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
		case "telegent_upstream_concurrency_limit":
			limit, err = strconv.Atoi(value)
		case "telegent_upstream_inflight":
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
		return 0, 0, errors.New("read the facade's metrics: no telegent_upstream_concurrency_limit or telegent_upstream_inflight")
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
