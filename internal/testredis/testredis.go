// Package testredis runs a throwaway redis-server on a loopback port for
// tests: nothing persisted, stopped when the test ends.
package testredis

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is a running redis-server.
type Server struct {
	// Addr is HOST:PORT on loopback.
	Addr string
	opts Options
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited and been reaped
	err  error         // its exit status, once done is closed
}

// Options makes a server like a managed Redis: TLS only, and a password.
type Options struct {
	// Password, when set, is required of every client (requirepass, the
	// "default" user's password).
	Password string
	// TLS, when set, makes the server speak TLS only, with this
	// certificate and key (PEM); CAPEM is the bundle clients verify it by.
	TLS *TLS
}

// TLS is a server certificate for Options.
type TLS struct {
	CertPEM, KeyPEM, CAPEM []byte
}

// URL is the server's address as the facade's --idempotency-store takes it:
// rediss:// with TLS, and never a password.
func (s *Server) URL() string {
	if s.opts.TLS != nil {
		return "rediss://" + s.Addr + "/0"
	}
	return "redis://" + s.Addr + "/0"
}

// Client returns a go-redis client of the server, closed when the test
// ends, for a test to look at what the server holds.
func (s *Server) Client(t testing.TB) *redis.Client {
	t.Helper()
	opts := &redis.Options{Addr: s.Addr, Password: s.opts.Password, TLSConfig: s.tlsConfig()}
	c := redis.NewClient(opts)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Keys returns every key the server holds (SCAN).
func (s *Server) Keys(t testing.TB) []string {
	t.Helper()
	var keys []string
	iter := s.Client(t).Scan(context.Background(), 0, "*", 1000).Iterator()
	for iter.Next(context.Background()) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Fatalf("scan redis: %v", err)
	}
	return keys
}

func (s *Server) tlsConfig() *tls.Config {
	if s.opts.TLS == nil {
		return nil
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.opts.TLS.CAPEM)
	return &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

// Start runs redis-server on a free 127.0.0.1 port until the test ends. It
// skips the test when redis-server is not installed, unless CI is set: in
// CI, `make test` installs it and its absence is a failure.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartWith(t, Options{})
}

// StartWith is Start with opts.
func StartWith(t testing.TB, opts Options) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("redis-server not found (make test installs it: make deps-redis): %v", err)
		}
		t.Skip("redis-server not installed; run make deps-redis")
	}
	s := &Server{opts: opts}
	dir := t.TempDir()
	var extra []string
	if opts.Password != "" {
		extra = append(extra, "--requirepass", opts.Password)
	}
	if opts.TLS != nil {
		files := map[string][]byte{"cert.pem": opts.TLS.CertPEM, "key.pem": opts.TLS.KeyPEM, "ca.pem": opts.TLS.CAPEM}
		for name, b := range files {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		extra = append(extra, "--tls-cert-file", filepath.Join(dir, "cert.pem"), "--tls-key-file", filepath.Join(dir, "key.pem"),
			"--tls-ca-cert-file", filepath.Join(dir, "ca.pem"), "--tls-auth-clients", "no")
	}
	// A port taken between Listen and redis-server's bind is retried.
	for attempt := 0; ; attempt++ {
		port, err := freePort()
		if err != nil {
			t.Fatalf("find a free port: %v", err)
		}
		s.Addr = net.JoinHostPort("127.0.0.1", port)
		ports := []string{"--port", port}
		if opts.TLS != nil {
			ports = []string{"--port", "0", "--tls-port", port}
		}
		args := append([]string{"--bind", "127.0.0.1"}, ports...)
		args = append(args,
			"--save", "", "--appendonly", "no", // nothing persisted
			"--dir", dir, "--protected-mode", "yes", "--loglevel", "warning")
		s.cmd = exec.Command(bin, append(args, extra...)...)
		if err := s.cmd.Start(); err != nil {
			t.Fatalf("start redis-server: %v", err)
		}
		s.done = make(chan struct{})
		go func(cmd *exec.Cmd, done chan struct{}) {
			s.err = cmd.Wait()
			close(done)
		}(s.cmd, s.done)
		err = s.waitReady()
		if err == nil {
			break
		}
		s.Stop()
		if attempt == 2 {
			t.Fatalf("redis-server did not start: %v", err)
		}
	}
	t.Cleanup(s.Stop)
	return s
}

// Stop kills the server; later calls do nothing.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	_, port, err := net.SplitHostPort(l.Addr().String())
	return port, err
}

// waitReady polls the server with PING until it answers PONG, it exits, or
// 30 seconds pass.
func (s *Server) waitReady() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		if s.ping(ctx) == nil {
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("redis-server exited: %w", s.err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (s *Server) ping(ctx context.Context) error {
	var (
		conn net.Conn
		err  error
	)
	if cfg := s.tlsConfig(); cfg != nil {
		d := tls.Dialer{Config: cfg}
		conn, err = d.DialContext(ctx, "tcp", s.Addr)
	} else {
		var d net.Dialer
		conn, err = d.DialContext(ctx, "tcp", s.Addr)
	}
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	r := bufio.NewReader(conn)
	if s.opts.Password != "" {
		if _, err := fmt.Fprintf(conn, "AUTH %s\r\n", s.opts.Password); err != nil {
			return err
		}
		if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "+OK") {
			return fmt.Errorf("AUTH answered %q: %v", line, err)
		}
	}
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") {
		return fmt.Errorf("unexpected answer %q", line)
	}
	return nil
}
