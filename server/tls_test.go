package server

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/platform/telegent-facade/internal/testpki"
	"github.com/platform/telegent-facade/internal/testutil"
	"github.com/platform/telegent-facade/telegent"
)

// put writes a file with an explicit modification time, so that every
// change is visible to a stat whatever the file system's granularity.
func put(t *testing.T, path string, b []byte, mtime time.Time) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

// handshakeServer accepts TLS connections with cfg and reports each
// server-side handshake result: the verified client chain's common name,
// or the error.
type handshakeServer struct {
	addr    string
	results chan handshakeResult
}

type handshakeResult struct {
	clientCN string
	err      error
}

func serveHandshakes(t *testing.T, cfg *tls.Config) *handshakeServer {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &handshakeServer{addr: lis.Addr().String(), results: make(chan handshakeResult, 16)}
	tl := tls.NewListener(lis, cfg)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := tl.Accept()
			if err != nil {
				return
			}
			tc := c.(*tls.Conn)
			err = tc.Handshake()
			r := handshakeResult{err: err}
			if st := tc.ConnectionState(); err == nil && len(st.VerifiedChains) > 0 {
				r.clientCN = st.VerifiedChains[0][0].Subject.CommonName
			}
			// A byte tells the client that the server accepted it: with
			// TLS 1.3 a refused client certificate shows on the client's
			// first read.
			if err == nil {
				_, _ = tc.Write([]byte{1})
			}
			_ = tc.Close()
			s.results <- r
		}
	}()
	t.Cleanup(func() {
		_ = tl.Close()
		<-done
	})
	return s
}

// dial handshakes as a client, with an optional client certificate, and
// returns the server's serial and the server-side result.
func (s *handshakeServer) dial(t *testing.T, roots *x509.CertPool, client *tls.Certificate) (*big.Int, handshakeResult) {
	t.Helper()
	cfg := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	if client != nil {
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return client, nil }
	}
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", s.addr, cfg)
	var got *big.Int
	if err == nil {
		got = conn.ConnectionState().PeerCertificates[0].SerialNumber
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, _ = conn.Read(make([]byte, 1))
		_ = conn.Close()
	}
	select {
	case r := <-s.results:
		return got, r
	case <-time.After(10 * time.Second):
		t.Fatal("the server reported no handshake")
		return nil, handshakeResult{}
	}
}

