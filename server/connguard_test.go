package server_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/encoding/protojson"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/internal/example"
	"github.com/platform/telegent-facade/internal/testutil"
	"github.com/platform/telegent-facade/server"
)

// floodSockets is the reported attack: more half-open sockets from one
// address than a listener admits (server.DefaultMaxConnections).
const floodSockets = 1100

// flood holds n sockets to addr from 127.0.0.1, each having sent only
// partial, and reopens each one the server closes (after a pause, so the
// flood stays bounded). It returns how many the server closed; stop ends it
// and closes every socket.
func flood(t *testing.T, addr string, n int, partial []byte) (closedByServer *atomic.Int64, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	closedByServer = new(atomic.Int64)
	var opened atomic.Int64
	var wg sync.WaitGroup
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, Timeout: 5 * time.Second}
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			first := true
			for ctx.Err() == nil {
				c, err := d.DialContext(ctx, "tcp", addr)
				if first {
					opened.Add(1)
					first = false
				}
				if err == nil {
					_, _ = c.Write(partial)
					stopped := context.AfterFunc(ctx, func() { _ = c.Close() })
					// Until the server (or stop) closes it; a gRPC server
					// sends its SETTINGS first.
					_, _ = io.Copy(io.Discard, c)
					if stopped() {
						closedByServer.Add(1)
					}
					_ = c.Close()
				}
				select {
				case <-ctx.Done():
				case <-time.After(250 * time.Millisecond):
				}
			}
		}()
	}
	stop = func() {
		cancel()
		wg.Wait()
	}
	t.Cleanup(stop)
	testutil.Poll(t, time.Minute, "every flood socket to open", func() bool { return opened.Load() == int64(n) })
	return closedByServer, stop
}

// slowClientsTolerated lets slow clients hold their connections far longer
// than the other client's calls may take, so that only the connection
// guard can make room for it.
var slowClientsTolerated = server.Config{ReadHeaderTimeout: time.Minute}

// floodRenewed reports whether the other client has made enough calls:
// at least 10, and as many as it takes for the server to close as many
// flooding sockets as the flood holds, each of them reopened (at most 500).
func floodRenewed(calls int, closed *atomic.Int64) bool {
	return calls >= 500 || calls >= 10 && closed.Load() >= floodSockets
}

// otherClient dials from 127.0.0.2: another client address (Linux routes
// all of 127/8 to lo).
var otherClient = net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}, Timeout: 10 * time.Second}

// TestSlowHeaderFloodLeavesHTTPPortToOthers: 1,100 sockets from one
// address that send half a request header, reopened as they are closed,
// do not keep another client's /healthz and creates out: each of its calls
// on a new connection succeeds during the flood.
func TestSlowHeaderFloodLeavesHTTPPortToOthers(t *testing.T) {
	srv := startDev(t, slowClientsTolerated)
	addr := srv.HTTPAddr().String()
	closed, stop := flood(t, addr, floodSockets, []byte("POST /v1/webhooks HTTP/1.1\r\nHost: facade\r\nContent-Type: appl"))

	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: otherClient.DialContext, DisableKeepAlives: true}}
	body, err := protojson.Marshal(example.Request())
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; !floodRenewed(i, closed); i++ {
		resp, err := client.Get("http://" + addr + "/healthz")
		if err != nil {
			t.Fatalf("/healthz %d during the flood: %v", i, err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("/healthz %d during the flood: %s", i, resp.Status)
		}
		if i%3 == 0 {
			resp, err := client.Post("http://"+addr+"/v1/webhooks", "application/json", bytes.NewReader(body))
			if err != nil {
				t.Fatalf("create %d during the flood: %v", i, err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("create %d during the flood: %s", i, resp.Status)
			}
		}
	}
	stop()
	// Past its share, the flooding address's sockets were closed.
	if min := int64(floodSockets - server.DefaultMaxPendingPerClient); closed.Load() < min {
		t.Errorf("the server closed %d flooding sockets, want at least %d", closed.Load(), min)
	}
	if m := scrape(t, "http://"+addr); !strings.Contains(m, `telegent_facade_connections_evicted_total{listener="http"}`) ||
		strings.Contains(m, `telegent_facade_connections_evicted_total{listener="http"} 0`+"\n") {
		t.Errorf("/metrics does not count the closed connections")
	}
}

func TestLoadConfigMaxPendingPerClient(t *testing.T) {
	t.Parallel()
	c, err := server.LoadConfig([]string{"--dev"}, env(nil), &bytes.Buffer{})
	if err != nil || c.MaxPendingPerClient != server.DefaultMaxPendingPerClient {
		t.Errorf("default: %d, %v", c.MaxPendingPerClient, err)
	}
	c, err = server.LoadConfig([]string{"--dev"}, env(map[string]string{"MAX_PENDING_PER_CLIENT": "500"}), &bytes.Buffer{})
	if err != nil || c.MaxPendingPerClient != 500 {
		t.Errorf("from the environment: %d, %v", c.MaxPendingPerClient, err)
	}
	if _, err := server.LoadConfig([]string{"--dev", "--max-pending-per-client", "-1"}, env(nil), &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "--max-pending-per-client") {
		t.Errorf("negative: %v", err)
	}
	var help bytes.Buffer
	_, _ = server.LoadConfig([]string{"--help"}, env(nil), &help)
	if !strings.Contains(help.String(), "load balancer") {
		t.Errorf("--help does not say when to raise --max-pending-per-client:\n%s", help.String())
	}
}

// TestSlowHandshakeFloodLeavesGRPCPortToOthers is the same on the gRPC
// port, with sockets that send half the HTTP/2 preface.
func TestSlowHandshakeFloodLeavesGRPCPortToOthers(t *testing.T) {
	srv := startDev(t, slowClientsTolerated)
	addr := srv.GRPCAddr().String()
	closed, stop := flood(t, addr, floodSockets, []byte("PRI * HTTP/2.0\r\n"))

	for i := 0; !floodRenewed(i, closed); i++ {
		// A new connection for every call.
		conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithContextDialer(func(ctx context.Context, a string) (net.Conn, error) { return otherClient.DialContext(ctx, "tcp", a) }))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		if _, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
			t.Fatalf("health check %d during the flood: %v", i, err)
		}
		if i%3 == 0 {
			if _, err := webhookv1.NewWebhookServiceClient(conn).CreateWebhook(ctx, example.Request()); err != nil {
				t.Fatalf("create %d during the flood: %v", i, err)
			}
		}
		cancel()
		_ = conn.Close()
	}
	stop()
	if min := int64(floodSockets - server.DefaultMaxPendingPerClient); closed.Load() < min {
		t.Errorf("the server closed %d flooding sockets, want at least %d", closed.Load(), min)
	}
}
