package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/internal/buildinfo"
	"github.com/platform/telegent-facade/internal/testutil"
	"github.com/platform/telegent-facade/server"
	"github.com/platform/telegent-facade/telegentsim"
)

// probeState is what every probe of a replica says at one moment.
type probeState struct {
	readyz        int    // /readyz status on the HTTP port
	readyzStatus  string // its "status"
	opsReadyz     int    // /readyz on the ops port
	overall, webh healthpb.HealthCheckResponse_ServingStatus
	opsOverall    healthpb.HealthCheckResponse_ServingStatus
}

func getJSON(t *testing.T, url string) (int, map[string]string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	var body map[string]string
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &body)
	return resp.StatusCode, body
}

func healthOf(t *testing.T, conn *grpc.ClientConn, service string) healthpb.HealthCheckResponse_ServingStatus {
	t.Helper()
	resp, err := healthpb.NewHealthClient(conn).Check(t.Context(), &healthpb.HealthCheckRequest{Service: service})
	if err != nil {
		t.Fatalf("health check %q: %v", service, err)
	}
	return resp.GetStatus()
}

// TestLifecycle follows one replica from start to exit: NOT_SERVING and 503
// "starting" until the first token is in hand, SERVING and 200 once it is,
// NOT_SERVING and 503 "shutting down" at once on shutdown while the
// listeners still serve for the shutdown delay, then a clean exit. The
// gRPC health and /readyz always agree, on the main ports and the plaintext
// ops port alike.
func TestLifecycle(t *testing.T) {
	release := make(chan struct{})
	sim := telegentsim.New(telegentsim.Config{})
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/oauth2/tokens") {
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
		}
		sim.ServeHTTP(w, r)
	}))
	defer upstream.Close()

	cfg := server.Config{
		GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", OpsAddr: "127.0.0.1:0", TelegentBaseURL: upstream.URL,
		AccountKey: telegentsim.DefaultAccountKey, AccountSecret: telegentsim.DefaultAccountSecret,
		// Long enough that the test sees the start and the delay however
		// loaded the machine is; the test ends each of them itself.
		UpstreamTimeout: time.Minute, ShutdownDelay: 6 * time.Second, ShutdownGrace: 5 * time.Second,
		MaxUpstream: 8, BreakerFailures: 5, BreakerFailureRatio: 0.5, BreakerOpenTimeout: time.Second,
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := server.New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()

	dial := func(addr string) *grpc.ClientConn {
		conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = conn.Close() })
		return conn
	}
	mainConn, opsConn := dial(srv.GRPCAddr().String()), dial(srv.OpsAddr().String())
	httpURL, opsURL := "http://"+srv.HTTPAddr().String(), "http://"+srv.OpsAddr().String()
	service := webhookv1.WebhookService_ServiceDesc.ServiceName

	probe := func() probeState {
		var p probeState
		var body map[string]string
		p.readyz, body = getJSON(t, httpURL+"/readyz")
		p.readyzStatus = body["status"]
		p.opsReadyz, _ = getJSON(t, opsURL+"/readyz")
		p.overall, p.webh = healthOf(t, mainConn, ""), healthOf(t, mainConn, service)
		p.opsOverall = healthOf(t, opsConn, "")
		return p
	}
	notServing := healthpb.HealthCheckResponse_NOT_SERVING
	serving := healthpb.HealthCheckResponse_SERVING

	// Starting: the token call is held back.
	want := probeState{503, "starting", 503, notServing, notServing, notServing}
	if got := probe(); got != want {
		t.Errorf("while starting: %+v, want %+v", got, want)
	}
	if code, _ := getJSON(t, opsURL+"/healthz"); code != http.StatusOK {
		t.Errorf("ops /healthz while starting = %d, want 200 (alive)", code)
	}

	close(release)
	want = probeState{200, "ready", 200, serving, serving, serving}
	testutil.Poll(t, 30*time.Second, "readiness reported", func() bool { return probe() == want })

	// The build is reported on the ops port's metrics; with an ops port,
	// the public one serves none.
	bi := buildinfo.Read()
	metric := `telegent_facade_build_info{go_version="` + bi.GoVersion + `",revision="` + bi.Revision + `",version="` + bi.Version + `"} 1`
	resp, err := http.Get(opsURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), metric) {
		t.Errorf("%s/metrics lacks %s", opsURL, metric)
	}
	if code, _ := getJSON(t, httpURL+"/metrics"); code != http.StatusNotFound {
		t.Errorf("public /metrics with --ops-addr = %d, want 404", code)
	}

	// Shutdown: readiness fails at once while the listeners keep serving,
	// so these probes, made on new connections, are answered.
	cancel()
	want = probeState{503, "shutting down", 503, notServing, notServing, notServing}
	testutil.Poll(t, 30*time.Second, "readiness reported", func() bool { return probe() == want })
	fresh := dial(srv.GRPCAddr().String())
	if got := healthOf(t, fresh, ""); got != notServing {
		t.Errorf("a new connection during the shutdown delay: %v, want NOT_SERVING", got)
	}

	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the server did not stop")
	}
	if _, err := http.Get(httpURL + "/readyz"); err == nil {
		t.Error("the HTTP listener still accepts after shutdown")
	}
}
