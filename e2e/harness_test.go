// Package e2e runs the real binaries, telegent-facade and telegent-sim, on
// loopback ports and drives them over gRPC and REST.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/telegentsim"
)

// Binaries built once for the whole package.
var facadeBin, simBin string

// Credentials shared by the simulator and the facade. The secret is
// distinctive so that the log tests can look for it.
const (
	accountKey    = "DID-e2e-key-1234567ab"
	accountSecret = "acct-secret-E2E-5f1d2c"
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "telegent-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	facadeBin, simBin = filepath.Join(dir, "telegent-facade"), filepath.Join(dir, "telegent-sim")
	build := exec.Command("go", "build", "-race", "-o", dir+"/", "../cmd/telegent-facade", "../cmd/telegent-sim")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build binaries:", err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutines left behind:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// proc is a running binary whose JSON log lines are collected.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error // set when done is closed

	mu    sync.Mutex
	lines []map[string]any
	raw   bytes.Buffer // every byte the process wrote
	cond  *sync.Cond
}

// start runs bin and waits (bounded) for a log line whose msg is readyMsg.
func start(t *testing.T, bin string, args, env []string, readyMsg string) (*proc, map[string]any) {
	t.Helper()
	p := &proc{cmd: exec.Command(bin, args...), done: make(chan struct{})}
	p.cond = sync.NewCond(&p.mu)
	p.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var readers sync.WaitGroup
	for _, r := range []io.Reader{stdout, stderr} {
		readers.Go(func() { p.collect(r) })
	}
	go func() {
		readers.Wait()
		err := p.cmd.Wait()
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		close(p.done)
		p.cond.Broadcast()
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(30 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", filepath.Base(bin), p.output())
		}
	})
	line, ok := p.waitFor(func(l map[string]any) bool { return l["msg"] == readyMsg }, 60*time.Second)
	if !ok {
		t.Fatalf("%s did not log %q:\n%s", filepath.Base(bin), readyMsg, p.output())
	}
	return p, line
}

func (p *proc) collect(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var line map[string]any
		_ = json.Unmarshal(sc.Bytes(), &line)
		p.mu.Lock()
		p.raw.Write(sc.Bytes())
		p.raw.WriteByte('\n')
		if line != nil {
			p.lines = append(p.lines, line)
		}
		p.mu.Unlock()
		p.cond.Broadcast()
	}
}

// waitFor blocks until a collected JSON line matches, the process exits,
// or the time limit passes (a bound on a hung process, not a timing
// assertion).
func (p *proc) waitFor(match func(map[string]any) bool, limit time.Duration) (map[string]any, bool) {
	var found map[string]any
	seen := 0
	ok := p.waitCond(func() bool {
		for ; seen < len(p.lines); seen++ {
			if match(p.lines[seen]) {
				found = p.lines[seen]
				return true
			}
		}
		return false
	}, limit)
	return found, ok
}

// waitForOutput blocks until the process has written sub (JSON or not).
func (p *proc) waitForOutput(sub string, limit time.Duration) bool {
	return p.waitCond(func() bool { return bytes.Contains(p.raw.Bytes(), []byte(sub)) }, limit)
}

// waitCond waits, holding p.mu while it evaluates cond, until cond is true,
// the process exits, or limit passes.
func (p *proc) waitCond(cond func() bool, limit time.Duration) bool {
	timer := time.AfterFunc(limit, p.cond.Broadcast)
	defer timer.Stop()
	deadline := time.Now().Add(limit)
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		if cond() {
			return true
		}
		select {
		case <-p.done:
			return cond()
		default:
		}
		if time.Now().After(deadline) {
			return false
		}
		p.cond.Wait()
	}
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.raw.String()
}

// wait waits for the process to exit and returns its exit code.
func (p *proc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(60 * time.Second):
		t.Fatal("process did not exit")
	}
	return p.cmd.ProcessState.ExitCode()
}

// sim is a running telegent-sim.
type sim struct {
	*proc
	url string
}

