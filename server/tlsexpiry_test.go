package server

import (
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/platform/telegent-facade/internal/testpki"
)

// TestTLSCertificateExpiryGauge: the gauge is the served certificate's
// NotAfter, and follows a renewed certificate without a restart.
func TestTLSCertificateExpiryGauge(t *testing.T) {
	dir := t.TempDir()
	ca := testpki.NewCA(t, "test CA")
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	base := time.Now()
	soon := base.Add(3 * time.Hour).Truncate(time.Second)
	first := ca.IssueUntil(t, soon, true, "first")
	put(t, certFile, first.CertPEM, base)
	put(t, keyFile, first.KeyPEM, base)
	files, err := newTLSFiles(certFile, keyFile, "", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(files.expiryGauge())
	value := func() float64 {
		t.Helper()
		mfs, err := reg.Gather()
		if err != nil || len(mfs) != 1 || mfs[0].GetName() != "telegent_facade_tls_certificate_expiry_timestamp_seconds" {
			t.Fatalf("gathered %v, %v", mfs, err)
		}
		return mfs[0].GetMetric()[0].GetGauge().GetValue()
	}
	if got := value(); got != float64(soon.Unix()) {
		t.Errorf("expiry = %v, want %v", got, soon.Unix())
	}

	later := base.Add(20 * time.Hour).Truncate(time.Second)
	renewed := ca.IssueUntil(t, later, true, "renewed")
	put(t, certFile, renewed.CertPEM, base.Add(time.Minute))
	put(t, keyFile, renewed.KeyPEM, base.Add(time.Minute))
	if got := value(); got != float64(later.Unix()) {
		t.Errorf("expiry after renewal = %v, want %v", got, later.Unix())
	}
}
