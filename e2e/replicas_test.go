package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	_ "google.golang.org/grpc/health" // client-side health checking
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/resolver/manual"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/internal/testutil"
)

// replicaServiceConfig balances calls over every replica and watches each
// one's gRPC health, so a replica that reports NOT_SERVING (shutting down)
// gets no new calls while it drains.
const replicaServiceConfig = `{
  "loadBalancingConfig": [{"round_robin": {}}],
  "healthCheckConfig": {"serviceName": ""}
}`

// replicaDelay is the replicas' --shutdown-delay: the time the client has
// to see NOT_SERVING and move away before the listener stops accepting.
const replicaDelay = "2s"

// replica is one facade process of the set.
type replica struct {
	*facade
	name string
}

func startReplica(t *testing.T, upstream, name string) *replica {
	t.Helper()
	f := startFacade(t, upstream, nil, "--shutdown-delay", replicaDelay)
	return &replica{facade: f, name: name}
}

// tokenFetches reads telegent_facade_upstream_token_fetches_total (all outcomes) from the
// replica's /metrics.
func (r *replica) tokenFetches(t *testing.T) int {
	t.Helper()
	code, body := r.get(t, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("%s /metrics: %d", r.name, code)
	}
	n := 0
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "telegent_facade_upstream_token_fetches_total{") {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			t.Fatalf("%s: metric line %q: %v", r.name, line, err)
		}
		n += int(v)
	}
	return n
}

// served returns the request ids of the creates the replica logged.
func (r *replica) served() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ids []string
	for _, l := range r.lines {
		if l["msg"] == "request" && l["method"] == webhookv1.WebhookService_CreateWebhook_FullMethodName {
			id, _ := l["correlation_id"].(string)
			ids = append(ids, id)
		}
	}
	return ids
}

// TestRollingRestart runs three facade replicas against one simulator,
// balances a steady load over them round-robin with client-side health
// checking, and restarts them one after the other (SIGTERM, start the
// replacement, wait until it is ready, next). No call may fail, every call
// is answered once, and Telegent sees one create per successful call.
func TestRollingRestart(t *testing.T) {
	sim := startSim(t)
	replicas := make([]*replica, 3)
	for i := range replicas {
		replicas[i] = startReplica(t, sim.url, fmt.Sprintf("replica-%d", i))
	}
	addresses := func() resolver.State {
		var s resolver.State
		for _, r := range replicas {
			s.Addresses = append(s.Addresses, resolver.Address{Addr: r.grpcAddr})
		}
		return s
	}
	res := manual.NewBuilderWithScheme("replicas")
	res.InitialState(addresses())
	conn, err := grpc.NewClient("replicas:///telegent-facade",
		grpc.WithResolvers(res),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultServiceConfig(replicaServiceConfig))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := webhookv1.NewWebhookServiceClient(conn)

	// Steady load: a few callers, each with its own sequence of webhooks.
	type result struct {
		id, url, webhookID string
		err                error
	}
	const callers = 4
	var (
		mu      sync.Mutex
		results []result
		issued  atomic.Int64
		stop    = make(chan struct{})
		wg      sync.WaitGroup
	)
	for c := range callers {
		wg.Go(func() {
			for seq := 0; ; seq++ {
				select {
				case <-stop:
					return
				default:
				}
				issued.Add(1)
				id := fmt.Sprintf("rolling-%d-%d", c, seq)
				url := "https://hooks.example.com/rolling/" + id
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				ctx = metadata.AppendToOutgoingContext(ctx, "x-request-id", id)
				resp, err := client.CreateWebhook(ctx, basicReq(url))
				cancel()
				mu.Lock()
				results = append(results, result{id: id, url: url, webhookID: resp.GetWebhook().GetWebhookId(), err: err})
				mu.Unlock()
			}
		})
	}
	answered := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(results)
	}
	// waitCalls waits until n more calls have been answered.
	waitCalls := func(n int) {
		target := answered() + n
		testutil.Poll(t, 2*time.Minute, "the target number of answers", func() bool { return answered() >= target })
	}
	waitCalls(50)

	started := time.Now()
	fetches := map[string]int{}
	served := map[string][]string{}
	for i, old := range replicas {
		fetches[old.name] = old.tokenFetches(t)
		if err := old.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if code := old.wait(t); code != 0 {
			t.Fatalf("%s exited with %d", old.name, code)
		}
		served[old.name] = old.served()
		replicas[i] = startReplica(t, sim.url, fmt.Sprintf("replica-%d'", i))
		res.UpdateState(addresses())
		// The replacement is ready (it logged "serving") and takes calls.
		waitCalls(30)
	}
	restart := time.Since(started)
	waitCalls(30)
	close(stop)
	wg.Wait()
	for _, r := range replicas {
		fetches[r.name] = r.tokenFetches(t)
		served[r.name] = r.served()
	}

	// Every call answered once, none failed.
	mu.Lock()
	defer mu.Unlock()
	if int64(len(results)) != issued.Load() {
		t.Errorf("%d calls issued, %d answered", issued.Load(), len(results))
	}
	okCalls := 0
	webhookIDs := map[string]bool{}
	for _, r := range results {
		if r.err != nil {
			t.Errorf("call %s failed: %v", r.id, r.err)
			continue
		}
		okCalls++
		if r.webhookID == "" || webhookIDs[r.webhookID] {
			t.Errorf("call %s: webhook id %q missing or repeated", r.id, r.webhookID)
		}
		webhookIDs[r.webhookID] = true
	}

	// One create per successful call, at Telegent.
	var creates map[string]int
	sim.admin(t, http.MethodGet, "/_sim/creates-by-url", nil, &creates)
	total := 0
	for _, n := range creates {
		total += n
	}
	for _, r := range results {
		if n := creates[r.url]; r.err == nil && n != 1 {
			t.Errorf("call %s: Telegent saw %d creates, want 1", r.id, n)
		}
	}
	if total != okCalls {
		t.Errorf("Telegent saw %d creates for %d successful calls", total, okCalls)
	}

	// Each call was served by exactly one replica, and each replica took
	// its own token.
	servedBy := map[string]string{}
	for name, ids := range served {
		for _, id := range ids {
			if other, dup := servedBy[id]; dup {
				t.Errorf("call %s served by %s and %s", id, other, name)
			}
			servedBy[id] = name
		}
	}
	if len(servedBy) != okCalls {
		t.Errorf("the replicas logged %d calls, %d succeeded", len(servedBy), okCalls)
	}
	names := make([]string, 0, len(served))
	for name := range served {
		names = append(names, name)
	}
	for _, name := range names {
		if fetches[name] < 1 {
			t.Errorf("%s reports %d token fetches, want at least its own", name, fetches[name])
		}
		// Round-robin: every replica, old or new, had its share.
		if len(served[name]) == 0 {
			t.Errorf("%s served no call", name)
		}
	}
	var report strings.Builder
	for _, name := range []string{"replica-0", "replica-1", "replica-2", "replica-0'", "replica-1'", "replica-2'"} {
		fmt.Fprintf(&report, " %s: %d calls, %d token fetches;", name, len(served[name]), fetches[name])
	}
	t.Logf("%d calls, %d failed, %d creates at Telegent; rolling restart of 3 replicas took %v;%s",
		len(results), len(results)-okCalls, total, restart.Round(100*time.Millisecond), report.String())
}