func startSim(t *testing.T, args ...string) *sim {
	t.Helper()
	p, line := start(t, simBin,
		append([]string{"--addr", "127.0.0.1:0", "--account-key", accountKey}, args...),
		[]string{"TELEGENT_SIM_ACCOUNT_SECRET=" + accountSecret}, "telegent-sim listening")
	return &sim{proc: p, url: "http://" + line["addr"].(string)}
}

func (s *sim) counters(t *testing.T) telegentsim.Counters {
	t.Helper()
	var c telegentsim.Counters
	s.admin(t, http.MethodGet, "/_sim/counters", nil, &c)
	return c
}

func (s *sim) admin(t *testing.T, method, path string, body, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, s.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
}

// facade is a running telegent-facade with a gRPC client connected to it.
type facade struct {
	*proc
	grpcAddr, httpURL string
	client            webhookv1.WebhookServiceClient
	conn              *grpc.ClientConn
}

func startFacade(t *testing.T, upstream string, env []string, args ...string) *facade {
	t.Helper()
	// No shutdown delay (there is no load balancer to wait for) unless a
	// test asks for one: later flags win.
	base := []string{"--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--telegent-base-url", upstream,
		"--telegent-account-key", accountKey, "--shutdown-delay", "0s"}
	p, line := start(t, facadeBin, append(base, args...),
		append([]string{"TELEGENT_ACCOUNT_SECRET=" + accountSecret}, env...), "serving")
	f := &facade{proc: p, grpcAddr: line["grpc_addr"].(string), httpURL: "http://" + line["http_addr"].(string)}
	f.conn = dial(t, f.grpcAddr)
	f.client = webhookv1.NewWebhookServiceClient(f.conn)
	return f
}

func dial(t *testing.T, addr string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// restCall posts body (proto3 JSON, or anything a hostile caller sends) to
// /v1/webhooks and returns the HTTP
// status and the answer's body. A request that could not be sent at all
// (the facade is gone) returns status 0; t is only used for setup errors,
// so restCall may run outside the test goroutine.
func (f *facade) restCall(ctx context.Context, t *testing.T, body io.Reader, header http.Header) (int, []byte) {
	t.Helper()
	code, _, b := f.restExchange(ctx, t, body, header)
	return code, b
}

// restExchange is restCall that also returns the answer's headers (nil
// with status 0).
func (f *facade) restExchange(ctx context.Context, t *testing.T, body io.Reader, header http.Header) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.httpURL+"/v1/webhooks", body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Logf("POST /v1/webhooks: %v", err)
		return 0, nil, nil
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Logf("read answer: %v", err)
		return 0, nil, nil
	}
	return resp.StatusCode, resp.Header, b
}

func (f *facade) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(f.httpURL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// uniqueURL is a webhook URL that no other case uses, with an optional
// simulator fault spec.
func uniqueURL(t *testing.T, fault string) string {
	u := "https://hooks.example.com/" + strings.NewReplacer("/", "-", " ", "_").Replace(t.Name())
	if fault != "" {
		u += "?sim-fault=" + fault
	}
	return u
}

// bearerInLogs matches an Authorization value that leaked into a log.
var bearerInLogs = regexp.MustCompile(`(?i)bearer\s+[A-Za-z0-9_-]{8,}`)

// assertNoSecrets fails if any secret (keyed by a description that is safe
// to print) appears in the logs or in any answer, or if the logs hold a
// bearer token.
func assertNoSecrets(t *testing.T, logs string, answers []string, secrets map[string]string) {
	t.Helper()
	for what, secret := range secrets {
		if strings.Contains(logs, secret) {
			t.Errorf("the logs contain the %s", what)
		}
		for _, a := range answers {
			if strings.Contains(a, secret) {
				t.Errorf("an answer contains the %s: %.300s", what, a)
			}
		}
	}
	if bearerInLogs.MatchString(logs) {
		t.Error("the logs contain a bearer token")
	}
}
