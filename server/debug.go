package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"

	"github.com/platform/telegent-facade/internal/netutil"
)

// debugServer serves net/http/pprof for profiling under load. It exists
// only when --debug-addr is set, which Validate allows on loopback
// addresses only: profiles reveal internals and cost CPU, so they are never
// served to the network. (Importing net/http/pprof also registers its
// handlers on http.DefaultServeMux, which the facade never serves.)
type debugServer struct {
	srv *http.Server
	lis net.Listener
}

// listenDebug binds the debug listener, or returns nil when addr is empty.
func listenDebug(ctx context.Context, addr string, logger *slog.Logger) (*debugServer, error) {
	if addr == "" {
		return nil, nil
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	var lc net.ListenConfig
	lis, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for debug: %w", err)
	}
	return &debugServer{lis: lis, srv: &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: DefaultReadHeaderTimeout,
		// No WriteTimeout: a CPU profile streams for as long as asked.
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}}, nil
}

// serve serves until ctx is done. Profiles in progress are cut off: the
// debug listener holds no calls that need draining.
func (d *debugServer) serve(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { _ = d.srv.Close() })
	defer stop()
	if err := d.srv.Serve(d.lis); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve debug: %w", err)
	}
	return nil
}

// debugAddrProblem reports why addr cannot be the debug address, or nil.
func debugAddrProblem(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if !netutil.IsLoopbackHost(host) {
		return fmt.Errorf("must be a literal loopback address (127.0.0.1, [::1]) or exactly localhost, got %q", host)
	}
	return nil
}
