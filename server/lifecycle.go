package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/KimMachineGun/automemlimit/memlimit"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/platform/telegent-facade/internal/buildinfo"
	"github.com/platform/telegent-facade/internal/connguard"
)

// The facade's lifecycle, as probes and load balancers see it:
//
//   - starting: /readyz answers 503 "starting" and gRPC health (overall and
//     per service) NOT_SERVING, until the first Telegent token is in hand;
//   - ready: 200 and SERVING;
//   - credentials refused: while Telegent refuses the account key and
//     secret, 503 with that reason and NOT_SERVING; a token is retried in
//     the background (the secret file re-read first) until it is accepted;
//   - shutting down, from the moment SIGTERM arrives: 503 "shutting down"
//     and NOT_SERVING at once, while both listeners keep serving for
//     --shutdown-delay, so that Kubernetes' endpoints, load balancers and
//     clients' health checks move traffic away before anything is refused;
//     then the listeners stop accepting and calls in flight get
//     --shutdown-grace to finish.
//
// --ops-addr serves /healthz, /readyz, /metrics (then not on the public
// HTTP port) and gRPC health in plaintext, because kubelet's probes cannot
// present client certificates or speak TLS to gRPC; it is served until the
// very end of the drain.

// Readiness states reported by /readyz.
const (
	statusStarting     = "starting"
	statusShuttingDown = "shutting down"
)

// initLifecycle reports NOT_SERVING for the whole server and the services
// registered so far until it is ready (a new health server starts out
// SERVING), and registers the build information metric.
func (s *Server) initLifecycle(reg prometheus.Registerer) {
	for _, name := range append(s.serviceNames(), "") {
		s.health.SetServingStatus(name, healthpb.HealthCheckResponse_NOT_SERVING)
	}
	registerBuildInfo(reg)
}

// registerBuildInfo adds telegent_facade_build_info{version,revision,go_version} 1.
func registerBuildInfo(reg prometheus.Registerer) {
	bi := buildinfo.Read()
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "telegent_facade_build_info",
		Help:        "Always 1; the labels tell which build of the facade is running.",
		ConstLabels: prometheus.Labels{"version": bi.Version, "revision": bi.Revision, "go_version": bi.GoVersion},
	})
	g.Set(1)
	reg.MustRegister(g)
}

// startLifecycle runs when every service is registered and the listeners
// are about to serve: each service reports NOT_SERVING until markReady,
// and the ops listener, if any, starts serving.
func (s *Server) startLifecycle(g *errgroup.Group) {
	for _, name := range s.serviceNames() {
		s.health.SetServingStatus(name, healthpb.HealthCheckResponse_NOT_SERVING)
	}
	if s.ops != nil {
		g.Go(s.ops.serve)
	}
}

// markReady turns readiness and gRPC health (overall and per service)
// SERVING, unless shutdown has already begun (ctx is done).
func (s *Server) markReady(ctx context.Context) {
	if ctx.Err() != nil {
		return
	}
	s.ready.Store(true)
	s.updateHealth()
}

// updateHealth sets gRPC health (overall and per service) from readiness,
// and starts the background token attempts while Telegent refuses the
// credentials. After shutdown has begun the health server ignores changes.
func (s *Server) updateHealth() {
	s.healthMu.Lock()
	defer s.healthMu.Unlock()
	st := healthpb.HealthCheckResponse_NOT_SERVING
	if ready, _ := s.readiness(); ready {
		st = healthpb.HealthCheckResponse_SERVING
	}
	for _, name := range append(s.serviceNames(), "") {
		s.health.SetServingStatus(name, st)
	}
	if s.creds.rejected.Load() && s.ready.Load() && s.runCtx != nil {
		s.creds.retry(s.runCtx, s.cfg.UpstreamTimeout, s.logger)
	}
}

// serviceNames are the services the gRPC server serves, except health and
// reflection themselves.
func (s *Server) serviceNames() []string {
	var names []string
	for name := range s.grpcServer.GetServiceInfo() {
		if name != healthpb.Health_ServiceDesc.ServiceName && !strings.HasPrefix(name, "grpc.reflection.") {
			names = append(names, name)
		}
	}
	return names
}

// readiness reports whether the facade is ready, and if not, why.
func (s *Server) readiness() (bool, string) {
	switch {
	case s.stopping.Load():
		return false, statusShuttingDown
	case !s.ready.Load():
		return false, statusStarting
	case s.creds.rejected.Load():
		return false, statusCredentialsRejected
	default:
		return true, "ready"
	}
}