func TestTLSFilesReloadOnChange(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca := testpki.NewCA(t, "test CA")
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	base := time.Now()
	first := ca.Issue(t, true, "first")
	put(t, certFile, first.CertPEM, base)
	put(t, keyFile, first.KeyPEM, base)

	logs := &testutil.SyncBuffer{} // written by concurrent handshakes
	files, err := newTLSFiles(certFile, keyFile, "", slog.New(slog.NewJSONHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := serveHandshakes(t, files.serverConfig([]string{"http/1.1"}))
	expect := func(step string, want *big.Int) {
		t.Helper()
		got, r := srv.dial(t, roots, nil)
		if r.err != nil || got == nil || got.Cmp(want) != 0 {
			t.Fatalf("%s: serial %v (server: %v), want %v", step, got, r.err, want)
		}
	}
	expect("at start", first.Serial)

	second := ca.Issue(t, true, "second")
	put(t, keyFile, second.KeyPEM, base.Add(time.Minute))
	put(t, certFile, second.CertPEM, base.Add(time.Minute))
	expect("after replacing the files", second.Serial)

	// A certificate written before its key: the pair does not match.
	// The previous certificate stays in service, and the problem is
	// logged once however many handshakes see it.
	third := ca.Issue(t, true, "third")
	put(t, certFile, third.CertPEM, base.Add(2*time.Minute))
	expect("with a mismatched pair", second.Serial)
	expect("with a mismatched pair, again", second.Serial)
	if n := strings.Count(logs.String(), "do not load"); n != 1 {
		t.Errorf("the failed reload was logged %d times, want once:\n%s", n, logs)
	}
	put(t, keyFile, third.KeyPEM, base.Add(3*time.Minute))
	expect("once the key follows", third.Serial)

	// A touch without new content is not a reload worth logging.
	reloads := strings.Count(logs.String(), "TLS certificate reloaded")
	put(t, certFile, third.CertPEM, base.Add(4*time.Minute))
	expect("after a touch", third.Serial)
	if n := strings.Count(logs.String(), "TLS certificate reloaded"); n != reloads {
		t.Errorf("a touch was logged as a reload")
	}

	// Files that vanish keep the last good certificate.
	if err := os.Remove(certFile); err != nil {
		t.Fatal(err)
	}
	expect("with the files gone", third.Serial)
	if !strings.Contains(logs.String(), "cannot be read") {
		t.Errorf("no warning about unreadable files:\n%s", logs)
	}
	if strings.Contains(logs.String(), "PRIVATE KEY") {
		t.Error("the logs show key material")
	}
}

func TestTLSClientCA(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	serverCA, clientCA, otherCA := testpki.NewCA(t, "test CA"), testpki.NewCA(t, "test CA"), testpki.NewCA(t, "test CA")
	roots := x509.NewCertPool()
	roots.AddCert(serverCA.Cert)
	srvCert := serverCA.Issue(t, true, "server")
	certFile, keyFile, caFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), filepath.Join(dir, "ca.PEM")
	base := time.Now()
	put(t, certFile, srvCert.CertPEM, base)
	put(t, keyFile, srvCert.KeyPEM, base)
	put(t, caFile, clientCA.PEM, base)
	files, err := newTLSFiles(certFile, keyFile, caFile, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := serveHandshakes(t, files.serverConfig([]string{"h2"}))
	good, other := clientCA.Issue(t, false, "svc-good").Pair, otherCA.Issue(t, false, "svc-other").Pair

	if _, r := srv.dial(t, roots, nil); r.err != nil || r.clientCN != "" {
		t.Errorf("without a client certificate: %+v, want accepted without identity", r)
	}
	if _, r := srv.dial(t, roots, &good); r.err != nil || r.clientCN != "svc-good" {
		t.Errorf("with a certificate of the client CA: %+v", r)
	}
	if _, r := srv.dial(t, roots, &other); r.err == nil {
		t.Errorf("a certificate of another CA was accepted: %+v", r)
	}

	put(t, caFile, otherCA.PEM, base.Add(time.Minute))
	if _, r := srv.dial(t, roots, &other); r.err != nil || r.clientCN != "svc-other" {
		t.Errorf("after the client CA changed, its certificate: %+v", r)
	}
	if _, r := srv.dial(t, roots, &good); r.err == nil {
		t.Errorf("after the client CA changed, the old CA's certificate was accepted: %+v", r)
	}
}

func TestLoadTLSErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca := testpki.NewCA(t, "test CA")
	c, other := ca.Issue(t, true, "a"), ca.Issue(t, true, "b")
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		put(t, p, b, time.Now())
		return p
	}
	cert, key, otherKey := write("cert.pem", c.CertPEM), write("key.pem", c.KeyPEM), write("other-key.pem", other.KeyPEM)
	notPEM := write("garbage.pem", []byte("not pem"))
	tests := map[string]struct{ cert, key, ca, want string }{
		"ok":              {cert, key, "", ""},
		"ok with a CA":    {cert, key, write("ca.PEM", ca.PEM), ""},
		"missing cert":    {filepath.Join(dir, "nope"), key, "", "--tls-cert-file"},
		"key of another":  {cert, otherKey, "", "does not match"},
		"CA without PEM":  {cert, key, notPEM, "--tls-client-ca-file: no PEM certificate"},
		"missing CA file": {cert, key, filepath.Join(dir, "nope"), "--tls-client-ca-file"},
	}
	for name, tc := range tests {
		_, err := loadTLS(tc.cert, tc.key, tc.ca)
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: err = %v, want %q", name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "PRIVATE KEY") {
			t.Errorf("%s: the error shows key material: %v", name, err)
		}
	}
}

// TestTelegentCA: Telegent's certificate is verified against
// --telegent-ca-file when given, and against the system roots otherwise.
func TestTelegentCA(t *testing.T) {
	t.Parallel()
	upstream := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	upstream.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is the point
	upstream.StartTLS()
	defer upstream.Close()
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.PEM")
	put(t, caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: upstream.Certificate().Raw}), time.Now())

	get := func(hc *http.Client) error {
		defer hc.CloseIdleConnections()
		resp, err := hc.Get(upstream.URL)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	plain := telegent.NewHTTPClient()
	var unknownAuthority x509.UnknownAuthorityError
	if err := get(plain); !errors.As(err, &unknownAuthority) {
		t.Errorf("without the CA file: %v, want an unknown-authority error", err)
	}
	trusting := telegent.NewHTTPClient()
	pool, err := loadCertPool(caFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := useTelegentCA(trusting, pool); err != nil {
		t.Fatal(err)
	}
	if err := get(trusting); err != nil {
		t.Errorf("with the CA file: %v", err)
	}
	tr := trusting.Transport.(*http.Transport)
	if tr.TLSClientConfig.InsecureSkipVerify || tr.TLSClientConfig.MinVersion != tls.VersionTLS12 {
		t.Errorf("TLS client config = %+v", tr.TLSClientConfig)
	}
	if plain.Transport.(*http.Transport).TLSClientConfig.RootCAs != nil {
		t.Error("useTelegentCA changed another client's transport")
	}
	notPEM := filepath.Join(dir, "garbage")
	put(t, notPEM, []byte("garbage"), time.Now())
	if _, err := loadCertPool(notPEM); err == nil {
		t.Error("a CA file without certificates was accepted")
	}
	if err := useTelegentCA(plain, nil); err != nil || plain.Transport.(*http.Transport).TLSClientConfig.RootCAs != nil {
		t.Errorf("an empty CA file setting changed the client: %v", err)
	}
}
