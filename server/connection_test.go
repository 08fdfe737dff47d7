package server_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/internal/testpki"
	"github.com/platform/telegent-facade/internal/testutil"
	"github.com/platform/telegent-facade/server"
)

// mtlsFiles writes a server certificate, its key, the client CA and a
// policy file, and returns a config using them.
func mtlsFiles(t *testing.T, ca *testpki.CA) server.Config {
	t.Helper()
	dir := t.TempDir()
	srvCert := ca.Issue(t, true, "facade")
	files := map[string][]byte{
		"cert.pem": srvCert.CertPEM, "key.pem": srvCert.KeyPEM, "ca.pem": ca.PEM,
		"policy.json": []byte(`{"callers": [{"caller": "spiffe://test/client", "accounts": ["AID-1"]}]}`),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return server.Config{
		TLSCertFile: filepath.Join(dir, "cert.pem"), TLSKeyFile: filepath.Join(dir, "key.pem"),
		TLSClientCAFile: filepath.Join(dir, "ca.pem"), AuthPolicyFile: filepath.Join(dir, "policy.json"),
	}
}

func clientTLS(ca *testpki.CA, cert *testpki.Issued) *tls.Config {
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	c := &tls.Config{RootCAs: roots, ServerName: "localhost", MinVersion: tls.VersionTLS12}
	if cert != nil {
		c.Certificates = []tls.Certificate{cert.Pair}
	}
	return c
}

// TestExpiredClientCertificateIsRefused: a connection made with a client
// certificate that was valid then is refused calls once it has expired.
func TestExpiredClientCertificateIsRefused(t *testing.T) {
	ca := testpki.NewCA(t, "test CA")
	notAfter := time.Now().Add(3 * time.Second)
	clientCert := ca.IssueUntil(t, notAfter, false, "client", "spiffe://test/client")
	srv := startDev(t, mtlsFiles(t, ca))

	conn, err := grpc.NewClient(srv.GRPCAddr().String(), grpc.WithTransportCredentials(credentials.NewTLS(clientTLS(ca, &clientCert))))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	health := healthpb.NewHealthClient(conn)
	webhooks := webhookv1.NewWebhookServiceClient(conn)
	if _, err := health.Check(t.Context(), &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatalf("with a current certificate: %v", err)
	}
	req := &webhookv1.CreateWebhookRequest{AccountId: "AID-1", WebhookUrl: "https://h.example.com/x",
		SubscribedEvents: []webhookv1.WebhookEvent{webhookv1.WebhookEvent_WEBHOOK_EVENT_NEW_SMS}}
	if _, err := webhooks.CreateWebhook(t.Context(), req); err != nil {
		t.Fatalf("create with a current certificate: %v", err)
	}
	// Certificates count whole seconds.
	testutil.Poll(t, 30*time.Second, "the client certificate expires", func() bool { return time.Now().After(notAfter.Add(time.Second)) })
	if _, err := webhooks.CreateWebhook(t.Context(), req); status.Code(err) != codes.Unauthenticated {
		t.Errorf("create on the same connection after expiry: %v, want UNAUTHENTICATED", err)
	}
	if _, err := health.Check(t.Context(), &healthpb.HealthCheckRequest{}); status.Code(err) != codes.Unauthenticated {
		t.Errorf("health on the same connection after expiry: %v, want UNAUTHENTICATED", err)
	}
}

// TestConnectionsAreRecycled: with --max-connection-age, a client's
// connection is closed once it is that old (after a grace period for the
// calls in flight), and the client makes a new one.
func TestConnectionsAreRecycled(t *testing.T) {
	srv := startDev(t, server.Config{MaxConnectionAge: time.Second})
	var dials atomic.Int32
	dialer := func(ctx context.Context, addr string) (net.Conn, error) {
		dials.Add(1)
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	}
	conn, err := grpc.NewClient(srv.GRPCAddr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithContextDialer(dialer))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	health := healthpb.NewHealthClient(conn)
	testutil.Poll(t, 60*time.Second, "a second connection", func() bool {
		if _, err := health.Check(t.Context(), &healthpb.HealthCheckRequest{}); err != nil && status.Code(err) != codes.Unavailable {
			t.Fatalf("health: %v", err)
		}
		return dials.Load() >= 2
	})
}

// TestTLSSuitesAreAEADOnly: both listeners refuse TLS 1.2 CBC suites and
// accept the AEAD ones.
func TestTLSSuitesAreAEADOnly(t *testing.T) {
	ca := testpki.NewCA(t, "test CA")
	cfg := mtlsFiles(t, ca)
	cfg.TLSClientCAFile, cfg.AuthPolicyFile = "", ""
	srv := startDev(t, cfg)
	for name, addr := range map[string]string{"grpc": srv.GRPCAddr().String(), "http": srv.HTTPAddr().String()} {
		for suite, wantOK := range map[uint16]bool{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA:    false,
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA:    false,
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: false,
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: true,
		} {
			c := clientTLS(ca, nil)
			c.MaxVersion, c.CipherSuites, c.NextProtos = tls.VersionTLS12, []uint16{suite}, []string{"h2"}
			conn, err := tls.Dial("tcp", addr, c)
			if err == nil {
				conn.Close()
			}
			if (err == nil) != wantOK {
				t.Errorf("%s, %s: handshake error %v, want success %v", name, tls.CipherSuiteName(suite), err, wantOK)
			}
		}
	}
}

// TestCallerValuesAreBoundedInLogs: what an unauthenticated, invalid call
// sends reaches the log only bounded and with control and bidi characters
// escaped.
func TestCallerValuesAreBoundedInLogs(t *testing.T) {
	srv, logs := startWithTestService(t)
	conn, err := grpc.NewClient(srv.GRPCAddr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	hostile := "AID-" + strings.Repeat("\u202e\x1b[31m", 6000)
	req := &webhookv1.CreateWebhookRequest{AccountId: hostile, WebhookUrl: "https://\u202eevil" + strings.Repeat("x", 3000) + ".example/x"}
	_, err = webhookv1.NewWebhookServiceClient(conn).CreateWebhook(t.Context(), req)
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("hostile request: %v", err)
	}
	for _, line := range strings.Split(logs.String(), "\n") {
		if !strings.Contains(line, "CreateWebhook") {
			continue
		}
		if len(line) > 4<<10 {
			t.Errorf("log line of %d bytes", len(line))
		}
		if strings.ContainsAny(line, "\u202e\x1b") {
			t.Errorf("log line carries raw bidi or control characters: %q", line)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		if id, _ := m["account_id"].(string); !strings.HasPrefix(id, `AID-\u202e\u001b[31m`) {
			t.Errorf("account_id logged as %q, want it escaped", id)
		}
	}
}
