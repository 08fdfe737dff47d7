package server

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// tlsFiles serves the listeners' certificate and key, and the client CA for
// mTLS, from files, and picks up new files without a restart.
//
// Every handshake stats the files (a few microseconds, next to a handshake's
// signature) and reloads them when a modification time or size changed; no
// file watcher, no timer, no dependency. This also follows Kubernetes
// secret volumes, which swap a symlink: stat follows it. A change that does
// not load (a certificate written before its key, say) keeps the previous
// material in service, is logged once, and is tried again when the files
// change again.
type tlsFiles struct {
	certFile, keyFile, clientCAFile string
	logger                          *slog.Logger

	cur atomic.Pointer[tlsState]

	mu         sync.Mutex // serialises reloads and guards the two below
	rejected   string     // stamp of files that failed to load, logged once
	statFailed string     // last stat error, logged once
}

// tlsState is the loaded material and the stamp of the files it came from.
type tlsState struct {
	stamp     string
	digest    [sha256.Size]byte // of the file contents: a touch is not a reload
	cert      tls.Certificate
	clientCAs *x509.CertPool // nil without mTLS
}

// newTLSFiles loads the files; failing to is a start-up error.
func newTLSFiles(certFile, keyFile, clientCAFile string, logger *slog.Logger) (*tlsFiles, error) {
	st, err := loadTLSFiles(certFile, keyFile, clientCAFile)
	if err != nil {
		return nil, err
	}
	return tlsFilesFrom(st, certFile, keyFile, clientCAFile, logger), nil
}

// tlsFilesFrom serves st, loaded from the files by loadTLSFiles, and
// reloads the files when they change.
func tlsFilesFrom(st *tlsState, certFile, keyFile, clientCAFile string, logger *slog.Logger) *tlsFiles {
	f := &tlsFiles{certFile: certFile, keyFile: keyFile, clientCAFile: clientCAFile, logger: logger}
	f.cur.Store(st)
	f.logLoaded("TLS certificate loaded", st)
	return f
}

// loadTLSFiles loads the files and stamps the result with their modification
// times and sizes, taken first so that a change while loading is seen.
func loadTLSFiles(certFile, keyFile, clientCAFile string) (*tlsState, error) {
	f := tlsFiles{certFile: certFile, keyFile: keyFile, clientCAFile: clientCAFile}
	stamp, err := f.stat()
	if err != nil {
		return nil, err
	}
	st, err := loadTLS(certFile, keyFile, clientCAFile)
	if err != nil {
		return nil, err
	}
	st.stamp = stamp
	return st, nil
}

// serverConfig is the tls.Config of one listener: every handshake gets the
// current certificate and client CA. With a client CA, a certificate the
// client presents must verify against it or the handshake fails; a client
// that presents none still connects (health probes, token callers) and is
// refused by the authentication interceptor if the call needs a caller.
// Session tickets are off then, so that a resumed session cannot outlive a
// client CA that was replaced.
func (f *tlsFiles) serverConfig(nextProtos []string) *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		CipherSuites: aeadCipherSuites,
		NextProtos:   nextProtos,
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			st := f.current()
			c := &tls.Config{
				MinVersion:   tls.VersionTLS12,
				CipherSuites: aeadCipherSuites,
				NextProtos:   nextProtos,
				Certificates: []tls.Certificate{st.cert},
			}
			if st.clientCAs != nil {
				c.ClientAuth = tls.VerifyClientCertIfGiven
				c.ClientCAs = st.clientCAs
				c.SessionTicketsDisabled = true
			}
			return c, nil
		},
	}
}