// beginShutdown fails readiness and gRPC health at once, then waits
// --shutdown-delay with the listeners still serving. A replica that never
// became ready has no traffic to move away, and stops at once.
func (s *Server) beginShutdown() {
	delay := s.cfg.ShutdownDelay
	if !s.ready.Load() {
		delay = 0
	}
	s.logger.Info("shutting down", slog.Duration("delay", delay), slog.Duration("grace", s.cfg.ShutdownGrace))
	s.stopping.Store(true)
	s.ready.Store(false)
	// NOT_SERVING for every service, and no later change.
	s.health.Shutdown()
	if delay > 0 {
		time.Sleep(delay)
	}
	s.logger.Info("draining", slog.Duration("grace", s.cfg.ShutdownGrace))
}

// opsServer is the plaintext listener of --ops-addr: HTTP/1.1 for /healthz,
// /readyz and /metrics, and HTTP/2 without TLS (h2c, as kubelet's gRPC
// probe speaks it) for gRPC health.
type opsServer struct {
	lis  net.Listener
	srv  *http.Server
	grpc *grpc.Server
}

// listenOps binds the ops listener, or returns nil when --ops-addr is
// empty. It is bound last: on failure it closes the debug listener bound
// before it (the others are closed by New).
func (s *Server) listenOps(ctx context.Context, reg *prometheus.Registry) (*opsServer, error) {
	if s.cfg.OpsAddr == "" {
		return nil, nil
	}
	var lc net.ListenConfig
	lis, err := lc.Listen(ctx, "tcp", s.cfg.OpsAddr)
	if err != nil {
		if s.debug != nil {
			_ = s.debug.lis.Close()
		}
		return nil, fmt.Errorf("listen for ops on --ops-addr %s: %w", s.cfg.OpsAddr, err)
	}
	lis = guardListener(lis, s.cfg, reg, "ops")
	g := grpc.NewServer()
	healthpb.RegisterHealthServer(g, s.health)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", s.serveReady)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	srv := &http.Server{
		// gRPC health is served by this handler too, so connguard.Handler
		// marks every protocol's first request.
		Handler: connguard.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ProtoMajor == 2 && strings.HasPrefix(r.Header.Get("Content-Type"), "application/grpc") {
				g.ServeHTTP(w, r)
				return
			}
			mux.ServeHTTP(w, r)
		})),
		ConnContext:       connguard.ConnContext,
		Protocols:         protocols,
		ReadHeaderTimeout: DefaultReadHeaderTimeout,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    DefaultMaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
	}
	return &opsServer{lis: lis, srv: srv, grpc: g}, nil
}

// OpsAddr is the address the ops listener listens on, or nil without
// --ops-addr.
func (s *Server) OpsAddr() net.Addr {
	if s.ops == nil {
		return nil
	}
	return s.ops.lis.Addr()
}

func (o *opsServer) serve() error {
	if err := o.srv.Serve(o.lis); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve ops: %w", err)
	}
	return nil
}

// stopOps stops the ops listener, after the drain: until then it answers
// probes (NOT_SERVING) and serves metrics of the last calls.
func (s *Server) stopOps(ctx context.Context) error {
	if s.ops == nil {
		return nil
	}
	// Probes are short; a drain that used up the grace period leaves none
	// worth waiting for.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	err := s.ops.srv.Shutdown(ctx)
	if err != nil {
		_ = s.ops.srv.Close()
		err = fmt.Errorf("stop ops listener: %w", err)
	}
	s.ops.grpc.Stop()
	return err
}

// MemoryLimitRatio is the share of the container's memory limit (cgroup
// memory.max) that becomes Go's soft memory limit when GOMEMLIMIT is not
// set; the rest is headroom for what the Go runtime does not count.
const MemoryLimitRatio = 0.9

// ConfigureMemoryLimit pairs the GC setting with a soft memory limit. With
// GOGC=400 (the facade's default) the heap may grow to five times what is
// live before a collection; a memory limit makes the collector work harder
// near the container's limit instead of the container being OOM-killed.
// GOMEMLIMIT, when set, is honoured as is; otherwise the limit is
// MemoryLimitRatio of the cgroup's memory limit, when there is one.
func ConfigureMemoryLimit(logger *slog.Logger) {
	configureMemoryLimit(logger, memlimit.FromCgroup)
}

// configureMemoryLimit sets the limit from provider's and returns it.
func configureMemoryLimit(logger *slog.Logger, provider memlimit.Provider) int64 {
	// Failures are logged by memlimit; the facade then runs without a
	// limit, as Go does by default.
	limit, _ := memlimit.Set(
		memlimit.WithRatio(MemoryLimitRatio),
		memlimit.WithProvider(provider),
		memlimit.WithLogger(logger),
	)
	return limit
}
