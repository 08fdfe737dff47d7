// Package testredis runs a throwaway redis-server on a loopback port for
// tests: nothing persisted, stopped when the test ends.
package testredis

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Server is a running redis-server.
type Server struct {
	// Addr is HOST:PORT on loopback.
	Addr string
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited and been reaped
	err  error         // its exit status, once done is closed
}

// URL is the server's address as the facade's --idempotency-store takes it.
func (s *Server) URL() string { return "redis://" + s.Addr + "/0" }

// Start runs redis-server on a free 127.0.0.1 port until the test ends. It
// skips the test when redis-server is not installed, unless CI is set: in
// CI, `make test` installs it and its absence is a failure.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("redis-server not found (make test installs it: make deps-redis): %v", err)
		}
		t.Skip("redis-server not installed; run make deps-redis")
	}
	s := &Server{}
	// A port taken between Listen and redis-server's bind is retried.
	for attempt := 0; ; attempt++ {
		port, err := freePort()
		if err != nil {
			t.Fatalf("find a free port: %v", err)
		}
		s.Addr = net.JoinHostPort("127.0.0.1", port)
		s.cmd = exec.Command(bin,
			"--bind", "127.0.0.1", "--port", port,
			"--save", "", "--appendonly", "no", // nothing persisted
			"--dir", t.TempDir(), "--protected-mode", "yes", "--loglevel", "warning")
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
		if ping(ctx, s.Addr) == nil {
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

func ping(ctx context.Context, addr string) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") {
		return fmt.Errorf("unexpected answer %q", line)
	}
	return nil
}
