// Command plainproxy is the "plain hop" of the load benchmark: a bare
// net/http/httputil.ReverseProxy in front of one upstream, doing no
// translation at all. It measures what one Go HTTP hop costs on this
// machine, so the facade's overhead can be read against it.
//
// It is not a product binary (those live under cmd/); bench/loadbench builds
// and runs it as its own process, so its CPU time is accounted separately.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	_ "net/http/pprof" // for --debug-addr
	"net/url"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "`host:port` to listen on")
	target := flag.String("target", "", "upstream base `URL`, e.g. http://127.0.0.1:8081 (required)")
	debugAddr := flag.String("debug-addr", "", "`host:port` to serve net/http/pprof on, for comparing profiles (off when empty)")
	flag.Parse()
	if *debugAddr != "" {
		go func() {
			// DefaultServeMux carries net/http/pprof's handlers.
			err := http.ListenAndServe(*debugAddr, nil)
			fmt.Fprintln(os.Stderr, "plainproxy: debug listener:", err)
		}()
	}
	if err := run(*addr, *target); err != nil {
		fmt.Fprintln(os.Stderr, "plainproxy:", err)
		os.Exit(1)
	}
}

func run(addr, target string) error {
	u, err := url.Parse(target)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return fmt.Errorf("--target %q: want an absolute URL", target)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: newProxy(u), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Printf("plainproxy listening on %s -> %s\n", ln.Addr(), u)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newProxy is a reverse proxy given the same treatment as the facade's
// upstream client: a keep-alive pool large enough that no connection is
// opened per request, and pooled copy buffers. The outbound Host is the
// target's, so a token scoped to the upstream's own URL is accepted through
// the hop exactly as it is directly.
func newProxy(target *url.URL) *httputil.ReverseProxy {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	return &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(target) },
		Transport: &http.Transport{
			DialContext:         dialer.DialContext,
			MaxIdleConns:        1024,
			MaxIdleConnsPerHost: 1024,
			IdleConnTimeout:     90 * time.Second,
		},
		BufferPool: &bufferPool{pool: sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}},
		ErrorLog:   log.New(os.Stderr, "plainproxy: ", log.LstdFlags),
	}
}

type bufferPool struct{ pool sync.Pool }

func (p *bufferPool) Get() []byte  { return *p.pool.Get().(*[]byte) }
func (p *bufferPool) Put(b []byte) { p.pool.Put(&b) }