// aeadCipherSuites are the TLS 1.2 suites both listeners offer: forward
// secret and AEAD only, the list grpc-go's credentials use by default, so
// that the HTTP listener offers nothing weaker than the gRPC one. (TLS 1.3
// suites are not configurable and are all AEAD.)
var aeadCipherSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// current returns the material to use now, reloading it first if the files
// changed.
func (f *tlsFiles) current() *tlsState {
	st := f.cur.Load()
	stamp, err := f.stat()
	if err == nil && stamp == st.stamp {
		return st
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	st = f.cur.Load()
	if err != nil {
		if msg := err.Error(); msg != f.statFailed {
			f.statFailed = msg
			f.logger.Warn("TLS files cannot be read; still serving the previous certificate", slog.Any("error", err))
		}
		return st
	}
	f.statFailed = ""
	if stamp == st.stamp || stamp == f.rejected {
		return st
	}
	next, err := loadTLS(f.certFile, f.keyFile, f.clientCAFile)
	if err != nil {
		f.rejected = stamp
		f.logger.Warn("TLS files changed but do not load; still serving the previous certificate", slog.Any("error", err))
		return st
	}
	next.stamp = stamp
	f.cur.Store(next)
	if next.digest != st.digest {
		f.logLoaded("TLS certificate reloaded", next)
	}
	return next
}

// stat describes the files' modification times and sizes.
func (f *tlsFiles) stat() (string, error) {
	var b strings.Builder
	for _, name := range []string{f.certFile, f.keyFile, f.clientCAFile} {
		if name == "" {
			continue
		}
		fi, err := os.Stat(name)
		if err != nil {
			return "", fmt.Errorf("stat TLS file: %w", err)
		}
		b.WriteString(strconv.FormatInt(fi.ModTime().UnixNano(), 36))
		b.WriteByte('/')
		b.WriteString(strconv.FormatInt(fi.Size(), 36))
		b.WriteByte(';')
	}
	return b.String(), nil
}

func (f *tlsFiles) logLoaded(msg string, st *tlsState) {
	attrs := []slog.Attr{slog.String("cert_file", f.certFile)}
	if leaf := st.cert.Leaf; leaf != nil {
		attrs = append(attrs,
			slog.String("serial", leaf.SerialNumber.Text(16)),
			slog.String("subject", leaf.Subject.String()),
			slog.Time("not_after", leaf.NotAfter))
	}
	if f.clientCAFile != "" {
		attrs = append(attrs, slog.String("client_ca_file", f.clientCAFile))
	}
	f.logger.LogAttrs(context.Background(), slog.LevelInfo, msg, attrs...)
}

// loadTLS reads and checks the certificate, key and client CA. Its errors
// never contain key material.
func loadTLS(certFile, keyFile, clientCAFile string) (*tlsState, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("read --tls-cert-file: %w", err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("read --tls-key-file: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("load --tls-cert-file and --tls-key-file: %w", err)
	}
	h := sha256.New()
	h.Write(certPEM)
	h.Write(keyPEM)
	st := &tlsState{cert: cert}
	if clientCAFile != "" {
		caPEM, err := os.ReadFile(clientCAFile)
		if err != nil {
			return nil, fmt.Errorf("read --tls-client-ca-file: %w", err)
		}
		if st.clientCAs, err = certPool(caPEM); err != nil {
			return nil, fmt.Errorf("load --tls-client-ca-file: %w", err)
		}
		h.Write(caPEM)
	}
	h.Sum(st.digest[:0])
	return st, nil
}

// certPool parses PEM certificates; it refuses input without any.
func certPool(pemBytes []byte) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		return nil, errors.New("no PEM certificate found")
	}
	return pool, nil
}

// loadCertPool reads a PEM CA bundle.
func loadCertPool(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return certPool(b)
}

// expiryGauge exports the serving certificate's expiry (its NotAfter, as a
// Unix time), read at each scrape from the current files, so a renewed
// certificate shows at once.
func (f *tlsFiles) expiryGauge() prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "telegent_facade_tls_certificate_expiry_timestamp_seconds",
		Help: "When the certificate the listeners serve expires, as a Unix time.",
	}, func() float64 {
		leaf := f.current().cert.Leaf
		if leaf == nil {
			return 0
		}
		return float64(leaf.NotAfter.Unix())
	})
}
