package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/internal/testpki"
	"github.com/platform/telegent-facade/internal/testredis"
)

// TestRequestIDOnManagedRedis runs two facades on a Redis that, like a
// managed one, speaks TLS only and requires a password: one request_id
// sent to each, then both restarted and the id sent again (once in upper
// case) makes one create, and every answer has the same webhook. Redis
// then holds no caller name, URL (nor its path or query), username,
// account id, webhook id or request id in clear, in any key or value; the
// replayed calls are logged as replays with one hash of the request id.
func TestRequestIDOnManagedRedis(t *testing.T) {
	t.Parallel()
	ca := testpki.NewCA(t, "redis test CA")
	cert := ca.Issue(t, true, "redis")
	const redisPassword = "redis-pass-E2E-7c3a9"
	redis := testredis.StartWith(t, testredis.Options{
		Password: redisPassword,
		TLS:      &testredis.TLS{CertPEM: cert.CertPEM, KeyPEM: cert.KeyPEM, CAPEM: ca.PEM},
	})
	dir := t.TempDir()
	caFile, passwordFile := filepath.Join(dir, "redis-ca.pem"), filepath.Join(dir, "redis-password")
	if err := os.WriteFile(caFile, ca.PEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(passwordFile, []byte(redisPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	storeURL := strings.Replace(redis.URL(), "rediss://", "rediss://default@", 1)
	if !strings.HasPrefix(storeURL, "rediss://default@") {
		t.Fatalf("store URL %q is not TLS", storeURL)
	}
	s := startSim(t)
	start := func() *facade {
		return startFacade(t, s.url, nil, "--idempotency-store", storeURL,
			"--idempotency-redis-ca-file", caFile, "--idempotency-redis-password-file", passwordFile)
	}
	facades := []*facade{start(), start()}

	req := basicReq(uniqueURL(t, "") + "/hooks/inbound-path-E2E?hook_token=query-secret-E2E-41")
	req.AuthenticationUsername = "user-E2E-name-93"
	req.AccountId = "AID-E2E7781q"
	req.RequestId = uuid.NewString()
	var webhookID string
	send := func(f *facade, r *webhookv1.CreateWebhookRequest) {
		t.Helper()
		resp, err := f.client.CreateWebhook(context.Background(), r)
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		got := resp.GetWebhook().GetWebhookId()
		if webhookID == "" {
			webhookID = got
		}
		if got == "" || got != webhookID {
			t.Fatalf("answer has webhook %q, want %q every time", got, webhookID)
		}
	}
	for _, f := range facades {
		send(f, req)
	}
	var lines []map[string]any
	for i, f := range facades {
		if err := f.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if code := f.wait(t); code != 0 {
			t.Fatalf("facade exited with %d", code)
		}
		f.mu.Lock()
		lines = append(lines, f.lines...)
		f.mu.Unlock()
		facades[i] = start()
	}
	upper := proto.CloneOf(req)
	upper.RequestId = strings.ToUpper(req.RequestId)
	send(facades[0], req)
	send(facades[1], upper)
	if n := createsByURL(t, s)[req.GetWebhookUrl()]; n != 1 {
		t.Fatalf("Telegent saw %d creates for one request_id over two facades and a restart, want 1", n)
	}

	// What Redis holds.
	rc := redis.Client(t)
	ctx := context.Background()
	var dump strings.Builder
	keys := redis.Keys(t)
	if len(keys) == 0 {
		t.Fatal("Redis holds no key")
	}
	for _, k := range keys {
		dump.WriteString(k + "\n")
		switch typ := rc.Type(ctx, k).Val(); typ {
		case "string":
			dump.WriteString(rc.Get(ctx, k).Val() + "\n")
		case "zset":
			dump.WriteString(strings.Join(rc.ZRange(ctx, k, 0, -1).Val(), "\n") + "\n")
		case "hash":
			for f, v := range rc.HGetAll(ctx, k).Val() {
				dump.WriteString(f + "=" + v + "\n")
			}
		default:
			t.Errorf("key %q of unexpected type %q", k, typ)
		}
	}
	// One record with a sealed outcome, and its caller's sets.
	if len(keys) != 2 || !strings.Contains(dump.String(), `"box":`) {
		t.Errorf("Redis holds %d keys, want a done record and its caller's done set:\n%s", len(keys), dump.String())
	}
	held := strings.ToLower(dump.String())
	for what, clear := range map[string]string{
		"caller name":  "anonymous",
		"URL host":     "hooks.example.com",
		"URL path":     "inbound-path-e2e",
		"URL query":    "query-secret-e2e-41",
		"username":     req.AuthenticationUsername,
		"password":     req.AuthenticationPassword,
		"account id":   req.AccountId,
		"webhook id":   webhookID,
		"request id":   req.RequestId,
		"request id 2": strings.ReplaceAll(req.RequestId, "-", ""),
	} {
		if strings.Contains(held, strings.ToLower(clear)) {
			t.Errorf("Redis holds the %s in clear:\n%s", what, dump.String())
		}
	}

	// Log lines: the first call is carried out, the other three replayed,
	// without an upstream status; all four carry one hash of the id.
	for _, f := range facades {
		f.mu.Lock()
		lines = append(lines, f.lines...)
		f.mu.Unlock()
	}
	var hashes []string
	replays := 0
	for _, l := range lines {
		if l["msg"] != "request" || l["method"] != webhookv1.WebhookService_CreateWebhook_FullMethodName {
			continue
		}
		h, _ := l["request_id_hash"].(string)
		hashes = append(hashes, h)
		if l["replayed"] == true {
			replays++
			if l["upstream_status"] != nil {
				t.Errorf("replayed call logged with upstream_status: %v", l)
			}
		} else if l["upstream_status"] != "200" {
			t.Errorf("first call logged without upstream_status 200: %v", l)
		}
	}
	if len(hashes) != 4 || replays != 3 {
		t.Fatalf("logged %d creates, %d replayed; want 4 and 3", len(hashes), replays)
	}
	for _, h := range hashes {
		if h == "" || h != hashes[0] || strings.Contains(h, req.RequestId) {
			t.Fatalf("request_id_hash values %q: want one non-empty hash on every line", hashes)
		}
	}
}
