package server_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/platform/telegent-facade/internal/testutil"
	"github.com/platform/telegent-facade/server"
	"github.com/platform/telegent-facade/telegentsim"
)

// TestCredentialsRejectedNotReady starts a facade whose secret file holds a
// wrong secret: it is not ready (503 with the reason, NOT_SERVING, the
// gauge at 1) and says why; once the file holds the right secret, it turns
// ready by itself, without a restart.
func TestCredentialsRejectedNotReady(t *testing.T) {
	sim := httptest.NewServer(telegentsim.New(telegentsim.Config{}))
	defer sim.Close()
	secretFile := filepath.Join(t.TempDir(), "account-secret")
	const wrong = "not-the-account-secret"
	if err := os.WriteFile(secretFile, []byte(wrong+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := &testutil.SyncBuffer{}
	cfg := server.Config{
		GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", OpsAddr: "127.0.0.1:0", TelegentBaseURL: sim.URL,
		AccountKey: telegentsim.DefaultAccountKey, AccountSecret: wrong, AccountSecretFile: secretFile,
		UpstreamTimeout: 10 * time.Second, ShutdownGrace: 5 * time.Second,
		MaxUpstream: 8, BreakerFailures: 5, BreakerFailureRatio: 0.5, BreakerOpenTimeout: time.Second,
	}
	srv := server.StartForTest(t, cfg, slog.New(slog.NewJSONHandler(logs, nil)), nil)
	opsURL := "http://" + srv.OpsAddr().String()
	conn, err := grpc.NewClient(srv.OpsAddr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rejectedGauge := func() string {
		resp, err := http.Get(opsURL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		for line := range strings.Lines(string(b)) {
			if strings.HasPrefix(line, "telegent_facade_upstream_credentials_rejected ") {
				return strings.TrimSpace(line)
			}
		}
		return ""
	}

	var body map[string]string
	testutil.Poll(t, time.Minute, "/readyz to report the rejected credentials", func() bool {
		var code int
		code, body = getJSON(t, opsURL+"/readyz")
		return code == http.StatusServiceUnavailable && body["status"] == "credentials rejected"
	})
	if !strings.Contains(body["telegent_credentials"], "account key or secret") {
		t.Errorf("/readyz does not say why: %v", body)
	}
	if got := healthOf(t, conn, ""); got != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Errorf("gRPC health = %v, want NOT_SERVING", got)
	}
	if got := rejectedGauge(); got != "telegent_facade_upstream_credentials_rejected 1" {
		t.Errorf("metric: %q, want 1", got)
	}

	// The Secret is fixed: the kubelet rewrites the file.
	if err := os.WriteFile(secretFile, []byte(telegentsim.DefaultAccountSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	testutil.Poll(t, time.Minute, "/readyz to turn ready after the fix", func() bool {
		code, _ := getJSON(t, opsURL+"/readyz")
		return code == http.StatusOK
	})
	if got := healthOf(t, conn, ""); got != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("gRPC health after the fix = %v, want SERVING", got)
	}
	if got := rejectedGauge(); got != "telegent_facade_upstream_credentials_rejected 0" {
		t.Errorf("metric after the fix: %q, want 0", got)
	}
	for _, s := range []string{wrong, telegentsim.DefaultAccountSecret} {
		if strings.Contains(logs.String(), s) {
			t.Error("an account secret is in the logs")
		}
	}
}
